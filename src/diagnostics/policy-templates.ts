/**
 * The policies this setup needs, generated from the real account ids, role
 * ARNs, key ARNs and cluster names. Pure: `mode: policies` prints these, and
 * every KMS / IAM error annotation shows the same statements.
 */
import { MANAGED_TAG, type Context } from '../context';
import { accountRootArn, parseArn } from '../rds-rules';
import type { Settings, Transfer } from '../settings';
import type { DbKind } from '../types';
import { KEY_GRANT_POLICY_ACTIONS, KEY_POLICY_READ_ACTIONS, KEY_USER_POLICY_ACTIONS, PROBE_CLEANUP_ACTIONS } from './key-policy';
import { policyDocument, type PolicyDocument, type PolicyStatement } from './policy-json';
import { targetSecretStatements } from './secret-policy';
import { sourceCloneStatements, targetCloneStatements } from '../transfer/clone-policy';

export interface SidePolicyParams {
  accountId: string;
  /** The role the action assumes on this side; absent: the ambient principal (the key policy then names the account root). */
  roleArn?: string;
  /** The database identifier (an Aurora DB cluster or an RDS DB instance). */
  database: string;
  /** Source: the CMK the shared snapshot is encrypted under. Target: the key the restore encrypts with (absent: aws/rds). */
  keyArn?: string;
}

export interface PolicyParams {
  partition: string;
  region: string;
  /** Cluster or instance; undefined (source-db / target-db before detection): the statements for both. */
  kind?: DbKind;
  source: SidePolicyParams;
  target: SidePolicyParams;
  /** Audience of the GitHub OIDC token (the `audience` input). */
  audience: string;
  manageMasterPassword: boolean;
  dataApi: boolean;
  /** target-secret-id / target-secret-rotation: the staging applications' secret the run writes. */
  targetSecret?: { id: string; rotation: 'none' | 'trigger' };
  /** transfer clone or auto: the RAM and clone statements too (src/transfer/clone-policy.ts). */
  transfer?: Transfer;
}

export const OIDC_PROVIDER_HOST = 'token.actions.githubusercontent.com';

/** The key-user statement's actions (AWS's documented shape; a superset of KEY_REQUIREMENTS' required lists). */
export const KEY_USE_ACTIONS = KEY_USER_POLICY_ACTIONS;

/** Grant actions RDS needs to attach the key to the restored cluster; only for AWS resources. */
export const GRANT_ACTIONS = KEY_GRANT_POLICY_ACTIONS;

/** Builds the parameters from the settings alone (mode: policies); names what is missing. */
export function policyParamsFromSettings(settings: Settings): { params?: PolicyParams; missing: string[] } {
  const missing: string[] = [];
  if (!settings.source.accountId) missing.push('source-role-arn (or source-account-id, or kms-key-id)');
  if (!settings.target.accountId) missing.push('target-role-arn (or target-account-id)');
  if (missing.length > 0) return { missing };
  const partition = [settings.source.roleArn, settings.target.roleArn, settings.source.kmsKeyArn, settings.target.kmsKeyArn].map(a => (a ? parseArn(a)?.partition : undefined)).find(Boolean) ?? 'aws';
  return {
    missing,
    params: {
      partition,
      region: settings.region,
      ...(settings.kind ? { kind: settings.kind } : {}),
      source: {
        accountId: settings.source.accountId!,
        roleArn: settings.source.roleArn,
        database: settings.source.identifier,
        keyArn: settings.source.kmsKeyArn
      },
      target: {
        accountId: settings.target.accountId!,
        roleArn: settings.target.roleArn,
        database: settings.target.identifier,
        keyArn: settings.target.kmsKeyArn
      },
      audience: settings.audience,
      manageMasterPassword: settings.manageMasterPassword,
      dataApi: settings.maskingConnection === 'data-api',
      ...(settings.targetSecret ? { targetSecret: settings.targetSecret } : {}),
      ...(settings.transfer && settings.transfer !== 'snapshot' ? { transfer: settings.transfer } : {})
    }
  };
}

