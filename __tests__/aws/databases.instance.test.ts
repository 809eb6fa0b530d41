/** The RDS DB instance adapters against aws-sdk-client-mock: the exact calls and how answers are read. */
import { beforeEach, describe, expect, it } from '@jest/globals';
import {
  CopyDBSnapshotCommand,
  CreateDBSnapshotCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  DescribeOptionGroupsCommand,
  ModifyDBInstanceCommand,
  ModifyDBSnapshotAttributeCommand,
  RDSClient,
  RDSServiceException,
  RestoreDBInstanceFromDBSnapshotCommand
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { instanceDatabases } from '../../src/kinds/instance-api';
import { snapshotAdapter } from '../../src/aws/snapshots';
import { lookUp } from '../../src/aws/kind-facts';
import { resolveKinds } from '../../src/kinds/resolve';
import { readSettings } from '../../src/settings';
import type { Accounts } from '../../src/accounts';
import { quietStdout } from '../helpers/stdout';
import { testClock } from '../fixtures/clock';

quietStdout();

const rds = new RDSClient({ region: 'ap-northeast-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const mock = mockClient(rds);
const err = (name: string) => new RDSServiceException({ name, $fault: 'client', $metadata: {}, message: name });
const fastWait = () => ({ what: 'x', timeoutMs: 60_000, maxIntervalMs: 0, clock: testClock({ start: 0 }) });

beforeEach(() => {
  mock.reset();
});

describe('InstanceSnapshots', () => {
  const a = snapshotAdapter('instance', rds);

  it('is chosen for the instance kind', () => {
    expect(a.kind).toBe('instance');
    expect(snapshotAdapter('cluster', rds).kind).toBe('cluster');
  });

  it('reads a DB snapshot (automated ones asked with SnapshotType) with its option group', async () => {
    mock.on(DescribeDBSnapshotsCommand).resolves({
      DBSnapshots: [
        {
          DBSnapshotIdentifier: 'rds:prod-2026',
          DBSnapshotArn: 'arn:aws:rds:ap-northeast-1:111111111111:snapshot:rds:prod-2026',
          DBInstanceIdentifier: 'prod',
          SnapshotType: 'automated',
          Status: 'available',
          Engine: 'postgres',
          Encrypted: true,
          KmsKeyId: 'arn:aws:kms:ap-northeast-1:111111111111:key/k',
          AllocatedStorage: 50,
          OptionGroupName: 'default:postgres-16',
          TagList: [{ Key: 'env', Value: 'prod' }]
        }
      ]
    });
    const s = await a.getSnapshot('rds:prod-2026');
    expect(mock.commandCalls(DescribeDBSnapshotsCommand)[0].args[0].input).toEqual({ DBSnapshotIdentifier: 'rds:prod-2026', SnapshotType: 'automated' });
    expect(s).toMatchObject({ kind: 'instance', databaseIdentifier: 'prod', snapshotType: 'automated', encrypted: true, optionGroup: 'default:postgres-16', tags: { env: 'prod' }, allocatedStorageGb: 50 });
  });

  it('answers undefined for a missing snapshot or instance', async () => {
    mock.on(DescribeDBSnapshotsCommand).rejects(err('DBSnapshotNotFoundFault'));
    mock.on(DescribeDBInstancesCommand).rejects(err('DBInstanceNotFoundFault'));
    expect(await a.getSnapshot('nope')).toBeUndefined();
    expect(await a.describeDatabase('nope')).toBeUndefined();
  });

  it('does not take an Aurora cluster member for a database', async () => {
    mock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: 'm1', DBClusterIdentifier: 'c' }] });
    expect(await a.describeDatabase('m1')).toBeUndefined();
  });

  it('creates, copies under the key (tags, not the source tags), shares and deletes DB snapshots', async () => {
    mock.on(CreateDBSnapshotCommand).resolves({ DBSnapshot: { DBSnapshotIdentifier: 's1', Status: 'creating' } });
    mock.on(CopyDBSnapshotCommand).resolves({ DBSnapshot: { DBSnapshotIdentifier: 'c1', Status: 'creating' } });
    mock.on(ModifyDBSnapshotAttributeCommand).resolves({});
    await a.createSnapshot('prod', 's1', { k: 'v' });
    await a.copySnapshot({ sourceIdentifier: 'rds:prod-1', targetIdentifier: 'c1', kmsKeyArn: 'arn:aws:kms:r:1:key/x', tags: { k: 'v' } });
    await a.share('c1', '222222222222');
    expect(mock.commandCalls(CreateDBSnapshotCommand)[0].args[0].input).toEqual({ DBInstanceIdentifier: 'prod', DBSnapshotIdentifier: 's1', Tags: [{ Key: 'k', Value: 'v' }] });
    expect(mock.commandCalls(CopyDBSnapshotCommand)[0].args[0].input).toEqual({
      SourceDBSnapshotIdentifier: 'rds:prod-1',
      TargetDBSnapshotIdentifier: 'c1',
      KmsKeyId: 'arn:aws:kms:r:1:key/x',
      CopyTags: false,
      Tags: [{ Key: 'k', Value: 'v' }]
    });
    expect(mock.commandCalls(ModifyDBSnapshotAttributeCommand)[0].args[0].input).toEqual({ DBSnapshotIdentifier: 'c1', AttributeName: 'restore', ValuesToAdd: ['222222222222'] });
  });

  it('reads the option group flags', async () => {
    mock.on(DescribeOptionGroupsCommand).resolves({
      OptionGroupsList: [{ OptionGroupName: 'og', Options: [{ OptionName: 'TDE', Permanent: true, Persistent: true }, { OptionName: 'S3_INTEGRATION' }] }]
    });
    expect(await a.optionGroupOptions('og')).toEqual([
      { name: 'TDE', permanent: true, persistent: true },
      { name: 'S3_INTEGRATION', permanent: false, persistent: false }
    ]);
    mock.on(DescribeOptionGroupsCommand).rejects(err('OptionGroupNotFoundFault'));
    expect(await a.optionGroupOptions('gone')).toBeUndefined();
  });
});

