import { describe, expect, it } from '@jest/globals';
import type { DatabaseInfo, SnapshotSummary } from '../../src/aws/databases';
import { LOCK_TAG, MANAGED_TAG, SOURCE_TAG, TARGET_TAG } from '../../src/context';
import { buildTargetPlan, describeTargetPlan, inheritSettings, passwordPlan, snapshotsToDelete, swapSteps, targetBlockers, type ExistingDatabase } from '../../src/plan/target';
import { readSettings } from '../../src/settings';
import { formatLock, otherLocks, parseLock } from '../../src/steps/lock';
import { baseInputs, RULES_FILE, TARGET_KEY } from '../fixtures/target';
import { quietStdout } from '../helpers/stdout';

quietStdout();

const settings = (extra: Record<string, string> = {}) => readSettings(n => baseInputs(extra)[n] ?? '');

const existing: ExistingDatabase = {
  kind: 'cluster',
  identifier: 'app-staging',
  arn: 'arn:aws:rds:ap-northeast-1:222222222222:cluster:app-staging',
  status: 'available',
  engine: 'aurora-postgresql',
  port: 6543,
  dbSubnetGroup: 'staging-subnets',
  vpcSecurityGroupIds: ['sg-0000000000000aaaa'],
  dbClusterParameterGroup: 'staging-cluster-params',
  deletionProtection: true,
  serverlessV2: { minCapacity: 0.5, maxCapacity: 8 },
  tags: { team: 'payments', 'aws:cloudformation:stack-name': 's', [LOCK_TAG]: 'x', [MANAGED_TAG]: 'true' },
  members: ['app-staging-1'],
  writer: 'app-staging-1',
  writerInstance: { identifier: 'app-staging-1', status: 'available', instanceClass: 'db.serverless', dbParameterGroup: 'staging-instance-params', publiclyAccessible: false }
};

describe('inheritSettings: input, else the staging cluster being replaced, else the default', () => {
  it.each([
    ['subnet group', {}, 'dbSubnetGroup', { value: 'staging-subnets', from: 'staging' }],
    ['subnet group', { 'db-subnet-group': 'other' }, 'dbSubnetGroup', { value: 'other', from: 'input' }],
    ['security groups', {}, 'securityGroupIds', { value: ['sg-0000000000000aaaa'], from: 'staging' }],
    ['security groups', { 'vpc-security-group-ids': 'sg-0000000000000cccc' }, 'securityGroupIds', { value: ['sg-0000000000000cccc'], from: 'input' }],
    ['cluster parameter group', {}, 'dbClusterParameterGroup', { value: 'staging-cluster-params', from: 'staging' }],
    ['instance parameter group', {}, 'dbParameterGroup', { value: 'staging-instance-params', from: 'staging' }],
    ['instance class', {}, 'instanceClass', { value: 'db.serverless', from: 'staging' }],
    ['instance class', { 'instance-class': 'db.r7g.large' }, 'instanceClass', { value: 'db.r7g.large', from: 'input' }],
    ['key', {}, 'kmsKeyId', { value: TARGET_KEY, from: 'input' }],
    ['key', { 'target-kms-key-id': '' }, 'kmsKeyId', { value: 'alias/aws/rds', from: 'default' }]
  ] as const)('%s with %j', (_n, inputs, field, expected) => {
    expect(inheritSettings(settings(inputs), existing)[field]).toEqual(expected);
  });

  it('without a staging cluster: inputs or defaults', () => {
    const r = inheritSettings(settings(), undefined);
    expect(r.instanceClass).toEqual({ value: 'db.r6g.large', from: 'default' });
    expect(r.dbSubnetGroup).toEqual({ value: undefined, from: 'default' });
    expect(r.deletionProtection).toBe(false);
    expect(r.port).toBeUndefined();
  });

  it('keeps the port, serverless scaling and deletion protection, and the user tags but never AWS or own tags', () => {
    const r = inheritSettings(settings({ tags: 'env=staging,team=core' }), existing);
    expect(r.port).toBe(6543);
    expect(r.serverlessV2).toEqual({ minCapacity: 0.5, maxCapacity: 8 });
    expect(r.deletionProtection).toBe(true);
    expect(r.tags).toEqual({ team: 'core', env: 'staging' });
  });
});

