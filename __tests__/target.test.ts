import { describe, expect, it } from '@jest/globals';
import { LOCK_TAG, MANAGED_TAG, RUN_TAG, TARGET_TAG } from '../src/context';
import { DiagnosedError } from '../src/errors';
import { planTarget } from '../src/plan/target';
import { needsRecovery, recover } from '../src/recover';
import { maskRestored } from '../src/steps/mask';
import { runTarget, type TargetHooks } from '../src/target';
import type { Fault } from './fixtures/fake-rds';
import { addStaging, makeCtx, makeWorld, RULES_FILE, sharedSnapshot, TARGET_KEY, type World } from './fixtures/target';
import { quietStdout } from './helpers/stdout';

quietStdout();

const TEMP = 'app-staging-sync-900-1';
const PARKED = 'app-staging-old-900-1';
const ISOLATION = 'sg-0000000000000bbbb';
const MASKING = { 'masking-rules': RULES_FILE, 'masking-salt': 'pepper', 'isolation-security-group-ids': ISOLATION };

async function setup(inputs: Record<string, string> = {}, staging = true) {
  const world = makeWorld();
  if (staging) addStaging(world);
  const ctx = makeCtx(world, inputs);
  const plan = await planTarget(ctx);
  return { world, ctx, plan, shared: sharedSnapshot(world) };
}

describe('runTarget: the refresh', () => {
  it('restores under the staging key, resets the password, swaps in and deletes the old cluster', async () => {
    const { world, ctx, plan, shared } = await setup();
    const oldResource = world.target.clusters.get('app-staging')!.resourceId;
    const result = await runTarget(ctx, plan, shared);

    const now = world.target.clusters.get('app-staging')!;
    expect(now.resourceId).not.toBe(oldResource);
    expect(now.restoredFrom).toBe(shared.arn);
    expect(now.kmsKeyId).toBe(TARGET_KEY);
    expect(now.password).toBeDefined();
    expect(now.password).not.toBe('production-password');
    expect(now.securityGroups).toEqual(['sg-0000000000000aaaa']);
    expect(now.deletionProtection).toBe(true);
    expect(now.subnetGroup).toBe('staging-subnets');
    expect(now.clusterParameterGroup).toBe('staging-cluster-params');
    expect(now.tags).toMatchObject({ team: 'payments', [MANAGED_TAG]: 'true', [RUN_TAG]: '900-1', [TARGET_TAG]: 'app-staging' });
    expect(now.tags[LOCK_TAG]).toBeUndefined();
    expect(now.tags['aws:cloudformation:stack-name']).toBeUndefined();

    const instances = [...world.target.instances.values()];
    expect(instances.map(i => [i.id, i.cluster, i.instanceClass, i.parameterGroup])).toEqual([
      ['app-staging-sync-900-1-1', 'app-staging', 'db.r6g.xlarge', 'staging-instance-params']
    ]);
    expect(world.target.clusters.has(PARKED)).toBe(false);
    expect(world.target.clusters.size).toBe(1);

    // The old cluster: instances deleted before the cluster, without a final snapshot.
    const ops = world.target.calls.map(c => `${c.op}:${String(c.input.DBInstanceIdentifier ?? c.input.DBClusterIdentifier ?? '')}`);
    expect(ops.indexOf('DeleteDBInstance:app-staging-1')).toBeLessThan(ops.indexOf(`DeleteDBCluster:${PARKED}`));
    expect(world.target.calls.find(c => c.op === 'DeleteDBCluster')!.input).toMatchObject({ SkipFinalSnapshot: true });
    // The password is reset before any instance exists.
    expect(ops.findIndex(o => o.startsWith('ModifyDBCluster:'))).toBeLessThan(ops.findIndex(o => o.startsWith('CreateDBInstance')));

    expect(result).toMatchObject({ identifier: 'app-staging', replaced: true, masked: false });
    expect(ctx.report.outputs).toMatchObject({
      'cluster-identifier': 'app-staging',
      'writer-endpoint': expect.stringContaining('app-staging.cluster-abc'),
      'reader-endpoint': expect.stringContaining('app-staging.cluster-ro-abc'),
      'snapshot-arn': shared.arn
    });
    expect(ctx.report.outputs['master-password']).toBe(now.password);
    const state = ctx.state.get();
    expect(state.restored).toBeUndefined();
    expect(state.swap).toBeUndefined();
    expect(state.lock).toBeUndefined();
  });

  it('takes a final snapshot with a unique name when final-snapshot is take', async () => {
    const { world, ctx, plan, shared } = await setup({ 'final-snapshot': 'take' });
    await runTarget(ctx, plan, shared);
    expect(world.target.calls.find(c => c.op === 'DeleteDBCluster')!.input).toMatchObject({
      SkipFinalSnapshot: false,
      FinalDBSnapshotIdentifier: 'app-staging-final-900-1'
    });
  });

  it('creates staging under the name when it does not exist', async () => {
    const { world, ctx, plan, shared } = await setup({ 'vpc-security-group-ids': 'sg-0000000000000cccc' }, false);
    const result = await runTarget(ctx, plan, shared);
    expect(result.replaced).toBe(false);
    const now = world.target.clusters.get('app-staging')!;
    expect(now.securityGroups).toEqual(['sg-0000000000000cccc']);
    expect(now.tags[LOCK_TAG]).toBeUndefined();
    expect(world.target.calls.some(c => c.op === 'DeleteDBCluster')).toBe(false);
  });

  it('keeps the new cluster in the isolation groups until the swap, and masks with the generated password', async () => {
    const { world, ctx, plan, shared } = await setup(MASKING);
    const seen: Array<{ groups: string[]; password?: string; clusterPassword?: string }> = [];
    const hooks: TargetHooks = {
      mask: async (_ctx, db) => {
        const c = world.target.clusters.get(db.identifier)!;
        seen.push({ groups: c.securityGroups, password: db.password, clusterPassword: c.password });
        return { masked: true };
      }
    };
    const result = await runTarget(ctx, plan, shared, hooks);
    expect(seen).toHaveLength(1);
    expect(seen[0].groups).toEqual([ISOLATION]);
    expect(seen[0].password).toBe(seen[0].clusterPassword);
    expect(seen[0].password).not.toBe('production-password');
    expect(world.target.clusters.get('app-staging')!.securityGroups).toEqual(['sg-0000000000000aaaa']);
    expect(result.masked).toBe(true);
  });

  it('with manage-master-password and direct masking: masks with a generated password, then hands it to Secrets Manager before the swap', async () => {
    const { world, ctx, plan, shared } = await setup({ ...MASKING, 'manage-master-password': 'true' });
    let maskedWith: string | undefined;
    await runTarget(ctx, plan, shared, { mask: async (_c, db) => ((maskedWith = db.password), { masked: true }) });
    expect(maskedWith).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const now = world.target.clusters.get('app-staging')!;
    expect(now.managedSecret).toBeDefined();
    expect(now.password).toBeUndefined();
    expect(ctx.report.outputs['master-password']).toBeUndefined();
  });
});

