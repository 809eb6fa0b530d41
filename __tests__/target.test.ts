/**
 * runTarget and recover() against the emulator in process (the one RDS model):
 * the refresh, a fault at each step, the lock, and the post step after a run
 * killed in the middle of a call (a `hang` fault: the call took effect, its
 * answer never came).
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { AddTagsToResourceCommand, CopyDBClusterSnapshotCommand, CreateDBClusterSnapshotCommand, DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import type { FaultSpec } from '../emulator/index';
import { KEPT_TAG, LOCK_TAG, MANAGED_TAG, RUN_TAG, TARGET_TAG } from '../src/context';
import { DiagnosedError } from '../src/errors';
import { needsRecovery, recover } from '../src/recover';
import { maskRestored } from '../src/steps/mask';
import { planTarget, runTarget, type TargetHooks } from '../src/target';
import { emulatedTarget, PROD, STAGING_KEY, STG, type EmulatedTarget } from './fixtures/emulated-target';
import { RULES_FILE } from './fixtures/target';
import { quietStdout } from './helpers/stdout';

quietStdout();

const TEMP = 'app-staging-sync-900-1';
const PARKED = 'app-staging-old-900-1';
const ISOLATION = 'sg-0000000000000bbbb';
const STAGING_SG = 'sg-0stg00000000000b';
const MASKING = { 'masking-rules': RULES_FILE, 'masking-salt': 'pepper', 'isolation-security-group-ids': ISOLATION };
const HELD_SINCE = 'since=2026-11-28T10:00:00.000Z';

/** Staging as the fake RDS had it: two instances with their own parameter group, a team tag and a tag only AWS may set. */
const STAGING = {
  accounts: [
    {
      id: STG,
      clusters: [
        {
          id: 'app-staging',
          instances: [
            { id: 'app-staging-1', class: 'db.r6g.xlarge', parameterGroup: 'staging-instance-params' },
            { id: 'app-staging-2', class: 'db.r6g.xlarge', parameterGroup: 'staging-instance-params' }
          ],
          tags: { team: 'payments', 'aws:cloudformation:stack-name': 'x' }
        }
      ]
    }
  ]
};

/** The seed scenario without a staging cluster (plus `clusters` in staging). */
const withoutStaging =
  (clusters: unknown[] = []) =>
  (s: { accounts: Array<{ id: string; clusters?: unknown[] }> }) =>
    void (s.accounts.find(a => a.id === STG)!.clusters = clusters);

let t: EmulatedTarget | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function setup(inputs: Record<string, string> = {}, opts: { staging?: boolean; faults?: FaultSpec[] } = {}) {
  t = await emulatedTarget(opts.staging === false ? {} : STAGING, opts.staging === false ? withoutStaging() : undefined);
  const ctx = t.context(inputs);
  const plan = await planTarget(ctx);
  return { t, ctx, plan, shared: t.shared };
}

/** Lets every deletion and rename the run started finish (no client call: sessions may expire meanwhile). */
function settle(e: EmulatedTarget): void {
  e.emu.advance(3600);
}

