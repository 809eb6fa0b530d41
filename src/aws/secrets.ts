/**
 * The staging account's Secrets Manager, as the staging-secret step needs it:
 * read a secret's facts and current value, write a new version, move AWSCURRENT
 * back, start a rotation. The client acts with the target account's own
 * credentials (the same provider its KMS client uses).
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { clientConfig, type Account } from '../accounts';

/** The SDK client is loaded on first use: runs without target-secret-id never parse it (ncc puts it in a chunk of its own). */
type Sdk = typeof import('@aws-sdk/client-secrets-manager');
let sdk: Promise<Sdk> | undefined;
const load = (): Promise<Sdk> => (sdk ??= import('@aws-sdk/client-secrets-manager'));

export interface SecretFacts {
  arn: string;
  name: string;
  /** The key as the secret names it (ARN, id or alias); undefined: aws/secretsmanager. */
  kmsKeyId?: string;
  rotationEnabled: boolean;
  rotationLambdaArn?: string;
  deleted: boolean;
  /** Another service (rds) manages it: it refuses direct writes. */
  owningService?: string;
  /** The version labelled AWSCURRENT, and the one labelled AWSPREVIOUS. */
  current?: string;
  previous?: string;
  stages: Record<string, string[]>;
}

const clients = new WeakMap<Account, Promise<SecretsManagerClient>>();

/** The target account's Secrets Manager client (an Account that carries its own `secrets` client keeps it). */
export function secretsClient(account: Account): Promise<SecretsManagerClient> {
  const own = (account as Account & { secrets?: SecretsManagerClient }).secrets;
  if (own) return Promise.resolve(own);
  let client = clients.get(account);
  if (!client) {
    client = load().then(m => new m.SecretsManagerClient({ ...clientConfig(account.region), credentials: account.kms.config.credentials }));
    clients.set(account, client);
  }
  return client;
}

const holderOf = (stages: Record<string, string[]>, label: string): string | undefined => Object.entries(stages).find(([, s]) => s.includes(label))?.[0];

export async function describeSecret(sm: SecretsManagerClient, secretId: string): Promise<SecretFacts> {
  const d = await sm.send(new (await load()).DescribeSecretCommand({ SecretId: secretId }));
  const stages = d.VersionIdsToStages ?? {};
  return {
    arn: d.ARN ?? secretId,
    name: d.Name ?? secretId,
    kmsKeyId: d.KmsKeyId || undefined,
    rotationEnabled: d.RotationEnabled === true,
    rotationLambdaArn: d.RotationLambdaARN,
    deleted: d.DeletedDate !== undefined,
    owningService: d.OwningService,
    current: holderOf(stages, 'AWSCURRENT'),
    previous: holderOf(stages, 'AWSPREVIOUS'),
    stages
  };
}

/** The AWSCURRENT value (SecretString) and its version. */
export async function readCurrentValue(sm: SecretsManagerClient, secretId: string): Promise<{ versionId?: string; value?: string }> {
  const out = await sm.send(new (await load()).GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }));
  return { versionId: out.VersionId, value: out.SecretString };
}

/** A new version labelled AWSCURRENT; the token makes a retried call the same version. */
export async function putSecretVersion(sm: SecretsManagerClient, secretId: string, value: string, token: string): Promise<string> {
  const out = await sm.send(new (await load()).PutSecretValueCommand({ SecretId: secretId, SecretString: value, ClientRequestToken: token }));
  return out.VersionId ?? token;
}

/** Move AWSCURRENT from `from` to `to` (AWSPREVIOUS then sits on `from`). */
export async function moveCurrent(sm: SecretsManagerClient, secretId: string, to: string, from: string): Promise<void> {
  await sm.send(new (await load()).UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT', MoveToVersionId: to, RemoveFromVersionId: from }));
}

export async function rotateSecret(sm: SecretsManagerClient, secretId: string): Promise<string | undefined> {
  const out = await sm.send(new (await load()).RotateSecretCommand({ SecretId: secretId, RotateImmediately: true }));
  return out.VersionId;
}