/** Builds the parameters from a connected run: the accounts STS reported, the roles acted as, the shared key. */
export function policyParamsFromContext(ctx: Pick<Context, 'settings' | 'accounts'>, sharedKeyArn?: string): PolicyParams {
  const { settings, accounts } = ctx;
  return {
    partition: accounts.source.partition,
    region: settings.region,
    ...(settings.kind ? { kind: settings.kind } : {}),
    source: {
      accountId: accounts.source.accountId,
      roleArn: accounts.source.principalArn,
      database: settings.source.identifier,
      keyArn: sharedKeyArn ?? settings.source.kmsKeyArn
    },
    target: {
      accountId: accounts.target.accountId,
      roleArn: accounts.target.principalArn,
      database: settings.target.identifier,
      keyArn: settings.target.kmsKeyArn
    },
    audience: settings.audience,
    manageMasterPassword: settings.manageMasterPassword,
    dataApi: settings.maskingConnection === 'data-api',
    ...(settings.targetSecret ? { targetSecret: settings.targetSecret } : {}),
    ...(settings.transfer && settings.transfer !== 'snapshot' ? { transfer: settings.transfer } : {})
  };
}

/** The principal a key policy names for a side: its role, or its account root when no role is given. */
export function keyPolicyPrincipal(p: PolicyParams, side: 'source' | 'target'): string {
  return p[side].roleArn ?? accountRootArn(p[side].accountId, p.partition);
}

/**
 * The key ARN the IAM statements are scoped to. Without kms-key-id the CMK does
 * not exist yet: every key of the source account in the region (see `keyArnIsExact`).
 */
export function sharedKeyResource(p: PolicyParams): string {
  return p.source.keyArn ?? `arn:${p.partition}:kms:${p.region}:${p.source.accountId}:key/*`;
}

export function keyArnIsExact(p: PolicyParams): boolean {
  return p.source.keyArn !== undefined;
}

// ---------------------------------------------------------------------------
// Key policy statements

/** Keeps the key manageable: the account root (and through it IAM) may administer it. Passes the lock-out check. */
export function keyAdminStatement(p: PolicyParams, accountId = p.source.accountId): PolicyStatement {
  return {
    Sid: 'EnableIAMPoliciesAndKeyAdministration',
    Effect: 'Allow',
    Principal: { AWS: accountRootArn(accountId, p.partition) },
    Action: 'kms:*',
    Resource: '*'
  };
}

/** The two statements that let a principal use a key for RDS: AWS's documented shape (use, then grants for AWS resources). */
export function keyUserStatements(principal: string, who: string): PolicyStatement[] {
  return [
    {
      Sid: `Allow${who}UseOfTheKey`,
      Effect: 'Allow',
      Principal: { AWS: principal },
      Action: [...KEY_USE_ACTIONS],
      Resource: '*'
    },
    {
      Sid: `Allow${who}AttachmentOfPersistentResources`,
      Effect: 'Allow',
      Principal: { AWS: principal },
      Action: [...GRANT_ACTIONS],
      Resource: '*',
      Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } }
    }
  ];
}

/** The two statements that let the staging principal restore a snapshot encrypted under the shared CMK. */
export function targetKeyPolicyStatements(p: PolicyParams): PolicyStatement[] {
  return keyUserStatements(keyPolicyPrincipal(p, 'target'), 'Staging');
}

/** The complete key policy of the shared CMK: admin statement first, then the staging statements. */
export function sharedKeyPolicy(p: PolicyParams): PolicyDocument {
  return policyDocument([keyAdminStatement(p), ...targetKeyPolicyStatements(p)], 'rds-cross-account-sync-shared-key');
}

// ---------------------------------------------------------------------------
// IAM statements

