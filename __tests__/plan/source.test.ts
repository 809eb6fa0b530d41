import { beforeEach, describe, expect, it, jest, afterEach } from '@jest/globals';
import { describeSourcePlan } from '../../src/plan/source';
import { planSource } from '../../src/transfer/snapshot';
import { DiagnosedError } from '../../src/errors';
import { MANAGED_TAG, RUN_TAG, SOURCE_TAG } from '../../src/context';
import { AWS_RDS_KEY, CLUSTER, CMK, OTHER_CMK, PROD, STAGING, STAGING_ROLE, World, makeContext, snapArn } from '../fixtures/source-world';
import { captureStdout } from '../helpers/stdout';

let world: World;
beforeEach(() => {
  captureStdout();
  world = new World();
  world.install();
});
afterEach(() => {
  jest.restoreAllMocks();
});

const ours = (source: string) => ({ [MANAGED_TAG]: 'true', [RUN_TAG]: '41-1', [SOURCE_TAG]: source });

async function refusal(p: Promise<unknown>): Promise<DiagnosedError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err
  );
  expect(e).toBeInstanceOf(DiagnosedError);
  return e as DiagnosedError;
}

/** No call the plan makes may change anything. */
function expectReadOnly() {
  const writes = world.calls.filter(c => !/^(Describe|Get|List)/.test(c.op));
  expect(writes).toEqual([]);
}

