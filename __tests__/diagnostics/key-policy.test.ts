import { describe, expect, it } from '@jest/globals';
import { judgeKeyAccess, type KeyRemedy } from '../../src/diagnostics/key-access';
import { analyzeKeyPolicy, direct, evaluateAction, parseKeyPolicy, viaRds, wildcardMatch, type Decision } from '../../src/diagnostics/key-policy';
import { sharedKeyPolicy, targetKeyPolicyStatements, targetRoleSharedKeyStatements } from '../../src/diagnostics/policy-templates';
import type { KeyProbe } from '../../src/diagnostics/probe';
import { parseRefusal } from '../../src/diagnostics/access-denied';
import { AWS_RDS_POLICY, CMK, PARAMS, REGION, ROOT_ADMIN, TARGET_ROLE, TGT, accessDeniedMessage, minimalPolicy } from './fixtures';

const RDS = viaRds(TARGET_ROLE, TGT, REGION);
const DIRECT = direct(TARGET_ROLE, TGT);
const ALL = [
  'kms:Decrypt',
  'kms:DescribeKey',
  'kms:CreateGrant',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:ListGrants',
  'kms:RevokeGrant'
];

const REMEDY: KeyRemedy = {
  keyArn: CMK,
  keyAccount: '111122223333',
  keyPolicy: targetKeyPolicyStatements(PARAMS),
  principalArn: TARGET_ROLE,
  principalAccount: TGT,
  iam: targetRoleSharedKeyStatements(PARAMS)
};

type ProbeShape = 'ok' | 'grant-denied-resource' | 'grant-denied-identity' | 'describe-denied-resource';

function probe(shape: ProbeShape, keyManager = 'CUSTOMER'): KeyProbe {
  const denied = (action: string, side: 'identity' | 'resource') => {
    const message = accessDeniedMessage(action, CMK, side);
    return { ok: false as const, code: 'AccessDeniedException', message, refusal: parseRefusal(message) };
  };
  const base: KeyProbe = {
    keyArn: CMK,
    granteeArn: TARGET_ROLE,
    describe: { ok: true, keyManager, keyState: 'Enabled' },
    grant: { ok: true },
    cleanup: { ok: true },
    grantId: 'g-1'
  };
  if (shape === 'grant-denied-resource') return { ...base, grant: denied('kms:CreateGrant', 'resource'), cleanup: { ok: 'skipped', why: 'no grant' } };
  if (shape === 'grant-denied-identity') return { ...base, grant: denied('kms:CreateGrant', 'identity'), cleanup: { ok: 'skipped', why: 'no grant' } };
  if (shape === 'describe-denied-resource')
    return { ...base, describe: denied('kms:DescribeKey', 'resource'), grant: denied('kms:CreateGrant', 'resource'), cleanup: { ok: 'skipped', why: 'no grant' } };
  return base;
}

interface Case {
  name: string;
  policy: unknown;
  missing?: string[];
  denied?: string[];
  undecided?: string[];
  grantedTo?: 'principal' | 'everyone' | 'account';
  probe: ProbeShape;
  status: 'ok' | 'blocked';
  side?: 'key-policy' | 'iam' | 'both';
  /** Text the verdict's diagnostics must contain (title, message or fix). */
  says: string[];
}

