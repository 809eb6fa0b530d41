/**
 * Aurora clones: RestoreDBClusterToPointInTime with RestoreType copy-on-write,
 * from the caller's own cluster or from another account's cluster shared with
 * it through AWS RAM (named by its ARN), and the shared cluster as
 * DescribeDBClusters shows it to that account (a few fields only).
 *
 * Rules (Aurora user guide, "Cloning a volume" and "Cross-account cloning with
 * AWS RAM"): the source must be visible (else the same DBClusterNotFoundFault as
 * a cluster that does not exist), available and have at least one DB instance;
 * no cross-account clone of Aurora Serverless v1; RDS must be able to use the
 * source's key for the caller (the emulator's own KMS evaluation: a cluster
 * under another account's aws/rds never passes) and the KmsKeyId given; one
 * cross-account clone of a clone group per account, 15 in all. A clone takes
 * the same time whatever the size. The limit's error code is not documented:
 * the emulator answers InvalidRestoreFault.
 */
import type { HandlerContext } from '../context';
import { common, rdsFault } from '../errors';
import { clusterSharedWith } from '../ram';
import type { Params } from '../protocol/query';
import { resourceSuffix, type Cluster } from '../world';
import { authorize, callerAccount, checkIdentifier, keyForRds, recordRdsGrant, type Output } from './common';
import { launch, markRestored } from './lifecycle';
import { clusterShape } from './shapes';
import { grantSourceKey } from './snapshot-rules';

const clusterArn = /^arn:aws:rds:([a-z0-9-]+):(\d{12}):cluster:(.+)$/;

/** Another account's cluster shared with the caller, by ARN; undefined when it is not (or not yet) shared. */
export function sharedCluster(ctx: HandlerContext, arn: string): Cluster | undefined {
  const m = clusterArn.exec(arn);
  if (!m || m[1] !== ctx.world.region || m[2] === ctx.caller!.account) return undefined;
  const cluster = ctx.world.account(m[2]!)?.clusters.get(m[3]!.toLowerCase());
  return cluster && clusterSharedWith(ctx.world, cluster, ctx.caller!.account) ? cluster : undefined;
}

/** What DescribeDBClusters (IncludeShared) shows of a shared cluster: few fields besides the ARN. */
export function sharedClusterShape(ctx: HandlerContext, c: Cluster): Output {
  return {
    DBClusterArn: ctx.world.clusterArn(c.account, c.id),
    Engine: c.engine,
    EngineVersion: c.engineVersion,
    StorageEncrypted: c.kmsKeyArn !== undefined
  };
}

function sourceOf(ctx: HandlerContext, ref: string): Cluster {
  const notFound = () => rdsFault('DBClusterNotFoundFault', `The source cluster could not be found or cannot be accessed: ${ref}`);
  const m = clusterArn.exec(ref);
  if (m && m[2] !== ctx.caller!.account) {
    const shared = sharedCluster(ctx, ref);
    if (!shared) throw notFound();
    return shared;
  }
  const own = callerAccount(ctx).clusters.get((m ? m[3]! : ref).toLowerCase());
  if (!own) throw notFound();
  return own;
}

