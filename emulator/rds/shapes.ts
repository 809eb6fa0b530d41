/** World resources -> the output shapes of the RDS model. */
import type { Cluster, Instance, Snapshot, World } from '../world';

export function clusterEndpoint(world: World, cluster: Cluster, reader = false): { address: string; port: number } {
  if (cluster.serverReady) return { address: cluster.serverReady.host, port: cluster.serverReady.port };
  const kind = reader ? 'cluster-ro' : 'cluster';
  return { address: `${cluster.id}.${kind}-${cluster.resourceSuffix}.${world.region}.rds.amazonaws.com`, port: cluster.port };
}

export function clusterShape(world: World, cluster: Cluster, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const account = world.account(cluster.account)!;
  const members = [...account.instances.values()].filter(i => i.clusterId === cluster.id).sort((a, b) => a.created.getTime() - b.created.getTime());
  const writer = clusterEndpoint(world, cluster);
  const reader = clusterEndpoint(world, cluster, true);
  return {
    AllocatedStorage: 1,
    AvailabilityZones: [`${world.region}a`, `${world.region}c`, `${world.region}d`],
    BackupRetentionPeriod: 7,
    DatabaseName: cluster.databaseName,
    DBClusterIdentifier: cluster.id,
    DBClusterParameterGroup: cluster.parameterGroup,
    DBSubnetGroup: cluster.subnetGroup,
    Status: cluster.status,
    ClusterCreateTime: cluster.created,
    Endpoint: writer.address,
    ReaderEndpoint: reader.address,
    MultiAZ: members.length > 1,
    Engine: cluster.engine,
    EngineVersion: cluster.engineVersion,
    Port: writer.port,
    MasterUsername: cluster.masterUsername,
    DBClusterMembers: members.map((m, i) => ({
      DBInstanceIdentifier: m.id,
      IsClusterWriter: i === 0,
      DBClusterParameterGroupStatus: 'in-sync',
      PromotionTier: 1
    })),
    VpcSecurityGroups: cluster.securityGroups.map(id => ({ VpcSecurityGroupId: id, Status: 'active' })),
    StorageEncrypted: cluster.kmsKeyArn !== undefined,
    KmsKeyId: cluster.kmsKeyArn,
    DbClusterResourceId: `cluster-${cluster.resourceSuffix.toUpperCase()}`,
    DBClusterArn: world.clusterArn(cluster.account, cluster.id),
    IAMDatabaseAuthenticationEnabled: false,
    EngineMode: cluster.engineMode ?? 'provisioned',
    DeletionProtection: cluster.deletionProtection,
    HttpEndpointEnabled: false,
    CopyTagsToSnapshot: false,
    CrossAccountClone: cluster.crossAccountClone ?? false,
    CloneGroupId: cluster.cloneGroupId,
    TagList: cluster.tags,
    MasterUserSecret: cluster.manageMasterUserPassword
      ? {
          SecretArn: `arn:aws:secretsmanager:${world.region}:${cluster.account}:secret:rds!cluster-${cluster.resourceSuffix}-AbCdEf`,
          SecretStatus: 'active',
          KmsKeyId: `arn:aws:kms:${world.region}:${cluster.account}:alias/aws/secretsmanager`
        }
      : undefined,
    ...extra
  };
}

/** How far a creating or copying snapshot (of either kind) is: 0-99 while under way, 100 once available. */
export function progressPercent(world: World, s: { status: string; progress?: { from: number; to: number } }): number {
  if (!s.progress || s.status === 'available') return 100;
  const { from, to } = s.progress;
  return Math.max(0, Math.min(99, Math.floor(((world.clock.now() - from) / Math.max(1, to - from)) * 100)));
}

export function snapshotShape(world: World, snapshot: Snapshot): Record<string, unknown> {
  return {
    AvailabilityZones: [`${world.region}a`, `${world.region}c`, `${world.region}d`],
    DBClusterSnapshotIdentifier: snapshot.id,
    DBClusterIdentifier: snapshot.clusterId,
    SnapshotCreateTime: snapshot.created,
    Engine: snapshot.engine,
    EngineMode: 'provisioned',
    AllocatedStorage: snapshot.allocatedStorageGb,
    Status: snapshot.status,
    Port: snapshot.port,
    VpcId: 'vpc-0emulator',
    ClusterCreateTime: snapshot.created,
    MasterUsername: snapshot.masterUsername,
    EngineVersion: snapshot.engineVersion,
    LicenseModel: snapshot.engine.startsWith('aurora-postgresql') ? 'postgresql-license' : 'general-public-license',
    SnapshotType: snapshot.type,
    PercentProgress: progressPercent(world, snapshot),
    StorageEncrypted: snapshot.kmsKeyArn !== undefined,
    KmsKeyId: snapshot.kmsKeyArn,
    DBClusterSnapshotArn: world.snapshotArn(snapshot.account, snapshot.id),
    SourceDBClusterSnapshotArn: snapshot.sourceArn,
    IAMDatabaseAuthenticationEnabled: false,
    TagList: snapshot.tags
  };
}

export function instanceShape(world: World, instance: Instance): Record<string, unknown> {
  const cluster = world.account(instance.account)!.clusters.get(instance.clusterId);
  const endpoint = cluster?.serverReady
    ? { Address: cluster.serverReady.host, Port: cluster.serverReady.port }
    : { Address: `${instance.id}.${instance.resourceSuffix}.${world.region}.rds.amazonaws.com`, Port: cluster?.port ?? 5432 };
  return {
    DBInstanceIdentifier: instance.id,
    DBInstanceClass: instance.instanceClass,
    Engine: instance.engine,
    DBInstanceStatus: instance.status,
    Endpoint: instance.status === 'creating' ? undefined : endpoint,
    InstanceCreateTime: instance.created,
    DBClusterIdentifier: instance.clusterId,
    StorageEncrypted: cluster?.kmsKeyArn !== undefined,
    KmsKeyId: cluster?.kmsKeyArn,
    DBInstanceArn: world.instanceArn(instance.account, instance.id),
    PubliclyAccessible: false,
    EngineVersion: cluster?.engineVersion,
    DBParameterGroups: [{ DBParameterGroupName: instance.parameterGroup ?? defaultInstanceParameterGroup(instance.engine, cluster?.engineVersion), ParameterApplyStatus: 'in-sync' }],
    TagList: instance.tags
  };
}

/** The default DB parameter group of an Aurora instance: default.aurora-postgresql16, default.aurora-mysql8.0. */
function defaultInstanceParameterGroup(engine: string, version = ''): string {
  const family = engine.includes('mysql') ? version.split('.').slice(0, 2).join('.') : version.split('.')[0];
  return `default.${engine}${family}`;
}
