import { describe, expect, it } from '@jest/globals';
import { judgeKeyAccess, type KeyRemedy } from '../../src/diagnostics/key-access';
import { analyzeKeyPolicy, analyzeKeyUse, applyNarrowedDenies, direct, evaluateAction, nearMissReason, parseKeyPolicy, viaRds, wildcardMatch, type Decision } from '../../src/diagnostics/key-policy';
import { sharedKeyPolicy, targetKeyPolicyStatements, targetRoleSharedKeyStatements } from '../../src/diagnostics/policy-templates';
import type { KeyProbe } from '../../src/diagnostics/probe';
import { parseRefusal } from '../../src/diagnostics/access-denied';
import { AWS_RDS_POLICY, CMK, PARAMS, REGION, ROOT_ADMIN, TARGET_ROLE, TGT, accessDeniedMessage, minimalPolicy } from '../fixtures/diagnostics';

const RDS = viaRds(TARGET_ROLE, TGT, REGION);
const DIRECT = direct(TARGET_ROLE, TGT);
/** What the staging restore needs of the shared key (KEY_REQUIREMENTS['shared-key'].required). */
const ALL = ['kms:DescribeKey', 'kms:CreateGrant', 'kms:Decrypt'];
const SESSION = `arn:aws:sts::${TGT}:assumed-role/staging-dbsync/rds-cross-account-sync-target`;

const REMEDY: KeyRemedy = {
  keyArn: CMK,
  keyAccount: '111122223333',
  keyPolicy: targetKeyPolicyStatements(PARAMS),
  principalArn: TARGET_ROLE,
  principalAccount: TGT,
  iam: targetRoleSharedKeyStatements(PARAMS)
};

