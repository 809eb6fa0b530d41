/**
 * The target side for an RDS DB instance, against the emulator in process:
 * copy the shared snapshot into staging under the staging key, restore from
 * that copy, reset the password, swap, delete the old instance and the copy;
 * a fault at each step leaves staging exactly as it was; recover() after a
 * cancellation (a `hang` fault: the call took effect, its answer never came).
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { CopyDBSnapshotCommand, DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, ModifyDBSnapshotAttributeCommand } from '@aws-sdk/client-rds';
import type { FaultSpec } from '../emulator/index';
import { KEPT_TAG, LOCK_TAG, MANAGED_TAG, RUN_TAG, SOURCE_TAG, TARGET_TAG } from '../src/context';
import type { TargetPlan } from '../src/plan/target';
import { planTarget } from '../src/target';
import { needsRecovery, recover } from '../src/recover';
import type { RunState } from '../src/state';
import { runTarget } from '../src/target';
import type { SharedSnapshot } from '../src/types';
import { emulatedTarget, PROD, shareProductionDbSnapshot, STAGING_KEY, STG, type EmulatedTarget } from './fixtures/emulated-target';
import { RULES_FILE } from './fixtures/target';
import { quietStdout } from './helpers/stdout';

quietStdout();

const SHARED_ID = 'rcas-app-production-pg-2026-11-28-03-10';
const SHARED_ARN = `arn:aws:rds:ap-northeast-1:${PROD}:snapshot:${SHARED_ID}`;
const COPY = 'app-staging-pg-copy-app-production-pg-2026-11-28-03-10';
/** The restore name: one per target (the lock). */
const TEMP = 'app-staging-pg-sync';
const PARKED = 'app-staging-pg-old-900-1';
const INSTANCE_INPUTS = { 'source-cluster': '', 'target-cluster': '', 'source-instance': 'app-production-pg', 'target-instance': 'app-staging-pg' };

interface InstanceView {
  id: string;
  standalone?: boolean;
  status: string;
  class: string;
  kmsKeyId?: string;
  deletionProtection: boolean;
  securityGroups: string[];
  parameterGroup: string;
  tags: Array<{ Key: string; Value: string }>;
}
interface DbSnapshotView {
  id: string;
  kmsKeyId?: string;
  tags: Array<{ Key: string; Value: string }>;
}

let t: EmulatedTarget | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** The unencrypted variant: production's instance without a key, its snapshot copied and shared as it is. */
async function shareUnencrypted(e: EmulatedTarget['emu'], prod: EmulatedTarget['prod']): Promise<SharedSnapshot> {
  const autos = await prod.rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'app-production-pg', SnapshotType: 'automated' }));
  const source = autos.DBSnapshots![0].DBSnapshotIdentifier!;
  await prod.rds.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: source, TargetDBSnapshotIdentifier: SHARED_ID }));
  e.advance(50 * 24 + 1);
  await prod.rds.send(new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: SHARED_ID, AttributeName: 'restore', ValuesToAdd: [STG] }));
  return { kind: 'instance', arn: SHARED_ARN, identifier: SHARED_ID, kmsKeyArn: '', encrypted: false, engine: 'postgres', engineVersion: '16.4', sourceSnapshotId: source, copied: true };
}

async function setup(extra: Record<string, string> = {}, opts: { encrypted?: boolean } = {}) {
  const encrypted = opts.encrypted ?? true;
  const e = (t = await emulatedTarget(encrypted ? {} : { accounts: [{ id: PROD, instances: [{ id: 'app-production-pg', kmsKey: 'none' }] }] }, undefined, {
    file: 'instance-postgres.yaml',
    share: encrypted ? (emu, prod) => shareProductionDbSnapshot(emu, prod, SHARED_ID) : shareUnencrypted,
    inputs: INSTANCE_INPUTS
  }));
  const ctx = e.context(extra);
  const plan = await planTarget(ctx, { identifier: SHARED_ID, arn: SHARED_ARN, encrypted });
  const staging = () => e.emu.state().accounts.find(a => a.id === STG) as unknown as { instances: InstanceView[]; dbSnapshots: DbSnapshotView[] };
  const instance = (id: string) => staging().instances.find(i => i.standalone && i.id === id);
  const snapshot = (id: string) => staging().dbSnapshots.find(s => s.id === id);
  const tagsOf = (tags: Array<{ Key: string; Value: string }> = []) => Object.fromEntries(tags.map(x => [x.Key, x.Value]));
  /** "Staging as it was": its instances and DB snapshots, without what moves with time. */
  const view = () => {
    const a = e.emu.state().accounts.find(x => x.id === STG) as unknown as { instances: Array<Record<string, unknown>>; dbSnapshots: Array<Record<string, unknown>> };
    return {
      instances: a.instances.map(i => ({ ...i, database: undefined, pending: undefined })),
      dbSnapshots: a.dbSnapshots.map(s => ({ ...s, percentProgress: undefined }))
    };
  };
  const resourceId = async (id: string) => (await e.stg.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0].DbiResourceId;
  const ops = () => e.requests().map(r => r.operation);
  return { e, ctx, plan, shared: e.shared, instance, snapshot, tagsOf, view, resourceId, ops };
}