/** What the target role's IAM policy needs on one key (cross-account: the key policy alone is not enough). */
export function targetRoleKeyStatements(keyArn: string, sidPrefix: string, extra: string[] = []): PolicyStatement[] {
  return [
    {
      Sid: `${sidPrefix}Use`,
      Effect: 'Allow',
      Action: [...KEY_USE_ACTIONS, ...PROBE_CLEANUP_ACTIONS, ...extra],
      Resource: keyArn
    },
    {
      Sid: `${sidPrefix}Grants`,
      Effect: 'Allow',
      Action: [...GRANT_ACTIONS],
      Resource: keyArn,
      Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } }
    }
  ];
}

/** The target role's KMS statements for the shared CMK (the ones a KMS fault annotation shows). */
export function targetRoleSharedKeyStatements(p: PolicyParams): PolicyStatement[] {
  return targetRoleKeyStatements(sharedKeyResource(p), 'SharedSnapshotKey');
}

/** The target role's statements for its own key (the restore encrypts with it; preflight reads its policy). */
export function targetRoleTargetKeyStatements(keyArn: string): PolicyStatement[] {
  return targetRoleKeyStatements(keyArn, 'StagingKey', [...KEY_POLICY_READ_ACTIONS]);
}

function rdsArn(p: PolicyParams, accountId: string, resource: string): string {
  return `arn:${p.partition}:rds:${p.region}:${accountId}:${resource}`;
}

const MANAGED_ONLY = { Null: { [`aws:ResourceTag/${MANAGED_TAG}`]: 'false' } };

/** The source role's IAM statements on the shared CMK: the copy re-encrypts under it, preflight reads its policy. */
export function sourceRoleKeyStatements(p: PolicyParams): PolicyStatement[] {
  const key = sharedKeyResource(p);
  return [
    {
      Sid: 'SharedKeyCopyAndPreflight',
      Effect: 'Allow',
      Action: [...KEY_USE_ACTIONS, ...KEY_POLICY_READ_ACTIONS],
      Resource: key
    },
    {
      Sid: 'SharedKeyGrantsForRds',
      Effect: 'Allow',
      Action: [...GRANT_ACTIONS],
      Resource: key,
      Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } }
    }
  ];
}

/** The kinds the policies cover: the run's, or both while source-db / target-db are undetected. */
function kindsOf(p: PolicyParams): DbKind[] {
  return p.kind ? [p.kind] : ['cluster', 'instance'];
}

/** Aurora: the production cluster and its cluster snapshots. */
function sourceClusterStatements(p: PolicyParams): PolicyStatement[] {
  const acct = p.source.accountId;
  const snapshots = rdsArn(p, acct, 'cluster-snapshot:*');
  const cluster = rdsArn(p, acct, `cluster:${p.source.database}`);
  return [
    {
      Sid: 'ReadProductionClusterAndSnapshots',
      Effect: 'Allow',
      Action: ['rds:DescribeDBClusters', 'rds:DescribeDBClusterSnapshots', 'rds:DescribeDBClusterSnapshotAttributes', 'rds:ListTagsForResource'],
      Resource: [cluster, snapshots]
    },
    {
      Sid: 'SnapshotCopyAndShare',
      Effect: 'Allow',
      Action: ['rds:CreateDBClusterSnapshot', 'rds:CopyDBClusterSnapshot', 'rds:ModifyDBClusterSnapshotAttribute', 'rds:AddTagsToResource'],
      Resource: [cluster, snapshots]
    },
    {
      Sid: 'DeleteOnlyThisActionsSnapshots',
      Effect: 'Allow',
      Action: 'rds:DeleteDBClusterSnapshot',
      Resource: snapshots,
      Condition: MANAGED_ONLY
    }
  ];
}

