/**
 * The target side's decisions, made before anything changes in the staging
 * account: which settings the new database gets (an input when given, else
 * the staging database being replaced, else a default), the run-scoped
 * names, how the password is reset, what the swap renames and deletes.
 * `mode: plan` prints it and `mode: sync` executes it. Every decision is a
 * pure function of the settings and what RDS described.
 */
import type { CarriedSettings, DatabaseInfo, InstanceInfo, SnapshotSummary, Tags } from '../aws/databases';
import { DiagnosedError } from '../errors';
import { cliNouns, toRdsIdentifier } from '../rds-rules';
import type { Diagnostic } from '../report';
import type { Settings } from '../settings';
import type { DbKind } from '../types';
import { dbKind } from './kind';
import { KEPT_TAG, LOCK_TAG, MANAGED_TAG, PARKED_TAG, RUN_TAG, SOURCE_TAG, TARGET_TAG } from './naming';
import { kindProfile } from '../kinds';

/** The staging database being replaced, with its writer instance. */
export interface ExistingDatabase extends DatabaseInfo {
  writerInstance?: InstanceInfo;
}

/** Where a setting of the new database comes from. */
export type Origin = 'input' | 'staging' | 'default';
export interface Inherited<T> {
  value: T;
  from: Origin;
}

export const DEFAULT_INSTANCE_CLASS = 'db.r6g.large';
/** Restoring without a key of the staging account would keep production's key: name the staging account's AWS managed key instead. */
export const DEFAULT_TARGET_KEY = 'alias/aws/rds';

/** The new database's settings; those it carries over (CarriedSettings) are the replaced staging database's. */
export interface RestoreSettings extends CarriedSettings {
  kmsKeyId: Inherited<string>;
  dbSubnetGroup: Inherited<string | undefined>;
  /** Security groups of the new database until the swap (unreachable by anything but the action). */
  isolationSecurityGroupIds?: string[];
  /** Security groups it gets at the swap. */
  securityGroupIds: Inherited<string[] | undefined>;
  dbClusterParameterGroup: Inherited<string | undefined>;
  dbParameterGroup: Inherited<string | undefined>;
  /** RDS DB instances: the staging instance's option group (production's does not exist in the staging account). */
  optionGroup: Inherited<string | undefined>;
  instanceClass: Inherited<string>;
  instanceCount: number;
  engineVersion?: string;
  port?: number;
  publiclyAccessible?: boolean;
  /** Deletion protection after the swap: as the replaced database had it. */
  deletionProtection: boolean;
  /** The user's tags: those of the replaced database, overridden by the `tags` input (never this action's own). */
  tags: Tags;
}

export interface PasswordPlan {
  /** How production's password is replaced right after the restore. */
  reset: 'generated' | 'managed';
  /** Masking connects with a generated password first, then the password moves to Secrets Manager before the swap. */
  thenManaged: boolean;
}

export type SwapStep = 'disable-deletion-protection' | 'park-old' | 'promote-new' | 'apply-settings' | 'delete-old';

export interface SwapPlan {
  /** The name the old staging database is parked under during the swap (absent: there is no old one). */
  parkedAs?: string;
  steps: SwapStep[];
  /** Final snapshot of the old database (final-snapshot: take). */
  finalSnapshotIdentifier?: string;
}

/**
 * RDS DB instances only: the shared snapshot is first copied into the staging
 * account. RestoreDBInstanceFromDBSnapshot has no KmsKeyId and cannot restore a
 * shared encrypted snapshot, so the copy (CopyDBSnapshot with KmsKeyId) puts
 * it under the staging key; the restore reads the copy, which is deleted
 * afterwards. Aurora restores straight from the shared ARN.
 */
export type TargetCopy =
  | { needed: false; reason: string }
  | {
      needed: true;
      reason: string;
      /** Deterministic (from the target and the shared snapshot), so a rerun resumes it. */
      identifier: string;
      /** target-kms-key-id, else the staging account's aws/rds. */
      kmsKeyId: string;
      /** The snapshot copied: the shared snapshot's ARN. */
      sourceArn: string;
    };

