/** Standalone RDS DB instances and DB snapshots (issue 9) with the real SDK clients. */
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  CopyDBSnapshotCommand,
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  DeleteDBInstanceCommand,
  DeleteDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotAttributesCommand,
  DescribeDBSnapshotsCommand,
  DescribeOptionGroupsCommand,
  ModifyDBInstanceCommand,
  ModifyDBSnapshotAttributeCommand,
  RebootDBInstanceCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  type RDSClient
} from '@aws-sdk/client-rds';
import type { RunningEmulator } from '../../emulator/index';
import { failure, PROD, scenario, sides, start, STG } from './harness';

let emu: RunningEmulator;
afterEach(async () => {
  await emu?.close();
});

const shareKeyArn = `arn:aws:kms:ap-northeast-1:${PROD}:key/0d2c6a8e-1111-4a5b-9c3d-000000000001`;
const stagingKeyArn = `arn:aws:kms:ap-northeast-1:${STG}:key/5e7f9a1b-2222-4c6d-8e0f-000000000002`;
const sharedArn = (id: string) => `arn:aws:rds:ap-northeast-1:${PROD}:snapshot:${id}`;

async function latestAutomated(rds: RDSClient, instance = 'app-production-pg'): Promise<string> {
  const out = await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: instance, SnapshotType: 'automated' }));
  const ids = out.DBSnapshots!.map(s => s.DBSnapshotIdentifier!);
  expect(ids.length).toBeGreaterThan(0);
  expect(ids.every(id => id.startsWith(`rds:${instance}-`))).toBe(true);
  return ids[ids.length - 1]!;
}

/** Production: copy the newest automated snapshot under the CMK (50 GB * 24 s) and share it with staging. */
async function copyAndShare(prod: RDSClient, id = 'pg-share'): Promise<string> {
  await prod.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: await latestAutomated(prod), TargetDBSnapshotIdentifier: id, KmsKeyId: 'alias/rds-share' }));
  emu.advance(1201);
  await prod.send(new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: id, AttributeName: 'restore', ValuesToAdd: [STG] }));
  return sharedArn(id);
}

