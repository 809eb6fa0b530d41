/**
 * Every input of action.yml becomes one typed, validated Settings value here,
 * before any network call. A refusal names the input and shows the expected form.
 */
import * as core from '@actions/core';
import { ACCOUNT_ID_PATTERN, KMS_KEY_ARN_PATTERN, REGION_PATTERN, RDS_IDENTIFIER_RULE, ROLE_ARN_PATTERN, parseArn, rdsIdentifierProblem, snapshotKindOfArn } from './rds-rules';
import { kindProfile, kindProfiles } from './kinds';
import { loadRules } from './masking/rules';
import type { DbKind } from './types';

export type Mode = 'sync' | 'preflight' | 'plan' | 'policies';
export const MODES: readonly Mode[] = ['sync', 'preflight', 'plan', 'policies'];

export type SnapshotChoice =
  | { kind: 'latest' }
  | { kind: 'new' }
  /** A snapshot identifier (manual `name` or automated `rds:name`) or an RDS snapshot ARN (whose type says the kind). */
  | { kind: 'named'; identifier: string; arn?: string; snapshotKind?: DbKind };

export type Side = 'source' | 'target';

export interface SideSettings {
  side: Side;
  /** Role to assume; absent: use the ambient credentials as they are. */
  roleArn?: string;
  /** Known before any call when a role ARN or an account id input gives it. */
  accountId?: string;
  /** The database identifier in this account: an Aurora DB cluster or an RDS DB instance. */
  identifier: string;
  /** The input that named it: `source-cluster`, `source-instance` or `source-db` (and the same for target). */
  input: string;
  /** What the input says the database is; undefined for `source-db` / `target-db` until detected. */
  kind?: DbKind;
  /** KMS key ARN: source side, the CMK the snapshot is shared under; target side, the key the restore encrypts with. */
  kmsKeyArn?: string;
}

export type FinalSnapshot = 'skip' | 'take';

export interface Settings {
  region: string;
  /**
   * Cluster (Aurora) or instance (RDS) for both sides: known from the inputs
   * when one side names its kind, else set by `resolveKinds` (src/kinds/resolve.ts)
   * from what RDS describes, before anything is planned: `ResolvedSettings`.
   */
  kind?: DbKind;
  mode: Mode;
  audience: string;
  roleSessionName: string;
  roleDurationSeconds: number;
  source: SideSettings;
  target: SideSettings;
  snapshot: SnapshotChoice;
  waitTimeoutMinutes: number;
  /** Upper bound on the time between two status polls, in seconds (0: adaptive only). */
  pollIntervalSeconds: number;
  // Target side (restore and swap).
  dbSubnetGroup?: string;
  vpcSecurityGroupIds?: string[];
  isolationSecurityGroupIds?: string[];
  dbClusterParameterGroup?: string;
  dbParameterGroup?: string;
  instanceClass?: string;
  instanceCount: number;
  engineVersion?: string;
  tags: Record<string, string>;
  finalSnapshot: FinalSnapshot;
  keepFailedRestore: boolean;
  retainSnapshots: number;
  manageMasterPassword: boolean;
  // Masking.
  maskingRules?: string;
  maskingSalt?: string;
  maskingStrict: boolean;
  maskingConnection: 'direct' | 'data-api';
  /** TLS to the database for a direct connection: require (encrypted), verify-full (and the server certificate checked), disable. */
  maskingTls: 'require' | 'verify-full' | 'disable';
  /** masking-workers: sessions that mask one large PostgreSQL table together. */
  maskingWorkers: number;
  /** The job's token (github-token): asks GitHub whether the run holding a lock is still in progress (actions: read). */
  githubToken?: string;
  /** target-secret-id / target-secret-rotation: the staging applications' Secrets Manager secret, written after the swap. */
  targetSecret?: TargetSecretSettings;
  /** How production data reaches staging (src/transfer/): a shared snapshot, an AWS RAM copy-on-write clone, or whichever fits. */
  transfer: Transfer;
  /** transfer clone: keep the RAM resource share for the next run, or remove it once the clone exists. */
  cloneShare: 'keep' | 'remove';
}

