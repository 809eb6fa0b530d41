/**
 * planSource and runSource against the emulator in process (the one RDS model): production's snapshot
 * copied under the CMK when needed, resumed or taken over when another run made the copy, shared;
 * and the faults AWS answers, each explained once.
 */
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { CopyDBClusterSnapshotCommand } from '@aws-sdk/client-rds';
import { planSource } from '../src/transfer/snapshot';
import { runSource } from '../src/source';
import { DiagnosedError } from '../src/errors';
import { MANAGED_TAG, RUN_TAG, SOURCE_TAG } from '../src/context';
import { WaitTimeoutError } from '../src/wait';
import { CLUSTER, CMK, emulatedSource, PROD, snapArn, STG as STAGING, type EmulatedSource, type SourceWorldOptions } from './fixtures/emulated-source';
import type { ScenarioSnapshot } from '../emulator/scenario';
import { captureStdout } from './helpers/stdout';

const AUTO = 'rds:app-production-2026-11-28-03-10';
const COPY = 'rcas-app-production-2026-11-28-03-10';
/** Production's latest automated snapshot, under aws/rds. */
const auto: ScenarioSnapshot = { id: AUTO, cluster: CLUSTER, type: 'automated', kmsKey: 'alias/aws/rds', ageHours: 7 };
/** A manual snapshot under the CMK. */
const manual = (extra: Partial<ScenarioSnapshot> = {}): ScenarioSnapshot => ({ id: 'before-upgrade', cluster: CLUSTER, type: 'manual', ageHours: 9, ...extra });

let w: EmulatedSource | undefined;
let stdout: string[];
afterEach(async () => {
  jest.restoreAllMocks();
  await w?.close();
  w = undefined;
});

async function world(options: SourceWorldOptions = {}): Promise<EmulatedSource> {
  stdout = captureStdout();
  w = await emulatedSource(options);
  return w;
}

async function planAndRun(inputs: Record<string, string> = {}) {
  const ctx = w!.context(inputs);
  const plan = await planSource(ctx);
  const shared = await runSource(ctx, plan);
  return { ctx, plan, shared };
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e
  );
}

const tagMap = (tags: Array<{ Key: string; Value: string }> | undefined) => Object.fromEntries((tags ?? []).map(t => [t.Key, t.Value]));

