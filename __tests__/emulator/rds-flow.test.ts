/** The seed story end to end with the real SDK clients: copy, share, restore, instances, swap, delete. */
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  CopyDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotAttributesCommand,
  DescribeDBClusterSnapshotsCommand,
  ModifyDBClusterCommand,
  ModifyDBClusterSnapshotAttributeCommand,
  RestoreDBClusterFromSnapshotCommand,
  type RDSClient
} from '@aws-sdk/client-rds';
import type { RunningEmulator } from '../../emulator/index';
import { failure, PROD, scenario, sides, start, STG } from './harness';

let emu: RunningEmulator;
afterEach(async () => {
  await emu?.close();
});

const stagingKeyArn = `arn:aws:kms:ap-northeast-1:${STG}:key/5e7f9a1b-2222-4c6d-8e0f-000000000002`;
const shareKeyArn = `arn:aws:kms:ap-northeast-1:${PROD}:key/0d2c6a8e-1111-4a5b-9c3d-000000000001`;

async function latestAutomated(rds: RDSClient): Promise<string> {
  const out = await rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: 'app-production', SnapshotType: 'automated' }));
  const ids = out.DBClusterSnapshots!.map(s => s.DBClusterSnapshotIdentifier!);
  expect(ids.every(id => /^rds:app-production-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}$/.test(id))).toBe(true);
  return ids[ids.length - 1]!;
}

async function copyAndShare(emuNow: RunningEmulator, prod: RDSClient): Promise<string> {
  const source = await latestAutomated(prod);
  await prod.send(new CopyDBClusterSnapshotCommand({ SourceDBClusterSnapshotIdentifier: source, TargetDBClusterSnapshotIdentifier: 'sync-copy', KmsKeyId: 'alias/rds-share' }));
  emuNow.advance(50 * 24 + 1);
  const shared = await prod.send(new ModifyDBClusterSnapshotAttributeCommand({ DBClusterSnapshotIdentifier: 'sync-copy', AttributeName: 'restore', ValuesToAdd: [STG] }));
  expect(shared.DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes?.[0]?.AttributeValues).toEqual([STG]);
  return `arn:aws:rds:ap-northeast-1:${PROD}:cluster-snapshot:sync-copy`;
}