/** RDS DB instance: the production instance (arn:...:db:ID), its DB snapshots (arn:...:snapshot:ID) and option groups (checked before sharing). */
function sourceInstanceStatements(p: PolicyParams): PolicyStatement[] {
  const acct = p.source.accountId;
  const snapshots = rdsArn(p, acct, 'snapshot:*');
  const instance = rdsArn(p, acct, `db:${p.source.database}`);
  return [
    {
      Sid: 'ReadProductionInstanceAndSnapshots',
      Effect: 'Allow',
      Action: ['rds:DescribeDBInstances', 'rds:DescribeDBSnapshots', 'rds:DescribeDBSnapshotAttributes', 'rds:ListTagsForResource'],
      Resource: [instance, snapshots]
    },
    {
      Sid: 'ReadOptionGroupsBeforeSharing',
      Effect: 'Allow',
      Action: 'rds:DescribeOptionGroups',
      Resource: rdsArn(p, acct, 'og:*')
    },
    {
      Sid: 'DBSnapshotCopyAndShare',
      Effect: 'Allow',
      Action: ['rds:CreateDBSnapshot', 'rds:CopyDBSnapshot', 'rds:ModifyDBSnapshotAttribute', 'rds:AddTagsToResource'],
      Resource: [instance, snapshots]
    },
    {
      Sid: 'DeleteOnlyThisActionsDBSnapshots',
      Effect: 'Allow',
      Action: 'rds:DeleteDBSnapshot',
      Resource: snapshots,
      Condition: MANAGED_ONLY
    }
  ];
}

export function sourceRolePolicy(p: PolicyParams): PolicyDocument {
  return policyDocument([
    ...kindsOf(p).flatMap(k => (k === 'cluster' ? sourceClusterStatements(p) : sourceInstanceStatements(p))),
    ...sourceRoleKeyStatements(p),
    ...(cloning(p) ? sourceCloneStatements(p) : [])
  ]);
}

/** transfer clone / auto on an Aurora cluster (or a kind not yet known). */
function cloning(p: PolicyParams): boolean {
  return p.transfer !== undefined && p.transfer !== 'snapshot' && kindsOf(p).includes('cluster');
}

/** Aurora in staging: restore from the shared cluster snapshot, the cluster and its instances, final cluster snapshots. */
function targetClusterStatements(p: PolicyParams): PolicyStatement[] {
  const acct = p.target.accountId;
  const clusters = rdsArn(p, acct, `cluster:${p.target.database}*`);
  return [
    {
      Sid: 'ReadOnlyDescribe',
      Effect: 'Allow',
      Action: ['rds:DescribeDBClusters', 'rds:DescribeDBInstances', 'rds:DescribeDBClusterSnapshots', 'rds:DescribeDBSubnetGroups', 'rds:ListTagsForResource'],
      Resource: '*'
    },
    {
      Sid: 'RestoreFromTheSharedSnapshot',
      Effect: 'Allow',
      Action: ['rds:RestoreDBClusterFromSnapshot', 'rds:AddTagsToResource'],
      Resource: [clusters, rdsArn(p, p.source.accountId, 'cluster-snapshot:*'), rdsArn(p, acct, 'subgrp:*'), rdsArn(p, acct, 'cluster-pg:*'), rdsArn(p, acct, 'og:*')]
    },
    {
      Sid: 'StagingClusterLifecycle',
      Effect: 'Allow',
      Action: ['rds:ModifyDBCluster', 'rds:DeleteDBCluster', 'rds:CreateDBClusterSnapshot', 'rds:AddTagsToResource', 'rds:RemoveTagsFromResource', ...(p.dataApi ? ['rds:EnableHttpEndpoint'] : [])],
      Resource: [clusters, rdsArn(p, acct, 'cluster-snapshot:*'), rdsArn(p, acct, 'cluster-pg:*'), rdsArn(p, acct, 'og:*')]
    },
    {
      Sid: 'StagingInstances',
      Effect: 'Allow',
      Action: ['rds:CreateDBInstance', 'rds:DeleteDBInstance', 'rds:ModifyDBInstance', 'rds:AddTagsToResource'],
      Resource: [rdsArn(p, acct, 'db:*'), clusters, rdsArn(p, acct, 'pg:*'), rdsArn(p, acct, 'subgrp:*'), rdsArn(p, acct, 'og:*')]
    },
    {
      Sid: 'DeleteOnlyThisActionsSnapshots',
      Effect: 'Allow',
      Action: 'rds:DeleteDBClusterSnapshot',
      Resource: rdsArn(p, acct, 'cluster-snapshot:*'),
      Condition: MANAGED_ONLY
    }
  ];
}