describe('runSource', () => {
  it('copies an automated aws/rds snapshot under the CMK, waits with progress, shares, sets outputs', async () => {
    const w = await world({ snapshots: [auto] });
    const { ctx, shared } = await planAndRun();

    expect(w.count('rds:CopyDBClusterSnapshot')).toBe(1);
    const copy = w.snapshot(COPY)!;
    expect(copy).toMatchObject({ sourceArn: snapArn(AUTO), kmsKeyArn: CMK, status: 'available' });
    expect(copy.tags).toEqual([
      { Key: MANAGED_TAG, Value: 'true' },
      { Key: RUN_TAG, Value: '42-1' },
      { Key: SOURCE_TAG, Value: AUTO }
    ]);
    expect(ctx.state.get().sourceCopy).toEqual({ identifier: COPY, kind: 'cluster', createdByThisRun: true });
    expect(w.count('rds:ModifyDBClusterSnapshotAttribute')).toBe(1);
    expect(copy.sharedWith).toEqual([STAGING]);
    expect(shared).toEqual({
      kind: 'cluster',
      encrypted: true,
      arn: snapArn(COPY),
      identifier: COPY,
      kmsKeyArn: CMK,
      engine: 'aurora-postgresql',
      engineVersion: '16.4',
      sourceSnapshotId: AUTO,
      copied: true,
      allocatedStorageGb: 50
    });
    expect(ctx.report.outputs).toEqual({ 'snapshot-arn': snapArn(COPY), 'snapshot-copied': 'true', 'kms-key-arn': CMK });
    // Progress: PercentProgress in the log, inside the step's group; the clock only slept (polls spaced, never busy).
    const log = stdout.join('');
    expect(log).toMatch(/::group::Re-encrypt copy/);
    expect(log).toMatch(/snapshot copy rcas-app-production-2026-11-28-03-10: copying, 0%/);
    expect(log).toMatch(/snapshot copy rcas-app-production-2026-11-28-03-10: available after/);
    expect(ctx.clock.slept.length).toBeGreaterThan(0);
    expect(Math.min(...ctx.clock.slept)).toBeGreaterThanOrEqual(5000);
    expect(ctx.report.steps.map(s => [s.name, s.result])).toEqual([
      ['Take snapshot', 'skipped'],
      ['Re-encrypt copy', 'ok'],
      ['Share snapshot', 'ok']
    ]);
  });

  it.each(['copying', 'available'])('resumes a copy an earlier run left %s: no second CopyDBClusterSnapshot', async status => {
    const w = await world({ snapshots: [auto] });
    await w.copyByAnotherRun(AUTO, COPY, '41-1');
    if (status === 'available') w.emu.advance(50 * 24 + 1);
    const before = w.count('rds:CopyDBClusterSnapshot');
    const { ctx, shared } = await planAndRun();
    expect(w.count('rds:CopyDBClusterSnapshot')).toBe(before);
    expect(ctx.state.get().sourceCopy).toEqual({ identifier: COPY, kind: 'cluster', createdByThisRun: false });
    expect(shared).toMatchObject({ identifier: COPY, copied: true });
    expect(ctx.report.steps[1].detail).toMatch(/resumed an earlier copy/);
  });

  it('takes over a copy another run started after the plan: the step looks again before copying', async () => {
    const w = await world({ snapshots: [auto] });
    const ctx = w.context();
    const plan = await planSource(ctx);
    await w.copyByAnotherRun(AUTO, COPY, '42-2');
    const before = w.count('rds:CopyDBClusterSnapshot');
    // The plan saw no copy; the step looks again before copying, so it resumes without a CopyDBClusterSnapshot at all.
    await runSource(ctx, plan);
    expect(w.count('rds:CopyDBClusterSnapshot')).toBe(before);
  });

  it('race on the copy name: AlreadyExists for our copy is taken over, not fatal', async () => {
    const w = await world({ snapshots: [auto] });
    const ctx = w.context();
    const plan = await planSource(ctx);
    // Another attempt creates the copy right between this run's look and its CopyDBClusterSnapshot.
    w.emu.inject({ operation: 'rds:CopyDBClusterSnapshot', kind: 'pause', name: 'ours' });
    const running = runSource(ctx, plan);
    await w.emu.paused('ours');
    await w.copyByAnotherRun(AUTO, COPY, '42-2');
    w.emu.release('ours');
    const shared = await running;
    expect(
      w
        .requests()
        .filter(r => r.operation === 'CopyDBClusterSnapshot')
        .map(r => r.errorCode)
    ).toEqual([undefined, 'DBClusterSnapshotAlreadyExistsFault']);
    expect(tagMap(w.snapshot(COPY)?.tags)[RUN_TAG]).toBe('42-2');
    expect(shared.identifier).toBe(COPY);
    expect(ctx.state.get().sourceCopy).toMatchObject({ createdByThisRun: false });
  });

  it('race on the copy name with a foreign snapshot: refused', async () => {
    const w = await world({ snapshots: [auto, manual({ id: 'someone-elses', kmsKey: 'alias/aws/rds', ageHours: 30 })] });
    const ctx = w.context();
    const plan = await planSource(ctx);
    w.emu.inject({ operation: 'rds:CopyDBClusterSnapshot', kind: 'pause', name: 'ours' });
    const running = failure(runSource(ctx, plan));
    await w.emu.paused('ours');
    // Someone copies another snapshot of theirs to that name, without this action's tags.
    await w.prod.rds.send(new CopyDBClusterSnapshotCommand({ SourceDBClusterSnapshotIdentifier: 'someone-elses', TargetDBClusterSnapshotIdentifier: COPY, KmsKeyId: CMK }));
    w.emu.release('ours');
    const e = (await running) as DiagnosedError;
    expect(e.diagnostics[0].title).toBe('Snapshot name taken by another snapshot');
  });

  it('shares a manual snapshot under an admitting CMK as it is, no copy', async () => {
    const w = await world({ snapshots: [manual()] });
    const { ctx, shared } = await planAndRun();
    expect(w.count('rds:CopyDBClusterSnapshot')).toBe(0);
    expect(shared).toMatchObject({ identifier: 'before-upgrade', arn: snapArn('before-upgrade'), copied: false, kmsKeyArn: CMK });
    expect(w.snapshot('before-upgrade')?.sharedWith).toEqual([STAGING]);
    expect(ctx.report.outputs['snapshot-copied']).toBe('false');
    expect(ctx.report.steps[1]).toMatchObject({ name: 'Re-encrypt copy', result: 'skipped' });
  });

  it('share is idempotent: already shared, no ModifyDBClusterSnapshotAttribute', async () => {
    const w = await world({ snapshots: [manual({ sharedWith: ['333333333333', STAGING] })] });
    const { ctx } = await planAndRun();
    expect(w.count('rds:ModifyDBClusterSnapshotAttribute')).toBe(0);
    expect(ctx.report.steps[2].detail).toBe(`already shared with ${STAGING}`);
  });

  it('new: takes a tagged manual snapshot, waits for it, shares it (no copy under an admitting CMK)', async () => {
    const w = await world();
    const { ctx, shared } = await planAndRun({ snapshot: 'new' });
    expect(w.count('rds:CreateDBClusterSnapshot')).toBe(1);
    const taken = w.snapshot('rcas-app-production-42-1')!;
    expect(taken).toMatchObject({ clusterId: 'app-production', type: 'manual', status: 'available', kmsKeyArn: CMK });
    expect(taken.tags).toEqual([
      { Key: MANAGED_TAG, Value: 'true' },
      { Key: RUN_TAG, Value: '42-1' }
    ]);
    expect(w.count('rds:CopyDBClusterSnapshot')).toBe(0);
    expect(shared).toMatchObject({ identifier: 'rcas-app-production-42-1', sourceSnapshotId: 'rcas-app-production-42-1', copied: false });
    expect(ctx.state.get().sourceSnapshot).toEqual({ identifier: 'rcas-app-production-42-1', kind: 'cluster', createdByThisRun: true });
    expect(taken.sharedWith).toEqual([STAGING]);
  });

  it('new on an aws/rds cluster: snapshot, then copy under the CMK', async () => {
    const w = await world({ clusterKey: 'alias/aws/rds' });
    const { shared } = await planAndRun({ snapshot: 'new' });
    expect(w.count('rds:CopyDBClusterSnapshot')).toBe(1);
    expect(w.snapshot('rcas-rcas-app-production-42-1')).toMatchObject({ sourceArn: snapArn('rcas-app-production-42-1'), kmsKeyArn: CMK });
    expect(w.snapshot('rcas-app-production-42-1')?.kmsKeyArn).toBe(w.awsRdsKey);
    expect(shared).toMatchObject({ copied: true, sourceSnapshotId: 'rcas-app-production-42-1', kmsKeyArn: CMK });
  });

  it('gives up after wait-timeout-minutes with the last status', async () => {
    const w = await world({ snapshots: [auto] });
    const ctx = w.context({ 'wait-timeout-minutes': '1' });
    const plan = await planSource(ctx);
    // Another run's copy of 50 GB takes 20 minutes.
    await w.copyByAnotherRun(AUTO, COPY, '41-1');
    const e = await failure(runSource(ctx, plan));
    expect(e).toBeInstanceOf(WaitTimeoutError);
    expect((e as Error).message).toMatch(/last status: copying.*wait-timeout-minutes/);
  });
});