describe('seed story', () => {
  it('copies an automated aws/rds snapshot under the CMK with PercentProgress rising over time', async () => {
    emu = await start();
    const prod = (await sides(emu)).prod.rds;
    const source = await latestAutomated(prod);
    const copy = await prod.send(new CopyDBClusterSnapshotCommand({ SourceDBClusterSnapshotIdentifier: source, TargetDBClusterSnapshotIdentifier: 'sync-copy', KmsKeyId: 'alias/rds-share' }));
    expect(copy.DBClusterSnapshot).toMatchObject({ Status: 'copying', KmsKeyId: shareKeyArn, StorageEncrypted: true, SnapshotType: 'manual' });
    expect(copy.DBClusterSnapshot?.SourceDBClusterSnapshotArn).toBe(`arn:aws:rds:ap-northeast-1:${PROD}:cluster-snapshot:${source}`);
    const progress: number[] = [];
    for (let i = 0; i < 3; i++) {
      emu.advance(300); // 50 GB * 24 s/GB = 1200 simulated seconds in all
      const d = await prod.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: 'sync-copy' }));
      expect(d.DBClusterSnapshots?.[0]?.Status).toBe('copying');
      progress.push(d.DBClusterSnapshots![0]!.PercentProgress!);
    }
    expect(progress[0]).toBeGreaterThan(0);
    expect(progress[1]).toBeGreaterThan(progress[0]!);
    expect(progress[2]).toBeGreaterThan(progress[1]!);
    emu.advance(301);
    const done = await prod.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: 'sync-copy' }));
    expect(done.DBClusterSnapshots?.[0]).toMatchObject({ Status: 'available', PercentProgress: 100 });
  });

  it('refuses to share a snapshot still copying, an automated one, and one under aws/rds', async () => {
    emu = await start();
    const prod = (await sides(emu)).prod.rds;
    const automated = await latestAutomated(prod);
    const share = (id: string) => prod.send(new ModifyDBClusterSnapshotAttributeCommand({ DBClusterSnapshotIdentifier: id, AttributeName: 'restore', ValuesToAdd: [STG] }));
    expect((await failure(share(automated))).name).toBe('InvalidDBClusterSnapshotStateFault');
    await prod.send(new CopyDBClusterSnapshotCommand({ SourceDBClusterSnapshotIdentifier: automated, TargetDBClusterSnapshotIdentifier: 'same-key-copy' }));
    expect((await failure(share('same-key-copy'))).name).toBe('InvalidDBClusterSnapshotStateFault');
    emu.advance(1201);
    const e = await failure(share('same-key-copy'));
    expect(e.name).toBe('InvalidParameterValue');
    expect(e.message).toContain('aws/rds');
  });

  it('restores in staging from the shared ARN under the staging key, then adds an instance, renames and deletes', async () => {
    emu = await start();
    const {
      prod: { rds: prod },
      stg
    } = await sides(emu);
    const arn = await copyAndShare(emu, prod);
    const visible = await stg.rds.send(new DescribeDBClusterSnapshotsCommand({ SnapshotType: 'shared' }));
    expect(visible.DBClusterSnapshots?.map(s => s.DBClusterSnapshotArn)).toEqual([arn]);
    const restored = await stg.rds.send(
      new RestoreDBClusterFromSnapshotCommand({
        DBClusterIdentifier: 'app-staging-next',
        SnapshotIdentifier: arn,
        Engine: 'aurora-postgresql',
        KmsKeyId: 'alias/rds-staging',
        VpcSecurityGroupIds: ['sg-0stg00000000000b'],
        DBSubnetGroupName: 'staging-db',
        Tags: [{ Key: 'managed-by', Value: 'rds-cross-account-sync' }]
      })
    );
    expect(restored.DBCluster).toMatchObject({ Status: 'creating', KmsKeyId: stagingKeyArn, DBClusterMembers: [], MasterUsername: 'app_admin' });
    expect(restored.DBCluster?.VpcSecurityGroups).toEqual([{ VpcSecurityGroupId: 'sg-0stg00000000000b', Status: 'active' }]);
    // RDS API reference, RestoreDBClusterFromSnapshot: instances only once the restore completed and the cluster is available.
    const createInstance = () =>
      stg.rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: 'app-staging-next-1', DBClusterIdentifier: 'app-staging-next', Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large' }));
    expect((await failure(createInstance())).name).toBe('InvalidDBClusterStateFault');
    emu.advance(50 * 12 + 1);
    // The order the action uses: the instance first (the cluster is available), then the master password reset while it is created.
    await createInstance();
    await stg.rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'app-staging-next', MasterUserPassword: 'a-new-password-1', ApplyImmediately: true }));
    const resetting = await stg.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'app-staging-next' }));
    expect(resetting.DBClusters?.[0]?.Status).toBe('resetting-master-credentials');
    const second = stg.rds.send(
      new CreateDBInstanceCommand({ DBInstanceIdentifier: 'app-staging-next-2', DBClusterIdentifier: 'app-staging-next', Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large' })
    );
    expect((await failure(second)).name).toBe('InvalidDBClusterStateFault');
    emu.advance(480 + 1);
    const cluster = await stg.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'app-staging-next' }));
    expect(cluster.DBClusters?.[0]).toMatchObject({ Status: 'available', DBClusterMembers: [{ DBInstanceIdentifier: 'app-staging-next-1', IsClusterWriter: true }] });
    expect(cluster.DBClusters?.[0]?.TagList).toEqual([{ Key: 'managed-by', Value: 'rds-cross-account-sync' }]);

    // Swap: the old cluster moves aside, the new one takes the name.
    await stg.rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'app-staging', NewDBClusterIdentifier: 'app-staging-old', ApplyImmediately: true }));
    const taken = await failure(stg.rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'app-staging-next', NewDBClusterIdentifier: 'app-staging-old', ApplyImmediately: true })));
    expect(taken.name).toBe('DBClusterAlreadyExistsFault');
    await stg.rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'app-staging-next', NewDBClusterIdentifier: 'app-staging', ApplyImmediately: true }));
    const renaming = await stg.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'app-staging' }));
    expect(renaming.DBClusters?.[0]).toMatchObject({ Status: 'renaming', KmsKeyId: stagingKeyArn });
    expect(renaming.DBClusters?.[0]?.Endpoint).toMatch(/^app-staging\.cluster-/);
    emu.advance(121);

    // Delete rules on the old one: protection, instances, final snapshot.
    const del = (extra: object) => stg.rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'app-staging-old', ...extra }));
    expect((await failure(del({ SkipFinalSnapshot: true }))).name).toBe('InvalidParameterCombination');
    await stg.rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'app-staging-old', DeletionProtection: false, ApplyImmediately: true }));
    expect((await failure(del({ SkipFinalSnapshot: true }))).name).toBe('InvalidDBClusterStateFault');
    await stg.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'app-staging-1' }));
    expect(await failure(del({}))).toHaveProperty('name', 'InvalidParameterCombination');
    const deleting = await del({ FinalDBSnapshotIdentifier: 'app-staging-old-final' });
    expect(deleting.DBCluster?.Status).toBe('deleting');
    emu.advance(45 * 6 + 300 + 1);
    expect((await failure(stg.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'app-staging-old' })))).name).toBe('DBClusterNotFoundFault');
    const final = await stg.rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: 'app-staging-old-final' }));
    expect(final.DBClusterSnapshots?.[0]).toMatchObject({ Status: 'available', SnapshotType: 'manual', KmsKeyId: stagingKeyArn });
  });

  it('a CMK whose key policy lacks the staging principal fails the restore with KMSKeyNotAccessibleFault', async () => {
    emu = await start(scenario('seed-missing-target.yaml', { timings: { timeScale: 1 } }));
    const {
      prod: { rds: prod },
      stg
    } = await sides(emu);
    const arn = await copyAndShare(emu, prod);
    const e = await failure(
      stg.rds.send(new RestoreDBClusterFromSnapshotCommand({ DBClusterIdentifier: 'app-staging-next', SnapshotIdentifier: arn, Engine: 'aurora-postgresql', KmsKeyId: 'alias/rds-staging' }))
    );
    expect(e.name).toBe('KMSKeyNotAccessibleFault');
    expect(e.message).toBe(`The specified KMS key [${shareKeyArn}] does not exist, is not enabled or you do not have permissions to access it.`);
  });

  it('a snapshot under aws/rds that was shared anyway cannot be restored across accounts', async () => {
    emu = await start(
      scenario('seed.yaml', {
        accounts: [{ id: PROD, snapshots: [{ id: 'legacy-shared', cluster: 'app-production', type: 'manual', sharedWith: [STG] }] }]
      })
    );
    const { stg } = await sides(emu);
    const arn = `arn:aws:rds:ap-northeast-1:${PROD}:cluster-snapshot:legacy-shared`;
    const e = await failure(stg.rds.send(new RestoreDBClusterFromSnapshotCommand({ DBClusterIdentifier: 'from-legacy', SnapshotIdentifier: arn, Engine: 'aurora-postgresql', KmsKeyId: 'alias/rds-staging' })));
    expect(e.name).toBe('KMSKeyNotAccessibleFault');
    expect(e.message).toContain(`arn:aws:kms:ap-northeast-1:${PROD}:key/`);
  });

  it('staging cannot see an unshared production snapshot, and sees attributes only of its own', async () => {
    emu = await start();
    const {
      prod: { rds: prod },
      stg
    } = await sides(emu);
    const e = await failure(stg.rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: `arn:aws:rds:ap-northeast-1:${PROD}:cluster-snapshot:sync-copy` })));
    expect(e.name).toBe('DBClusterSnapshotNotFoundFault');
    await copyAndShare(emu, prod);
    const attrs = await prod.send(new DescribeDBClusterSnapshotAttributesCommand({ DBClusterSnapshotIdentifier: 'sync-copy' }));
    expect(attrs.DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes).toEqual([{ AttributeName: 'restore', AttributeValues: [STG] }]);
  });

  it('staging copies a shared snapshot by ARN only with its own KmsKeyId', async () => {
    emu = await start();
    const {
      prod: { rds: prod },
      stg
    } = await sides(emu);
    const arn = await copyAndShare(emu, prod);
    const noKey = await failure(stg.rds.send(new CopyDBClusterSnapshotCommand({ SourceDBClusterSnapshotIdentifier: arn, TargetDBClusterSnapshotIdentifier: 'local-copy' })));
    expect(noKey.name).toBe('InvalidParameterValue');
    const copy = await stg.rds.send(new CopyDBClusterSnapshotCommand({ SourceDBClusterSnapshotIdentifier: arn, TargetDBClusterSnapshotIdentifier: 'local-copy', KmsKeyId: 'alias/rds-staging' }));
    expect(copy.DBClusterSnapshot).toMatchObject({ KmsKeyId: stagingKeyArn, SourceDBClusterSnapshotArn: arn, Status: 'copying' });
    expect(copy.DBClusterSnapshot?.DBClusterSnapshotArn).toBe(`arn:aws:rds:ap-northeast-1:${STG}:cluster-snapshot:local-copy`);
  });

  it('a restore that fails midway ends in status failed', async () => {
    emu = await start(scenario('seed.yaml', { faults: [{ operation: 'RestoreDBClusterFromSnapshot', kind: 'fail-midway' }] }));
    const {
      prod: { rds: prod },
      stg
    } = await sides(emu);
    const arn = await copyAndShare(emu, prod);
    await stg.rds.send(new RestoreDBClusterFromSnapshotCommand({ DBClusterIdentifier: 'doomed', SnapshotIdentifier: arn, Engine: 'aurora-postgresql', KmsKeyId: 'alias/rds-staging' }));
    emu.advance(50 * 12);
    const out = await stg.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'doomed' }));
    expect(out.DBClusters?.[0]?.Status).toBe('failed');
  });
});
