/** Shared fixtures for the diagnostics tests: two accounts, two roles, two keys, real-looking ARNs. */
import { KMSClient } from '@aws-sdk/client-kms';
import { RDSClient } from '@aws-sdk/client-rds';
import { STSClient } from '@aws-sdk/client-sts';
import type { Account } from '../../src/accounts';
import type { Context } from '../../src/context';
import { Report } from '../../src/report';
import { kindFromInputs, readSettings } from '../../src/settings';
import { StateStore } from '../../src/state';
import type { PolicyParams } from '../../src/diagnostics/policy-templates';

export const REGION = 'ap-northeast-1';
export const SRC = '111122223333';
export const TGT = '444455556666';
export const SOURCE_ROLE = `arn:aws:iam::${SRC}:role/production-dbsync`;
export const TARGET_ROLE = `arn:aws:iam::${TGT}:role/staging-dbsync`;
export const CMK = `arn:aws:kms:${REGION}:${SRC}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
export const AWS_RDS_KEY = `arn:aws:kms:${REGION}:${SRC}:key/0000aaaa-00aa-00aa-00aa-000000000000`;
export const TARGET_KEY = `arn:aws:kms:${REGION}:${TGT}:key/5678ef01-0000-1111-2222-333344445555`;

export const PARAMS: PolicyParams = {
  partition: 'aws',
  region: REGION,
  kind: 'cluster',
  source: { accountId: SRC, roleArn: SOURCE_ROLE, database: 'app-production', keyArn: CMK },
  target: { accountId: TGT, roleArn: TARGET_ROLE, database: 'app-staging' },
  audience: 'sts.amazonaws.com',
  manageMasterPassword: false,
  dataApi: false
};

/** The aws/rds key policy as AWS writes it (auto-rds-2), for the production account. */
export const AWS_RDS_POLICY = {
  Version: '2012-10-17',
  Id: 'auto-rds-2',
  Statement: [
    {
      Sid: 'Allow access through RDS for all principals in the account that are authorized to use RDS',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:CreateGrant', 'kms:ListGrants', 'kms:DescribeKey'],
      Resource: '*',
      Condition: { StringEquals: { 'kms:CallerAccount': SRC, 'kms:ViaService': `rds.${REGION}.amazonaws.com` } }
    },
    {
      Sid: 'Allow direct access to key metadata to the account',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${SRC}:root` },
      Action: ['kms:Describe*', 'kms:Get*', 'kms:List*', 'kms:RevokeGrant'],
      Resource: '*'
    }
  ]
};

export const ROOT_ADMIN = {
  Sid: 'EnableIAMPolicies',
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${SRC}:root` },
  Action: 'kms:*',
  Resource: '*'
};

/** The minimal correct CMK policy (the shape of the AWS guide and the blog post), naming the staging role. */
export function minimalPolicy(principal: unknown = { AWS: TARGET_ROLE }, use: string[] = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey', 'kms:CreateGrant'], grants: string[] = ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant']) {
  return {
    Version: '2012-10-17',
    Statement: [
      ROOT_ADMIN,
      { Sid: 'AllowUseOfTheKey', Effect: 'Allow', Principal: principal, Action: use, Resource: '*' },
      {
        Sid: 'AllowAttachmentOfPersistentResources',
        Effect: 'Allow',
        Principal: principal,
        Action: grants,
        Resource: '*',
        Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } }
      }
    ]
  };
}

export function accessDeniedMessage(action: string, resource: string, side: 'identity' | 'resource', caller = `arn:aws:sts::${TGT}:assumed-role/staging-dbsync/rds-cross-account-sync-target`): string {
  return `User: ${caller} is not authorized to perform: ${action} on resource: ${resource} because no ${side}-based policy allows the ${action} action`;
}


function account(side: 'source' | 'target', accountId: string, principalArn: string): Account {
  const config = { region: REGION, credentials: { accessKeyId: `AKIA${side.toUpperCase()}`, secretAccessKey: 'x' }, maxAttempts: 1 };
  return {
    side,
    accountId,
    region: REGION,
    partition: 'aws',
    principalArn,
    callerArn: principalArn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/') + `/rds-cross-account-sync-${side}`,
    via: 'oidc',
    rds: new RDSClient(config),
    kms: new KMSClient(config),
    sts: new STSClient(config)
  };
}

/** A connected run: settings from an input table, one client per side (mock each instance separately). */
export function makeContext(inputs: Record<string, string> = {}): Context {
  const table: Record<string, string> = {
    'aws-region': REGION,
    'source-role-arn': SOURCE_ROLE,
    'target-role-arn': TARGET_ROLE,
    'source-cluster': 'app-production',
    'target-cluster': 'app-staging',
    'kms-key-id': CMK,
    ...inputs
  };
  const settings = readSettings(name => table[name] ?? '');
  return {
    settings: kindFromInputs(settings),
    accounts: { source: account('source', SRC, SOURCE_ROLE), target: account('target', TGT, TARGET_ROLE) },
    report: new Report(),
    state: new StateStore(),
    runId: 'test-1',
    clock: { now: () => 0, sleep: async () => undefined }
  };
}
