import { describe, expect, it } from '@jest/globals';
import { KMSServiceException, MalformedPolicyDocumentException, NotFoundException } from '@aws-sdk/client-kms';
import {
  DBClusterSnapshotAlreadyExistsFault,
  InvalidDBClusterSnapshotStateFault,
  InvalidDBClusterStateFault,
  KMSKeyNotAccessibleFault,
  SharedSnapshotQuotaExceededFault,
  SnapshotQuotaExceededFault
} from '@aws-sdk/client-rds';
import { IDPRejectedClaimException, STSServiceException } from '@aws-sdk/client-sts';
import { CredentialsError } from '../../src/accounts';
import { diagnoseError } from '../../src/diagnostics/faults';
import { DiagnosedError } from '../../src/errors';
import { CMK, SOURCE_ROLE, SRC, TARGET_KEY, TARGET_ROLE, TGT, accessDeniedMessage, makeContext } from '../fixtures/diagnostics';

const meta = { $metadata: { requestId: 'req-1' } };
const ctx = makeContext({ 'target-kms-key-id': TARGET_KEY });

/** Every JSON block in a fix parses: what users paste must be valid JSON. */
function jsonBlocks(fix: string): unknown[] {
  const blocks: unknown[] = [];
  const lines = fix.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '[' && lines[i] !== '{') continue;
    const close = lines[i] === '[' ? ']' : '}';
    const end = lines.indexOf(close, i);
    blocks.push(JSON.parse(lines.slice(i, end + 1).join('\n')));
    i = end;
  }
  return blocks;
}

