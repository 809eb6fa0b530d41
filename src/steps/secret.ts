/**
 * The staging applications' secret (target-secret-id): after the swap, and
 * before the old database is deleted, a new version in the JSON shape RDS uses
 * (engine, host, port, username, password, dbname, dbClusterIdentifier /
 * dbInstanceIdentifier), keeping every other key the secret holds. With a
 * managed master password it names the managed secret (masterUserSecretArn)
 * instead of a password. A rollback (main or post step) moves AWSCURRENT back
 * to the version that held it before. The state is saved before the write, so
 * a cancellation at any moment finds it.
 */
import * as core from '@actions/core';
import { createHash } from 'node:crypto';
import { describeKey, readKeyPolicy } from '../aws/keys';
import type { DatabaseInfo } from '../aws/databases';
import { describeSecret, moveCurrent, putSecretVersion, readCurrentValue, rotateSecret, secretsClient, type SecretFacts } from '../aws/secrets';
import type { Context } from '../context';
import { analyzeKeyPolicy, describeAnalysis } from '../diagnostics/key-policy';
import { keyFixText, keyRemedy, remedyFacts, type KeyRemedy } from '../diagnostics/key-access';
import { parseRefusal } from '../diagnostics/access-denied';
import { renderJson } from '../diagnostics/policy-json';
import { secretActionStatement, secretResource, secretsManagerService, SECRET_KEY_ACTIONS } from '../diagnostics/secret-policy';
import { kindProfile, kindProfiles } from '../kinds';
import { awsErrorCode, DiagnosedError, isFault } from '../errors';
import type { TargetPlan } from '../plan/target';
import type { Diagnostic } from '../report';
import type { RunState } from '../state';
import type { DbKind } from '../types';
import { defaultDatabaseName, type RestoredDatabase } from './restore';

/** Extra RunState field: the secret version this run writes, and the one it replaces. */
export const SECRET_STATE_KEY = 'targetSecret';

export interface SecretState {
  arn: string;
  name: string;
  /** The version that was AWSCURRENT before this run's write (undefined: the secret had no value). */
  previousVersionId?: string;
  /** This run's version (its ClientRequestToken). */
  versionId: string;
  phase: 'writing' | 'written';
}

const MASK = '****';

/** The database a secret version describes. */
export interface SecretDatabase {
  kind: DbKind;
  identifier: string;
  engine: string;
  host?: string;
  port?: number;
  username: string;
  dbname: string;
  password?: string;
  masterUserSecretArn?: string;
}

/** RDS's `engine` value in a credentials secret: postgres, mysql or mariadb (Aurora included), else the engine as RDS names it. */
export function secretEngine(engine: string): string {
  if (engine.includes('postgres')) return 'postgres';
  if (engine.includes('mariadb')) return 'mariadb';
  if (engine.includes('mysql')) return 'mysql';
  return engine;
}

/** The RDS-shaped fields of this run's database. */
export function rdsFields(db: SecretDatabase): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    engine: secretEngine(db.engine),
    host: db.host,
    port: db.port,
    username: db.username,
    ...(db.masterUserSecretArn ? { masterUserSecretArn: db.masterUserSecretArn } : { password: db.password }),
    dbname: db.dbname,
    [kindProfile(db.kind).fields.secretIdentifier]: db.identifier
  };
  for (const k of Object.keys(fields)) if (fields[k] === undefined) delete fields[k];
  return fields;
}

/**
 * The new version: the existing keys, then the RDS fields over them. The identifier key of the
 * other kind goes (the database is one or the other); with a managed password the stale
 * `password` goes too (the app reads the managed secret), and without one a stale masterUserSecretArn.
 */
export function secretDocument(existing: Record<string, unknown>, db: SecretDatabase): Record<string, unknown> {
  const doc: Record<string, unknown> = { ...existing };
  for (const p of kindProfiles) if (p.kind !== db.kind) delete doc[p.fields.secretIdentifier];
  delete doc[db.masterUserSecretArn ? 'password' : 'masterUserSecretArn'];
  return { ...doc, ...rdsFields(db) };
}

