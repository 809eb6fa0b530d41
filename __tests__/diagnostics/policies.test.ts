import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeKeyPolicy, analyzeKeyUse, direct, KEY_GRANT_POLICY_ACTIONS, KEY_REQUIREMENTS, KEY_USER_POLICY_ACTIONS, viaRds, wildcardMatch } from '../../src/diagnostics/key-policy';
import { POLICIES_FILE_NAME, writePolicies } from '../../src/diagnostics/policies';
import type { PolicyDocument, PolicyStatement } from '../../src/diagnostics/policy-json';
import { githubSubject, policyParamsFromSettings, toTerraformJsonencode } from '../../src/diagnostics/policy-templates';
import { DiagnosedError } from '../../src/errors';
import { Report } from '../../src/report';
import { readSettings } from '../../src/settings';
import { CMK, REGION, SOURCE_ROLE, SRC, TARGET_KEY, TARGET_ROLE, TGT } from '../fixtures/diagnostics';
import { quietStdout } from '../helpers/stdout';

quietStdout();

function settings(extra: Record<string, string> = {}) {
  const table: Record<string, string> = {
    'aws-region': REGION,
    mode: 'policies',
    'source-role-arn': SOURCE_ROLE,
    'target-role-arn': TARGET_ROLE,
    'source-cluster': 'app-production',
    'target-cluster': 'app-staging',
    'kms-key-id': CMK,
    ...extra
  };
  for (const [k, v] of Object.entries(table)) if (v === '') delete table[k];
  return readSettings(name => table[name] ?? '');
}

interface PoliciesFile {
  oidcSubject: string;
  keyPolicy: { keyArn: string; policy: PolicyDocument };
  sourceRole: { roleArn: string; policy: PolicyDocument; trustPolicy: PolicyDocument };
  targetRole: { roleArn: string; policy: PolicyDocument; trustPolicy: PolicyDocument };
  terraform: Record<string, string>;
}

async function run(extra: Record<string, string> = {}, idToken?: (aud: string) => Promise<string>) {
  const dir = mkdtempSync(join(tmpdir(), 'policies-'));
  const report = new Report();
  await writePolicies(settings(extra), report, {
    env: { RUNNER_TEMP: dir, GITHUB_REPOSITORY: 'acme/shop', GITHUB_REF: 'refs/heads/main' },
    idToken
  });
  const file = join(dir, POLICIES_FILE_NAME);
  return { report, file, content: JSON.parse(readFileSync(file, 'utf8')) as PoliciesFile };
}

const actions = (s: PolicyStatement) => (Array.isArray(s.Action) ? s.Action : [s.Action ?? '']);