describe('runTarget: the refresh', () => {
  it('restores under the staging key, resets the password, swaps in and deletes the old cluster', async () => {
    const { t, ctx, plan, shared } = await setup();
    const before = (await t.describe('app-staging'))!;
    const productionPassword = t.emu.world.account(PROD)!.clusters.get('app-production')!.masterPassword;
    const result = await runTarget(ctx, plan, shared);

    const now = (await t.describe('app-staging'))!;
    expect(now.DbClusterResourceId).not.toBe(before.DbClusterResourceId);
    expect(now.KmsKeyId).toBe(STAGING_KEY);
    expect(t.password('app-staging')).toBeDefined();
    expect(t.password('app-staging')).not.toBe(productionPassword);
    expect(now.VpcSecurityGroups?.map(g => g.VpcSecurityGroupId)).toEqual([STAGING_SG]);
    expect(now.DeletionProtection).toBe(true);
    expect(now.DBSubnetGroup).toBe('staging-db');
    expect(now.DBClusterParameterGroup).toBe('app-staging-pg16');
    expect(t.tags('app-staging')).toMatchObject({ team: 'payments', env: 'staging', [MANAGED_TAG]: 'true', [RUN_TAG]: '900-1', [TARGET_TAG]: 'app-staging' });
    expect(t.tags('app-staging')[LOCK_TAG]).toBeUndefined();
    expect(t.tags('app-staging')['aws:cloudformation:stack-name']).toBeUndefined();

    const members = (await t.stg.rds.send(new DescribeDBInstancesCommand({}))).DBInstances!.filter(i => i.DBClusterIdentifier === 'app-staging');
    expect(members.map(i => [i.DBInstanceIdentifier, i.DBInstanceClass, i.DBParameterGroups?.[0]?.DBParameterGroupName])).toEqual([['app-staging-sync-900-1-1', 'db.r6g.xlarge', 'staging-instance-params']]);
    // The old cluster's deletion is issued (RDS refuses to delete a cluster that still has instances), without a final snapshot.
    settle(t);
    expect(t.clusters().map(c => c.id)).toEqual(['app-staging']);
    expect(t.emu.state().accounts.find(a => a.id === STG)!.snapshots).toEqual([]);
    // The instance is created the moment the cluster is available (RDS creates instances only then), and the password
    // reset (the first ModifyDBCluster) is the very next call, with no wait between: issued while the instance is being created.
    const ops = t.requests().map(r => r.operation);
    const reset = ops.indexOf('ModifyDBCluster');
    expect(reset).toBeGreaterThan(0);
    expect(ops[reset - 1]).toBe('CreateDBInstance');
    expect(t.emu.world.account(STG)!.clusters.get('app-staging')!.masterPassword).toMatch(/^[A-Za-z0-9_-]{32}$/);

    expect(result).toMatchObject({ identifier: 'app-staging', replaced: true, masked: false });
    expect(ctx.report.outputs).toMatchObject({
      'cluster-identifier': 'app-staging',
      'writer-endpoint': expect.stringMatching(/^app-staging\.cluster-(?!ro-)/),
      'reader-endpoint': expect.stringMatching(/^app-staging\.cluster-ro-/),
      'snapshot-arn': shared.arn
    });
    expect(ctx.report.outputs['master-password']).toBe(t.password('app-staging'));
    const state = ctx.state.get();
    expect(state.restored).toBeUndefined();
    expect(state.swap).toBeUndefined();
    expect(state.lock).toBeUndefined();
  });

  it('takes a final snapshot with a unique name when final-snapshot is take', async () => {
    const { t, ctx, plan, shared } = await setup({ 'final-snapshot': 'take' });
    await runTarget(ctx, plan, shared);
    settle(t);
    const snapshots = t.emu.state().accounts.find(a => a.id === STG)!.snapshots as Array<{ id: string }>;
    expect(snapshots.map(s => s.id)).toEqual(['app-staging-final-900-1']);
  });

  it('creates staging under the name when it does not exist', async () => {
    const { t, ctx, plan, shared } = await setup({ 'vpc-security-group-ids': 'sg-0000000000000cccc' }, { staging: false });
    const result = await runTarget(ctx, plan, shared);
    expect(result.replaced).toBe(false);
    expect(t.cluster('app-staging')!.securityGroups).toEqual(['sg-0000000000000cccc']);
    expect(t.tags('app-staging')[LOCK_TAG]).toBeUndefined();
    expect(t.requests().some(r => r.operation === 'DeleteDBCluster')).toBe(false);
  });

  it('keeps the new cluster in the isolation groups until the swap, and masks with the generated password', async () => {
    const { t, ctx, plan, shared } = await setup(MASKING);
    const seen: Array<{ groups: string[]; password?: string; clusterPassword?: string }> = [];
    const hooks: TargetHooks = {
      mask: async (_ctx, db) => {
        seen.push({ groups: t.cluster(db.identifier)!.securityGroups, password: db.password, clusterPassword: t.password(db.identifier) });
        return { masked: true };
      }
    };
    const result = await runTarget(ctx, plan, shared, hooks);
    expect(seen).toHaveLength(1);
    expect(seen[0].groups).toEqual([ISOLATION]);
    expect(seen[0].password).toBe(seen[0].clusterPassword);
    expect(seen[0].password).not.toBe(t.emu.world.account(PROD)!.clusters.get('app-production')!.masterPassword);
    expect(t.cluster('app-staging')!.securityGroups).toEqual([STAGING_SG]);
    expect(result.masked).toBe(true);
  });

  it('with manage-master-password and direct masking: masks with a generated password, then hands it to Secrets Manager before the swap', async () => {
    const { t, ctx, plan, shared } = await setup({ ...MASKING, 'manage-master-password': 'true' });
    let maskedWith: string | undefined;
    await runTarget(ctx, plan, shared, { mask: async (_c, db) => ((maskedWith = db.password), { masked: true }) });
    expect(maskedWith).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(t.cluster('app-staging')!.manageMasterUserPassword).toBe(true);
    expect((await t.describe('app-staging'))!.MasterUserSecret?.SecretArn).toBeDefined();
    expect(ctx.report.outputs['master-password']).toBeUndefined();
  });
});

