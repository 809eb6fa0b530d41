/**
 * The staging secret: the document it writes (pure), the inputs, the policies,
 * and the write / roll-back / preflight against the emulator's Secrets Manager
 * through the real SDK.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Accounts } from '../../src/accounts';
import type { DatabaseInfo } from '../../src/aws/databases';
import { describeSecret } from '../../src/aws/secrets';
import type { Context } from '../../src/context';
import { policyParamsFromSettings, targetRolePolicy } from '../../src/diagnostics/policy-templates';
import { DiagnosedError } from '../../src/errors';
import { Report } from '../../src/report';
import { InputError, kindFromInputs, readSettings } from '../../src/settings';
import { StateStore } from '../../src/state';
import type { RestoredDatabase } from '../../src/steps/restore';
import {
  checkTargetSecret,
  maskedDocument,
  parseExisting,
  rollBackTargetSecret,
  secretDocument,
  secretEngine,
  secretHoldsSwap,
  SECRET_STATE_KEY,
  versionToken,
  writeTargetSecret,
  type SecretDatabase
} from '../../src/steps/secret';
import type { RunningEmulator } from '../../emulator/index';
import { VALID_INPUTS } from '../../tools/test-inputs';
import { assumeViaOidc, scenario, start, STG, type Creds } from '../emulator/harness';
import { testClock } from '../fixtures/clock';

const cluster: SecretDatabase = {
  kind: 'cluster',
  identifier: 'app-staging',
  engine: 'aurora-postgresql',
  host: 'app-staging.cluster-abc.ap-northeast-1.rds.amazonaws.com',
  port: 5432,
  username: 'app_admin',
  dbname: 'app',
  password: 'new-password'
};

describe('the secret document', () => {
  it('writes the RDS fields over the existing value and keeps every other key', () => {
    const doc = secretDocument({ host: 'old', password: 'old', featureFlags: 'x', replicas: ['r1'] }, cluster);
    expect(doc).toEqual({
      host: cluster.host,
      password: 'new-password',
      featureFlags: 'x',
      replicas: ['r1'],
      engine: 'postgres',
      port: 5432,
      username: 'app_admin',
      dbname: 'app',
      dbClusterIdentifier: 'app-staging'
    });
  });

  it('an RDS DB instance: dbInstanceIdentifier, and a stale dbClusterIdentifier goes', () => {
    const doc = secretDocument({ dbClusterIdentifier: 'old' }, { ...cluster, kind: 'instance', engine: 'mariadb', identifier: 'app-staging-db' });
    expect(doc).toMatchObject({ engine: 'mariadb', dbInstanceIdentifier: 'app-staging-db' });
    expect(doc).not.toHaveProperty('dbClusterIdentifier');
  });

  it('a managed master password: masterUserSecretArn instead of a password, the stale password removed', () => {
    const arn = 'arn:aws:secretsmanager:ap-northeast-1:222222222222:secret:rds!cluster-abc-AbCdEf';
    const doc = secretDocument({ password: 'old', other: 1 }, { ...cluster, password: undefined, masterUserSecretArn: arn });
    expect(doc).toMatchObject({ masterUserSecretArn: arn, other: 1 });
    expect(doc).not.toHaveProperty('password');
  });

  it.each([
    ['aurora-postgresql', 'postgres'],
    ['postgres', 'postgres'],
    ['aurora-mysql', 'mysql'],
    ['mysql', 'mysql'],
    ['mariadb', 'mariadb'],
    ['oracle-ee', 'oracle-ee']
  ])('engine %s is written as %s', (engine, expected) => {
    expect(secretEngine(engine)).toBe(expected);
  });

  it('masks every value but the connection facts', () => {
    expect(maskedDocument({ engine: 'postgres', host: 'h', password: 'p', apiKey: 'k', dbname: 'app' })).toEqual({ engine: 'postgres', host: 'h', password: '****', apiKey: '****', dbname: 'app' });
  });

  it('refuses a value that is not a JSON object; an empty secret starts from nothing', () => {
    expect(parseExisting(undefined, 's')).toEqual({});
    expect(parseExisting('{"a":1}', 's')).toEqual({ a: 1 });
    for (const bad of ['plain-password', '[1,2]', '"text"']) {
      expect(() => parseExisting(bad, 'app/db')).toThrow(DiagnosedError);
    }
  });

  it('the version token is a UUID per run and secret, the same on a retry', () => {
    const a = versionToken('100-1', 'arn:s');
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(versionToken('100-1', 'arn:s')).toBe(a);
    expect(versionToken('100-2', 'arn:s')).not.toBe(a);
  });
});

describe('inputs and policies', () => {
  const settings = (extra: Record<string, string>) => readSettings(n => ({ ...VALID_INPUTS, ...extra })[n] ?? '');
  const refused = (extra: Record<string, string>): InputError => {
    try {
      settings(extra);
    } catch (e) {
      if (e instanceof InputError) return e;
      throw e;
    }
    throw new Error('expected a refusal');
  };

  it('takes a name or an ARN of the staging account in aws-region', () => {
    expect(settings({}).targetSecret).toBeUndefined();
    expect(settings({ 'target-secret-id': 'app-staging/db' }).targetSecret).toEqual({ id: 'app-staging/db', rotation: 'none' });
    const arn = 'arn:aws:secretsmanager:ap-northeast-1:222222222222:secret:app-staging/db-AbCdEf';
    expect(settings({ 'target-secret-id': arn, 'target-secret-rotation': 'trigger' }).targetSecret).toEqual({ id: arn, rotation: 'trigger' });
  });

  it.each([
    [{ 'target-secret-id': 'arn:aws:secretsmanager:us-east-1:222222222222:secret:x-AbCdEf' }, 'target-secret-id', /region us-east-1/],
    [{ 'target-secret-id': 'arn:aws:secretsmanager:ap-northeast-1:111111111111:secret:x-AbCdEf' }, 'target-secret-id', /account 111111111111/],
    [{ 'target-secret-id': 'arn:aws:kms:ap-northeast-1:222222222222:key/x' }, 'target-secret-id', /Secrets Manager secret ARN/],
    [{ 'target-secret-id': 'has space' }, 'target-secret-id', /secret name/],
    [{ 'target-secret-rotation': 'trigger' }, 'target-secret-rotation', /target-secret-id is empty/],
    [{ 'target-secret-id': 'a', 'target-secret-rotation': 'always' }, 'target-secret-rotation', /'none' or 'trigger'/]
  ])('refuses %j', (extra, input, message) => {
    const e = refused(extra);
    expect(e.input).toBe(input);
    expect(e.message).toMatch(message);
  });

  it('mode policies: the target role gets the four secret actions on that secret, its key only through Secrets Manager', () => {
    const params = policyParamsFromSettings(settings({ 'target-secret-id': 'app-staging/db', 'target-secret-rotation': 'trigger' })).params!;
    const statements = targetRolePolicy(params).Statement;
    const secret = statements.find(s => s.Sid === 'StagingApplicationSecret')!;
    expect(secret.Action).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage', 'secretsmanager:RotateSecret']);
    expect(secret.Resource).toBe('arn:aws:secretsmanager:ap-northeast-1:222222222222:secret:app-staging/db-??????');
    const key = statements.find(s => s.Sid === 'StagingApplicationSecretKey')!;
    expect(key.Condition).toEqual({ StringEquals: { 'kms:ViaService': 'secretsmanager.ap-northeast-1.amazonaws.com' } });
    const without = targetRolePolicy(policyParamsFromSettings(settings({})).params!).Statement;
    expect(without.some(s => s.Sid === 'StagingApplicationSecret')).toBe(false);
  });
});

describe('write and roll back against the emulator', () => {
  let emu: RunningEmulator;
  let creds: Creds;
  beforeAll(async () => {
    emu = await start(scenario('seed-secret.yaml'));
    creds = await assumeViaOidc(emu, `arn:aws:iam::${STG}:role/rds-sync-staging`);
  });
  afterAll(async () => {
    await emu.close();
  });

  function context(runId: string, extra: Record<string, string> = {}): Context {
    const settings = readSettings(n => ({ ...VALID_INPUTS, 'target-secret-id': 'app-staging/db', ...extra })[n] ?? '');
    const config = { region: 'ap-northeast-1', endpoint: emu.url, credentials: creds, maxAttempts: 1 };
    const target = {
      side: 'target',
      accountId: STG,
      region: 'ap-northeast-1',
      partition: 'aws',
      principalArn: `arn:aws:iam::${STG}:role/rds-sync-staging`,
      callerArn: `arn:aws:sts::${STG}:assumed-role/rds-sync-staging/github-actions`,
      via: 'oidc',
      kms: new KMSClient(config),
      secrets: new SecretsManagerClient(config)
    };
    return { settings: kindFromInputs(settings), accounts: { target } as unknown as Accounts, report: new Report(), state: new StateStore({ runId }), runId, clock: testClock() };
  }

  const info = { kind: 'cluster', identifier: 'app-staging', engine: 'aurora-postgresql', endpoint: '127.0.0.1', port: 15432, masterUsername: 'app_admin', databaseName: 'app' } as DatabaseInfo;
  const restored = { password: 'generated-pass', masterUsername: 'app_admin', databaseName: 'app', engine: 'aurora-postgresql' } as RestoredDatabase;
  const current = async (ctx: Context) => describeSecret((ctx.accounts.target as unknown as { secrets: SecretsManagerClient }).secrets, 'app-staging/db');

  it('writes AWSCURRENT, then the roll-back puts the previous version back (this one becomes AWSPREVIOUS)', async () => {
    const ctx = context('700-1');
    const before = (await current(ctx)).current!;
    const w = await writeTargetSecret(ctx, info, restored);
    expect(w.previousVersionId).toBe(before);
    expect(w.kept).toEqual(['featureFlags']);
    expect((await current(ctx)).current).toBe(w.versionId);
    expect(ctx.report.outputs['secret-version-id']).toBe(w.versionId);
    expect(secretHoldsSwap(ctx, ctx.state.get())).toBe(false);

    const done = await rollBackTargetSecret(ctx);
    expect(done).toContain(`AWSCURRENT back on version ${before}`);
    const after = await current(ctx);
    expect(after.current).toBe(before);
    expect(after.previous).toBe(w.versionId);
    expect(ctx.state.get()[SECRET_STATE_KEY]).toBeUndefined();
  });

  it('a roll-back whose version never became current changes nothing', async () => {
    const ctx = context('700-2');
    const before = await current(ctx);
    ctx.state.update({ [SECRET_STATE_KEY]: { arn: before.arn, name: 'app-staging/db', previousVersionId: before.current, versionId: versionToken('700-2', before.arn), phase: 'writing' } });
    expect(secretHoldsSwap(ctx, ctx.state.get())).toBe(true);
    expect(await rollBackTargetSecret(ctx)).toContain('never became current');
    expect((await current(ctx)).stages).toEqual(before.stages);
  });

  it("preflight: the key policy admits the account root, so the role's IAM decides (a notice); the plan reads the kept keys", async () => {
    const ctx = context('700-3');
    const [diagnostics, facts] = await checkTargetSecret(ctx);
    expect(diagnostics.filter(d => d.severity === 'error')).toEqual([]);
    expect(diagnostics.map(d => d.title)).toContain("Staging secret: key access depends on the role's IAM policy (not checked)");
    expect(facts.find(([k]) => k === 'Staging secret')![1]).toContain('featureFlags');
  });

  it('preflight: a key policy that denies Secrets Manager writes is an error with the statement to add', async () => {
    const ctx = context('700-4');
    const key = [...emu.world.account(STG)!.keys.values()].find(k => k.id.startsWith('7a8b9c0d'))!;
    const saved = key.policy;
    const policy = JSON.parse(saved) as { Statement: unknown[] };
    policy.Statement.push({ Sid: 'NoSecretsWrites', Effect: 'Deny', Principal: { AWS: '*' }, Action: 'kms:GenerateDataKey', Resource: '*' });
    key.policy = JSON.stringify(policy);
    try {
      const [diagnostics] = await checkTargetSecret(ctx);
      const error = diagnostics.find(d => d.severity === 'error')!;
      expect(error.title).toContain(`does not let arn:aws:iam::${STG}:role/rds-sync-staging write app-staging/db`);
      expect(error.message).toContain('kms:GenerateDataKey: DENIED by "NoSecretsWrites"');
      expect(error.message).toContain('remove or narrow the Deny');
      expect(error.fix).toContain('"kms:ViaService": "secretsmanager.ap-northeast-1.amazonaws.com"');
    } finally {
      key.policy = saved;
    }
  });

  it('a write KMS refuses is explained with the key and the statements for both sides', async () => {
    const ctx = context('700-5');
    const role = [...emu.world.account(STG)!.roles.values()].find(r => r.name === 'rds-sync-staging')!;
    role.policies.push({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kms:GenerateDataKey', Resource: '*' }] });
    try {
      const e = await writeTargetSecret(ctx, info, restored).then(
        () => undefined,
        (err: unknown) => err
      );
      expect(e).toBeInstanceOf(DiagnosedError);
      const d = (e as DiagnosedError).diagnostics[0];
      expect(d.title).toBe('Staging secret not updated: KMS refused kms:GenerateDataKey on the key of app-staging/db');
      expect(d.message).toMatch(/arn:aws:kms:ap-northeast-1:222222222222:key\/7a8b9c0d-/);
      expect(d.fix).toContain('Add to the key policy of');
      expect(d.fix).toContain('Add to the IAM policy of arn:aws:iam::222222222222:role/rds-sync-staging');
      // The state says a write was attempted: the roll-back finds nothing of it current.
      expect(await rollBackTargetSecret(ctx)).toContain('never became current');
    } finally {
      role.policies.pop();
    }
  });
});