describe('writePolicies (mode: policies)', () => {
  it('writes valid JSON with real ARNs and sets the policies-file output', async () => {
    const { report, file, content } = await run();
    expect(report.outputs['policies-file']).toBe(file);
    expect(content.keyPolicy.keyArn).toBe(CMK);
    expect(content.sourceRole.roleArn).toBe(SOURCE_ROLE);
    expect(content.targetRole.roleArn).toBe(TARGET_ROLE);
    // The key policy names the real staging role; the IAM policies name the real key.
    expect(JSON.stringify(content.keyPolicy.policy)).toContain(TARGET_ROLE);
    const targetKms = content.targetRole.policy.Statement.filter(s => actions(s).some(a => a.startsWith('kms:')));
    expect(targetKms.length).toBeGreaterThan(0);
    for (const s of targetKms) expect(s.Resource).toBe(CMK);
    const sourceKms = content.sourceRole.policy.Statement.filter(s => actions(s).some(a => a.startsWith('kms:')));
    for (const s of sourceKms) expect(s.Resource).toBe(CMK);
    // No statement of either role grants a bare "*" action.
    for (const s of [...content.sourceRole.policy.Statement, ...content.targetRole.policy.Statement]) {
      expect(actions(s)).not.toContain('*');
      expect(actions(s)).not.toContain('kms:*');
      expect(actions(s)).not.toContain('rds:*');
    }
    expect(content.terraform.keyPolicy.startsWith('jsonencode({')).toBe(true);
  });

  it('the key policy keeps the root admin statement, so the KMS lock-out check passes', async () => {
    const { content } = await run();
    const admin = content.keyPolicy.policy.Statement[0];
    expect(admin).toEqual({
      Sid: 'EnableIAMPoliciesAndKeyAdministration',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${SRC}:root` },
      Action: 'kms:*',
      Resource: '*'
    });
    const a = analyzeKeyPolicy(JSON.stringify(content.keyPolicy.policy), CMK, direct(SOURCE_ROLE, SRC), ['kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion']);
    expect(a.allowed).toEqual(['kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion']);
  });

  it('the printed key policy satisfies every required action of the one table, as the one analyser reads it', async () => {
    const { content } = await run();
    const text = JSON.stringify(content.keyPolicy.policy);
    const staging = analyzeKeyUse(text, CMK, { ...viaRds(TARGET_ROLE, TGT, 'ap-northeast-1') }, 'shared-key');
    expect(staging).toMatchObject({ ok: true, denied: [], missing: [], recommendedMissing: [], admission: 'principal' });
    const production = analyzeKeyUse(text, CMK, viaRds(SOURCE_ROLE, SRC, 'ap-northeast-1'), 'copy-key');
    expect(production.ok).toBe(true);
    for (const use of ['shared-key', 'target-key', 'copy-key'] as const)
      for (const a of KEY_REQUIREMENTS[use].required) expect([...KEY_USER_POLICY_ACTIONS, ...KEY_GRANT_POLICY_ACTIONS].some(p => wildcardMatch(p, a, true))).toBe(true);
  });

  it('trust policies are restricted to this repository and ref, never a wildcard', async () => {
    const { content } = await run();
    expect(content.oidcSubject).toBe('repo:acme/shop:ref:refs/heads/main');
    for (const [role, account] of [
      [content.sourceRole, SRC],
      [content.targetRole, TGT]
    ] as const) {
      const [st] = role.trustPolicy.Statement;
      expect(st.Action).toBe('sts:AssumeRoleWithWebIdentity');
      expect(st.Principal).toEqual({ Federated: `arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com` });
      expect(st.Condition).toEqual({
        StringEquals: {
          'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
          'token.actions.githubusercontent.com:sub': 'repo:acme/shop:ref:refs/heads/main'
        }
      });
      expect(JSON.stringify(role.trustPolicy)).not.toContain('*');
    }
  });

  it("takes the exact sub claim from the job's OIDC token when there is one (environment jobs)", async () => {
    const payload = Buffer.from(JSON.stringify({ sub: 'repo:acme/shop:environment:staging', aud: 'sts.amazonaws.com' })).toString('base64url');
    const { content, report } = await run({}, async () => `h.${payload}.s`);
    expect(content.oidcSubject).toBe('repo:acme/shop:environment:staging');
    expect(report.facts).toContainEqual(['OIDC subject trusted', "repo:acme/shop:environment:staging (from this job's OIDC token)"]);
  });

  it('adds the target key, the managed password and Data API statements only when configured', async () => {
    const plain = await run();
    expect(JSON.stringify(plain.content.targetRole.policy)).not.toContain('secretsmanager');
    const { content } = await run({ 'target-kms-key-id': TARGET_KEY, 'manage-master-password': 'true', 'masking-connection': 'data-api' });
    const doc = JSON.stringify(content.targetRole.policy);
    expect(doc).toContain(TARGET_KEY);
    expect(doc).toContain('secretsmanager:CreateSecret');
    expect(doc).toContain('rds-data:ExecuteStatement');
  });

  it('without kms-key-id it scopes to the account and region, and warns', async () => {
    const { content, report } = await run({ 'kms-key-id': '' });
    expect(content.keyPolicy.keyArn).toBe(`arn:aws:kms:${REGION}:${SRC}:key/*`);
    expect(report.diagnostics.map(d => d.title)).toContain('kms-key-id not given: IAM statements name every key of the account');
  });

  it('refuses without the target account, naming the inputs', async () => {
    await expect(run({ 'target-role-arn': '' })).rejects.toThrow(DiagnosedError);
    expect(policyParamsFromSettings(settings({ 'target-role-arn': '' })).missing).toEqual(['target-role-arn (or target-account-id)']);
  });

  it('refuses outside a repository rather than trusting every repository', async () => {
    const report = new Report();
    await expect(writePolicies(settings(), report, { env: { RUNNER_TEMP: tmpdir() } })).rejects.toThrow('mode: policies needs the repository name');
  });
});

describe('policy templates', () => {
  it('githubSubject never accepts a wildcard', () => {
    expect(githubSubject('acme/shop', { environment: 'staging' })).toBe('repo:acme/shop:environment:staging');
    expect(() => githubSubject('acme/*', {})).toThrow();
    expect(() => githubSubject('acme/shop', { ref: 'refs/heads/*' })).toThrow();
  });

  it('Terraform rendering is jsonencode of the same document', () => {
    const tf = toTerraformJsonencode({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['kms:Decrypt'], Resource: CMK }] });
    expect(tf).toBe(
      `jsonencode({\n  "Version" = "2012-10-17"\n  "Statement" = [\n    {\n      "Effect" = "Allow"\n      "Action" = [\n        "kms:Decrypt"\n      ]\n      "Resource" = "${CMK}"\n    }\n  ]\n})`
    );
  });
});