describe('swapSteps', () => {
  it.each([
    [undefined, ['promote-new', 'apply-settings']],
    [{ deletionProtection: false }, ['park-old', 'promote-new', 'apply-settings', 'delete-old']],
    [{ deletionProtection: true }, ['disable-deletion-protection', 'park-old', 'promote-new', 'apply-settings', 'delete-old']]
  ])('%j -> %j', (e, steps) => expect(swapSteps(e)).toEqual(steps));
});

describe('passwordPlan', () => {
  it.each([
    [false, undefined, 'direct', { reset: 'generated', thenManaged: false }],
    [true, undefined, 'direct', { reset: 'managed', thenManaged: false }],
    [true, RULES_FILE, 'direct', { reset: 'generated', thenManaged: true }],
    [true, RULES_FILE, 'data-api', { reset: 'managed', thenManaged: false }],
    [false, RULES_FILE, 'direct', { reset: 'generated', thenManaged: false }]
  ] as const)('manage %s, rules %s, %s', (manageMasterPassword, maskingRules, maskingConnection, expected) => {
    expect(passwordPlan({ manageMasterPassword, maskingRules, maskingConnection })).toEqual(expected);
  });
});

describe('targetBlockers', () => {
  const masking = { 'masking-rules': RULES_FILE, 'masking-salt': 's', 'isolation-security-group-ids': 'sg-0000000000000bbbb' };
  it.each([
    ['a ready configuration', {}, existing, []],
    ['a stopped staging cluster', {}, { ...existing, status: 'stopped' }, ['Staging cluster app-staging is stopped']],
    ['masking without isolation', { ...masking, 'isolation-security-group-ids': '' }, existing, ['Masking needs isolation-security-group-ids']],
    ['Data API without a managed password', { ...masking, 'masking-connection': 'data-api' }, existing, ['The Data API needs a managed master password']],
    ['a new staging cluster without its security groups', masking, undefined, ['vpc-security-group-ids is needed for a new staging cluster']]
  ] as const)('%s', (_n, inputs, e, titles) => {
    expect(targetBlockers(settings(inputs), e).map(d => d.title)).toEqual(titles);
  });

  it('a stopped cluster comes with the command that starts it', () => {
    expect(targetBlockers(settings(), { ...existing, status: 'stopped' })[0].fix).toContain('aws rds start-db-cluster --db-cluster-identifier app-staging');
  });
});

describe('buildTargetPlan / describeTargetPlan', () => {
  it('the restore name is the lock (one per target), the other names are run-scoped, and what is printed is what runs', () => {
    const plan = buildTargetPlan({ settings: settings({ 'instance-count': '2', 'final-snapshot': 'take' }), runId: '4242-1', existing });
    expect(plan.temporary).toBe('app-staging-sync');
    expect(plan.instances).toEqual(['app-staging-sync-4242-1-1', 'app-staging-sync-4242-1-2']);
    expect(plan.swap).toEqual({
      parkedAs: 'app-staging-old-4242-1',
      steps: ['disable-deletion-protection', 'park-old', 'promote-new', 'apply-settings', 'delete-old'],
      finalSnapshotIdentifier: 'app-staging-final-4242-1'
    });
    const text = describeTargetPlan(plan).join('\n');
    expect(text).toContain('Rename app-staging to app-staging-old-4242-1, then app-staging-sync to app-staging');
    expect(text).toContain('with final snapshot app-staging-final-4242-1');
    expect(text).toContain('2 x instance class: db.serverless (from the current staging cluster)');
    expect(text).toContain(`encrypted under ${TARGET_KEY}`);
  });

  it('without a staging cluster the new one only takes the name', () => {
    const plan = buildTargetPlan({ settings: settings(), runId: '1-1', existing: undefined });
    expect(plan.swap).toEqual({ parkedAs: undefined, steps: ['promote-new', 'apply-settings'], finalSnapshotIdentifier: undefined });
    expect(describeTargetPlan(plan).join('\n')).toContain('Rename app-staging-sync to app-staging (nothing to replace)');
  });
});

