/**
 * Restore: the shared snapshot becomes a new cluster under a run-scoped name,
 * encrypted under the staging key at restore time, in the isolation security
 * groups. The moment the cluster is available its instances are created, and
 * production's master password is replaced while they are still being created
 * (a new Aurora instance takes minutes before it accepts a connection; RDS
 * creates instances only in an available cluster, so the creation is issued
 * first). Both are awaited before anything connects.
 */
import * as core from '@actions/core';
import { randomBytes } from 'node:crypto';
import type { Databases, DatabaseInfo, RestoreRequest } from '../aws/databases';
import { LOCK_TAG, MANAGED_TAG, RUN_TAG, TARGET_TAG, runUrlTag, type Context } from '../context';
import { DiagnosedError } from '../errors';
import { kindProfile } from '../kinds';
import type { TargetPlan } from '../plan/target';
import type { DbKind, SharedSnapshot } from '../types';
import { cloneIntoStaging } from '../transfer/clone';
import { WaitFailedError } from '../wait';
import { claimRefused, confirmLock, isNameTaken } from './lock';
import { RESET_PENDING_KEY } from './swap';

/** What the masking hook and the swap need to know about the new database. */
export interface RestoredDatabase {
  kind: DbKind;
  identifier: string;
  arn: string;
  engine: string;
  endpoint?: string;
  readerEndpoint?: string;
  port?: number;
  masterUsername: string;
  /** The database inside the cluster (DatabaseName, else the engine's default). */
  databaseName: string;
  /** The generated master password (already registered as a secret with the runner). */
  password?: string;
  /** The Secrets Manager secret of a managed master password. */
  masterUserSecretArn?: string;
  instances: string[];
}

/** Tags of everything this run creates in the staging account. */
export function restoreTags(ctx: Pick<Context, 'runId'>, plan: TargetPlan, lock: string): Record<string, string> {
  return { ...plan.restore.tags, [MANAGED_TAG]: 'true', [RUN_TAG]: ctx.runId, [TARGET_TAG]: plan.target, [LOCK_TAG]: lock, ...runUrlTag(ctx.runId) };
}

/** A password RDS accepts for every engine: 32 letters, digits, '-' and '_' (no '/', '"', '@' or space). */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}

/** The database to connect to when DBName / DatabaseName is empty: `postgres` for PostgreSQL, `mysql` for MySQL and MariaDB. */
export function defaultDatabaseName(engine: string): string {
  return engine.includes('postgres') ? 'postgres' : 'mysql';
}

/** A failed wait on the new cluster or its instances, explained. */
export function explainRestoreFailure(e: unknown, plan: TargetPlan): unknown {
  if (!(e instanceof WaitFailedError)) return e;
  const noun = kindProfile(plan.kind).nouns.short;
  const common = `${e.what} ended in '${e.status}'. Staging is untouched; the new ${noun} is removed unless keep-failed-restore is true.`;
  switch (e.status) {
    case 'inaccessible-encryption-credentials':
    case 'inaccessible-encryption-credentials-recoverable':
      return new DiagnosedError({
        title: 'The staging account cannot use a key of the restore',
        message: `${common} RDS could not use the snapshot's key or ${plan.copy.needed ? plan.copy.kmsKeyId : plan.restore.kmsKeyId.value}.`,
        fix: "The key policy of the shared snapshot's CMK must admit the staging account (mode: policies prints it), and the staging role needs kms:CreateGrant, Decrypt, ReEncrypt*, GenerateDataKey*, DescribeKey on both keys."
      });
    case 'incompatible-parameters':
      return new DiagnosedError({
        title: 'The parameter group does not fit the restored engine',
        message: `${common} Parameter groups: cluster ${plan.restore.dbClusterParameterGroup.value ?? '(default)'}, instance ${plan.restore.dbParameterGroup.value ?? '(default)'}.`,
        fix: "Pass db-cluster-parameter-group / db-parameter-group of the snapshot's engine family, or engine-version matching the staging parameter groups."
      });
    case 'incompatible-network':
      return new DiagnosedError({
        title: `The subnet group cannot take the new ${noun}`,
        message: `${common} Subnet group ${plan.restore.dbSubnetGroup.value ?? '(default)'} has no free address or no subnet in a usable zone.`,
        fix: 'Free addresses in the subnet group, or pass another db-subnet-group.'
      });
    case 'insufficient-capacity':
      return new DiagnosedError({
        title: `No capacity for ${plan.restore.instanceClass.value}`,
        message: common,
        fix: 'Pass another instance-class, or run again later.'
      });
    default:
      return e;
  }
}

/**
 * Restore, reset the password, create and await the instances. State is
 * recorded before each call that creates something, so a cancellation at any
 * moment still finds it.
 */
