/** Secrets Manager in the emulator, through the unmodified SDK over HTTP (JSON 1.1). */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand
} from '@aws-sdk/client-secrets-manager';
import type { RunningEmulator } from '../../emulator/index';
import { assumeViaOidc, failure, region, scenario, start, STG, type Creds } from './harness';

let emu: RunningEmulator;
let stg: SecretsManagerClient;
let stgCreds: Creds;
const SECRET = 'app-staging/db';

function client(credentials: Creds, maxAttempts = 1): SecretsManagerClient {
  return new SecretsManagerClient({ region, endpoint: emu.url, credentials, maxAttempts });
}

beforeAll(async () => {
  emu = await start(scenario('seed-secret.yaml'));
  stgCreds = await assumeViaOidc(emu, `arn:aws:iam::${STG}:role/rds-sync-staging`);
  stg = client(stgCreds);
});
afterAll(async () => {
  await emu.close();
});

const stagesOf = async (c: SecretsManagerClient) => (await c.send(new DescribeSecretCommand({ SecretId: SECRET }))).VersionIdsToStages ?? {};
const holderOf = (stages: Record<string, string[]>, label: string) => Object.entries(stages).find(([, s]) => s.includes(label))?.[0];

describe('Secrets Manager', () => {
  it('DescribeSecret: ARN with the random suffix, the CMK as set, one AWSCURRENT version', async () => {
    const d = await stg.send(new DescribeSecretCommand({ SecretId: SECRET }));
    expect(d.ARN).toMatch(/^arn:aws:secretsmanager:ap-northeast-1:222222222222:secret:app-staging\/db-[A-Za-z]{6}$/);
    expect(d.KmsKeyId).toBe('arn:aws:kms:ap-northeast-1:222222222222:alias/app-secrets');
    expect(Object.values(d.VersionIdsToStages ?? {})).toEqual([['AWSCURRENT']]);
    expect(d.RotationEnabled).toBeUndefined();
    // The complete ARN and the ARN without its suffix name it too.
    expect((await stg.send(new DescribeSecretCommand({ SecretId: d.ARN }))).Name).toBe(SECRET);
    expect((await stg.send(new DescribeSecretCommand({ SecretId: d.ARN!.slice(0, -7) }))).Name).toBe(SECRET);
  });

  it('PutSecretValue makes AWSCURRENT, the old one AWSPREVIOUS; the same token again is idempotent, with another value refused', async () => {
    const before = holderOf(await stagesOf(stg), 'AWSCURRENT');
    const token = 'e2e0a8f4-6a6b-4f35-9d4e-000000000001';
    const put = await stg.send(new PutSecretValueCommand({ SecretId: SECRET, SecretString: '{"password":"new"}', ClientRequestToken: token }));
    expect(put).toMatchObject({ VersionId: token, VersionStages: ['AWSCURRENT'] });
    const stages = await stagesOf(stg);
    expect(stages[token]).toEqual(['AWSCURRENT']);
    expect(stages[before!]).toEqual(['AWSPREVIOUS']);
    const again = await stg.send(new PutSecretValueCommand({ SecretId: SECRET, SecretString: '{"password":"new"}', ClientRequestToken: token }));
    expect(again.VersionId).toBe(token);
    const clash = await failure(stg.send(new PutSecretValueCommand({ SecretId: SECRET, SecretString: '{"password":"other"}', ClientRequestToken: token })));
    expect(clash.name).toBe('ResourceExistsException');
    expect((await stg.send(new GetSecretValueCommand({ SecretId: SECRET }))).SecretString).toBe('{"password":"new"}');
    expect((await stg.send(new GetSecretValueCommand({ SecretId: SECRET, VersionStage: 'AWSPREVIOUS' }))).VersionId).toBe(before);
  });

  it('UpdateSecretVersionStage: AWSCURRENT moves back only when RemoveFromVersionId names its holder; AWSPREVIOUS follows', async () => {
    const stages = await stagesOf(stg);
    const current = holderOf(stages, 'AWSCURRENT')!;
    const previous = holderOf(stages, 'AWSPREVIOUS')!;
    const missing = await failure(stg.send(new UpdateSecretVersionStageCommand({ SecretId: SECRET, VersionStage: 'AWSCURRENT', MoveToVersionId: previous })));
    expect(missing.name).toBe('InvalidParameterException');
    expect(missing.message).toContain(`currently attached to version ${current}`);
    const wrong = await failure(stg.send(new UpdateSecretVersionStageCommand({ SecretId: SECRET, VersionStage: 'AWSCURRENT', MoveToVersionId: previous, RemoveFromVersionId: previous })));
    expect(wrong.name).toBe('InvalidParameterException');
    await stg.send(new UpdateSecretVersionStageCommand({ SecretId: SECRET, VersionStage: 'AWSCURRENT', MoveToVersionId: previous, RemoveFromVersionId: current }));
    const after = await stagesOf(stg);
    expect(after[previous]).toEqual(['AWSCURRENT']);
    expect(after[current]).toEqual(['AWSPREVIOUS']);
    const unknown = await failure(
      stg.send(new UpdateSecretVersionStageCommand({ SecretId: SECRET, VersionStage: 'AWSCURRENT', MoveToVersionId: '00000000-0000-4000-8000-000000000000', RemoveFromVersionId: previous }))
    );
    expect(unknown.name).toBe('ResourceNotFoundException');
  });

  it('ListSecretVersionIds lists labelled versions, deprecated ones only when asked', async () => {
    await stg.send(new PutSecretValueCommand({ SecretId: SECRET, SecretString: '{"password":"third"}' }));
    const labelled = await stg.send(new ListSecretVersionIdsCommand({ SecretId: SECRET }));
    expect(labelled.Versions?.every(v => (v.VersionStages ?? []).length > 0)).toBe(true);
    expect(labelled.Versions).toHaveLength(2);
    const all = await stg.send(new ListSecretVersionIdsCommand({ SecretId: SECRET, IncludeDeprecated: true }));
    expect(all.Versions).toHaveLength(3);
    expect(all.Versions![0].KmsKeyIds?.[0]).toMatch(/^arn:aws:kms:ap-northeast-1:222222222222:key\/7a8b9c0d-/);
  });

  it('IAM: the app may read but not write; an unknown name it may not read is AccessDenied, one it may is ResourceNotFound', async () => {
    const app = client({ accessKeyId: 'AKIAEMULATORSTGAPP01', secretAccessKey: 'emulator-staging-app-secret-key-000000000' });
    expect((await app.send(new GetSecretValueCommand({ SecretId: SECRET }))).SecretString).toBe('{"password":"third"}');
    const write = await failure(app.send(new PutSecretValueCommand({ SecretId: SECRET, SecretString: 'x' })));
    expect(write.name).toBe('AccessDeniedException');
    expect(write.message).toMatch(/user\/staging-app is not authorized to perform: secretsmanager:PutSecretValue on resource: app-staging\/db because no identity-based policy allows/);
    expect((await failure(app.send(new GetSecretValueCommand({ SecretId: 'other/secret' })))).name).toBe('AccessDeniedException');
    expect((await failure(stg.send(new GetSecretValueCommand({ SecretId: 'app-staging/db-typo' })))).name).toBe('AccessDeniedException');
    // A name the role's IAM policy covers (app-staging/db-??????) but nobody created.
    expect((await failure(stg.send(new GetSecretValueCommand({ SecretId: 'app-staging/db-abcdef' })))).name).toBe('ResourceNotFoundException');
  });

  it('KMS: writing needs kms:GenerateDataKey on the secret key, reading kms:Decrypt; a disabled key is EncryptionFailure', async () => {
    const role = [...emu.world.account(STG)!.roles.values()].find(r => r.name === 'rds-sync-staging')!;
    // Sessions share the role's policy list: a Deny added to it applies to the session at once.
    role.policies.push({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kms:GenerateDataKey', Resource: '*' }] });
    try {
      const e = await failure(stg.send(new PutSecretValueCommand({ SecretId: SECRET, SecretString: '{"password":"blocked"}' })));
      expect(e.name).toBe('AccessDeniedException');
      expect(e.message).toBe('Access to KMS is not allowed');
      // Reading still works: it needs kms:Decrypt only.
      expect((await stg.send(new GetSecretValueCommand({ SecretId: SECRET }))).SecretString).toBe('{"password":"third"}');
    } finally {
      role.policies.pop();
    }
    const key = [...emu.world.account(STG)!.keys.values()].find(k => k.id.startsWith('7a8b9c0d'))!;
    key.enabled = false;
    try {
      expect((await failure(stg.send(new PutSecretValueCommand({ SecretId: SECRET, SecretString: 'x' })))).name).toBe('EncryptionFailure');
      expect((await failure(stg.send(new GetSecretValueCommand({ SecretId: SECRET })))).name).toBe('DecryptionFailure');
    } finally {
      key.enabled = true;
    }
  });

  it('RotateSecret needs a rotation function; with one configured it is accepted and recorded', async () => {
    const e = await failure(stg.send(new RotateSecretCommand({ SecretId: SECRET })));
    expect(e.name).toBe('InvalidRequestException');
    const lambda = 'arn:aws:lambda:ap-northeast-1:222222222222:function:rotate-app-db';
    const out = await stg.send(new RotateSecretCommand({ SecretId: SECRET, RotationLambdaARN: lambda }));
    expect(out.VersionId).toMatch(/^[0-9a-f-]{36}$/);
    const d = await stg.send(new DescribeSecretCommand({ SecretId: SECRET }));
    expect(d).toMatchObject({ RotationEnabled: true, RotationLambdaARN: lambda });
  });

  it('fault injection reaches Secrets Manager: an injected error, and a throttle the SDK retries', async () => {
    emu.inject({ operation: 'secretsmanager:PutSecretValue', kind: 'error', code: 'InternalServiceError', status: 500, times: 1 });
    const e = await failure(stg.send(new PutSecretValueCommand({ SecretId: SECRET, SecretString: '{"a":1}' })));
    expect(e.name).toBe('InternalServiceError');
    emu.inject({ operation: 'secretsmanager:DescribeSecret', kind: 'throttle', times: 2 });
    const retrying = client(stgCreds, 3);
    const d = await retrying.send(new DescribeSecretCommand({ SecretId: SECRET }));
    expect(d.Name).toBe(SECRET);
    expect(d.$metadata.attempts).toBe(3);
  });

  it('fail-after: the write is carried out, then the answer is the error; the same token again finds it', async () => {
    const token = 'e2e0a8f4-6a6b-4f35-9d4e-0000000000ff';
    emu.inject({ operation: 'secretsmanager:PutSecretValue', kind: 'fail-after', code: 'InternalServiceError', times: 1 });
    const e = await failure(stg.send(new PutSecretValueCommand({ SecretId: SECRET, SecretString: '{"after":1}', ClientRequestToken: token })));
    expect(e.name).toBe('InternalServiceError');
    expect(holderOf(await stagesOf(stg), 'AWSCURRENT')).toBe(token);
    const again = await stg.send(new PutSecretValueCommand({ SecretId: SECRET, SecretString: '{"after":1}', ClientRequestToken: token }));
    expect(again.VersionId).toBe(token);
  });
});
