/**
 * A small stateful RDS for one account behind aws-sdk-client-mock: clusters,
 * instances, cluster snapshots and tags, with renames and deletes taking
 * effect at once. Faults are injected per call (MockedRds: `hang` simulates
 * a run killed in the middle of a call, `applied` an answer lost after RDS acted).
 */
import {
  AddTagsToResourceCommand,
  CreateDBInstanceCommand,
  DeleteDBClusterCommand,
  DeleteDBClusterSnapshotCommand,
  DeleteDBInstanceCommand,
  DescribeDBClusterSnapshotAttributesCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  EnableHttpEndpointCommand,
  ModifyDBClusterCommand,
  ModifyDBClusterSnapshotAttributeCommand,
  RemoveTagsFromResourceCommand,
  RestoreDBClusterFromSnapshotCommand,
  type DBCluster,
  type Tag
} from '@aws-sdk/client-rds';
import { fault, MockedRds, tagList, tagsOf } from '../fixtures/mocked-rds';

export type { Fault } from '../fixtures/mocked-rds';

export interface FakeCluster {
  id: string;
  resourceId: string;
  status: string;
  engine: string;
  port: number;
  subnetGroup: string;
  securityGroups: string[];
  clusterParameterGroup: string;
  deletionProtection: boolean;
  masterUsername: string;
  databaseName?: string;
  managedSecret?: string;
  password?: string;
  kmsKeyId?: string;
  restoredFrom?: string;
  tags: Record<string, string>;
}

export interface FakeInstance {
  id: string;
  cluster: string;
  status: string;
  instanceClass: string;
  parameterGroup?: string;
  publiclyAccessible: boolean;
  tags: Record<string, string>;
}

export interface FakeSnapshot {
  id: string;
  cluster: string;
  type: 'manual' | 'automated';
  status: string;
  created: Date;
  tags: Record<string, string>;
  sharedWith: string[];
}

let seq = 0;

export class FakeRds extends MockedRds {
  readonly clusters = new Map<string, FakeCluster>();
  readonly instances = new Map<string, FakeInstance>();
  readonly snapshots = new Map<string, FakeSnapshot>();
  /** Status a newly created instance ends in (after its first describe), e.g. 'failed'. */
  instanceOutcome = 'available';
  /** Status a restored cluster ends in. */
  restoreOutcome = 'available';

