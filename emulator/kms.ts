/**
 * KMS: keys, aliases, key policies (with the lock-out safety check), grants, and
 * the key-access rule every KMS and RDS call goes through (`keyAllows`).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { HandlerContext } from './context';
import { AwsError, kmsFault } from './errors';
import { evaluate, matchingStatements, principalMatch, uniqueIdOf, type ConditionContext, type PolicyDocument } from './iam';
import type { Account, Key, Principal, World } from './world';

type Input = Record<string, unknown>;
type Output = Record<string, unknown>;

export function defaultKeyPolicy(account: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: 'kms:*',
        Resource: '*'
      }
    ]
  };
}

/** The policy AWS attaches to each account's aws/rds key (it cannot be edited). */
export function awsRdsKeyPolicy(account: string, region: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Id: 'auto-rds-2',
    Statement: [
      {
        Sid: 'Allow access through RDS for all principals in the account that are authorized to use RDS',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:CreateGrant', 'kms:ListGrants', 'kms:DescribeKey'],
        Resource: '*',
        Condition: { StringEquals: { 'kms:CallerAccount': account, 'kms:ViaService': `rds.${region}.amazonaws.com` } }
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

export function addKey(world: World, account: Account, opts: { id?: string; aliases?: string[]; policy?: PolicyDocument | string; manager?: 'AWS' | 'CUSTOMER'; description?: string }): Key {
  const id = opts.id ?? randomUUID();
  const policy = opts.policy ?? defaultKeyPolicy(account.id);
  const key: Key = {
    id,
    arn: world.keyArn(account.id, id),
    account: account.id,
    manager: opts.manager ?? 'CUSTOMER',
    description: opts.description ?? '',
    enabled: true,
    policy: typeof policy === 'string' ? policy : JSON.stringify(policy, null, 2),
    created: world.now(),
    grants: []
  };
  account.keys.set(id, key);
  for (const alias of opts.aliases ?? []) account.aliases.set(alias, id);
  return key;
}

/** Every account has its AWS managed aws/rds key. */
export function ensureAwsRdsKey(world: World, account: Account): Key {
  const existing = account.aliases.get('alias/aws/rds');
  if (existing) return account.keys.get(existing)!;
  return addKey(world, account, {
    aliases: ['alias/aws/rds'],
    policy: awsRdsKeyPolicy(account.id, world.region),
    manager: 'AWS',
    description: 'Default key that protects my RDS database volumes when no other key is defined'
  });
}

/**
 * Finds a key the way KMS does: key id and alias name in the caller's account,
 * key ARN and alias ARN in any account. Undefined when there is no such key.
 */
export function resolveKey(world: World, callerAccount: string, keyId: string): Key | undefined {
  const arn = /^arn:aws:kms:([^:]+):(\d{12}):(key|alias)\/(.+)$/.exec(keyId);
  if (arn) {
    if (arn[1] !== world.region) return undefined;
    const account = world.account(arn[2]!);
    if (!account) return undefined;
    if (arn[3] === 'key') return account.keys.get(arn[4]!);
    const id = account.aliases.get(`alias/${arn[4]}`);
    return id ? account.keys.get(id) : undefined;
  }
  const account = world.account(callerAccount);
  if (!account) return undefined;
  if (keyId.startsWith('alias/')) {
    const id = account.aliases.get(keyId);
    return id ? account.keys.get(id) : undefined;
  }
  return account.keys.get(keyId);
}

export interface KeyUse {
  /** Set when the call comes through RDS on the caller's behalf. */
  viaService?: string;
  grantIsForAwsResource?: boolean;
  /** Evaluate against this policy instead of the key's (lock-out check). */
  policyOverride?: string;
}

/**
 * Whether `who` may perform `action` on `key`:
 * - an explicit Deny (key policy or IAM) refuses;
 * - the key policy must admit the caller: a statement naming its ARN (or `*` with
 *   conditions) admits it directly; one naming its account root leaves it to IAM;
 * - a principal of the key's own account admitted directly needs no IAM allow;
 *   otherwise (account root, or another account) the caller's IAM must allow too;
 * - grants whose grantee is the caller allow their operations.
 */
export function keyAllows(who: Principal, key: Key, action: string, use: KeyUse = {}): boolean {
  const context: ConditionContext = {
    'kms:CallerAccount': who.account,
    'aws:PrincipalArn': who.identityArn,
    'aws:PrincipalAccount': who.account,
    'kms:ViaService': use.viaService,
    'kms:GrantIsForAWSResource': use.grantIsForAwsResource === undefined ? undefined : use.grantIsForAwsResource
  };
  let policy: PolicyDocument;
  try {
    policy = JSON.parse(use.policyOverride ?? key.policy) as PolicyDocument;
  } catch {
    return false;
  }
  const pp = { account: who.account, identityArn: who.identityArn, sessionArn: who.callerArn, uniqueId: uniqueIdOf(who) };
  const matching = matchingStatements([policy], { action, resource: key.arn, context });
  if (matching.some(s => s.Effect === 'Deny' && principalMatch(s, pp))) return false;
  const admitted = matching.filter(s => s.Effect === 'Allow').map(s => principalMatch(s, pp));
  const iam = evaluate(who.policies, { action, resource: key.arn, context });
  if (iam === 'explicit-deny') return false;
  if (who.account === key.account && admitted.includes('direct')) return true;
  if (admitted.some(m => m !== undefined) && iam === 'allow') return true;
  const operation = action.replace(/^kms:/, '');
  return key.grants.some(g => (g.GranteePrincipal === who.identityArn || g.GranteePrincipal === who.callerArn) && g.Operations.includes(operation));
}

export function keyState(key: Key): 'Enabled' | 'Disabled' | 'PendingDeletion' {
  return key.deletionDate ? 'PendingDeletion' : key.enabled ? 'Enabled' : 'Disabled';
}

/**
 * Cryptographic operations and CreateGrant need an enabled key: a disabled one answers
 * DisabledException, one pending deletion KMSInvalidStateException (KMS's key-state table).
 */
function usable(key: Key): Key {
  const state = keyState(key);
  if (state === 'PendingDeletion') throw kmsFault('KMSInvalidStateException', `${key.arn} is pending deletion.`);
  if (state === 'Disabled') throw kmsFault('DisabledException', `${key.arn} is disabled.`);
  return key;
}

/** Key-state changes are for customer managed keys of the caller's own account. */
function managedState(ctx: HandlerContext, input: Input, action: string): Key {
  const key = keyFor(ctx, input, action, { sameAccountOnly: true });
  if (key.manager === 'AWS') throw denied(ctx.caller!.principal, action, key);
  return key;
}

const CIPHERTEXT_PREFIX = 'emulator-kms:';

function keyMetadata(key: Key): Output {
  return {
    KeyMetadata: {
      AWSAccountId: key.account,
      KeyId: key.id,
      Arn: key.arn,
      CreationDate: key.created,
      Enabled: key.enabled,
      Description: key.description,
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeyState: keyState(key),
      ...(key.deletionDate ? { DeletionDate: key.deletionDate } : {}),
      Origin: 'AWS_KMS',
      KeyManager: key.manager,
      CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
      KeySpec: 'SYMMETRIC_DEFAULT',
      EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
      MultiRegion: false
    }
  };
}

function str(input: Input, name: string, required = true): string | undefined {
  const v = input[name];
  if (v === undefined || v === null || v === '') {
    if (required) throw kmsFault('ValidationException', `1 validation error detected: Value null at '${name.charAt(0).toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`);
    return undefined;
  }
  if (typeof v !== 'string') throw kmsFault('ValidationException', `${name} must be a string`);
  return v;
}

function notFound(world: World, caller: string, keyId: string): AwsError {
  // A key or alias ARN of another region than the request's: KMS answers "Invalid arn REGION".
  const arnRegion = /^arn:aws:kms:([^:]*):/.exec(keyId)?.[1];
  if (arnRegion !== undefined && arnRegion !== world.region) return kmsFault('NotFoundException', `Invalid arn ${arnRegion}`);
  if (keyId.startsWith('alias/')) return kmsFault('NotFoundException', `Alias arn:aws:kms:${world.region}:${caller}:${keyId} is not found.`);
  if (keyId.startsWith('arn:')) return kmsFault('NotFoundException', `Key '${keyId}' does not exist`);
  return kmsFault('NotFoundException', `Key 'arn:aws:kms:${world.region}:${caller}:key/${keyId}' does not exist`);
}

function denied(who: Principal, action: string, key: Key): AwsError {
  return kmsFault('AccessDeniedException', `User: ${who.callerArn} is not authorized to perform: ${action} on resource: ${key.arn} because no resource-based policy allows the ${action} action`);
}

/** Checks an account-level action (resource `*`: CreateKey, ListAliases, ListKeys) against the caller's identity policies. */
function authorizeAccountAction(who: Principal, action: string): void {
  if (evaluate(who.policies, { action, resource: '*' }) !== 'allow') {
    throw kmsFault('AccessDeniedException', `User: ${who.callerArn} is not authorized to perform: ${action} on resource: * because no identity-based policy allows the ${action} action`);
  }
}

/** Finds the key and checks the caller may perform the action directly (not via a service). */
function keyFor(ctx: HandlerContext, input: Input, action: string, opts: { sameAccountOnly?: boolean; name?: string } = {}): Key {
  const who = ctx.caller!.principal;
  const keyId = str(input, opts.name ?? 'KeyId')!;
  const key = resolveKey(ctx.world, who.account, keyId);
  if (!key) throw notFound(ctx.world, who.account, keyId);
  if (opts.sameAccountOnly && key.account !== who.account) throw notFound(ctx.world, who.account, keyId);
  if (!keyAllows(who, key, action)) throw denied(who, action, key);
  return key;
}

function validPolicy(text: string): PolicyDocument {
  try {
    const doc = JSON.parse(text) as PolicyDocument;
    if (!doc || typeof doc !== 'object' || !doc.Statement) throw new Error('no Statement');
    return doc;
  } catch {
    throw kmsFault('MalformedPolicyDocumentException', 'The policy document is not valid JSON.');
  }
}

function lockOutCheck(who: Principal, key: Key, policy: string, bypass: boolean): void {
  if (bypass) return;
  if (!keyAllows(who, { ...key, grants: [] }, 'kms:PutKeyPolicy', { policyOverride: policy })) {
    throw kmsFault('MalformedPolicyDocumentException', 'The new key policy will not allow you to update the key policy in the future.');
  }
}

export const kmsOperations: Record<string, (ctx: HandlerContext, input: Input) => Output> = {
  DescribeKey(ctx, input) {
    return keyMetadata(keyFor(ctx, input, 'kms:DescribeKey'));
  },
  GetKeyPolicy(ctx, input) {
    const key = keyFor(ctx, input, 'kms:GetKeyPolicy', { sameAccountOnly: true });
    return { Policy: key.policy, PolicyName: 'default' };
  },
  PutKeyPolicy(ctx, input) {
    const key = keyFor(ctx, input, 'kms:PutKeyPolicy', { sameAccountOnly: true });
    if (key.manager === 'AWS') throw denied(ctx.caller!.principal, 'kms:PutKeyPolicy', key);
    const policy = str(input, 'Policy')!;
    validPolicy(policy);
    lockOutCheck(ctx.caller!.principal, key, policy, input['BypassPolicyLockoutSafetyCheck'] === true);
    key.policy = policy;
    return {};
  },
  CreateKey(ctx, input) {
    const who = ctx.caller!.principal;
    const account = ctx.world.account(who.account)!;
    authorizeAccountAction(who, 'kms:CreateKey');
    const policy = str(input, 'Policy', false) ?? JSON.stringify(defaultKeyPolicy(account.id), null, 2);
    validPolicy(policy);
    const probe = { id: 'probe', arn: ctx.world.keyArn(account.id, 'probe'), account: account.id, grants: [] } as unknown as Key;
    lockOutCheck(who, probe, policy, input['BypassPolicyLockoutSafetyCheck'] === true);
    const key = addKey(ctx.world, account, { policy, description: str(input, 'Description', false) ?? '' });
    return keyMetadata(key);
  },
  CreateAlias(ctx, input) {
    const key = keyFor(ctx, input, 'kms:CreateAlias', { sameAccountOnly: true, name: 'TargetKeyId' });
    const alias = str(input, 'AliasName')!;
    const account = ctx.world.account(key.account)!;
    if (!alias.startsWith('alias/') || alias.startsWith('alias/aws/')) throw kmsFault('ValidationException', `Alias must start with the prefix "alias/" and must not begin with "alias/aws/".`);
    if (account.aliases.has(alias)) throw kmsFault('AlreadyExistsException', `An alias with the name arn:aws:kms:${ctx.world.region}:${account.id}:${alias} already exists`);
    account.aliases.set(alias, key.id);
    return {};
  },
  ListAliases(ctx, input) {
    const who = ctx.caller!.principal;
    const account = ctx.world.account(who.account)!;
    authorizeAccountAction(who, 'kms:ListAliases');
    const only = str(input, 'KeyId', false);
    const onlyKey = only ? resolveKey(ctx.world, who.account, only) : undefined;
    if (only && !onlyKey) throw notFound(ctx.world, who.account, only);
    const aliases = [...account.aliases.entries()]
      .filter(([, id]) => !onlyKey || id === onlyKey.id)
      .map(([name, id]) => ({ AliasName: name, AliasArn: `arn:aws:kms:${ctx.world.region}:${account.id}:${name}`, TargetKeyId: id }));
    return { Aliases: aliases, Truncated: false };
  },
  ListKeys(ctx) {
    const who = ctx.caller!.principal;
    authorizeAccountAction(who, 'kms:ListKeys');
    const account = ctx.world.account(who.account)!;
    return { Keys: [...account.keys.values()].map(k => ({ KeyId: k.id, KeyArn: k.arn })), Truncated: false };
  },
  DisableKey(ctx, input) {
    const key = managedState(ctx, input, 'kms:DisableKey');
    if (key.deletionDate) throw kmsFault('KMSInvalidStateException', `${key.arn} is pending deletion.`);
    key.enabled = false;
    return {};
  },
  EnableKey(ctx, input) {
    const key = managedState(ctx, input, 'kms:EnableKey');
    if (key.deletionDate) throw kmsFault('KMSInvalidStateException', `${key.arn} is pending deletion.`);
    key.enabled = true;
    return {};
  },
  ScheduleKeyDeletion(ctx, input) {
    const key = managedState(ctx, input, 'kms:ScheduleKeyDeletion');
    const days = input['PendingWindowInDays'] ?? 30;
    if (typeof days !== 'number' || !Number.isInteger(days) || days < 7 || days > 30) {
      throw kmsFault('ValidationException', `1 validation error detected: Value '${String(days)}' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value between 7 and 30`);
    }
    if (key.deletionDate) throw kmsFault('KMSInvalidStateException', `${key.arn} is pending deletion.`);
    key.enabled = false;
    key.deletionDate = new Date(ctx.world.clock.now() + days * 86400_000);
    return { KeyId: key.arn, DeletionDate: key.deletionDate, KeyState: 'PendingDeletion', PendingWindowInDays: days };
  },
  CancelKeyDeletion(ctx, input) {
    const key = managedState(ctx, input, 'kms:CancelKeyDeletion');
    if (!key.deletionDate) throw kmsFault('KMSInvalidStateException', `${key.arn} is not pending deletion.`);
    // A key whose deletion is cancelled is Disabled, not Enabled (EnableKey turns it back on).
    key.deletionDate = undefined;
    key.enabled = false;
    return { KeyId: key.arn };
  },
  Encrypt(ctx, input) {
    const key = usable(keyFor(ctx, input, 'kms:Encrypt'));
    const plaintext = str(input, 'Plaintext')!;
    const blob = Buffer.from(`${CIPHERTEXT_PREFIX}${key.arn}:${plaintext}`).toString('base64');
    return { CiphertextBlob: blob, KeyId: key.arn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
  },
  Decrypt(ctx, input) {
    // The emulator's ciphertext names its key (AWS's carries the key id in its metadata too).
    const text = Buffer.from(str(input, 'CiphertextBlob')!, 'base64').toString('utf8');
    const m = new RegExp(`^${CIPHERTEXT_PREFIX}(arn:aws:kms:[^:]+:\\d{12}:key/[^:]+):(.*)$`, 's').exec(text);
    if (!m) throw kmsFault('InvalidCiphertextException', '');
    const keyId = str(input, 'KeyId', false);
    const key = keyFor(ctx, { KeyId: m[1] }, 'kms:Decrypt');
    if (keyId && resolveKey(ctx.world, ctx.caller!.principal.account, keyId) !== key)
      throw kmsFault('IncorrectKeyException', 'The key ID in the request does not identify a KMS key that can perform this operation.');
    usable(key);
    return { Plaintext: m[2], KeyId: key.arn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
  },
  CreateGrant(ctx, input) {
    const key = usable(keyFor(ctx, input, 'kms:CreateGrant'));
    const grantee = str(input, 'GranteePrincipal')!;
    const operations = input['Operations'];
    if (!Array.isArray(operations) || operations.length === 0) throw kmsFault('ValidationException', 'Operations must not be empty');
    const grant = {
      GrantId: randomBytes(32).toString('hex'),
      GrantToken: randomBytes(48).toString('base64'),
      KeyId: key.arn,
      GranteePrincipal: grantee,
      RetiringPrincipal: str(input, 'RetiringPrincipal', false),
      IssuingAccount: `arn:aws:iam::${ctx.caller!.principal.account}:root`,
      Operations: operations.map(String),
      Name: str(input, 'Name', false),
      CreationDate: ctx.world.now()
    };
    // With a Name, CreateGrant is idempotent: identical parameters return the existing grant's id (with a new token).
    const same = (a: string[], b: string[]) => a.length === b.length && [...a].sort().join() === [...b].sort().join();
    const existing = grant.Name
      ? key.grants.find(
          g =>
            g.Name === grant.Name &&
            g.GranteePrincipal === grant.GranteePrincipal &&
            g.RetiringPrincipal === grant.RetiringPrincipal &&
            g.IssuingAccount === grant.IssuingAccount &&
            same(g.Operations, grant.Operations)
        )
      : undefined;
    if (existing) return { GrantId: existing.GrantId, GrantToken: grant.GrantToken };
    key.grants.push(grant);
    return { GrantId: grant.GrantId, GrantToken: grant.GrantToken };
  },
  ListGrants(ctx, input) {
    const key = keyFor(ctx, input, 'kms:ListGrants');
    return { Grants: key.grants, Truncated: false };
  },
  RevokeGrant(ctx, input) {
    const key = keyFor(ctx, input, 'kms:RevokeGrant');
    const grantId = str(input, 'GrantId')!;
    const before = key.grants.length;
    key.grants = key.grants.filter(g => g.GrantId !== grantId);
    if (key.grants.length === before) throw kmsFault('NotFoundException', `Grant ID ${grantId} not found`);
    return {};
  },
  RetireGrant(ctx, input) {
    const who = ctx.caller!.principal;
    const token = str(input, 'GrantToken', false);
    const grantId = str(input, 'GrantId', false);
    const keyId = str(input, 'KeyId', false);
    for (const account of ctx.world.accounts.values()) {
      for (const key of account.keys.values()) {
        if (keyId && key.arn !== keyId && key.id !== keyId) continue;
        const grant = key.grants.find(g => (token && g.GrantToken === token) || (grantId && g.GrantId === grantId));
        if (!grant) continue;
        const mayRetire =
          [who.identityArn, who.callerArn].includes(grant.RetiringPrincipal ?? '') ||
          [who.identityArn, who.callerArn].includes(grant.GranteePrincipal) ||
          grant.IssuingAccount === `arn:aws:iam::${who.account}:root`;
        if (!mayRetire) throw denied(who, 'kms:RetireGrant', key);
        key.grants = key.grants.filter(g => g !== grant);
        return {};
      }
    }
    throw kmsFault('NotFoundException', 'Grant not found');
  }
};
