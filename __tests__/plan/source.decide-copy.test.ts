import { describe, expect, it } from '@jest/globals';
import { decideCopy, keyAdmitsTarget, type CopyFacts } from '../../src/plan/source';
import { rdsIdentifierProblem } from '../../src/rds-rules';
import { copySnapshotIdentifier, copyTags, isSharedWith, newSnapshotIdentifier } from '../../src/plan/naming';
import { judgeExistingCopy, pickLatest, sourceType } from '../../src/plan/snapshot';
import type { SnapshotInfo } from '../../src/aws/snapshots';
import { MANAGED_TAG, RUN_TAG, SOURCE_TAG } from '../../src/context';
import { CMK, OTHER_CMK, AWS_RDS_KEY, PROD, REGION, STAGING, STAGING_ROLE, admittingPolicy, ownerOnlyPolicy } from '../fixtures/source-keys';

const base: CopyFacts = {
  type: 'manual',
  encrypted: true,
  keyArn: OTHER_CMK,
  keyManager: 'CUSTOMER',
  keyAdmitsTarget: true,
  configuredKeyArn: CMK,
  targetAccountId: STAGING,
  sourceAccountId: PROD,
  region: REGION
};

type Row = [string, Partial<CopyFacts>, 'copy' | 'share-as-is' | 'refuse', string | undefined, RegExp];

describe('decideCopy', () => {
  const rows: Row[] = [
    // name, facts, outcome, key used, reason / diagnostic title
    ['manual under an admitting CMK: no copy', {}, 'share-as-is', OTHER_CMK, /admits account 222222222222: no copy needed/],
    ['manual under an admitting CMK, no kms-key-id: no copy', { configuredKeyArn: undefined }, 'share-as-is', OTHER_CMK, /no copy needed/],
    ['automated under an admitting CMK: copy under kms-key-id', { type: 'automated' }, 'copy', CMK, /^automated snapshots cannot be shared$/],
    ['automated under an admitting CMK, no kms-key-id: copy under the same CMK', { type: 'automated', configuredKeyArn: undefined }, 'copy', OTHER_CMK, /cannot be shared/],
    ['manual on aws/rds: copy under kms-key-id', { keyManager: 'AWS', keyArn: AWS_RDS_KEY, keyAdmitsTarget: undefined }, 'copy', CMK, /aws\/rds, whose key policy can never admit another account$/],
    ['automated on aws/rds: copy, both reasons', { type: 'automated', keyManager: 'AWS', keyArn: AWS_RDS_KEY, keyAdmitsTarget: undefined }, 'copy', CMK, /aws\/rds.*and automated snapshots cannot be shared/],
    ['aws/rds without kms-key-id: refuse', { keyManager: 'AWS', keyArn: AWS_RDS_KEY, configuredKeyArn: undefined }, 'refuse', undefined, /customer managed key \(kms-key-id\) is needed/],
    ['manual under a CMK that does not admit the target: copy under kms-key-id', { keyAdmitsTarget: false }, 'copy', CMK, /does not admit account 222222222222$/],
    ['CMK not admitting, no kms-key-id: refuse', { keyAdmitsTarget: false, configuredKeyArn: undefined }, 'refuse', undefined, /does not admit the staging account/],
    ['CMK not admitting and kms-key-id is that key: refuse', { keyAdmitsTarget: false, keyArn: CMK }, 'refuse', undefined, /does not admit the staging account/],
    ['manual, policy unreadable, other kms-key-id: copy to be sure', { keyAdmitsTarget: undefined }, 'copy', CMK, /could not be read/],
    ['manual, policy unreadable, no kms-key-id: share and warn', { keyAdmitsTarget: undefined, configuredKeyArn: undefined }, 'share-as-is', OTHER_CMK, /no copy needed/],
    ['new snapshot of a cluster under an admitting CMK: no copy', { type: 'new', keyArn: CMK }, 'share-as-is', CMK, /no copy needed/],
    ['new snapshot on aws/rds: copy', { type: 'new', keyManager: 'AWS', keyArn: AWS_RDS_KEY }, 'copy', CMK, /aws\/rds/],
    ['unencrypted manual: share as is', { encrypted: false, keyArn: undefined, keyManager: undefined }, 'share-as-is', undefined, /unencrypted snapshot can be shared/],
    ['unencrypted automated: unencrypted copy', { type: 'automated', encrypted: false, keyArn: undefined, keyManager: undefined }, 'copy', undefined, /manual, unencrypted copy/]
  ];

  it.each(rows)('%s', (_name, over, outcome, key, text) => {
    const d = decideCopy({ ...base, ...over });
    expect(d.outcome).toBe(outcome);
    if (d.outcome === 'refuse') {
      expect(d.diagnostic.title).toMatch(text);
      expect(d.diagnostic.fix).toMatch(/mode: policies/);
    } else {
      expect(d.keyArn).toBe(key);
      expect(d.reason).toMatch(text);
    }
  });

  it('says an unencrypted source cannot be encrypted by the copy, and what to do', () => {
    const d = decideCopy({ ...base, encrypted: false, keyArn: undefined, keyManager: undefined });
    expect(d.outcome).toBe('share-as-is');
    const notes = d.outcome === 'refuse' ? [] : d.notes;
    expect(notes.join(' ')).toMatch(/cannot encrypt it/);
    expect(notes.join(' ')).toMatch(/kms-key-id is not used/);
    expect(notes.join(' ')).toMatch(/target-kms-key-id/);
  });

  it('warns when the policy could not be read and nothing is copied', () => {
    const d = decideCopy({ ...base, keyAdmitsTarget: undefined, configuredKeyArn: undefined });
    expect(d.outcome !== 'refuse' && d.notes.join(' ')).toMatch(/could not be read.*KMSKeyNotAccessibleFault/);
  });

  it('notes an unused kms-key-id', () => {
    const d = decideCopy(base);
    expect(d.outcome !== 'refuse' && d.notes.join(' ')).toMatch(/kms-key-id .* is not needed/);
  });
});

