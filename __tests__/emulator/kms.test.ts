import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CreateGrantCommand, CreateKeyCommand, DescribeKeyCommand, GetKeyPolicyCommand, ListAliasesCommand, ListGrantsCommand, PutKeyPolicyCommand, RetireGrantCommand } from '@aws-sdk/client-kms';
import type { RunningEmulator } from '../../emulator/index';
import { failure, PROD, sides, start, stgRole, type Clients } from './harness';

let emu: RunningEmulator;
let prod: Clients;
let stg: Clients;
beforeAll(async () => {
  emu = await start();
  ({ prod, stg } = await sides(emu));
});
afterAll(async () => {
  await emu.close();
});

const shareKeyId = '0d2c6a8e-1111-4a5b-9c3d-000000000001';
const shareKeyArn = `arn:aws:kms:ap-northeast-1:${PROD}:key/${shareKeyId}`;

describe('KMS', () => {
  it.each([shareKeyId, shareKeyArn, 'alias/rds-share', `arn:aws:kms:ap-northeast-1:${PROD}:alias/rds-share`])('DescribeKey by %s', async keyId => {
    const out = await prod.kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    expect(out.KeyMetadata).toMatchObject({ Arn: shareKeyArn, KeyManager: 'CUSTOMER', AWSAccountId: PROD, Enabled: true });
  });

  it('each account has its AWS managed aws/rds key with the managed policy', async () => {
    const key = await prod.kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/rds' }));
    expect(key.KeyMetadata?.KeyManager).toBe('AWS');
    const policy = JSON.parse((await prod.kms.send(new GetKeyPolicyCommand({ KeyId: key.KeyMetadata!.KeyId! }))).Policy!);
    expect(policy.Statement[0].Principal).toEqual({ AWS: '*' });
    expect(policy.Statement[0].Condition.StringEquals).toEqual({ 'kms:CallerAccount': PROD, 'kms:ViaService': 'rds.ap-northeast-1.amazonaws.com' });
    const aliases = await stg.kms.send(new ListAliasesCommand({}));
    expect(aliases.Aliases?.map(a => a.AliasName)).toEqual(expect.arrayContaining(['alias/aws/rds', 'alias/rds-staging']));
  });

  it('cross-account: by ARN when the key policy and IAM allow, never by alias name', async () => {
    const out = await stg.kms.send(new DescribeKeyCommand({ KeyId: shareKeyArn }));
    expect(out.KeyMetadata?.Arn).toBe(shareKeyArn);
    expect((await failure(stg.kms.send(new DescribeKeyCommand({ KeyId: 'alias/rds-share' })))).name).toBe('NotFoundException');
  });

  it("another account's aws/rds key is refused", async () => {
    const prodRdsKey = (await prod.kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/rds' }))).KeyMetadata!.Arn!;
    const e = await failure(stg.kms.send(new DescribeKeyCommand({ KeyId: prodRdsKey })));
    expect(e.name).toBe('AccessDeniedException');
  });

  it('PutKeyPolicy needs kms:PutKeyPolicy and runs the lock-out safety check', async () => {
    const unchanged = (await prod.kms.send(new GetKeyPolicyCommand({ KeyId: shareKeyId }))).Policy!;
    const noIam = await failure(prod.kms.send(new PutKeyPolicyCommand({ KeyId: shareKeyId, PolicyName: 'default', Policy: unchanged })));
    expect(noIam.name).toBe('AccessDeniedException');
    emu.world
      .account(PROD)!
      .roles.get('rds-sync-production')!
      .policies.push({
        Statement: [{ Effect: 'Allow', Action: ['kms:CreateKey', 'kms:PutKeyPolicy'], Resource: '*' }]
      });
    await prod.kms.send(new PutKeyPolicyCommand({ KeyId: shareKeyId, PolicyName: 'default', Policy: unchanged }));
    const lockout = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: stgRole }, Action: 'kms:Decrypt', Resource: '*' }]
    };
    const e = await failure(prod.kms.send(new PutKeyPolicyCommand({ KeyId: shareKeyId, PolicyName: 'default', Policy: JSON.stringify(lockout) })));
    expect(e.name).toBe('MalformedPolicyDocumentException');
    expect(e.message).toBe('The new key policy will not allow you to update the key policy in the future.');
    const before = (await prod.kms.send(new GetKeyPolicyCommand({ KeyId: shareKeyId }))).Policy;
    expect(before).toContain('AllowUseOfTheKey');
  });

  it('CreateKey runs the lock-out safety check too, and a default policy passes it', async () => {
    // The previous test gave rds-sync-production kms:CreateKey.
    const bad = { Statement: [{ Effect: 'Allow', Principal: { AWS: stgRole }, Action: 'kms:*', Resource: '*' }] };
    expect((await failure(prod.kms.send(new CreateKeyCommand({ Policy: JSON.stringify(bad) })))).name).toBe('MalformedPolicyDocumentException');
    const created = await prod.kms.send(new CreateKeyCommand({ Description: 'ok' }));
    expect(created.KeyMetadata?.Arn).toMatch(new RegExp(`^arn:aws:kms:ap-northeast-1:${PROD}:key/[0-9a-f-]{36}$`));
  });

  it('CreateGrant, ListGrants and RetireGrant', async () => {
    const grant = await stg.kms.send(new CreateGrantCommand({ KeyId: shareKeyArn, GranteePrincipal: stgRole, RetiringPrincipal: stgRole, Operations: ['Decrypt'] }));
    const listed = await prod.kms.send(new ListGrantsCommand({ KeyId: shareKeyId }));
    expect(listed.Grants?.map(g => g.GrantId)).toContain(grant.GrantId);
    await stg.kms.send(new RetireGrantCommand({ KeyId: shareKeyArn, GrantId: grant.GrantId }));
    const after = await prod.kms.send(new ListGrantsCommand({ KeyId: shareKeyId }));
    expect(after.Grants?.map(g => g.GrantId)).not.toContain(grant.GrantId);
  });

  it('GetKeyPolicy of a key in another account is not possible', async () => {
    const e = await failure(stg.kms.send(new GetKeyPolicyCommand({ KeyId: shareKeyArn })));
    expect(e.name).toBe('NotFoundException');
  });
});
