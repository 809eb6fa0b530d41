/**
 * Secrets Manager over its real JSON 1.1 protocol (`X-Amz-Target: secretsmanager.<Op>`):
 * DescribeSecret, GetSecretValue, PutSecretValue, UpdateSecretVersionStage,
 * ListSecretVersionIds and RotateSecret, with the rules AWS applies:
 * - IAM: `secretsmanager:<Op>` on the secret ARN (identity policies of the caller;
 *   a secret of another account is refused: resource policies are not emulated);
 * - KMS: writing a version needs `kms:GenerateDataKey`, reading one `kms:Decrypt`,
 *   on the secret's key as Secrets Manager calls it (`kms:ViaService`
 *   secretsmanager.REGION.amazonaws.com); a refusal is `AccessDeniedException`
 *   "Access to KMS is not allowed", a disabled key `EncryptionFailure` / `DecryptionFailure`;
 * - staging labels: a new AWSCURRENT demotes the old one to AWSPREVIOUS; moving a label
 *   that is attached elsewhere needs `RemoveFromVersionId` naming that version;
 * - a secret marked for deletion refuses every operation but DescribeSecret;
 * - RotateSecret needs a rotation function (configured or given): the function itself
 *   is not run, the call is recorded (`rotations` in the state).
 * Error codes are the shapes of the SDK's Secrets Manager model.
 */
import { createHash, randomUUID } from 'node:crypto';
import * as smModel from '@aws-sdk/client-secrets-manager';
import type { HandlerContext } from './context';
import { AwsError } from './errors';
import { evaluate } from './iam';
import { addKey, keyAllows, resolveKey } from './kms';
import type { PolicyDocument } from './iam';
import type { Account, Key, Principal, World } from './world';

type Input = Record<string, unknown>;
type Output = Record<string, unknown>;

export interface SecretVersion {
  versionId: string;
  /** SecretString (the emulator does not take SecretBinary). */
  value: string;
  stages: string[];
  created: Date;
  /** The key the version was encrypted under. */
  keyArn: string;
}

export interface Secret {
  arn: string;
  name: string;
  account: string;
  description: string;
  /** As set on the secret (ARN, id or alias); undefined: the AWS managed key aws/secretsmanager. */
  kmsKeyId?: string;
  versions: SecretVersion[];
  rotation?: { lambdaArn: string; days?: number };
  /** RotateSecret calls accepted (the rotation function is not emulated). */
  rotations: Array<{ at: Date; versionId: string }>;
  deletedDate?: Date;
  /** Set for secrets another service manages (RDS: `rds`): they refuse direct writes. */
  owningService?: string;
  created: Date;
  lastChanged: Date;
  tags: Array<{ Key: string; Value: string }>;
}

/** Scenario form, under an account's `secrets:`. */
export interface ScenarioSecret {
  name: string;
  description?: string;
  /** alias/..., a key id or ARN; default: aws/secretsmanager. */
  kmsKey?: string;
  /** The AWSCURRENT value: a string, or an object written as JSON. */
  value?: string | Record<string, unknown>;
  /** An older value, labelled AWSPREVIOUS. */
  previous?: string | Record<string, unknown>;
  rotation?: { lambdaArn: string; days?: number };
  deleted?: boolean;
  owningService?: string;
  tags?: Record<string, string>;
}

const stores = new WeakMap<World, Map<string, Map<string, Secret>>>();

/** The secrets of one account, by name. */
export function secretsOf(world: World, account: string): Map<string, Secret> {
  let byAccount = stores.get(world);
  if (!byAccount) stores.set(world, (byAccount = new Map()));
  let secrets = byAccount.get(account);
  if (!secrets) byAccount.set(account, (secrets = new Map()));
  return secrets;
}

/** An error of the Secrets Manager model, by its shape name (the wire code is the same name). */
export function smFault(name: string, message: string): AwsError {
  const schema = (smModel as unknown as Record<string, unknown>)[`${name}$`] as [number, string, string, Record<string, unknown>] | undefined;
  if (name !== 'AccessDeniedException' && (!Array.isArray(schema) || schema[0] !== -3)) throw new Error(`emulator bug: ${name} is not an error of the Secrets Manager model`);
  const status = schema?.[3]?.['error'] === 'server' ? 500 : 400;
  return new AwsError(name, message, status);
}