/** Settings once the run's database kind is known (`resolveKinds`): what the pipeline after it receives. */
export type ResolvedSettings = Settings & { kind: DbKind };

/** The settings as resolved when the inputs name the kind (source-cluster, target-instance, a snapshot ARN); while it is open, an internal error. */
export function kindFromInputs(settings: Settings): ResolvedSettings {
  if (!settings.kind) throw new Error('internal: the database kind is still open (source-db / target-db): resolveKinds decides it');
  return { ...settings, kind: settings.kind };
}

export interface TargetSecretSettings {
  /** Name or ARN of the secret in the staging account. */
  id: string;
  /** trigger: RotateSecret once the refresh is done, when the secret has rotation configured. */
  rotation: 'none' | 'trigger';
}

export type Transfer = 'snapshot' | 'clone' | 'auto';
export const TRANSFERS: readonly Transfer[] = ['snapshot', 'clone', 'auto'];

/** What reads an input: core.getInput in the action, a table in the tests. */
export type InputReader = (name: string) => string;

export class InputError extends Error {
  constructor(
    readonly input: string,
    message: string
  ) {
    super(`Input '${input}' ${message}`);
    this.name = 'InputError';
  }
}

const defaultReader: InputReader = name => core.getInput(name);

export function readSettings(read: InputReader = defaultReader): Settings {
  const get = (name: string): string => (read(name) ?? '').trim();
  const optional = (name: string): string | undefined => get(name) || undefined;

  const region = get('aws-region');
  if (!region) throw new InputError('aws-region', 'is required, e.g. ap-northeast-1.');
  if (!REGION_PATTERN.test(region)) throw new InputError('aws-region', `must be an AWS region such as us-east-1 or ap-northeast-1; got '${region}'.`);

  const mode = (get('mode') || 'sync') as Mode;
  if (!MODES.includes(mode)) throw new InputError('mode', `must be one of ${MODES.join(', ')}; got '${mode}'.`);

  const source = readSide('source', get, optional, region);
  const target = readSide('target', get, optional, region);
  if (source.kind && target.kind && source.kind !== target.kind)
    throw new InputError(
      target.input,
      `names a ${kindProfile(target.kind).nouns.db} but ${source.input} names a ${kindProfile(source.kind).nouns.db}: a snapshot of one kind restores only into the same kind (an Aurora cluster snapshot into a cluster, an RDS DB snapshot into an instance).`
    );
  const kind = source.kind ?? target.kind;

  if (source.accountId && target.accountId && source.accountId === target.accountId && source.identifier === target.identifier && (!source.kind || !target.kind || source.kind === target.kind)) {
    throw new InputError(
      target.input,
      `names the production database itself ('${source.identifier}' in account ${source.accountId}): the target must be another database or another account. Refusing, whatever the other inputs say.`
    );
  }

  const snapshot = readSnapshot(get('snapshot') || 'latest', region);
  if (snapshot.kind === 'named' && snapshot.snapshotKind && kind && snapshot.snapshotKind !== kind)
    throw new InputError('snapshot', `is a ${kindProfile(snapshot.snapshotKind).nouns.snapshotArn} ARN, but ${source.input} names a ${kindProfile(kind).nouns.db}.`);

  const roleSessionName = get('role-session-name') || 'rds-cross-account-sync';
  if (!/^[\w+=,.@-]{2,64}$/.test(roleSessionName)) throw new InputError('role-session-name', `must be 2 to 64 characters of letters, digits and +=,.@_-; got '${roleSessionName}'.`);

  const finalSnapshot = (get('final-snapshot') || 'skip') as FinalSnapshot;
  if (finalSnapshot !== 'skip' && finalSnapshot !== 'take') throw new InputError('final-snapshot', `must be 'skip' or 'take'; got '${finalSnapshot}'.`);

  const maskingConnection = (get('masking-connection') || 'direct') as Settings['maskingConnection'];
  if (maskingConnection !== 'direct' && maskingConnection !== 'data-api') throw new InputError('masking-connection', `must be 'direct' or 'data-api'; got '${maskingConnection}'.`);

  const maskingTls = (get('masking-tls') || 'require') as Settings['maskingTls'];
  if (!['require', 'verify-full', 'disable'].includes(maskingTls)) throw new InputError('masking-tls', `must be 'require', 'verify-full' or 'disable'; got '${maskingTls}'.`);

  const transfer = (get('transfer') || 'snapshot') as Transfer;
  if (!TRANSFERS.includes(transfer)) throw new InputError('transfer', `must be one of ${TRANSFERS.join(', ')}; got '${transfer}'.`);
  if (transfer === 'clone' && kind && !kindProfile(kind).can.clone)
    throw new InputError(
      'transfer',
      `is clone, but ${source.kind === kind ? source.input : target.input} names ${kindProfile(kind).nouns.aFull}: only Aurora DB clusters can be cloned across accounts (use snapshot or auto).`
    );
  if (transfer === 'clone' && snapshot.kind === 'named')
    throw new InputError(
      'transfer',
      `is clone, but snapshot names ${snapshot.identifier}: a clone copies the production cluster as it is now, not a snapshot (leave snapshot empty, or use transfer: snapshot).`
    );
  const cloneShare = (get('clone-share') || 'keep') as Settings['cloneShare'];
  if (cloneShare !== 'keep' && cloneShare !== 'remove') throw new InputError('clone-share', `must be 'keep' or 'remove'; got '${cloneShare}'.`);

  const agreed = kind ?? (snapshot.kind === 'named' ? snapshot.snapshotKind : undefined);
  const settings: Settings = {
    region,
    ...(agreed ? { kind: agreed } : {}),
    mode,
    audience: get('audience') || 'sts.amazonaws.com',
    roleSessionName,
    roleDurationSeconds: integer(get, 'role-duration-seconds', 3600, 900, 43200),
    source,
    target,
    snapshot,
    waitTimeoutMinutes: integer(get, 'wait-timeout-minutes', 360, 1, 7 * 24 * 60),
    pollIntervalSeconds: number(get, 'poll-interval-seconds', 0, 0, 3600),
    dbSubnetGroup: optional('db-subnet-group'),
    vpcSecurityGroupIds: securityGroups(get, 'vpc-security-group-ids'),
    isolationSecurityGroupIds: securityGroups(get, 'isolation-security-group-ids'),
    dbClusterParameterGroup: optional('db-cluster-parameter-group'),
    dbParameterGroup: optional('db-parameter-group'),
    instanceClass: optional('instance-class'),
    instanceCount: integer(get, 'instance-count', 1, 1, 16),
    engineVersion: optional('engine-version'),
    tags: readTags(get('tags')),
    finalSnapshot,
    keepFailedRestore: boolean(get, 'keep-failed-restore', false),
    retainSnapshots: integer(get, 'retain-snapshots', 1, 0, 100),
    manageMasterPassword: boolean(get, 'manage-master-password', false),
    maskingRules: optional('masking-rules'),
    maskingSalt: optional('masking-salt'),
    maskingStrict: boolean(get, 'masking-strict', true),
    maskingConnection,
    maskingTls,
    maskingWorkers: integer(get, 'masking-workers', 2, 1, 16),
    githubToken: optional('github-token'),
    transfer,
    cloneShare
  };
  const targetSecret = readTargetSecret(get, region, target.accountId);
  if (targetSecret) settings.targetSecret = targetSecret;
  if (settings.githubToken) core.setSecret(settings.githubToken);
  if (settings.maskingSalt) core.setSecret(settings.maskingSalt);
  if (settings.maskingRules) {
    if (!settings.maskingSalt)
      throw new InputError('masking-salt', 'is required when masking-rules is set: pass a secret, e.g. masking-salt: ${{ secrets.MASKING_SALT }}, so masked values are deterministic but not guessable.');
    // The rules file is checked here, before any AWS call: a broken file stops the run with nothing touched.
    loadRules(settings.maskingRules);
  }
  return settings;
}

