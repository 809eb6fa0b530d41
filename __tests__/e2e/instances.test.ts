/**
 * RDS DB instances end to end: the bundled action in its own process against
 * the local emulator's instance scenarios. PostgreSQL on aws/rds (copied under
 * the CMK in production, copied again under the staging key in staging,
 * restored from that copy) and MySQL already under a CMK (shared as it is,
 * kind detected from source-db / target-db).
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import pg from 'pg';
import { counts, SCENARIOS, SHARE_KEY, SOURCE, stage, STAGING_KEY, TARGET, type Emulator, type Stage } from './harness';

interface InstanceView {
  id: string;
  standalone?: boolean;
  status: string;
  class: string;
  engine?: string;
  kmsKeyId?: string;
  deletionProtection?: boolean;
  securityGroups?: string[];
  tags?: Array<{ Key: string; Value: string }> | Record<string, string>;
}
interface DbSnapshotView {
  id: string;
  status: string;
  type: string;
  kmsKeyId?: string;
  sharedWith: string[];
  tags: Array<{ Key: string; Value: string }> | Record<string, string>;
}
interface AccountView {
  id: string;
  instances: InstanceView[];
  dbSnapshots: DbSnapshotView[];
}

function view(emulator: Emulator, id: string): AccountView {
  const a = (emulator.state() as unknown as { accounts: AccountView[] }).accounts.find(x => x.id === id);
  if (!a) throw new Error(`no account ${id}`);
  return a;
}

const tagKeys = (t: InstanceView['tags']): string[] => (Array.isArray(t) ? t.map(x => x.Key) : Object.keys(t ?? {}));

/** Staging's standalone instances, as a person would compare them. */
function stagingInstances(emulator: Emulator): unknown {
  return view(emulator, TARGET)
    .instances.filter(i => i.standalone)
    .map(i => ({ id: i.id, status: i.status, class: i.class, kmsKeyId: i.kmsKeyId, deletionProtection: i.deletionProtection, securityGroups: i.securityGroups, tags: i.tags }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

function instanceInputs(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'aws-region': 'ap-northeast-1',
    'source-role-arn': `arn:aws:iam::${SOURCE}:role/rds-sync-production`,
    'target-role-arn': `arn:aws:iam::${TARGET}:role/rds-sync-staging`,
    'kms-key-id': SHARE_KEY,
    'target-kms-key-id': STAGING_KEY,
    'isolation-security-group-ids': 'sg-0150a71000000000a',
    'poll-interval-seconds': '0.2',
    ...extra
  };
}

const PG = { 'source-instance': 'app-production-pg', 'target-instance': 'app-staging-pg' };

let s: Stage | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

describe('RDS PostgreSQL instance on aws/rds', () => {
  it('copies under the CMK, shares, copies into staging under the staging key, restores from that copy, swaps, deletes the copy', async () => {
    s = await stage('instance-postgres.yaml');
    const old = view(s.emulator, TARGET).instances.find(i => i.id === 'app-staging-pg')!;
    const { main, post } = await s.job(instanceInputs(PG));

    expect(main.errors).toEqual([]);
    expect(main.code).toBe(0);
    expect(post.code).toBe(0);
    const c = counts(s.emulator);
    // One copy in production (aws/rds can't be shared), one in staging (an instance can't restore a shared encrypted snapshot).
    expect(c['rds:CopyDBSnapshot']).toBe(2);
    expect(c['rds:RestoreDBInstanceFromDBSnapshot']).toBe(1);
    expect(c['rds:CopyDBClusterSnapshot'] ?? 0).toBe(0);
    expect(main.outputs['db-kind']).toBe('instance');
    expect(main.outputs['db-identifier']).toBe('app-staging-pg');
    expect(main.outputs['snapshot-copied']).toBe('true');
    expect(main.outputs['kms-key-arn']).toBe(SHARE_KEY);
    expect(main.outputs['snapshot-arn']).toMatch(new RegExp(`^arn:aws:rds:ap-northeast-1:${SOURCE}:snapshot:rcas-app-production-pg-`));

    s.emulator.advance(3600);
    const staging = view(s.emulator, TARGET).instances.filter(i => i.standalone);
    expect(staging.map(i => i.id)).toEqual(['app-staging-pg']);
    const refreshed = staging[0];
    expect(refreshed.status).toBe('available');
    expect(refreshed.kmsKeyId).toBe(STAGING_KEY);
    expect(refreshed.securityGroups).toEqual(old.securityGroups);
    expect(refreshed.deletionProtection).toBe(true);
    expect(refreshed.class).toBe(old.class);
    expect(tagKeys(refreshed.tags)).not.toContain('rds-cross-account-sync:lock');
    // The staging copy served the restore and is gone; the production copy stays shared for the next run.
    expect(view(s.emulator, TARGET).dbSnapshots.filter(x => x.type === 'manual' && tagKeys(x.tags).includes('rds-cross-account-sync:managed'))).toEqual([]);
    const prodCopy = view(s.emulator, SOURCE).dbSnapshots.find(x => x.id.startsWith('rcas-app-production-pg-'))!;
    expect(prodCopy.kmsKeyId).toBe(SHARE_KEY);
    expect(prodCopy.sharedWith).toEqual([TARGET]);

    for (const step of ['Re-encrypt copy', 'Share snapshot', 'Copy into staging', 'Restore', 'Delete staging copy', 'Swap']) expect(main.summary).toContain(step);
    expect(main.stdout).not.toContain('production-secret-password');
  });

  it('a failed restore leaves staging exactly as it was and removes the staging copy', async () => {
    s = await stage('instance-postgres.yaml');
    const before = stagingInstances(s.emulator);
    s.emulator.inject({ operation: 'rds:RestoreDBInstanceFromDBSnapshot', kind: 'error', code: 'InsufficientDBInstanceCapacity', times: 1 } as never);
    const { main, post } = await s.job(instanceInputs(PG));
    expect(main.code).toBe(1);
    expect(main.errors.length).toBeGreaterThan(0);
    expect(post.code).toBe(0);
    s.emulator.advance(3600);
    expect(stagingInstances(s.emulator)).toEqual(before);
    expect(view(s.emulator, TARGET).dbSnapshots.filter(x => tagKeys(x.tags).includes('rds-cross-account-sync:managed'))).toEqual([]);
  });

  it('a failure in the middle of the swap leaves staging as it was', async () => {
    s = await stage('instance-postgres.yaml');
    const before = stagingInstances(s.emulator);
    s.emulator.inject({ operation: 'rds:ModifyDBInstance', kind: 'error', code: 'InvalidDBInstanceState', times: 1, match: { NewDBInstanceIdentifier: 'app-staging-pg' } } as never);
    const { main, post } = await s.job(instanceInputs(PG));
    expect(main.code).toBe(1);
    expect(post.code).toBe(0);
    s.emulator.advance(3600);
    expect(stagingInstances(s.emulator)).toEqual(before);
  });

  it('mode plan changes nothing and plans the staging copy', async () => {
    s = await stage('instance-postgres.yaml');
    const snapshot = () => JSON.stringify([SOURCE, TARGET].map(a => [view(s!.emulator, a).instances, view(s!.emulator, a).dbSnapshots]));
    const before = snapshot();
    const main = await s.run(instanceInputs({ ...PG, mode: 'plan' }));
    expect(main.errors).toEqual([]);
    expect(main.code).toBe(0);
    expect(snapshot()).toBe(before);
    for (const op of Object.keys(counts(s.emulator))) expect(op).toMatch(/^(sts:|kms:(Describe|Get|List|CreateGrant|RetireGrant|RevokeGrant)|rds:(Describe|List))/);
    const plan = JSON.parse(main.outputs.plan);
    expect(plan.source.copy.needed).toBe(true);
    expect(plan.target.kind).toBe('instance');
    expect(plan.target.copy).toMatchObject({ needed: true, kmsKeyId: STAGING_KEY });
  });
});

describe('RDS MySQL instance under a CMK', () => {
  it('detects the kind from source-db / target-db, copies into staging under the staging key and refreshes staging', async () => {
    s = await stage('instance-mysql.yaml');
    const old = view(s.emulator, TARGET).instances.find(i => i.id === 'app-staging-mysql')!;
    const { main, post } = await s.job(instanceInputs({ 'source-db': 'app-production-mysql', 'target-db': 'app-staging-mysql' }));

    expect(main.errors).toEqual([]);
    expect(main.code).toBe(0);
    expect(post.code).toBe(0);
    expect(main.outputs['db-kind']).toBe('instance');
    expect(main.outputs['kms-key-arn']).toBe(SHARE_KEY);
    const c = counts(s.emulator);
    expect(c['rds:RestoreDBInstanceFromDBSnapshot']).toBe(1);
    // The staging copy always happens for an encrypted shared snapshot; a production copy only when the snapshot is automated.
    expect(c['rds:CopyDBSnapshot']).toBe(main.outputs['snapshot-copied'] === 'true' ? 2 : 1);

    s.emulator.advance(3600);
    const staging = view(s.emulator, TARGET).instances.filter(i => i.standalone);
    expect(staging.map(i => i.id)).toEqual(['app-staging-mysql']);
    expect(staging[0].kmsKeyId).toBe(STAGING_KEY);
    expect(staging[0].engine).toBe('mysql');
    expect(staging[0].securityGroups).toEqual(old.securityGroups);
    expect(view(s.emulator, TARGET).dbSnapshots.filter(x => tagKeys(x.tags).includes('rds-cross-account-sync:managed'))).toEqual([]);
  });
});

describe('RDS PostgreSQL instance with masking', () => {
  it('masks the restored instance before the swap: no production e-mail left, production password refused', async () => {
    s = await stage('instance-postgres.yaml');
    const { main } = await s.job(
      instanceInputs({
        ...PG,
        'masking-rules': join(SCENARIOS, 'seed-masking.yml'),
        'masking-salt': 'e2e-salt',
        'masking-tls': 'disable'
      })
    );
    expect(main.errors).toEqual([]);
    expect(main.code).toBe(0);
    const staging = (s.emulator.state() as unknown as { accounts: Array<{ id: string; instances: Array<{ id: string; standalone?: boolean; database?: { host: string; port: number } }> }> }).accounts
      .find(a => a.id === TARGET)!
      .instances.find(i => i.id === 'app-staging-pg' && i.standalone)!;
    const connect = async (password: string) => {
      const client = new pg.Client({ host: staging.database!.host, port: staging.database!.port, user: 'app_admin', password, database: 'app' });
      await client.connect();
      return client;
    };
    const client = await connect(main.outputs['master-password']);
    try {
      const emails = (await client.query('SELECT email FROM users')).rows.map(r => r.email as string);
      expect(emails).toHaveLength(5);
      expect(emails.filter(e => e.endsWith('@example.com'))).toEqual([]);
    } finally {
      await client.end();
    }
    await expect(connect('production-secret-password')).rejects.toThrow(/password/i);
  });
});