describe('instanceDatabases', () => {
  const db = instanceDatabases(rds, fastWait);

  it('describes an instance as a database: endpoint, port, DBName, writer itself, no members', async () => {
    mock.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        {
          DBInstanceIdentifier: 'stg',
          DBInstanceArn: 'arn:aws:rds:ap-northeast-1:222222222222:db:stg',
          DBInstanceStatus: 'available',
          Engine: 'mariadb',
          Endpoint: { Address: 'stg.abc.rds.amazonaws.com', Port: 3306 },
          DBName: 'app',
          MasterUsername: 'admin',
          DBSubnetGroup: { DBSubnetGroupName: 'subnets' },
          VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-1' }],
          DeletionProtection: true,
          OptionGroupMemberships: [{ OptionGroupName: 'og' }],
          PendingModifiedValues: { MasterUserPassword: '****' }
        }
      ]
    });
    expect(await db.describe('stg')).toMatchObject({
      kind: 'instance',
      endpoint: 'stg.abc.rds.amazonaws.com',
      port: 3306,
      databaseName: 'app',
      engine: 'mariadb',
      dbSubnetGroup: 'subnets',
      vpcSecurityGroupIds: ['sg-1'],
      deletionProtection: true,
      pendingPassword: true,
      members: [],
      writer: 'stg',
      optionGroup: 'og'
    });
  });

  it('lists only standalone instances', async () => {
    mock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: 'a' }, { DBInstanceIdentifier: 'm', DBClusterIdentifier: 'c' }] });
    expect((await db.list()).map(d => d.identifier)).toEqual(['a']);
  });

  it('restores from a DB snapshot with the instance settings and no KmsKeyId', async () => {
    mock.on(RestoreDBInstanceFromDBSnapshotCommand).resolves({});
    await db.restore({
      identifier: 'stg-sync-1',
      snapshotArn: 'stg-copy-1',
      engine: 'postgres',
      kmsKeyId: 'alias/aws/rds',
      instanceClass: 'db.t4g.medium',
      dbParameterGroup: 'pg',
      securityGroupIds: ['sg-iso'],
      dbSubnetGroup: 'subnets',
      optionGroup: 'og',
      tags: { a: 'b' }
    });
    const input = mock.commandCalls(RestoreDBInstanceFromDBSnapshotCommand)[0].args[0].input;
    expect(input).toMatchObject({
      DBInstanceIdentifier: 'stg-sync-1',
      DBSnapshotIdentifier: 'stg-copy-1',
      DBInstanceClass: 'db.t4g.medium',
      DBParameterGroupName: 'pg',
      VpcSecurityGroupIds: ['sg-iso'],
      DBSubnetGroupName: 'subnets',
      OptionGroupName: 'og',
      DeletionProtection: false,
      Tags: [{ Key: 'a', Value: 'b' }]
    });
    expect(input).not.toHaveProperty('KmsKeyId');
  });

  it('renames, resets the password and changes groups with ModifyDBInstance, applied immediately', async () => {
    mock.on(ModifyDBInstanceCommand).resolves({});
    await db.modify('a', { newIdentifier: 'b', masterPassword: 'pw', securityGroupIds: ['sg-1'], deletionProtection: true, manageMasterPassword: undefined });
    expect(mock.commandCalls(ModifyDBInstanceCommand)[0].args[0].input).toMatchObject({
      DBInstanceIdentifier: 'a',
      NewDBInstanceIdentifier: 'b',
      MasterUserPassword: 'pw',
      VpcSecurityGroupIds: ['sg-1'],
      DeletionProtection: true,
      ApplyImmediately: true
    });
  });

  it('deletes: deletion protection off first, then DeleteDBInstance with the final snapshot and automated backups', async () => {
    mock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: 'old', DBInstanceStatus: 'available', DeletionProtection: true }] });
    mock.on(ModifyDBInstanceCommand).resolves({});
    mock.on(DeleteDBInstanceCommand).resolves({});
    expect(await db.delete('old', { finalSnapshotIdentifier: 'old-final' })).toBe(true);
    expect(mock.commandCalls(ModifyDBInstanceCommand)[0].args[0].input).toMatchObject({ DBInstanceIdentifier: 'old', DeletionProtection: false });
    expect(mock.commandCalls(DeleteDBInstanceCommand)[0].args[0].input).toEqual({
      DBInstanceIdentifier: 'old',
      SkipFinalSnapshot: false,
      FinalDBSnapshotIdentifier: 'old-final',
      DeleteAutomatedBackups: true
    });
  });

  it('waits out InvalidDBInstanceState on delete, and says false for an instance that is gone', async () => {
    mock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: 'x', DBInstanceStatus: 'available' }] });
    mock.on(DeleteDBInstanceCommand).rejectsOnce(err('InvalidDBInstanceStateFault')).resolves({});
    expect(await db.delete('x')).toBe(true);
    expect(mock.commandCalls(DeleteDBInstanceCommand)).toHaveLength(2);
    mock.on(DescribeDBInstancesCommand).rejects(err('DBInstanceNotFoundFault'));
    expect(await db.delete('gone')).toBe(false);
  });

  it('has no Data API', async () => {
    await expect(db.enableDataApi('arn')).rejects.toThrow(/Aurora only/);
  });
});