function readSide(side: Side, get: (n: string) => string, optional: (n: string) => string | undefined, region: string): SideSettings {
  const roleInput = `${side}-role-arn`;
  const accountInput = `${side}-account-id`;
  const keyInput = side === 'source' ? 'kms-key-id' : 'target-kms-key-id';

  const roleArn = optional(roleInput);
  let accountId: string | undefined;
  if (roleArn) {
    if (!ROLE_ARN_PATTERN.test(roleArn)) throw new InputError(roleInput, `must be an IAM role ARN such as arn:aws:iam::123456789012:role/rds-sync; got '${roleArn}'.`);
    accountId = parseArn(roleArn)!.accountId;
  }
  const accountIdInput = optional(accountInput);
  if (accountIdInput) {
    if (!ACCOUNT_ID_PATTERN.test(accountIdInput)) throw new InputError(accountInput, `must be a 12-digit AWS account id such as 123456789012; got '${accountIdInput}'.`);
    if (accountId && accountId !== accountIdInput) throw new InputError(accountInput, `is ${accountIdInput} but ${roleInput} is in account ${accountId}.`);
    accountId = accountIdInput;
  }

  const { identifier, input, kind } = readDatabase(side, get);

  const key = optional(keyInput);
  let kmsKeyArn: string | undefined;
  if (key) {
    if (!KMS_KEY_ARN_PATTERN.test(key)) {
      const why =
        side === 'source'
          ? "the staging account uses this key, and another account can only name a key by its full ARN (a key id or alias resolves in the caller's own account, which makes RDS answer KMSKeyNotAccessibleFault)"
          : 'RDS resolves a bare key id or alias in whichever account makes the call, so only the ARN says which key is meant';
      throw new InputError(keyInput, `must be a KMS key ARN such as arn:aws:kms:${region}:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab; got '${key}'. A key id or alias is not enough: ${why}.`);
    }
    const arn = parseArn(key)!;
    if (arn.region !== region) throw new InputError(keyInput, `is in region ${arn.region}, but aws-region is ${region}: RDS needs a key in the snapshot's region.`);
    if (accountId && arn.accountId !== accountId) throw new InputError(keyInput, `is in account ${arn.accountId}, but the ${side} account is ${accountId}: the key must belong to the ${side} account.`);
    kmsKeyArn = key;
    if (!accountId && side === 'source') accountId = arn.accountId;
  }
  return { side, roleArn, accountId, identifier, input, ...(kind ? { kind } : {}), kmsKeyArn };
}