const cases: Case[] = [
  {
    name: 'the aws/rds managed policy: admits only its own account, through RDS',
    policy: AWS_RDS_POLICY,
    missing: ALL,
    probe: 'describe-denied-resource',
    status: 'blocked',
    side: 'key-policy',
    says: ['KMS refused DescribeKey', '"Sid": "AllowStagingUseOfTheKey"', TARGET_ROLE]
  },
  {
    name: 'the minimal correct CMK policy',
    policy: minimalPolicy(),
    grantedTo: 'principal',
    probe: 'ok',
    status: 'ok',
    says: ['IAM side of the shared snapshot key partly checked']
  },
  {
    name: 'the generated key policy (what mode: policies prints)',
    policy: sharedKeyPolicy(PARAMS),
    grantedTo: 'principal',
    probe: 'ok',
    status: 'ok',
    says: []
  },
  {
    name: 'a policy missing kms:CreateGrant',
    policy: minimalPolicy(undefined, ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'], ['kms:ListGrants', 'kms:RevokeGrant']),
    missing: ['kms:CreateGrant'],
    probe: 'grant-denied-resource',
    status: 'blocked',
    side: 'key-policy',
    says: ['KMS refused CreateGrant', 'The key policy does not admit the role', `Add to the key policy of ${CMK}`, '"kms:CreateGrant"']
  },
  {
    name: "a policy admitting only the target account root, while the role's IAM side is missing",
    policy: minimalPolicy({ AWS: `arn:aws:iam::${TGT}:root` }),
    grantedTo: 'account',
    probe: 'grant-denied-identity',
    status: 'blocked',
    side: 'iam',
    says: ["the role's own IAM policy does not allow", `Add to the IAM policy of ${TARGET_ROLE}`, '"kms:RetireGrant"', `"Resource": "${CMK}"`]
  },
  {
    name: 'an explicit Deny of Decrypt outside the production account',
    policy: {
      ...minimalPolicy(),
      Statement: [
        ...minimalPolicy().Statement,
        {
          Sid: 'DenyOutsideProduction',
          Effect: 'Deny',
          Principal: '*',
          Action: 'kms:Decrypt',
          Resource: '*',
          Condition: { StringNotEquals: { 'aws:PrincipalAccount': '111122223333' } }
        }
      ]
    },
    denied: ['kms:Decrypt'],
    grantedTo: 'principal',
    probe: 'ok',
    status: 'blocked',
    side: 'key-policy',
    says: ['explicitly denied: kms:Decrypt', '"Sid": "AllowStagingUseOfTheKey"']
  },
  {
    name: 'a wildcard action (kms:*) for the role',
    policy: { Version: '2012-10-17', Statement: [ROOT_ADMIN, { Effect: 'Allow', Principal: { AWS: TARGET_ROLE }, Action: 'kms:*', Resource: '*' }] },
    grantedTo: 'principal',
    probe: 'ok',
    status: 'ok',
    says: []
  },
  {
    name: 'a principal list naming the role among others',
    policy: minimalPolicy({ AWS: ['arn:aws:iam::999999999999:role/other', TARGET_ROLE] }),
    grantedTo: 'principal',
    probe: 'ok',
    status: 'ok',
    says: []
  },
  {
    name: 'a condition that cannot be judged statically (aws:SourceIp)',
    policy: {
      Version: '2012-10-17',
      Statement: [
        ROOT_ADMIN,
        { Effect: 'Allow', Principal: { AWS: TARGET_ROLE }, Action: 'kms:*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } }
      ]
    },
    undecided: ALL,
    probe: 'ok',
    status: 'ok',
    says: ['Key policy conditions not judged', 'IpAddress aws:SourceIp']
  },
  {
    name: 'Principal "*" with kms:CallerAccount and kms:ViaService for the target (the aws/rds shape)',
    policy: {
      Version: '2012-10-17',
      Statement: [
        ROOT_ADMIN,
        {
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: ['kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant', 'kms:DescribeKey'],
          Resource: '*',
          Condition: { StringEquals: { 'kms:CallerAccount': TGT, 'kms:ViaService': `rds.${REGION}.amazonaws.com` } }
        }
      ]
    },
    grantedTo: 'everyone',
    probe: 'describe-denied-resource',
    status: 'ok',
    says: ['Probe DescribeKey refused as expected', 'Probe CreateGrant refused as expected', 'kms:ViaService']
  },
  {
    name: 'NotAction that leaves out CreateGrant',
    policy: { Version: '2012-10-17', Statement: [ROOT_ADMIN, { Effect: 'Allow', Principal: { AWS: TARGET_ROLE }, NotAction: ['kms:CreateGrant', 'kms:PutKeyPolicy'], Resource: '*' }] },
    missing: ['kms:CreateGrant'],
    probe: 'grant-denied-resource',
    status: 'blocked',
    side: 'key-policy',
    says: ['KMS refused CreateGrant']
  },
  {
    name: 'the bare target account id as principal',
    policy: minimalPolicy({ AWS: TGT }),
    grantedTo: 'account',
    probe: 'ok',
    status: 'ok',
    says: ['through its account root']
  }
];

describe('key policy analysis and verdict, by table', () => {
  it.each(cases.map(c => [c.name, c] as const))('%s', (_name, c) => {
    const text = JSON.stringify(c.policy);
    const analysis = analyzeKeyPolicy(text, CMK, RDS);
    expect(analysis.parseError).toBeUndefined();
    expect(analysis.missing).toEqual(c.missing ?? []);
    expect(analysis.denied).toEqual(c.denied ?? []);
    expect(analysis.undecided).toEqual(c.undecided ?? []);
    if (c.grantedTo) for (const r of analysis.results.filter(r => r.decision === 'allow')) expect(r.grantedTo).toBe(c.grantedTo);
    expect(analysis.needsIam).toBe(true); // the key is in another account: IAM must always allow too

    const verdict = judgeKeyAccess({
      purpose: 'shared',
      analysis,
      directAnalysis: analyzeKeyPolicy(text, CMK, DIRECT, ['kms:DescribeKey', 'kms:CreateGrant']),
      probe: probe(c.probe),
      remedy: REMEDY
    });
    expect(verdict.status).toBe(c.status);
    expect(verdict.missing).toBe(c.side);
    const errors = verdict.diagnostics.filter(d => d.severity === 'error');
    expect(errors.length).toBe(c.status === 'blocked' ? 1 : 0);
    const all = verdict.diagnostics.map(d => `${d.title}\n${d.message}\n${d.fix ?? ''}`).join('\n');
    for (const s of c.says) expect(all).toContain(s);
    if (c.side === 'iam') expect(errors[0].fix).not.toContain('Add to the key policy');
    if (c.side === 'key-policy') expect(errors[0].fix).not.toContain('Add to the IAM policy');
  });
});

describe('evaluateAction details', () => {
  const parsed = (p: unknown) => {
    const r = parseKeyPolicy(JSON.stringify(p));
    if ('error' in r) throw new Error(r.error);
    return r;
  };

  it('the aws/rds policy is refused for the other account because of kms:CallerAccount', () => {
    const r = evaluateAction(parsed(AWS_RDS_POLICY), 'kms:Decrypt', CMK, RDS);
    expect(r.decision).toBe('no-allow');
    expect(r.unmetConditions.join()).toContain('kms:CallerAccount');
  });

  it.each<[string, unknown, Decision]>([
    ['grant statement applies through RDS', { Bool: { 'kms:GrantIsForAWSResource': 'true' } }, 'allow'],
    ['grant statement with a boolean true value', { Bool: { 'kms:GrantIsForAWSResource': true } }, 'allow'],
    ['ViaService for another region', { StringEquals: { 'kms:ViaService': 'rds.us-east-1.amazonaws.com' } }, 'no-allow'],
    ['ViaService with StringLike', { StringLike: { 'kms:ViaService': 'rds.*.amazonaws.com' } }, 'allow'],
    ['aws:PrincipalArn ArnLike', { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${TGT}:role/staging-*` } }, 'allow'],
    ['aws:PrincipalArn for another role', { ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::${TGT}:role/other` } }, 'no-allow'],
    ['IfExists with a different value present', { StringEqualsIfExists: { 'kms:ViaService': 'ec2.ap-northeast-1.amazonaws.com' } }, 'no-allow'],
    ['aws:PrincipalOrgID cannot be judged', { StringEquals: { 'aws:PrincipalOrgID': 'o-abc' } }, 'undecided'],
    ['encryption context cannot be judged', { StringEquals: { 'kms:EncryptionContext:aws:rds:db-id': 'x' } }, 'undecided']
  ])('CreateGrant with %s', (_n, condition, expected) => {
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: TARGET_ROLE }, Action: 'kms:CreateGrant', Resource: '*', Condition: condition }] };
    expect(evaluateAction(parsed(policy), 'kms:CreateGrant', CMK, RDS).decision).toBe(expected);
  });

  it('a direct call does not satisfy kms:GrantIsForAWSResource', () => {
    const r = evaluateAction(parsed(minimalPolicy(undefined, ['kms:DescribeKey'])), 'kms:CreateGrant', CMK, DIRECT);
    expect(r.decision).toBe('no-allow');
    expect(r.unmetConditions.join()).toContain('kms:GrantIsForAWSResource');
  });

  it('a Deny with a condition that cannot be judged makes the verdict undecided, not allowed', () => {
    const p = minimalPolicy();
    p.Statement.push({ Sid: 'MaybeDeny', Effect: 'Deny', Principal: { AWS: '*' }, Action: 'kms:*', Resource: '*', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } } } as never);
    expect(evaluateAction(parsed(p), 'kms:Decrypt', CMK, RDS).decision).toBe('undecided');
  });

  it('a Resource naming another key does not apply', () => {
    const p = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: TARGET_ROLE }, Action: 'kms:*', Resource: CMK.replace('1234abcd', 'ffffffff') }] };
    expect(evaluateAction(parsed(p), 'kms:Decrypt', CMK, RDS).decision).toBe('no-allow');
  });

  it('NotPrincipal excluding another account admits the role', () => {
    const p = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', NotPrincipal: { AWS: '999999999999' }, Action: 'kms:Decrypt', Resource: '*' }] };
    expect(evaluateAction(parsed(p), 'kms:Decrypt', CMK, RDS)).toMatchObject({ decision: 'allow', grantedTo: 'everyone' });
  });

  it('a single statement object (not a list) is read', () => {
    const p = { Version: '2012-10-17', Statement: { Effect: 'Allow', Principal: { AWS: TARGET_ROLE }, Action: 'kms:*', Resource: '*' } };
    expect(analyzeKeyPolicy(JSON.stringify(p), CMK, RDS).ok).toBe(true);
  });

  it('unreadable policies are reported, not analysed', () => {
    expect(analyzeKeyPolicy('{not json', CMK, RDS).parseError).toMatch(/not valid JSON/);
    expect(analyzeKeyPolicy('{"Version":"2012-10-17"}', CMK, RDS).parseError).toMatch(/no Statement/);
  });

  it('wildcards follow IAM: case-insensitive actions, * and ?', () => {
    expect(wildcardMatch('kms:ReEncrypt*', 'kms:reencryptfrom', true)).toBe(true);
    expect(wildcardMatch('kms:Get?eyPolicy', 'kms:GetKeyPolicy', true)).toBe(true);
    expect(wildcardMatch('kms:Describe*', 'kms:Decrypt', true)).toBe(false);
  });
});
