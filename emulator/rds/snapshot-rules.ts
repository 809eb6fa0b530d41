/**
 * The rules DB cluster snapshots (Aurora) and DB snapshots (standalone instances) share, written once
 * and parameterised by the kind: names, faults, ARNs and the account's store differ; the rules do not.
 * Where AWS's rules differ (what a copy may do with keys, option groups, which snapshots a
 * describe lists) the callers in ./snapshots and ./db-snapshots keep their own code.
 */
import type { HandlerContext } from '../context';
import { common, rdsFault, type AwsError } from '../errors';
import type { Params } from '../protocol/query';
import type { Account, DbSnapshot, Key, Snapshot, World } from '../world';
import { authorize, callerAccount, checkIdentifier, checkSourceKey, recordRdsGrant, type Output } from './common';
import { captureImage, type DataHost } from './data';
import { dbSnapshotShape } from './db-shapes';
import { snapshotShape } from './shapes';

export type AnySnapshot = Snapshot | DbSnapshot;

/** What tells a DB cluster snapshot from a DB snapshot in the API and in the world. */
export interface SnapshotKind<S extends AnySnapshot> {
  /** The API noun: parameter (`${noun}Identifier`), result (`${noun}AttributesResult`) and action (`rds:Copy${noun}`) names. */
  noun: 'DBClusterSnapshot' | 'DBSnapshot';
  /** The kind in messages. */
  label: 'DB cluster snapshot' | 'DB snapshot';
  stateFault: 'InvalidDBClusterSnapshotStateFault' | 'InvalidDBSnapshotStateFault';
  alreadyExistsFault: 'DBClusterSnapshotAlreadyExistsFault' | 'DBSnapshotAlreadyExistsFault';
  /** The quota in its message: cluster and DB snapshots have separate quotas. */
  quotaLabel: 'manual snapshots' | 'manual DB snapshots';
  quota(account: Account): number;
  store(account: Account): Map<string, S>;
  arn(world: World, account: string, id: string): string;
  shape(world: World, snapshot: S): Record<string, unknown>;
}

export const clusterSnapshotKind: SnapshotKind<Snapshot> = {
  noun: 'DBClusterSnapshot',
  label: 'DB cluster snapshot',
  stateFault: 'InvalidDBClusterSnapshotStateFault',
  alreadyExistsFault: 'DBClusterSnapshotAlreadyExistsFault',
  quotaLabel: 'manual snapshots',
  quota: account => account.manualSnapshotQuota,
  store: account => account.snapshots,
  arn: (world, account, id) => world.snapshotArn(account, id),
  shape: snapshotShape
};

export const dbSnapshotKind: SnapshotKind<DbSnapshot> = {
  noun: 'DBSnapshot',
  label: 'DB snapshot',
  stateFault: 'InvalidDBSnapshotStateFault',
  alreadyExistsFault: 'DBSnapshotAlreadyExistsFault',
  quotaLabel: 'manual DB snapshots',
  quota: account => account.manualDbSnapshotQuota,
  store: account => account.dbSnapshots,
  arn: (world, account, id) => world.dbSnapshotArn(account, id),
  shape: dbSnapshotShape
};

/** How many accounts a manual snapshot (of either kind) may be shared with. */
export const sharedSnapshotAccountLimit = 20;

/** The resource an action on a snapshot named by id or ARN is authorized on. */
export function snapshotResource<S extends AnySnapshot>(ctx: HandlerContext, kind: SnapshotKind<S>, idOrArn: string): string {
  return idOrArn.startsWith('arn:') ? idOrArn : kind.arn(ctx.world, ctx.caller!.account, idOrArn);
}

export function checkSnapshotQuota<S extends AnySnapshot>(kind: SnapshotKind<S>, account: Account): void {
  const manual = [...kind.store(account).values()].filter(s => s.type === 'manual').length;
  if (manual >= kind.quota(account)) {
    throw rdsFault('SnapshotQuotaExceededFault', `Cannot create more than ${kind.quota(account)} ${kind.quotaLabel}`);
  }
}

/** A new snapshot's identifier (create, copy target, final snapshot): valid, free in the caller's account, within the quota. */
export function checkNewSnapshotId<S extends AnySnapshot>(ctx: HandlerContext, kind: SnapshotKind<S>, param: string, id: string): void {
  checkIdentifier(param, id, 255);
  const account = callerAccount(ctx);
  if (kind.store(account).has(id.toLowerCase())) {
    throw rdsFault(kind.alreadyExistsFault, `Cannot create the snapshot because a snapshot with the identifier ${id} already exists.`);
  }
  checkSnapshotQuota(kind, account);
}