describe('standalone DB instances', () => {
  it('describes an RDS PostgreSQL instance with the fields the action reads, and shows it in the state', async () => {
    emu = await start(scenario('instance-postgres.yaml'));
    const { prod } = await sides(emu);
    const out = await prod.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'app-production-pg' }));
    expect(out.DBInstances).toHaveLength(1);
    const i = out.DBInstances![0]!;
    expect(i).toMatchObject({
      DBInstanceIdentifier: 'app-production-pg',
      DBInstanceArn: `arn:aws:rds:ap-northeast-1:${PROD}:db:app-production-pg`,
      DBInstanceStatus: 'available',
      Engine: 'postgres',
      EngineVersion: '16.4',
      DBInstanceClass: 'db.m6g.large',
      MasterUsername: 'app_admin',
      DBName: 'app',
      StorageEncrypted: true,
      AllocatedStorage: 50,
      DeletionProtection: true,
      MultiAZ: true,
      StorageType: 'gp3',
      VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-0prod0000000000a', Status: 'active' }],
      DBParameterGroups: [{ DBParameterGroupName: 'app-production-postgres16', ParameterApplyStatus: 'in-sync' }],
      OptionGroupMemberships: [{ OptionGroupName: 'default:postgres-16', Status: 'in-sync' }],
      TagList: [{ Key: 'env', Value: 'production' }]
    });
    expect(i.DBClusterIdentifier).toBeUndefined();
    expect(i.DBSubnetGroup?.DBSubnetGroupName).toBe('production-db');
    expect(i.Endpoint?.Address).toMatch(/^app-production-pg\..+\.ap-northeast-1\.rds\.amazonaws\.com$/);
    expect(i.Endpoint?.Port).toBe(5432);
    expect(i.KmsKeyId).toMatch(new RegExp(`^arn:aws:kms:ap-northeast-1:${PROD}:key/`));
    const state = emu.state();
    const prodState = state.accounts.find(a => a['id'] === PROD)! as { instances: Record<string, unknown>[]; dbSnapshots: Record<string, unknown>[] };
    expect(prodState.instances).toEqual([
      expect.objectContaining({ id: 'app-production-pg', standalone: true, status: 'available', deletionProtection: true, securityGroups: ['sg-0prod0000000000a'], kmsKeyId: i.KmsKeyId })
    ]);
    expect(prodState.dbSnapshots).toHaveLength(3);
    expect(prodState.dbSnapshots.every(s => s['kind'] === 'instance' && s['type'] === 'automated')).toBe(true);
    expect((await failure(prod.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'nope' })))).name).toBe('DBInstanceNotFoundFault');
  });

  it('creates a standalone instance (creating -> available), refuses a taken id, and a cluster member id is no DB snapshot source', async () => {
    emu = await start(scenario('instance-postgres.yaml', { accounts: [{ id: STG, clusters: [{ id: 'aurora-side', instances: ['aurora-side-1'] }] }] }));
    const { stg } = await sides(emu);
    const created = await stg.rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: 'scratch-pg',
        Engine: 'postgres',
        DBInstanceClass: 'db.t4g.micro',
        AllocatedStorage: 20,
        MasterUsername: 'u',
        MasterUserPassword: 'p4ssword',
        StorageEncrypted: true,
        KmsKeyId: 'alias/rds-staging'
      })
    );
    expect(created.DBInstance).toMatchObject({ DBInstanceStatus: 'creating', KmsKeyId: stagingKeyArn, OptionGroupMemberships: [{ OptionGroupName: 'default:postgres-16' }] });
    expect(created.DBInstance?.Endpoint).toBeUndefined();
    emu.advance(481);
    const d = await stg.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'scratch-pg' }));
    expect(d.DBInstances?.[0]?.DBInstanceStatus).toBe('available');
    const again = failure(
      stg.rds.send(
        new CreateDBInstanceCommand({ DBInstanceIdentifier: 'aurora-side-1', Engine: 'postgres', DBInstanceClass: 'db.t4g.micro', AllocatedStorage: 20, MasterUsername: 'u', MasterUserPassword: 'p4ssword' })
      )
    );
    expect((await again).name).toBe('DBInstanceAlreadyExistsFault');
    const member = await failure(stg.rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'aurora-side-1', DBSnapshotIdentifier: 'x' })));
    expect(member.name).toBe('InvalidParameterValue');
    expect(member.message).toContain('CreateDBClusterSnapshot');
    // Both kinds list together.
    const all = await stg.rds.send(new DescribeDBInstancesCommand({}));
    expect(all.DBInstances!.map(i => i.DBInstanceIdentifier).sort()).toEqual(['app-staging-pg', 'aurora-side-1', 'scratch-pg']);
  });

  it('renames with ApplyImmediately (renaming, endpoint follows), keeps it pending without, and applies protection, groups and password', async () => {
    emu = await start(scenario('instance-postgres.yaml'));
    const { stg } = await sides(emu);
    const pending = await stg.rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'app-staging-pg', NewDBInstanceIdentifier: 'app-staging-pg-old' }));
    expect(pending.DBInstance?.PendingModifiedValues?.DBInstanceIdentifier).toBe('app-staging-pg-old');
    expect(pending.DBInstance?.DBInstanceIdentifier).toBe('app-staging-pg');
    const renamed = await stg.rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'app-staging-pg', NewDBInstanceIdentifier: 'app-staging-pg-old', ApplyImmediately: true, DeletionProtection: false }));
    expect(renamed.DBInstance).toMatchObject({ DBInstanceIdentifier: 'app-staging-pg-old', DBInstanceStatus: 'renaming', DeletionProtection: false });
    expect(renamed.DBInstance?.Endpoint?.Address).toMatch(/^app-staging-pg-old\./);
    expect((await failure(stg.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'app-staging-pg' })))).name).toBe('DBInstanceNotFoundFault');
    const busy = await failure(stg.rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'app-staging-pg-old', MasterUserPassword: 'x' })));
    expect(busy.name).toBe('InvalidDBInstanceStateFault');
    emu.advance(121);
    const reset = await stg.rds.send(
      new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'app-staging-pg-old', MasterUserPassword: 'new-password-1', VpcSecurityGroupIds: ['sg-1', 'sg-2'], DBParameterGroupName: 'masked-pg16' })
    );
    expect(reset.DBInstance).toMatchObject({ DBInstanceStatus: 'resetting-master-credentials', DBParameterGroups: [{ DBParameterGroupName: 'masked-pg16' }] });
    expect(reset.DBInstance?.VpcSecurityGroups?.map(g => g.VpcSecurityGroupId)).toEqual(['sg-1', 'sg-2']);
    emu.advance(61);
    const managed = await stg.rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'app-staging-pg-old', ManageMasterUserPassword: true }));
    expect(managed.DBInstance?.MasterUserSecret?.SecretArn).toMatch(/^arn:aws:secretsmanager:ap-northeast-1:222222222222:secret:rds!db-/);
    emu.advance(61);
    // Turning management off needs the password that replaces the secret (SDK model, ManageMasterUserPassword).
    const unmanaged = await failure(stg.rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'app-staging-pg-old', ManageMasterUserPassword: false })));
    expect(unmanaged.name).toBe('InvalidParameterCombination');
    const reboot = await stg.rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: 'app-staging-pg-old' }));
    expect(reboot.DBInstance?.DBInstanceStatus).toBe('rebooting');
  });

  it('deletes as AWS does: protection refused, final snapshot id or skip required, final snapshot really taken, automated backups removed', async () => {
    emu = await start(scenario('instance-postgres.yaml', { accounts: [{ id: STG, snapshots: [{ instance: 'app-staging-pg', type: 'automated' }] }] }));
    const stg = (await sides(emu)).stg.rds;
    const protectedErr = await failure(stg.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'app-staging-pg', SkipFinalSnapshot: true })));
    expect(protectedErr.name).toBe('InvalidParameterCombination');
    expect(protectedErr.message).toBe('Cannot delete protected DB Instance, please disable deletion protection and try again.');
    await stg.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'app-staging-pg', DeletionProtection: false }));
    expect((await failure(stg.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'app-staging-pg' })))).name).toBe('InvalidParameterCombination');
    const invalid = await failure(stg.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'app-staging-pg', FinalDBSnapshotIdentifier: 'rds:final' })));
    expect(invalid.name).toBe('InvalidParameterValue');
    const deleted = await stg.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'app-staging-pg', FinalDBSnapshotIdentifier: 'pg-final', DeleteAutomatedBackups: true }));
    expect(deleted.DBInstance?.DBInstanceStatus).toBe('deleting');
    expect((await failure(stg.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'app-staging-pg', DeletionProtection: true })))).name).toBe('InvalidDBInstanceStateFault');
    const final = await stg.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'pg-final' }));
    expect(final.DBSnapshots?.[0]).toMatchObject({ Status: 'creating', SnapshotType: 'manual', DBInstanceIdentifier: 'app-staging-pg', Encrypted: true, KmsKeyId: stagingKeyArn });
    emu.advance(50 * 6 + 301);
    expect((await failure(stg.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'app-staging-pg' })))).name).toBe('DBInstanceNotFoundFault');
    const left = await stg.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'app-staging-pg' }));
    expect(left.DBSnapshots!.map(s => [s.DBSnapshotIdentifier, s.Status])).toEqual([['pg-final', 'available']]);
  });

  it('DeleteAutomatedBackups=false keeps the automated snapshots; a second delete is refused', async () => {
    emu = await start(
      scenario('instance-postgres.yaml', { accounts: [{ id: STG, instances: [{ id: 'app-staging-pg', deletionProtection: false }], snapshots: [{ instance: 'app-staging-pg', type: 'automated' }] }] })
    );
    const stg = (await sides(emu)).stg.rds;
    await stg.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'app-staging-pg', SkipFinalSnapshot: true, DeleteAutomatedBackups: false }));
    expect((await failure(stg.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'app-staging-pg', SkipFinalSnapshot: true })))).name).toBe('InvalidDBInstanceStateFault');
    emu.advance(301);
    const left = await stg.send(new DescribeDBSnapshotsCommand({ SnapshotType: 'automated' }));
    expect(left.DBSnapshots).toHaveLength(1);
  });
});