interface FaultCase {
  name: string;
  inputs?: Record<string, string>;
  fault?: FaultSpec;
  hooks?: TargetHooks;
  error?: RegExp;
}

/** A 500 on the matching call (the clients do not retry it here). */
const at = (operation: string, match?: Record<string, string>): FaultSpec => ({ operation: `rds:${operation}`, kind: 'internal', account: STG, ...(match ? { match } : {}) });

const FAULTS: FaultCase[] = [
  { name: 'the restore call', fault: at('RestoreDBClusterFromSnapshot') },
  {
    name: 'the restore ending in inaccessible-encryption-credentials',
    fault: { operation: 'rds:RestoreDBClusterFromSnapshot', kind: 'fail-midway', endsIn: 'inaccessible-encryption-credentials' },
    error: /cannot use a key/
  },
  { name: 'the password reset', fault: at('ModifyDBCluster', { MasterUserPassword: '*' }) },
  { name: 'the instance creation', fault: at('CreateDBInstance') },
  { name: 'an instance ending failed', fault: { operation: 'rds:CreateDBInstance', kind: 'fail-midway' } },
  {
    name: 'a masking veto',
    inputs: MASKING,
    hooks: {
      mask: (ctx, db) =>
        maskRestored(ctx, db, async () => {
          throw Object.assign(new Error('veto'), { name: 'MaskingVetoError', reasons: ['public.users.email looks personal and has no rule'] });
        })
    },
    error: /Masking vetoed the swap/
  },
  { name: 'turning off deletion protection', fault: at('ModifyDBCluster', { DeletionProtection: 'false', DBClusterIdentifier: 'app-staging' }) },
  { name: 'parking the old cluster', fault: at('ModifyDBCluster', { NewDBClusterIdentifier: PARKED }) },
  { name: 'promoting the new cluster', fault: at('ModifyDBCluster', { NewDBClusterIdentifier: 'app-staging' }) },
  { name: 'promoting it with its security groups', fault: at('ModifyDBCluster', { VpcSecurityGroupIds: '*', NewDBClusterIdentifier: 'app-staging' }) },
  {
    name: 'waiting for the renamed cluster (it vanishes)',
    fault: at('DescribeDBClusters', { DBClusterIdentifier: PARKED })
  }
];

