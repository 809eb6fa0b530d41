/**
 * Sessions that outlive their first hour: the refreshing provider on its own
 * (a clock in the test's hand), then through connectAccounts and the SDK's
 * own memoization (aws-sdk-client-mock for STS, the OIDC stand-in for tokens).
 */
import { describe, expect, it, jest } from '@jest/globals';
import { AssumeRoleCommand, AssumeRoleWithWebIdentityCommand, STSServiceException } from '@aws-sdk/client-sts';
import { connectAccounts, CredentialsError, freshForCritical, type Account } from '../src/accounts';
import { CRITICAL_WITHIN_MS, REFRESH_WITHIN_MS, RefreshingSession, type AwsCredentialIdentity } from '../src/credentials';
import { diagnoseError } from '../src/diagnostics/faults';
import { ROLE_INPUTS, roleSettings, stsCredentials, useMockedSts } from './fixtures/sts';

const MIN = 60_000;

describe('RefreshingSession', () => {
  let now: number;
  let issued: number;
  let refuse: Error | undefined;
  const assume = jest.fn(async (): Promise<AwsCredentialIdentity> => {
    if (refuse) throw refuse;
    issued++;
    return { accessKeyId: `KEY${issued}`, secretAccessKey: 's', sessionToken: 't', expiration: new Date(now + 60 * MIN) };
  });
  const session = () => new RefreshingSession({ assume, now: () => now });

  beforeEach(() => {
    now = Date.UTC(2026, 10, 29, 0, 0, 0);
    issued = 0;
    refuse = undefined;
    assume.mockClear();
  });

  it('keeps the session while more than 5 minutes remain, assumes again below that', async () => {
    const s = session();
    expect((await s.provider()).accessKeyId).toBe('KEY1');
    now += 55 * MIN; // exactly 5 min left: still kept
    expect((await s.provider()).accessKeyId).toBe('KEY1');
    now += 1;
    const renewed = await s.provider();
    expect(renewed.accessKeyId).toBe('KEY2');
    expect(renewed.expiration!.getTime()).toBe(now + 60 * MIN);
    expect(assume).toHaveBeenCalledTimes(2);
    expect(s.assumptions).toBe(2);
  });

  it('five hours of calls every minute: one assumption per session, never an expired one handed out', async () => {
    const s = session();
    for (let t = 0; t <= 5 * 60; t++) {
      const c = await s.provider();
      expect(c.expiration!.getTime() - now).toBeGreaterThanOrEqual(REFRESH_WITHIN_MS);
      now += MIN;
    }
    // 0:00, then each time 5 min remain: 0:56, 1:52, 2:48, 3:44, 4:40
    expect(assume).toHaveBeenCalledTimes(6);
  });

  it('concurrent calls near expiry share one assumption', async () => {
    const s = session();
    await s.provider();
    now += 58 * MIN;
    const all = await Promise.all([s.provider(), s.provider(), s.provider()]);
    expect(new Set(all.map(c => c.accessKeyId))).toEqual(new Set(['KEY2']));
    expect(assume).toHaveBeenCalledTimes(2);
  });

  it('get(15 min) renews a session with less left, and leaves a longer one alone', async () => {
    const s = session();
    await s.get(0);
    now += 40 * MIN; // 20 min left
    await s.get(CRITICAL_WITHIN_MS);
    expect(assume).toHaveBeenCalledTimes(1);
    now += 6 * MIN; // 14 min left
    expect((await s.get(CRITICAL_WITHIN_MS)).accessKeyId).toBe('KEY2');
  });

  it('a refusal on renewal fails the asking call once, then serves the session in hand until it expires', async () => {
    const s = session();
    await s.provider();
    now += 57 * MIN;
    refuse = new CredentialsError('STS AssumeRoleWithWebIdentity for the source account failed: AccessDenied', 'STS refused AssumeRoleWithWebIdentity (source)', 'source');
    await expect(s.provider()).rejects.toBe(refuse);
    expect(s.refused).toBe(refuse);
    // The rollback that follows still has the 3 minutes left, and STS is not asked again.
    expect((await s.provider()).accessKeyId).toBe('KEY1');
    expect(assume).toHaveBeenCalledTimes(2);
    now += 3 * MIN;
    await expect(s.provider()).rejects.toBe(refuse);
    expect(assume).toHaveBeenCalledTimes(2);
  });

  it('a refusal at the start is thrown and not remembered', async () => {
    const s = session();
    refuse = new Error('AccessDenied');
    await expect(s.get(0)).rejects.toThrow('AccessDenied');
    expect(s.refused).toBeUndefined();
  });
});

const inputs = ROLE_INPUTS;
const settings = roleSettings;

