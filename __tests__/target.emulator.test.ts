/** End to end through the local emulator: the target side against real SDK clients, the staging role's real permissions. */
import { afterEach, describe, expect, it } from '@jest/globals';
import { DescribeDBClustersCommand } from '@aws-sdk/client-rds';
import { LOCK_TAG, type Context } from '../src/context';
import { planTarget } from '../src/target';
import { runTarget } from '../src/target';
import type { SharedSnapshot } from '../src/types';
import { emulatedTarget, STAGING_KEY, type EmulatedTarget } from './fixtures/emulated-target';
import { quietStdout } from './helpers/stdout';

quietStdout();

let t: EmulatedTarget | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function context(): Promise<{ ctx: Context; shared: SharedSnapshot; stg: EmulatedTarget['stg']; emu: EmulatedTarget['emu'] }> {
  t = await emulatedTarget();
  return { ctx: t.context({}, { runId: '5150-1' }), shared: t.shared, stg: t.stg, emu: t.emu };
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
    expect(after.KmsKeyId).toBe(STAGING_KEY);
    expect(after.VpcSecurityGroups?.map(g => g.VpcSecurityGroupId)).toEqual(before.VpcSecurityGroups?.map(g => g.VpcSecurityGroupId));
    expect(after.DeletionProtection).toBe(before.DeletionProtection);
    expect(after.TagList?.some(t => t.Key === LOCK_TAG)).toBe(false);
    expect(ctx.report.outputs['writer-endpoint']).toMatch(/^app-staging\.cluster-/);
  });

  it('a failed instance creation leaves app-staging as it was', async () => {
    const { ctx, shared, stg, emu } = await context();
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
