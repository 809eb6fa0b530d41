/** The RDS operations the emulator serves. */
import type { HandlerContext } from '../context';
import type { Params } from '../protocol/query';
import { createDBCluster, deleteDBCluster, describeDBClusters, modifyDBCluster, restoreDBClusterFromSnapshot } from './clusters';
import type { Output } from './common';
import { restoreDBClusterToPointInTime } from './clone';
import { restoreDBInstanceFromDBSnapshot } from './db-instances';
import { copyDBSnapshot, createDBSnapshot, deleteDBSnapshot, describeDBSnapshotAttributes, describeDBSnapshots, describeOptionGroups, modifyDBSnapshotAttribute } from './db-snapshots';
import { createDBInstance, deleteDBInstance, describeDBInstances, modifyDBInstance, rebootDBInstance } from './instances';
import { copyDBClusterSnapshot, createDBClusterSnapshot, deleteDBClusterSnapshot, describeDBClusterSnapshotAttributes, describeDBClusterSnapshots, modifyDBClusterSnapshotAttribute } from './snapshots';
import { addTagsToResource, listTagsForResource, removeTagsFromResource } from './tags';

export const rdsOperations: Record<string, (ctx: HandlerContext, params: Params) => Output> = {
  DescribeDBClusters: describeDBClusters,
  CreateDBCluster: createDBCluster,
  ModifyDBCluster: modifyDBCluster,
  DeleteDBCluster: deleteDBCluster,
  RestoreDBClusterFromSnapshot: restoreDBClusterFromSnapshot,
  RestoreDBClusterToPointInTime: restoreDBClusterToPointInTime,
  DescribeDBClusterSnapshots: describeDBClusterSnapshots,
  CreateDBClusterSnapshot: createDBClusterSnapshot,
  CopyDBClusterSnapshot: copyDBClusterSnapshot,
  DeleteDBClusterSnapshot: deleteDBClusterSnapshot,
  DescribeDBClusterSnapshotAttributes: describeDBClusterSnapshotAttributes,
  ModifyDBClusterSnapshotAttribute: modifyDBClusterSnapshotAttribute,
  DescribeDBInstances: describeDBInstances,
  CreateDBInstance: createDBInstance,
  ModifyDBInstance: modifyDBInstance,
  DeleteDBInstance: deleteDBInstance,
  RebootDBInstance: rebootDBInstance,
  RestoreDBInstanceFromDBSnapshot: restoreDBInstanceFromDBSnapshot,
  DescribeDBSnapshots: describeDBSnapshots,
  CreateDBSnapshot: createDBSnapshot,
  CopyDBSnapshot: copyDBSnapshot,
  DeleteDBSnapshot: deleteDBSnapshot,
  DescribeDBSnapshotAttributes: describeDBSnapshotAttributes,
  ModifyDBSnapshotAttribute: modifyDBSnapshotAttribute,
  DescribeOptionGroups: describeOptionGroups,
  AddTagsToResource: addTagsToResource,
  RemoveTagsFromResource: removeTagsFromResource,
  ListTagsForResource: listTagsForResource
};