describe("snapshotsToDelete: retention of this action's snapshots only", () => {
  const snap = (identifier: string, day: number, tags: Record<string, string>, extra: Partial<SnapshotSummary> = {}): SnapshotSummary => ({
    identifier,
    arn: `arn:aws:rds:ap-northeast-1:111111111111:cluster-snapshot:${identifier}`,
    status: 'available',
    type: 'manual',
    database: 'app-production',
    createdAt: new Date(Date.UTC(2026, 10, day)),
    tags,
    ...extra
  });
  const ours = { [MANAGED_TAG]: 'true', [SOURCE_TAG]: 'rds:x' };
  const all = [
    snap('c-25', 25, ours),
    snap('c-27', 27, ours),
    snap('c-26', 26, ours),
    snap('users-own', 20, {}),
    snap('cluster-tags-copied', 19, { [MANAGED_TAG]: 'true', [TARGET_TAG]: 'app-staging' }),
    snap('for-other-target', 18, { ...ours, [TARGET_TAG]: 'other-staging' }),
    snap('other-database', 17, ours, { database: 'billing-production' }),
    snap('still-copying', 16, ours, { status: 'creating' }),
    snap('automated', 15, ours, { type: 'automated' })
  ];
  const opts = { target: 'app-staging', sourceDatabase: 'app-production' };
  it.each([
    [0, [], ['c-27', 'c-26', 'c-25']],
    [1, ['c-27'], ['c-26', 'c-25']],
    [2, ['c-27', 'c-26'], ['c-25']],
    [5, ['c-27', 'c-26', 'c-25'], []]
  ])('retain %i', (retain, keep, del) => {
    const r = snapshotsToDelete(all, retain, opts);
    expect(r.keep.map(s => s.identifier)).toEqual(keep);
    expect(r.delete.map(s => s.identifier)).toEqual(del);
  });
  it('keeps the snapshot this run used first', () => {
    const r = snapshotsToDelete(all, 1, { ...opts, used: all[0].arn });
    expect(r.keep.map(s => s.identifier)).toEqual(['c-25']);
    expect(r.delete.map(s => s.identifier)).toEqual(['c-27', 'c-26']);
  });
});

describe('lock values', () => {
  const v = { runId: '77-2', target: 'app-staging', since: '2026-11-28T10:00:00.000Z' };
  it('round-trips and uses only characters RDS tag values allow', () => {
    expect(parseLock(formatLock(v))).toEqual(v);
    expect(formatLock(v)).toMatch(/^[\p{L}\p{N}\s_.:/=+\-@]*$/u);
    expect(parseLock('garbage')).toBeUndefined();
  });
  it('otherLocks: same target, other run, not being deleted; an unreadable tag on the target itself counts', () => {
    const db = (identifier: string, lock: string | undefined, status = 'available'): DatabaseInfo => ({
      ...existing,
      identifier,
      status,
      tags: lock === undefined ? {} : { [LOCK_TAG]: lock }
    });
    const found = otherLocks(
      [
        db('a', formatLock({ ...v, runId: '1-1' })),
        db('b', formatLock({ ...v, runId: 'own-1' })),
        db('c', formatLock({ ...v, target: 'other' })),
        db('d', formatLock({ ...v, runId: '2-1' }), 'deleting'),
        db('app-staging', 'manual-hold'),
        db('e', undefined)
      ],
      'app-staging',
      'own-1'
    );
    expect(found.map(f => [f.identifier, f.runId])).toEqual([
      ['a', '1-1'],
      ['app-staging', 'manual-hold']
    ]);
  });
});