interface FaultCase {
  name: string;
  inputs?: Record<string, string>;
  staging?: { deletionProtection?: boolean };
  arrange: (w: World) => void;
  hooks?: TargetHooks;
  error?: RegExp;
}

const at = (op: string, when?: Fault['when']): ((w: World) => void) => w => void w.target.faults.push({ op, when });

const FAULTS: FaultCase[] = [
  { name: 'the restore call', arrange: at('RestoreDBClusterFromSnapshot') },
  {
    name: 'the restore ending in inaccessible-encryption-credentials',
    arrange: w => void (w.target.restoreOutcome = 'inaccessible-encryption-credentials'),
    error: /cannot use a key/
  },
  { name: 'the password reset', arrange: at('ModifyDBCluster', i => i.MasterUserPassword !== undefined) },
  { name: 'the instance creation', arrange: at('CreateDBInstance') },
  { name: 'an instance ending failed', arrange: w => void (w.target.instanceOutcome = 'failed') },
  {
    name: 'a masking veto',
    inputs: MASKING,
    arrange: () => undefined,
    hooks: {
      mask: (ctx, db) =>
        maskRestored(ctx, db, async () => {
          throw Object.assign(new Error('veto'), { name: 'MaskingVetoError', reasons: ['public.users.email looks personal and has no rule'] });
        })
    },
    error: /Masking vetoed the swap/
  },
  { name: 'turning off deletion protection', arrange: at('ModifyDBCluster', i => i.DeletionProtection === false && i.DBClusterIdentifier === 'app-staging') },
  { name: 'parking the old cluster', arrange: at('ModifyDBCluster', i => i.NewDBClusterIdentifier === PARKED) },
  { name: 'promoting the new cluster', arrange: at('ModifyDBCluster', i => i.NewDBClusterIdentifier === 'app-staging') },
  { name: 'giving it the security groups', arrange: at('ModifyDBCluster', i => i.VpcSecurityGroupIds !== undefined && i.DBClusterIdentifier === 'app-staging') },
  {
    name: 'waiting for the renamed cluster (it vanishes)',
    arrange: at('DescribeDBClusters', i => i.DBClusterIdentifier === PARKED)
  }
];

