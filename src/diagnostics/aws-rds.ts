/**
 * The one diagnostic for a production snapshot under the AWS managed key aws/rds
 * with no kms-key-id: it names the aws/rds key ARN and the staging principal,
 * and carries the complete key policy of the CMK to create (the same statements
 * mode: policies prints, admin statement first, so it passes KMS's lock-out
 * check), as JSON and as Terraform. Used by planning and by preflight alike.
 */
import type { Diagnostic } from '../report';
import { renderJson, type PolicyDocument } from './policy-json';
import { toTerraformJsonencode } from './policy-templates';

export interface AwsRdsFacts {
  snapshot: string;
  /** The aws/rds key ARN of the production account (from the snapshot). */
  awsRdsKeyArn?: string;
  sourceAccount: string;
  targetAccount: string;
  /** The staging principal the new CMK must admit. */
  targetPrincipal?: string;
  region: string;
  /** The complete key policy for the new CMK (sharedKeyPolicy). */
  keyPolicy: PolicyDocument;
}

export function awsRdsDiagnostic(f: AwsRdsFacts): Omit<Diagnostic, 'severity'> {
  const key = f.awsRdsKeyArn ?? `the aws/rds key of account ${f.sourceAccount} (alias/aws/rds)`;
  const who = f.targetPrincipal ? `${f.targetPrincipal} (account ${f.targetAccount})` : `account ${f.targetAccount}`;
  return {
    title: 'Production snapshot is encrypted with aws/rds and kms-key-id is not set',
    message:
      `${f.snapshot} (account ${f.sourceAccount}) is encrypted under the AWS managed key ${key}. ` +
      `The policy of an AWS managed key can never be changed: it admits only principals of account ${f.sourceAccount} calling through RDS, ` +
      `so the staging principal ${who} can never restore a snapshot encrypted under it. ` +
      `The action copies the snapshot under a customer managed key (CMK) first: create one with the key policy below and set kms-key-id to its ARN.`,
    fix: [
      `Create a CMK in account ${f.sourceAccount}, region ${f.region}, with this key policy (saved as key-policy.json), then set kms-key-id to its ARN:`,
      `aws kms create-key --region ${f.region} --description "rds-cross-account-sync shared snapshots" --policy file://key-policy.json`,
      renderJson(f.keyPolicy),
      'Terraform:',
      `resource "aws_kms_key" "rds_cross_account_sync" {\n  description = "rds-cross-account-sync shared snapshots"\n  policy      = ${toTerraformJsonencode(f.keyPolicy, '  ').replace(/\n/g, '\n  ')}\n}`
    ].join('\n\n')
  };
}