describe('DB snapshots', () => {
  it('copies an automated aws/rds snapshot under the CMK with PercentProgress rising, then shares the copy', async () => {
    emu = await start(scenario('instance-postgres.yaml'));
    const { prod } = await sides(emu);
    const source = await latestAutomated(prod.rds);
    const copy = await prod.rds.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: source, TargetDBSnapshotIdentifier: 'pg-share', KmsKeyId: 'alias/rds-share' }));
    expect(copy.DBSnapshot).toMatchObject({ Status: 'copying', KmsKeyId: shareKeyArn, Encrypted: true, SnapshotType: 'manual', SourceDBSnapshotIdentifier: sharedArn(source) });
    const progress: number[] = [];
    for (let i = 0; i < 3; i++) {
      emu.advance(300);
      const d = await prod.rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'pg-share' }));
      expect(d.DBSnapshots?.[0]?.Status).toBe('copying');
      progress.push(d.DBSnapshots![0]!.PercentProgress!);
    }
    expect(progress[0]).toBeGreaterThan(0);
    expect(progress[2]).toBeGreaterThan(progress[1]!);
    expect(progress[1]).toBeGreaterThan(progress[0]!);
    const early = await failure(prod.rds.send(new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: 'pg-share', AttributeName: 'restore', ValuesToAdd: [STG] })));
    expect(early.name).toBe('InvalidDBSnapshotStateFault');
    emu.advance(301);
    const shared = await prod.rds.send(new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: 'pg-share', AttributeName: 'restore', ValuesToAdd: [STG] }));
    expect(shared.DBSnapshotAttributesResult?.DBSnapshotAttributes).toEqual([{ AttributeName: 'restore', AttributeValues: [STG] }]);
    const attrs = await prod.rds.send(new DescribeDBSnapshotAttributesCommand({ DBSnapshotIdentifier: 'pg-share' }));
    expect(attrs.DBSnapshotAttributesResult?.DBSnapshotAttributes?.[0]?.AttributeValues).toEqual([STG]);
  });

  it('refuses to share an automated snapshot, one under aws/rds, a public encrypted one and more than 20 accounts', async () => {
    emu = await start(scenario('instance-postgres.yaml'));
    const { prod } = await sides(emu);
    const share = (id: string, accounts: string[]) => prod.rds.send(new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: id, AttributeName: 'restore', ValuesToAdd: accounts }));
    const automated = await latestAutomated(prod.rds);
    const a = await failure(share(automated, [STG]));
    expect(a.name).toBe('InvalidParameterValue');
    expect(a.message).toContain('The parameter DBSnapshotIdentifier is not a valid identifier.');
    await prod.rds.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: automated, TargetDBSnapshotIdentifier: 'same-key' }));
    await prod.rds.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: automated, TargetDBSnapshotIdentifier: 'cmk', KmsKeyId: 'alias/rds-share' }));
    emu.advance(1201);
    const awsRds = await failure(share('same-key', [STG]));
    expect(awsRds.name).toBe('InvalidParameterValue');
    expect(awsRds.message).toContain('aws/rds');
    expect((await failure(share('cmk', ['all']))).name).toBe('InvalidParameterValue');
    const many = Array.from({ length: 21 }, (_, i) => String(300000000000 + i));
    const quota = await failure(share('cmk', many));
    expect(quota.name).toBe('SharedSnapshotQuotaExceededFault');
    expect(quota.$metadata?.httpStatusCode).toBe(400);
    await share('cmk', many.slice(0, 20));
    await prod.rds.send(new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: 'cmk', AttributeName: 'restore', ValuesToRemove: [many[0]!], ValuesToAdd: [STG] }));
  });

  it('staging cannot restore straight from the shared encrypted snapshot, copies it under its own key, restores from the copy', async () => {
    emu = await start(scenario('instance-postgres.yaml'));
    const { prod, stg } = await sides(emu);
    const arn = await copyAndShare(prod.rds);
    const listed = await stg.rds.send(new DescribeDBSnapshotsCommand({ SnapshotType: 'shared' }));
    expect(listed.DBSnapshots?.map(s => s.DBSnapshotArn)).toEqual([arn]);
    expect((await stg.rds.send(new DescribeDBSnapshotsCommand({}))).DBSnapshots).toEqual([]);
    expect((await stg.rds.send(new DescribeDBSnapshotsCommand({ IncludeShared: true }))).DBSnapshots).toHaveLength(1);
    const direct = await failure(stg.rds.send(new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: 'app-staging-pg-next', DBSnapshotIdentifier: arn })));
    expect(direct.name).toBe('InvalidParameterCombination');
    expect(direct.message).toContain('both shared and encrypted');
    expect((await failure(stg.rds.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: arn, TargetDBSnapshotIdentifier: 'in-staging' })))).name).toBe('InvalidParameterValue');
    const foreignKey = await failure(stg.rds.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: arn, TargetDBSnapshotIdentifier: 'in-staging', KmsKeyId: shareKeyArn })));
    expect(foreignKey.name).toBe('KMSKeyNotAccessibleFault');
    const copy = await stg.rds.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: arn, TargetDBSnapshotIdentifier: 'in-staging', KmsKeyId: 'alias/rds-staging' }));
    expect(copy.DBSnapshot).toMatchObject({ KmsKeyId: stagingKeyArn, Status: 'copying', SourceDBSnapshotIdentifier: arn });
    emu.advance(1201);
    const restored = await stg.rds.send(
      new RestoreDBInstanceFromDBSnapshotCommand({
        DBInstanceIdentifier: 'app-staging-pg-next',
        DBSnapshotIdentifier: 'in-staging',
        DBInstanceClass: 'db.t4g.medium',
        DBSubnetGroupName: 'staging-db',
        VpcSecurityGroupIds: ['sg-0stg00000000000b'],
        DBParameterGroupName: 'app-staging-postgres16',
        DeletionProtection: true,
        MultiAZ: false,
        Tags: [{ Key: 'rds-sync', Value: 'run-1' }]
      })
    );
    expect(restored.DBInstance).toMatchObject({
      DBInstanceStatus: 'creating',
      KmsKeyId: stagingKeyArn,
      DBInstanceClass: 'db.t4g.medium',
      MasterUsername: 'app_admin',
      DBName: 'app',
      DeletionProtection: true,
      MultiAZ: false,
      DBParameterGroups: [{ DBParameterGroupName: 'app-staging-postgres16' }],
      OptionGroupMemberships: [{ OptionGroupName: 'default:postgres-16' }],
      TagList: [{ Key: 'rds-sync', Value: 'run-1' }]
    });
    expect(restored.DBInstance?.DBSubnetGroup?.DBSubnetGroupName).toBe('staging-db');
    emu.advance(50 * 12 + 1);
    expect((await stg.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'app-staging-pg-next' }))).DBInstances?.[0]?.DBInstanceStatus).toBe('available');
    const state = emu.state().accounts.find(a => a['id'] === STG)! as { instances: Record<string, unknown>[] };
    expect(state.instances.find(i => i['id'] === 'app-staging-pg-next')).toMatchObject({ kmsKeyId: stagingKeyArn, deletionProtection: true });
    await stg.rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 'in-staging' }));
    expect((await failure(stg.rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'in-staging' })))).name).toBe('DBSnapshotNotFoundFault');
  });

  it('a CMK whose policy does not admit staging: the copy in staging fails with KMSKeyNotAccessibleFault on the source key', async () => {
    const base = scenario('instance-postgres.yaml');
    const prodAccount = base.accounts.find(a => String(a.id) === PROD)!;
    const key = prodAccount.keys!.find(k => k.alias === 'alias/rds-share')!;
    const statements = key.policy!.Statement;
    key.policy = { Version: '2012-10-17', Statement: [Array.isArray(statements) ? statements[0]! : statements] };
    emu = await start(base);
    const { prod, stg } = await sides(emu);
    const arn = await copyAndShare(prod.rds);
    const e = await failure(stg.rds.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: arn, TargetDBSnapshotIdentifier: 'in-staging', KmsKeyId: 'alias/rds-staging' })));
    expect(e.name).toBe('KMSKeyNotAccessibleFault');
    expect(e.message).toBe(`The source snapshot KMS key [${shareKeyArn}] does not exist, is not enabled or you do not have permissions to access it.`);
  });

  it('restores straight from a shared unencrypted snapshot; creates, refuses duplicates and counts the DB snapshot quota apart from clusters', async () => {
    const base = scenario('instance-postgres.yaml', {
      accounts: [
        {
          id: PROD,
          manualDbSnapshotQuota: 2,
          manualSnapshotQuota: 0,
          instances: [{ id: 'plain-pg', engine: 'postgres', encrypted: false, allocatedStorageGb: 20 }],
          snapshots: [{ instance: 'plain-pg', type: 'manual', id: 'plain-1', sharedWith: [STG] }]
        }
      ]
    });
    emu = await start(base);
    const { prod, stg } = await sides(emu);
    const restored = await stg.rds.send(new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: 'from-plain', DBSnapshotIdentifier: sharedArn('plain-1') }));
    expect(restored.DBInstance).toMatchObject({ StorageEncrypted: false, DBInstanceStatus: 'creating' });
    expect((await failure(stg.rds.send(new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: 'x', DBSnapshotIdentifier: 'plain-1' })))).name).toBe('DBSnapshotNotFoundFault');
    const created = await prod.rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'plain-pg', DBSnapshotIdentifier: 'plain-2' }));
    expect(created.DBSnapshot).toMatchObject({ Status: 'creating', SnapshotType: 'manual' });
    expect((await prod.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'plain-pg' }))).DBInstances?.[0]?.DBInstanceStatus).toBe('backing-up');
    const dup = await failure(prod.rds.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: 'plain-1', TargetDBSnapshotIdentifier: 'plain-2' })));
    expect(dup.name).toBe('DBSnapshotAlreadyExistsFault');
    const quota = await failure(prod.rds.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: 'plain-1', TargetDBSnapshotIdentifier: 'plain-3' })));
    expect(quota.name).toBe('SnapshotQuotaExceededFault');
    const automated = await failure(prod.rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: await latestAutomated(prod.rds) })));
    expect(automated.name).toBe('InvalidDBSnapshotStateFault');
    // KmsKeyId on an unencrypted DB snapshot encrypts the copy (unlike Aurora).
    emu.advance(121);
    await prod.rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 'plain-2' }));
    const enc = await prod.rds.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: 'plain-1', TargetDBSnapshotIdentifier: 'plain-enc', KmsKeyId: 'alias/rds-share' }));
    expect(enc.DBSnapshot).toMatchObject({ Encrypted: true, KmsKeyId: shareKeyArn });
  });

  it('option groups: DescribeOptionGroups reports Permanent/Persistent; a snapshot using such a group cannot be shared', async () => {
    const base = scenario('instance-postgres.yaml', {
      accounts: [
        {
          id: PROD,
          optionGroups: [{ name: 'erp-sqlserver-tde', engine: 'sqlserver-se', majorEngineVersion: '15.00', options: [{ name: 'TDE', persistent: true }] }],
          instances: [{ id: 'erp-sql', engine: 'sqlserver-se', engineVersion: '15.00.4385.2.v1', kmsKey: 'alias/rds-share', optionGroup: 'erp-sqlserver-tde', allocatedStorageGb: 20 }],
          snapshots: [{ instance: 'erp-sql', type: 'manual', id: 'erp-manual' }]
        }
      ]
    });
    emu = await start(base);
    const { prod } = await sides(emu);
    const groups = await prod.rds.send(new DescribeOptionGroupsCommand({ OptionGroupName: 'erp-sqlserver-tde' }));
    expect(groups.OptionGroupsList?.[0]).toMatchObject({
      OptionGroupName: 'erp-sqlserver-tde',
      EngineName: 'sqlserver-se',
      MajorEngineVersion: '15.00',
      Options: [{ OptionName: 'TDE', Persistent: true, Permanent: false }]
    });
    const snap = await prod.rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'erp-manual' }));
    expect(snap.DBSnapshots?.[0]?.OptionGroupName).toBe('erp-sqlserver-tde');
    const e = await failure(prod.rds.send(new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: 'erp-manual', AttributeName: 'restore', ValuesToAdd: [STG] })));
    expect(e.name).toBe('InvalidParameterValue');
    expect(e.message).toContain('permanent or persistent options (TDE)');
    const missing = await failure(prod.rds.send(new DescribeOptionGroupsCommand({ OptionGroupName: 'nope' })));
    expect(missing.name).toBe('OptionGroupNotFoundFault');
    const byEngine = await prod.rds.send(new DescribeOptionGroupsCommand({ EngineName: 'postgres' }));
    expect(byEngine.OptionGroupsList?.map(g => [g.OptionGroupName, g.Options])).toEqual([['default:postgres-16', []]]);
  });

  it('IAM: a role without the DB snapshot actions is refused with AccessDenied naming rds:CopyDBSnapshot', async () => {
    emu = await start(scenario('seed.yaml', { accounts: [{ id: PROD, instances: [{ id: 'pg', engine: 'postgres' }], snapshots: [{ instance: 'pg', type: 'manual', id: 'pg-1' }] }] }));
    const { prod } = await sides(emu);
    const e = await failure(prod.rds.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: 'pg-1', TargetDBSnapshotIdentifier: 'pg-2' })));
    expect(e.name).toBe('AccessDenied');
    expect(e.message).toContain('rds:CopyDBSnapshot');
  });
});