type ProbeShape = 'ok' | 'grant-denied-resource' | 'grant-denied-identity' | 'describe-denied-resource' | 'disabled';

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
  if (shape === 'disabled') return { ...base, describe: { ok: true, keyManager, keyState: 'Disabled' }, grant: { ok: 'skipped', why: 'the key is Disabled' }, cleanup: { ok: 'skipped', why: 'no grant' } };
  if (shape === 'describe-denied-resource') return { ...base, describe: denied('kms:DescribeKey', 'resource'), grant: denied('kms:CreateGrant', 'resource'), cleanup: { ok: 'skipped', why: 'no grant' } };
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
  side?: 'key-policy' | 'iam' | 'both' | 'key-state';
  /** How many blocking diagnostics (default: 1 when blocked). */
  errors?: number;
  /** Text no blocking diagnostic's fix may contain. */
  fixNot?: string[];
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
    says: ['does not admit', '"Sid": "AllowStagingUseOfTheKey"', TARGET_ROLE, 'kms:CallerAccount']
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
    says: ['does not admit', `Add to the key policy of ${CMK}`, '"kms:CreateGrant"', '"kms:GrantIsForAWSResource": "true"'],
    fixNot: ['"kms:Decrypt"', '"kms:*"']
  },
  {
    name: "a policy admitting only the target account root, while the role's IAM side is missing",
    policy: minimalPolicy({ AWS: `arn:aws:iam::${TGT}:root` }),
    grantedTo: 'account',
    probe: 'grant-denied-identity',
    status: 'blocked',
    side: 'iam',
    says: [`The IAM policy of ${TARGET_ROLE} does not allow kms:CreateGrant`, `Add to the IAM policy of ${TARGET_ROLE}`, `"Resource": "${CMK}"`, 'resource "aws_iam_role_policy"', 'role   = "staging-dbsync"'],
    fixNot: ['Add to the key policy']
  },
  {
    // The refusal message blames the resource policy (the emulator always says so): the analysis decides, not the wording.
    name: 'the key policy admits the account root; KMS refuses with a message naming the resource-based policy',
    policy: minimalPolicy({ AWS: `arn:aws:iam::${TGT}:root` }),
    grantedTo: 'account',
    probe: 'grant-denied-resource',
    status: 'blocked',
    side: 'iam',
    says: [`The IAM policy of ${TARGET_ROLE} does not allow kms:CreateGrant`, 'aws_iam_role_policy'],
    fixNot: ['Add to the key policy']
  },
  {
    name: 'Principal "*" with kms:CallerAccount granting exactly what the restore needs: ListGrants / RevokeGrant are a notice',
    policy: {
      Version: '2012-10-17',
      Statement: [
        ROOT_ADMIN,
        { Sid: 'StagingAccount', Effect: 'Allow', Principal: '*', Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:CreateGrant'], Resource: '*', Condition: { StringEquals: { 'kms:CallerAccount': TGT } } }
      ]
    },
    grantedTo: 'everyone',
    probe: 'ok',
    status: 'ok',
    says: ['kms:ListGrants, kms:RevokeGrant not allowed (not needed by this run)', '"kms:ListGrants"']
  },
  {
    name: 'a near-miss role name in the key policy',
    policy: minimalPolicy({ AWS: `arn:aws:iam::${TGT}:role/staging-db-sync` }),
    missing: ALL,
    probe: 'describe-denied-resource',
    status: 'blocked',
    side: 'key-policy',
    says: [`The key policy names arn:aws:iam::${TGT}:role/staging-db-sync (statement "AllowUseOfTheKey"), the role is ${TARGET_ROLE}`, 'the same name ignoring case, hyphens and underscores']
  },
  {
    name: 'a disabled key: named with its state and the command, and the rest of the analysis still runs',
    policy: minimalPolicy({ AWS: `arn:aws:iam::${TGT}:role/staging-db-sync` }),
    missing: ALL,
    probe: 'disabled',
    status: 'blocked',
    side: 'key-state',
    errors: 2,
    says: ['The shared snapshot key is Disabled', `aws kms enable-key --key-id ${CMK}`, 'names a principal close to']
  },
  {
    name: 'a Deny with NotPrincipal listing the role and its account but not the session still applies',
    policy: {
      ...minimalPolicy(),
      Statement: [
        ...minimalPolicy().Statement,
        { Sid: 'OnlyListed', Effect: 'Deny', NotPrincipal: { AWS: [`arn:aws:iam::111122223333:root`, `arn:aws:iam::${TGT}:root`, TARGET_ROLE] }, Action: 'kms:*', Resource: '*' }
      ]
    },
    denied: ALL,
    grantedTo: 'principal',
    probe: 'ok',
    status: 'blocked',
    side: 'key-policy',
    says: ['"OnlyListed"', SESSION],
    fixNot: ['"Effect": "Allow"']
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
    says: ['A Deny in the key policy of the shared snapshot key refuses kms:Decrypt', '"DenyOutsideProduction"', 'Narrowed:', `"${TGT}"`],
    fixNot: ['"Effect": "Allow"', 'Add to the key policy']
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
      Statement: [ROOT_ADMIN, { Effect: 'Allow', Principal: { AWS: TARGET_ROLE }, Action: 'kms:*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } }]
    },
    undecided: ALL,
    probe: 'ok',
    status: 'ok',
    says: ['Key policy conditions not judged', 'IpAddress aws:SourceIp', 'The probe decided']
  },
  {
    name: 'a condition that cannot be judged (aws:SourceIp), and the probe was refused: the condition is the likely cause',
    policy: {
      Version: '2012-10-17',
      Statement: [ROOT_ADMIN, { Effect: 'Allow', Principal: { AWS: TARGET_ROLE }, Action: 'kms:*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } }]
    },
    undecided: ALL,
    probe: 'grant-denied-resource',
    status: 'blocked',
    side: 'both',
    says: ['likely the condition IpAddress aws:SourceIp', 'that condition is the likely cause']
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
    says: ['does not admit']
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
    const analysis = analyzeKeyUse(text, CMK, { ...RDS, sessionArn: SESSION }, 'shared-key');
    expect(analysis.parseError).toBeUndefined();
    expect(analysis.missing).toEqual(c.missing ?? []);
    expect(analysis.denied).toEqual(c.denied ?? []);
    expect(analysis.undecided).toEqual(c.undecided ?? []);
    if (c.grantedTo) for (const r of analysis.results.filter(r => r.decision === 'allow')) expect(r.grantedTo).toBe(c.grantedTo);
    expect(analysis.needsIam).toBe(true); // the key is in another account: IAM must always allow too

    const verdict = judgeKeyAccess({
      purpose: 'shared',
      analysis,
      directAnalysis: analyzeKeyPolicy(text, CMK, { ...DIRECT, sessionArn: SESSION }, ['kms:DescribeKey', 'kms:CreateGrant']),
      probe: probe(c.probe),
      remedy: REMEDY
    });
    expect(verdict.status).toBe(c.status);
    expect(verdict.missing).toBe(c.side);
    const errors = verdict.diagnostics.filter(d => d.severity === 'error');
    expect(errors.length).toBe(c.errors ?? (c.status === 'blocked' ? 1 : 0));
    const all = verdict.diagnostics.map(d => `${d.title}\n${d.message}\n${d.fix ?? ''}`).join('\n');
    for (const s of c.says) expect(all).toContain(s);
    for (const e of errors) for (const s of c.fixNot ?? []) expect(e.fix ?? '').not.toContain(s);
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

  it('a narrowed Deny no longer denies, and still denies everyone else', () => {
    const deny = { Sid: 'DenyOutsideProduction', Effect: 'Deny', Principal: '*', Action: 'kms:Decrypt', Resource: '*', Condition: { StringNotEquals: { 'aws:PrincipalAccount': '111122223333' } } };
    for (const d of [deny, { ...deny, Condition: undefined }, { ...deny, Principal: { AWS: TARGET_ROLE }, Condition: undefined }]) {
      const text = JSON.stringify({ ...minimalPolicy(), Statement: [...minimalPolicy().Statement, d] });
      const a = analyzeKeyUse(text, CMK, RDS, 'shared-key');
      expect(a.denied).toEqual(['kms:Decrypt']);
      const fixed = applyNarrowedDenies(text, a.denies);
      expect(analyzeKeyUse(fixed, CMK, RDS, 'shared-key').ok).toBe(true);
      const other = viaRds(`arn:aws:iam::999999999999:role/x`, '999999999999', REGION);
      if (a.denies[0]!.narrowed) expect(evaluateAction(parsed(JSON.parse(fixed)), 'kms:Decrypt', CMK, other).decision).toBe(d.Principal === '*' ? 'deny' : 'no-allow');
    }
  });

  it.each([
    ['role/staging-db-sync', 'the same name ignoring case, hyphens and underscores'],
    ['role/Staging-DBSync', 'the same name ignoring case, hyphens and underscores'],
    ['role/staging-dbsyn', '1 character apart'],
    ['role/ops/staging-dbsync', undefined],
    ['role/production-dbsync', undefined]
  ])('near miss %s', (named, why) => {
    expect(nearMissReason(`arn:aws:iam::${TGT}:${named}`, TARGET_ROLE)).toBe(why);
  });

  it('a role unique id in a key policy is named as a deleted role', () => {
    expect(nearMissReason('AROAEXAMPLE1234567890', TARGET_ROLE)).toMatch(/deleted/);
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
