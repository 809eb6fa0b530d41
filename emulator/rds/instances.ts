/** DB instances that are members of Aurora clusters. */
import type { HandlerContext } from '../context';
import { common, rdsFault } from '../errors';
import type { Params } from '../protocol/query';
import { resourceSuffix, type Instance } from '../world';
import { authorize, callerAccount, checkIdentifier, findCluster, type Output } from './common';
import { databaseSettled } from './data';
import { instanceShape } from './shapes';

function findInstance(ctx: HandlerContext, id: string): Instance {
  const instance = callerAccount(ctx).instances.get(id.toLowerCase());
  if (!instance) throw rdsFault('DBInstanceNotFoundFault', `DBInstance ${id} not found.`);
  return instance;
}

export function describeDBInstances(ctx: HandlerContext, p: Params): Output {
  const world = ctx.world;
  const id = p.str('DBInstanceIdentifier');
  authorize(ctx, 'rds:DescribeDBInstances', world.instanceArn(ctx.caller!.account, id ?? '*'));
  if (id) return { DBInstances: [instanceShape(world, findInstance(ctx, id))] };
  const filters = p.filters();
  const instances = [...callerAccount(ctx).instances.values()].filter((i) =>
    filters.every((f) => f.Name !== 'db-cluster-id' || f.Values.some((v) => v === i.clusterId || v === world.clusterArn(i.account, i.clusterId)))
  );
  return { DBInstances: instances.map((i) => instanceShape(world, i)) };
}

export function createDBInstance(ctx: HandlerContext, p: Params): Output {
  const world = ctx.world;
  const id = p.required('DBInstanceIdentifier');
  authorize(ctx, 'rds:CreateDBInstance', world.instanceArn(ctx.caller!.account, id));
  checkIdentifier('DBInstanceIdentifier', id);
  const clusterId = p.str('DBClusterIdentifier');
  if (!clusterId) throw common.invalidParameterValue('The emulator only supports DB instances that belong to an Aurora cluster: DBClusterIdentifier is required.');
  const cluster = findCluster(ctx, clusterId);
  const account = callerAccount(ctx);
  if (account.instances.has(id.toLowerCase())) throw rdsFault('DBInstanceAlreadyExistsFault', 'DB instance already exists');
  if (!['available', 'creating', 'backing-up', 'modifying'].includes(cluster.status)) {
    throw rdsFault('InvalidDBClusterStateFault', `DBCluster ${cluster.id} is not in available state (it is ${cluster.status}).`);
  }
  const engine = p.required('Engine');
  if (engine !== cluster.engine) throw common.invalidParameterCombination(`The engine ${engine} does not match the engine of the cluster (${cluster.engine}).`);
  const instance: Instance = {
    id: id.toLowerCase(),
    account: account.id,
    clusterId: cluster.id,
    status: 'creating',
    instanceClass: p.required('DBInstanceClass'),
    engine,
    created: world.now(),
    tags: p.tags() ?? [],
    resourceSuffix: resourceSuffix()
  };
  account.instances.set(instance.id, instance);
  world.after(
    world.timings.createInstanceSeconds,
    () => {
      if (instance.status === 'creating') instance.status = 'available';
    },
    () => {
      const c = account.clusters.get(instance.clusterId);
      return !c || (c.status !== 'creating' && databaseSettled(world, c));
    }
  );
  return { DBInstance: instanceShape(world, instance) };
}

export function modifyDBInstance(ctx: HandlerContext, p: Params): Output {
  const world = ctx.world;
  const instance = findInstance(ctx, p.required('DBInstanceIdentifier'));
  authorize(ctx, 'rds:ModifyDBInstance', world.instanceArn(instance.account, instance.id));
  if (instance.status !== 'available') {
    throw rdsFault('InvalidDBInstanceStateFault', `Database instance is not in available state.`);
  }
  const instanceClass = p.str('DBInstanceClass');
  if (instanceClass) {
    instance.instanceClass = instanceClass;
    instance.status = 'modifying';
    world.after(world.timings.modifySeconds, () => {
      if (instance.status === 'modifying') instance.status = 'available';
    });
  }
  return { DBInstance: instanceShape(world, instance) };
}

export function deleteDBInstance(ctx: HandlerContext, p: Params): Output {
  const world = ctx.world;
  const instance = findInstance(ctx, p.required('DBInstanceIdentifier'));
  authorize(ctx, 'rds:DeleteDBInstance', world.instanceArn(instance.account, instance.id));
  if (instance.status === 'deleting') throw rdsFault('InvalidDBInstanceStateFault', `Instance ${instance.id} is already being deleted.`);
  if (instance.status === 'creating') throw rdsFault('InvalidDBInstanceStateFault', `Instance ${instance.id} is not in available state (it is creating).`);
  const account = callerAccount(ctx);
  instance.status = 'deleting';
  world.after(world.timings.deleteSeconds, () => {
    if (account.instances.get(instance.id) === instance) account.instances.delete(instance.id);
  });
  return { DBInstance: instanceShape(world, instance) };
}
