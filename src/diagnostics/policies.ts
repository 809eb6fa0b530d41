/**
 * mode: policies: print, and save to the file named by the `policies-file`
 * output, the key policy of the shared CMK and the IAM and OIDC trust policies
 * of both roles, scoped to the real ARNs. No AWS call: the inputs give the
 * accounts (role ARNs, account ids, kms-key-id).
 */
import * as core from '@actions/core';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hasOidc } from '../accounts';
import { DiagnosedError } from '../errors';
import type { Report } from '../report';
import type { Settings } from '../settings';
import { renderJson } from './policy-json';
import { githubSubject, policyParamsFromSettings, policySet, toTerraformJsonencode, type PolicySet } from './policy-templates';

export const POLICIES_FILE_NAME = 'rds-cross-account-sync-policies.json';

export interface PoliciesEnvironment {
  env: NodeJS.ProcessEnv;
  /** The job's OIDC token, when the job may request one: its `sub` claim is the exact subject to trust. */
  idToken?: (audience: string) => Promise<string>;
}

/** The `sub` this job's OIDC token carries: from the token itself when available, else repository + ref. */
export async function jobSubject(settings: Settings, environment: PoliciesEnvironment): Promise<{ subject: string; from: string }> {
  const { env } = environment;
  if (environment.idToken) {
    try {
      const jwt = await environment.idToken(settings.audience);
      const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub?: string };
      if (payload.sub && !payload.sub.includes('*')) return { subject: payload.sub, from: "this job's OIDC token" };
    } catch {
      // fall back to the environment variables below
    }
  }
  const repo = env.GITHUB_REPOSITORY;
  if (!repo)
    throw new DiagnosedError({
      title: 'mode: policies needs the repository name',
      message: 'GITHUB_REPOSITORY is not set, so the OIDC trust policies cannot be restricted to a repository (a trust policy without a repository restriction would let any GitHub repository assume the role).',
      fix: 'Run mode: policies inside a GitHub Actions job, or set GITHUB_REPOSITORY=OWNER/REPO and GITHUB_REF=refs/heads/BRANCH.'
    });
  return { subject: githubSubject(repo, { ref: env.GITHUB_REF }), from: 'GITHUB_REPOSITORY and GITHUB_REF' };
}

export async function writePolicies(
  settings: Settings,
  report: Report,
  environment: PoliciesEnvironment = {
    env: process.env,
    idToken: hasOidc() ? audience => core.getIDToken(audience) : undefined
  }
): Promise<void> {
  const { params, missing } = policyParamsFromSettings(settings);
  if (!params)
    throw new DiagnosedError({
      title: 'mode: policies needs both account ids',
      message: `The policies name real ARNs, so the accounts must come from the inputs: set ${missing.join(' and ')}. mode: policies makes no AWS call.`,
      fix: 'with:\n  mode: policies\n  source-role-arn: arn:aws:iam::<production account>:role/<role>\n  target-role-arn: arn:aws:iam::<staging account>:role/<role>\n  kms-key-id: arn:aws:kms:<region>:<production account>:key/<key id>'
    });
  const { subject, from } = await jobSubject(settings, environment);
  const set = policySet(params, subject);

  const dir = environment.env.RUNNER_TEMP || process.cwd();
  const file = join(dir, POLICIES_FILE_NAME);
  await writeFile(file, `${renderJson(policiesFileContent(set))}\n`, 'utf8');

  for (const [title, doc] of sections(set)) {
    core.startGroup(title);
    core.info(renderJson(doc));
    core.endGroup();
  }
  if (!set.keyArnIsExact)
    report.diagnose({
      title: 'kms-key-id not given: IAM statements name every key of the account',
      message: `Without kms-key-id the CMK does not exist yet, so the IAM statements use ${set.keyArn}. Create the key with the printed key policy, then run mode: policies again with kms-key-id to scope them to its ARN.`,
      fix: `aws kms create-key --region ${params.region} --description "rds-cross-account-sync shared snapshots" --policy file://key-policy.json`,
      severity: 'warning'
    });
  if (!params.source.roleArn || !params.target.roleArn)
    report.diagnose({
      title: 'A role ARN is missing: the key policy names the account root',
      message: `Without ${!params.target.roleArn ? 'target-role-arn' : 'source-role-arn'} the policies name the account root, which lets every principal of that account that its IAM allows use the key. Give both role ARNs for least privilege.`,
      severity: 'warning'
    });
  report.fact('Policies file', file);
  report.fact('OIDC subject trusted', `${subject} (from ${from})`);
  report.fact('Shared key', set.keyArn);
  report.output('policies-file', file);
}

function sections(set: PolicySet): Array<[string, unknown]> {
  return [
    [`Key policy for ${set.keyArn} (account ${set.sourceRole.accountId})`, set.keyPolicy],
    [`IAM policy for ${set.sourceRole.roleArn ?? `the source principal (account ${set.sourceRole.accountId})`}`, set.sourceRole.policy],
    [`IAM policy for ${set.targetRole.roleArn ?? `the target principal (account ${set.targetRole.accountId})`}`, set.targetRole.policy],
    [`Trust policy for ${set.sourceRole.roleArn ?? 'the source role'} (GitHub OIDC, ${set.subject})`, set.sourceRole.trustPolicy],
    [`Trust policy for ${set.targetRole.roleArn ?? 'the target role'} (GitHub OIDC, ${set.subject})`, set.targetRole.trustPolicy]
  ];
}

/** The file: every document as JSON, plus its Terraform `jsonencode` form. */
export function policiesFileContent(set: PolicySet) {
  return {
    generatedBy: 'rds-cross-account-sync mode: policies',
    oidcSubject: set.subject,
    keyPolicy: { keyArn: set.keyArn, keyArnIsExact: set.keyArnIsExact, policy: set.keyPolicy },
    sourceRole: {
      roleArn: set.sourceRole.roleArn,
      accountId: set.sourceRole.accountId,
      policy: set.sourceRole.policy,
      trustPolicy: set.sourceRole.trustPolicy
    },
    targetRole: {
      roleArn: set.targetRole.roleArn,
      accountId: set.targetRole.accountId,
      policy: set.targetRole.policy,
      trustPolicy: set.targetRole.trustPolicy
    },
    terraform: {
      keyPolicy: toTerraformJsonencode(set.keyPolicy),
      sourceRolePolicy: toTerraformJsonencode(set.sourceRole.policy),
      targetRolePolicy: toTerraformJsonencode(set.targetRole.policy),
      sourceRoleTrustPolicy: toTerraformJsonencode(set.sourceRole.trustPolicy),
      targetRoleTrustPolicy: toTerraformJsonencode(set.targetRole.trustPolicy)
    }
  };
}