function smService(world: World): string {
  return `secretsmanager.${world.region}.amazonaws.com`;
}

/** The policy AWS attaches to each account's aws/secretsmanager key (it cannot be edited). */
function awsSecretsManagerKeyPolicy(account: string, region: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Id: 'auto-secretsmanager-2',
    Statement: [
      {
        Sid: 'Allow access through AWS Secrets Manager for all principals in the account that are authorized to use AWS Secrets Manager',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:CreateGrant', 'kms:DescribeKey', 'kms:GenerateDataKey*'],
        Resource: '*',
        Condition: { StringEquals: { 'kms:CallerAccount': account, 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` } }
      },
      {
        Sid: 'Allow direct access to key metadata to the account',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: ['kms:Describe*', 'kms:Get*', 'kms:List*', 'kms:RevokeGrant'],
        Resource: '*'
      }
    ]
  };
}

/** aws/secretsmanager: created the first time a secret of the account needs it, as AWS does. */
function awsSecretsManagerKey(world: World, account: Account): Key {
  const existing = account.aliases.get('alias/aws/secretsmanager');
  if (existing) return account.keys.get(existing)!;
  return addKey(world, account, {
    aliases: ['alias/aws/secretsmanager'],
    policy: awsSecretsManagerKeyPolicy(account.id, world.region),
    manager: 'AWS',
    description: 'Default key that protects my Secrets Manager data when no other key is defined'
  });
}

function keyOf(world: World, secret: Secret): Key | undefined {
  const account = world.account(secret.account)!;
  if (!secret.kmsKeyId) return awsSecretsManagerKey(world, account);
  return resolveKey(world, secret.account, secret.kmsKeyId);
}

/** Secret ARNs end in '-' and six random characters; the emulator derives them from the name so scenarios are stable. */
function arnSuffix(account: string, name: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const digest = createHash('sha256').update(`${account}/${name}`).digest();
  return [...digest.subarray(0, 6)].map(b => alphabet[b % alphabet.length]).join('');
}

export function secretArn(world: World, account: string, name: string): string {
  return `arn:aws:secretsmanager:${world.region}:${account}:secret:${name}-${arnSuffix(account, name)}`;
}

const asValue = (v: string | Record<string, unknown>): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** Loads an account's `secrets:` from a scenario (after its keys). */
export function addScenarioSecrets(world: World, account: Account, secrets: ScenarioSecret[] = []): void {
  for (const s of secrets) {
    const now = world.now();
    if (s.kmsKey && !resolveKey(world, account.id, s.kmsKey)) throw new Error(`scenario: secret ${s.name}: no key ${s.kmsKey} in ${account.id}`);
    const secret: Secret = {
      arn: secretArn(world, account.id, s.name),
      name: s.name,
      account: account.id,
      description: s.description ?? '',
      kmsKeyId: s.kmsKey,
      versions: [],
      rotation: s.rotation,
      rotations: [],
      deletedDate: s.deleted ? now : undefined,
      owningService: s.owningService,
      created: now,
      lastChanged: now,
      tags: Object.entries(s.tags ?? {}).map(([Key, Value]) => ({ Key, Value }))
    };
    const key = keyOf(world, secret)!;
    if (s.previous !== undefined) secret.versions.push({ versionId: randomUUID(), value: asValue(s.previous), stages: ['AWSPREVIOUS'], created: new Date(now.getTime() - 86_400_000), keyArn: key.arn });
    if (s.value !== undefined) secret.versions.push({ versionId: randomUUID(), value: asValue(s.value), stages: ['AWSCURRENT'], created: now, keyArn: key.arn });
    secretsOf(world, account.id).set(s.name, secret);
  }
}

/** The JSON view for GET /_emulator/state. */
export function secretsView(world: World, account: string): unknown[] {
  return [...secretsOf(world, account).values()].map(s => ({
    name: s.name,
    arn: s.arn,
    kmsKeyId: s.kmsKeyId,
    deleted: s.deletedDate !== undefined,
    rotation: s.rotation,
    rotations: s.rotations,
    versions: s.versions.map(v => ({ versionId: v.versionId, stages: v.stages, created: v.created, value: v.value }))
  }));
}

// ---------------------------------------------------------------------------

function str(input: Input, name: string, required: true): string;
function str(input: Input, name: string, required?: false): string | undefined;
function str(input: Input, name: string, required = false): string | undefined {
  const v = input[name];
  if (v === undefined || v === null) {
    if (required) throw smFault('InvalidParameterException', `1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`);
    return undefined;
  }
  if (typeof v !== 'string') throw smFault('InvalidParameterException', `${name} must be a string`);
  return v;
}

function denied(who: Principal, action: string, resource: string, explicit: boolean): AwsError {
  const why = explicit ? 'with an explicit deny in an identity-based policy' : `because no identity-based policy allows the ${action} action`;
  return smFault('AccessDeniedException', `User: ${who.callerArn} is not authorized to perform: ${action} on resource: ${resource} ${why}`);
}

function authorize(ctx: HandlerContext, action: string, resourceArn: string, shown: string): void {
  const who = ctx.caller!.principal;
  const decision = evaluate(who.policies, { action, resource: resourceArn, context: { 'aws:PrincipalAccount': who.account } });
  if (decision !== 'allow') throw denied(who, action, shown, decision === 'explicit-deny');
}

/**
 * The secret a SecretId names (name, complete ARN, or an ARN without the random suffix),
 * authorized for `action`. A name nobody holds is still checked against IAM first, with
 * the ARN it would have: a caller without the permission learns nothing about it.
 */
function findSecret(ctx: HandlerContext, input: Input, action: string, opts: { allowDeleted?: boolean } = {}): Secret {
  const who = ctx.caller!.principal;
  const id = str(input, 'SecretId', true);
  if (id.length === 0 || id.length > 2048) throw smFault('InvalidParameterException', 'Invalid SecretId: it must be 1 to 2048 characters.');
  const arn = /^arn:aws:secretsmanager:([^:]+):(\d{12}):secret:(.+)$/.exec(id);
  let secret: Secret | undefined;
  if (arn) {
    if (arn[2] !== who.account) {
      // Another account's secret needs its resource policy, which the emulator does not model.
      throw denied(who, action, id, false);
    }
    if (arn[1] === ctx.world.region) {
      for (const s of secretsOf(ctx.world, who.account).values()) if (s.arn === id || s.arn.slice(0, -7) === id) secret = s;
    }
  } else {
    secret = secretsOf(ctx.world, who.account).get(id);
  }
  const resource = secret?.arn ?? (arn ? id : `arn:aws:secretsmanager:${ctx.world.region}:${who.account}:secret:${id}`);
  authorize(ctx, action, resource, id);
  if (!secret) throw smFault('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
  if (secret.deletedDate && !opts.allowDeleted) throw smFault('InvalidRequestException', "You can't perform this operation on the secret because it was marked for deletion.");
  return secret;
}

/** Secrets Manager uses the secret's key on the caller's behalf: KMS decides as for any caller, through secretsmanager. */
function useKey(ctx: HandlerContext, secret: Secret, action: 'kms:GenerateDataKey' | 'kms:Decrypt'): Key {
  const who = ctx.caller!.principal;
  const key = keyOf(ctx.world, secret);
  const writing = action === 'kms:GenerateDataKey';
  if (!key) throw smFault(writing ? 'EncryptionFailure' : 'DecryptionFailure', `The KMS key ${secret.kmsKeyId} does not exist.`);
  if (!key.enabled)
    throw smFault(
      writing ? 'EncryptionFailure' : 'DecryptionFailure',
      writing
        ? `Secrets Manager can't encrypt the protected secret text using the provided KMS key: ${key.arn} is disabled.`
        : `Secrets Manager can't decrypt the protected secret text using the provided KMS key: ${key.arn} is disabled.`
    );
  if (!keyAllows(who, key, action, { viaService: smService(ctx.world) })) throw smFault('AccessDeniedException', 'Access to KMS is not allowed');
  return key;
}

function stagesMap(secret: Secret): Record<string, string[]> {
  const map: Record<string, string[]> = {};
  for (const v of secret.versions) if (v.stages.length > 0) map[v.versionId] = [...v.stages];
  return map;
}

function holder(secret: Secret, stage: string): SecretVersion | undefined {
  return secret.versions.find(v => v.stages.includes(stage));
}

/** Attach `stage` to `to`, taking it off whoever held it; a moved AWSCURRENT leaves AWSPREVIOUS on its former holder. */
function moveStage(secret: Secret, stage: string, to: SecretVersion | undefined, from: SecretVersion | undefined): void {
  if (from) from.stages = from.stages.filter(s => s !== stage);
  if (to && !to.stages.includes(stage)) to.stages.push(stage);
  if (stage === 'AWSCURRENT' && from && to && from !== to) {
    for (const v of secret.versions) if (v !== from) v.stages = v.stages.filter(s => s !== 'AWSPREVIOUS');
    if (!from.stages.includes('AWSPREVIOUS')) from.stages.push('AWSPREVIOUS');
  }
}

function checkToken(token: string): void {
  if (token.length < 32 || token.length > 64) throw smFault('InvalidParameterException', 'ClientRequestToken must be 32 to 64 characters long.');
}

const MAX_VERSIONS = 100;

export const secretsManagerOperations: Record<string, (ctx: HandlerContext, input: Input) => Output> = {
  DescribeSecret(ctx, input) {
    const s = findSecret(ctx, input, 'secretsmanager:DescribeSecret', { allowDeleted: true });
    return {
      ARN: s.arn,
      Name: s.name,
      Description: s.description || undefined,
      // As AWS reports it: the key id, or the alias ARN for a key set by alias; absent for aws/secretsmanager.
      KmsKeyId: s.kmsKeyId?.startsWith('alias/') ? `arn:aws:kms:${ctx.world.region}:${s.account}:${s.kmsKeyId}` : s.kmsKeyId,
      RotationEnabled: s.rotation ? true : undefined,
      RotationLambdaARN: s.rotation?.lambdaArn,
      RotationRules: s.rotation?.days ? { AutomaticallyAfterDays: s.rotation.days } : undefined,
      LastRotatedDate: s.rotations.at(-1)?.at,
      LastChangedDate: s.lastChanged,
      DeletedDate: s.deletedDate,
      CreatedDate: s.created,
      OwningService: s.owningService,
      Tags: s.tags.length ? s.tags : undefined,
      VersionIdsToStages: stagesMap(s)
    };
  },

  GetSecretValue(ctx, input) {
    const s = findSecret(ctx, input, 'secretsmanager:GetSecretValue');
    const versionId = str(input, 'VersionId');
    const stage = str(input, 'VersionStage');
    let version: SecretVersion | undefined;
    if (versionId) {
      version = s.versions.find(v => v.versionId === versionId);
      if (!version) throw smFault('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`);
      if (stage && !version.stages.includes(stage)) throw smFault('InvalidRequestException', 'You provided a VersionStage that is not associated to the provided VersionId.');
    } else {
      const wanted = stage ?? 'AWSCURRENT';
      version = holder(s, wanted);
      if (!version) throw smFault('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for staging label: ${wanted}`);
    }
    useKey(ctx, s, 'kms:Decrypt');
    return { ARN: s.arn, Name: s.name, VersionId: version.versionId, SecretString: version.value, VersionStages: [...version.stages], CreatedDate: version.created };
  },

  PutSecretValue(ctx, input) {
    const s = findSecret(ctx, input, 'secretsmanager:PutSecretValue');
    if (s.owningService) throw smFault('InvalidRequestException', `You can't perform this operation on secrets that are managed by ${s.owningService}. Use ${s.owningService} to manage this secret.`);
    const value = str(input, 'SecretString');
    if (input['SecretBinary'] !== undefined) throw smFault('InvalidRequestException', 'The emulator stores SecretString only.');
    if (value === undefined) throw smFault('InvalidRequestException', 'You must provide either SecretString or SecretBinary.');
    if (Buffer.byteLength(value, 'utf8') > 65536) throw smFault('InvalidParameterException', 'SecretString must be at most 65536 bytes.');
    const token = str(input, 'ClientRequestToken') ?? randomUUID();
    checkToken(token);
    const stagesInput = input['VersionStages'];
    const stages = stagesInput === undefined ? ['AWSCURRENT'] : Array.isArray(stagesInput) ? stagesInput.map(String) : [];
    if (stages.length === 0 || stages.length > 20) throw smFault('InvalidParameterException', 'VersionStages must list 1 to 20 staging labels.');
    const existing = s.versions.find(v => v.versionId === token);
    if (existing) {
      // Idempotent: the same token with the same value is the same request.
      if (existing.value !== value) throw smFault('ResourceExistsException', "You can't modify an existing version, you can only create a new version.");
      return { ARN: s.arn, Name: s.name, VersionId: existing.versionId, VersionStages: [...existing.stages] };
    }
    const key = useKey(ctx, s, 'kms:GenerateDataKey');
    if (s.versions.filter(v => v.stages.length === 0).length >= MAX_VERSIONS)
      s.versions.splice(
        s.versions.findIndex(v => v.stages.length === 0),
        1
      );
    const version: SecretVersion = { versionId: token, value, stages: [], created: ctx.world.now(), keyArn: key.arn };
    s.versions.push(version);
    for (const stage of stages) moveStage(s, stage, version, holder(s, stage));
    s.lastChanged = ctx.world.now();
    return { ARN: s.arn, Name: s.name, VersionId: version.versionId, VersionStages: [...version.stages] };
  },

  UpdateSecretVersionStage(ctx, input) {
    const s = findSecret(ctx, input, 'secretsmanager:UpdateSecretVersionStage');
    const stage = str(input, 'VersionStage', true);
    if (stage.length < 1 || stage.length > 256) throw smFault('InvalidParameterException', 'VersionStage must be 1 to 256 characters.');
    const removeId = str(input, 'RemoveFromVersionId');
    const moveId = str(input, 'MoveToVersionId');
    const find = (id: string) => {
      const v = s.versions.find(x => x.versionId === id);
      if (!v) throw smFault('ResourceNotFoundException', `Secrets Manager can't find the specified secret version: ${id}`);
      return v;
    };
    const to = moveId ? find(moveId) : undefined;
    const from = removeId ? find(removeId) : undefined;
    const current = holder(s, stage);
    if (from && !from.stages.includes(stage)) throw smFault('InvalidParameterException', `The staging label ${stage} is not attached to version ${from.versionId}.`);
    if (to && current && current !== to && !from)
      throw smFault(
        'InvalidParameterException',
        `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${current.versionId}, so you must explicitly reference that version in RemoveFromVersionId.`
      );
    if (!to && stage === 'AWSCURRENT' && from) throw smFault('InvalidParameterException', 'Staging label AWSCURRENT can only be moved to another version (MoveToVersionId), not removed.');
    moveStage(s, stage, to, from);
    s.lastChanged = ctx.world.now();
    return { ARN: s.arn, Name: s.name };
  },

  ListSecretVersionIds(ctx, input) {
    const s = findSecret(ctx, input, 'secretsmanager:ListSecretVersionIds');
    const all = input['IncludeDeprecated'] === true;
    const max = typeof input['MaxResults'] === 'number' ? (input['MaxResults'] as number) : 100;
    if (max < 1 || max > 100) throw smFault('InvalidParameterException', 'MaxResults must be from 1 to 100.');
    const start = input['NextToken'] === undefined ? 0 : Number(input['NextToken']);
    if (!Number.isInteger(start) || start < 0) throw smFault('InvalidNextTokenException', 'The NextToken value is invalid.');
    const versions = s.versions.filter(v => all || v.stages.length > 0);
    const page = versions.slice(start, start + max);
    return {
      ARN: s.arn,
      Name: s.name,
      Versions: page.map(v => ({ VersionId: v.versionId, VersionStages: v.stages.length ? [...v.stages] : undefined, CreatedDate: v.created, KmsKeyIds: [v.keyArn] })),
      NextToken: start + max < versions.length ? String(start + max) : undefined
    };
  },

  RotateSecret(ctx, input) {
    const s = findSecret(ctx, input, 'secretsmanager:RotateSecret');
    if (s.owningService) throw smFault('InvalidRequestException', `You can't perform this operation on secrets that are managed by ${s.owningService}. Use ${s.owningService} to manage this secret.`);
    const lambdaArn = str(input, 'RotationLambdaARN') ?? s.rotation?.lambdaArn;
    if (!lambdaArn) throw smFault('InvalidRequestException', 'The secret has no rotation function configured: specify RotationLambdaARN, or configure rotation on the secret first.');
    const token = str(input, 'ClientRequestToken') ?? randomUUID();
    checkToken(token);
    if (!s.rotation) s.rotation = { lambdaArn };
    s.rotations.push({ at: ctx.world.now(), versionId: token });
    return { ARN: s.arn, Name: s.name, VersionId: token };
  }
};