describe('keyAdmitsTarget (the one analyser, the shared-key requirements)', () => {
  const policy = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
  const allow = (principal: unknown, action: string | string[], condition?: object) => ({
    Effect: 'Allow',
    Principal: principal,
    Action: action,
    Resource: '*',
    ...(condition ? { Condition: condition } : {})
  });
  const rows: Array<[string, string, boolean, string[]]> = [
    ['the printed policy (account root)', admittingPolicy(), true, []],
    ['the printed policy for the staging role', admittingPolicy(STAGING_ROLE), true, []],
    ['another role of the staging account', admittingPolicy(`arn:aws:iam::${STAGING}:role/someone-else`), false, ['kms:DescribeKey', 'kms:CreateGrant', 'kms:Decrypt']],
    ['owner only', ownerOnlyPolicy, false, ['kms:DescribeKey', 'kms:CreateGrant', 'kms:Decrypt']],
    ['bare account id and kms:*', policy([allow({ AWS: STAGING }, 'kms:*')]), true, []],
    [
      'split over two statements (grant statement separate)',
      policy([
        allow({ AWS: [`arn:aws:iam::${STAGING}:root`] }, ['kms:Decrypt', 'kms:DescribeKey']),
        allow({ AWS: `arn:aws:iam::${STAGING}:root` }, 'kms:CreateGrant', { Bool: { 'kms:GrantIsForAWSResource': 'true' } })
      ]),
      true,
      []
    ],
    ['CreateGrant missing', policy([allow({ AWS: STAGING }, ['kms:Decrypt', 'kms:DescribeKey'])]), false, ['kms:CreateGrant']],
    ['wildcard principal limited to the staging account', policy([allow('*', 'kms:*', { StringEquals: { 'kms:CallerAccount': STAGING, 'kms:ViaService': `rds.${REGION}.amazonaws.com` } })]), true, []],
    [
      'wildcard principal limited to the owner (aws/rds shape)',
      policy([allow({ AWS: '*' }, 'kms:*', { StringEquals: { 'kms:CallerAccount': PROD } })]),
      false,
      ['kms:DescribeKey', 'kms:CreateGrant', 'kms:Decrypt']
    ],
    ['action wildcards', policy([allow({ AWS: STAGING }, ['kms:De*', 'kms:Create*'])]), true, []],
    ['unconditional deny wins', policy([allow({ AWS: STAGING }, 'kms:*'), { Effect: 'Deny', Principal: { AWS: STAGING }, Action: 'kms:CreateGrant', Resource: '*' }]), false, ['kms:CreateGrant']],
    ['single statement object', JSON.stringify({ Statement: allow({ AWS: STAGING }, 'kms:*') }), true, []],
    // ListGrants / RevokeGrant are recommended, not required: never a block.
    [
      'only what the restore needs, to the staging account through RDS',
      policy([allow('*', ['kms:Decrypt', 'kms:DescribeKey', 'kms:CreateGrant'], { StringEquals: { 'kms:CallerAccount': STAGING } })]),
      true,
      []
    ],
    [
      'a Deny for principals outside production',
      policy([
        allow({ AWS: STAGING }, 'kms:*'),
        { Sid: 'OnlyProduction', Effect: 'Deny', Principal: '*', Action: 'kms:Decrypt', Resource: '*', Condition: { StringNotEquals: { 'aws:PrincipalAccount': PROD } } }
      ]),
      false,
      ['kms:Decrypt']
    ],
    ['a near-miss role name admits nobody', admittingPolicy(`arn:aws:iam::${STAGING}:role/rds-sync-stagin`), false, ['kms:DescribeKey', 'kms:CreateGrant', 'kms:Decrypt']]
  ];
  it.each(rows)('%s', (_name, doc, admitted, missing) => {
    const r = keyAdmitsTarget(doc, CMK, STAGING, STAGING_ROLE, REGION);
    expect(r.admitted).toBe(admitted);
    expect(r.missing).toEqual(missing);
  });
  it('an unparseable policy admits nobody', () => {
    expect(keyAdmitsTarget('{not json', CMK, STAGING, STAGING_ROLE, REGION)).toMatchObject({ admitted: false, invalid: true });
  });
});

