/**
 * planSource (the facts read from production, then the pure decisions) and describeSourcePlan against
 * the emulator in process: which snapshot, which key, an earlier copy; the plan only reads.
 */
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { describeSourcePlan } from '../../src/plan/source';
import { planSource } from '../../src/transfer/snapshot';
import { DiagnosedError } from '../../src/errors';
import type { ScenarioSnapshot } from '../../emulator/scenario';
import { CLUSTER, CMK, emulatedSource, OTHER_CMK, ours, PROD, snapArn, STAGING_ROLE, STG as STAGING, UNDESCRIBABLE_KEY, type EmulatedSource, type SourceWorldOptions } from '../fixtures/emulated-source';
import { ownerOnlyPolicy } from '../fixtures/source-keys';
import { captureStdout } from '../helpers/stdout';

const AUTO = 'rds:app-production-2026-11-28-03-10';

let w: EmulatedSource | undefined;
/** Where the request log stood when the world was ready. */
let since = 0;
afterEach(async () => {
  jest.restoreAllMocks();
  await w?.close();
  w = undefined;
});

async function world(options: SourceWorldOptions = {}): Promise<EmulatedSource> {
  captureStdout();
  w = await emulatedSource(options);
  since = w.emu.state().requests.length;
  return w;
}

const snap = (id: string, extra: Partial<ScenarioSnapshot> = {}): ScenarioSnapshot => ({ id, cluster: CLUSTER, type: 'manual', ...extra });
const autoOnAwsRds = (extra: Partial<ScenarioSnapshot> = {}) => snap(AUTO, { type: 'automated', kmsKey: 'alias/aws/rds', ageHours: 7, ...extra });
/** Production also holds a cluster app-other. */
const withOtherCluster: SourceWorldOptions['edit'] = prod => void prod.clusters!.push({ id: 'app-other', kmsKey: 'alias/rds-share' });

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
  const calls = w!.requests(since);
  expect(calls.length).toBeGreaterThan(0);
  expect(calls.filter(c => !/^(Describe|Get|List)/.test(c.operation)).map(c => c.operation)).toEqual([]);
}

