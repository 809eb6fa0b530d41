/** Standalone DB instances, DB snapshots and option groups -> the output shapes of the RDS model. */
import type { DbInstance, DbSnapshot, OptionGroupDef, World } from '../world';
import { progressPercent } from './shapes';

export function dbInstanceEndpoint(world: World, instance: DbInstance): { address: string; port: number } {
  if (instance.serverReady) return { address: instance.serverReady.host, port: instance.serverReady.port };
  return { address: `${instance.id}.${instance.resourceSuffix}.${world.region}.rds.amazonaws.com`, port: instance.port };
}

function licenseModel(engine: string): string {
  if (engine === 'postgres') return 'postgresql-license';
  if (engine.startsWith('oracle') || engine.startsWith('sqlserver')) return 'license-included';
  return 'general-public-license';
}

export function dbInstanceShape(world: World, instance: DbInstance, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const endpoint = dbInstanceEndpoint(world, instance);
  return {
    DBInstanceIdentifier: instance.id,
    DBInstanceClass: instance.instanceClass,
    Engine: instance.engine,
    DBInstanceStatus: instance.status,
    MasterUsername: instance.masterUsername,
    DBName: instance.databaseName,
    Endpoint: instance.status === 'creating' ? undefined : { Address: endpoint.address, Port: endpoint.port, HostedZoneId: 'Z24O6O9L7SGTNB' },
    AllocatedStorage: instance.allocatedStorageGb,
    InstanceCreateTime: instance.status === 'creating' ? undefined : instance.created,
    PreferredBackupWindow: '17:00-17:30',
    BackupRetentionPeriod: 7,
    DBSecurityGroups: [],
    VpcSecurityGroups: instance.securityGroups.map(id => ({ VpcSecurityGroupId: id, Status: 'active' })),
    DBParameterGroups: [{ DBParameterGroupName: instance.parameterGroup, ParameterApplyStatus: 'in-sync' }],
    AvailabilityZone: `${world.region}a`,
    DBSubnetGroup: {
      DBSubnetGroupName: instance.subnetGroup,
      DBSubnetGroupDescription: instance.subnetGroup,
      VpcId: 'vpc-0emulator',
      SubnetGroupStatus: 'Complete',
      Subnets: ['a', 'c'].map(z => ({ SubnetIdentifier: `subnet-0emulator${z}`, SubnetAvailabilityZone: { Name: `${world.region}${z}` }, SubnetStatus: 'Active' }))
    },
    PreferredMaintenanceWindow: 'sun:18:00-sun:18:30',
    PendingModifiedValues: instance.pending,
    MultiAZ: instance.multiAz,
    EngineVersion: instance.engineVersion,
    AutoMinorVersionUpgrade: true,
    ReadReplicaDBInstanceIdentifiers: [],
    LicenseModel: licenseModel(instance.engine),
    OptionGroupMemberships: [{ OptionGroupName: instance.optionGroup, Status: 'in-sync' }],
    SecondaryAvailabilityZone: instance.multiAz ? `${world.region}c` : undefined,
    PubliclyAccessible: false,
    StorageType: instance.storageType,
    DbInstancePort: 0,
    StorageEncrypted: instance.kmsKeyArn !== undefined,
    KmsKeyId: instance.kmsKeyArn,
    DbiResourceId: `db-${instance.resourceSuffix.toUpperCase()}`,
    CACertificateIdentifier: 'rds-ca-rsa2048-g1',
    CopyTagsToSnapshot: false,
    DBInstanceArn: world.instanceArn(instance.account, instance.id),
    IAMDatabaseAuthenticationEnabled: false,
    DeletionProtection: instance.deletionProtection,
    TagList: instance.tags,
    MasterUserSecret: instance.manageMasterUserPassword
      ? {
          SecretArn: `arn:aws:secretsmanager:${world.region}:${instance.account}:secret:rds!db-${instance.resourceSuffix}-AbCdEf`,
          SecretStatus: 'active',
          KmsKeyId: `arn:aws:kms:${world.region}:${instance.account}:alias/aws/secretsmanager`
        }
      : undefined,
    ...extra
  };
}

export function dbSnapshotShape(world: World, snapshot: DbSnapshot): Record<string, unknown> {
  return {
    DBSnapshotIdentifier: snapshot.id,
    DBInstanceIdentifier: snapshot.instanceId,
    SnapshotCreateTime: snapshot.created,
    Engine: snapshot.engine,
    AllocatedStorage: snapshot.allocatedStorageGb,
    Status: snapshot.status,
    Port: snapshot.port,
    AvailabilityZone: `${world.region}a`,
    VpcId: 'vpc-0emulator',
    InstanceCreateTime: snapshot.instanceCreated,
    MasterUsername: snapshot.masterUsername,
    EngineVersion: snapshot.engineVersion,
    LicenseModel: licenseModel(snapshot.engine),
    SnapshotType: snapshot.type,
    OptionGroupName: snapshot.optionGroup,
    PercentProgress: progressPercent(world, snapshot),
    SourceRegion: snapshot.sourceArn ? world.region : undefined,
    SourceDBSnapshotIdentifier: snapshot.sourceArn,
    StorageType: snapshot.storageType,
    Encrypted: snapshot.kmsKeyArn !== undefined,
    KmsKeyId: snapshot.kmsKeyArn,
    DBSnapshotArn: world.dbSnapshotArn(snapshot.account, snapshot.id),
    IAMDatabaseAuthenticationEnabled: false,
    ProcessorFeatures: [],
    DbiResourceId: snapshot.dbiResourceId,
    TagList: snapshot.tags,
    SnapshotTarget: 'region',
    OriginalSnapshotCreateTime: snapshot.created
  };
}

export function optionGroupShape(world: World, group: OptionGroupDef): Record<string, unknown> {
  return {
    OptionGroupName: group.name,
    OptionGroupDescription: group.description,
    EngineName: group.engine,
    MajorEngineVersion: group.majorEngineVersion,
    Options: group.options.map(o => ({
      OptionName: o.name,
      OptionDescription: o.name,
      Persistent: o.persistent,
      Permanent: o.permanent,
      Port: o.port,
      OptionSettings: Object.entries(o.settings).map(([Name, Value]) => ({ Name, Value })),
      DBSecurityGroupMemberships: [],
      VpcSecurityGroupMemberships: []
    })),
    AllowsVpcAndNonVpcInstanceMemberships: true,
    OptionGroupArn: world.optionGroupArn(group.account, group.name)
  };
}