describe('names', () => {
  it.each([
    ['rds:app-production-2026-11-28-03-10', 'rcas-app-production-2026-11-28-03-10'],
    ['manual-before-upgrade', 'rcas-manual-before-upgrade'],
    ['Upper-Case', 'rcas-upper-case'],
    ['awsbackup:job-1234', 'rcas-awsbackup-job-1234']
  ])('copy of %s is %s', (source, copy) => {
    expect(copySnapshotIdentifier(source)).toBe(copy);
    expect(rdsIdentifierProblem(copy)).toBeUndefined();
  });

  it('copy names of long sources stay valid, distinct and deterministic', () => {
    const a = copySnapshotIdentifier(`rds:${'a'.repeat(40)}-2026-11-28-03-10`);
    const b = copySnapshotIdentifier(`rds:${'a'.repeat(40)}-2026-11-29-03-10`);
    expect(a.length).toBeLessThanOrEqual(63);
    expect(rdsIdentifierProblem(a)).toBeUndefined();
    expect(a).not.toBe(b);
    expect(copySnapshotIdentifier(`rds:${'a'.repeat(40)}-2026-11-28-03-10`)).toBe(a);
  });

  it('a new snapshot is named after the cluster and the run', () => {
    expect(newSnapshotIdentifier('app-production', '1234-2')).toBe('rcas-app-production-1234-2');
  });

  it('copy tags say this action made it, in which run, from which snapshot', () => {
    expect(copyTags('42-1', 'rds:app-2026')).toEqual({ [MANAGED_TAG]: 'true', [RUN_TAG]: '42-1', [SOURCE_TAG]: 'rds:app-2026' });
  });
});