describe('runTarget: a fault at each step leaves staging exactly as before', () => {
  it.each(FAULTS.map(f => [f.name, f] as const))('%s', async (_name, f) => {
    const { t, ctx, plan, shared } = await setup(f.inputs ?? {});
    const before = t.stagingView();
    if (f.fault) t.emu.inject(f.fault);
    const run = runTarget(ctx, plan, shared, f.hooks);
    await expect(run).rejects.toThrow(f.error ?? /./);
    settle(t);
    expect(t.stagingView()).toEqual(before);
    expect(ctx.state.get()).toMatchObject({ restored: undefined, swap: undefined, lock: undefined });
    expect(ctx.report.steps.find(s => s.name === 'Roll back')?.result).toBe('ok');
  });

  it('keeps the failed restore for inspection with keep-failed-restore, staging untouched and unlocked', async () => {
    const { t, ctx, plan, shared } = await setup({ 'keep-failed-restore': 'true' });
    const before = t.stagingView() as { clusters: Array<{ id: string }> };
    t.emu.inject({ operation: 'rds:CreateDBInstance', kind: 'fail-midway' });
    await expect(runTarget(ctx, plan, shared)).rejects.toThrow();
    settle(t);
    const after = t.stagingView() as { clusters: Array<{ id: string }> };
    expect(after.clusters.filter(c => c.id !== TEMP)).toEqual(before.clusters);
    expect(t.cluster(TEMP)).toBeDefined();
    expect(t.tags(TEMP)[LOCK_TAG]).toBeUndefined();
  });

  it("does not keep a failed restore whose password reset was refused: its instance would open with production's password", async () => {
    const { t, ctx, plan, shared } = await setup({ 'keep-failed-restore': 'true' });
    const before = t.stagingView();
    t.emu.inject(at('ModifyDBCluster', { MasterUserPassword: '*' }));
    await expect(runTarget(ctx, plan, shared)).rejects.toThrow();
    settle(t);
    // The instance was already issued when the reset was refused: the new cluster and its instance are deleted, not kept.
    expect(t.requests().map(r => r.operation)).toContain('CreateDBInstance');
    expect(t.stagingView()).toEqual(before);
    expect(t.cluster(TEMP)).toBeUndefined();
    expect(t.clusters().some(c => (c.tags ?? []).some(tag => tag.Key === KEPT_TAG))).toBe(false);
    expect(ctx.state.get()).toMatchObject({ restored: undefined, passwordResetPending: undefined });
  });

  it('a failed delete of the old cluster keeps the new one in place and names what is left', async () => {
    const { t, ctx, plan, shared } = await setup();
    const before = (await t.describe('app-staging'))!;
    t.emu.inject({ operation: 'rds:DeleteDBCluster', kind: 'error', code: 'InvalidDBClusterStateFault', times: 3, match: { DBClusterIdentifier: PARKED } });
    const err = await runTarget(ctx, plan, shared).catch(e => e);
    expect(err).toBeInstanceOf(DiagnosedError);
    expect((err as DiagnosedError).diagnostics[0].title).toBe(`Staging is refreshed, but the old cluster ${PARKED} was not deleted`);
    expect((await t.describe('app-staging'))!.DbClusterResourceId).not.toBe(before.DbClusterResourceId);
    expect(t.cluster(PARKED)).toBeDefined();
    expect(t.tags(PARKED)[LOCK_TAG]).toBeUndefined();
    expect(t.cluster(TEMP)).toBeUndefined();
  });
});

describe('the lock', () => {
  it('stops at once when another run holds the staging cluster', async () => {
    const { t, ctx, plan, shared } = await setup();
    const arn = `arn:aws:rds:ap-northeast-1:${STG}:cluster:app-staging`;
    await t.stg.rds.send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: [{ Key: LOCK_TAG, Value: `run=800-1 target=app-staging ${HELD_SINCE}` }] }));
    const before = t.stagingView();
    const err = await runTarget(ctx, plan, shared).catch(e => e);
    expect((err as DiagnosedError).diagnostics[0]).toMatchObject({ title: 'Another run is refreshing app-staging: this run stops', severity: 'notice' });
    expect((err as DiagnosedError).diagnostics[0].fix).toContain(`remove-tags-from-resource --resource-name ${arn}`);
    expect(t.requests().map(r => r.operation)).not.toContain('RestoreDBClusterFromSnapshot');
    expect(t.stagingView()).toEqual(before);
  });

  it('stops when another run is restoring a cluster that has no staging cluster yet', async () => {
    t = await emulatedTarget({}, withoutStaging([{ id: 'app-staging-sync-800-1', tags: { [LOCK_TAG]: `run=800-1 target=app-staging ${HELD_SINCE}` } }]));
    const ctx = t.context({ 'vpc-security-group-ids': 'sg-0000000000000cccc' });
    const plan = await planTarget(ctx);
    await expect(runTarget(ctx, plan, t.shared)).rejects.toThrow(/Another run is refreshing app-staging/);
    expect(t.requests().map(r => r.operation)).not.toContain('RestoreDBClusterFromSnapshot');
  });

  it('a parked note whose answer was lost is taken back: staging ends unlocked and untouched', async () => {
    const { t, ctx, plan, shared } = await setup();
    const before = t.stagingView();
    t.emu.inject({ operation: 'rds:AddTagsToResource', kind: 'fail-after', code: 'InternalFailure', message: 'injected: answer lost', account: STG });
    await expect(runTarget(ctx, plan, shared)).rejects.toThrow(/answer lost/);
    settle(t);
    expect(t.stagingView()).toEqual(before);
    expect(ctx.state.get().lock).toBeUndefined();
  });

  it('a lock of another target does not stop this one', async () => {
    t = await emulatedTarget(STAGING, s => {
      const staging = s.accounts.find(a => a.id === STG)! as unknown as { clusters: unknown[] };
      staging.clusters.push({ id: 'other-staging', tags: { [LOCK_TAG]: `run=800-1 target=other-staging ${HELD_SINCE}` } });
    });
    const ctx = t.context();
    await expect(runTarget(ctx, await planTarget(ctx), t.shared)).resolves.toMatchObject({ identifier: 'app-staging' });
  });
});