/** Lets the deletions and renames the run started finish. */
const settle = (e: EmulatedTarget) => e.emu.advance(3600);

describe('runTarget for an RDS DB instance', () => {
  it('copies the shared snapshot under the staging key, restores from the copy, swaps, deletes the old instance and the copy', async () => {
    const { e, ctx, plan, shared, instance, snapshot, tagsOf, resourceId, ops } = await setup();
    expect(plan.copy).toMatchObject({ needed: true, identifier: COPY, kmsKeyId: STAGING_KEY, sourceArn: SHARED_ARN });
    const oldResource = await resourceId('app-staging-pg');
    e.emu.inject({ operation: 'rds:RestoreDBInstanceFromDBSnapshot', kind: 'pause', name: 'restore' });
    e.emu.inject({ operation: 'rds:ModifyDBInstance', kind: 'pause', name: 'park', match: { NewDBInstanceIdentifier: PARKED } });
    const run = runTarget(ctx, plan, shared);

    // Held at the restore: the staging copy, under the staging key, tagged as this action's.
    await e.emu.paused('restore');
    expect(snapshot(COPY)?.kmsKeyId).toBe(STAGING_KEY);
    expect(tagsOf(snapshot(COPY)?.tags)).toMatchObject({ [MANAGED_TAG]: 'true', [SOURCE_TAG]: SHARED_ARN, [TARGET_TAG]: 'app-staging-pg' });
    e.emu.release('restore');
    // Held at the parking rename: the copy is gone once the restore is done, before the swap.
    await e.emu.paused('park');
    expect(snapshot(COPY)).toBeUndefined();
    e.emu.release('park');
    const result = await run;

    const now = instance('app-staging-pg')!;
    expect(await resourceId('app-staging-pg')).not.toBe(oldResource);
    expect(now.kmsKeyId).toBe(STAGING_KEY);
    expect(e.emu.world.account(STG)!.dbInstances.get('app-staging-pg')!.masterPassword).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(now.deletionProtection).toBe(true);
    expect(now.securityGroups).toEqual(['sg-0stg00000000000b']);
    expect([now.class, now.parameterGroup]).toEqual(['db.t4g.medium', 'app-staging-postgres16']);
    expect(tagsOf(now.tags)).toMatchObject({ env: 'staging', [RUN_TAG]: '900-1' });
    expect(tagsOf(now.tags)[LOCK_TAG]).toBeUndefined();
    // The password is reset after the restore, before anything else is done with the new instance.
    expect(ops().indexOf('ModifyDBInstance')).toBeGreaterThan(ops().indexOf('RestoreDBInstanceFromDBSnapshot'));
    // The old instance is deleted without a final snapshot.
    settle(e);
    expect((e.emu.state().accounts.find(a => a.id === STG) as unknown as { instances: InstanceView[] }).instances.map(i => i.id)).toEqual(['app-staging-pg']);
    expect((e.emu.state().accounts.find(a => a.id === STG) as unknown as { dbSnapshots: DbSnapshotView[] }).dbSnapshots.map(s => s.id)).toEqual([]);

    expect(result).toMatchObject({ kind: 'instance', identifier: 'app-staging-pg', replaced: true });
    expect(ctx.report.outputs).toMatchObject({ 'db-kind': 'instance', 'db-identifier': 'app-staging-pg', 'writer-endpoint': expect.stringMatching(/^app-staging-pg\./) });
    expect(ctx.report.outputs['cluster-identifier']).toBeUndefined();
    expect(ctx.state.get()).toMatchObject({ kind: 'instance' });
    expect(ctx.state.get().targetCopy).toBeUndefined();
    expect(ctx.state.get().restored).toBeUndefined();
  });

  it('takes a final DB snapshot with a unique name when final-snapshot is take', async () => {
    const { e, ctx, plan, shared, snapshot } = await setup({ 'final-snapshot': 'take' });
    await runTarget(ctx, plan, shared);
    settle(e);
    expect(snapshot('app-staging-pg-final-900-1')).toBeDefined();
  });

  it('resumes a staging copy an earlier run left behind: no second copy', async () => {
    const { e, ctx, plan, shared, snapshot } = await setup();
    const tags = { [MANAGED_TAG]: 'true', [RUN_TAG]: '800-1', [SOURCE_TAG]: SHARED_ARN };
    await e.stg.rds.send(
      new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: SHARED_ARN, TargetDBSnapshotIdentifier: COPY, KmsKeyId: STAGING_KEY, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) })
    );
    const mark = e.emu.state().requests.length;
    await runTarget(ctx, plan, shared);
    expect(e.requests(mark).map(r => r.operation)).not.toContain('CopyDBSnapshot');
    expect(snapshot(COPY)).toBeUndefined();
  });

  it('restores an unencrypted shared snapshot directly when target-kms-key-id is empty', async () => {
    const { ctx, plan, shared, ops, instance } = await setup({ 'target-kms-key-id': '' }, { encrypted: false });
    expect(plan.copy.needed).toBe(false);
    await runTarget(ctx, plan, shared);
    expect(ops()).not.toContain('CopyDBSnapshot');
    expect(instance('app-staging-pg')?.kmsKeyId).toBeUndefined();
  });
});