/** What the target plan needs to know of the snapshot the source side will share. */
export interface SharedFacts {
  identifier: string;
  arn: string;
  encrypted: boolean;
  /** transfer clone: `arn` is the production cluster itself, cloned copy-on-write instead of restored from a snapshot. */
  clone?: boolean;
}

export interface TargetPlan {
  kind: DbKind;
  /** target-cluster / target-instance / target-db: the name the refreshed database ends under. */
  target: string;
  /** The run-scoped name the new database is restored under. */
  temporary: string;
  /** Aurora: the instances created in the restored cluster. RDS DB instance: none (the restore makes the instance). */
  instances: string[];
  existing?: ExistingDatabase;
  copy: TargetCopy;
  restore: RestoreSettings;
  password: PasswordPlan;
  masking: { enabled: boolean; connection: Settings['maskingConnection'] };
  swap: SwapPlan;
  warnings: string[];
  /** transfer clone: the new cluster is a copy-on-write clone of the shared production cluster (src/transfer/clone.ts). */
  clone?: boolean;
}

/** Run-scoped: the new cluster's member instances (instance names never change with the cluster's), and a kept failed restore. */
export function temporaryIdentifier(target: string, runId: string): string {
  return toRdsIdentifier(target, 'sync', runId);
}

/**
 * The name every run restores its new database under: one per target, so RDS
 * itself refuses a second one (DBClusterAlreadyExistsFault / DBInstanceAlreadyExists).
 * Holding this name is the lock (see steps/lock.ts).
 */
export function lockIdentifier(target: string): string {
  return toRdsIdentifier(target, 'sync');
}

export function parkedIdentifier(target: string, runId: string): string {
  return toRdsIdentifier(target, 'old', runId);
}

export function finalSnapshotIdentifier(target: string, runId: string): string {
  return toRdsIdentifier(target, 'final', runId);
}

/** The staging account's copy of the shared snapshot: `<target>-copy-<shared snapshot without rcas->`. */
export function targetCopyIdentifier(target: string, sharedIdentifier: string): string {
  return toRdsIdentifier(target, 'copy', sharedIdentifier.replace(/^rcas-/, '').replace(/^rds:/, ''));
}

/** Pure: whether the staging account copies the shared snapshot before the restore, and why. */
export function decideTargetCopy(f: { kind: DbKind; target: string; shared: SharedFacts; targetKeyArn?: string }): TargetCopy {
  if (kindProfile(f.kind).can.restoreWithKey)
    return { needed: false, reason: 'an Aurora cluster restores straight from the shared snapshot ARN, re-encrypted under the staging key by RestoreDBClusterFromSnapshot' };
  const copy = (reason: string): TargetCopy => ({
    needed: true,
    reason,
    identifier: targetCopyIdentifier(f.target, f.shared.identifier),
    kmsKeyId: f.targetKeyArn ?? DEFAULT_TARGET_KEY,
    sourceArn: f.shared.arn
  });
  if (f.shared.encrypted)
    return copy(
      `an RDS DB instance cannot be restored from a shared encrypted snapshot, and RestoreDBInstanceFromDBSnapshot takes no KMS key: the staging account copies it under ${f.targetKeyArn ?? 'its aws/rds key (target-kms-key-id is empty)'} first`
    );
  if (f.targetKeyArn) return copy(`the shared snapshot is unencrypted: the staging copy encrypts it under target-kms-key-id, so the restored instance is encrypted`);
  return {
    needed: false,
    reason: 'the shared snapshot is unencrypted and target-kms-key-id is empty: restored directly, and the staging instance stays unencrypted (set target-kms-key-id to encrypt it)'
  };
}

export function instanceIdentifiers(temporary: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => toRdsIdentifier(temporary, String(i + 1)));
}

/** Tag keys that belong to AWS or to this action: never copied from the old database to the new one. */
export function isOwnOrReservedTag(key: string): boolean {
  return key.startsWith('aws:') || [MANAGED_TAG, RUN_TAG, SOURCE_TAG, TARGET_TAG, LOCK_TAG, PARKED_TAG, KEPT_TAG].includes(key);
}