interface HangCase {
  name: string;
  fault: Omit<FaultSpec, 'kind'>;
  /** The swap had completed: the post step finishes deleting the old cluster instead of rolling back. */
  completes?: boolean;
}

const HANGS: HangCase[] = [
  { name: 'during the restore call', fault: { operation: 'RestoreDBClusterFromSnapshot' } },
  { name: 'during the password reset', fault: { operation: 'ModifyDBCluster', match: { MasterUserPassword: '*' } } },
  { name: 'during instance creation', fault: { operation: 'CreateDBInstance' } },
  { name: 'while noting who parks the old cluster', fault: { operation: 'AddTagsToResource' } },
  { name: 'with deletion protection off', fault: { operation: 'ModifyDBCluster', match: { DeletionProtection: 'false' } } },
  { name: 'while parking the old cluster', fault: { operation: 'ModifyDBCluster', match: { NewDBClusterIdentifier: PARKED } } },
  { name: 'while promoting the new cluster', fault: { operation: 'ModifyDBCluster', match: { NewDBClusterIdentifier: 'app-staging' } } },
  { name: 'while applying the security groups', fault: { operation: 'ModifyDBCluster', match: { VpcSecurityGroupIds: '*' } } },
  { name: 'while deleting the old cluster', fault: { operation: 'DeleteDBInstance' }, completes: true }
];

describe('recover(): the post step after a cancelled run', () => {
  it.each(HANGS.map(h => [h.name, h] as const))('cancelled %s', async (_name, h) => {
    const { t, ctx, plan, shared } = await setup();
    const before = t.stagingView();
    const resourceBefore = (await t.describe('app-staging'))!.DbClusterResourceId;
    t.emu.inject({ ...h.fault, operation: `rds:${h.fault.operation}`, kind: 'hang', name: 'killed', account: STG });
    void runTarget(ctx, plan, shared).catch(() => undefined);
    await t.emu.paused('killed');

    const saved = JSON.parse(JSON.stringify(ctx.state.get()));
    expect(needsRecovery(saved)).toBe(true);
    const post = t.context({}, { runId: saved.runId, state: saved, start: ctx.clock.now() });
    await recover(post);
    const resourceAfter = (await t.describe('app-staging'))?.DbClusterResourceId;
    settle(t);

    if (h.completes) {
      expect(resourceAfter).toBeDefined();
      expect(resourceAfter).not.toBe(resourceBefore);
      expect(t.cluster(PARKED)).toBeUndefined();
      expect(t.tags('app-staging')[LOCK_TAG]).toBeUndefined();
    } else {
      expect(t.stagingView()).toEqual(before);
    }
    expect(needsRecovery(post.state.get())).toBe(false);
  });

  it('has nothing to do for a state without anything created', () => {
    expect(needsRecovery({ runId: '1-1' })).toBe(false);
    expect(needsRecovery({ runId: '1-1', sourceCopy: { identifier: 'x', kind: 'cluster', createdByThisRun: false } })).toBe(false);
  });

  it('keeps an unfinished source copy so the next run resumes it, and never touches other snapshots', async () => {
    t = await emulatedTarget(STAGING);
    await t.prod.rds.send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: 'app-production', DBClusterSnapshotIdentifier: 'users-own' }));
    t.emu.advance(3600);
    await t.prod.rds.send(
      new CopyDBClusterSnapshotCommand({ SourceDBClusterSnapshotIdentifier: 'users-own', TargetDBClusterSnapshotIdentifier: 'copy-1', KmsKeyId: 'alias/rds-share', Tags: [{ Key: MANAGED_TAG, Value: 'true' }] })
    );
    const production = () => JSON.stringify(t!.emu.state().accounts.find(a => a.id === PROD)!.snapshots);
    const before = production();
    const post = t.context({}, { state: { runId: '900-1', sourceCopy: { identifier: 'copy-1', kind: 'cluster', createdByThisRun: true } } });
    expect(needsRecovery(post.state.get())).toBe(false);
    await recover(post);
    expect(production()).toBe(before);
  });
});
