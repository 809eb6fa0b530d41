/**
 * A small stateful RDS for RDS DB instances in one account, behind
 * aws-sdk-client-mock: standalone instances, DB snapshots (copies, shared
 * snapshots named by ARN), tags, renames and deletes taking effect at once.
 * Faults are injected per call (MockedRds, like __tests__/target/fake-rds.ts).
 */
import {
  AddTagsToResourceCommand,
  CopyDBSnapshotCommand,
  DeleteDBInstanceCommand,
  DeleteDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotAttributesCommand,
  DescribeDBSnapshotsCommand,
  ListTagsForResourceCommand,
  ModifyDBInstanceCommand,
  ModifyDBSnapshotAttributeCommand,
  RemoveTagsFromResourceCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  type DBInstance,
  type DBSnapshot,
  type Tag
} from '@aws-sdk/client-rds';
import { fault, MockedRds, tagList, tagsOf } from '../fixtures/mocked-rds';

export { fault, type Fault } from '../fixtures/mocked-rds';

export interface FakeDbInstance {
  id: string;
  resourceId: string;
  status: string;
  engine: string;
  instanceClass: string;
  port: number;
  subnetGroup: string;
  securityGroups: string[];
  parameterGroup?: string;
  optionGroup?: string;
  deletionProtection: boolean;
  masterUsername: string;
  dbName?: string;
  password?: string;
  managedSecret?: string;
  kmsKeyId?: string;
  restoredFrom?: string;
  tags: Record<string, string>;
}

export interface FakeDbSnapshot {
  id: string;
  instance: string;
  type: 'manual' | 'automated';
  status: string;
  engine: string;
  kmsKeyId?: string;
  created: Date;
  tags: Record<string, string>;
  sharedWith: string[];
  copiedFrom?: string;
}

let seq = 0;

export class FakeInstanceRds extends MockedRds {
  readonly instances = new Map<string, FakeDbInstance>();
  readonly snapshots = new Map<string, FakeDbSnapshot>();
  /** Snapshots other accounts shared with this one, by ARN. */
  readonly shared = new Map<string, FakeDbSnapshot>();
  /** Status a restored instance ends in. */
  restoreOutcome = 'available';

