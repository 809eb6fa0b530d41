/** DB instances: members of Aurora clusters here; standalone ones (no DBClusterIdentifier) in ./db-instances. */
import type { HandlerContext } from '../context';
import { common, rdsFault } from '../errors';
import type { Params } from '../protocol/query';
import { resourceSuffix, type Instance, type World } from '../world';
import { authorize, callerAccount, checkIdentifier, findCluster, type Output } from './common';
import { databaseSettled } from './data';
import { dbInstanceNotFound, lookupDbInstance } from './db-common';
import { createStandaloneInstance, deleteStandaloneInstance, modifyStandaloneInstance, rebootStandaloneInstance } from './db-instances';
import { dbInstanceShape } from './db-shapes';
import { goBusy, stillRestoring } from './lifecycle';
import { instanceShape } from './shapes';

function findInstance(ctx: HandlerContext, id: string): Instance {
  const instance = callerAccount(ctx).instances.get(id.toLowerCase());
  if (!instance) throw dbInstanceNotFound(id);
  return instance;
}

/** DescribeDBInstances filters, for a cluster member (clusterId) or a standalone instance (none: db-cluster-id never matches). */
function matchesFilters(world: World, filters: ReturnType<Params['filters']>, i: { id: string; account: string; engine: string }, clusterId: string | undefined): boolean {
  return filters.every(f => {
    if (f.Name === 'db-cluster-id') return clusterId !== undefined && f.Values.some(v => v === clusterId || v === world.clusterArn(i.account, clusterId));
    if (f.Name === 'db-instance-id') return f.Values.some(v => v.toLowerCase() === i.id || v === world.instanceArn(i.account, i.id));
    if (f.Name === 'engine') return f.Values.includes(i.engine);
    return true;
  });
}

export function describeDBInstances(ctx: HandlerContext, p: Params): Output {
  const world = ctx.world;
  const id = p.str('DBInstanceIdentifier');
  authorize(ctx, 'rds:DescribeDBInstances', world.instanceArn(ctx.caller!.account, id ?? '*'));
  if (id) {
    const standalone = lookupDbInstance(ctx, id);
    if (standalone) return { DBInstances: [dbInstanceShape(world, standalone)] };
    return { DBInstances: [instanceShape(world, findInstance(ctx, id))] };
  }
  const filters = p.filters();
  const account = callerAccount(ctx);
  const members = [...account.instances.values()].filter(i => matchesFilters(world, filters, i, i.clusterId));
  const standalone = [...account.dbInstances.values()].filter(i => matchesFilters(world, filters, i, undefined));
  return { DBInstances: [...members.map(i => instanceShape(world, i)), ...standalone.map(i => dbInstanceShape(world, i))] };
}

export function createDBInstance(ctx: HandlerContext, p: Params): Output {
  const world = ctx.world;
  const id = p.required('DBInstanceIdentifier');
  authorize(ctx, 'rds:CreateDBInstance', world.instanceArn(ctx.caller!.account, id));
  checkIdentifier('DBInstanceIdentifier', id);
  const clusterId = p.str('DBClusterIdentifier');
  if (!clusterId) return createStandaloneInstance(ctx, p);
  const cluster = findCluster(ctx, clusterId);
  const account = callerAccount(ctx);
  if (account.instances.has(id.toLowerCase()) || account.dbInstances.has(id.toLowerCase())) throw rdsFault('DBInstanceAlreadyExistsFault', 'DB instance already exists');
  if (!['available', 'creating', 'backing-up', 'modifying'].includes(cluster.status) || stillRestoring(cluster)) {
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
    resourceSuffix: resourceSuffix(),
    parameterGroup: p.str('DBParameterGroupName')
  };
  account.instances.set(instance.id, instance);
  // A `fail-midway` fault: the instance ends in that status (e.g. `failed`) instead of `available`.
  const endsIn = ctx.faults.endsMidway({ ...ctx.call, account: account.id, json: false });
  world.after(
    endsIn ? world.timings.createInstanceSeconds / 2 : world.timings.createInstanceSeconds,
    () => {
      if (instance.status === 'creating') instance.status = endsIn ?? 'available';
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
  const standalone = lookupDbInstance(ctx, p.required('DBInstanceIdentifier'));
  if (standalone) return modifyStandaloneInstance(ctx, p, standalone);
  const instance = findInstance(ctx, p.required('DBInstanceIdentifier'));
  authorize(ctx, 'rds:ModifyDBInstance', world.instanceArn(instance.account, instance.id));
  if (instance.status !== 'available') {
    throw rdsFault('InvalidDBInstanceStateFault', `Database instance is not in available state.`);
  }
  const instanceClass = p.str('DBInstanceClass');
  if (instanceClass) {
    instance.instanceClass = instanceClass;
    goBusy(world, instance, 'modifying', world.timings.modifySeconds);
  }
  return { DBInstance: instanceShape(world, instance) };
}

export function rebootDBInstance(ctx: HandlerContext, p: Params): Output {
  const id = p.required('DBInstanceIdentifier');
  const standalone = lookupDbInstance(ctx, id);
  if (standalone) return rebootStandaloneInstance(ctx, standalone);
  const instance = findInstance(ctx, id);
  authorize(ctx, 'rds:RebootDBInstance', ctx.world.instanceArn(instance.account, instance.id));
  if (instance.status !== 'available') throw rdsFault('InvalidDBInstanceStateFault', 'Database instance is not in available state.');
  goBusy(ctx.world, instance, 'rebooting', ctx.world.timings.modifySeconds);
  return { DBInstance: instanceShape(ctx.world, instance) };
}

export function deleteDBInstance(ctx: HandlerContext, p: Params): Output {
  const world = ctx.world;
  const standalone = lookupDbInstance(ctx, p.required('DBInstanceIdentifier'));
  if (standalone) return deleteStandaloneInstance(ctx, p, standalone);
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
