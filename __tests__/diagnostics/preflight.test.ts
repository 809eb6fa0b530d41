import { describe, expect, it } from '@jest/globals';
import { CreateGrantCommand, DescribeKeyCommand, GetKeyPolicyCommand, KMSServiceException, RetireGrantCommand, RevokeGrantCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { preflight } from '../../src/diagnostics/preflight';
import { sharedKeyPolicy } from '../../src/diagnostics/policy-templates';
import { DiagnosedError } from '../../src/errors';
import type { SourcePlan } from '../../src/types';
import { AWS_RDS_KEY, CMK, PARAMS, ROOT_ADMIN, SRC, TARGET_KEY, TARGET_ROLE, TGT, accessDeniedMessage, makeContext, minimalPolicy } from '../fixtures/diagnostics';
import { quietStdout } from '../helpers/stdout';

quietStdout();

function plan(keyManager: 'AWS' | 'CUSTOMER', copyUnder?: string): SourcePlan {
  const snapshotKey = keyManager === 'AWS' ? AWS_RDS_KEY : CMK;
  return {
    snapshot: {
      kind: 'cluster',
      identifier: 'rds:app-production-2024-05-01-00-00',
      arn: `arn:aws:rds:ap-northeast-1:${SRC}:cluster-snapshot:rds:app-production-2024-05-01-00-00`,
      type: 'automated',
      status: 'available',
      engine: 'aurora-postgresql',
      encrypted: true,
      kmsKeyArn: snapshotKey,
      keyManager
    },
    copy: copyUnder ? { needed: true, reason: 'automated', identifier: 'app-production-2024-05-01-00-00', kmsKeyArn: copyUnder } : { needed: false, reason: 'manual under a CMK' },
    shared: {
      identifier: 'app-production-2024-05-01-00-00',
      arn: `arn:aws:rds:ap-northeast-1:${SRC}:cluster-snapshot:app-production-2024-05-01-00-00`,
      kmsKeyArn: copyUnder ?? snapshotKey,
      alreadyShared: false
    }
  };
}

const denied = (action: string, resource: string, side: 'identity' | 'resource') =>
  new KMSServiceException({ name: 'AccessDeniedException', $fault: 'client', message: accessDeniedMessage(action, resource, side), $metadata: {} });

function setup(inputs: Record<string, string> = {}) {
  const ctx = makeContext(inputs);
  const sourceKms = mockClient(ctx.accounts.source.kms);
  const targetKms = mockClient(ctx.accounts.target.kms);
  return { ctx, sourceKms, targetKms };
}

async function failure(p: Promise<void>): Promise<DiagnosedError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DiagnosedError) return e;
    throw e;
  }
  throw new Error('preflight passed but should have failed');
}

