/**
 * The staging applications' secret end to end: the bundled action (dist/index.js) in its own
 * process against the emulator, the secret read back the way an application reads it (its own
 * IAM user, the SDK over HTTP), and the database reached with what the secret says.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { addScenarioSecrets, secretsOf } from '../../emulator/secretsmanager';
import { runnerFiles } from '../../tools/local-runner';
import { counts, SCENARIOS, seedInputs, SHARE_KEY, SOURCE, stage, STAGING_KEY, stagingView, TARGET, type Stage } from './harness';

let s: Stage | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

const SECRET = 'app-staging/db';
const withSecret = (extra: Record<string, string> = {}) => seedInputs({ 'target-secret-id': SECRET, ...extra });
const masking = { 'masking-rules': join(SCENARIOS, 'seed-masking.yml'), 'masking-salt': 'e2e-salt', 'masking-tls': 'disable' };

interface SecretView {
  name: string;
  arn: string;
  rotations: unknown[];
  versions: Array<{ versionId: string; stages: string[]; value: string }>;
}

function secretView(st: Stage): SecretView {
  const state = st.emulator.state() as unknown as { accounts: Array<{ id: string; secrets: SecretView[] }> };
  return state.accounts.find(a => a.id === TARGET)!.secrets.find(x => x.name === SECRET)!;
}

const labelled = (v: SecretView, label: string) => v.versions.find(x => x.stages.includes(label));

/** The staging application: its own credentials, reading AWSCURRENT through the SDK. */
async function appReadsSecret(st: Stage): Promise<Record<string, unknown>> {
  const app = new SecretsManagerClient({
    region: 'ap-northeast-1',
    endpoint: st.emulator.url,
    credentials: { accessKeyId: 'AKIAEMULATORSTGAPP01', secretAccessKey: 'emulator-staging-app-secret-key-000000000' },
    maxAttempts: 1
  });
  const out = await app.send(new GetSecretValueCommand({ SecretId: SECRET }));
  return JSON.parse(out.SecretString!) as Record<string, unknown>;
}