const snap = (over: Partial<SnapshotInfo>): SnapshotInfo => ({
  kind: 'cluster',
  identifier: 'x',
  arn: 'arn:x',
  databaseIdentifier: 'app-production',
  snapshotType: 'manual',
  status: 'available',
  engine: 'aurora-postgresql',
  encrypted: true,
  kmsKeyArn: CMK,
  tags: {},
  ...over
});

describe('pickLatest', () => {
  it('takes the newest available, automated or manual, ignoring unavailable ones and our own copies', () => {
    const list = [
      snap({ identifier: 'rds:app-1', snapshotType: 'automated', createdAt: new Date('2026-11-27T03:00:00Z') }),
      snap({ identifier: 'manual-1', createdAt: new Date('2026-11-27T12:00:00Z') }),
      snap({ identifier: 'manual-creating', status: 'creating', createdAt: new Date('2026-11-28T09:00:00Z') }),
      snap({ identifier: 'rcas-app-2', createdAt: new Date('2026-11-28T08:00:00Z'), tags: { [SOURCE_TAG]: 'rds:app-2' } }),
      snap({ identifier: 'rds:app-2', snapshotType: 'automated', createdAt: new Date('2026-11-28T03:00:00Z') })
    ];
    expect(pickLatest(list)?.identifier).toBe('rds:app-2');
    expect(pickLatest(list.slice(0, 3))?.identifier).toBe('manual-1');
    expect(pickLatest([list[2]])).toBeUndefined();
  });
  it('classifies AWS Backup snapshots as not shareable', () => {
    expect(sourceType(snap({ snapshotType: 'awsbackup', identifier: 'awsbackup:job-1' }))).toBe('automated');
    expect(sourceType(snap({ snapshotType: 'manual' }))).toBe('manual');
  });
});

describe('judgeExistingCopy', () => {
  const expected = { identifier: 'rcas-app-1', sourceIdentifier: 'rds:app-1', kmsKeyArn: CMK, region: REGION };
  const ours = { [MANAGED_TAG]: 'true', [RUN_TAG]: '41-1', [SOURCE_TAG]: 'rds:app-1' };
  it.each([
    ['ours, available: reuse', { tags: ours }, 'reuse'],
    ['ours, still copying: reuse', { tags: ours, status: 'copying', percent: 40 }, 'reuse'],
    ['not tagged by this action: refuse', { tags: {} }, /did not make it/],
    ['ours, from another source: refuse', { tags: { ...ours, [SOURCE_TAG]: 'rds:app-0' } }, /from 'rds:app-0'/],
    ['ours, under another key: refuse', { tags: ours, kmsKeyArn: OTHER_CMK }, /under key/],
    ['ours, failed: refuse', { tags: ours, status: 'failed' }, /'failed'/]
  ] as Array<[string, Partial<SnapshotInfo>, 'reuse' | RegExp]>)('%s', (_n, over, want) => {
    const v = judgeExistingCopy(snap({ identifier: 'rcas-app-1', ...over }), expected);
    if (want === 'reuse') expect(v).toEqual({ reuse: { status: over.status ?? 'available', percent: over.percent } });
    else {
      expect('refuse' in v && v.refuse.message).toMatch(want);
      expect('refuse' in v && v.refuse.fix).toMatch(/rcas-app-1/);
    }
  });
});

describe('isSharedWith', () => {
  it.each([
    [[], false],
    [['333333333333'], false],
    [[STAGING], true],
    [['all'], true]
  ] as Array<[string[], boolean]>)('%j -> %s', (values, shared) => {
    expect(isSharedWith(values, STAGING)).toBe(shared);
  });
});
