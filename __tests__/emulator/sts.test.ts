import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KMSClient, ListAliasesCommand } from '@aws-sdk/client-kms';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { RunningEmulator } from '../../emulator/index';
import { assumeViaOidc, failure, githubClaims, PROD, prodRole, region, start, STG, stgRole } from './harness';
import { AssumeRoleWithWebIdentityCommand } from '@aws-sdk/client-sts';

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await start();
});
afterAll(async () => {
  await emu.close();
});

const runner = { accessKeyId: 'AKIAEMULATORRUNNER01', secretAccessKey: 'emulator-runner-secret-key-0000000000000' };
const sts = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) => new STSClient({ region, endpoint: emu.url, credentials, maxAttempts: 1 });

describe('STS', () => {
  it('AssumeRoleWithWebIdentity gives credentials that act as the role in its account', async () => {
    const creds = await assumeViaOidc(emu, prodRole);
    const me = await sts(creds).send(new GetCallerIdentityCommand({}));
    expect(me.Account).toBe(PROD);
    expect(me.Arn).toBe(`arn:aws:sts::${PROD}:assumed-role/rds-sync-production/github-actions`);
  });

  it.each([
    ['another repository', { ...githubClaims, sub: 'repo:evil-org/app:ref:refs/heads/main' }],
    ['another audience', { ...githubClaims, aud: 'https://example.com' }],
    ['another issuer', { ...githubClaims, iss: 'https://token.example.com' }]
  ])('refuses a token from %s with AccessDenied', async (_why, claims) => {
    const e = await failure(assumeViaOidc(emu, prodRole, claims));
    expect(e.name).toBe('AccessDenied');
    expect(e.message).toBe('Not authorized to perform sts:AssumeRoleWithWebIdentity');
    expect(e.$metadata?.httpStatusCode).toBe(403);
  });

  it('answers InvalidIdentityToken for a malformed token', async () => {
    const client = sts({ accessKeyId: 'x', secretAccessKey: 'y' });
    const e = await failure(client.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: prodRole, RoleSessionName: 'gh', WebIdentityToken: 'not-a-jwt' })));
    expect(e.name).toBe('InvalidIdentityTokenException');
  });

  it('AssumeRole from ambient user credentials when trust and IAM allow it', async () => {
    const out = await sts(runner).send(new AssumeRoleCommand({ RoleArn: stgRole, RoleSessionName: 'runner' }));
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${STG}:assumed-role/rds-sync-staging/runner`);
    const me = await sts({
      accessKeyId: out.Credentials!.AccessKeyId!,
      secretAccessKey: out.Credentials!.SecretAccessKey!,
      sessionToken: out.Credentials!.SessionToken!
    }).send(new GetCallerIdentityCommand({}));
    expect(me.Account).toBe(STG);
  });

  it('AssumeRole of a role whose trust does not admit the caller is AccessDenied', async () => {
    const e = await failure(sts(runner).send(new AssumeRoleCommand({ RoleArn: prodRole, RoleSessionName: 'runner' })));
    expect(e.name).toBe('AccessDenied');
    expect(e.message).toContain(`User: arn:aws:iam::${STG}:user/self-hosted-runner is not authorized to perform: sts:AssumeRole on resource: ${prodRole}`);
  });

  it('GetCallerIdentity of a static user', async () => {
    const me = await sts(runner).send(new GetCallerIdentityCommand({}));
    expect(me.Arn).toBe(`arn:aws:iam::${STG}:user/self-hosted-runner`);
  });
});

describe('signatures', () => {
  it('a wrong secret gives SignatureDoesNotMatch', async () => {
    const e = await failure(sts({ ...runner, secretAccessKey: 'wrong' }).send(new GetCallerIdentityCommand({})));
    expect(e.name).toBe('SignatureDoesNotMatch');
    expect(e.$metadata?.httpStatusCode).toBe(403);
  });

  it('an unknown access key gives InvalidClientTokenId (STS) and UnrecognizedClientException (KMS)', async () => {
    const unknown = { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x' };
    expect((await failure(sts(unknown).send(new GetCallerIdentityCommand({})))).name).toBe('InvalidClientTokenId');
    const kms = new KMSClient({ region, endpoint: emu.url, credentials: unknown, maxAttempts: 1 });
    expect(await failure(kms.send(new ListAliasesCommand({})))).toHaveProperty('name', 'UnrecognizedClientException');
  });

  it('a session token that does not belong to the key is refused', async () => {
    const creds = await assumeViaOidc(emu, prodRole);
    const e = await failure(sts({ ...creds, sessionToken: 'forged' }).send(new GetCallerIdentityCommand({})));
    expect(e.name).toBe('InvalidClientTokenId');
  });
});