function pick<T>(input: T | undefined, staging: T | undefined, dflt: T): Inherited<T> {
  if (input !== undefined) return { value: input, from: 'input' };
  if (staging !== undefined) return { value: staging, from: 'staging' };
  return { value: dflt, from: 'default' };
}

/** Every setting of the new database: the input when given, else the replaced staging database's, else the default. */
export function inheritSettings(settings: Settings, existing: ExistingDatabase | undefined): RestoreSettings {
  const w = existing?.writerInstance;
  const inheritedTags: Tags = {};
  for (const [k, v] of Object.entries(existing?.tags ?? {})) if (!isOwnOrReservedTag(k)) inheritedTags[k] = v;
  const stagingGroups = existing && existing.vpcSecurityGroupIds.length > 0 ? existing.vpcSecurityGroupIds : undefined;
  return {
    kmsKeyId: pick(settings.target.kmsKeyArn, undefined, DEFAULT_TARGET_KEY),
    dbSubnetGroup: pick(settings.dbSubnetGroup, existing?.dbSubnetGroup, undefined),
    isolationSecurityGroupIds: settings.isolationSecurityGroupIds,
    securityGroupIds: pick(settings.vpcSecurityGroupIds, stagingGroups, undefined),
    dbClusterParameterGroup: pick(settings.dbClusterParameterGroup, existing?.dbClusterParameterGroup, undefined),
    dbParameterGroup: pick(settings.dbParameterGroup, w?.dbParameterGroup, undefined),
    optionGroup: pick(undefined, existing?.optionGroup?.startsWith('default:') ? undefined : existing?.optionGroup, undefined),
    instanceClass: pick(settings.instanceClass, w?.instanceClass, DEFAULT_INSTANCE_CLASS),
    instanceCount: settings.instanceCount,
    engineVersion: settings.engineVersion,
    port: existing?.port,
    publiclyAccessible: w?.publiclyAccessible,
    deletionProtection: existing?.deletionProtection ?? false,
    copyTagsToSnapshot: existing?.copyTagsToSnapshot,
    iamDatabaseAuthentication: existing?.iamDatabaseAuthentication,
    cloudwatchLogsExports: existing?.cloudwatchLogsExports?.length ? existing.cloudwatchLogsExports : undefined,
    serverlessV2: existing?.serverlessV2,
    storageType: existing?.storageType,
    tags: { ...inheritedTags, ...settings.tags }
  };
}

export function passwordPlan(settings: Pick<Settings, 'manageMasterPassword' | 'maskingRules' | 'maskingConnection'>): PasswordPlan {
  if (!settings.manageMasterPassword) return { reset: 'generated', thenManaged: false };
  // Masking over a direct connection needs a password the action knows; the managed one is only in Secrets Manager.
  if (settings.maskingRules && settings.maskingConnection === 'direct') return { reset: 'generated', thenManaged: true };
  return { reset: 'managed', thenManaged: false };
}

/** What the swap does, in order. Without an old database the new one simply takes the name. */
export function swapSteps(existing: Pick<DatabaseInfo, 'deletionProtection'> | undefined): SwapStep[] {
  if (!existing) return ['promote-new', 'apply-settings'];
  return [...(existing.deletionProtection ? (['disable-deletion-protection'] as const) : []), 'park-old', 'promote-new', 'apply-settings', 'delete-old'];
}

const nounOf = (kind: DbKind) => kindProfile(kind).nouns.short;