  constructor(accountId: string, region?: string) {
    super(accountId, region);
    this.on<{ DBClusterIdentifier?: string; Marker?: string }>(DescribeDBClustersCommand, 'DescribeDBClusters', i => {
      if (i.DBClusterIdentifier) {
        const c = this.clusters.get(i.DBClusterIdentifier);
        if (!c) throw fault('DBClusterNotFoundFault', `DBCluster ${i.DBClusterIdentifier} not found.`);
        return { DBClusters: [this.describeCluster(c)] };
      }
      return { DBClusters: [...this.clusters.values()].map(c => this.describeCluster(c)) };
    });
    this.on<{ DBInstanceIdentifier?: string }>(DescribeDBInstancesCommand, 'DescribeDBInstances', i => {
      const inst = this.instances.get(i.DBInstanceIdentifier ?? '');
      if (!inst) throw fault('DBInstanceNotFoundFault', `DBInstance ${i.DBInstanceIdentifier} not found.`);
      if (inst.status === 'creating') inst.status = this.instanceOutcome;
      return {
        DBInstances: [
          {
            DBInstanceIdentifier: inst.id,
            DBInstanceStatus: inst.status,
            DBInstanceClass: inst.instanceClass,
            DBClusterIdentifier: inst.cluster,
            PubliclyAccessible: inst.publiclyAccessible,
            DBParameterGroups: inst.parameterGroup ? [{ DBParameterGroupName: inst.parameterGroup }] : []
          }
        ]
      };
    });
    this.on<Record<string, unknown>>(RestoreDBClusterFromSnapshotCommand, 'RestoreDBClusterFromSnapshot', i => {
      const id = i.DBClusterIdentifier as string;
      if (this.clusters.has(id)) throw fault('DBClusterAlreadyExistsFault', `DB cluster ${id} already exists`);
      this.clusters.set(id, {
        id,
        resourceId: `cluster-${++seq}`,
        status: this.restoreOutcome,
        engine: i.Engine as string,
        port: (i.Port as number) ?? 5432,
        subnetGroup: (i.DBSubnetGroupName as string) ?? 'default',
        securityGroups: (i.VpcSecurityGroupIds as string[]) ?? ['sg-default0'],
        clusterParameterGroup: (i.DBClusterParameterGroupName as string) ?? 'default.aurora-postgresql16',
        deletionProtection: Boolean(i.DeletionProtection),
        masterUsername: 'produser',
        password: 'production-password',
        kmsKeyId: i.KmsKeyId as string,
        restoredFrom: i.SnapshotIdentifier as string,
        tags: tagsOf(i.Tags as Tag[])
      });
      return { DBCluster: { DBClusterIdentifier: id, Status: 'creating' } };
    });
    this.on<Record<string, unknown>>(CreateDBInstanceCommand, 'CreateDBInstance', i => {
      const id = i.DBInstanceIdentifier as string;
      const cluster = i.DBClusterIdentifier as string;
      if (!this.clusters.has(cluster)) throw fault('DBClusterNotFoundFault', `DBCluster ${cluster} not found.`);
      this.instances.set(id, {
        id,
        cluster,
        status: 'creating',
        instanceClass: i.DBInstanceClass as string,
        parameterGroup: i.DBParameterGroupName as string | undefined,
        publiclyAccessible: Boolean(i.PubliclyAccessible),
        tags: tagsOf(i.Tags as Tag[])
      });
      return { DBInstance: { DBInstanceIdentifier: id } };
    });
    this.on<Record<string, unknown>>(ModifyDBClusterCommand, 'ModifyDBCluster', i => {
      const id = i.DBClusterIdentifier as string;
      const c = this.clusters.get(id);
      if (!c) throw fault('DBClusterNotFoundFault', `DBCluster ${id} not found.`);
      if (c.status !== 'available') throw fault('InvalidDBClusterStateFault', `DBCluster ${id} is not available.`);
      if (i.DeletionProtection !== undefined) c.deletionProtection = i.DeletionProtection as boolean;
      if (i.VpcSecurityGroupIds) c.securityGroups = i.VpcSecurityGroupIds as string[];
      if (i.MasterUserPassword) {
        c.password = i.MasterUserPassword as string;
        c.managedSecret = undefined;
      }
      if (i.ManageMasterUserPassword) {
        c.password = undefined;
        c.managedSecret = `arn:aws:secretsmanager:${this.region}:${this.accountId}:secret:rds!cluster-${c.resourceId}`;
      }
      const newId = i.NewDBClusterIdentifier as string | undefined;
      if (newId) {
        if (this.clusters.has(newId)) throw fault('DBClusterAlreadyExistsFault', `DB cluster ${newId} already exists`);
        this.clusters.delete(id);
        c.id = newId;
        this.clusters.set(newId, c);
        for (const inst of this.instances.values()) if (inst.cluster === id) inst.cluster = newId;
      }
      return { DBCluster: this.describeCluster(c) };
    });
    this.on<Record<string, unknown>>(EnableHttpEndpointCommand, 'EnableHttpEndpoint', () => ({ HttpEndpointEnabled: true }));
    this.on<{ DBInstanceIdentifier: string }>(DeleteDBInstanceCommand, 'DeleteDBInstance', i => {
      if (!this.instances.delete(i.DBInstanceIdentifier)) throw fault('DBInstanceNotFoundFault', 'not found');
      return {};
    });
    this.on<Record<string, unknown>>(DeleteDBClusterCommand, 'DeleteDBCluster', i => {
      const id = i.DBClusterIdentifier as string;
      const c = this.clusters.get(id);
      if (!c) throw fault('DBClusterNotFoundFault', 'not found');
      if (c.deletionProtection) throw fault('InvalidParameterCombination', 'Cannot delete protected Cluster, please disable deletion protection and try again.');
      if ([...this.instances.values()].some(x => x.cluster === id)) throw fault('InvalidDBClusterStateFault', 'Cluster cannot be deleted, it still contains DB instances in non-deleting state.');
      if (!i.SkipFinalSnapshot && !i.FinalDBSnapshotIdentifier) throw fault('InvalidParameterCombination', 'FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.');
      if (i.FinalDBSnapshotIdentifier) {
        const sid = i.FinalDBSnapshotIdentifier as string;
        this.snapshots.set(sid, { id: sid, cluster: id, type: 'manual', status: 'available', created: new Date(), tags: {}, sharedWith: [] });
      }
      this.clusters.delete(id);
      return {};
    });
    this.on<{ ResourceName: string; Tags: Tag[] }>(AddTagsToResourceCommand, 'AddTagsToResource', i => {
      const c = this.byArn(i.ResourceName);
      for (const t of i.Tags) c.tags[t.Key!] = t.Value ?? '';
      return {};
    });
    this.on<{ ResourceName: string; TagKeys: string[] }>(RemoveTagsFromResourceCommand, 'RemoveTagsFromResource', i => {
      const c = this.byArn(i.ResourceName);
      for (const k of i.TagKeys) delete c.tags[k];
      return {};
    });
    this.on<Record<string, unknown>>(DescribeDBClusterSnapshotsCommand, 'DescribeDBClusterSnapshots', i => ({
      DBClusterSnapshots: [...this.snapshots.values()]
        .filter(s => !i.SnapshotType || s.type === i.SnapshotType)
        .map(s => ({
          DBClusterSnapshotIdentifier: s.id,
          DBClusterSnapshotArn: this.snapshotArn(s.id),
          DBClusterIdentifier: s.cluster,
          SnapshotType: s.type,
          Status: s.status,
          SnapshotCreateTime: s.created,
          TagList: tagList(s.tags)
        }))
    }));
    this.on<{ DBClusterSnapshotIdentifier: string }>(DescribeDBClusterSnapshotAttributesCommand, 'DescribeDBClusterSnapshotAttributes', i => {
      const s = this.snapshots.get(i.DBClusterSnapshotIdentifier);
      if (!s) throw fault('DBClusterSnapshotNotFoundFault', 'not found');
      return {
        DBClusterSnapshotAttributesResult: {
          DBClusterSnapshotIdentifier: s.id,
          DBClusterSnapshotAttributes: [{ AttributeName: 'restore', AttributeValues: [...s.sharedWith] }]
        }
      };
    });
    this.on<{ DBClusterSnapshotIdentifier: string; ValuesToRemove?: string[] }>(ModifyDBClusterSnapshotAttributeCommand, 'ModifyDBClusterSnapshotAttribute', i => {
      const s = this.snapshots.get(i.DBClusterSnapshotIdentifier)!;
      s.sharedWith = s.sharedWith.filter(a => !(i.ValuesToRemove ?? []).includes(a));
      return {};
    });
    this.on<{ DBClusterSnapshotIdentifier: string }>(DeleteDBClusterSnapshotCommand, 'DeleteDBClusterSnapshot', i => {
      if (!this.snapshots.delete(i.DBClusterSnapshotIdentifier)) throw fault('DBClusterSnapshotNotFoundFault', 'not found');
      return {};
    });
  }