describe('diagnoseError', () => {
  it('KMSKeyNotAccessibleFault on the shared key: key policy and IAM statements with the real ARNs', () => {
    const e = new KMSKeyNotAccessibleFault({
      message: `The specified KMS key [${CMK}] does not exist, is not enabled or you do not have permissions to access it.`,
      ...meta
    });
    const ds = diagnoseError(e, ctx);
    expect(ds).toHaveLength(1);
    const [d] = ds;
    expect(d.severity).toBe('error');
    expect(d.title).toBe('KMS key not accessible: the shared snapshot key');
    expect(d.message).toContain(`Key ${CMK} (account ${SRC})`);
    expect(d.message).toContain(`principal ${TARGET_ROLE} (account ${TGT})`);
    expect(d.message).toContain('aws/rds');
    expect(d.fix).toContain(`Add to the key policy of ${CMK} (account ${SRC})`);
    expect(d.fix).toContain(`Add to the IAM policy of ${TARGET_ROLE} (account ${TGT})`);
    const blocks = jsonBlocks(d.fix!);
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    const [keyPolicy, iam] = blocks as [Array<Record<string, unknown>>, { Statement: Array<Record<string, unknown>> }];
    expect(keyPolicy[0]).toMatchObject({ Principal: { AWS: TARGET_ROLE }, Effect: 'Allow' });
    expect(keyPolicy[1]).toMatchObject({ Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } });
    // Least privilege: exactly what the restore needs, from the one table.
    expect(iam.Statement[0]).toMatchObject({ Resource: CMK, Action: ['kms:DescribeKey', 'kms:CreateGrant', 'kms:Decrypt'] });
    expect(d.fix).toContain('resource "aws_iam_role_policy"');
  });

  it('KMSKeyNotAccessibleFault on the target key names the target key and role', () => {
    const e = new KMSKeyNotAccessibleFault({ message: `The specified KMS key [${TARGET_KEY}] does not exist`, ...meta });
    const [d] = diagnoseError(e, ctx);
    expect(d.title).toBe('KMS key not accessible: the target key');
    expect(d.fix).toContain(`Add to the key policy of ${TARGET_KEY} (account ${TGT})`);
    expect(d.fix).toContain(`"Resource": "${TARGET_KEY}"`);
  });

  it("KMS AccessDeniedException: the message's wording does not pick the side (preflight decides), both halves are shown", () => {
    for (const side of ['identity', 'resource'] as const) {
      const e = new KMSServiceException({ name: 'AccessDeniedException', $fault: 'client', message: accessDeniedMessage('kms:CreateGrant', CMK, side), ...meta });
      const [d] = diagnoseError(e, ctx);
      expect(d.title).toBe(`KMS refused kms:CreateGrant on ${CMK}`);
      expect(d.message).toContain(`Principal ${TARGET_ROLE} (account ${TGT})`);
      expect(d.message).toContain('mode: preflight');
      expect(d.fix).toContain(`Add to the IAM policy of ${TARGET_ROLE}`);
      expect(d.fix).toContain('Add to the key policy');
    }
  });

  it('KMS AccessDeniedException from the key policy shows the key policy statements', () => {
    const e = new KMSServiceException({ name: 'AccessDeniedException', $fault: 'client', message: accessDeniedMessage('kms:Decrypt', CMK, 'resource'), ...meta });
    const [d] = diagnoseError(e, ctx);
    expect(d.fix).toContain(`Add to the key policy of ${CMK}`);
    expect(d.fix).toContain(TARGET_ROLE);
  });

  it('MalformedPolicyDocumentException (lock-out) shows the admin statement and a complete policy', () => {
    const e = new MalformedPolicyDocumentException({ message: 'The new key policy will not allow you to update the key policy in the future.', ...meta });
    const [d] = diagnoseError(e, ctx);
    expect(d.title).toBe('Key policy would lock the key out (KMS safety check)');
    const blocks = jsonBlocks(d.fix!) as Array<Record<string, unknown>>;
    expect(blocks[0]).toEqual({
      Sid: 'EnableIAMPoliciesAndKeyAdministration',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${SRC}:root` },
      Action: 'kms:*',
      Resource: '*'
    });
    expect((blocks[1] as { Statement: unknown[] }).Statement).toHaveLength(3);
  });

  it('MalformedPolicyDocumentException for an unknown principal says to create the role first', () => {
    const e = new MalformedPolicyDocumentException({ message: 'Policy contains a statement with one or more invalid principals.', ...meta });
    expect(diagnoseError(e, ctx)[0].title).toBe('Key policy names a principal that does not exist (yet)');
  });

  it.each([
    [new InvalidDBClusterSnapshotStateFault({ message: 'Snapshot is not available', ...meta }), 'Snapshot not in a usable state', 'resumes'],
    [new SnapshotQuotaExceededFault({ message: 'Cannot create more than 100 manual snapshots', ...meta }), 'Manual snapshot quota reached', 'retain-snapshots'],
    [new DBClusterSnapshotAlreadyExistsFault({ message: 'Snapshot app-copy already exists', ...meta }), 'A snapshot with that name already exists', 'rds-cross-account-sync:managed'],
    [new SharedSnapshotQuotaExceededFault({ message: 'shared with too many accounts', ...meta }), 'Snapshot shared with too many accounts', '--values-to-remove'],
    [
      new InvalidDBClusterStateFault({ message: 'Cluster cannot be deleted, it still contains DB instances in non-deleting state.', ...meta }),
      'Cluster cannot be deleted in its current state',
      '--no-deletion-protection'
    ],
    [new NotFoundException({ message: `Key '${CMK}' does not exist`, ...meta }), 'KMS key not found', `aws kms describe-key --key-id ${CMK}`]
  ])('%p', (e, title, inFix) => {
    const ds = diagnoseError(e, ctx);
    expect(ds).toHaveLength(1);
    expect(ds[0].title).toBe(title);
    expect(ds[0].severity).toBe('error');
    expect(ds[0].message).toContain((e as Error).message);
    expect(ds[0].fix).toContain(inFix);
  });

  it('the quota faults also match the wire code when the SDK has no class for it', () => {
    const e = Object.assign(new Error('quota'), { name: 'SnapshotQuotaExceeded', $metadata: {} });
    expect(diagnoseError(e, ctx)[0].title).toBe('Manual snapshot quota reached');
  });

  it('STS refusals explain the trust policy, restricted to this repository', () => {
    process.env.GITHUB_REPOSITORY = 'acme/shop';
    process.env.GITHUB_REF = 'refs/heads/main';
    try {
      const e = new STSServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        message: `User: arn:aws:sts::${TGT}:assumed-role/runner/x is not authorized to perform: sts:AssumeRole on resource: ${SOURCE_ROLE}`,
        ...meta
      });
      const [d] = diagnoseError(e, ctx);
      expect(d.title).toBe('STS refused: AccessDenied');
      const [trust] = jsonBlocks(d.fix!) as Array<{ Statement: Array<{ Condition: { StringEquals: Record<string, string> }; Principal: { Federated: string } }> }>;
      expect(trust.Statement[0].Principal.Federated).toBe(`arn:aws:iam::${SRC}:oidc-provider/token.actions.githubusercontent.com`);
      expect(trust.Statement[0].Condition.StringEquals['token.actions.githubusercontent.com:sub']).toBe('repo:acme/shop:ref:refs/heads/main');

      const claim = diagnoseError(new IDPRejectedClaimException({ message: 'Not authorized', ...meta }), ctx);
      expect(claim[0].message).toContain('trust policy does not accept');

      const cred = diagnoseError(new CredentialsError('STS AssumeRoleWithWebIdentity for the target account failed', 'STS refused AssumeRoleWithWebIdentity (target)', 'target'), ctx);
      expect(cred[0].fix).toContain(`oidc-provider/token.actions.githubusercontent.com`);
      expect(cred[0].fix).toContain(`arn:aws:iam::${TGT}:`);
    } finally {
      delete process.env.GITHUB_REPOSITORY;
      delete process.env.GITHUB_REF;
    }
  });

  it('an IAM refusal of an RDS action names the statement to add', () => {
    const e = new STSServiceException({
      name: 'AccessDenied',
      $fault: 'client',
      message: `User: arn:aws:sts::${TGT}:assumed-role/staging-dbsync/s is not authorized to perform: rds:RestoreDBClusterFromSnapshot on resource: arn:aws:rds:ap-northeast-1:${TGT}:cluster:app-staging-new because no identity-based policy allows the rds:RestoreDBClusterFromSnapshot action`,
      ...meta
    });
    const [d] = diagnoseError(e, ctx);
    expect(d.title).toBe('Access denied: rds:RestoreDBClusterFromSnapshot');
    expect(jsonBlocks(d.fix!)[0]).toEqual({
      Effect: 'Allow',
      Action: 'rds:RestoreDBClusterFromSnapshot',
      Resource: `arn:aws:rds:ap-northeast-1:${TGT}:cluster:app-staging-new`
    });
  });

  it('DiagnosedError passes through; unknown errors still give one clear diagnostic', () => {
    const known = new DiagnosedError({ title: 't', message: 'm' });
    expect(diagnoseError(known, ctx)).toBe(known.diagnostics);
    const [u] = diagnoseError(new TypeError('x is undefined'), undefined);
    expect(u).toMatchObject({ title: 'Unexpected error: TypeError', message: 'x is undefined', severity: 'error' });
    const [a] = diagnoseError(Object.assign(new Error('boom'), { name: 'ThrottlingException', $metadata: { requestId: 'r-9' } }), ctx);
    expect(a.title).toBe('AWS error ThrottlingException');
    expect(a.message).toContain('r-9');
  });

  it('without a context a KMS fault still explains and points to mode: policies', () => {
    const [d] = diagnoseError(new KMSKeyNotAccessibleFault({ message: 'no access', ...meta }), undefined);
    expect(d.title).toBe('KMS key not accessible');
    expect(d.fix).toContain('mode: policies');
  });
});
