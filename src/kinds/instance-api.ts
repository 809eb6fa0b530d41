/**
 * The RDS DB instance API calls: the target side's database adapter
 * (`instanceDatabases`) and what the source side and the kind detection read.
 */
import {
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  DescribeOptionGroupsCommand,
  ModifyDBInstanceCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  type DBInstance,
  type RDSClient
} from '@aws-sdk/client-rds';
import { allPages, ifFound } from '../aws/calls';
import { common, deleteDatabase, instanceInfo, modification, sameNamedInfo, waitAvailable, waitGone } from '../aws/database-flow';
import type { DatabaseInfo, Databases, InstanceInfo, Modification } from '../aws/databases';
import type { OptionInfo, SourceDatabase } from '../aws/snapshots';
import { tagList } from '../aws/tags';
import { DiagnosedError } from '../errors';
import type { WaitOptions } from '../wait';
import { instanceProfile } from './instance';

/** The one "describe by identifier" of DB instances (standalone or cluster members): undefined when RDS says there is none. */
export async function describeDbInstance(rds: RDSClient, identifier: string): Promise<DBInstance | undefined> {
  const out = await ifFound(() => rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier })), instanceProfile.faults.notFound);
  return out?.DBInstances?.[0];
}

/** A standalone RDS DB instance as a database. */
export function standaloneInfo(i: DBInstance): DatabaseInfo {
  return {
    ...sameNamedInfo(i),
    kind: 'instance',
    identifier: i.DBInstanceIdentifier ?? '',
    arn: i.DBInstanceArn ?? '',
    resourceId: i.DbiResourceId,
    status: i.DBInstanceStatus ?? 'unknown',
    port: i.Endpoint?.Port ?? i.DbInstancePort,
    endpoint: i.Endpoint?.Address,
    databaseName: i.DBName,
    dbSubnetGroup: i.DBSubnetGroup?.DBSubnetGroupName,
    members: [],
    writer: i.DBInstanceIdentifier,
    optionGroup: i.OptionGroupMemberships?.[0]?.OptionGroupName
  };
}

/**
 * The RDS DB instance implementation: the instance is the database (no
 * members), restored with RestoreDBInstanceFromDBSnapshot, renamed with
 * ModifyDBInstance NewDBInstanceIdentifier, deleted with DeleteDBInstance
 * (SkipFinalSnapshot or FinalDBSnapshotIdentifier, automated backups deleted
 * with it), its snapshots DB snapshots.
 */