/** The inputs that can name a side's database, and the kind each one means (undefined: detect). */
export function databaseInputs(side: Side): Array<{ input: string; kind?: DbKind }> {
  return [...kindProfiles.map(p => ({ input: p.input(side), kind: p.kind })), { input: `${side}-db` }];
}

/** Exactly one of `<side>-cluster`, `<side>-instance`, `<side>-db`. */
function readDatabase(side: Side, get: (n: string) => string): { identifier: string; input: string; kind?: DbKind } {
  const given = databaseInputs(side)
    .map(d => ({ ...d, identifier: get(d.input) }))
    .filter(d => d.identifier);
  const names = databaseInputs(side).map(d => d.input);
  if (given.length === 0)
    throw new InputError(
      names[0],
      `is required, or ${names[1]} for an RDS DB instance, or ${names[2]} to have the kind detected: the ${side === 'source' ? 'production' : 'staging'} database identifier, e.g. app-${side === 'source' ? 'production' : 'staging'}.`
    );
  if (given.length > 1) throw new InputError(given[1].input, `and ${given[0].input} are both set: name the ${side} database once (${names.join(', ')}).`);
  const { identifier, input, kind } = given[0];
  const problem = rdsIdentifierProblem(identifier);
  if (problem) throw new InputError(input, `'${identifier}' ${problem}; an RDS identifier has ${RDS_IDENTIFIER_RULE}.`);
  return { identifier, input, ...(kind ? { kind } : {}) };
}

function readSnapshot(value: string, region: string): SnapshotChoice {
  if (value === 'latest' || value === 'new') return { kind: value };
  if (value.startsWith('arn:')) {
    const arn = parseArn(value);
    const m = arn && snapshotKindOfArn(arn.resource);
    if (!arn || arn.service !== 'rds' || !m)
      throw new InputError(
        'snapshot',
        `must be 'latest', 'new', a snapshot identifier or a snapshot ARN such as arn:aws:rds:${region}:123456789012:cluster-snapshot:name (Aurora) or arn:aws:rds:${region}:123456789012:snapshot:name (RDS instance); got '${value}'.`
      );
    if (arn.region !== region) throw new InputError('snapshot', `is in region ${arn.region}, but aws-region is ${region}.`);
    return { kind: 'named', identifier: m.identifier, arn: value, snapshotKind: m.kind };
  }
  const bare = value.startsWith('rds:') ? value.slice(4) : value;
  const problem = rdsIdentifierProblem(bare);
  if (problem) throw new InputError('snapshot', `must be 'latest', 'new', a snapshot identifier or ARN; '${value}' ${problem} (${RDS_IDENTIFIER_RULE}).`);
  return { kind: 'named', identifier: value };
}