describe('planSource: which snapshot', () => {
  it('latest picks the newest available across automated and manual, ignoring ones not available', async () => {
    world.add(
      { id: 'rds:app-production-2026-11-27-03-10', type: 'automated', created: '2026-11-27T03:10:00Z', key: AWS_RDS_KEY },
      { id: 'before-upgrade', created: '2026-11-28T01:00:00Z' },
      { id: 'rds:app-production-2026-11-28-03-10', type: 'automated', created: '2026-11-28T03:10:00Z', status: 'creating' },
      { id: 'other-cluster-snap', cluster: 'app-other', created: '2026-11-28T09:00:00Z' }
    );
    const plan = await planSource(makeContext());
    expect(plan.snapshot).toMatchObject({ identifier: 'before-upgrade', type: 'manual', status: 'available', keyManager: 'CUSTOMER', kmsKeyArn: CMK });
    expect(plan.copy).toEqual({ needed: false, reason: expect.stringMatching(/no copy needed/) });
    expect(plan.shared).toEqual({ identifier: 'before-upgrade', arn: snapArn('before-upgrade'), kmsKeyArn: CMK, alreadyShared: false, accountId: STAGING });
    expectReadOnly();
  });

  it('latest on an automated aws/rds snapshot plans a copy under kms-key-id with a derived name', async () => {
    world.add({ id: 'rds:app-production-2026-11-28-03-10', type: 'automated', created: '2026-11-28T03:10:00Z', key: AWS_RDS_KEY });
    const plan = await planSource(makeContext());
    expect(plan.snapshot).toMatchObject({ type: 'automated', keyManager: 'AWS' });
    expect(plan.copy).toMatchObject({ needed: true, identifier: 'rcas-app-production-2026-11-28-03-10', kmsKeyArn: CMK });
    expect(plan.copy.reason).toMatch(/aws\/rds.*automated snapshots cannot be shared/);
    expect(plan.copy).not.toHaveProperty('existing');
    expect(plan.shared).toMatchObject({ identifier: 'rcas-app-production-2026-11-28-03-10', arn: snapArn('rcas-app-production-2026-11-28-03-10'), alreadyShared: false });
    expect(world.ops('GetKeyPolicy').map(c => c.input.KeyId)).toEqual([CMK]); // aws/rds's policy is not read; kms-key-id's is
    expectReadOnly();
  });

  it('latest with no available snapshot says so and what to do', async () => {
    world.add({ id: 'rds:app-production-2026-11-28-03-10', type: 'automated', status: 'creating' });
    const e = await refusal(planSource(makeContext()));
    expect(e.diagnostics[0].title).toBe('No available snapshot of the production database');
    expect(e.diagnostics[0].message).toMatch(/creating/);
    expect(e.diagnostics[0].fix).toMatch(/snapshot: new/);
  });

  it('names a snapshot by identifier and by ARN', async () => {
    world.add({ id: 'rds:app-production-2026-11-28-03-10', type: 'automated', created: '2026-11-28T03:10:00Z' }, { id: 'before-upgrade' });
    const byId = await planSource(makeContext({ snapshot: 'rds:app-production-2026-11-28-03-10' }));
    expect(byId.snapshot.identifier).toBe('rds:app-production-2026-11-28-03-10');
    expect(world.ops('DescribeDBClusterSnapshots').at(-2)?.input).toEqual({ DBClusterSnapshotIdentifier: 'rds:app-production-2026-11-28-03-10', SnapshotType: 'automated' });
    const byArn = await planSource(makeContext({ snapshot: snapArn('before-upgrade') }));
    expect(byArn.snapshot).toMatchObject({ identifier: 'before-upgrade', arn: snapArn('before-upgrade') });
  });

  it('refuses a snapshot of another cluster', async () => {
    world.add({ id: 'other-snap', cluster: 'app-other' });
    const e = await refusal(planSource(makeContext({ snapshot: 'other-snap' })));
    expect(e.diagnostics[0]).toMatchObject({ title: 'Snapshot of another DB cluster' });
    expect(e.diagnostics[0].fix).toMatch(/name 'app-other' as the production database/);
  });

  it('refuses an ARN in another account', async () => {
    const e = await refusal(planSource(makeContext({ snapshot: snapArn('x').replace(PROD, '333333333333') })));
    expect(e.diagnostics[0].title).toBe('Snapshot belongs to another account');
  });

  it('refuses a named snapshot still being created, with its progress', async () => {
    world.add({ id: 'rds:app-production-2026-11-28-03-10', type: 'automated', status: 'creating', percent: 35 });
    const e = await refusal(planSource(makeContext({ snapshot: 'rds:app-production-2026-11-28-03-10' })));
    expect(e.diagnostics[0].title).toBe('Snapshot still being created');
    expect(e.diagnostics[0].message).toMatch(/35%/);
    expect(e.diagnostics[0].fix).toMatch(/aws rds wait db-cluster-snapshot-available/);
  });

  it('refuses a named snapshot that does not exist', async () => {
    const e = await refusal(planSource(makeContext({ snapshot: 'nope' })));
    expect(e.diagnostics[0].title).toBe('Snapshot not found');
  });

  it('refuses a missing cluster', async () => {
    const e = await refusal(planSource(makeContext({ 'source-cluster': 'app-prod-typo' })));
    expect(e.diagnostics[0].title).toBe('Production DB cluster not found');
    expect(e.diagnostics[0].message).toMatch(/app-prod-typo.*111111111111/);
    expect(e.diagnostics[0].fix).toMatch(/source-cluster/);
  });

  it('new: plans a snapshot named after the run, under the cluster key', async () => {
    const plan = await planSource(makeContext({ snapshot: 'new' }));
    expect(plan.snapshot).toMatchObject({ type: 'new', identifier: 'rcas-app-production-42-1', kmsKeyArn: CMK, keyManager: 'CUSTOMER' });
    expect(plan.copy.needed).toBe(false);
    expect(plan.shared.alreadyShared).toBe(false);
    expectReadOnly();
  });

  it('new: refuses when the cluster is not available', async () => {
    world.clusters[CLUSTER].status = 'modifying';
    const e = await refusal(planSource(makeContext({ snapshot: 'new' })));
    expect(e.diagnostics[0].title).toBe('Cannot take a snapshot now');
  });
});

