/**
 * The target side for an RDS DB instance, against a stateful fake: copy the
 * shared snapshot into staging under the staging key, restore from that copy,
 * reset the password, swap, delete the old instance and the copy; a fault at
 * each step leaves staging exactly as it was; recover() after a cancellation.
 */
import { describe, expect, it } from '@jest/globals';
import type { Context } from '../src/context';
import { KEPT_TAG, LOCK_TAG, MANAGED_TAG, RUN_TAG, SOURCE_TAG, TARGET_TAG } from '../src/context';
import { planTarget, type TargetPlan } from '../src/plan/target';
import { needsRecovery, recover } from '../src/recover';
import type { RunState } from '../src/state';
import { runTarget } from '../src/target';
import type { SharedSnapshot } from '../src/types';
import { fakeContext, REGION, SOURCE_ACCOUNT as SOURCE, TARGET_ACCOUNT as TARGET, TARGET_KEY } from './fixtures/target';
import { FakeInstanceRds } from './fixtures/fake-instance-rds';
import { quietStdout } from './helpers/stdout';

quietStdout();

const SHARE_KEY = `arn:aws:kms:${REGION}:${SOURCE}:key/aaaaaaaa-12ab-34cd-56ef-1234567890ab`;
const SHARED_ID = 'rcas-app-production-pg-2026-11-28-03-10';
const SHARED_ARN = `arn:aws:rds:${REGION}:${SOURCE}:snapshot:${SHARED_ID}`;
const COPY = 'app-staging-pg-copy-app-production-pg-2026-11-28-03-10';
/** The restore name: one per target (the lock). */
const TEMP = 'app-staging-pg-sync';
const PARKED = 'app-staging-pg-old-900-1';

function inputs(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'aws-region': REGION,
    'source-account-id': SOURCE,
    'target-account-id': TARGET,
    'source-instance': 'app-production-pg',
    'target-instance': 'app-staging-pg',
    'target-kms-key-id': TARGET_KEY,
    ...extra
  };
}

function makeCtx(source: FakeInstanceRds, target: FakeInstanceRds, extra: Record<string, string> = {}, state?: RunState): Context {
  return fakeContext(inputs(extra), { source, target }, { state });
}

function shared(encrypted = true): SharedSnapshot {
  return {
    kind: 'instance',
    arn: SHARED_ARN,
    identifier: SHARED_ID,
    kmsKeyArn: encrypted ? SHARE_KEY : '',
    encrypted,
    engine: 'postgres',
    engineVersion: '16.4',
    sourceSnapshotId: 'rds:app-production-pg-2026-11-28-03-10',
    copied: true
  };
}

async function setup(extra: Record<string, string> = {}, opts: { staging?: boolean; encrypted?: boolean } = {}) {
  const source = new FakeInstanceRds(SOURCE);
  const target = new FakeInstanceRds(TARGET);
  const encrypted = opts.encrypted ?? true;
  target.addShared(SHARED_ARN, { kmsKeyId: encrypted ? SHARE_KEY : undefined });
  if (opts.staging ?? true)
    target.addInstance({
      id: 'app-staging-pg',
      instanceClass: 'db.t4g.medium',
      parameterGroup: 'staging-pg16',
      deletionProtection: true,
      securityGroups: ['sg-0000000000000aaaa'],
      kmsKeyId: TARGET_KEY,
      tags: { team: 'payments' }
    });
  const ctx = makeCtx(source, target, extra);
  const plan = await planTarget(ctx, { identifier: SHARED_ID, arn: SHARED_ARN, encrypted });
  return { source, target, ctx, plan, shared: shared(encrypted) };
}