describe('preflight', () => {
  it('fails when the snapshot is under aws/rds and no kms-key-id is given, with the key policy to create', async () => {
    const { ctx, sourceKms, targetKms } = setup({ 'kms-key-id': '' });
    const e = await failure(preflight(ctx, plan('AWS')));
    expect(e.diagnostics).toHaveLength(1);
    const [d] = e.diagnostics;
    expect(d.title).toBe('Production snapshot is encrypted with aws/rds and kms-key-id is not set');
    expect(d.message).toContain('can never be changed');
    expect(d.fix).toContain('aws kms create-key');
    expect(d.fix).toContain(JSON.stringify(sharedKeyPolicy({ ...PARAMS, source: { ...PARAMS.source, keyArn: undefined } }), null, 2));
    expect(targetKms.calls()).toHaveLength(0);
    expect(sourceKms.calls()).toHaveLength(0);
  });

  it('passes for a good CMK: reads the policy, probes as the target role, retires the probe grant', async () => {
    const { ctx, sourceKms, targetKms } = setup();
    sourceKms.on(GetKeyPolicyCommand).resolves({ Policy: JSON.stringify(sharedKeyPolicy(PARAMS)) });
    targetKms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: CMK, KeyManager: 'CUSTOMER', KeyState: 'Enabled' } });
    targetKms.on(CreateGrantCommand).resolves({ GrantId: 'grant-123' });
    targetKms.on(RetireGrantCommand).resolves({});

    await preflight(ctx, plan('AWS', CMK));

    expect(sourceKms.commandCalls(GetKeyPolicyCommand)[0].args[0].input).toEqual({ KeyId: CMK, PolicyName: 'default' });
    const grant = targetKms.commandCalls(CreateGrantCommand)[0].args[0].input;
    expect(grant).toMatchObject({ KeyId: CMK, GranteePrincipal: TARGET_ROLE, RetiringPrincipal: TARGET_ROLE, Operations: ['Decrypt', 'DescribeKey'] });
    expect(targetKms.commandCalls(RetireGrantCommand)[0].args[0].input).toEqual({ KeyId: CMK, GrantId: 'grant-123' });
    expect(ctx.report.diagnostics.filter(d => (d.severity ?? 'error') === 'error')).toEqual([]);
    expect(ctx.report.facts).toContainEqual(['Preflight', 'KMS access checked: nothing blocks the run']);
    expect(ctx.report.facts.map(f => f[0])).toContain('Grant probe on the shared snapshot key');
    // What was not checked is said, not hidden: in a sync, in the log and the summary (no annotation on a healthy run).
    expect(ctx.report.facts.map(f => f[0])).toContain("Not checked: the roles' RDS permissions");
    expect(ctx.report.diagnostics.filter(d => d.severity === 'notice')).toEqual([]);
  });

  it('fails when the CMK does not admit the target, with the statements to add', async () => {
    const { ctx, sourceKms, targetKms } = setup();
    sourceKms.on(GetKeyPolicyCommand).resolves({ Policy: JSON.stringify({ Version: '2012-10-17', Statement: [ROOT_ADMIN] }) });
    targetKms.on(DescribeKeyCommand).rejects(denied('kms:DescribeKey', CMK, 'resource'));
    targetKms.on(CreateGrantCommand).rejects(denied('kms:CreateGrant', CMK, 'resource'));

    const e = await failure(preflight(ctx, plan('AWS', CMK)));
    const [d] = e.diagnostics;
    expect(d.title).toBe(`Key policy of the shared snapshot key does not admit ${TARGET_ROLE} for kms:DescribeKey, kms:CreateGrant, kms:Decrypt`);
    expect(e.diagnostics).toHaveLength(1);
    expect(d.message).toContain(`${TARGET_ROLE} (account ${TGT})`);
    expect(d.message).toContain('kms:Decrypt: no statement allows it');
    expect(d.fix).toContain(`Add to the key policy of ${CMK} (account ${SRC})`);
    expect(d.fix).toContain('"AllowStagingUseOfTheKey"');
    expect(d.fix).not.toContain('"kms:*"');
    expect(targetKms.commandCalls(RetireGrantCommand)).toHaveLength(0);
  });

  it("explains a probe refused by the target role's IAM policy although the key policy admits its account", async () => {
    const { ctx, sourceKms, targetKms } = setup();
    sourceKms.on(GetKeyPolicyCommand).resolves({ Policy: JSON.stringify(minimalPolicy({ AWS: `arn:aws:iam::${TGT}:root` })) });
    targetKms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: CMK, KeyManager: 'CUSTOMER', KeyState: 'Enabled' } });
    targetKms.on(CreateGrantCommand).rejects(denied('kms:CreateGrant', CMK, 'identity'));

    const e = await failure(preflight(ctx, plan('CUSTOMER')));
    const [d] = e.diagnostics;
    expect(d.title).toBe(`The IAM policy of ${TARGET_ROLE} does not allow kms:CreateGrant on the shared snapshot key`);
    expect(d.message).toContain("the role's own IAM side is the missing half");
    expect(d.message).toContain("(to the account root: the role's IAM policy must allow it too)");
    expect(d.fix).toContain(`Add to the IAM policy of ${TARGET_ROLE} (account ${TGT})`);
    expect(d.fix).toContain('resource "aws_iam_role_policy" "rds_cross_account_sync_kms"');
    expect(d.fix).not.toContain('Add to the key policy');
  });

  it('when the key policy cannot be read, the probe decides and the gap is said', async () => {
    const { ctx, sourceKms, targetKms } = setup();
    sourceKms.on(GetKeyPolicyCommand).rejects(denied('kms:GetKeyPolicy', CMK, 'identity'));
    targetKms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: CMK, KeyManager: 'CUSTOMER', KeyState: 'Enabled' } });
    targetKms.on(CreateGrantCommand).resolves({ GrantId: 'g' });
    targetKms.on(RetireGrantCommand).resolves({});
    await preflight(ctx, plan('CUSTOMER'));
    const warning = ctx.report.diagnostics.find(d => d.title === 'Key policy of the shared snapshot key not analysed');
    expect(warning?.severity).toBe('warning');
    expect(warning?.message).toContain('allow kms:GetKeyPolicy');
    expect(warning?.message).toContain('The probe against KMS decided instead');
  });

  it('reports a probe grant it could not remove', async () => {
    const { ctx, sourceKms, targetKms } = setup();
    sourceKms.on(GetKeyPolicyCommand).resolves({ Policy: JSON.stringify(sharedKeyPolicy(PARAMS)) });
    targetKms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: CMK, KeyManager: 'CUSTOMER', KeyState: 'Enabled' } });
    targetKms.on(CreateGrantCommand).resolves({ GrantId: 'grant-9' });
    targetKms.on(RetireGrantCommand).rejects(denied('kms:RetireGrant', CMK, 'identity'));
    targetKms.on(RevokeGrantCommand).rejects(denied('kms:RevokeGrant', CMK, 'resource'));
    await preflight(ctx, plan('CUSTOMER'));
    const left = ctx.report.diagnostics.find(d => d.title === 'Preflight grant left on the key');
    expect(left?.fix).toBe(`aws kms revoke-grant --key-id ${CMK} --grant-id grant-9`);
  });

  it('checks the target key with the target role, and blocks on a disabled key', async () => {
    const { ctx, sourceKms, targetKms } = setup({ 'target-kms-key-id': TARGET_KEY });
    sourceKms.on(GetKeyPolicyCommand).resolves({ Policy: JSON.stringify(sharedKeyPolicy(PARAMS)) });
    targetKms.on(DescribeKeyCommand, { KeyId: CMK }).resolves({ KeyMetadata: { KeyId: CMK, KeyManager: 'CUSTOMER', KeyState: 'Enabled' } });
    targetKms.on(CreateGrantCommand, { KeyId: CMK }).resolves({ GrantId: 'g1' });
    targetKms.on(RetireGrantCommand).resolves({});
    targetKms.on(GetKeyPolicyCommand, { KeyId: TARGET_KEY }).resolves({ Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ ...ROOT_ADMIN, Principal: { AWS: `arn:aws:iam::${TGT}:root` } }] }) });
    targetKms.on(DescribeKeyCommand, { KeyId: TARGET_KEY }).resolves({ KeyMetadata: { KeyId: TARGET_KEY, KeyManager: 'CUSTOMER', KeyState: 'Disabled' } });

    const e = await failure(preflight(ctx, plan('CUSTOMER')));
    expect(e.diagnostics.map(d => d.title)).toEqual(['The target key is Disabled']);
    expect(e.diagnostics[0].fix).toBe(`aws kms enable-key --key-id ${TARGET_KEY}`);
    expect(targetKms.commandCalls(CreateGrantCommand).map(c => c.args[0].input.KeyId)).toEqual([CMK]);
  });

  it('does not probe an unencrypted snapshot', async () => {
    const { ctx, sourceKms, targetKms } = setup({ 'kms-key-id': '' });
    const p = plan('CUSTOMER');
    p.snapshot = { ...p.snapshot, encrypted: false, kmsKeyArn: undefined, keyManager: undefined };
    p.shared = { ...p.shared, kmsKeyArn: undefined };
    await preflight(ctx, p);
    expect(sourceKms.calls()).toHaveLength(0);
    expect(targetKms.calls()).toHaveLength(0);
    expect(ctx.report.facts.map(f => f[1])).toContain(`${p.snapshot.identifier} is not encrypted: sharing needs no key`);
  });
});