describe('connectAccounts: clients that renew their sessions', () => {
  const m = useMockedSts();
  const { sts, answerCallerIdentity, withOidc } = m;
  let serial = 0;
  /** Each assumption: new keys, expiring `minutes` from now. */
  const creds = (side: string, minutes: number) => stsCredentials(side, minutes, String(++serial));

  /** Moves the process clock (the SDK's and the provider's) forward. */
  const later = (minutes: number) => {
    const real = Date.now.bind(Date);
    jest.spyOn(Date, 'now').mockImplementation(() => real() + minutes * MIN);
  };

  it('OIDC: a session near its end is renewed with a new ID token and AssumeRoleWithWebIdentity, every new secret masked', async () => {
    withOidc();
    // The first source session has 8 minutes; 4 minutes later the next request renews it.
    const first = creds('source', 8);
    const second = creds('source', 60);
    sts.on(AssumeRoleWithWebIdentityCommand, { RoleArn: inputs['source-role-arn'] }).resolvesOnce({ Credentials: first }).resolves({ Credentials: second });
    sts.on(AssumeRoleWithWebIdentityCommand, { RoleArn: inputs['target-role-arn'] }).resolves({ Credentials: creds('target', 60) });
    answerCallerIdentity();
    const tokensBefore = m.oidc().requests.length;

    const accounts = await connectAccounts(settings());
    // At the start one token served both sides.
    expect(m.oidc().requests.length - tokensBefore).toBe(1);
    expect(sts.commandCalls(AssumeRoleWithWebIdentityCommand)).toHaveLength(2);
    later(4);

    // The SDK asks the provider again (its own 5-minute window), the provider assumes the role again.
    const renewed = await accounts.source.rds.config.credentials();
    expect(renewed.accessKeyId).toBe(second.AccessKeyId);
    const calls = sts.commandCalls(AssumeRoleWithWebIdentityCommand, { RoleArn: inputs['source-role-arn'] });
    expect(calls).toHaveLength(2);
    // The other client of the side gets the same renewed session, without another assumption.
    expect((await accounts.source.kms.config.credentials()).accessKeyId).toBe(second.AccessKeyId);
    expect(sts.commandCalls(AssumeRoleWithWebIdentityCommand, { RoleArn: inputs['source-role-arn'] })).toHaveLength(2);
    // A fresh token from the runner for the renewal, not the start's.
    expect(m.oidc().requests.length - tokensBefore).toBe(2);
    expect(calls[1].args[0].input.WebIdentityToken).not.toBe(calls[0].args[0].input.WebIdentityToken);
    // The target's session had an hour: not renewed.
    expect((await accounts.target.rds.config.credentials()).accessKeyId).toMatch(/^ASIATARGET/);
    expect(sts.commandCalls(AssumeRoleWithWebIdentityCommand, { RoleArn: inputs['target-role-arn'] })).toHaveLength(1);

    const masked = m
      .stdout()
      .filter(l => l.startsWith('::add-mask::'))
      .join('\n');
    expect(masked).toContain(renewed.secretAccessKey);
    expect(masked).toContain(renewed.sessionToken!);
    expect(masked).toContain(renewed.accessKeyId);
    expect(masked).toContain(calls[1].args[0].input.WebIdentityToken!);
    expect(m.stdout().join('\n')).toMatch(/source: assumed arn:aws:iam::111111111111:role\/rds-sync-production again \(oidc\)/);
  });

  it('ambient + role: the renewal is AssumeRole again from the ambient credentials', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIAAMBIENT';
    process.env.AWS_SECRET_ACCESS_KEY = 'ambient-secret';
    sts.on(AssumeRoleCommand, { RoleArn: inputs['source-role-arn'] }).resolves({ Credentials: creds('source', 60) });
    sts
      .on(AssumeRoleCommand, { RoleArn: inputs['target-role-arn'] })
      .resolvesOnce({ Credentials: creds('target', 8) })
      .resolves({ Credentials: creds('target', 60) });
    answerCallerIdentity();
    const accounts = await connectAccounts(settings());
    expect(sts.commandCalls(AssumeRoleCommand, { RoleArn: inputs['target-role-arn'] })).toHaveLength(1);
    later(6);
    await accounts.target.kms.config.credentials();
    const calls = sts.commandCalls(AssumeRoleCommand, { RoleArn: inputs['target-role-arn'] });
    expect(calls).toHaveLength(2);
    expect(calls[1].args[0].input).toEqual(calls[0].args[0].input);
    expect(sts.commandCalls(AssumeRoleWithWebIdentityCommand)).toHaveLength(0);
  });

  it('a refusal on renewal is the same titled error as at the start, naming the side and the role', async () => {
    withOidc();
    sts.on(AssumeRoleWithWebIdentityCommand, { RoleArn: inputs['source-role-arn'] }).resolves({ Credentials: creds('source', 60) });
    sts
      .on(AssumeRoleWithWebIdentityCommand, { RoleArn: inputs['target-role-arn'] })
      .resolvesOnce({ Credentials: creds('target', 8) })
      .rejects(new STSServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: {}, message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity' }));
    answerCallerIdentity();
    const accounts = await connectAccounts(settings());
    later(5);
    const e = await accounts.target.rds.config.credentials().catch(x => x);
    expect(e).toBeInstanceOf(CredentialsError);
    expect(e.title).toBe('STS refused AssumeRoleWithWebIdentity (target)');
    expect(e.message).toContain(inputs['target-role-arn']);
    const [d] = diagnoseError(e, undefined);
    expect(d.title).toBe('STS refused AssumeRoleWithWebIdentity (target)');
    // The session in hand still serves the rollback.
    expect((await accounts.target.rds.config.credentials()).accessKeyId).toMatch(/^ASIATARGET/);
  });

  it("role-duration-seconds above the role's MaxSessionDuration: one error with the update-role fix", async () => {
    withOidc();
    sts
      .on(AssumeRoleWithWebIdentityCommand)
      .rejects(new STSServiceException({ name: 'ValidationError', $fault: 'client', $metadata: {}, message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.' }));
    const e = await connectAccounts(settings({ 'role-duration-seconds': '7200' })).catch(x => x);
    expect(e).toBeInstanceOf(CredentialsError);
    expect(e.title).toBe('role-duration-seconds above the maximum session duration of rds-sync-production (source)');
    const diagnostics = diagnoseError(e, undefined);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0].fix).toContain('aws iam update-role --role-name rds-sync-production --max-session-duration');
    expect(diagnostics[0].message).toContain('MaxSessionDuration');
  });

  it('a chained session above one hour: the fix is role-duration-seconds 3600', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'ASIAROLESESSION';
    process.env.AWS_SECRET_ACCESS_KEY = 'x';
    process.env.AWS_SESSION_TOKEN = 'y';
    sts
      .on(AssumeRoleCommand)
      .rejects(
        new STSServiceException({ name: 'ValidationError', $fault: 'client', $metadata: {}, message: 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.' })
      );
    const e = await connectAccounts(settings({ 'role-duration-seconds': '7200' })).catch(x => x);
    expect(e.title).toBe('role-duration-seconds too long for a chained role session (source)');
    expect(e.fix).toContain('role-duration-seconds: 3600');
  });

  it('freshForCritical renews a session with less than 15 minutes left before the swap, and only then', async () => {
    withOidc();
    sts.on(AssumeRoleWithWebIdentityCommand, { RoleArn: inputs['source-role-arn'] }).resolves({ Credentials: creds('source', 60) });
    sts
      .on(AssumeRoleWithWebIdentityCommand, { RoleArn: inputs['target-role-arn'] })
      .resolvesOnce({ Credentials: creds('target', 10) })
      .resolves({ Credentials: creds('target', 60) });
    answerCallerIdentity();
    const accounts = await connectAccounts(settings());
    await freshForCritical(accounts.source, 'the swap');
    expect(sts.commandCalls(AssumeRoleWithWebIdentityCommand, { RoleArn: inputs['source-role-arn'] })).toHaveLength(1);
    await freshForCritical(accounts.target, 'the swap');
    expect(sts.commandCalls(AssumeRoleWithWebIdentityCommand, { RoleArn: inputs['target-role-arn'] })).toHaveLength(2);
    expect(accounts.target.session!.remainingMs()).toBeGreaterThan(CRITICAL_WITHIN_MS);
  });

  it('freshForCritical before a rollback only warns when STS refuses', async () => {
    let now = Date.now();
    const fresh = async () => {
      const s = new RefreshingSession({ now: () => now, assume });
      await s.get(0);
      return { side: 'target', session: s } as unknown as Account;
    };
    const assume = async () => {
      if (now > start) throw new Error('AccessDenied');
      return { accessKeyId: 'A', secretAccessKey: 'B', expiration: new Date(now + 60 * MIN) };
    };
    const start = now;
    const beforeSwap = await fresh();
    const beforeRollback = await fresh();
    now += 50 * MIN;
    await expect(freshForCritical(beforeSwap, 'the swap')).rejects.toThrow('AccessDenied');
    await freshForCritical(beforeRollback, 'the rollback', { bestEffort: true });
    expect(m.stdout().join('\n')).toMatch(/::warning title=Session not renewed before the rollback \(target\)::/);
  });
});