export async function restoreDatabase(ctx: Context, plan: TargetPlan, shared: SharedSnapshot, db: Databases, lock: string): Promise<RestoredDatabase> {
  const id = plan.temporary;
  const r = plan.restore;
  const noun = kindProfile(plan.kind).nouns.short;
  try {
    ctx.state.update({ restored: { identifier: id, kind: plan.kind, instances: [] } });
    // The restore (or the clone) is the claim: `id` is the same for every run on this target, and RDS refuses a second database of that name.
    const request: RestoreRequest = {
      identifier: id,
      // An RDS DB instance restores from the staging account's own copy (see steps/stage-copy.ts), Aurora from the shared ARN.
      snapshotArn: plan.copy.needed ? plan.copy.identifier : shared.arn,
      engine: shared.engine,
      engineVersion: r.engineVersion,
      kmsKeyId: r.kmsKeyId.value,
      instanceClass: r.instanceClass.value,
      dbParameterGroup: r.dbParameterGroup.value,
      publiclyAccessible: r.publiclyAccessible,
      optionGroup: r.optionGroup.value,
      dbSubnetGroup: r.dbSubnetGroup.value,
      securityGroupIds: r.isolationSecurityGroupIds,
      dbClusterParameterGroup: r.dbClusterParameterGroup.value,
      port: r.port,
      copyTagsToSnapshot: r.copyTagsToSnapshot,
      iamDatabaseAuthentication: r.iamDatabaseAuthentication,
      cloudwatchLogsExports: r.cloudwatchLogsExports,
      serverlessV2: r.serverlessV2,
      storageType: r.storageType,
      tags: restoreTags(ctx, plan, lock)
    };
    // transfer clone: a copy-on-write clone of the shared production cluster instead of a snapshot restore.
    const claim = () => (shared.clone ? cloneIntoStaging(ctx, shared, request) : db.restore(request));
    const notClaimed = async (e: unknown): Promise<never> => {
      throw isNameTaken(e) ? await claimRefused(ctx, plan, db, e) : e;
    };
    await claim().catch(async (e: unknown) => {
      // A claim being deleted (a run that gave way, or a leftover just removed) still holds the name until it is gone.
      if (isNameTaken(e) && (await db.describe(id))?.status === 'deleting') {
        await db.waitDeleted(id, `${id} (being deleted) to free the name`);
        return claim().catch(notClaimed);
      }
      return notClaimed(e);
    });
    // A run that promoted its database since this run's start holds the lock on the target: give way to it.
    await confirmLock(ctx, plan, db, lock);
    await db.waitAvailable(id, `restore of ${noun} ${id}`);

    // Instances first: RDS creates them only in an available cluster, and the reset below makes it `resetting-master-credentials`.
    ctx.state.update({ restored: { identifier: id, kind: plan.kind, instances: plan.instances }, ...(plan.instances.length > 0 ? { [RESET_PENDING_KEY]: true } : {}) });
    const created = await Promise.allSettled(
      plan.instances.map((instance, i) =>
        db.createInstance({
          identifier: instance,
          database: id,
          engine: shared.engine,
          instanceClass: r.instanceClass.value,
          dbParameterGroup: r.dbParameterGroup.value,
          publiclyAccessible: r.publiclyAccessible,
          promotionTier: i === 0 ? 0 : 1,
          tags: { [MANAGED_TAG]: 'true', [RUN_TAG]: ctx.runId, [TARGET_TAG]: plan.target }
        })
      )
    );
    // The reset is issued whatever the creations answered, while no instance accepts connections yet.
    const password = await resetPassword(db, id, plan.password.reset);
    ctx.state.update({ [RESET_PENDING_KEY]: undefined });
    const refused = created.find((c): c is PromiseRejectedResult => c.status === 'rejected');
    if (refused) throw refused.reason;
    let info = await db.waitAvailable(id, `master password reset of ${id}`, d => !d.pendingPassword && (password !== undefined || Boolean(d.masterUserSecretArn)));
    if (plan.masking.enabled && plan.masking.connection === 'data-api' && !info.httpEndpointEnabled) await db.enableDataApi(info.arn);
    if (plan.instances.length > 0) {
      await Promise.all(plan.instances.map(instance => db.waitInstanceAvailable(instance, `instance ${instance}`)));
      info = await db.waitAvailable(id, `cluster ${id} with its instances`);
    }
    return restoredFrom(info, plan, password);
  } catch (e) {
    throw explainRestoreFailure(e, plan);
  }
}

async function resetPassword(db: Databases, id: string, how: 'generated' | 'managed'): Promise<string | undefined> {
  if (how === 'managed') {
    await db.modify(id, { manageMasterPassword: true });
    core.info(`Master password of ${id} reset to one managed in Secrets Manager: production's password no longer works.`);
    return undefined;
  }
  const password = generatePassword();
  core.setSecret(password);
  await db.modify(id, { masterPassword: password });
  core.info(`Master password of ${id} reset to a generated one: production's password no longer works.`);
  return password;
}

/** After masking over a direct connection with a generated password: hand the password to Secrets Manager. */
export async function handOverPassword(db: Databases, restored: RestoredDatabase): Promise<RestoredDatabase> {
  await db.modify(restored.identifier, { manageMasterPassword: true });
  const info = await db.waitAvailable(restored.identifier, `password hand-over of ${restored.identifier}`, d => Boolean(d.masterUserSecretArn) && !d.pendingPassword);
  return { ...restored, password: undefined, masterUserSecretArn: info.masterUserSecretArn };
}

export function restoredFrom(info: DatabaseInfo, plan: TargetPlan, password: string | undefined): RestoredDatabase {
  return {
    kind: info.kind,
    identifier: info.identifier,
    arn: info.arn,
    engine: info.engine,
    endpoint: info.endpoint,
    readerEndpoint: info.readerEndpoint,
    port: info.port,
    masterUsername: info.masterUsername ?? '',
    databaseName: info.databaseName ?? defaultDatabaseName(info.engine),
    password,
    masterUserSecretArn: info.masterUserSecretArn,
    instances: plan.instances
  };
}
