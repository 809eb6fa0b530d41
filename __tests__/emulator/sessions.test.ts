/**
 * Sessions on the simulated clock: Expiration, the expired-token refusal of
 * each service (exact codes and statuses), the role's MaxSessionDuration, the
 * 1-hour limit of role chaining, and the web identity token's exp.
 *
 * The clients sign on the emulator's clock (systemClockOffset), as a client
 * whose clock agrees with AWS's does: the emulator judges expiry at the
 * request's signing time.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { KMSClient, ListAliasesCommand } from '@aws-sdk/client-kms';
import { DescribeDBClustersCommand, RDSClient } from '@aws-sdk/client-rds';
import { AssumeRoleCommand, AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { RunningEmulator } from '../../emulator/index';
import { failure, githubClaims, jwt, prodRole, region, scenario, start, STG, stgRole } from './harness';

let emu: RunningEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
const runner = { accessKeyId: 'AKIAEMULATORRUNNER01', secretAccessKey: 'emulator-runner-secret-key-0000000000000' };

/** A client whose clock is the emulator's (as a runner's is AWS's). */
function config(e: RunningEmulator, credentials: Creds) {
  return { region, endpoint: e.url, credentials, maxAttempts: 1, systemClockOffset: e.world.clock.now() - Date.now() };
}
const sts = (e: RunningEmulator, c: Creds) => new STSClient(config(e, c));

async function webIdentity(e: RunningEmulator, roleArn: string, extra: { DurationSeconds?: number; claims?: Record<string, unknown> } = {}) {
  const out = await sts(e, { accessKeyId: 'unused', secretAccessKey: 'unused' }).send(
    new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'gh', WebIdentityToken: jwt(extra.claims ?? githubClaims), DurationSeconds: extra.DurationSeconds })
  );
  const c = out.Credentials!;
  return { creds: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! }, expiration: c.Expiration! };
}

describe('session expiry', () => {
  it('credentials carry Expiration on the simulated clock: now + DurationSeconds (default 3600)', async () => {
    emu = await start();
    emu.advance(5 * 86400); // the simulated clock is days ahead of the real one
    const t0 = emu.world.clock.now();
    const { expiration } = await webIdentity(emu, prodRole);
    expect(expiration.getTime() - t0).toBeGreaterThanOrEqual(3600_000 - 1000);
    expect(expiration.getTime() - t0).toBeLessThanOrEqual(3600_000 + 5000);
    const short = await webIdentity(emu, prodRole, { DurationSeconds: 900 });
    expect(Math.round((short.expiration.getTime() - t0) / 60_000)).toBe(15);
  });

  it('after Expiration: STS and RDS answer ExpiredToken (403), KMS ExpiredTokenException (400)', async () => {
    emu = await start();
    const { creds } = await webIdentity(emu, stgRole, { DurationSeconds: 900 });
    // Still valid one minute before the end.
    emu.advance(840);
    await sts(emu, creds).send(new GetCallerIdentityCommand({}));
    emu.advance(61);
    const viaSts = await failure(sts(emu, creds).send(new GetCallerIdentityCommand({})));
    expect(viaSts.name).toBe('ExpiredToken');
    expect(viaSts.message).toBe('The security token included in the request is expired');
    expect(viaSts.$metadata?.httpStatusCode).toBe(403);
    const viaRds = await failure(new RDSClient(config(emu, creds)).send(new DescribeDBClustersCommand({})));
    expect(viaRds.name).toBe('ExpiredToken');
    expect(viaRds.$metadata?.httpStatusCode).toBe(403);
    const viaKms = await failure(new KMSClient(config(emu, creds)).send(new ListAliasesCommand({})));
    expect(viaKms.name).toBe('ExpiredTokenException');
    expect(viaKms.message).toBe('The security token included in the request is expired');
    expect(viaKms.$metadata?.httpStatusCode).toBe(400);
    // The refusals are in the request log with their codes.
    const log = (emu.state() as unknown as { requests: Array<{ operation: string; errorCode?: string; status: number }> }).requests;
    expect(log.filter(r => r.errorCode?.startsWith('ExpiredToken')).map(r => `${r.operation} ${r.errorCode} ${r.status}`)).toEqual([
      'GetCallerIdentity ExpiredToken 403',
      'DescribeDBClusters ExpiredToken 403',
      'ListAliases ExpiredTokenException 400'
    ]);
  });

  it('static user keys never expire', async () => {
    emu = await start();
    emu.advance(30 * 86400);
    const me = await sts(emu, runner).send(new GetCallerIdentityCommand({}));
    expect(me.Arn).toBe(`arn:aws:iam::${STG}:user/self-hosted-runner`);
  });

  it('a web identity token past its exp (real clock, see README) is ExpiredTokenException (400)', async () => {
    emu = await start();
    const now = Math.floor(Date.now() / 1000);
    await webIdentity(emu, prodRole, { claims: { ...githubClaims, exp: now + 300 } });
    const e = await failure(webIdentity(emu, prodRole, { claims: { ...githubClaims, exp: now - 1 } }));
    expect(e.name).toBe('ExpiredTokenException');
    expect(e.$metadata?.httpStatusCode).toBe(400);
  });
});