/** Reasons the target side cannot run as configured; each names the input or the state to change. */
export function targetBlockers(settings: Settings, existing: ExistingDatabase | undefined): Diagnostic[] {
  const out: Diagnostic[] = [];
  const target = settings.target.identifier;
  const kind = dbKind(settings);
  const noun = nounOf(kind);
  const cli = cliNouns(kind);
  const masking = Boolean(settings.maskingRules);
  if (existing && existing.status !== 'available') {
    out.push({
      title: `Staging ${noun} ${target} is ${existing.status}`,
      message: `The swap renames ${target} out of the way, and RDS only renames an available ${noun}. It is '${existing.status}'.`,
      fix:
        existing.status === 'stopped'
          ? `aws rds start-${cli.db} ${cli.dbIdOption} ${target}\naws rds wait ${cli.db}-available ${cli.dbIdOption} ${target}`
          : `Wait until ${target} is available (aws rds describe-${cli.db}s ${cli.dbIdOption} ${target}), then run again.`
    });
  }
  if (!kindProfile(kind).can.dataApi && masking && settings.maskingConnection === 'data-api') {
    out.push({
      title: 'The Data API is for Aurora only',
      message: 'masking-connection: data-api uses the RDS Data API, which RDS DB instances (PostgreSQL, MySQL, MariaDB) do not have.',
      fix: 'Use masking-connection: direct with isolation-security-group-ids that admit the runner.'
    });
  }
  if (masking && !settings.isolationSecurityGroupIds?.length) {
    out.push({
      title: 'Masking needs isolation-security-group-ids',
      message: `Until it is masked the new ${noun} holds production data. It must sit in security groups that admit the runner that masks it and nobody else; without them RDS puts it in the VPC default security group.`,
      fix: 'Create a security group whose only ingress is the runner (or its VPC endpoint / NAT range) on the database port, and pass it as isolation-security-group-ids.'
    });
  }
  if (masking && !settings.maskingSalt) {
    out.push({
      title: 'Masking needs masking-salt',
      message: 'Deterministic masking without a secret salt can be reversed by hashing guessed values.',
      fix: 'Store a long random value as a repository secret and pass it: masking-salt: ${{ secrets.MASKING_SALT }}'
    });
  }
  if (masking && settings.maskingConnection === 'data-api' && !settings.manageMasterPassword) {
    out.push({
      title: 'The Data API needs a managed master password',
      message: 'masking-connection: data-api authenticates with a Secrets Manager secret; the action only gets one from RDS with manage-master-password: true.',
      fix: 'Set manage-master-password: true, or masking-connection: direct.'
    });
  }
  if (!existing && settings.isolationSecurityGroupIds?.length && !settings.vpcSecurityGroupIds?.length) {
    out.push({
      title: `vpc-security-group-ids is needed for a new staging ${noun}`,
      message: `${target} does not exist yet, so there is no ${noun} to take the security groups from, and the new ${noun} would stay in the isolation security groups after the swap.`,
      fix: 'Pass the security groups staging should use as vpc-security-group-ids.'
    });
  }
  return out;
}

export function targetWarnings(settings: Settings, existing: ExistingDatabase | undefined): string[] {
  const out: string[] = [];
  const kind = dbKind(settings);
  const noun = nounOf(kind);
  const target = settings.target.identifier;
  if (!settings.maskingRules && !settings.isolationSecurityGroupIds?.length) out.push(`No isolation-security-group-ids: until the swap the new ${noun} sits in the VPC default security group.`);
  if (!existing) out.push(`${target} does not exist: the new ${noun} takes the name, nothing is replaced.`);
  if (existing && !existing.writerInstance && !settings.instanceClass) out.push(`${target} has no writer instance to copy the instance class from: ${DEFAULT_INSTANCE_CLASS}.`);
  if (!kindProfile(kind).can.restoreEngineVersion && settings.engineVersion)
    out.push(`engine-version ${settings.engineVersion} is not used for an RDS DB instance: RestoreDBInstanceFromDBSnapshot keeps the snapshot's engine version (upgrade staging afterwards if needed).`);
  if (!kindProfile(kind).can.members && settings.instanceCount > 1) out.push('instance-count applies to Aurora clusters only: an RDS DB instance is restored as one instance.');
  return out;
}

export interface PlanInputs {
  settings: Settings;
  runId: string;
  existing?: ExistingDatabase;
  /** The snapshot the source side shares (needed for an RDS DB instance: it decides the staging copy). */
  shared?: SharedFacts;
}