describe('runTarget: a fault at each step leaves staging exactly as before', () => {
  it.each(FAULTS.map(f => [f.name, f] as const))('%s', async (_name, f) => {
    const world = makeWorld();
    addStaging(world, f.staging);
    const ctx = makeCtx(world, f.inputs ?? {});
    const plan = await planTarget(ctx);
    const before = world.target.world();
    f.arrange(world);
    const run = runTarget(ctx, plan, sharedSnapshot(world), f.hooks);
    await expect(run).rejects.toThrow(f.error ?? /./);
    world.target.faults.length = 0;
    expect(world.target.world()).toEqual(before);
    expect(world.target.calls.some(c => c.op === 'DeleteDBInstance' && String(c.input.DBInstanceIdentifier).startsWith('app-staging-') && !String(c.input.DBInstanceIdentifier).includes('sync'))).toBe(false);
    expect(ctx.state.get()).toMatchObject({ restored: undefined, swap: undefined, lock: undefined });
    expect(ctx.report.steps.find(s => s.name === 'Roll back')?.result).toBe('ok');
  });

  it('keeps the failed restore for inspection with keep-failed-restore, staging untouched and unlocked', async () => {
    const world = makeWorld();
    addStaging(world);
    const ctx = makeCtx(world, { 'keep-failed-restore': 'true' });
    const plan = await planTarget(ctx);
    const before = world.target.world() as { clusters: Array<{ id: string }> };
    world.target.instanceOutcome = 'failed';
    await expect(runTarget(ctx, plan, sharedSnapshot(world))).rejects.toThrow();
    const after = world.target.world() as { clusters: Array<{ id: string }> };
    expect(after.clusters.filter(c => c.id !== TEMP)).toEqual(before.clusters);
    expect(world.target.clusters.get(TEMP)!.tags[LOCK_TAG]).toBeUndefined();
  });

  it('a failed delete of the old cluster keeps the new one in place and names what is left', async () => {
    const world = makeWorld();
    addStaging(world);
    const ctx = makeCtx(world);
    const plan = await planTarget(ctx);
    const shared = sharedSnapshot(world);
    world.target.faults.push({ op: 'DeleteDBCluster', when: i => i.DBClusterIdentifier === PARKED, error: 'InvalidDBClusterStateFault', times: 3 });
    const err = await runTarget(ctx, plan, shared).catch(e => e);
    expect(err).toBeInstanceOf(DiagnosedError);
    expect((err as DiagnosedError).diagnostics[0].title).toBe(`Staging is refreshed, but the old cluster ${PARKED} was not deleted`);
    expect(world.target.clusters.get('app-staging')!.restoredFrom).toBe(shared.arn);
    expect(world.target.clusters.get(PARKED)!.tags[LOCK_TAG]).toBeUndefined();
    expect(world.target.calls.some(c => c.op === 'ModifyDBCluster' && c.input.NewDBClusterIdentifier === TEMP)).toBe(false);
  });
});

describe('the lock', () => {
  it('stops at once when another run holds the staging cluster', async () => {
    const world = makeWorld();
    addStaging(world);
    world.target.clusters.get('app-staging')!.tags[LOCK_TAG] = 'run=800-1 target=app-staging since=2026-11-28T10:00:00.000Z';
    const ctx = makeCtx(world);
    const plan = await planTarget(ctx);
    const before = world.target.world();
    const err = await runTarget(ctx, plan, sharedSnapshot(world)).catch(e => e);
    expect((err as DiagnosedError).diagnostics[0]).toMatchObject({ title: 'Another run is refreshing app-staging: this run stops', severity: 'notice' });
    expect((err as DiagnosedError).diagnostics[0].fix).toContain(`remove-tags-from-resource --resource-name ${world.target.arn('app-staging')}`);
    expect(world.target.ops()).not.toContain('RestoreDBClusterFromSnapshot');
    expect(world.target.world()).toEqual(before);
  });

  it('stops when another run is restoring a cluster that has no staging cluster yet', async () => {
    const world = makeWorld();
    world.target.addCluster({ id: 'app-staging-sync-800-1', tags: { [LOCK_TAG]: 'run=800-1 target=app-staging since=2026-11-28T10:00:00.000Z' } });
    const ctx = makeCtx(world, { 'vpc-security-group-ids': 'sg-0000000000000cccc' });
    const plan = await planTarget(ctx);
    await expect(runTarget(ctx, plan, sharedSnapshot(world))).rejects.toThrow(/Another run is refreshing app-staging/);
    expect(world.target.ops()).not.toContain('RestoreDBClusterFromSnapshot');
  });

  it('a parked note whose answer was lost is taken back: staging ends unlocked and untouched', async () => {
    const world = makeWorld();
    addStaging(world);
    const ctx = makeCtx(world);
    const plan = await planTarget(ctx);
    const before = world.target.world();
    world.target.faults.push({ op: 'AddTagsToResource', applied: true });
    await expect(runTarget(ctx, plan, sharedSnapshot(world))).rejects.toThrow(/injected fault/);
    expect(world.target.world()).toEqual(before);
    expect(ctx.state.get().lock).toBeUndefined();
  });

  it('a lock of another target does not stop this one', async () => {
    const world = makeWorld();
    addStaging(world);
    world.target.addCluster({ id: 'other-staging', tags: { [LOCK_TAG]: 'run=800-1 target=other-staging since=2026-11-28T10:00:00.000Z' } });
    const ctx = makeCtx(world);
    await expect(runTarget(ctx, await planTarget(ctx), sharedSnapshot(world))).resolves.toMatchObject({ identifier: 'app-staging' });
  });
});