/**
 * RDS DB instance in staging: copy the shared DB snapshot into the staging
 * account (CopyDBSnapshot), restore the instance from that copy, rename,
 * modify and delete the staging instances, delete this action's DB snapshots.
 */
function targetInstanceStatements(p: PolicyParams): PolicyStatement[] {
  const acct = p.target.accountId;
  const instances = rdsArn(p, acct, `db:${p.target.database}*`);
  const ownSnapshots = rdsArn(p, acct, 'snapshot:*');
  return [
    {
      Sid: 'ReadOnlyDescribeInstances',
      Effect: 'Allow',
      Action: ['rds:DescribeDBInstances', 'rds:DescribeDBSnapshots', 'rds:DescribeDBSnapshotAttributes', 'rds:DescribeDBSubnetGroups', 'rds:ListTagsForResource'],
      Resource: '*'
    },
    {
      Sid: 'CopyTheSharedDBSnapshotIntoStaging',
      Effect: 'Allow',
      Action: ['rds:CopyDBSnapshot', 'rds:AddTagsToResource'],
      Resource: [rdsArn(p, p.source.accountId, 'snapshot:*'), ownSnapshots]
    },
    {
      Sid: 'RestoreTheInstanceFromTheStagingCopy',
      Effect: 'Allow',
      Action: ['rds:RestoreDBInstanceFromDBSnapshot', 'rds:AddTagsToResource'],
      Resource: [instances, ownSnapshots, rdsArn(p, acct, 'subgrp:*'), rdsArn(p, acct, 'pg:*'), rdsArn(p, acct, 'og:*')]
    },
    {
      Sid: 'StagingInstanceLifecycle',
      Effect: 'Allow',
      Action: ['rds:ModifyDBInstance', 'rds:DeleteDBInstance', 'rds:CreateDBSnapshot', 'rds:AddTagsToResource', 'rds:RemoveTagsFromResource'],
      Resource: [instances, ownSnapshots, rdsArn(p, acct, 'pg:*'), rdsArn(p, acct, 'og:*')]
    },
    {
      Sid: 'DeleteOnlyThisActionsDBSnapshots',
      Effect: 'Allow',
      Action: 'rds:DeleteDBSnapshot',
      Resource: ownSnapshots,
      Condition: MANAGED_ONLY
    }
  ];
}

export function targetRolePolicy(p: PolicyParams): PolicyDocument {
  const acct = p.target.accountId;
  const kinds = kindsOf(p);
  const statements: PolicyStatement[] = [...kinds.flatMap(k => (k === 'cluster' ? targetClusterStatements(p) : targetInstanceStatements(p))), ...targetRoleSharedKeyStatements(p)];
  if (p.target.keyArn) statements.push(...targetRoleTargetKeyStatements(p.target.keyArn));
  if (cloning(p)) statements.push(...targetCloneStatements(p));
  // RDS names a managed master password secret rds!cluster-<id> for a cluster, rds!db-<id> for an instance.
  const secrets = kinds.map(k => `arn:${p.partition}:secretsmanager:${p.region}:${acct}:secret:rds!${k === 'cluster' ? 'cluster' : 'db'}-*`);
  const secretResource = secrets.length === 1 ? secrets[0] : secrets;
  if (p.manageMasterPassword)
    statements.push({
      Sid: 'ManagedMasterPassword',
      Effect: 'Allow',
      Action: ['secretsmanager:CreateSecret', 'secretsmanager:TagResource'],
      Resource: secretResource
    });
  if (p.dataApi && kinds.includes('cluster'))
    statements.push(
      {
        Sid: 'MaskThroughDataApi',
        Effect: 'Allow',
        Action: ['rds-data:ExecuteStatement', 'rds-data:BatchExecuteStatement', 'rds-data:BeginTransaction', 'rds-data:CommitTransaction', 'rds-data:RollbackTransaction'],
        Resource: rdsArn(p, acct, `cluster:${p.target.database}*`)
      },
      { Sid: 'ReadTheClusterSecret', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: secrets[0] }
    );
  if (p.targetSecret) statements.push(...targetSecretStatements({ partition: p.partition, region: p.region, accountId: acct, secretId: p.targetSecret.id, rotation: p.targetSecret.rotation }));
  return policyDocument(statements);
}