  arn(id: string): string {
    return `arn:aws:rds:${this.region}:${this.accountId}:cluster:${id}`;
  }

  snapshotArn(id: string): string {
    return `arn:aws:rds:${this.region}:${this.accountId}:cluster-snapshot:${id}`;
  }

  private byArn(arn: string): FakeCluster {
    const id = arn.split(':').pop()!;
    const c = this.clusters.get(id);
    if (!c) throw fault('DBClusterNotFoundFault', `DBCluster ${id} not found.`);
    return c;
  }

  describeCluster(c: FakeCluster): DBCluster {
    const members = [...this.instances.values()].filter(i => i.cluster === c.id);
    return {
      DBClusterIdentifier: c.id,
      DBClusterArn: this.arn(c.id),
      DbClusterResourceId: c.resourceId,
      Status: c.status,
      Engine: c.engine,
      EngineVersion: '16.4',
      Port: c.port,
      Endpoint: `${c.id}.cluster-abc.${this.region}.rds.amazonaws.com`,
      ReaderEndpoint: `${c.id}.cluster-ro-abc.${this.region}.rds.amazonaws.com`,
      MasterUsername: c.masterUsername,
      DatabaseName: c.databaseName,
      MasterUserSecret: c.managedSecret ? { SecretArn: c.managedSecret, SecretStatus: 'active' } : undefined,
      DBSubnetGroup: c.subnetGroup,
      VpcSecurityGroups: c.securityGroups.map(g => ({ VpcSecurityGroupId: g, Status: 'active' })),
      DBClusterParameterGroup: c.clusterParameterGroup,
      DeletionProtection: c.deletionProtection,
      TagList: tagList(c.tags),
      DBClusterMembers: members.map((m, i) => ({ DBInstanceIdentifier: m.id, IsClusterWriter: i === 0 }))
    };
  }

  addCluster(c: Partial<FakeCluster> & { id: string }, instances: Array<Partial<FakeInstance> & { id: string }> = []): void {
    this.clusters.set(c.id, {
      resourceId: `cluster-${++seq}`,
      status: 'available',
      engine: 'aurora-postgresql',
      port: 5432,
      subnetGroup: 'staging-subnets',
      securityGroups: ['sg-0000000000000aaaa'],
      clusterParameterGroup: 'staging-cluster-params',
      deletionProtection: false,
      masterUsername: 'app',
      tags: {},
      ...c
    });
    for (const i of instances)
      this.instances.set(i.id, { cluster: c.id, status: 'available', instanceClass: 'db.r6g.large', publiclyAccessible: false, tags: {}, ...i });
  }

  /** Everything about the account that "staging as it was" means, independent of call history. */
  world(): unknown {
    return {
      clusters: [...this.clusters.values()]
        .map(c => ({ ...c, tags: { ...c.tags } }))
        .sort((a, b) => a.id.localeCompare(b.id)),
      instances: [...this.instances.values()].sort((a, b) => a.id.localeCompare(b.id)),
      snapshots: [...this.snapshots.values()].sort((a, b) => a.id.localeCompare(b.id))
    };
  }
}