/** The keys of the existing value this run keeps as they are. */
export function keptKeys(existing: Record<string, unknown>, doc: Record<string, unknown>, db: SecretDatabase): string[] {
  const written = new Set(Object.keys(rdsFields(db)));
  return Object.keys(existing).filter(k => !written.has(k) && k in doc);
}

/** The document with every value but the RDS connection facts masked: what the log, plan and annotations show. */
export function maskedDocument(doc: Record<string, unknown>): Record<string, unknown> {
  const shown = new Set(['engine', 'host', 'port', 'username', 'dbname', 'dbClusterIdentifier', 'dbInstanceIdentifier', 'masterUserSecretArn']);
  return Object.fromEntries(Object.entries(doc).map(([k, v]) => [k, shown.has(k) ? v : MASK]));
}

/** The current value as a JSON object; empty when the secret has none. Anything else would be destroyed by the write: refused. */
export function parseExisting(value: string | undefined, secret: string): Record<string, unknown> {
  if (value === undefined || value.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new DiagnosedError({
      title: `The staging secret ${secret} does not hold a JSON object`,
      message: `The current value of ${secret} is not a JSON object, so the action cannot keep its keys while it writes the database credentials (engine, host, port, username, password, dbname) into it. Nothing was changed.`,
      fix: `Point target-secret-id at a secret holding JSON (the shape RDS uses), or store the current value as a JSON object first:\naws secretsmanager put-secret-value --secret-id ${secret} --secret-string '{"note":"..."}'`
    });
  return parsed as Record<string, unknown>;
}

/** A ClientRequestToken per run and secret (UUID-shaped): a retried write is the same version. */
export function versionToken(runId: string, secretArn: string): string {
  const h = createHash('sha256').update(`rds-cross-account-sync:${runId}:${secretArn}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function secretDatabase(info: DatabaseInfo, restored: RestoredDatabase): SecretDatabase {
  return {
    kind: info.kind,
    identifier: info.identifier,
    engine: info.engine || restored.engine,
    host: info.endpoint ?? restored.endpoint,
    port: info.port ?? restored.port,
    username: info.masterUsername ?? restored.masterUsername,
    dbname: info.databaseName ?? restored.databaseName ?? defaultDatabaseName(info.engine),
    password: restored.password,
    masterUserSecretArn: restored.masterUserSecretArn ?? info.masterUserSecretArn
  };
}

function savedState(ctx: Pick<Context, 'state'>): SecretState | undefined {
  return ctx.state.get()[SECRET_STATE_KEY] as SecretState | undefined;
}

// ---------------------------------------------------------------------------
// Explanations

function role(ctx: Context): string {
  return ctx.accounts.target.principalArn;
}

/** A refused or failed Secrets Manager call, explained: the secret, the role, the missing permission, the JSON to add. */
export function explainSecretError(ctx: Context, e: unknown, action: string, secret: { id: string; arn?: string; keyArn?: string }, doc?: Record<string, unknown>, afterSwap = false): unknown {
  const code = awsErrorCode(e);
  if (!code) return e;
  const message = (e as Error).message;
  const resource = secret.arn ?? secretResource({ partition: ctx.accounts.target.partition, region: ctx.settings.region, accountId: ctx.accounts.target.accountId, secretId: secret.id });
  const written = doc ? `\n\nThe version it would have written (values masked):\n${renderJson(maskedDocument(doc))}` : '';
  const back = afterSwap ? ` Staging is swapped back: the old database keeps its name and the secret keeps its current version.` : ' Nothing was changed.';
  const who = `${role(ctx)} (account ${ctx.accounts.target.accountId})`;
  if (isFault(e, 'AccessDeniedException') && /KMS/.test(message)) {
    const keyArn = secret.keyArn ?? `the secret's KMS key`;
    const remedy = keyRemedy(remedyFacts(ctx), keyArn, 'secret-key', { iamResource: secret.keyArn ?? `arn:${ctx.accounts.target.partition}:kms:${ctx.settings.region}:${ctx.accounts.target.accountId}:key/*` });
    const kmsAction = action === 'secretsmanager:GetSecretValue' ? 'kms:Decrypt' : 'kms:GenerateDataKey';
    return new DiagnosedError({
      title: `Staging secret not updated: KMS refused ${kmsAction} on the key of ${secret.id}`,
      message: `Secrets Manager answered AccessDeniedException (${message}) to ${action} on ${resource} as ${who}: the role may not use ${keyArn} through Secrets Manager (missing ${kmsAction}, kms:ViaService ${secretsManagerService(ctx.settings.region)}).${back}${written}`,
      fix: keyFixText(remedy, 'both')
    });
  }
  if (isFault(e, 'AccessDeniedException')) {
    const r = parseRefusal(message);
    const missing = r.action ?? action;
    return new DiagnosedError({
      title: `Staging secret not updated: ${role(ctx)} may not call ${missing}`,
      message: `Secrets Manager refused ${missing} on ${resource} as ${who}${r.explicitDeny ? ' with an explicit Deny' : ''}: ${message}.${back}${written}`,
      fix: `Add to the IAM policy of ${role(ctx)}${r.explicitDeny ? ' (and remove the Deny that matches it)' : ''}:\n${renderJson(secretActionStatement(missing, resource))}\n\nmode: policies prints every statement the secret needs.`
    });
  }
  if (isFault(e, 'ResourceNotFoundException'))
    return new DiagnosedError({
      title: `Staging secret ${secret.id} not found`,
      message: `Secrets Manager has no secret ${secret.id} in account ${ctx.accounts.target.accountId}, region ${ctx.settings.region} (${message}).${back}`,
      fix: `Create it first (the action writes versions of an existing secret; it never creates one):\naws secretsmanager create-secret --name ${secret.id} --region ${ctx.settings.region} [--kms-key-id <key ARN>]`
    });
  if (isFault(e, ['EncryptionFailure', 'DecryptionFailure']))
    return new DiagnosedError({
      title: `Staging secret not updated: its KMS key is not usable`,
      message: `Secrets Manager answered ${code} for ${action} on ${resource}: ${message}. The secret's key ${secret.keyArn ?? ''} is disabled, pending deletion or missing.${back}`,
      fix: secret.keyArn
        ? `aws kms describe-key --key-id ${secret.keyArn}\naws kms enable-key --key-id ${secret.keyArn}   # if disabled`
        : `aws secretsmanager describe-secret --secret-id ${secret.id} --query KmsKeyId`
    });
  if (isFault(e, 'InvalidRequestException'))
    return new DiagnosedError({
      title: `Staging secret ${secret.id} cannot take a new version`,
      message: `Secrets Manager answered InvalidRequestException for ${action} on ${resource}: ${message} (a secret marked for deletion, or one another service manages, refuses writes).${back}`,
      fix: `aws secretsmanager restore-secret --secret-id ${secret.id}   # if it was marked for deletion\nUse a secret of your own for the applications, not the one RDS manages (manage-master-password: true gives the applications its ARN in masterUserSecretArn).`
    });
  return e;
}

// ---------------------------------------------------------------------------
// The write, after the swap

export interface SecretWritten {
  arn: string;
  name: string;
  versionId: string;
  previousVersionId?: string;
  kept: string[];
}

async function keyArnOf(ctx: Context, facts: SecretFacts): Promise<string | undefined> {
  if (!facts.kmsKeyId) return undefined;
  return describeKey(ctx.accounts.target.kms, facts.kmsKeyId).then(
    k => k.arn,
    () => facts.kmsKeyId
  );
}

export async function writeTargetSecret(ctx: Context, info: DatabaseInfo, restored: RestoredDatabase): Promise<SecretWritten> {
  const id = ctx.settings.targetSecret!.id;
  const sm = await secretsClient(ctx.accounts.target);
  const facts = await describeSecret(sm, id).catch((e: unknown) => {
    throw explainSecretError(ctx, e, 'secretsmanager:DescribeSecret', { id }, undefined, true);
  });
  const keyArn = await keyArnOf(ctx, facts);
  const ref = { id, arn: facts.arn, keyArn };
  const current = facts.current
    ? await readCurrentValue(sm, facts.arn).catch((e: unknown) => {
        throw explainSecretError(ctx, e, 'secretsmanager:GetSecretValue', ref, undefined, true);
      })
    : {};
  const existing = parseExisting(current.value, facts.name);
  const db = secretDatabase(info, restored);
  const doc = secretDocument(existing, db);
  const token = versionToken(ctx.runId, facts.arn);
  const state: SecretState = { arn: facts.arn, name: facts.name, previousVersionId: facts.current, versionId: token, phase: 'writing' };
  ctx.state.update({ [SECRET_STATE_KEY]: state });
  let versionId: string;
  try {
    versionId = await putSecretVersion(sm, facts.arn, JSON.stringify(doc), token);
  } catch (e) {
    throw explainSecretError(ctx, e, 'secretsmanager:PutSecretValue', ref, doc, true);
  }
  ctx.state.update({ [SECRET_STATE_KEY]: { ...state, versionId, phase: 'written' } });
  const kept = keptKeys(existing, doc, db);
  core.info(`Staging secret ${facts.name}: version ${versionId} is AWSCURRENT (was ${facts.current ?? 'none'}): ${JSON.stringify(maskedDocument(doc))}`);
  ctx.report.output('secret-version-id', versionId);
  ctx.report.fact('Staging secret', `${facts.arn} version ${versionId}${kept.length ? `, kept ${kept.join(', ')}` : ''}`);
  return { arn: facts.arn, name: facts.name, versionId, previousVersionId: facts.current, kept };
}

/**
 * Undo this run's write: when this run's version is AWSCURRENT, move AWSCURRENT back to the
 * version that held it before (Secrets Manager then labels this run's version AWSPREVIOUS).
 * Reads the labels as they are now; a write that never landed leaves nothing to undo.
 */
export async function rollBackTargetSecret(ctx: Context): Promise<string> {
  const saved = savedState(ctx);
  if (!saved) return 'nothing to undo';
  const sm = await secretsClient(ctx.accounts.target);
  const facts = await describeSecret(sm, saved.arn);
  let done: string;
  if (facts.current !== saved.versionId) {
    done = `${saved.name}: AWSCURRENT is still ${facts.current ?? 'unset'} (this run's version never became current)`;
  } else if (!saved.previousVersionId) {
    done = `${saved.name} had no value before this run: its only version is this run's`;
    core.warning(
      `${saved.name} had no version before this run, so there is nothing to put back: it holds the credentials of the database that was just rolled back. Write the old credentials into it by hand.`,
      {
        title: 'Staging secret not rolled back'
      }
    );
  } else {
    await moveCurrent(sm, saved.arn, saved.previousVersionId, saved.versionId);
    done = `${saved.name}: AWSCURRENT back on version ${saved.previousVersionId}`;
  }
  ctx.state.update({ [SECRET_STATE_KEY]: undefined });
  core.info(`Roll back: ${done}.`);
  return done;
}

/** The main step's roll-back of the secret: a step of its own when there is something to undo; a failure is annotated with the command that finishes it. */
export async function putStagingSecretBack(ctx: Context): Promise<void> {
  const saved = savedState(ctx);
  if (!saved) return;
  try {
    await ctx.report.step(
      'Roll back staging secret',
      () => rollBackTargetSecret(ctx),
      r => r
    );
  } catch (e) {
    // Whatever else is put back, a secret left on the rolled-back database fails the step.
    process.exitCode = core.ExitCode.Failure;
    ctx.report.diagnose({
      title: `Staging secret ${saved.name} not rolled back`,
      message: `Moving AWSCURRENT of ${saved.arn} back to version ${saved.previousVersionId ?? '(none)'} failed: ${(e as Error).message}. The secret may hold the credentials of the new database, which is being rolled back.`,
      fix: saved.previousVersionId
        ? `aws secretsmanager update-secret-version-stage --secret-id ${saved.arn} --version-stage AWSCURRENT --move-to-version-id ${saved.previousVersionId} --remove-from-version-id ${saved.versionId}`
        : `aws secretsmanager describe-secret --secret-id ${saved.arn}`
    });
  }
}

/**
 * Whether the secret still holds the swap open: with target-secret-id set, the swap counts
 * as done for the post step only once this run's version is written; before that a
 * cancelled run is rolled back (the old database keeps its credentials and its secret).
 */
export function secretHoldsSwap(ctx: Pick<Context, 'settings'>, s: Readonly<RunState>): boolean {
  if (!ctx.settings.targetSecret) return false;
  return (s[SECRET_STATE_KEY] as SecretState | undefined)?.phase !== 'written';
}

/** target-secret-rotation: trigger, once the refresh is done. A secret without rotation is left alone (a warning). */
export async function rotateTargetSecret(ctx: Context): Promise<string> {
  const id = ctx.settings.targetSecret!.id;
  const sm = await secretsClient(ctx.accounts.target);
  try {
    const facts = await describeSecret(sm, id);
    if (!facts.rotationEnabled) {
      core.warning(
        `${facts.name} has no rotation configured, so target-secret-rotation: trigger did nothing. Configure rotation on the secret (aws secretsmanager rotate-secret --secret-id ${facts.arn} --rotation-lambda-arn <function>) or set target-secret-rotation: none.`,
        {
          title: 'Staging secret not rotated'
        }
      );
      return 'no rotation configured';
    }
    const version = await rotateSecret(sm, facts.arn);
    return `rotation started (version ${version ?? 'unknown'})`;
  } catch (e) {
    // Staging is refreshed and the secret holds its credentials: a refused rotation does not undo that.
    const explained = explainSecretError(ctx, e, 'secretsmanager:RotateSecret', { id });
    const d = explained instanceof DiagnosedError ? explained.diagnostics[0] : { title: 'Staging secret not rotated', message: (e as Error).message };
    ctx.report.diagnose({ ...d, title: d.title.replace('not updated', 'not rotated'), severity: 'warning' });
    return 'rotation failed (warning)';
  }
}

// ---------------------------------------------------------------------------
// Preflight and plan

interface PreflightFacts {
  facts: SecretFacts;
  existing: Record<string, unknown>;
}
const seen = new WeakMap<object, PreflightFacts>();

type Findings = [Diagnostic[], Array<[string, string]>];

/**
 * Preflight: the secret exists and takes writes, its value is a JSON object, and the
 * key it is encrypted under lets the target role write (kms:GenerateDataKey) and read
 * (kms:Decrypt) through Secrets Manager, as its key policy says.
 */
export async function checkTargetSecret(ctx: Context): Promise<Findings> {
  const s = ctx.settings.targetSecret;
  if (!s) return [[], []];
  const sm = await secretsClient(ctx.accounts.target);
  const diagnostics: Diagnostic[] = [];
  const facts: Array<[string, string]> = [];
  const asError = (e: unknown, action: string, ref: { id: string; arn?: string; keyArn?: string }): Findings => {
    const explained = explainSecretError(ctx, e, action, ref);
    if (explained instanceof DiagnosedError) return [explained.diagnostics.map(d => ({ ...d, title: d.title.replace('Staging secret not updated: ', 'Staging secret: '), severity: 'error' as const })), facts];
    throw explained;
  };
  let secret: SecretFacts;
  try {
    secret = await describeSecret(sm, s.id);
  } catch (e) {
    return asError(e, 'secretsmanager:DescribeSecret', { id: s.id });
  }
  if (secret.deleted || secret.owningService)
    return [
      [
        {
          title: `Staging secret ${secret.name} cannot take a new version`,
          message: secret.deleted
            ? `${secret.arn} is marked for deletion: Secrets Manager refuses writes to it.`
            : `${secret.arn} is managed by ${secret.owningService}: Secrets Manager refuses writes to it from anyone else.`,
          fix: secret.deleted
            ? `aws secretsmanager restore-secret --secret-id ${secret.arn}`
            : 'Give the applications a secret of their own in target-secret-id (with manage-master-password: true it holds masterUserSecretArn, the ARN of the secret RDS manages).',
          severity: 'error'
        }
      ],
      facts
    ];
  const keyArn = await keyArnOf(ctx, secret);
  const ref = { id: s.id, arn: secret.arn, keyArn };
  let existing: Record<string, unknown> = {};
  if (secret.current) {
    try {
      existing = parseExisting((await readCurrentValue(sm, secret.arn)).value, secret.name);
    } catch (e) {
      if (e instanceof DiagnosedError) return [e.diagnostics.map(d => ({ ...d, severity: 'error' as const })), facts];
      return asError(e, 'secretsmanager:GetSecretValue', ref);
    }
  }
  seen.set(ctx, { facts: secret, existing });
  facts.push(['Staging secret', `${secret.arn}: current version ${secret.current ?? 'none'}${Object.keys(existing).length ? `, keys ${Object.keys(existing).join(', ')}` : ''}`]);

  const [keyDiagnostics, keyFacts] = await checkSecretKey(ctx, secret, keyArn);
  diagnostics.push(...keyDiagnostics);
  facts.push(...keyFacts);
  if (s.rotation === 'trigger' && !secret.rotationEnabled)
    diagnostics.push({
      title: 'target-secret-rotation: trigger, but the secret has no rotation configured',
      message: `${secret.arn} has no rotation function, so the run will not rotate it (RotateSecret would be refused).`,
      fix: `aws secretsmanager rotate-secret --secret-id ${secret.arn} --rotation-lambda-arn <function ARN> --rotation-rules AutomaticallyAfterDays=30\nor set target-secret-rotation: none`,
      severity: 'warning'
    });
  facts.push([
    'Not checked: staging secret writes',
    `PutSecretValue and UpdateSecretVersionStage on ${secret.arn} are only exercised after the swap; a refusal there rolls staging back (mode: policies prints the statements).`
  ]);
  return [diagnostics, facts];
}

async function checkSecretKey(ctx: Context, secret: SecretFacts, keyArn: string | undefined): Promise<Findings> {
  const { target } = ctx.accounts;
  if (!secret.kmsKeyId) return [[], [['Staging secret key', `aws/secretsmanager of account ${target.accountId}: usable by its principals through Secrets Manager`]]];
  const arn = keyArn ?? secret.kmsKeyId;
  let key;
  try {
    key = await describeKey(target.kms, arn);
  } catch (e) {
    return [
      [
        {
          title: `Staging secret: its KMS key ${secret.kmsKeyId} cannot be described`,
          message: `DescribeKey on ${arn} as ${target.principalArn} failed (${awsErrorCode(e) ?? 'Error'}: ${(e as Error).message}). The action cannot tell whether it may write ${secret.name}.`,
          fix: keyFixText(secretKeyRemedy(ctx, arn), 'both'),
          severity: 'notice'
        }
      ],
      []
    ];
  }
  if (key.keyState && key.keyState !== 'Enabled')
    return [
      [
        {
          title: `Staging secret: its KMS key is ${key.keyState}`,
          message: `${secret.name} is encrypted under ${key.arn}, which is ${key.keyState}: Secrets Manager cannot write a new version (EncryptionFailure).`,
          fix: `aws kms enable-key --key-id ${key.arn}`,
          severity: 'error'
        }
      ],
      []
    ];
  if (key.keyManager === 'AWS') return [[], [['Staging secret key', `${key.arn} (AWS managed): usable by the account's principals through Secrets Manager`]]];
  const read = await readKeyPolicy(target.kms, key.arn);
  if (!read.policy)
    return [
      [
        {
          title: 'Staging secret: key policy not analysed',
          message: `GetKeyPolicy on ${key.arn} as ${target.principalArn} failed (${read.unreadable ?? 'no policy'}${read.message ? `: ${read.message}` : ''}), so whether the role may use it through Secrets Manager is only known at the write.`,
          fix: keyFixText(secretKeyRemedy(ctx, key.arn), 'both'),
          severity: 'notice'
        }
      ],
      []
    ];
  const analysis = analyzeKeyPolicy(read.policy, key.arn, { principalArn: target.principalArn, principalAccount: target.accountId, viaService: secretsManagerService(ctx.settings.region) }, SECRET_KEY_ACTIONS);
  const lines = describeAnalysis(analysis);
  if (analysis.denied.length > 0 || analysis.missing.length > 0)
    return [
      [
        {
          title: `Staging secret: the key policy of ${key.arn} does not let ${target.principalArn} write ${secret.name}`,
          message: `Secrets Manager needs ${SECRET_KEY_ACTIONS.join(' and ')} on ${key.arn} for the role (through ${secretsManagerService(ctx.settings.region)}); the key policy ${analysis.denied.length ? 'denies' : 'does not allow'} ${[...analysis.denied, ...analysis.missing].join(', ')}${analysis.denied.length ? ' (remove or narrow the Deny that matches; an Allow does not override it)' : ''}.\n${lines.map(l => `- ${l}`).join('\n')}`,
          fix: keyFixText(secretKeyRemedy(ctx, key.arn), analysis.denied.length ? 'key-policy' : 'both'),
          severity: 'error'
        }
      ],
      []
    ];
  const facts: Array<[string, string]> = [['Staging secret key', `${key.arn}: ${lines.join('; ')}`]];
  if (analysis.needsIam)
    return [
      [
        {
          title: "Staging secret: key access depends on the role's IAM policy (not checked)",
          message: `The key policy of ${key.arn} admits ${target.principalArn} through the account root, so its IAM policy decides whether Secrets Manager may use the key for it.`,
          fix: keyFixText(secretKeyRemedy(ctx, key.arn), 'iam'),
          severity: 'notice'
        }
      ],
      facts
    ];
  return [[], facts];
}

function secretKeyRemedy(ctx: Context, keyArn: string): KeyRemedy {
  return keyRemedy(remedyFacts(ctx), keyArn, 'secret-key');
}

/** mode: plan: what would be written (values masked), from the secret as preflight read it and the staging database being replaced. */
export function describeSecretPlan(ctx: Context, plan: TargetPlan): { lines: string[]; secret?: Record<string, unknown> } {
  const s = ctx.settings.targetSecret;
  if (!s) return { lines: [] };
  const read = seen.get(ctx);
  const e = plan.existing;
  const managed = plan.password.reset === 'managed' || plan.password.thenManaged;
  const db: SecretDatabase = {
    kind: plan.kind,
    identifier: plan.target,
    engine: e?.engine ?? "the snapshot's engine",
    host: e?.endpoint ?? `<endpoint of ${plan.target} after the swap>`,
    port: e?.port ?? plan.restore.port,
    username: e?.masterUsername ?? "<the snapshot's master user>",
    dbname: e?.databaseName ?? "<the snapshot's database>",
    password: managed ? undefined : MASK,
    masterUserSecretArn: managed ? `<ARN of the secret RDS manages for ${plan.target}>` : undefined
  };
  const existing = read?.existing ?? {};
  const doc = maskedDocument(secretDocument(existing, db));
  const kept = keptKeys(existing, doc, db);
  const name = read?.facts.arn ?? s.id;
  const lines = [
    `After the swap, before the old ${plan.kind} is deleted: write a new version of the staging secret ${name} (AWSCURRENT; the current version ${read?.facts.current ?? '(none)'} becomes AWSPREVIOUS and is put back if the run rolls back): ${JSON.stringify(doc)}${kept.length ? `, keeping ${kept.join(', ')}` : ''}`
  ];
  if (s.rotation === 'trigger')
    lines.push(
      read?.facts.rotationEnabled ? `Then start its rotation (RotateSecret) once the refresh is done` : `target-secret-rotation: trigger, but ${name} has no rotation configured: it will not be rotated`
    );
  return { lines, secret: { id: s.id, arn: read?.facts.arn, previousVersionId: read?.facts.current, document: doc, kept, rotation: s.rotation } };
}