describe('session length', () => {
  it("DurationSeconds above the role's MaxSessionDuration (default 3600) is ValidationError (400)", async () => {
    emu = await start();
    const e = await failure(webIdentity(emu, prodRole, { DurationSeconds: 3601 }));
    expect(e.name).toBe('ValidationError');
    expect(e.message).toBe('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
    expect(e.$metadata?.httpStatusCode).toBe(400);
    // AssumeRole checks it too.
    const viaAssumeRole = await failure(sts(emu, runner).send(new AssumeRoleCommand({ RoleArn: stgRole, RoleSessionName: 'runner', DurationSeconds: 7200 })));
    expect(viaAssumeRole.name).toBe('ValidationError');
    expect(viaAssumeRole.message).toBe('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  });

  it('a role with maxSessionDuration: 43200 (scenario) gives 12-hour sessions', async () => {
    emu = await start(scenario('seed.yaml', { accounts: [{ id: '111111111111', roles: [{ name: 'rds-sync-production', maxSessionDuration: 43200 }] }] }));
    const t0 = emu.world.clock.now();
    const { expiration } = await webIdentity(emu, prodRole, { DurationSeconds: 43200 });
    expect(Math.round((expiration.getTime() - t0) / 3600_000)).toBe(12);
  });

  it('a chained session (AssumeRole with role credentials) above 3600 s is refused whatever the role allows', async () => {
    emu = await start(
      scenario('seed.yaml', {
        accounts: [
          {
            id: STG,
            roles: [
              {
                name: 'rds-sync-chained',
                maxSessionDuration: 43200,
                trust: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: stgRole }, Action: 'sts:AssumeRole' }] },
                policies: []
              }
            ]
          }
        ]
      })
    );
    const chained = `arn:aws:iam::${STG}:role/rds-sync-chained`;
    const { creds } = await webIdentity(emu, stgRole);
    const e = await failure(sts(emu, creds).send(new AssumeRoleCommand({ RoleArn: chained, RoleSessionName: 'chain', DurationSeconds: 7200 })));
    expect(e.name).toBe('ValidationError');
    expect(e.message).toBe('The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
    expect(e.$metadata?.httpStatusCode).toBe(400);
    const ok = await sts(emu, creds).send(new AssumeRoleCommand({ RoleArn: chained, RoleSessionName: 'chain', DurationSeconds: 3600 }));
    expect(ok.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${STG}:assumed-role/rds-sync-chained/chain`);
    // From user keys (not chaining) the role's own maximum applies.
    emu.world.account(STG)!.roles.get('rds-sync-chained')!.trust = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${STG}:user/self-hosted-runner` }, Action: 'sts:AssumeRole' }]
    };
    const fromUser = await sts(emu, runner).send(new AssumeRoleCommand({ RoleArn: chained, RoleSessionName: 'direct', DurationSeconds: 7200 }));
    expect(fromUser.Credentials?.Expiration).toBeDefined();
  });

  it("refuses a scenario role maxSessionDuration outside IAM's 3600..43200", async () => {
    await expect(start(scenario('seed.yaml', { accounts: [{ id: STG, roles: [{ name: 'rds-sync-staging', maxSessionDuration: 900 }] }] }))).rejects.toThrow(/maxSessionDuration must be 3600 to 43200/);
  });
});