describe('runTarget for an RDS DB instance', () => {
  it('copies the shared snapshot under the staging key, restores from the copy, swaps, deletes the old instance and the copy', async () => {
    const { target, ctx, plan, shared } = await setup();
    expect(plan.copy).toMatchObject({ needed: true, identifier: COPY, kmsKeyId: TARGET_KEY, sourceArn: SHARED_ARN });
    const oldResource = target.instances.get('app-staging-pg')!.resourceId;
    const result = await runTarget(ctx, plan, shared);

    const copyCall = target.calls.find(c => c.op === 'CopyDBSnapshot')!;
    expect(copyCall.input).toMatchObject({ SourceDBSnapshotIdentifier: SHARED_ARN, TargetDBSnapshotIdentifier: COPY, KmsKeyId: TARGET_KEY });
    expect(copyCall.input.Tags).toEqual(
      expect.arrayContaining([
        { Key: MANAGED_TAG, Value: 'true' },
        { Key: SOURCE_TAG, Value: SHARED_ARN },
        { Key: TARGET_TAG, Value: 'app-staging-pg' }
      ])
    );
    const restoreCall = target.calls.find(c => c.op === 'RestoreDBInstanceFromDBSnapshot')!;
    expect(restoreCall.input).toMatchObject({ DBSnapshotIdentifier: COPY, DBInstanceClass: 'db.t4g.medium', DBParameterGroupName: 'staging-pg16', DeletionProtection: false });
    expect(restoreCall.input).not.toHaveProperty('KmsKeyId');

    const now = target.instances.get('app-staging-pg')!;
    expect(now.resourceId).not.toBe(oldResource);
    expect(now.kmsKeyId).toBe(TARGET_KEY);
    expect(now.password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(now.deletionProtection).toBe(true);
    expect(now.securityGroups).toEqual(['sg-0000000000000aaaa']);
    expect(now.tags).toMatchObject({ team: 'payments', [RUN_TAG]: '900-1' });
    expect(now.tags[LOCK_TAG]).toBeUndefined();
    expect([...target.instances.keys()]).toEqual(['app-staging-pg']);
    // The staging copy is gone once the restore is done, before the swap.
    expect(target.snapshots.has(COPY)).toBe(false);
    const ops = target.calls.map(c => `${c.op}:${String(c.input.DBInstanceIdentifier ?? c.input.DBSnapshotIdentifier ?? '')}`);
    expect(ops.indexOf(`DeleteDBSnapshot:${COPY}`)).toBeLessThan(ops.indexOf(`ModifyDBInstance:app-staging-pg`));
    // The password is reset before anything else is done with the new instance.
    expect(ops.findIndex(o => o.startsWith(`ModifyDBInstance:${TEMP}`))).toBeGreaterThan(ops.findIndex(o => o.startsWith('RestoreDBInstanceFromDBSnapshot')));
    expect(target.calls.find(c => c.op === 'DeleteDBInstance')!.input).toEqual({
      DBInstanceIdentifier: PARKED,
      SkipFinalSnapshot: true,
      FinalDBSnapshotIdentifier: undefined,
      DeleteAutomatedBackups: true
    });

    expect(result).toMatchObject({ kind: 'instance', identifier: 'app-staging-pg', replaced: true });
    expect(ctx.report.outputs).toMatchObject({ 'db-kind': 'instance', 'db-identifier': 'app-staging-pg', 'writer-endpoint': expect.stringContaining('app-staging-pg.abc') });
    expect(ctx.report.outputs['cluster-identifier']).toBeUndefined();
    expect(ctx.state.get()).toMatchObject({ kind: 'instance' });
    expect(ctx.state.get().targetCopy).toBeUndefined();
    expect(ctx.state.get().restored).toBeUndefined();
  });

  it('takes a final DB snapshot with a unique name when final-snapshot is take', async () => {
    const { target, ctx, plan, shared } = await setup({ 'final-snapshot': 'take' });
    await runTarget(ctx, plan, shared);
    expect(target.calls.find(c => c.op === 'DeleteDBInstance')!.input).toMatchObject({
      SkipFinalSnapshot: false,
      FinalDBSnapshotIdentifier: 'app-staging-pg-final-900-1',
      DeleteAutomatedBackups: true
    });
  });

  it('resumes a staging copy an earlier run left behind: no second copy', async () => {
    const { target, ctx, plan, shared } = await setup();
    target.snapshots.set(COPY, {
      id: COPY,
      instance: 'app-production-pg',
      type: 'manual',
      status: 'copying',
      engine: 'postgres',
      kmsKeyId: TARGET_KEY,
      created: new Date(),
      tags: { [MANAGED_TAG]: 'true', [RUN_TAG]: '800-1', [SOURCE_TAG]: SHARED_ARN },
      sharedWith: []
    });
    await runTarget(ctx, plan, shared);
    expect(target.ops().filter(o => o === 'CopyDBSnapshot')).toEqual([]);
    expect(target.calls.find(c => c.op === 'RestoreDBInstanceFromDBSnapshot')!.input.DBSnapshotIdentifier).toBe(COPY);
    expect(target.snapshots.has(COPY)).toBe(false);
  });

  it('restores an unencrypted shared snapshot directly when target-kms-key-id is empty', async () => {
    const { target, ctx, plan, shared } = await setup({ 'target-kms-key-id': '' }, { encrypted: false });
    expect(plan.copy.needed).toBe(false);
    await runTarget(ctx, plan, shared);
    expect(target.ops()).not.toContain('CopyDBSnapshot');
    expect(target.calls.find(c => c.op === 'RestoreDBInstanceFromDBSnapshot')!.input.DBSnapshotIdentifier).toBe(SHARED_ARN);
  });
});

describe('a fault at each target step leaves staging exactly as it was', () => {
  it.each([
    ['the staging copy', 'CopyDBSnapshot', undefined],
    ['the restore', 'RestoreDBInstanceFromDBSnapshot', undefined],
    ['the password reset', 'ModifyDBInstance', (i: Record<string, unknown>) => i.MasterUserPassword !== undefined],
    ['parking the old instance', 'ModifyDBInstance', (i: Record<string, unknown>) => i.NewDBInstanceIdentifier === PARKED],
    ['promoting the new instance', 'ModifyDBInstance', (i: Record<string, unknown>) => i.NewDBInstanceIdentifier === 'app-staging-pg'],
    ['the security groups after the swap', 'ModifyDBInstance', (i: Record<string, unknown>) => i.VpcSecurityGroupIds !== undefined && i.DBInstanceIdentifier === 'app-staging-pg']
  ])('%s (%s)', async (_what, op, when) => {
    const { target, ctx, plan, shared } = await setup();
    const before = target.world();
    target.faults.push({ op, when, error: 'InvalidDBInstanceStateFault' });
    await expect(runTarget(ctx, plan, shared)).rejects.toThrow();
    expect(target.world()).toEqual(before);
    const s = ctx.state.get();
    expect(s.targetCopy).toBeUndefined();
    expect(s.restored).toBeUndefined();
    expect(s.swap).toBeUndefined();
    expect(s.lock).toBeUndefined();
  });

  it('a failed restore (the instance ends failed) is removed, and so is the copy', async () => {
    const { target, ctx, plan, shared } = await setup();
    const before = target.world();
    target.restoreOutcome = 'incompatible-parameters';
    await expect(runTarget(ctx, plan, shared)).rejects.toThrow(/parameter group/);
    expect(target.world()).toEqual(before);
  });

  it('keep-failed-restore keeps the new instance under a run-scoped name (freeing the lock name) but still removes the copy', async () => {
    const { target, ctx, plan, shared } = await setup({ 'keep-failed-restore': 'true' });
    target.faults.push({ op: 'ModifyDBInstance', when: i => i.NewDBInstanceIdentifier === 'app-staging-pg', error: 'InvalidDBInstanceStateFault' });
    await expect(runTarget(ctx, plan, shared)).rejects.toThrow();
    expect(target.instances.has(TEMP)).toBe(false);
    expect(target.instances.get('app-staging-pg-sync-900-1')!.tags).toMatchObject({ [RUN_TAG]: '900-1', [KEPT_TAG]: 'keep-failed-restore' });
    expect(target.instances.get('app-staging-pg')!.tags[RUN_TAG]).toBeUndefined();
    expect(target.snapshots.has(COPY)).toBe(false);
  });
});

describe('recover() for an RDS DB instance (post step after a cancellation)', () => {
  async function cancelledAt(op: string, when?: (i: Record<string, unknown>) => boolean) {
    const env = await setup();
    const before = env.target.world();
    env.target.faults.push({ op, when, hang: true });
    void runTarget(env.ctx, env.plan, env.shared);
    await env.target.hung;
    // The post step: a new process with the saved state and the same inputs.
    const post = makeCtx(env.source, env.target, {}, JSON.parse(JSON.stringify(env.ctx.state.get())) as RunState);
    return { ...env, before, post };
  }

  it('cancelled while copying into staging: the copy is deleted, the lock released, staging untouched', async () => {
    const { target, before, post } = await cancelledAt('CopyDBSnapshot');
    expect(post.state.get().targetCopy).toMatchObject({ identifier: COPY, kind: 'instance' });
    expect(needsRecovery(post.state.get())).toBe(true);
    await recover(post);
    expect(target.world()).toEqual(before);
    expect(post.state.get().targetCopy).toBeUndefined();
  });

  it('cancelled in the middle of the swap: the old instance gets its name back, the new one and the copy go', async () => {
    const { target, before, post } = await cancelledAt('ModifyDBInstance', i => i.NewDBInstanceIdentifier === 'app-staging-pg');
    expect(target.instances.has(PARKED) || target.instances.get('app-staging-pg')?.tags[RUN_TAG] === '900-1').toBe(true);
    await recover(post);
    expect(target.world()).toEqual(before);
  });

  it('needs no settings kind when the state names it (source-db / target-db were detected)', async () => {
    const { target, before, post } = await cancelledAt('RestoreDBInstanceFromDBSnapshot');
    const detected = makeCtx(new FakeInstanceRds(SOURCE), target, { 'source-instance': '', 'target-instance': '', 'source-db': 'app-production-pg', 'target-db': 'app-staging-pg' }, JSON.parse(JSON.stringify(post.state.get())) as RunState);
    expect(detected.settings.kind).toBeUndefined();
    await recover(detected);
    expect(target.world()).toEqual(before);
  });
});

describe('the plan for an RDS DB instance', () => {
  it('has no member instances, the staging copy, and the instance settings of the replaced staging instance', async () => {
    const { plan } = await setup();
    const p: TargetPlan = plan;
    expect(p.kind).toBe('instance');
    expect(p.instances).toEqual([]);
    expect(p.restore.instanceClass).toEqual({ value: 'db.t4g.medium', from: 'staging' });
    expect(p.restore.dbParameterGroup).toEqual({ value: 'staging-pg16', from: 'staging' });
    expect(p.swap.steps).toEqual(['disable-deletion-protection', 'park-old', 'promote-new', 'apply-settings', 'delete-old']);
  });

  it('refuses the Data API for an instance', async () => {
    const c = makeCtx(new FakeInstanceRds(SOURCE), new FakeInstanceRds(TARGET), {
      'masking-rules': (await import('./fixtures/target')).RULES_FILE,
      'masking-salt': 'pepper',
      'masking-connection': 'data-api',
      'manage-master-password': 'true',
      'isolation-security-group-ids': 'sg-0000000000000bbbb',
      'vpc-security-group-ids': 'sg-0000000000000cccc'
    });
    await expect(planTarget(c, { identifier: SHARED_ID, arn: SHARED_ARN, encrypted: true })).rejects.toThrow(/Data API is for Aurora only/);
  });
});
