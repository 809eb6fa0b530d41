import { describe, expect, it } from '@jest/globals';
import { InputError, readSettings } from '../src/settings';
import { VALID_INPUTS as base } from '../tools/test-inputs';

function settings(overrides: Record<string, string> = {}) {
  const inputs = { ...base, ...overrides };
  return readSettings(name => inputs[name] ?? '');
}

function refusal(overrides: Record<string, string>): InputError {
  try {
    settings(overrides);
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected the inputs to be refused');
}

describe('readSettings: defaults', () => {
  it('fills every default and derives the accounts from the role ARNs', () => {
    const s = settings();
    expect(s.mode).toBe('sync');
    expect(s.audience).toBe('sts.amazonaws.com');
    expect(s.snapshot).toEqual({ kind: 'latest' });
    expect(s.source).toEqual({
      side: 'source',
      roleArn: base['source-role-arn'],
      accountId: '111111111111',
      identifier: 'app-production',
      input: 'source-cluster',
      kind: 'cluster',
      kmsKeyArn: base['kms-key-id']
    });
    expect(s.kind).toBe('cluster');
    expect(s.target.accountId).toBe('222222222222');
    expect(s.target.kmsKeyArn).toBeUndefined();
    expect(s.instanceCount).toBe(1);
    expect(s.maskingWorkers).toBe(2);
    expect(s.retainSnapshots).toBe(1);
    expect(s.finalSnapshot).toBe('skip');
    expect(s.maskingStrict).toBe(true);
    expect(s.waitTimeoutMinutes).toBe(360);
  });

  it.each([
    ['new', { kind: 'new' }],
    ['latest', { kind: 'latest' }],
    ['rds:app-production-2026-11-28-03-10', { kind: 'named', identifier: 'rds:app-production-2026-11-28-03-10' }],
    [
      'arn:aws:rds:ap-northeast-1:111111111111:cluster-snapshot:manual-1',
      { kind: 'named', identifier: 'manual-1', arn: 'arn:aws:rds:ap-northeast-1:111111111111:cluster-snapshot:manual-1', snapshotKind: 'cluster' }
    ]
  ])('snapshot %s', (value, expected) => {
    expect(settings({ snapshot: value }).snapshot).toEqual(expected);
  });

  it('parses tags and security groups', () => {
    const s = settings({ tags: 'team=data\nenv = staging', 'vpc-security-group-ids': 'sg-0123456789abcdef0, sg-12345678' });
    expect(s.tags).toEqual({ team: 'data', env: 'staging' });
    expect(s.vpcSecurityGroupIds).toEqual(['sg-0123456789abcdef0', 'sg-12345678']);
  });
});

describe('readSettings: refusals name the input and show the expected form', () => {
  it.each<[string, Record<string, string>, RegExp]>([
    ['aws-region', { 'aws-region': '' }, /required/],
    ['aws-region', { 'aws-region': 'tokyo' }, /region such as us-east-1/],
    ['aws-region', { 'aws-region': 'ap-northeast' }, /region/],
    ['mode', { mode: 'deploy' }, /one of sync, preflight, plan, policies/],
    ['source-role-arn', { 'source-role-arn': 'arn:aws:iam::11111111111:role/x' }, /arn:aws:iam::123456789012:role/],
    ['target-role-arn', { 'target-role-arn': 'rds-sync-staging' }, /IAM role ARN/],
    ['target-role-arn', { 'target-role-arn': 'arn:aws:iam::222222222222:user/bob' }, /IAM role ARN/],
    ['source-account-id', { 'source-account-id': '12345' }, /12-digit/],
    ['target-account-id', { 'target-account-id': '22222222222a' }, /12-digit/],
    ['target-account-id', { 'target-account-id': '333333333333' }, /role-arn is in account 222222222222/],
    ['source-cluster', { 'source-cluster': '' }, /required/],
    ['source-cluster', { 'source-cluster': '1app' }, /does not start with a letter/],
    ['target-cluster', { 'target-cluster': 'app--staging' }, /two consecutive hyphens/],
    ['target-cluster', { 'target-cluster': 'app-staging-' }, /ends with a hyphen/],
    ['target-cluster', { 'target-cluster': 'app_staging' }, /letter, digit or hyphen/],
    ['target-cluster', { 'target-cluster': 'a'.repeat(64) }, /64 characters/],
    ['kms-key-id', { 'kms-key-id': '1234abcd-12ab-34cd-56ef-1234567890ab' }, /must be a KMS key ARN.*another account can only name a key by its full ARN/],
    ['kms-key-id', { 'kms-key-id': 'alias/rds-share' }, /must be a KMS key ARN/],
    ['kms-key-id', { 'kms-key-id': 'arn:aws:kms:ap-northeast-1:111111111111:alias/rds-share' }, /must be a KMS key ARN/],
    ['kms-key-id', { 'kms-key-id': 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab' }, /region us-east-1/],
    ['kms-key-id', { 'kms-key-id': 'arn:aws:kms:ap-northeast-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab' }, /belong to the source account/],
    ['target-kms-key-id', { 'target-kms-key-id': 'alias/aws/rds' }, /must be a KMS key ARN/],
    ['snapshot', { snapshot: 'rds:' }, /snapshot identifier or ARN/],
    ['snapshot', { snapshot: 'arn:aws:rds:ap-northeast-1:111111111111:db:x' }, /snapshot ARN such as .*cluster-snapshot:name.*snapshot:name/],
    ['snapshot', { snapshot: 'arn:aws:rds:ap-northeast-1:111111111111:snapshot:x' }, /DB snapshot \(snapshot:\) ARN, but source-cluster names a DB cluster/],
    ['instance-count', { 'instance-count': '0' }, /from 1 to 16/],
    ['instance-count', { 'instance-count': '1.5' }, /whole number/],
    ['masking-workers', { 'masking-workers': '0' }, /from 1 to 16/],
    ['masking-workers', { 'masking-workers': 'all' }, /number from 1 to 16/],
    ['masking-workers', { 'masking-workers': '2.5' }, /whole number/],
    ['wait-timeout-minutes', { 'wait-timeout-minutes': 'soon' }, /number/],
    ['keep-failed-restore', { 'keep-failed-restore': 'yes' }, /'true' or 'false'/],
    ['final-snapshot', { 'final-snapshot': 'always' }, /'skip' or 'take'/],
    ['vpc-security-group-ids', { 'vpc-security-group-ids': 'default' }, /sg-0123456789abcdef0/],
    ['tags', { tags: 'novalue' }, /key=value/],
    ['role-session-name', { 'role-session-name': 'has space' }, /2 to 64/]
  ])('%s: %j', (input, overrides, message) => {
    const e = refusal(overrides);
    expect(e.input).toBe(input);
    expect(e.message).toContain(`Input '${input}'`);
    expect(e.message).toMatch(message);
  });

  it('refuses a target that is the production database itself, always', () => {
    const e = refusal({
      'target-role-arn': 'arn:aws:iam::111111111111:role/other-role',
      'target-cluster': 'app-production'
    });
    expect(e.input).toBe('target-cluster');
    expect(e.message).toMatch(/production database itself/);
  });

  it('allows the same cluster name in another account', () => {
    expect(settings({ 'target-cluster': 'app-production' }).target.identifier).toBe('app-production');
  });
});

describe('readSettings: cluster, instance or detected', () => {
  const instances = { 'source-cluster': '', 'target-cluster': '' };
  it.each([
    [{ 'source-instance': 'app-production-pg', 'target-instance': 'app-staging-pg' }, 'instance', 'source-instance', 'instance'],
    [{ 'source-db': 'app-production-pg', 'target-instance': 'app-staging-pg' }, 'instance', 'source-db', undefined],
    [{ 'source-cluster': 'app-production', 'target-db': 'app-staging' }, 'cluster', 'source-cluster', 'cluster'],
    [{ 'source-db': 'app-production', 'target-db': 'app-staging' }, undefined, 'source-db', undefined],
    [{ 'source-db': 'app-production', 'target-db': 'app-staging', snapshot: 'arn:aws:rds:ap-northeast-1:111111111111:snapshot:nightly' }, 'instance', 'source-db', undefined]
  ])('%j -> kind %s', (overrides, kind, sourceInput, sourceKind) => {
    const s = settings({ ...instances, ...overrides });
    expect(s.kind).toBe(kind);
    expect(s.source.input).toBe(sourceInput);
    expect(s.source.kind).toBe(sourceKind);
  });

  it('refuses no database input, naming all three', () => {
    const e = refusal({ 'source-cluster': '' });
    expect(e.input).toBe('source-cluster');
    expect(e.message).toMatch(/source-instance.*source-db/);
  });

  it('refuses two inputs for one side', () => {
    const e = refusal({ 'source-instance': 'app-production-pg' });
    expect(e.input).toBe('source-instance');
    expect(e.message).toMatch(/source-cluster are both set/);
  });

  it('refuses a cluster restored into an instance', () => {
    const e = refusal({ 'target-cluster': '', 'target-instance': 'app-staging-pg' });
    expect(e.input).toBe('target-instance');
    expect(e.message).toMatch(/DB instance but source-cluster names a DB cluster/);
  });

  it('refuses the production instance itself as the target', () => {
    const e = refusal({ ...instances, 'source-instance': 'db1', 'target-db': 'db1', 'target-role-arn': 'arn:aws:iam::111111111111:role/x' });
    expect(e.input).toBe('target-db');
    expect(e.message).toMatch(/production database itself/);
  });
});
