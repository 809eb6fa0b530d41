import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { InvalidDBClusterStateFault, KMSKeyNotAccessibleFault, SharedSnapshotQuotaExceededFault, SnapshotQuotaExceededFault } from '@aws-sdk/client-rds';
import { planSource } from '../src/transfer/snapshot';
import { runSource } from '../src/source';
import { DiagnosedError } from '../src/errors';
import { MANAGED_TAG, RUN_TAG, SOURCE_TAG } from '../src/context';
import { WaitTimeoutError } from '../src/wait';
import { AWS_RDS_KEY, CMK, STAGING, World, makeContext, snapArn } from './fixtures/source-world';
import { captureStdout } from './helpers/stdout';

const AUTO = 'rds:app-production-2026-11-28-03-10';
const COPY = 'rcas-app-production-2026-11-28-03-10';
const meta = { $metadata: {} };

let world: World;
let stdout: string[];
beforeEach(() => {
  stdout = captureStdout();
  world = new World();
  world.install();
});
afterEach(() => {
  jest.restoreAllMocks();
});

async function planAndRun(inputs: Record<string, string> = {}) {
  const ctx = makeContext(inputs);
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

describe('runSource', () => {
  it('copies an automated aws/rds snapshot under the CMK, waits with progress, shares, sets outputs', async () => {
    world.add({ id: AUTO, type: 'automated', key: AWS_RDS_KEY, created: '2026-11-28T03:10:00Z' });
    const { ctx, shared } = await planAndRun();

    const copies = world.ops('CopyDBClusterSnapshot');
    expect(copies).toHaveLength(1);
    expect(copies[0].input).toMatchObject({ SourceDBClusterSnapshotIdentifier: AUTO, TargetDBClusterSnapshotIdentifier: COPY, KmsKeyId: CMK });
    expect(copies[0].input.Tags).toEqual([
      { Key: MANAGED_TAG, Value: 'true' },
      { Key: RUN_TAG, Value: '42-1' },
      { Key: SOURCE_TAG, Value: AUTO }
    ]);
    expect(ctx.state.get().sourceCopy).toEqual({ identifier: COPY, kind: 'cluster', createdByThisRun: true });
    expect(world.ops('ModifyDBClusterSnapshotAttribute')[0].input).toEqual({ DBClusterSnapshotIdentifier: COPY, AttributeName: 'restore', ValuesToAdd: [STAGING] });
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
      allocatedStorageGb: 100
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
    world.add(
      { id: AUTO, type: 'automated', key: AWS_RDS_KEY, created: '2026-11-28T03:10:00Z' },
      { id: COPY, status, percent: status === 'copying' ? 40 : 100, pollsLeft: 2, key: CMK, tags: { [MANAGED_TAG]: 'true', [RUN_TAG]: '41-1', [SOURCE_TAG]: AUTO } }
    );
    const { ctx, shared } = await planAndRun();
    expect(world.ops('CopyDBClusterSnapshot')).toHaveLength(0);
    expect(ctx.state.get().sourceCopy).toEqual({ identifier: COPY, kind: 'cluster', createdByThisRun: false });
    expect(shared).toMatchObject({ identifier: COPY, copied: true });
    expect(ctx.report.steps[1].detail).toMatch(/resumed an earlier copy/);
  });

  it('takes over a copy another run started after the plan: the step looks again before copying', async () => {
    world.add({ id: AUTO, type: 'automated', key: AWS_RDS_KEY });
    const ctx = makeContext();
    const plan = await planSource(ctx);
    world.add({ id: COPY, status: 'copying', pollsLeft: 1, key: CMK, tags: { [MANAGED_TAG]: 'true', [RUN_TAG]: '42-2', [SOURCE_TAG]: AUTO } });
    // The plan saw no copy; the step looks again before copying, so it resumes without a CopyDBClusterSnapshot at all.
    await runSource(ctx, plan);
    expect(world.ops('CopyDBClusterSnapshot')).toHaveLength(0);
  });

  it('race on the copy name: AlreadyExists for our copy is taken over, not fatal', async () => {
    world.add({ id: AUTO, type: 'automated', key: AWS_RDS_KEY });
    const ctx = makeContext();
    const plan = await planSource(ctx);
    // Another attempt creates the copy right between this run's look and its CopyDBClusterSnapshot.
    world.before.CopyDBClusterSnapshot = () => world.add({ id: COPY, status: 'copying', pollsLeft: 0, key: CMK, tags: { [MANAGED_TAG]: 'true', [RUN_TAG]: '42-2', [SOURCE_TAG]: AUTO } });
    const shared = await runSource(ctx, plan);
    expect(world.ops('CopyDBClusterSnapshot')).toHaveLength(1);
    expect(world.snapshots.get(COPY)?.tags?.[RUN_TAG]).toBe('42-2');
    expect(shared.identifier).toBe(COPY);
    expect(ctx.state.get().sourceCopy).toMatchObject({ createdByThisRun: false });
  });

  it('race on the copy name with a foreign snapshot: refused', async () => {
    world.add({ id: AUTO, type: 'automated', key: AWS_RDS_KEY });
    const ctx = makeContext();
    const plan = await planSource(ctx);
    world.before.CopyDBClusterSnapshot = () => world.add({ id: COPY, tags: {} });
    const e = (await failure(runSource(ctx, plan))) as DiagnosedError;
    expect(e.diagnostics[0].title).toBe('Snapshot name taken by another snapshot');
  });

  it('shares a manual snapshot under an admitting CMK as it is, no copy', async () => {
    world.add({ id: 'before-upgrade', created: '2026-11-28T01:00:00Z' });
    const { ctx, shared } = await planAndRun();
    expect(world.ops('CopyDBClusterSnapshot')).toHaveLength(0);
    expect(shared).toMatchObject({ identifier: 'before-upgrade', arn: snapArn('before-upgrade'), copied: false, kmsKeyArn: CMK });
    expect(ctx.report.outputs['snapshot-copied']).toBe('false');
    expect(ctx.report.steps[1]).toMatchObject({ name: 'Re-encrypt copy', result: 'skipped' });
  });

  it('share is idempotent: already shared, no ModifyDBClusterSnapshotAttribute', async () => {
    world.add({ id: 'before-upgrade', sharedWith: ['333333333333', STAGING] });
    const { ctx } = await planAndRun();
    expect(world.ops('ModifyDBClusterSnapshotAttribute')).toHaveLength(0);
    expect(ctx.report.steps[2].detail).toBe(`already shared with ${STAGING}`);
  });

  it('new: takes a tagged manual snapshot, waits for it, shares it (no copy under an admitting CMK)', async () => {
    const { ctx, shared } = await planAndRun({ snapshot: 'new' });
    const create = world.ops('CreateDBClusterSnapshot');
    expect(create).toHaveLength(1);
    expect(create[0].input).toMatchObject({ DBClusterIdentifier: 'app-production', DBClusterSnapshotIdentifier: 'rcas-app-production-42-1' });
    expect(create[0].input.Tags).toEqual([
      { Key: MANAGED_TAG, Value: 'true' },
      { Key: RUN_TAG, Value: '42-1' }
    ]);
    expect(world.snapshots.get('rcas-app-production-42-1')?.status).toBe('available');
    expect(world.ops('CopyDBClusterSnapshot')).toHaveLength(0);
    expect(shared).toMatchObject({ identifier: 'rcas-app-production-42-1', sourceSnapshotId: 'rcas-app-production-42-1', copied: false });
    expect(ctx.state.get().sourceSnapshot).toEqual({ identifier: 'rcas-app-production-42-1', kind: 'cluster', createdByThisRun: true });
    expect(world.snapshots.get('rcas-app-production-42-1')?.sharedWith).toEqual([STAGING]);
  });

  it('new on an aws/rds cluster: snapshot, then copy under the CMK', async () => {
    world.clusters['app-production'].key = AWS_RDS_KEY;
    const { shared } = await planAndRun({ snapshot: 'new' });
    expect(world.ops('CopyDBClusterSnapshot')[0].input).toMatchObject({
      SourceDBClusterSnapshotIdentifier: 'rcas-app-production-42-1',
      TargetDBClusterSnapshotIdentifier: 'rcas-rcas-app-production-42-1',
      KmsKeyId: CMK
    });
    expect(shared).toMatchObject({ copied: true, sourceSnapshotId: 'rcas-app-production-42-1', kmsKeyArn: CMK });
  });

  it('gives up after wait-timeout-minutes with the last status', async () => {
    world.add({ id: AUTO, type: 'automated', key: AWS_RDS_KEY });
    const ctx = makeContext({ 'wait-timeout-minutes': '1' });
    const plan = await planSource(ctx);
    world.add({ id: COPY, status: 'copying', percent: 1, pollsLeft: 1e9, key: CMK, tags: { [MANAGED_TAG]: 'true', [RUN_TAG]: '41-1', [SOURCE_TAG]: AUTO } });
    const e = await failure(runSource(ctx, plan));
    expect(e).toBeInstanceOf(WaitTimeoutError);
    expect((e as Error).message).toMatch(/last status: copying.*wait-timeout-minutes/);
  });
});

describe('runSource faults', () => {
  it('SnapshotQuotaExceeded on the copy: prune or raise the quota', async () => {
    world.add({ id: AUTO, type: 'automated', key: AWS_RDS_KEY });
    world.faults.CopyDBClusterSnapshot = new SnapshotQuotaExceededFault({ message: 'quota', ...meta });
    const e = (await failure(planAndRun())) as DiagnosedError;
    expect(e).toBeInstanceOf(DiagnosedError);
    expect(e.diagnostics[0].title).toBe('Manual snapshot quota reached');
    expect(e.diagnostics[0].fix).toMatch(/retain-snapshots/);
    expect(e.diagnostics[0].fix).toMatch(/Service Quotas/);
  });

  it('SnapshotQuotaExceeded on snapshot: new', async () => {
    world.faults.CreateDBClusterSnapshot = new SnapshotQuotaExceededFault({ message: 'quota', ...meta });
    const e = (await failure(planAndRun({ snapshot: 'new' }))) as DiagnosedError;
    expect(e.diagnostics[0].title).toBe('Manual snapshot quota reached');
    expect(e.diagnostics[0].message).toMatch(/CreateDBClusterSnapshot/);
  });

  it('InvalidDBClusterStateFault on snapshot: new: the one explainer, with the call and the snapshot: latest way out', async () => {
    world.faults.CreateDBClusterSnapshot = new InvalidDBClusterStateFault({ message: 'DBCluster app-production is not in available state', ...meta });
    const e = (await failure(planAndRun({ snapshot: 'new' }))) as DiagnosedError;
    expect(e.diagnostics[0].title).toBe('Cluster is not in a state for this operation');
    expect(e.diagnostics[0].message).toMatch(/^CreateDBClusterSnapshot on 'rcas-[^']+' failed\. RDS answered InvalidDBClusterStateFault/);
    expect(e.diagnostics[0].fix).toContain('snapshot: latest');
  });

  it('SharedSnapshotQuotaExceeded: names the accounts and how to remove one', async () => {
    const others = Array.from({ length: 20 }, (_, i) => String(300000000000 + i));
    world.add({ id: 'before-upgrade', sharedWith: others });
    world.faults.ModifyDBClusterSnapshotAttribute = new SharedSnapshotQuotaExceededFault({ message: 'quota', ...meta });
    const e = (await failure(planAndRun())) as DiagnosedError;
    expect(e.diagnostics[0].title).toBe('Snapshot shared with too many accounts');
    expect(e.diagnostics[0].message).toMatch(/20 accounts \(300000000000, /);
    expect(e.diagnostics[0].fix).toMatch(/--values-to-remove/);
  });

  it('KMSKeyNotAccessibleFault on the copy: the production role and the key', async () => {
    world.add({ id: AUTO, type: 'automated', key: AWS_RDS_KEY });
    world.faults.CopyDBClusterSnapshot = new KMSKeyNotAccessibleFault({ message: 'key', ...meta });
    const e = (await failure(planAndRun())) as DiagnosedError;
    expect(e.diagnostics[0].title).toBe('KMS key not accessible: the production role cannot use the CMK');
    expect(e.diagnostics[0].fix).toContain(CMK);
    // The step adds which call and which snapshot; the key-use actions come from KEY_REQUIREMENTS['copy-key'].
    expect(e.diagnostics[0].message).toMatch(new RegExp(`^CopyDBClusterSnapshot on '${AUTO}' failed\\. RDS answered KMSKeyNotAccessibleFault`));
    expect(e.diagnostics[0].fix).toMatch(/"kms:GenerateDataKey"[\s\S]*"Resource": "arn:aws:kms:/);
  });

  it('a copy that fails while waiting: delete it and run again', async () => {
    world.add({ id: AUTO, type: 'automated', key: AWS_RDS_KEY });
    world.after.CopyDBClusterSnapshot = () => {
      world.snapshots.get(COPY)!.status = 'failed';
    };
    const e = (await failure(planAndRun())) as DiagnosedError;
    expect(e).toBeInstanceOf(DiagnosedError);
    expect(e.diagnostics[0].title).toBe('Snapshot copy failed');
    expect(e.diagnostics[0].fix).toMatch(/delete-db-cluster-snapshot/);
  });

  it('an unexplained AWS fault bubbles up unchanged for the generic mapper', async () => {
    world.add({ id: AUTO, type: 'automated', key: AWS_RDS_KEY });
    const odd = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: {} });
    world.faults.CopyDBClusterSnapshot = odd;
    expect(await failure(planAndRun())).toBe(odd);
  });
});
