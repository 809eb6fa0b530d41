/**
 * The permissions the staging secret (target-secret-id) needs, as statements
 * with the real ARNs: `mode: policies` adds them to the target role's policy,
 * and a refused write or a failed preflight shows the same ones. Pure.
 */
import type { PolicyStatement } from './policy-json';

/** What the action calls on the secret: read its labels and value, write a version, move AWSCURRENT back. */
export const SECRET_ACTIONS = ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'] as const;

/** What Secrets Manager does with the secret's key for the caller: a data key to write a version, decrypt to read one. */
export const SECRET_KEY_ACTIONS = ['kms:GenerateDataKey', 'kms:Decrypt'] as const;

export interface SecretPolicyParams {
  partition: string;
  region: string;
  /** The staging account. */
  accountId: string;
  /** target-secret-id: a name or an ARN. */
  secretId: string;
  rotation: 'none' | 'trigger';
}

/**
 * The secret's ARN for a Resource element: the ARN as given, or for a name the ARN with
 * AWS's six random characters matched by `??????` (AWS's own advice for names).
 */
export function secretResource(p: Pick<SecretPolicyParams, 'partition' | 'region' | 'accountId' | 'secretId'>): string {
  if (p.secretId.startsWith('arn:')) return p.secretId;
  return `arn:${p.partition}:secretsmanager:${p.region}:${p.accountId}:secret:${p.secretId}-??????`;
}

export function secretsManagerService(region: string): string {
  return `secretsmanager.${region}.amazonaws.com`;
}

/** The target role's statements for the secret, and for a customer managed key under it (only through Secrets Manager). */
export function targetSecretStatements(p: SecretPolicyParams): PolicyStatement[] {
  const actions: string[] = [...SECRET_ACTIONS];
  if (p.rotation === 'trigger') actions.push('secretsmanager:RotateSecret');
  return [
    { Sid: 'StagingApplicationSecret', Effect: 'Allow', Action: actions, Resource: secretResource(p) },
    {
      Sid: 'StagingApplicationSecretKey',
      Effect: 'Allow',
      Action: [...SECRET_KEY_ACTIONS],
      Resource: `arn:${p.partition}:kms:${p.region}:${p.accountId}:key/*`,
      Condition: { StringEquals: { 'kms:ViaService': secretsManagerService(p.region) } }
    }
  ];
}

/** One action on the secret, for an annotation's fix. */
export function secretActionStatement(action: string, resource: string): PolicyStatement {
  return { Sid: 'StagingApplicationSecret', Effect: 'Allow', Action: action, Resource: resource };
}

/** The key-policy statement that lets the role use a customer managed key through Secrets Manager. */
export function secretKeyPolicyStatement(principalArn: string, region: string): PolicyStatement {
  return {
    Sid: 'AllowStagingSecretWritesThroughSecretsManager',
    Effect: 'Allow',
    Principal: { AWS: principalArn },
    Action: [...SECRET_KEY_ACTIONS],
    Resource: '*',
    Condition: { StringEquals: { 'kms:ViaService': secretsManagerService(region) } }
  };
}

/** The IAM statement for the same key (needed when the key policy admits the account root, and across accounts). */
export function secretKeyIamStatement(keyArn: string, region: string): PolicyStatement {
  return {
    Sid: 'StagingApplicationSecretKey',
    Effect: 'Allow',
    Action: [...SECRET_KEY_ACTIONS],
    Resource: keyArn,
    Condition: { StringEquals: { 'kms:ViaService': secretsManagerService(region) } }
  };
}
