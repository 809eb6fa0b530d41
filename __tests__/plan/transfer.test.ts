import { describe, expect, it } from '@jest/globals';
import { decideTransfer, describeTransfer, type TransferFacts } from '../../src/plan/transfer';
import { readSettings } from '../../src/settings';

const region = 'ap-northeast-1';
const ok: TransferFacts = {
  requested: 'auto',
  kind: 'cluster',
  region,
  targetIdentifier: 'app-staging',
  source: {
    identifier: 'app-production',
    arn: `arn:aws:rds:${region}:111111111111:cluster:app-production`,
    status: 'available',
    engineMode: 'provisioned',
    region,
    instances: 2,
    encrypted: true,
    kmsKeyArn: `arn:aws:kms:${region}:111111111111:key/k`,
    keyManager: 'CUSTOMER'
  },
  keyPolicy: { ok: true, missing: [], denied: [], undecided: [] }
};
const withSource = (s: Partial<NonNullable<TransferFacts['source']>>, more: Partial<TransferFacts> = {}): TransferFacts => ({ ...ok, ...more, source: { ...ok.source!, ...s } });

describe('decideTransfer', () => {
  it('snapshot is snapshot, whatever the facts', () => {
    expect(decideTransfer({ ...ok, requested: 'snapshot' })).toEqual({ method: 'snapshot', requested: 'snapshot', reasons: ['transfer: snapshot'] });
  });

  it('auto clones when every precondition holds, and says so', () => {
    const d = decideTransfer(ok);
    expect(d).toMatchObject({ method: 'clone', requested: 'auto' });
    expect(describeTransfer(d as never)[0]).toMatch(/clone through AWS RAM \(auto: every precondition holds\)/);
  });

  const table: Array<[string, TransferFacts, RegExp]> = [
    ['an RDS DB instance', { ...ok, kind: 'instance', source: undefined }, /RDS DB instance/],
    ['aws/rds', withSource({ keyManager: 'AWS', kmsKeyArn: `arn:aws:kms:${region}:111111111111:key/aws-rds` }), /aws\/rds/],
    ['Serverless v1', withSource({ engineMode: 'serverless' }), /Serverless v1/],
    ['another region', withSource({ region: 'us-east-1', arn: 'arn:aws:rds:us-east-1:111111111111:cluster:app-production' }), /us-east-1 and staging in ap-northeast-1/],
    ['unencrypted', withSource({ encrypted: false, kmsKeyArn: undefined, keyManager: undefined }), /not encrypted/],
    ['a key policy without staging', { ...ok, keyPolicy: { ok: false, missing: ['kms:CreateGrant'], denied: [], undecided: [] } }, /does not allow kms:CreateGrant/],
    ['a key policy that denies', { ...ok, keyPolicy: { ok: false, missing: [], denied: ['kms:Decrypt'], undecided: [] } }, /denies kms:Decrypt/],
    ['an unreadable key policy', { ...ok, keyPolicy: { ok: false, missing: [], denied: [], undecided: [], unreadable: 'AccessDeniedException' } }, /could not be read \(AccessDeniedException\)/],
    ['no key policy read', { ...ok, keyPolicy: undefined }, /was not read/],
    ['no instance', withSource({ instances: 0 }), /no DB instance/],
    ['not available', withSource({ status: 'modifying' }), /'modifying'/],
    ['a named snapshot', { ...ok, snapshotNamed: true }, /snapshot input names a snapshot/],
    ['staging already a clone', { ...ok, stagingIsCrossAccountClone: true }, /one cross-account clone of a cluster per account/]
  ];

  it.each(table)('auto falls back to snapshot for %s, saying why', (_name, facts, why) => {
    const d = decideTransfer(facts);
    expect(d).toMatchObject({ method: 'snapshot', requested: 'auto' });
    const reasons = (d as { reasons: string[] }).reasons;
    expect(reasons.join('\n')).toMatch(why);
    expect(describeTransfer(d as never)[0]).toMatch(/^Transfer: snapshot \(auto: cannot clone because /);
  });

  it.each(table)('clone refuses %s with a titled diagnostic and a fix', (_name, facts, why) => {
    const d = decideTransfer({ ...facts, requested: 'clone' });
    expect('refused' in d).toBe(true);
    const refused = (d as { refused: Array<{ title: string; message: string; fix?: string }> }).refused;
    expect(refused.map(r => r.message).join('\n')).toMatch(why);
    for (const r of refused) {
      expect(r.title).toMatch(/^transfer: clone: /);
      expect(r.fix).toBeTruthy();
    }
  });

  it('lists every failed precondition, not only the first', () => {
    const d = decideTransfer(withSource({ engineMode: 'serverless', instances: 0 }));
    expect((d as { reasons: string[] }).reasons).toHaveLength(2);
  });
});

describe('transfer inputs', () => {
  const base: Record<string, string> = { 'aws-region': region, 'source-cluster': 'app-production', 'target-cluster': 'app-staging' };
  const read = (extra: Record<string, string>) => readSettings(n => ({ ...base, ...extra })[n] ?? '');

  it('defaults to snapshot and keeps the share', () => {
    expect(read({})).toMatchObject({ transfer: 'snapshot', cloneShare: 'keep' });
    expect(read({ transfer: 'auto', 'clone-share': 'remove' })).toMatchObject({ transfer: 'auto', cloneShare: 'remove' });
  });

  it.each([
    [{ transfer: 'copy' }, /Input 'transfer' must be one of snapshot, clone, auto; got 'copy'/],
    [{ transfer: 'clone', 'source-cluster': '', 'source-instance': 'db1', 'target-cluster': '', 'target-instance': 'db2' }, /Input 'transfer' is clone, but source-instance names an RDS DB instance/],
    [{ transfer: 'clone', snapshot: 'my-snap' }, /Input 'transfer' is clone, but snapshot names my-snap/],
    [{ 'clone-share': 'delete' }, /Input 'clone-share' must be 'keep' or 'remove'; got 'delete'/]
  ])('refuses %j naming the input', (extra, message) => {
    expect(() => read(extra)).toThrow(message);
  });
});