describe('planSource: keys', () => {
  it('aws/rds without kms-key-id fails and explains the CMK', async () => {
    world.add({ id: 'rds:app-production-2026-11-28-03-10', type: 'automated', key: AWS_RDS_KEY });
    const e = await refusal(planSource(makeContext({ 'kms-key-id': '' })));
    const [d] = e.diagnostics;
    expect(d.title).toBe('Production snapshot is encrypted with aws/rds and kms-key-id is not set');
    // The aws/rds key ARN, the staging principal, and the complete key policy of the CMK to create, with its Terraform.
    expect(d.message).toContain(AWS_RDS_KEY);
    expect(d.message).toContain(STAGING_ROLE);
    expect(d.fix).toContain('"Sid": "EnableIAMPoliciesAndKeyAdministration"');
    expect(d.fix).toContain('"Sid": "AllowStagingUseOfTheKey"');
    expect(d.fix).toContain('resource "aws_kms_key" "rds_cross_account_sync"');
    expect(d.fix).not.toMatch(/mode: policies/);
  });

  it('a manual snapshot under a CMK that does not admit staging is copied under kms-key-id', async () => {
    world.add({ id: 'before-upgrade', key: OTHER_CMK });
    const plan = await planSource(makeContext());
    expect(plan.copy).toMatchObject({ needed: true, identifier: 'rcas-before-upgrade', kmsKeyArn: CMK });
    expect(plan.copy.reason).toMatch(/does not admit account 222222222222/);
  });

  it('warns when kms-key-id itself does not seem to admit staging', async () => {
    world.keys[CMK].policy = world.keys[OTHER_CMK].policy;
    world.add({ id: 'rds:app-production-2026-11-28-03-10', type: 'automated', key: AWS_RDS_KEY });
    const plan = await planSource(makeContext());
    expect(plan.notes?.join('\n')).toMatch(/kms-key-id's key policy does not seem to grant account 222222222222 .*kms:Decrypt/);
  });

  it('DescribeKey refused: explains which permission is missing', async () => {
    world.add({ id: 'before-upgrade', key: `${CMK.slice(0, -1)}f` });
    const e = await refusal(planSource(makeContext()));
    expect(e.diagnostics[0].title).toBe("Cannot describe the snapshot's KMS key");
    expect(e.diagnostics[0].fix).toMatch(/kms:DescribeKey/);
  });
});

describe('planSource: an earlier copy', () => {
  it.each(['available', 'copying'])('finds our copy (%s) and plans to resume it', async status => {
    world.add(
      { id: 'rds:app-production-2026-11-28-03-10', type: 'automated', key: AWS_RDS_KEY, created: '2026-11-28T03:10:00Z' },
      {
        id: 'rcas-app-production-2026-11-28-03-10',
        status,
        percent: status === 'copying' ? 60 : 100,
        key: CMK,
        tags: ours('rds:app-production-2026-11-28-03-10'),
        created: '2026-11-28T03:10:00Z',
        sharedWith: status === 'available' ? [STAGING] : []
      }
    );
    const plan = await planSource(makeContext());
    expect(plan.snapshot.identifier).toBe('rds:app-production-2026-11-28-03-10');
    expect(plan.copy).toMatchObject({ needed: true, identifier: 'rcas-app-production-2026-11-28-03-10', existing: { status } });
    expect(plan.shared.alreadyShared).toBe(status === 'available');
    const lines = describeSourcePlan(plan).join('\n');
    expect(lines).toMatch(/resume the existing copy 'rcas-app-production-2026-11-28-03-10'/);
  });

  it('refuses when a snapshot this action did not make holds the copy name', async () => {
    world.add({ id: 'rds:app-production-2026-11-28-03-10', type: 'automated', key: AWS_RDS_KEY }, { id: 'rcas-app-production-2026-11-28-03-10', cluster: 'app-other', tags: {} });
    const e = await refusal(planSource(makeContext()));
    expect(e.diagnostics[0].title).toBe('Snapshot name taken by another snapshot');
    expect(e.diagnostics[0].message).toMatch(/DBClusterSnapshotAlreadyExistsFault/);
  });
});

describe('describeSourcePlan', () => {
  it('prints which snapshot, copy or not and why, and the names', async () => {
    world.add({ id: 'rds:app-production-2026-11-28-03-10', type: 'automated', key: AWS_RDS_KEY, created: '2026-11-28T03:10:00Z' });
    const lines = describeSourcePlan(await planSource(makeContext()));
    expect(lines).toEqual([
      `Source snapshot: 'rds:app-production-2026-11-28-03-10' (automated, available, taken 2026-11-28T03:10:00.000Z, aurora-postgresql 16.4, encrypted under ${AWS_RDS_KEY} (AWS managed aws/rds))`,
      `Copy: yes, encrypted under the AWS managed key aws/rds, whose key policy can never admit another account, and automated snapshots cannot be shared; copy to 'rcas-app-production-2026-11-28-03-10' under ${CMK}`,
      `Share: 'rcas-app-production-2026-11-28-03-10' with account ${STAGING} (restore attribute), restored by ARN ${snapArn('rcas-app-production-2026-11-28-03-10')}`
    ]);
  });

  it('prints no copy, already shared, and notes', async () => {
    world.keys[CMK].policy = undefined; // GetKeyPolicy refused
    world.add({ id: 'before-upgrade', sharedWith: [STAGING] });
    const lines = describeSourcePlan(await planSource(makeContext({ 'kms-key-id': '' })));
    expect(lines[1]).toMatch(/^Copy: no, a manual snapshot under CMK/);
    expect(lines[2]).toMatch(/^Share: 'before-upgrade' is already shared with account 222222222222/);
    expect(lines[3]).toMatch(/^Note: The policy of .* could not be read/);
  });
});