describe('planSource: which snapshot', () => {
  it('latest picks the newest available across automated and manual, ignoring ones not available', async () => {
    const w = await world({
      edit: withOtherCluster,
      snapshots: [
        snap('rds:app-production-2026-11-27-03-10', { type: 'automated', kmsKey: 'alias/aws/rds', ageHours: 31 }),
        snap('before-upgrade', { ageHours: 9 }),
        snap(AUTO, { type: 'automated', status: 'creating', ageHours: 7 }),
        snap('other-cluster-snap', { cluster: 'app-other', ageHours: 1 })
      ]
    });
    const plan = await planSource(w.context());
    expect(plan.snapshot).toMatchObject({ identifier: 'before-upgrade', type: 'manual', status: 'available', keyManager: 'CUSTOMER', kmsKeyArn: CMK });
    expect(plan.copy).toEqual({ needed: false, reason: expect.stringMatching(/no copy needed/) });
    expect(plan.shared).toEqual({ identifier: 'before-upgrade', arn: snapArn('before-upgrade'), kmsKeyArn: CMK, alreadyShared: false, accountId: STAGING });
    expectReadOnly();
  });

  it('latest on an automated aws/rds snapshot plans a copy under kms-key-id with a derived name', async () => {
    const w = await world({ snapshots: [autoOnAwsRds()] });
    const awsRdsPolicyRead = w.probe('kms:GetKeyPolicy', { KeyId: w.awsRdsKey });
    const cmkPolicyRead = w.probe('kms:GetKeyPolicy', { KeyId: CMK });
    const plan = await planSource(w.context());
    expect(plan.snapshot).toMatchObject({ type: 'automated', keyManager: 'AWS' });
    expect(plan.copy).toMatchObject({ needed: true, identifier: 'rcas-app-production-2026-11-28-03-10', kmsKeyArn: CMK });
    expect(plan.copy.reason).toMatch(/aws\/rds.*automated snapshots cannot be shared/);
    expect(plan.copy).not.toHaveProperty('existing');
    expect(plan.shared).toMatchObject({ identifier: 'rcas-app-production-2026-11-28-03-10', arn: snapArn('rcas-app-production-2026-11-28-03-10'), alreadyShared: false });
    // aws/rds's policy is not read; kms-key-id's is.
    expect(w.requests(since).filter(r => r.operation === 'GetKeyPolicy')).toHaveLength(1);
    expect([awsRdsPolicyRead(), cmkPolicyRead()]).toEqual([0, 1]);
    expectReadOnly();
  });

  it('latest with no available snapshot says so and what to do', async () => {
    const w = await world({ snapshots: [autoOnAwsRds({ status: 'creating' })] });
    const e = await refusal(planSource(w.context()));
    expect(e.diagnostics[0].title).toBe('No available snapshot of the production database');
    expect(e.diagnostics[0].message).toMatch(/creating/);
    expect(e.diagnostics[0].fix).toMatch(/snapshot: new/);
  });

  it('names a snapshot by identifier and by ARN', async () => {
    const w = await world({ snapshots: [autoOnAwsRds(), snap('before-upgrade')] });
    // RDS finds an automated snapshot by identifier only with SnapshotType automated.
    const asAutomated = w.probe('rds:DescribeDBClusterSnapshots', { DBClusterSnapshotIdentifier: AUTO, SnapshotType: 'automated' });
    const byId = await planSource(w.context({ snapshot: AUTO }));
    expect(byId.snapshot.identifier).toBe(AUTO);
    expect(asAutomated()).toBe(1);
    const byArn = await planSource(w.context({ snapshot: snapArn('before-upgrade') }));
    expect(byArn.snapshot).toMatchObject({ identifier: 'before-upgrade', arn: snapArn('before-upgrade') });
  });

  it('refuses a snapshot of another cluster', async () => {
    const w = await world({ edit: withOtherCluster, snapshots: [snap('other-snap', { cluster: 'app-other' })] });
    const e = await refusal(planSource(w.context({ snapshot: 'other-snap' })));
    expect(e.diagnostics[0]).toMatchObject({ title: 'Snapshot of another DB cluster' });
    expect(e.diagnostics[0].fix).toMatch(/name 'app-other' as the production database/);
  });

  it('refuses an ARN in another account', async () => {
    const w = await world();
    const e = await refusal(planSource(w.context({ snapshot: snapArn('x').replace(PROD, '333333333333') })));
    expect(e.diagnostics[0].title).toBe('Snapshot belongs to another account');
  });

  it('refuses a named snapshot still being created, with its progress', async () => {
    const w = await world({ snapshots: [autoOnAwsRds({ status: 'creating' })] });
    // 50 GB at 6 s per GB: 300 s in all, 106 s done.
    w.emu.advance(106);
    const e = await refusal(planSource(w.context({ snapshot: AUTO })));
    expect(e.diagnostics[0].title).toBe('Snapshot still being created');
    expect(e.diagnostics[0].message).toMatch(/35%/);
    expect(e.diagnostics[0].fix).toMatch(/aws rds wait db-cluster-snapshot-available/);
  });

  it('refuses a named snapshot that does not exist', async () => {
    const w = await world();
    const e = await refusal(planSource(w.context({ snapshot: 'nope' })));
    expect(e.diagnostics[0].title).toBe('Snapshot not found');
  });

  it('refuses a missing cluster', async () => {
    const w = await world();
    const e = await refusal(planSource(w.context({ 'source-cluster': 'app-prod-typo' })));
    expect(e.diagnostics[0].title).toBe('Production DB cluster not found');
    expect(e.diagnostics[0].message).toMatch(/app-prod-typo.*111111111111/);
    expect(e.diagnostics[0].fix).toMatch(/source-cluster/);
  });

  it('new: plans a snapshot named after the run, under the cluster key', async () => {
    const w = await world();
    const plan = await planSource(w.context({ snapshot: 'new' }));
    expect(plan.snapshot).toMatchObject({ type: 'new', identifier: 'rcas-app-production-42-1', kmsKeyArn: CMK, keyManager: 'CUSTOMER' });
    expect(plan.copy.needed).toBe(false);
    expect(plan.shared.alreadyShared).toBe(false);
    expectReadOnly();
  });

  it('new: refuses when the cluster is not available', async () => {
    const w = await world({ edit: prod => void (prod.clusters![0].status = 'modifying') });
    const e = await refusal(planSource(w.context({ snapshot: 'new' })));
    expect(e.diagnostics[0].title).toBe('Cannot take a snapshot now');
  });
});

