/** Databases behind endpoints, with a recording fake of emulator/postgres.ts's factory. */
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  CopyDBClusterSnapshotCommand,
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotsCommand,
  ModifyDBClusterCommand,
  ModifyDBClusterSnapshotAttributeCommand,
  RestoreDBClusterFromSnapshotCommand
} from '@aws-sdk/client-rds';
import type { DatabaseFactory, DatabaseServer, DataImage } from '../../emulator/databases';
import { startEmulator, type RunningEmulator } from '../../emulator/index';
import { PROD, scenario, sides, STG } from './harness';

interface Created {
  name: string;
  image?: DataImage;
  masterUsername: string;
  passwords: string[];
}

function fakeFactory(): { factory: DatabaseFactory; created: Created[] } {
  const created: Created[] = [];
  let port = 15432;
  const factory: DatabaseFactory = {
    async create(opts) {
      const record: Created = { name: opts.name, image: opts.image, masterUsername: opts.masterUsername, passwords: [opts.masterPassword] };
      created.push(record);
      const server: DatabaseServer = {
        host: '127.0.0.1',
        port: port++,
        setMasterPassword: async p => {
          record.passwords.push(p);
        },
        dump: async () => ({ kind: 'sql', sql: `-- dump of ${opts.name}` }),
        close: async () => undefined
      };
      return server;
    },
    close: async () => undefined
  };
  return { factory, created };
}

let emu: RunningEmulator;
afterEach(async () => {
  await emu?.close();
});

describe('databases', () => {
  it('a restore starts a database from the snapshot image (the seed SQL), with production credentials until reset', async () => {
    const { factory, created } = fakeFactory();
    emu = await startEmulator({ scenario: scenario(), databases: factory });
    const {
      prod: { rds: prod },
      stg
    } = await sides(emu);
    const automated = (await prod.send(new DescribeDBClusterSnapshotsCommand({ SnapshotType: 'automated' }))).DBClusterSnapshots!;
    await prod.send(new CopyDBClusterSnapshotCommand({ SourceDBClusterSnapshotIdentifier: automated[0]!.DBClusterSnapshotIdentifier!, TargetDBClusterSnapshotIdentifier: 'c', KmsKeyId: 'alias/rds-share' }));
    emu.advance(1201);
    await prod.send(new ModifyDBClusterSnapshotAttributeCommand({ DBClusterSnapshotIdentifier: 'c', AttributeName: 'restore', ValuesToAdd: [STG] }));
    expect(created).toHaveLength(0); // nothing started for production: its snapshots carry the seed
    await stg.rds.send(
      new RestoreDBClusterFromSnapshotCommand({
        DBClusterIdentifier: 'restored',
        SnapshotIdentifier: `arn:aws:rds:ap-northeast-1:${PROD}:cluster-snapshot:c`,
        Engine: 'aurora-postgresql',
        KmsKeyId: 'alias/rds-staging'
      })
    );
    await new Promise(r => setTimeout(r, 20));
    emu.advance(50 * 12 + 1);
    expect(created).toHaveLength(1);
    expect(created[0]!.image?.kind).toBe('sql');
    expect((created[0]!.image as { sql: string }).sql).toContain('CREATE TABLE users');
    expect(created[0]!.passwords).toEqual(['production-secret-password']);
    const cluster = (await stg.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'restored' }))).DBClusters![0]!;
    expect(cluster).toMatchObject({ Status: 'available', Endpoint: '127.0.0.1', Port: 15432 });
    await stg.rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'restored', MasterUserPassword: 'new-staging-password', ApplyImmediately: true }));
    await new Promise(r => setTimeout(r, 20));
    expect(created[0]!.passwords).toEqual(['production-secret-password', 'new-staging-password']);
  });
});