  constructor(accountId: string, region?: string) {
    super(accountId, region);
    this.on<{ DBInstanceIdentifier?: string }>(DescribeDBInstancesCommand, 'DescribeDBInstances', i => {
      if (i.DBInstanceIdentifier) {
        const inst = this.instances.get(i.DBInstanceIdentifier);
        if (!inst) throw fault('DBInstanceNotFoundFault', `DBInstance ${i.DBInstanceIdentifier} not found.`);
        return { DBInstances: [this.describe(inst)] };
      }
      return { DBInstances: [...this.instances.values()].map(x => this.describe(x)) };
    });
    this.on<Record<string, unknown>>(RestoreDBInstanceFromDBSnapshotCommand, 'RestoreDBInstanceFromDBSnapshot', i => {
      const id = i.DBInstanceIdentifier as string;
      if (this.instances.has(id)) throw fault('DBInstanceAlreadyExistsFault', `DB instance ${id} already exists`);
      const from = i.DBSnapshotIdentifier as string;
      const snap = this.snapshots.get(from) ?? this.shared.get(from);
      if (!snap) throw fault('DBSnapshotNotFoundFault', `DBSnapshot ${from} not found.`);
      // As RDS: a shared encrypted snapshot cannot be restored directly.
      if (this.shared.has(from) && snap.kmsKeyId) throw fault('InvalidParameterValue', 'Cannot restore from a shared encrypted snapshot: copy it first.');
      this.instances.set(id, {
        id,
        resourceId: `db-${++seq}`,
        status: this.restoreOutcome,
        engine: snap.engine,
        instanceClass: (i.DBInstanceClass as string) ?? 'db.t3.micro',
        port: (i.Port as number) ?? 5432,
        subnetGroup: (i.DBSubnetGroupName as string) ?? 'default',
        securityGroups: (i.VpcSecurityGroupIds as string[]) ?? ['sg-default0'],
        parameterGroup: i.DBParameterGroupName as string | undefined,
        optionGroup: i.OptionGroupName as string | undefined,
        deletionProtection: Boolean(i.DeletionProtection),
        masterUsername: 'produser',
        password: 'production-password',
        kmsKeyId: snap.kmsKeyId,
        restoredFrom: from,
        tags: tagsOf(i.Tags as Tag[])
      });
      return { DBInstance: { DBInstanceIdentifier: id, DBInstanceStatus: 'creating' } };
    });
    this.on<Record<string, unknown>>(ModifyDBInstanceCommand, 'ModifyDBInstance', i => {
      const id = i.DBInstanceIdentifier as string;
      const inst = this.instances.get(id);
      if (!inst) throw fault('DBInstanceNotFoundFault', `DBInstance ${id} not found.`);
      if (inst.status !== 'available') throw fault('InvalidDBInstanceStateFault', `DBInstance ${id} is not available.`);
      if (i.DeletionProtection !== undefined) inst.deletionProtection = i.DeletionProtection as boolean;
      if (i.VpcSecurityGroupIds) inst.securityGroups = i.VpcSecurityGroupIds as string[];
      if (i.MasterUserPassword) {
        inst.password = i.MasterUserPassword as string;
        inst.managedSecret = undefined;
      }
      if (i.ManageMasterUserPassword) {
        inst.password = undefined;
        inst.managedSecret = `arn:aws:secretsmanager:${this.region}:${this.accountId}:secret:rds!db-${inst.resourceId}`;
      }
      const newId = i.NewDBInstanceIdentifier as string | undefined;
      if (newId) {
        if (this.instances.has(newId)) throw fault('DBInstanceAlreadyExistsFault', `DB instance ${newId} already exists`);
        this.instances.delete(id);
        inst.id = newId;
        this.instances.set(newId, inst);
      }
      return { DBInstance: this.describe(inst) };
    });
    this.on<Record<string, unknown>>(DeleteDBInstanceCommand, 'DeleteDBInstance', i => {
      const id = i.DBInstanceIdentifier as string;
      const inst = this.instances.get(id);
      if (!inst) throw fault('DBInstanceNotFoundFault', 'not found');
      if (inst.deletionProtection) throw fault('InvalidParameterCombination', 'Cannot delete protected DB Instance, please disable deletion protection and try again.');
      if (!i.SkipFinalSnapshot && !i.FinalDBSnapshotIdentifier) throw fault('InvalidParameterCombination', 'FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.');
      if (i.FinalDBSnapshotIdentifier) {
        const sid = i.FinalDBSnapshotIdentifier as string;
        this.snapshots.set(sid, { id: sid, instance: id, type: 'manual', status: 'available', engine: inst.engine, kmsKeyId: inst.kmsKeyId, created: new Date(), tags: {}, sharedWith: [] });
      }
      this.instances.delete(id);
      return {};
    });
    this.on<{ ResourceName: string; Tags: Tag[] }>(AddTagsToResourceCommand, 'AddTagsToResource', i => {
      Object.assign(this.byArn(i.ResourceName).tags, tagsOf(i.Tags));
      return {};
    });
    this.on<{ ResourceName: string; TagKeys: string[] }>(RemoveTagsFromResourceCommand, 'RemoveTagsFromResource', i => {
      const r = this.byArn(i.ResourceName);
      for (const k of i.TagKeys) delete r.tags[k];
      return {};
    });
    this.on<{ ResourceName: string }>(ListTagsForResourceCommand, 'ListTagsForResource', i => ({ TagList: tagList(this.byArn(i.ResourceName).tags) }));
    this.on<Record<string, unknown>>(DescribeDBSnapshotsCommand, 'DescribeDBSnapshots', i => {
      if (i.DBSnapshotIdentifier) {
        const s = this.snapshots.get(i.DBSnapshotIdentifier as string);
        if (!s) throw fault('DBSnapshotNotFoundFault', `DBSnapshot ${i.DBSnapshotIdentifier} not found.`);
        if (s.status === 'copying') s.status = 'available';
        return { DBSnapshots: [this.describeSnapshot(s)] };
      }
      return { DBSnapshots: [...this.snapshots.values()].filter(s => !i.SnapshotType || s.type === i.SnapshotType).map(s => this.describeSnapshot(s)) };
    });
    this.on<Record<string, unknown>>(CopyDBSnapshotCommand, 'CopyDBSnapshot', i => {
      const from = i.SourceDBSnapshotIdentifier as string;
      const src = this.snapshots.get(from) ?? this.shared.get(from);
      if (!src) throw fault('DBSnapshotNotFoundFault', `DBSnapshot ${from} not found.`);
      const id = i.TargetDBSnapshotIdentifier as string;
      if (this.snapshots.has(id)) throw fault('DBSnapshotAlreadyExistsFault', `DBSnapshot ${id} already exists.`);
      if (this.shared.has(from) && src.kmsKeyId && !i.KmsKeyId) throw fault('InvalidParameterValue', 'KmsKeyId is required to copy a shared encrypted snapshot.');
      const s: FakeDbSnapshot = {
        id,
        instance: src.instance,
        type: 'manual',
        status: 'copying',
        engine: src.engine,
        kmsKeyId: (i.KmsKeyId as string) ?? src.kmsKeyId,
        created: new Date(),
        tags: tagsOf(i.Tags as Tag[]),
        sharedWith: [],
        copiedFrom: from
      };
      this.snapshots.set(id, s);
      return { DBSnapshot: this.describeSnapshot(s) };
    });
    this.on<{ DBSnapshotIdentifier: string }>(DeleteDBSnapshotCommand, 'DeleteDBSnapshot', i => {
      if (!this.snapshots.delete(i.DBSnapshotIdentifier)) throw fault('DBSnapshotNotFoundFault', 'not found');
      return {};
    });
    this.on<{ DBSnapshotIdentifier: string }>(DescribeDBSnapshotAttributesCommand, 'DescribeDBSnapshotAttributes', i => {
      const s = this.snapshots.get(i.DBSnapshotIdentifier);
      if (!s) throw fault('DBSnapshotNotFoundFault', 'not found');
      return { DBSnapshotAttributesResult: { DBSnapshotIdentifier: s.id, DBSnapshotAttributes: [{ AttributeName: 'restore', AttributeValues: [...s.sharedWith] }] } };
    });
    this.on<{ DBSnapshotIdentifier: string; ValuesToRemove?: string[]; ValuesToAdd?: string[] }>(ModifyDBSnapshotAttributeCommand, 'ModifyDBSnapshotAttribute', i => {
      const s = this.snapshots.get(i.DBSnapshotIdentifier)!;
      s.sharedWith = [...s.sharedWith.filter(a => !(i.ValuesToRemove ?? []).includes(a)), ...(i.ValuesToAdd ?? [])];
      return {};
    });
  }

