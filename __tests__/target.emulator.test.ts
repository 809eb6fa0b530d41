/** End to end through the local emulator: the target side against real SDK clients, the staging role's real permissions. */
import { afterEach, describe, expect, it } from '@jest/globals';
import { CopyDBClusterSnapshotCommand, DescribeDBClusterSnapshotsCommand, DescribeDBClustersCommand, ModifyDBClusterSnapshotAttributeCommand } from '@aws-sdk/client-rds';
import type { RunningEmulator } from '../emulator/index';
import type { Accounts } from '../src/accounts';
import { LOCK_TAG, type Context } from '../src/context';
import { planTarget } from '../src/plan/target';
import { Report } from '../src/report';
import { readSettings } from '../src/settings';
import { StateStore } from '../src/state';
import { runTarget } from '../src/target';
import type { SharedSnapshot } from '../src/types';
import { PROD, scenario, sides, start, STG } from './emulator/harness';
import { quietStdout } from './helpers/stdout';
import { testClock } from './fixtures/clock';

quietStdout();

let emu: RunningEmulator;
afterEach(async () => {
  await emu?.close();
});

const stagingKeyArn = `arn:aws:kms:ap-northeast-1:${STG}:key/5e7f9a1b-2222-4c6d-8e0f-000000000002`;

async function context(): Promise<{ ctx: Context; shared: SharedSnapshot; stg: Awaited<ReturnType<typeof sides>>['stg'] }> {
  emu = await start(scenario());
  const { prod, stg } = await sides(emu);
  const autos = await prod.rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: 'app-production', SnapshotType: 'automated' }));
  const source = autos.DBClusterSnapshots!.at(-1)!.DBClusterSnapshotIdentifier!;
  await prod.rds.send(new CopyDBClusterSnapshotCommand({ SourceDBClusterSnapshotIdentifier: source, TargetDBClusterSnapshotIdentifier: 'sync-copy', KmsKeyId: 'alias/rds-share' }));
  emu.advance(50 * 24 + 1);
  await prod.rds.send(new ModifyDBClusterSnapshotAttributeCommand({ DBClusterSnapshotIdentifier: 'sync-copy', AttributeName: 'restore', ValuesToAdd: [STG] }));
  const inputs: Record<string, string> = {
    'aws-region': 'ap-northeast-1',
    'source-account-id': PROD,
    'target-account-id': STG,
    'source-cluster': 'app-production',
    'target-cluster': 'app-staging',
    'target-kms-key-id': stagingKeyArn
  };
  const account = (side: 'source' | 'target', id: string, rds: typeof prod.rds) => ({ side, accountId: id, region: 'ap-northeast-1', partition: 'aws', rds });
  const ctx: Context = {
    settings: readSettings(n => inputs[n] ?? ''),
    accounts: { source: account('source', PROD, prod.rds), target: account('target', STG, stg.rds) } as unknown as Accounts,
    report: new Report(),
    state: new StateStore({ runId: '5150-1' }),
    runId: '5150-1',
    // Every pause of the action moves the emulator's simulated clock by as much.
    clock: testClock({ start: Date.UTC(2026, 10, 28), emulator: emu })
  };
  const shared: SharedSnapshot = {
    kind: 'cluster',
    arn: `arn:aws:rds:ap-northeast-1:${PROD}:cluster-snapshot:sync-copy`,
    identifier: 'sync-copy',
    kmsKeyArn: `arn:aws:kms:ap-northeast-1:${PROD}:key/0d2c6a8e-1111-4a5b-9c3d-000000000001`,
    engine: 'aurora-postgresql',
    sourceSnapshotId: source,
    copied: true
  };
  return { ctx, shared, stg };
}

describe('target side through the emulator', () => {
  it('replaces app-staging with the restored, re-keyed cluster and deletes the old one', async () => {
    const { ctx, shared, stg } = await context();
    const before = (await stg.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'app-staging' }))).DBClusters![0];
    const plan = await planTarget(ctx);
    const result = await runTarget(ctx, plan, shared);
    const after = (await stg.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'app-staging' }))).DBClusters![0];
    expect(result.identifier).toBe('app-staging');
    expect(after.DbClusterResourceId).not.toBe(before.DbClusterResourceId);
    expect(after.KmsKeyId).toBe(stagingKeyArn);
    expect(after.VpcSecurityGroups?.map(g => g.VpcSecurityGroupId)).toEqual(before.VpcSecurityGroups?.map(g => g.VpcSecurityGroupId));
    expect(after.DeletionProtection).toBe(before.DeletionProtection);
    expect(after.TagList?.some(t => t.Key === LOCK_TAG)).toBe(false);
    expect(ctx.report.outputs['writer-endpoint']).toMatch(/^app-staging\.cluster-/);
  });

  it('a failed instance creation leaves app-staging as it was', async () => {
    const { ctx, shared, stg } = await context();
    const before = (await stg.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'app-staging' }))).DBClusters![0];
    const plan = await planTarget(ctx);
    emu.inject({ operation: 'CreateDBInstance', kind: 'error', code: 'InsufficientDBInstanceCapacityFault' });
    await expect(runTarget(ctx, plan, shared)).rejects.toThrow();
    const after = (await stg.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'app-staging' }))).DBClusters![0];
    expect(after.DbClusterResourceId).toBe(before.DbClusterResourceId);
    expect(after.TagList).toEqual(before.TagList);
    expect(after.DeletionProtection).toBe(before.DeletionProtection);
  });
});