describe('the staging secret', () => {
  it('after a sync it holds the new credentials; the application connects with them and reaches the masked data', async () => {
    s = await stage('seed-secret.yaml');
    const before = secretView(s);
    const oldVersion = labelled(before, 'AWSCURRENT')!.versionId;
    const { main, post } = await s.job(withSecret(masking));
    expect(main.errors).toEqual([]);
    expect(main.code).toBe(0);
    expect(post.code).toBe(0);

    const after = secretView(s);
    const current = labelled(after, 'AWSCURRENT')!;
    expect(main.outputs['secret-version-id']).toBe(current.versionId);
    expect(current.versionId).not.toBe(oldVersion);
    expect(labelled(after, 'AWSPREVIOUS')!.versionId).toBe(oldVersion);

    const secret = await appReadsSecret(s);
    const password = main.outputs['master-password'];
    expect(secret).toMatchObject({ engine: 'postgres', username: 'app_admin', password, dbname: 'app', dbClusterIdentifier: 'app-staging', featureFlags: 'billing=off' });
    expect(secret.password).not.toBe('staging-old-password');
    // The generated password reached the log only as a mask registration.
    expect(main.stdout).toContain(`::add-mask::${password}`);
    expect(main.stdout.replace(`::add-mask::${password}`, '')).not.toContain(password);

    const client = new pg.Client({ host: secret.host as string, port: secret.port as number, user: secret.username as string, password: secret.password as string, database: secret.dbname as string });
    await client.connect();
    try {
      const rows = (await client.query('SELECT email FROM users ORDER BY id')).rows as Array<{ email: string }>;
      expect(rows).toHaveLength(5);
      expect(rows.some(r => r.email.endsWith('@example.com'))).toBe(false);
    } finally {
      await client.end();
    }
    expect(main.summary).toContain('Staging secret');
  });

  it('a fault at the secret write leaves the old version current and staging swapped back', async () => {
    s = await stage('seed-secret.yaml');
    const before = stagingView(s.emulator);
    const versionsBefore = secretView(s).versions;
    s.emulator.inject({ operation: 'secretsmanager:PutSecretValue', kind: 'error', code: 'AccessDeniedException', message: 'Injected: refused', times: 1 });
    const { main, post } = await s.job(withSecret());
    expect(main.code).toBe(1);
    const error = main.errors.find(e => /Staging secret not updated/.test(e.title ?? ''));
    expect(error).toBeDefined();
    expect(main.summary).toContain('Roll back');
    expect(post.code).toBe(0);
    // The swap had happened: the rename back and the deletion of the new cluster run on; then staging is as it was.
    expect(counts(s.emulator)['rds:ModifyDBCluster']).toBeGreaterThan(2);
    s.emulator.advance(3600);
    expect(stagingView(s.emulator)).toEqual(before);
    expect(secretView(s).versions).toEqual(versionsBefore);
  });

  it('a write IAM refuses is a titled error naming the secret, the role, the permission and the JSON to add; staging is swapped back', async () => {
    s = await stage('seed-secret.yaml');
    const before = stagingView(s.emulator);
    const role = [...s.emulator.world.account(TARGET)!.roles.values()].find(r => r.name === 'rds-sync-staging')!;
    role.policies.push({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'secretsmanager:PutSecretValue', Resource: '*' }] });
    const { main, post } = await s.job(withSecret());
    expect(main.code).toBe(1);
    const error = main.errors.find(e => /Staging secret not updated/.test(e.title ?? ''))!;
    expect(error.title).toContain(`arn:aws:iam::${TARGET}:role/rds-sync-staging`);
    expect(error.title).toContain('secretsmanager:PutSecretValue');
    expect(error.message).toContain(`secret:${SECRET}-`);
    expect(error.message).toMatch(/"Action": "secretsmanager:PutSecretValue",\s*"Resource": "arn:aws:secretsmanager:ap-northeast-1:222222222222:secret:app-staging\/db-[A-Za-z]{6}"/);
    expect(error.message).toContain('swapped back');
    // What it would have written is shown masked.
    expect(error.message).toContain('"password": "****"');
    expect(post.code).toBe(0);
    s.emulator.advance(3600);
    expect(stagingView(s.emulator)).toEqual(before);
    expect(labelled(secretView(s), 'AWSCURRENT')!.value).toContain('staging-old-password');
  });

  it('a failure before the swap never touches the secret', async () => {
    s = await stage('seed-secret.yaml');
    const versionsBefore = secretView(s).versions;
    s.emulator.inject({ operation: 'rds:CreateDBInstance', kind: 'error', code: 'InsufficientDBInstanceCapacityFault', times: 1 });
    const { main, post } = await s.job(withSecret());
    expect(main.code).toBe(1);
    expect(post.code).toBe(0);
    const c = counts(s.emulator);
    expect(c['secretsmanager:PutSecretValue'] ?? 0).toBe(0);
    expect(c['secretsmanager:UpdateSecretVersionStage'] ?? 0).toBe(0);
    expect(secretView(s).versions).toEqual(versionsBefore);
  });

  it('cancelled between the swap and the secret write: the post step swaps staging back', async () => {
    s = await stage('seed-secret.yaml');
    const before = stagingView(s.emulator);
    const versionsBefore = secretView(s).versions;
    // The secret step retries a throttled DescribeSecret: time enough for the cancellation to land first.
    s.emulator.inject({ operation: 'secretsmanager:DescribeSecret', kind: 'throttle', times: 5, after: 1 });
    const files = runnerFiles();
    let cancelled = false;
    const main = await s.run(withSecret(), {
      files,
      onStdout: (chunk, child) => {
        if (!cancelled && /::group::Staging secret/.test(chunk)) {
          cancelled = true;
          child.kill('SIGKILL');
        }
      }
    });
    expect(cancelled).toBe(true);
    expect(main.code).not.toBe(0);
    const post = await s.run(withSecret(), { files, post: true });
    expect(post.code).toBe(0);
    expect(post.stdout).toMatch(/Roll back: renamed the new cluster back/);
    s.emulator.advance(3600);
    expect(stagingView(s.emulator)).toEqual(before);
    expect(secretView(s).versions).toEqual(versionsBefore);
  });

  it('manage-master-password: the secret names the managed secret instead of a password', async () => {
    s = await stage('seed-secret.yaml');
    const { main } = await s.job(withSecret({ 'manage-master-password': 'true' }));
    expect(main.errors).toEqual([]);
    expect(main.code).toBe(0);
    const secret = await appReadsSecret(s);
    expect(secret.masterUserSecretArn).toBe(main.outputs['master-user-secret-arn']);
    expect(secret.masterUserSecretArn).toMatch(/^arn:aws:secretsmanager:ap-northeast-1:222222222222:secret:rds!cluster-/);
    expect(secret).not.toHaveProperty('password');
    expect(secret).toMatchObject({ engine: 'postgres', dbClusterIdentifier: 'app-staging', featureFlags: 'billing=off' });
  });

  it('mode plan says what would be written, masked, and changes nothing', async () => {
    s = await stage('seed-secret.yaml');
    const versionsBefore = secretView(s).versions;
    const main = await s.run(withSecret({ mode: 'plan' }));
    expect(main.errors).toEqual([]);
    expect(main.code).toBe(0);
    const plan = JSON.parse(main.outputs.plan) as { secret: { document: Record<string, unknown>; kept: string[]; previousVersionId: string } };
    expect(plan.secret.document).toMatchObject({ engine: 'postgres', username: 'app_admin', password: '****', dbname: 'app', dbClusterIdentifier: 'app-staging', featureFlags: '****' });
    expect(plan.secret.kept).toEqual(['featureFlags']);
    expect(plan.secret.previousVersionId).toBe(labelled(secretView(s), 'AWSCURRENT')!.versionId);
    expect(main.stdout).toMatch(/write a new version of the staging secret arn:aws:secretsmanager:/);
    expect(main.stdout).not.toContain('staging-old-password');
    expect(main.stdout).not.toContain('billing=off');
    expect(secretView(s).versions).toEqual(versionsBefore);
    expect(counts(s.emulator)['secretsmanager:PutSecretValue'] ?? 0).toBe(0);
  });

  it('target-secret-rotation: trigger rotates once the refresh is done, only when rotation is configured', async () => {
    s = await stage('seed-secret.yaml');
    // Without rotation configured: a warning, no RotateSecret, the run still succeeds.
    const first = await s.job(withSecret({ 'target-secret-rotation': 'trigger' }));
    expect(first.main.errors).toEqual([]);
    expect(first.main.code).toBe(0);
    expect(first.main.stdout).toMatch(/::warning title=Staging secret not rotated::/);
    expect(counts(s.emulator)['secretsmanager:RotateSecret'] ?? 0).toBe(0);

    secretsOf(s.emulator.world, TARGET).get(SECRET)!.rotation = { lambdaArn: 'arn:aws:lambda:ap-northeast-1:222222222222:function:rotate-app-db', days: 30 };
    const second = await s.job(withSecret({ 'target-secret-rotation': 'trigger' }));
    expect(second.main.errors).toEqual([]);
    expect(second.main.code).toBe(0);
    expect(counts(s.emulator)['secretsmanager:RotateSecret']).toBe(1);
    expect(secretView(s).rotations).toHaveLength(1);
    // It ran after the old cluster's deletion was under way: the last step of the target side.
    const log = second.main.stdout;
    expect(log.indexOf('::group::Rotate staging secret')).toBeGreaterThan(log.indexOf('::group::Delete old staging cluster'));
    expect(second.main.summary).toContain('rotation started');
  });

  it('mode policies: the staging role gets the secret actions scoped to that secret', async () => {
    s = await stage('seed-secret.yaml');
    const main = await s.run(withSecret({ mode: 'policies' }), { env: { GITHUB_REPOSITORY: 'example-org/app', GITHUB_REF: 'refs/heads/main' } });
    expect(main.errors).toEqual([]);
    expect(main.code).toBe(0);
    const file = JSON.parse(readFileSync(main.outputs['policies-file'], 'utf8')) as { targetRole: { policy: { Statement: Array<{ Sid?: string; Action: unknown; Resource: unknown }> } } };
    const statement = file.targetRole.policy.Statement.find(x => x.Sid === 'StagingApplicationSecret')!;
    expect(statement.Action).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage']);
    expect(statement.Resource).toBe('arn:aws:secretsmanager:ap-northeast-1:222222222222:secret:app-staging/db-??????');
    expect(Object.keys(counts(s.emulator))).toEqual([]);
  });

  it('an RDS DB instance: the secret names dbInstanceIdentifier, and an application connects with it', async () => {
    s = await stage('instance-postgres.yaml');
    const world = s.emulator.world;
    const staging = world.account(TARGET)!;
    // The instance scenario has no secret: give staging one holding the old instance's credentials, and the role access to it.
    addScenarioSecrets(world, staging, [
      { name: SECRET, value: { engine: 'postgres', host: 'old', port: 5432, username: 'postgres', password: 'old', dbname: 'app', dbInstanceIdentifier: 'app-staging-pg', team: 'payments' } }
    ]);
    [...staging.roles.values()]
      .find(r => r.name === 'rds-sync-staging')!
      .policies.push({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'], Resource: '*' }]
      });
    staging.users.set('staging-app', {
      name: 'staging-app',
      account: TARGET,
      arn: `arn:aws:iam::${TARGET}:user/staging-app`,
      policies: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: '*' }] }]
    });
    world.credentials.set('AKIAEMULATORSTGAPP01', {
      accessKeyId: 'AKIAEMULATORSTGAPP01',
      secretAccessKey: 'emulator-staging-app-secret-key-000000000',
      principal: {
        kind: 'user',
        account: TARGET,
        identityArn: `arn:aws:iam::${TARGET}:user/staging-app`,
        callerArn: `arn:aws:iam::${TARGET}:user/staging-app`,
        userId: 'AIDAEMULATORSTGAPP01',
        policies: staging.users.get('staging-app')!.policies
      }
    });
    const { main } = await s.job({
      'aws-region': 'ap-northeast-1',
      'source-role-arn': `arn:aws:iam::${SOURCE}:role/rds-sync-production`,
      'target-role-arn': `arn:aws:iam::${TARGET}:role/rds-sync-staging`,
      'kms-key-id': SHARE_KEY,
      'target-kms-key-id': STAGING_KEY,
      'isolation-security-group-ids': 'sg-0150a71000000000a',
      'poll-interval-seconds': '0.2',
      'source-instance': 'app-production-pg',
      'target-instance': 'app-staging-pg',
      'target-secret-id': SECRET
    });
    expect(main.errors).toEqual([]);
    expect(main.code).toBe(0);
    const secret = await appReadsSecret(s);
    expect(secret).toMatchObject({ engine: 'postgres', dbInstanceIdentifier: 'app-staging-pg', password: main.outputs['master-password'], team: 'payments' });
    expect(secret).not.toHaveProperty('dbClusterIdentifier');
    const client = new pg.Client({ host: secret.host as string, port: secret.port as number, user: secret.username as string, password: secret.password as string, database: secret.dbname as string });
    await client.connect();
    try {
      expect((await client.query('SELECT count(*)::int AS n FROM users')).rows[0].n).toBeGreaterThan(0);
    } finally {
      await client.end();
    }
  });

  it('preflight: a secret that does not exist stops the run before any copy, with the command that creates it', async () => {
    s = await stage('seed-secret.yaml');
    const before = stagingView(s.emulator);
    const main = await s.run(withSecret({ 'target-secret-id': 'app-staging/db-abcdef' }));
    expect(main.code).toBe(1);
    const error = main.errors.find(e => e.title === 'Staging secret app-staging/db-abcdef not found')!;
    expect(error.message).toContain('aws secretsmanager create-secret --name app-staging/db-abcdef');
    expect(counts(s.emulator)['rds:CopyDBClusterSnapshot'] ?? 0).toBe(0);
    expect(counts(s.emulator)['rds:RestoreDBClusterFromSnapshot'] ?? 0).toBe(0);
    expect(stagingView(s.emulator)).toEqual(before);
  });

  it('a write whose answer is lost is retried with the same token: one new version, the run succeeds', async () => {
    s = await stage('seed-secret.yaml');
    const before = secretView(s).versions.length;
    s.emulator.inject({ operation: 'secretsmanager:PutSecretValue', kind: 'fail-after', code: 'InternalServiceError', times: 1 });
    const { main } = await s.job(withSecret());
    expect(main.errors).toEqual([]);
    expect(main.code).toBe(0);
    expect(counts(s.emulator)['secretsmanager:PutSecretValue']).toBe(2);
    const after = secretView(s);
    expect(after.versions).toHaveLength(before + 1);
    expect(labelled(after, 'AWSCURRENT')!.versionId).toBe(main.outputs['secret-version-id']);
  });

  it('a write that lands but never answers: the roll-back moves AWSCURRENT back to the old version and staging is swapped back', async () => {
    s = await stage('seed-secret.yaml');
    const before = stagingView(s.emulator);
    const oldVersion = labelled(secretView(s), 'AWSCURRENT')!.versionId;
    // Every attempt the SDK makes (6) writes, then loses its answer.
    s.emulator.inject({ operation: 'secretsmanager:PutSecretValue', kind: 'fail-after', code: 'InternalServiceError', times: 6 });
    const { main, post } = await s.job(withSecret());
    expect(main.code).toBe(1);
    expect(main.summary).toMatch(/Roll back staging secret<\/td><td>ok<\/td><td>[^<]*<\/td><td>app-staging\/db: AWSCURRENT back on version /);
    expect(counts(s.emulator)['secretsmanager:UpdateSecretVersionStage']).toBe(1);
    const after = secretView(s);
    expect(labelled(after, 'AWSCURRENT')!.versionId).toBe(oldVersion);
    // This run's version is kept as AWSPREVIOUS, as Secrets Manager does when AWSCURRENT moves.
    expect(labelled(after, 'AWSPREVIOUS')!.value).not.toContain('staging-old-password');
    expect(post.code).toBe(0);
    s.emulator.advance(3600);
    expect(stagingView(s.emulator)).toEqual(before);
  });
});