/** A refusal of the matching call in staging. */
const refused = (operation: string, match?: Record<string, string>): FaultSpec => ({
  operation: `rds:${operation}`,
  kind: 'error',
  code: 'InvalidDBInstanceStateFault',
  account: STG,
  ...(match ? { match } : {})
});

describe('a fault at each target step leaves staging exactly as it was', () => {
  it.each([
    ['the staging copy', refused('CopyDBSnapshot')],
    ['the restore', refused('RestoreDBInstanceFromDBSnapshot')],
    ['the password reset', refused('ModifyDBInstance', { MasterUserPassword: '*' })],
    ['parking the old instance', refused('ModifyDBInstance', { NewDBInstanceIdentifier: PARKED })],
    ['promoting the new instance', refused('ModifyDBInstance', { NewDBInstanceIdentifier: 'app-staging-pg' })],
    ['promoting the new instance with its security groups', refused('ModifyDBInstance', { VpcSecurityGroupIds: '*', NewDBInstanceIdentifier: 'app-staging-pg' })]
  ])('%s', async (_what, fault) => {
    const { e, ctx, plan, shared, view } = await setup();
    const before = view();
    e.emu.inject(fault);
    await expect(runTarget(ctx, plan, shared)).rejects.toThrow();
    settle(e);
    expect(view()).toEqual(before);
    const s = ctx.state.get();
    expect(s.targetCopy).toBeUndefined();
    expect(s.restored).toBeUndefined();
    expect(s.swap).toBeUndefined();
    expect(s.lock).toBeUndefined();
  });

  it('a failed restore (the instance ends incompatible-parameters) is removed, and so is the copy', async () => {
    const { e, ctx, plan, shared, view } = await setup();
    const before = view();
    e.emu.inject({ operation: 'rds:RestoreDBInstanceFromDBSnapshot', kind: 'fail-midway', endsIn: 'incompatible-parameters' });
    await expect(runTarget(ctx, plan, shared)).rejects.toThrow(/parameter group/);
    settle(e);
    expect(view()).toEqual(before);
  });

  it('keep-failed-restore keeps the new instance under a run-scoped name (freeing the lock name) but still removes the copy', async () => {
    const { e, ctx, plan, shared, instance, snapshot, tagsOf } = await setup({ 'keep-failed-restore': 'true' });
    e.emu.inject(refused('ModifyDBInstance', { NewDBInstanceIdentifier: 'app-staging-pg' }));
    await expect(runTarget(ctx, plan, shared)).rejects.toThrow();
    settle(e);
    expect(instance(TEMP)).toBeUndefined();
    expect(tagsOf(instance('app-staging-pg-sync-900-1')!.tags)).toMatchObject({ [RUN_TAG]: '900-1', [KEPT_TAG]: 'keep-failed-restore' });
    expect(tagsOf(instance('app-staging-pg')!.tags)[RUN_TAG]).toBeUndefined();
    expect(snapshot(COPY)).toBeUndefined();
  });
});