export function instanceDatabases(rds: RDSClient, wait: (what: string) => WaitOptions): Databases {
  const notFound = [instanceProfile.faults.notFound];
  const describeRaw = (identifier: string) => describeDbInstance(rds, identifier);
  const describe = async (identifier: string): Promise<DatabaseInfo | undefined> => {
    const i = await describeRaw(identifier);
    // An Aurora cluster member is not a database of its own.
    return i && !i.DBClusterIdentifier ? standaloneInfo(i) : undefined;
  };
  const describeInstance = async (identifier: string): Promise<InstanceInfo | undefined> => {
    const i = await describeRaw(identifier);
    return i ? instanceInfo(i) : undefined;
  };

  const modify = async (identifier: string, change: Modification): Promise<void> => {
    await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: identifier, NewDBInstanceIdentifier: change.newIdentifier, ...modification(change) }));
  };

  // Deleting and waiting look at any DB instance of the name (`describeInstance`), not only a standalone one.
  const instance = {
    noun: instanceProfile.nouns.short,
    look: describeInstance,
    describe,
    modify,
    notFound,
    invalidState: [instanceProfile.faults.invalidState]
  };
  const waitDeleted = (identifier: string, what: string) => waitGone(instance, identifier, wait(what));

  return {
    kind: 'instance',
    describe,
    describeInstance,
    async list() {
      return allPages(async marker => {
        const out = await rds.send(new DescribeDBInstancesCommand({ Marker: marker }));
        return { items: (out.DBInstances ?? []).filter(i => !i.DBClusterIdentifier).map(standaloneInfo), marker: out.Marker };
      });
    },
    async restore(req) {
      await rds.send(
        new RestoreDBInstanceFromDBSnapshotCommand({
          DBInstanceIdentifier: req.identifier,
          DBSnapshotIdentifier: req.snapshotArn,
          DBInstanceClass: req.instanceClass,
          DBSubnetGroupName: req.dbSubnetGroup,
          VpcSecurityGroupIds: req.securityGroupIds,
          DBParameterGroupName: req.dbParameterGroup,
          OptionGroupName: req.optionGroup,
          PubliclyAccessible: req.publiclyAccessible,
          Port: req.port,
          CopyTagsToSnapshot: req.copyTagsToSnapshot,
          EnableIAMDatabaseAuthentication: req.iamDatabaseAuthentication,
          EnableCloudwatchLogsExports: req.cloudwatchLogsExports,
          StorageType: req.storageType,
          DeletionProtection: false,
          Tags: tagList(req.tags)
        })
      );
    },
    async createInstance() {
      throw new Error('internal: an RDS DB instance has no member instances to create');
    },
    modify,
    async enableDataApi() {
      throw new DiagnosedError({
        title: 'The Data API is for Aurora only',
        message: 'RDS DB instances have no RDS Data API endpoint.',
        fix: 'Use masking-connection: direct for an RDS DB instance.'
      });
    },
    delete(identifier, options = {}) {
      return deleteDatabase(instance, identifier, options, wait, {
        send: () =>
          rds.send(
            new DeleteDBInstanceCommand({
              DBInstanceIdentifier: identifier,
              SkipFinalSnapshot: options.finalSnapshotIdentifier === undefined,
              FinalDBSnapshotIdentifier: options.finalSnapshotIdentifier,
              // A staging instance's automated backups are of no use once it is replaced: they go with it.
              DeleteAutomatedBackups: true
            })
          )
      });
    },
    waitAvailable: (identifier, what, until) => waitAvailable(describe, identifier, wait(what), until),
    async waitInstanceAvailable(identifier, what) {
      await waitAvailable(describe, identifier, wait(what));
    },
    waitInstanceDeleted: waitDeleted,
    waitDeleted,
    ...common(rds, 'instance')
  };
}

/** The source side's view of an RDS DB instance: what a snapshot taken of it gets (a cluster member is none). */
export async function describeInstanceSource(rds: RDSClient, identifier: string): Promise<SourceDatabase | undefined> {
  const i = await describeDbInstance(rds, identifier);
  // A member of an Aurora cluster is not a database of its own: its snapshots are the cluster's.
  if (!i || i.DBClusterIdentifier) return undefined;
  return {
    kind: 'instance',
    identifier: i.DBInstanceIdentifier ?? identifier,
    arn: i.DBInstanceArn ?? '',
    status: i.DBInstanceStatus ?? 'unknown',
    engine: i.Engine ?? 'unknown',
    engineVersion: i.EngineVersion,
    encrypted: Boolean(i.StorageEncrypted),
    kmsKeyArn: i.KmsKeyId,
    optionGroup: i.OptionGroupMemberships?.[0]?.OptionGroupName
  };
}

/** The options of an option group (RDS DB snapshots carry one), undefined when the group is not visible. */
export async function optionGroupOptions(rds: RDSClient, name: string): Promise<OptionInfo[] | undefined> {
  const out = await ifFound(() => rds.send(new DescribeOptionGroupsCommand({ OptionGroupName: name })), 'OptionGroupNotFoundFault');
  const group = out?.OptionGroupsList?.[0];
  if (!group) return undefined;
  return (group.Options ?? []).map(o => ({ name: o.OptionName ?? '', permanent: Boolean(o.Permanent), persistent: Boolean(o.Persistent) }));
}

/** Whether a standalone DB instance (not a cluster member) of this identifier exists (kind detection). */
export async function standaloneExists(rds: RDSClient, identifier: string): Promise<boolean> {
  const i = await describeDbInstance(rds, identifier);
  return i !== undefined && !i.DBClusterIdentifier;
}