// ---------------------------------------------------------------------------
// GitHub OIDC trust

/**
 * The `sub` claim GitHub puts in this job's token: `repo:OWNER/REPO:environment:NAME`
 * when the job has an environment, else `repo:OWNER/REPO:ref:refs/heads/BRANCH`.
 * Never a wildcard: a role trusted by `repo:*` can be assumed from any repository.
 */
export function githubSubject(repository: string, scope: { environment?: string; ref?: string }): string {
  if (!/^[\w.-]+\/[\w.-]+$/.test(repository)) throw new Error(`'${repository}' is not an OWNER/REPO repository name`);
  if (scope.environment) return `repo:${repository}:environment:${scope.environment}`;
  const ref = scope.ref ?? 'refs/heads/main';
  if (ref.includes('*')) throw new Error(`refusing a wildcard in the OIDC subject ref '${ref}'`);
  return `repo:${repository}:ref:${ref}`;
}

export function githubOidcTrustPolicy(p: PolicyParams, accountId: string, subject: string): PolicyDocument {
  if (subject.includes('*')) throw new Error(`refusing a wildcard in the OIDC subject '${subject}'`);
  return policyDocument([
    {
      Sid: 'GitHubActionsThisRepositoryOnly',
      Effect: 'Allow',
      Principal: { Federated: `arn:${p.partition}:iam::${accountId}:oidc-provider/${OIDC_PROVIDER_HOST}` },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: {
          [`${OIDC_PROVIDER_HOST}:aud`]: p.audience,
          [`${OIDC_PROVIDER_HOST}:sub`]: subject
        }
      }
    }
  ]);
}

/** Everything `mode: policies` writes, in one value. */
export interface PolicySet {
  keyArn: string;
  keyArnIsExact: boolean;
  keyPolicy: PolicyDocument;
  sourceRole: { roleArn?: string; accountId: string; policy: PolicyDocument; trustPolicy: PolicyDocument };
  targetRole: { roleArn?: string; accountId: string; policy: PolicyDocument; trustPolicy: PolicyDocument };
  subject: string;
}

export function policySet(p: PolicyParams, subject: string): PolicySet {
  return {
    keyArn: sharedKeyResource(p),
    keyArnIsExact: keyArnIsExact(p),
    keyPolicy: sharedKeyPolicy(p),
    sourceRole: {
      roleArn: p.source.roleArn,
      accountId: p.source.accountId,
      policy: sourceRolePolicy(p),
      trustPolicy: githubOidcTrustPolicy(p, p.source.accountId, subject)
    },
    targetRole: {
      roleArn: p.target.roleArn,
      accountId: p.target.accountId,
      policy: targetRolePolicy(p),
      trustPolicy: githubOidcTrustPolicy(p, p.target.accountId, subject)
    },
    subject
  };
}

/** A Terraform rendering of one document: `jsonencode(...)` of the same value, for docs and the policies file. */
export function toTerraformJsonencode(doc: PolicyDocument, indent = '  '): string {
  const render = (v: unknown, depth: number): string => {
    const pad = indent.repeat(depth + 1);
    const end = indent.repeat(depth);
    if (Array.isArray(v)) return v.length === 0 ? '[]' : `[\n${v.map(x => pad + render(x, depth + 1)).join(',\n')}\n${end}]`;
    if (v && typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>);
      return `{\n${entries.map(([k, x]) => `${pad}${JSON.stringify(k)} = ${render(x, depth + 1)}`).join('\n')}\n${end}}`;
    }
    return JSON.stringify(v);
  };
  return `jsonencode(${render(doc, 0)})`;
}