describe('recover() for an RDS DB instance (post step after a cancellation)', () => {
  async function cancelledAt(operation: string, match?: Record<string, string>) {
    const env = await setup();
    const before = env.view();
    env.e.emu.inject({ operation: `rds:${operation}`, kind: 'hang', name: 'killed', account: STG, ...(match ? { match } : {}) });
    void runTarget(env.ctx, env.plan, env.shared).catch(() => undefined);
    await env.e.emu.paused('killed');
    // The post step: a new process with the saved state and the same inputs.
    const saved = JSON.parse(JSON.stringify(env.ctx.state.get())) as RunState;
    const post = env.e.context({}, { state: saved, start: env.ctx.clock.now() });
    return { ...env, before, saved, post };
  }

  it('cancelled while copying into staging: the copy is deleted, the lock released, staging untouched', async () => {
    const { e, before, view, post } = await cancelledAt('CopyDBSnapshot');
    expect(post.state.get().targetCopy).toMatchObject({ identifier: COPY, kind: 'instance' });
    expect(needsRecovery(post.state.get())).toBe(true);
    await recover(post);
    settle(e);
    expect(view()).toEqual(before);
    expect(post.state.get().targetCopy).toBeUndefined();
  });

  it('cancelled in the middle of the swap: the old instance gets its name back, the new one and the copy go', async () => {
    const { e, before, view, post, instance, tagsOf } = await cancelledAt('ModifyDBInstance', { NewDBInstanceIdentifier: 'app-staging-pg' });
    expect(instance(PARKED) !== undefined || tagsOf(instance('app-staging-pg')?.tags)[RUN_TAG] === '900-1').toBe(true);
    await recover(post);
    settle(e);
    expect(view()).toEqual(before);
  });

  it('needs no settings kind when the state names it (source-db / target-db were detected)', async () => {
    const { e, before, view, saved, ctx } = await cancelledAt('RestoreDBInstanceFromDBSnapshot');
    const detected = e.context({ 'source-instance': '', 'target-instance': '', 'source-db': 'app-production-pg', 'target-db': 'app-staging-pg' }, { state: saved, start: ctx.clock.now() });
    expect(detected.settings.kind).toBeUndefined();
    await recover(detected);
    settle(e);
    expect(view()).toEqual(before);
  });
});

describe('the plan for an RDS DB instance', () => {
  it('has no member instances, the staging copy, and the instance settings of the replaced staging instance', async () => {
    const { plan } = await setup();
    const p: TargetPlan = plan;
    expect(p.kind).toBe('instance');
    expect(p.instances).toEqual([]);
    expect(p.restore.instanceClass).toEqual({ value: 'db.t4g.medium', from: 'staging' });
    expect(p.restore.dbParameterGroup).toEqual({ value: 'app-staging-postgres16', from: 'staging' });
    expect(p.swap.steps).toEqual(['disable-deletion-protection', 'park-old', 'promote-new', 'apply-settings', 'delete-old']);
  });

  it('refuses the Data API for an instance', async () => {
    const { e } = await setup();
    const c = e.context({
      'masking-rules': RULES_FILE,
      'masking-salt': 'pepper',
      'masking-connection': 'data-api',
      'manage-master-password': 'true',
      'isolation-security-group-ids': 'sg-0000000000000bbbb',
      'vpc-security-group-ids': 'sg-0000000000000cccc'
    });
    await expect(planTarget(c, { identifier: SHARED_ID, arn: SHARED_ARN, encrypted: true })).rejects.toThrow(/Data API is for Aurora only/);
  });
});