/** Copy, restore and share need an available snapshot. */
export function requireAvailableSnapshot<S extends AnySnapshot>(kind: SnapshotKind<S>, snapshot: S): void {
  if (snapshot.status !== 'available') {
    throw rdsFault(kind.stateFault, `Snapshot ${snapshot.id} is not in available state (it is ${snapshot.status}).`);
  }
}

/** The parts of a new manual snapshot that do not depend on the kind. */
export interface NewSnapshotBase {
  type: 'manual';
  status: 'creating';
  created: Date;
  sharedWith: string[];
  progress: { from: number; to: number };
}

/**
 * A new manual snapshot of a running cluster or instance: it starts `creating`, its progress runs for the
 * resource's storage, it captures the resource's data, and it is stored in the caller's account.
 */
export function storeNewSnapshot<S extends AnySnapshot>(
  ctx: HandlerContext,
  kind: SnapshotKind<S>,
  host: DataHost & { allocatedStorageGb: number },
  build: (base: NewSnapshotBase) => S
): { snapshot: S; seconds: number } {
  const world = ctx.world;
  const now = world.clock.now();
  const seconds = host.allocatedStorageGb * world.timings.snapshotSecondsPerGb;
  const snapshot = build({ type: 'manual', status: 'creating', created: new Date(now), sharedWith: [], progress: { from: now, to: now + seconds * 1000 } });
  captureImage(host, snapshot);
  kind.store(callerAccount(ctx)).set(snapshot.id, snapshot);
  return { snapshot, seconds };
}

/**
 * A new snapshot goes creating -> available (failed when a fault says so) once `seconds` passed and its image
 * is captured. With `host` (Create*Snapshot, not a final snapshot), the resource is backing-up meanwhile.
 */
export function settleSnapshot(world: World, snapshot: AnySnapshot, seconds: number, options: { host?: { status: string }; fails?: boolean } = {}): void {
  const { host, fails = false } = options;
  if (host) host.status = 'backing-up';
  world.after(
    seconds,
    () => {
      if (host?.status === 'backing-up') host.status = 'available';
      if (snapshot.status === 'creating') snapshot.status = fails ? 'failed' : 'available';
    },
    () => !snapshot.imagePending
  );
}

/** Checks RDS may use an encrypted source's key for the caller and records the grant it takes for the new resource. */
export function grantSourceKey(ctx: HandlerContext, keyArn: string, forCopy: boolean, resourceArn: string): Key {
  const key = checkSourceKey(ctx, keyArn, forCopy);
  recordRdsGrant(ctx.world, ctx.caller!.principal, key, resourceArn);
  return key;
}

/** What a copy's kind-specific rules see. */
export interface CopyRequest<S extends AnySnapshot> {
  me: Account;
  source: S;
  targetId: string;
  kmsKeyId: string | undefined;
  /** The source is another account's snapshot, shared with the caller. */
  shared: boolean;
}

/**
 * CopyDBClusterSnapshot / CopyDBSnapshot: names, authorization, the target identifier, the source's state,
 * the KmsKeyId a shared encrypted source needs, and the copy itself (copying -> available, or failed midway).
 * `target` applies the kind's own key rules (they differ: an Aurora copy cannot add encryption, a DB snapshot
 * copy can) and any other fields of the copy; it runs after the checks above, in this order, as before.
 */
export function copySnapshot<S extends AnySnapshot>(
  ctx: HandlerContext,
  p: Params,
  kind: SnapshotKind<S>,
  find: (ctx: HandlerContext, idOrArn: string) => S,
  target: (request: CopyRequest<S>) => Partial<S>
): Output {
  const world = ctx.world;
  const me = callerAccount(ctx);
  const action = `rds:Copy${kind.noun}`;
  const sourceRef = p.required(`Source${kind.noun}Identifier`);
  const targetId = p.required(`Target${kind.noun}Identifier`);
  authorize(ctx, action, kind.arn(world, me.id, targetId));
  const source = find(ctx, sourceRef);
  authorize(ctx, action, kind.arn(world, source.account, source.id));
  checkNewSnapshotId(ctx, kind, `Target${kind.noun}Identifier`, targetId);
  requireAvailableSnapshot(kind, source);
  const kmsKeyId = p.str('KmsKeyId');
  const shared = source.account !== me.id;
  if (source.kmsKeyArn && shared && !kmsKeyId) {
    throw common.invalidParameterValue(`KmsKeyId must be specified when copying an encrypted ${kind.label} shared from another account.`);
  }
  const fields = target({ me, source, targetId, kmsKeyId, shared });
  const seconds = source.allocatedStorageGb * world.timings.copySecondsPerGb;
  const now = world.clock.now();
  const copy: S = {
    ...source,
    id: targetId.toLowerCase(),
    account: me.id,
    type: 'manual',
    status: 'copying',
    kmsKeyArn: source.kmsKeyArn,
    ...fields,
    created: new Date(now),
    tags: [...(p.bool('CopyTags') ? source.tags : []), ...(p.tags() ?? [])],
    sharedWith: [],
    sourceArn: kind.arn(world, source.account, source.id),
    progress: { from: now, to: now + seconds * 1000 },
    // The copy's data arrives with it (the source is available, so its image is captured).
    image: undefined,
    imagePending: false
  };
  kind.store(me).set(copy.id, copy);
  const fails = ctx.faults.failsMidway({ ...ctx.call, account: me.id, json: false });
  world.after(
    fails ? seconds / 2 : seconds,
    () => {
      if (copy.status !== 'copying') return;
      copy.status = fails ? 'failed' : 'available';
      copy.image = source.image;
    },
    () => !source.imagePending
  );
  return { [kind.noun]: kind.shape(world, copy) };
}

