import { describe, expect, it } from '@jest/globals';
import type { PolicyDocument } from '../../src/diagnostics/policy-json';
import { policyParamsFromSettings, sourceRolePolicy, targetRolePolicy } from '../../src/diagnostics/policy-templates';
import { readSettings } from '../../src/settings';

const SRC = '111111111111';
const TGT = '222222222222';
function params(extra: Record<string, string>) {
  const table: Record<string, string> = {
    'aws-region': 'ap-northeast-1',
    mode: 'policies',
    'source-role-arn': `arn:aws:iam::${SRC}:role/rds-sync-production`,
    'target-role-arn': `arn:aws:iam::${TGT}:role/rds-sync-staging`,
    'source-cluster': 'app-production',
    'target-cluster': 'app-staging',
    ...extra
  };
  return policyParamsFromSettings(readSettings(n => table[n] ?? '')).params!;
}
const actions = (d: PolicyDocument) => (d.Statement as Array<{ Action: string | string[] }>).flatMap(s => (Array.isArray(s.Action) ? s.Action : [s.Action]));

describe('mode: policies with the clone transfer', () => {
  it.each(['clone', 'auto'])('transfer %s: RAM for production, the invitation and the clone for staging', transfer => {
    const p = params({ transfer });
    expect(actions(sourceRolePolicy(p))).toEqual(expect.arrayContaining(['ram:CreateResourceShare', 'ram:AssociateResourceShare', 'ram:GetResourceShares', 'ram:TagResource', 'ram:DeleteResourceShare']));
    const target = targetRolePolicy(p);
    expect(actions(target)).toEqual(expect.arrayContaining(['ram:GetResourceShareInvitations', 'ram:AcceptResourceShareInvitation', 'rds:RestoreDBClusterToPointInTime']));
    const clone = (target.Statement as Array<{ Sid?: string; Resource: string[] }>).find(s => s.Sid === 'CloneTheSharedCluster')!;
    expect(clone.Resource).toContain(`arn:aws:rds:ap-northeast-1:${SRC}:cluster:app-production`);
  });

  it('transfer snapshot (the default) adds nothing', () => {
    const p = params({});
    expect(actions(sourceRolePolicy(p)).filter(a => a.startsWith('ram:'))).toEqual([]);
    expect(actions(targetRolePolicy(p))).not.toContain('rds:RestoreDBClusterToPointInTime');
  });
});