function integer(get: (n: string) => string, name: string, dflt: number, min: number, max: number): number {
  const n = number(get, name, dflt, min, max);
  if (!Number.isInteger(n)) throw new InputError(name, `must be a whole number from ${min} to ${max}; got '${get(name)}'.`);
  return n;
}

function number(get: (n: string) => string, name: string, dflt: number, min: number, max: number): number {
  const raw = get(name);
  if (!raw) return dflt;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) throw new InputError(name, `must be a number from ${min} to ${max}; got '${raw}'.`);
  return n;
}

function boolean(get: (n: string) => string, name: string, dflt: boolean): boolean {
  const raw = get(name).toLowerCase();
  if (!raw) return dflt;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new InputError(name, `must be 'true' or 'false'; got '${raw}'.`);
}

function list(raw: string): string[] {
  return raw
    .split(/[\s,]+/)
    .map(s => s.trim())
    .filter(Boolean);
}

function securityGroups(get: (n: string) => string, name: string): string[] | undefined {
  const raw = get(name);
  if (!raw) return undefined;
  const ids = list(raw);
  for (const id of ids) if (!/^sg-[0-9a-f]{8}([0-9a-f]{9})?$/.test(id)) throw new InputError(name, `must list security group ids such as sg-0123456789abcdef0, separated by commas or new lines; got '${id}'.`);
  return ids;
}

/** `key=value` pairs, one per line or separated by commas. */
function readTags(raw: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const line of raw
    .split(/[\n,]+/)
    .map(s => s.trim())
    .filter(Boolean)) {
    const eq = line.indexOf('=');
    if (eq <= 0) throw new InputError('tags', `must be key=value pairs, one per line or separated by commas; got '${line}'.`);
    tags[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return tags;
}

/** target-secret-id: a secret name (1 to 512 of letters, digits, /_+=.@-) or a Secrets Manager ARN in aws-region and the staging account. */
function readTargetSecret(get: (n: string) => string, region: string, targetAccount: string | undefined): TargetSecretSettings | undefined {
  const id = get('target-secret-id');
  const rotation = (get('target-secret-rotation') || 'none') as TargetSecretSettings['rotation'];
  if (rotation !== 'none' && rotation !== 'trigger') throw new InputError('target-secret-rotation', `must be 'none' or 'trigger'; got '${rotation}'.`);
  if (!id) {
    if (rotation === 'trigger') throw new InputError('target-secret-rotation', "is 'trigger' but target-secret-id is empty: name the secret to rotate.");
    return undefined;
  }
  if (id.startsWith('arn:')) {
    const arn = parseArn(id);
    if (!arn || arn.service !== 'secretsmanager' || !arn.resource.startsWith('secret:') || arn.resource.length <= 'secret:'.length)
      throw new InputError('target-secret-id', `must be a secret name or a Secrets Manager secret ARN such as arn:aws:secretsmanager:${region}:123456789012:secret:app-staging/db-AbCdEf; got '${id}'.`);
    if (arn.region !== region) throw new InputError('target-secret-id', `is in region ${arn.region}, but aws-region is ${region}: the secret must be in the staging database's region.`);
    if (targetAccount && arn.accountId !== targetAccount)
      throw new InputError('target-secret-id', `is in account ${arn.accountId}, but the staging (target) account is ${targetAccount}: the secret must belong to the staging account.`);
    return { id, rotation };
  }
  if (!/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(id)) throw new InputError('target-secret-id', `must be a secret name (1 to 512 letters, digits and /_+=.@-) or a secret ARN; got '${id}'.`);
  return { id, rotation };
}