/** The whole target plan from what was described: pure. */
export function buildTargetPlan({ settings, runId, existing, shared }: PlanInputs): TargetPlan {
  const kind = dbKind(settings);
  const target = settings.target.identifier;
  const temporary = lockIdentifier(target);
  const steps = swapSteps(existing);
  if (!kindProfile(kind).can.restoreWithKey && !shared) throw new Error('internal: the target plan of an RDS DB instance needs the shared snapshot');
  return {
    kind,
    target,
    temporary,
    instances: kindProfile(kind).can.members ? instanceIdentifiers(temporaryIdentifier(target, runId), settings.instanceCount) : [],
    existing,
    // Aurora never copies in staging, whatever was shared.
    copy: decideTargetCopy({ kind, target, shared: shared ?? { identifier: '', arn: '', encrypted: true }, targetKeyArn: settings.target.kmsKeyArn }),
    restore: inheritSettings(settings, existing),
    password: passwordPlan(settings),
    masking: { enabled: Boolean(settings.maskingRules), connection: settings.maskingConnection },
    swap: {
      parkedAs: existing ? parkedIdentifier(target, runId) : undefined,
      steps,
      finalSnapshotIdentifier: existing && settings.finalSnapshot === 'take' ? finalSnapshotIdentifier(target, runId) : undefined
    },
    warnings: targetWarnings(settings, existing),
    ...(shared?.clone ? { clone: true } : {})
  };
}

/** What the target plan decides from: the staging database being replaced, as aws/target-facts.ts read it. */
export interface TargetFacts {
  existing?: ExistingDatabase;
}

/** The target plan from the facts: pure. Refuses a configuration that cannot work. */
export function decideTarget(facts: TargetFacts, settings: Settings, runId: string, shared?: SharedFacts): TargetPlan {
  const blockers = targetBlockers(settings, facts.existing);
  if (blockers.length > 0) throw new DiagnosedError(blockers);
  return buildTargetPlan({ settings, runId, existing: facts.existing, shared });
}

function show<T>(name: string, s: Inherited<T>, render: (v: T) => string = v => String(v), noun = 'cluster'): string {
  const value = s.value === undefined || (Array.isArray(s.value) && s.value.length === 0) ? '(RDS default)' : render(s.value);
  const from = s.from === 'input' ? 'input' : s.from === 'staging' ? `from the current staging ${noun}` : 'default';
  return `${name}: ${value} (${from})`;
}