export function restoreDBClusterToPointInTime(ctx: HandlerContext, p: Params): Output {
  const world = ctx.world;
  const me = callerAccount(ctx);
  const id = p.required('DBClusterIdentifier');
  const sourceRef = p.required('SourceDBClusterIdentifier');
  const arn = world.clusterArn(me.id, id);
  authorize(ctx, 'rds:RestoreDBClusterToPointInTime', arn);
  const restoreType = p.str('RestoreType') ?? 'full-copy';
  if (restoreType !== 'full-copy' && restoreType !== 'copy-on-write') throw common.invalidParameterValue(`Invalid RestoreType: ${restoreType}. Valid values: full-copy, copy-on-write.`);
  const latest = p.bool('UseLatestRestorableTime') ?? false;
  if (latest && p.str('RestoreToTime')) throw common.invalidParameterCombination('Cannot specify both RestoreToTime and UseLatestRestorableTime.');
  if (!latest && !p.str('RestoreToTime')) throw common.invalidParameterCombination('Either RestoreToTime or UseLatestRestorableTime must be specified.');
  const source = sourceOf(ctx, sourceRef);
  authorize(ctx, 'rds:RestoreDBClusterToPointInTime', world.clusterArn(source.account, source.id));
  checkIdentifier('DBClusterIdentifier', id);
  if (me.clusters.has(id.toLowerCase())) throw rdsFault('DBClusterAlreadyExistsFault', 'DB Cluster already exists');
  const crossAccount = source.account !== me.id;
  if (crossAccount && restoreType !== 'copy-on-write') throw common.invalidParameterCombination('A DB cluster shared from another account can only be cloned: RestoreType must be copy-on-write.');
  if (crossAccount && source.engineMode === 'serverless') throw common.invalidParameterCombination('Cross-account cloning is not supported for Aurora Serverless v1 DB clusters.');
  if (source.status !== 'available') throw rdsFault('InvalidDBClusterStateFault', `DBCluster ${source.id} is not in available state (it is ${source.status}).`);
  const owner = world.account(source.account)!;
  if (![...owner.instances.values()].some(i => i.clusterId === source.id))
    throw rdsFault('InvalidDBClusterStateFault', `DBCluster ${source.id} has no DB instances: only a cluster with at least one DB instance can be cloned.`);

  const group = source.cloneGroupId ?? `${source.resourceSuffix}-clone-group`;
  if (crossAccount) {
    const members = [...world.accounts.values()].flatMap(a => [...a.clusters.values()]).filter(c => c.cloneGroupId === group && c.crossAccountClone);
    if (members.some(c => c.account === me.id))
      throw rdsFault('InvalidRestoreFault', `Account ${me.id} already has a cross-account clone of ${source.id} (or of one of its clones): only one cross-account clone of a cluster is allowed per account.`);
    if (members.length >= 15) throw rdsFault('InvalidRestoreFault', `${source.id} already has 15 cross-account clones.`);
  }

  let keyArn = source.kmsKeyArn;
  if (source.kmsKeyArn) grantSourceKey(ctx, source.kmsKeyArn, false, arn);
  const kmsKeyId = p.str('KmsKeyId');
  if (kmsKeyId) {
    if (!source.kmsKeyArn) throw common.invalidParameterCombination('KmsKeyId cannot be specified when cloning an unencrypted DB cluster.');
    const key = keyForRds(ctx, kmsKeyId, 'target');
    recordRdsGrant(world, ctx.caller!.principal, key, arn);
    keyArn = key.arn;
  }
  source.cloneGroupId = group;
  const defaults = source.engine.startsWith('aurora-mysql') ? 'default.aurora-mysql8.0' : 'default.aurora-postgresql16';
  const cluster: Cluster = {
    id: id.toLowerCase(),
    account: me.id,
    status: 'creating',
    engine: source.engine,
    engineVersion: source.engineVersion,
    allocatedStorageGb: source.allocatedStorageGb,
    kmsKeyArn: keyArn,
    deletionProtection: p.bool('DeletionProtection') ?? false,
    securityGroups: p.list('VpcSecurityGroupIds') ?? ['sg-default'],
    subnetGroup: p.str('DBSubnetGroupName') ?? 'default',
    parameterGroup: p.str('DBClusterParameterGroupName') ?? defaults,
    masterUsername: source.masterUsername,
    masterPassword: source.masterPassword,
    manageMasterUserPassword: false,
    databaseName: source.databaseName,
    port: p.int('Port') ?? source.port,
    tags: p.tags() ?? [],
    created: world.now(),
    resourceSuffix: resourceSuffix(),
    image: source.image,
    engineMode: 'provisioned',
    cloneGroupId: group,
    crossAccountClone: crossAccount
  };
  me.clusters.set(cluster.id, cluster);
  // Copy-on-write: the same time whatever the size; a fault may fail it midway, and so does its database.
  const fails = ctx.faults.failsMidway({ ...ctx.call, account: me.id, json: false });
  const seconds = world.timings.cloneSeconds ?? 300;
  markRestored(cluster);
  launch(world, cluster, fails ? seconds / 2 : seconds, () => fails || Boolean(cluster.serverError));
  return { DBCluster: clusterShape(world, cluster) };
}