describe('runSource faults', () => {
  /** An older manual snapshot fills a quota of one manual snapshot. */
  const quotaOfOne: SourceWorldOptions['edit'] = prod => void (prod.manualSnapshotQuota = 1);

  it('SnapshotQuotaExceeded on the copy: prune or raise the quota', async () => {
    const w = await world({ snapshots: [auto, manual({ id: 'weekly', ageHours: 100 })], edit: quotaOfOne });
    const e = (await failure(planAndRun())) as DiagnosedError;
    expect(w.requests().find(r => r.operation === 'CopyDBClusterSnapshot')?.errorCode).toBe('SnapshotQuotaExceeded');
    expect(e).toBeInstanceOf(DiagnosedError);
    expect(e.diagnostics[0].title).toBe('Manual snapshot quota reached');
    expect(e.diagnostics[0].fix).toMatch(/retain-snapshots/);
    expect(e.diagnostics[0].fix).toMatch(/Service Quotas/);
  });

  it('SnapshotQuotaExceeded on snapshot: new', async () => {
    await world({ snapshots: [manual({ id: 'weekly', ageHours: 100 })], edit: quotaOfOne });
    const e = (await failure(planAndRun({ snapshot: 'new' }))) as DiagnosedError;
    expect(e.diagnostics[0].title).toBe('Manual snapshot quota reached');
    expect(e.diagnostics[0].message).toMatch(/CreateDBClusterSnapshot/);
  });

  it('InvalidDBClusterStateFault on snapshot: new: the one explainer, with the call and the snapshot: latest way out', async () => {
    const w = await world();
    const ctx = w.context({ snapshot: 'new' });
    const plan = await planSource(ctx);
    // The cluster starts a modification between the plan and the snapshot.
    w.emu.world.account(PROD)!.clusters.get(CLUSTER)!.status = 'modifying';
    const e = (await failure(runSource(ctx, plan))) as DiagnosedError;
    expect(e.diagnostics[0].title).toBe('Cluster is not in a state for this operation');
    expect(e.diagnostics[0].message).toMatch(/^CreateDBClusterSnapshot on 'rcas-[^']+' failed\. RDS answered InvalidDBClusterStateFault/);
    expect(e.diagnostics[0].fix).toContain('snapshot: latest');
  });

  it('SharedSnapshotQuotaExceeded: names the accounts and how to remove one', async () => {
    const others = Array.from({ length: 20 }, (_, i) => String(300000000000 + i));
    const w = await world({ snapshots: [manual({ sharedWith: others })] });
    const e = (await failure(planAndRun())) as DiagnosedError;
    expect(w.requests().find(r => r.operation === 'ModifyDBClusterSnapshotAttribute')?.errorCode).toBe('SharedSnapshotQuotaExceeded');
    expect(e.diagnostics[0].title).toBe('Snapshot shared with too many accounts');
    expect(e.diagnostics[0].message).toMatch(/20 accounts \(300000000000, /);
    expect(e.diagnostics[0].fix).toMatch(/--values-to-remove/);
  });

  it('KMSKeyNotAccessibleFault on the copy: the production role and the key', async () => {
    // The production role may describe the CMK and read its policy, but not use it (no kms:CreateGrant, kms:GenerateDataKey*).
    await world({
      snapshots: [auto],
      edit: prod => {
        const statement = prod.roles![0].policies![0].Statement as unknown as Array<Record<string, unknown>>;
        const use = statement.find(s => s.Sid === 'UseTheShareKey')!;
        delete use.Resource;
        use.NotResource = CMK;
        statement.push({ Sid: 'DescribeTheShareKey', Effect: 'Allow', Action: ['kms:DescribeKey', 'kms:GetKeyPolicy'], Resource: CMK });
      }
    });
    const e = (await failure(planAndRun())) as DiagnosedError;
    expect(e.diagnostics[0].title).toBe('KMS key not accessible: the production role cannot use the CMK');
    expect(e.diagnostics[0].fix).toContain(CMK);
    // The step adds which call and which snapshot; the key-use actions come from KEY_REQUIREMENTS['copy-key'].
    expect(e.diagnostics[0].message).toMatch(new RegExp(`^CopyDBClusterSnapshot on '${AUTO}' failed\\. RDS answered KMSKeyNotAccessibleFault`));
    expect(e.diagnostics[0].fix).toMatch(/"kms:GenerateDataKey"[\s\S]*"Resource": "arn:aws:kms:/);
  });

  it('a copy that fails while waiting: delete it and run again', async () => {
    const w = await world({ snapshots: [auto] });
    w.emu.inject({ operation: 'rds:CopyDBClusterSnapshot', kind: 'fail-midway' });
    const e = (await failure(planAndRun())) as DiagnosedError;
    expect(w.snapshot(COPY)?.status).toBe('failed');
    expect(e).toBeInstanceOf(DiagnosedError);
    expect(e.diagnostics[0].title).toBe('Snapshot copy failed');
    expect(e.diagnostics[0].fix).toMatch(/delete-db-cluster-snapshot/);
  });

  it('an unexplained AWS fault bubbles up unchanged for the generic mapper', async () => {
    const w = await world({ snapshots: [auto] });
    w.emu.inject({ operation: 'rds:CopyDBClusterSnapshot', kind: 'error', code: 'Throttling', message: 'Rate exceeded' });
    const e = (await failure(planAndRun())) as Error;
    expect(e).not.toBeInstanceOf(DiagnosedError);
    expect(e).toMatchObject({ name: 'Throttling', message: 'Rate exceeded' });
  });
});