describe('planSource: keys', () => {
  it('aws/rds without kms-key-id fails and explains the CMK', async () => {
    const w = await world({ snapshots: [autoOnAwsRds()] });
    const e = await refusal(planSource(w.context({ 'kms-key-id': '' })));
    const [d] = e.diagnostics;
    expect(d.title).toBe('Production snapshot is encrypted with aws/rds and kms-key-id is not set');
    // The aws/rds key ARN, the staging principal, and the complete key policy of the CMK to create, with its Terraform.
    expect(d.message).toContain(w.awsRdsKey);
    expect(d.message).toContain(STAGING_ROLE);
    expect(d.fix).toContain('"Sid": "EnableIAMPoliciesAndKeyAdministration"');
    expect(d.fix).toContain('"Sid": "AllowStagingUseOfTheKey"');
    expect(d.fix).toContain('resource "aws_kms_key" "rds_cross_account_sync"');
    expect(d.fix).not.toMatch(/mode: policies/);
  });

  it('a manual snapshot under a CMK that does not admit staging is copied under kms-key-id', async () => {
    const w = await world({ snapshots: [snap('before-upgrade', { kmsKey: OTHER_CMK })] });
    const plan = await planSource(w.context());
    expect(plan.copy).toMatchObject({ needed: true, identifier: 'rcas-before-upgrade', kmsKeyArn: CMK });
    expect(plan.copy.reason).toMatch(/does not admit account 222222222222/);
  });

  it('warns when kms-key-id itself does not seem to admit staging', async () => {
    const w = await world({
      snapshots: [autoOnAwsRds()],
      edit: prod => void (prod.keys!.find(k => k.alias === 'alias/rds-share')!.policy = JSON.parse(ownerOnlyPolicy))
    });
    const plan = await planSource(w.context());
    expect(plan.notes?.join('\n')).toMatch(/kms-key-id's key policy does not seem to grant account 222222222222 .*kms:Decrypt/);
  });

  it('DescribeKey refused: explains which permission is missing', async () => {
    const w = await world({ snapshots: [snap('before-upgrade', { kmsKey: UNDESCRIBABLE_KEY })] });
    const e = await refusal(planSource(w.context()));
    expect(w.requests(since).find(r => r.operation === 'DescribeKey')?.errorCode).toBe('AccessDeniedException');
    expect(e.diagnostics[0].title).toBe("Cannot describe the snapshot's KMS key");
    expect(e.diagnostics[0].fix).toMatch(/kms:DescribeKey/);
  });
});

describe('planSource: an earlier copy', () => {
  it.each(['available', 'copying'])('finds our copy (%s) and plans to resume it', async status => {
    const w = await world({
      snapshots: [autoOnAwsRds(), snap('rcas-app-production-2026-11-28-03-10', { status, tags: ours(AUTO), ageHours: 1, sharedWith: status === 'available' ? [STAGING] : [] })]
    });
    const plan = await planSource(w.context());
    expect(plan.snapshot.identifier).toBe(AUTO);
    expect(plan.copy).toMatchObject({ needed: true, identifier: 'rcas-app-production-2026-11-28-03-10', existing: { status } });
    expect(plan.shared.alreadyShared).toBe(status === 'available');
    const lines = describeSourcePlan(plan).join('\n');
    expect(lines).toMatch(/resume the existing copy 'rcas-app-production-2026-11-28-03-10'/);
  });

  it('refuses when a snapshot this action did not make holds the copy name', async () => {
    const w = await world({ edit: withOtherCluster, snapshots: [autoOnAwsRds(), snap('rcas-app-production-2026-11-28-03-10', { cluster: 'app-other', ageHours: 1 })] });
    const e = await refusal(planSource(w.context()));
    expect(e.diagnostics[0].title).toBe('Snapshot name taken by another snapshot');
    expect(e.diagnostics[0].message).toMatch(/DBClusterSnapshotAlreadyExistsFault/);
  });
});

describe('describeSourcePlan', () => {
  it('prints which snapshot, copy or not and why, and the names', async () => {
    const w = await world({ snapshots: [autoOnAwsRds()] });
    const taken = w.snapshot(AUTO)!.created.toISOString();
    const lines = describeSourcePlan(await planSource(w.context()));
    expect(lines).toEqual([
      `Source snapshot: '${AUTO}' (automated, available, taken ${taken}, aurora-postgresql 16.4, encrypted under ${w.awsRdsKey} (AWS managed aws/rds))`,
      `Copy: yes, encrypted under the AWS managed key aws/rds, whose key policy can never admit another account, and automated snapshots cannot be shared; copy to 'rcas-app-production-2026-11-28-03-10' under ${CMK}`,
      `Share: 'rcas-app-production-2026-11-28-03-10' with account ${STAGING} (restore attribute), restored by ARN ${snapArn('rcas-app-production-2026-11-28-03-10')}`
    ]);
  });

  it('prints no copy, already shared, and notes', async () => {
    // The production role may not read key policies (GetKeyPolicy refused).
    const w = await world({
      snapshots: [snap('before-upgrade', { sharedWith: [STAGING] })],
      edit: prod => {
        for (const statement of prod.roles![0].policies![0].Statement as unknown as Array<{ Action: string | string[] }>) {
          if (Array.isArray(statement.Action)) statement.Action = statement.Action.filter(a => a !== 'kms:GetKeyPolicy');
        }
      }
    });
    const lines = describeSourcePlan(await planSource(w.context({ 'kms-key-id': '' })));
    expect(w.requests(since).find(r => r.operation === 'GetKeyPolicy')?.errorCode).toBe('AccessDeniedException');
    expect(lines[1]).toMatch(/^Copy: no, a manual snapshot under CMK/);
    expect(lines[2]).toMatch(/^Share: 'before-upgrade' is already shared with account 222222222222/);
    expect(lines[3]).toMatch(/^Note: The policy of .* could not be read/);
  });
});