describe('kind detection', () => {
  const settingsFor = (inputs: Record<string, string>) => readSettings(n => ({ 'aws-region': 'ap-northeast-1', 'source-account-id': '111111111111', 'target-account-id': '222222222222', ...inputs })[n] ?? '');
  const accounts = { source: { rds, accountId: '111111111111' }, target: { rds, accountId: '222222222222' } } as unknown as Accounts;

  it('looks both kinds up; a denied cluster describe counts as no cluster', async () => {
    mock.on(DescribeDBClustersCommand).rejects(err('AccessDenied'));
    mock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: 'p' }] });
    expect(await lookUp(rds, 'p')).toEqual({ cluster: false, instance: true, denied: ['rds:DescribeDBClusters'] });
  });

  it('sets the kind of source-db / target-db from what RDS describes', async () => {
    mock.on(DescribeDBClustersCommand).rejects(err('DBClusterNotFoundFault'));
    mock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: 'p' }] });
    const s = await resolveKinds(settingsFor({ 'source-db': 'p', 'target-db': 's' }), accounts);
    expect(s.kind).toBe('instance');
  });

  it('makes no call when both inputs name the kind', async () => {
    const s = await resolveKinds(settingsFor({ 'source-instance': 'p', 'target-instance': 's' }), accounts);
    expect(s.kind).toBe('instance');
    expect(mock.calls()).toHaveLength(0);
  });

  it('refuses when the target exists as the other kind', async () => {
    mock.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ DBClusterIdentifier: 's' }] });
    mock.on(DescribeDBInstancesCommand).rejects(err('DBInstanceNotFoundFault'));
    await expect(resolveKinds(settingsFor({ 'source-instance': 'p', 'target-db': 's' }), accounts)).rejects.toThrow(/target-db is a DB cluster/);
  });
});
