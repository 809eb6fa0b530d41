/**
 * The Aurora DB cluster API calls: the target side's database adapter
 * (`clusterDatabases`) and what the source side and the kind detection read.
 */
import {
  CreateDBInstanceCommand,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  EnableHttpEndpointCommand,
  ModifyDBClusterCommand,
  RestoreDBClusterFromSnapshotCommand,
  type DBCluster,
  type RDSClient
} from '@aws-sdk/client-rds';
import { allPages, ifFound } from '../aws/calls';
import { common, deleteDatabase, deleteRetrying, instanceInfo, modification, sameNamedInfo, waitAvailable, waitDeleting, waitGone, type Resource } from '../aws/database-flow';
import type { DatabaseInfo, Databases, InstanceInfo, Modification, RestoreRequest } from '../aws/databases';
import type { SourceDatabase } from '../aws/snapshots';
import { tagList } from '../aws/tags';
import type { WaitOptions } from '../wait';
import { clusterProfile } from './cluster';
import { describeDbInstance } from './instance-api';
import { instanceProfile } from './instance';

/** The one "describe by identifier" of clusters: undefined when RDS says there is none. */
export async function describeCluster(rds: RDSClient, identifier: string): Promise<DBCluster | undefined> {
  const out = await ifFound(() => rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: identifier })), clusterProfile.faults.notFound);
  return out?.DBClusters?.[0];
}

export function clusterInfo(c: DBCluster): DatabaseInfo {
  const members = [...(c.DBClusterMembers ?? [])].sort((a, b) => Number(b.IsClusterWriter ?? false) - Number(a.IsClusterWriter ?? false));
  const sv2 = c.ServerlessV2ScalingConfiguration;
  return {
    ...sameNamedInfo(c),
    kind: 'cluster',
    identifier: c.DBClusterIdentifier ?? '',
    arn: c.DBClusterArn ?? '',
    resourceId: c.DbClusterResourceId,
    status: c.Status ?? 'unknown',
    port: c.Port,
    endpoint: c.Endpoint,
    readerEndpoint: c.ReaderEndpoint,
    databaseName: c.DatabaseName,
    dbSubnetGroup: c.DBSubnetGroup,
    dbClusterParameterGroup: c.DBClusterParameterGroup,
    serverlessV2: sv2?.MinCapacity !== undefined && sv2.MaxCapacity !== undefined ? { minCapacity: sv2.MinCapacity, maxCapacity: sv2.MaxCapacity } : undefined,
    httpEndpointEnabled: c.HttpEndpointEnabled,
    members: members.map(m => m.DBInstanceIdentifier ?? '').filter(Boolean),
    writer: members.find(m => m.IsClusterWriter)?.DBInstanceIdentifier
  };
}

/**
 * What a new staging cluster is given, whether restored from a snapshot or cloned
 * (RestoreDBClusterFromSnapshot and RestoreDBClusterToPointInTime take the same fields).
 */
export function newClusterSettings(req: Omit<RestoreRequest, 'snapshotArn' | 'engineVersion' | 'instanceClass' | 'dbParameterGroup' | 'publiclyAccessible' | 'optionGroup' | 'engine' | 'identifier'>) {
  return {
    KmsKeyId: req.kmsKeyId,
    DBSubnetGroupName: req.dbSubnetGroup,
    VpcSecurityGroupIds: req.securityGroupIds,
    DBClusterParameterGroupName: req.dbClusterParameterGroup,
    Port: req.port,
    CopyTagsToSnapshot: req.copyTagsToSnapshot,
    EnableIAMDatabaseAuthentication: req.iamDatabaseAuthentication,
    EnableCloudwatchLogsExports: req.cloudwatchLogsExports,
    ServerlessV2ScalingConfiguration: req.serverlessV2 ? { MinCapacity: req.serverlessV2.minCapacity, MaxCapacity: req.serverlessV2.maxCapacity } : undefined,
    StorageType: req.storageType,
    DeletionProtection: false,
    Tags: tagList(req.tags)
  };
}