export function describeTargetPlan(plan: TargetPlan): string[] {
  const r = plan.restore;
  const lines: string[] = [];
  const noun = nounOf(plan.kind);
  const str = (v: unknown) => String(v);
  if (!kindProfile(plan.kind).can.restoreWithKey) {
    const c = plan.copy;
    lines.push(
      c.needed ? `Copy the shared snapshot into the staging account as '${c.identifier}' under ${c.kmsKeyId}: ${c.reason}; the copy is deleted once the restore is done` : `No staging copy: ${c.reason}`
    );
    lines.push(`Restore ${c.needed ? `'${c.identifier}'` : 'the shared snapshot'} into a new instance ${plan.temporary}`);
  } else {
    lines.push(
      plan.clone
        ? `Clone the shared production cluster into a new cluster ${plan.temporary}, encrypted under ${r.kmsKeyId.value}` +
            (r.engineVersion ? ` (engine-version ${r.engineVersion} is not used: a clone keeps production's engine version)` : '')
        : `Restore the shared snapshot into a new cluster ${plan.temporary}, encrypted under ${r.kmsKeyId.value}` + (r.engineVersion ? `, engine version ${r.engineVersion}` : '')
    );
  }
  lines.push(`  until the swap it sits in ${r.isolationSecurityGroupIds?.length ? `isolation security groups ${r.isolationSecurityGroupIds.join(', ')}` : 'the VPC default security group'}`);
  lines.push(`  ${show('subnet group', r.dbSubnetGroup, str, noun)}`);
  if (kindProfile(plan.kind).can.members) {
    lines.push(`  ${show('cluster parameter group', r.dbClusterParameterGroup)}`);
    lines.push(`  ${show('instance parameter group', r.dbParameterGroup)}`);
    lines.push(`  ${r.instanceCount} x ${show('instance class', r.instanceClass)}: ${plan.instances.join(', ')}`);
  } else {
    lines.push(`  ${show('parameter group', r.dbParameterGroup, str, noun)}`);
    lines.push(`  ${show('option group', r.optionGroup, str, noun)}`);
    lines.push(`  ${show('instance class', r.instanceClass, str, noun)}`);
  }
  if (r.port !== undefined) lines.push(`  port ${r.port} (from the current staging ${noun})`);
  lines.push(
    plan.password.reset === 'managed'
      ? 'Reset the master password at once to one managed in Secrets Manager'
      : `Reset the master password at once to a generated one (masked in the log)${plan.password.thenManaged ? ', handed to Secrets Manager after masking' : ''}`
  );
  lines.push(plan.masking.enabled ? `Mask over ${plan.masking.connection}; a masking failure vetoes the swap` : 'No masking (masking-rules is empty)');
  if (plan.existing && plan.swap.parkedAs) {
    const e = plan.existing;
    if (plan.swap.steps.includes('disable-deletion-protection')) lines.push(`Turn off deletion protection of ${plan.target}`);
    lines.push(`Rename ${plan.target} to ${plan.swap.parkedAs}, then ${plan.temporary} to ${plan.target}`);
    lines.push(`Give ${plan.target} ${show('security groups', r.securityGroupIds, v => (v ?? []).join(', '), noun)} and deletion protection ${r.deletionProtection ? 'on' : 'off'}`);
    const final = plan.swap.finalSnapshotIdentifier ? `with final snapshot ${plan.swap.finalSnapshotIdentifier}` : 'without a final snapshot';
    lines.push(
      kindProfile(plan.kind).can.members
        ? `Delete the old cluster (${e.members.length} instance${e.members.length === 1 ? '' : 's'}: ${e.members.join(', ') || 'none'}) ${final}`
        : `Delete the old instance ${final}, with its automated backups`
    );
  } else {
    lines.push(`Rename ${plan.temporary} to ${plan.target} (nothing to replace)`);
    lines.push(`Give it ${show('security groups', r.securityGroupIds, v => (v ?? []).join(', '), noun)}`);
  }
  for (const w of plan.warnings) lines.push(`Note: ${w}`);
  return lines;
}

export interface Retention {
  keep: SnapshotSummary[];
  delete: SnapshotSummary[];
}

/**
 * Which of this action's intermediate snapshots to delete. Only manual
 * snapshots that carry both MANAGED_TAG and SOURCE_TAG count (a tag copied
 * from a cluster onto a user's snapshot by CopyTagsToSnapshot never gives
 * SOURCE_TAG); snapshots of another production database, or tagged for
 * another target, are left to the runs that made them; snapshots not yet
 * available are left alone. Of the rest, the one this
 * run used and then the newest are kept, `retain` in all.
 */
export function snapshotsToDelete(snapshots: SnapshotSummary[], retain: number, options: { target?: string; sourceDatabase?: string; used?: string } = {}): Retention {
  const ours = snapshots.filter(
    s =>
      s.type === 'manual' &&
      (!options.sourceDatabase || !s.database || s.database === options.sourceDatabase) &&
      MANAGED_TAG in s.tags &&
      SOURCE_TAG in s.tags &&
      (!(TARGET_TAG in s.tags) || !options.target || s.tags[TARGET_TAG] === options.target) &&
      s.status === 'available'
  );
  const byAge = [...ours].sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0));
  const ordered = [...byAge.filter(s => s.identifier === options.used || s.arn === options.used), ...byAge.filter(s => s.identifier !== options.used && s.arn !== options.used)];
  return { keep: ordered.slice(0, retain), delete: ordered.slice(retain) };
}