/** Delete*Snapshot once found: only manual snapshots, not while being created; answers with status `deleted`. */
export function deleteManualSnapshot<S extends AnySnapshot>(ctx: HandlerContext, kind: SnapshotKind<S>, snapshot: S): Output {
  if (snapshot.type === 'automated') {
    throw rdsFault(kind.stateFault, 'Only manual snapshots may be deleted.');
  }
  if (snapshot.status === 'creating') {
    throw rdsFault(kind.stateFault, `Cannot delete the snapshot ${snapshot.id} because it is being created.`);
  }
  kind.store(callerAccount(ctx)).delete(snapshot.id);
  return { [kind.noun]: { ...kind.shape(ctx.world, snapshot), Status: 'deleted' } };
}

/** The answer of Describe*SnapshotAttributes and Modify*SnapshotAttribute: the `restore` attribute. */
export function snapshotAttributes<S extends AnySnapshot>(kind: SnapshotKind<S>, snapshot: S): Output {
  return {
    [`${kind.noun}AttributesResult`]: {
      [`${kind.noun}Identifier`]: snapshot.id,
      [`${kind.noun}Attributes`]: [{ AttributeName: 'restore', AttributeValues: [...snapshot.sharedWith] }]
    }
  };
}

/**
 * Modify*SnapshotAttribute on the caller's own snapshot: the sharing rules. Only `restore`; adding accounts needs
 * a manual, available snapshot, not encrypted with aws/rds, not public when encrypted, valid account ids, and at
 * most `sharedSnapshotAccountLimit` accounts. `unshareable` adds the kind's own refusal (DB snapshots: option
 * groups with permanent or persistent options; Aurora cluster snapshots have no option groups).
 */
export function shareSnapshot<S extends AnySnapshot>(
  ctx: HandlerContext,
  p: Params,
  kind: SnapshotKind<S>,
  attribute: string,
  snapshot: S,
  unshareable: (owner: Account, snapshot: S) => AwsError | undefined = () => undefined
): Output {
  if (attribute !== 'restore') throw common.invalidParameterValue(`Invalid snapshot attribute name: ${attribute}. Valid values are: restore`);
  const toAdd = p.list('ValuesToAdd') ?? [];
  const toRemove = p.list('ValuesToRemove') ?? [];
  if (toAdd.length > 0) {
    if (snapshot.type === 'automated') {
      throw rdsFault(kind.stateFault, `Automated snapshots cannot be shared: ${snapshot.id}. Copy it to a manual snapshot first.`);
    }
    requireAvailableSnapshot(kind, snapshot);
    const owner = ctx.world.account(snapshot.account)!;
    if (snapshot.kmsKeyArn) {
      const keyId = snapshot.kmsKeyArn.split('/').pop()!;
      if (owner.keys.get(keyId)?.manager === 'AWS') {
        throw common.invalidParameterValue('Cannot share a snapshot encrypted with the AWS managed KMS key (aws/rds). Copy it with a customer managed key first.');
      }
      if (toAdd.includes('all')) throw common.invalidParameterValue('Encrypted snapshots cannot be made public (restore attribute value "all").');
    }
    const refusal = unshareable(owner, snapshot);
    if (refusal) throw refusal;
    for (const value of toAdd) {
      if (value !== 'all' && !/^\d{12}$/.test(value)) throw common.invalidParameterValue(`Invalid AWS account ID: ${value}`);
    }
  }
  const next = snapshot.sharedWith.filter(a => !toRemove.includes(a));
  for (const a of toAdd) if (!next.includes(a)) next.push(a);
  if (next.filter(a => a !== 'all').length > sharedSnapshotAccountLimit) {
    throw rdsFault('SharedSnapshotQuotaExceededFault', `You have exceeded the maximum number of accounts (${sharedSnapshotAccountLimit}) that you can share a manual ${kind.label} with.`);
  }
  snapshot.sharedWith = next;
  return snapshotAttributes(kind, snapshot);
}