/** The Aurora implementation. `wait` gives the wait options for one named wait. */
export function clusterDatabases(rds: RDSClient, wait: (what: string) => WaitOptions): Databases {
  const describe = async (identifier: string): Promise<DatabaseInfo | undefined> => {
    const c = await describeCluster(rds, identifier);
    return c ? clusterInfo(c) : undefined;
  };

  const describeInstance = async (identifier: string): Promise<InstanceInfo | undefined> => {
    const i = await describeDbInstance(rds, identifier);
    return i ? instanceInfo(i) : undefined;
  };

  const modify = async (identifier: string, change: Modification): Promise<void> => {
    await rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: identifier, NewDBClusterIdentifier: change.newIdentifier, ...modification(change) }));
  };

  const cluster = {
    noun: clusterProfile.nouns.short,
    look: describe,
    describe,
    modify,
    notFound: [clusterProfile.faults.notFound],
    invalidState: [clusterProfile.faults.invalidState]
  };
  const member: Resource = {
    noun: instanceProfile.nouns.short,
    look: describeInstance,
    notFound: [instanceProfile.faults.notFound],
    invalidState: [instanceProfile.faults.invalidState]
  };

  return {
    kind: 'cluster',
    describe,
    describeInstance,
    async list() {
      return allPages(async marker => {
        const out = await rds.send(new DescribeDBClustersCommand({ Marker: marker }));
        return { items: (out.DBClusters ?? []).map(clusterInfo), marker: out.Marker };
      });
    },
    async restore(req) {
      await rds.send(
        new RestoreDBClusterFromSnapshotCommand({
          DBClusterIdentifier: req.identifier,
          SnapshotIdentifier: req.snapshotArn,
          Engine: req.engine,
          EngineVersion: req.engineVersion,
          ...newClusterSettings(req)
        })
      );
    },
    async createInstance(req) {
      await rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: req.identifier,
          DBClusterIdentifier: req.database,
          Engine: req.engine,
          DBInstanceClass: req.instanceClass,
          DBParameterGroupName: req.dbParameterGroup,
          PubliclyAccessible: req.publiclyAccessible,
          PromotionTier: req.promotionTier,
          Tags: tagList(req.tags)
        })
      );
    },
    modify,
    async enableDataApi(arn) {
      await rds.send(new EnableHttpEndpointCommand({ ResourceArn: arn }));
    },
    delete(identifier, options = {}) {
      return deleteDatabase(cluster, identifier, options, wait, {
        async before(c) {
          await Promise.all(c.members.map(m => deleteRetrying(member, m, wait, () => rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: m })))));
          if (options.issueOnly && options.finalSnapshotIdentifier === undefined) {
            await Promise.all(c.members.map(m => waitDeleting(member, m, wait(`instance ${m} deletion to start`))));
          } else {
            await Promise.all(c.members.map(m => waitGone(member, m, wait(`instance ${m} deletion`))));
          }
        },
        send: () =>
          rds.send(
            new DeleteDBClusterCommand({
              DBClusterIdentifier: identifier,
              SkipFinalSnapshot: options.finalSnapshotIdentifier === undefined,
              FinalDBSnapshotIdentifier: options.finalSnapshotIdentifier
            })
          )
      });
    },
    waitAvailable: (identifier, what, until) => waitAvailable(describe, identifier, wait(what), until),
    async waitInstanceAvailable(identifier, what) {
      await waitAvailable(describeInstance, identifier, wait(what));
    },
    waitInstanceDeleted: (identifier, what) => waitGone(member, identifier, wait(what)),
    waitDeleted: (identifier, what) => waitGone(cluster, identifier, wait(what)),
    ...common(rds, 'cluster')
  };
}

/** The source side's view of a cluster: what a snapshot taken of it gets. */
export async function describeClusterSource(rds: RDSClient, identifier: string): Promise<SourceDatabase | undefined> {
  const c = await describeCluster(rds, identifier);
  if (!c) return undefined;
  return {
    kind: 'cluster',
    identifier: c.DBClusterIdentifier ?? identifier,
    arn: c.DBClusterArn ?? '',
    status: c.Status ?? 'unknown',
    engine: c.Engine ?? 'unknown',
    engineVersion: c.EngineVersion,
    encrypted: Boolean(c.StorageEncrypted),
    kmsKeyArn: c.KmsKeyId
  };
}

/** Whether a cluster of this identifier exists (kind detection); RDS's answer that there is none is false, other errors are thrown. */
export async function clusterExists(rds: RDSClient, identifier: string): Promise<boolean> {
  return (await describeCluster(rds, identifier)) !== undefined;
}