  arn(id: string): string {
    return `arn:aws:rds:${this.region}:${this.accountId}:db:${id}`;
  }

  snapshotArn(id: string): string {
    return `arn:aws:rds:${this.region}:${this.accountId}:snapshot:${id}`;
  }

  private byArn(arn: string): { tags: Record<string, string> } {
    const [, , , , , type, id] = arn.split(':');
    const r = type === 'snapshot' ? this.snapshots.get(id) : this.instances.get(id);
    if (!r) throw fault(type === 'snapshot' ? 'DBSnapshotNotFoundFault' : 'DBInstanceNotFoundFault', `${arn} not found.`);
    return r;
  }

  describe(i: FakeDbInstance): DBInstance {
    return {
      DBInstanceIdentifier: i.id,
      DBInstanceArn: this.arn(i.id),
      DbiResourceId: i.resourceId,
      DBInstanceStatus: i.status,
      Engine: i.engine,
      EngineVersion: '16.4',
      DBInstanceClass: i.instanceClass,
      Endpoint: { Address: `${i.id}.abc.${this.region}.rds.amazonaws.com`, Port: i.port },
      MasterUsername: i.masterUsername,
      DBName: i.dbName,
      MasterUserSecret: i.managedSecret ? { SecretArn: i.managedSecret, SecretStatus: 'active' } : undefined,
      DBSubnetGroup: { DBSubnetGroupName: i.subnetGroup },
      VpcSecurityGroups: i.securityGroups.map(g => ({ VpcSecurityGroupId: g, Status: 'active' })),
      DBParameterGroups: i.parameterGroup ? [{ DBParameterGroupName: i.parameterGroup }] : [],
      OptionGroupMemberships: i.optionGroup ? [{ OptionGroupName: i.optionGroup }] : [],
      DeletionProtection: i.deletionProtection,
      StorageEncrypted: i.kmsKeyId !== undefined,
      KmsKeyId: i.kmsKeyId,
      TagList: tagList(i.tags)
    };
  }

  describeSnapshot(s: FakeDbSnapshot): DBSnapshot {
    return {
      DBSnapshotIdentifier: s.id,
      DBSnapshotArn: this.snapshotArn(s.id),
      DBInstanceIdentifier: s.instance,
      SnapshotType: s.type,
      Status: s.status,
      Engine: s.engine,
      Encrypted: s.kmsKeyId !== undefined,
      KmsKeyId: s.kmsKeyId,
      SnapshotCreateTime: s.created,
      TagList: tagList(s.tags)
    };
  }

  addInstance(i: Partial<FakeDbInstance> & { id: string }): void {
    this.instances.set(i.id, {
      resourceId: `db-${++seq}`,
      status: 'available',
      engine: 'postgres',
      instanceClass: 'db.m6g.large',
      port: 5432,
      subnetGroup: 'staging-subnets',
      securityGroups: ['sg-0000000000000aaaa'],
      deletionProtection: false,
      masterUsername: 'app',
      tags: {},
      ...i
    });
  }

  /** A snapshot another account shared with this one (restorable only by ARN). */
  addShared(arn: string, s: Partial<FakeDbSnapshot> = {}): void {
    this.shared.set(arn, { id: arn, instance: 'app-production-pg', type: 'manual', status: 'available', engine: 'postgres', created: new Date(), tags: {}, sharedWith: [], ...s });
  }

  /** "Staging as it was": instances and this account's snapshots, independent of call history. */
  world(): unknown {
    return {
      instances: [...this.instances.values()].map(i => ({ ...i, tags: { ...i.tags } })).sort((a, b) => a.id.localeCompare(b.id)),
      snapshots: [...this.snapshots.values()].map(s => ({ ...s, tags: { ...s.tags } })).sort((a, b) => a.id.localeCompare(b.id))
    };
  }
}