interface HangCase {
  name: string;
  fault: Fault;
  /** The swap had completed: the post step finishes deleting the old cluster instead of rolling back. */
  completes?: boolean;
}

const HANGS: HangCase[] = [
  { name: 'during the restore call', fault: { op: 'RestoreDBClusterFromSnapshot', hang: true } },
  { name: 'during the password reset', fault: { op: 'ModifyDBCluster', when: i => i.MasterUserPassword !== undefined, hang: true } },
  { name: 'during instance creation', fault: { op: 'CreateDBInstance', hang: true } },
  { name: 'while noting who parks the old cluster', fault: { op: 'AddTagsToResource', hang: true } },
  { name: 'with deletion protection off', fault: { op: 'ModifyDBCluster', when: i => i.DeletionProtection === false, hang: true } },
  { name: 'while parking the old cluster', fault: { op: 'ModifyDBCluster', when: i => i.NewDBClusterIdentifier === PARKED, hang: true } },
  { name: 'while promoting the new cluster', fault: { op: 'ModifyDBCluster', when: i => i.NewDBClusterIdentifier === 'app-staging', hang: true } },
  { name: 'while applying the security groups', fault: { op: 'ModifyDBCluster', when: i => i.VpcSecurityGroupIds !== undefined, hang: true } },
  { name: 'while deleting the old cluster', fault: { op: 'DeleteDBInstance', hang: true }, completes: true }
];

describe('recover(): the post step after a cancelled run', () => {
  it.each(HANGS.map(h => [h.name, h] as const))('cancelled %s', async (_name, h) => {
    const world = makeWorld();
    addStaging(world);
    const ctx = makeCtx(world);
    const plan = await planTarget(ctx);
    const shared = sharedSnapshot(world);
    const before = world.target.world();
    world.target.faults.push(h.fault);
    void runTarget(ctx, plan, shared).catch(() => undefined);
    await world.target.hung;

    const saved = JSON.parse(JSON.stringify(ctx.state.get()));
    expect(needsRecovery(saved)).toBe(true);
    const post = makeCtx(world, {}, { runId: saved.runId, state: saved });
    await recover(post);

    if (h.completes) {
      expect(world.target.clusters.get('app-staging')!.restoredFrom).toBe(shared.arn);
      expect(world.target.clusters.has(PARKED)).toBe(false);
      expect(world.target.clusters.get('app-staging')!.tags[LOCK_TAG]).toBeUndefined();
    } else {
      expect(world.target.world()).toEqual(before);
    }
    expect(needsRecovery(post.state.get())).toBe(false);
  });

  it('has nothing to do for a state without anything created', () => {
    expect(needsRecovery({ runId: '1-1' })).toBe(false);
    expect(needsRecovery({ runId: '1-1', sourceCopy: { identifier: 'x', kind: 'cluster', createdByThisRun: false } })).toBe(false);
  });

  it('keeps an unfinished source copy so the next run resumes it, and never touches other snapshots', async () => {
    const world = makeWorld();
    addStaging(world);
    world.source.snapshots.set('copy-1', { id: 'copy-1', cluster: 'app-production', type: 'manual', status: 'creating', created: new Date(), tags: { [MANAGED_TAG]: 'true' }, sharedWith: [] });
    world.source.snapshots.set('users-own', { id: 'users-own', cluster: 'app-production', type: 'manual', status: 'available', created: new Date(), tags: {}, sharedWith: [] });
    const before = JSON.stringify([...world.source.snapshots.entries()]);
    const post = makeCtx(world, {}, { state: { runId: '900-1', sourceCopy: { identifier: 'copy-1', kind: 'cluster', createdByThisRun: true } } });
    expect(needsRecovery(post.state.get())).toBe(false);
    await recover(post);
    expect(JSON.stringify([...world.source.snapshots.entries()])).toBe(before);
  });
});
