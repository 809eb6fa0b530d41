/** Databases behind standalone DB instance endpoints: PostgreSQL via the database factory, MySQL via emulator/mysql.ts. */
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  CopyDBSnapshotCommand,
  CreateDBSnapshotCommand,
  DescribeDBInstancesCommand,
  ModifyDBInstanceCommand,
  ModifyDBSnapshotAttributeCommand,
  RestoreDBInstanceFromDBSnapshotCommand
} from '@aws-sdk/client-rds';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import type { DatabaseFactory, DataImage } from '../../emulator/databases';
import { startEmulator, type RunningEmulator } from '../../emulator/index';
import { PROD, scenario, sides, STG } from './harness';

interface Created {
  name: string;
  image?: DataImage;
  passwords: string[];
}

function fakeFactory(label: string): { factory: DatabaseFactory; created: Created[] } {
  const created: Created[] = [];
  let port = 20000;
  return {
    created,
    factory: {
      async create(opts) {
        const record: Created = { name: opts.name, image: opts.image, passwords: [opts.masterPassword] };
        created.push(record);
        return {
          host: '127.0.0.1',
          port: port++,
          setMasterPassword: async p => {
            record.passwords.push(p);
          },
          dump: async () => ({ kind: 'sql', sql: `-- ${label} dump of ${opts.name}` }),
          close: async () => undefined
        };
      },
      close: async () => undefined
    }
  };
}

let emu: RunningEmulator;
afterEach(async () => {
  await emu?.close();
});

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise(r => setImmediate(r));
}

describe('databases behind DB instances', () => {
  it('postgres: a restore in staging starts from the seed carried by the snapshot copies, with production credentials until reset', async () => {
    const pg = fakeFactory('pg');
    const my = fakeFactory('mysql');
    emu = await startEmulator({ scenario: scenario('instance-postgres.yaml'), databases: pg.factory, mysqlDatabases: my.factory });
    const { prod, stg } = await sides(emu);
    const automated = [...emu.world.account(PROD)!.dbSnapshots.keys()][0]!;
    await prod.rds.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: automated, TargetDBSnapshotIdentifier: 'c', KmsKeyId: 'alias/rds-share' }));
    emu.advance(1201);
    await prod.rds.send(new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: 'c', AttributeName: 'restore', ValuesToAdd: [STG] }));
    await stg.rds.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: `arn:aws:rds:ap-northeast-1:${PROD}:snapshot:c`, TargetDBSnapshotIdentifier: 'c2', KmsKeyId: 'alias/rds-staging' }));
    emu.advance(1201);
    expect(pg.created).toHaveLength(0); // production never ran: snapshots carry the seed
    await stg.rds.send(new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: 'restored', DBSnapshotIdentifier: 'c2' }));
    await settle();
    expect(pg.created).toHaveLength(1);
    expect(my.created).toHaveLength(0);
    const db = pg.created[0]!;
    expect(db.name).toMatch(/^222222222222-restored-/);
    expect(db.image?.kind === 'sql' && db.image.sql).toContain('CREATE TABLE users');
    expect(db.passwords).toEqual(['production-secret-password']);
    emu.advance(601);
    const described = await stg.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'restored' }));
    expect(described.DBInstances?.[0]?.Endpoint).toMatchObject({ Address: '127.0.0.1', Port: 20000 });
    await stg.rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'restored', MasterUserPassword: 'staging-new' }));
    await settle();
    expect(db.passwords).toEqual(['production-secret-password', 'staging-new']);
    const state = emu.state().accounts.find(a => a['id'] === STG)! as { instances: Record<string, unknown>[] };
    expect(state.instances.find(i => i['id'] === 'restored')?.['database']).toMatchObject({ host: '127.0.0.1', port: 20000 });
  });

  it('mysql: instances use the MySQL factory, never the PostgreSQL one; a snapshot of a running instance carries its dump', async () => {
    const pg = fakeFactory('pg');
    const my = fakeFactory('mysql');
    emu = await startEmulator({ scenario: scenario('instance-mysql.yaml'), databases: pg.factory, mysqlDatabases: my.factory });
    const { prod, stg } = await sides(emu);
    await prod.rds.send(new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: 'app-production-mysql-weekly-2', AttributeName: 'restore', ValuesToAdd: [STG] }));
    await stg.rds.send(
      new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: `arn:aws:rds:ap-northeast-1:${PROD}:snapshot:app-production-mysql-weekly-2`, TargetDBSnapshotIdentifier: 'm', KmsKeyId: 'alias/rds-staging' })
    );
    emu.advance(40 * 24 + 1);
    await stg.rds.send(new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: 'app-staging-mysql-next', DBSnapshotIdentifier: 'm' }));
    await settle();
    expect(pg.created).toHaveLength(0);
    expect(my.created).toHaveLength(1);
    expect(my.created[0]!.image?.kind === 'sql' && my.created[0]!.image.sql).toContain('AUTO_INCREMENT');
    emu.advance(40 * 12 + 1);
    await stg.rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'app-staging-mysql-next', DBSnapshotIdentifier: 'after' }));
    await settle();
    emu.advance(40 * 6 + 1);
    const snaps = emu.state().accounts.find(a => a['id'] === STG)!['dbSnapshots'] as { id: string; status: string; hasData: boolean }[];
    expect(snaps.find(s => s.id === 'after')).toMatchObject({ status: 'available', hasData: true });
    expect(emu.world.account(STG)!.dbSnapshots.get('after')!.image).toEqual({ kind: 'sql', sql: expect.stringContaining('-- mysql dump of') });
  });
});

/** A MariaDB admin URL: TEST_MYSQL_ADMIN_URL, or one made on the scripts/test-databases.sh server through its root socket. */
function mysqlAdminUrl(): string | undefined {
  if (process.env.TEST_MYSQL_ADMIN_URL) return process.env.TEST_MYSQL_ADMIN_URL;
  const dir = process.env.TEST_DB_DIR ?? '/tmp/rcs-test-databases';
  if (!existsSync(`${dir}/maria.sock`) || !existsSync(`${dir}/maria.port`)) return undefined;
  const port = readFileSync(`${dir}/maria.port`, 'utf8').trim();
  try {
    execFileSync(
      'mariadb',
      ['--no-defaults', '-S', `${dir}/maria.sock`, '-u', 'root', '-e', "CREATE USER IF NOT EXISTS 'emu_admin'@'%' IDENTIFIED BY 'emu-admin-pw'; GRANT ALL ON *.* TO 'emu_admin'@'%' WITH GRANT OPTION;"],
      { stdio: 'pipe' }
    );
  } catch {
    return undefined;
  }
  return `mysql://emu_admin:emu-admin-pw@127.0.0.1:${port}/mysql`;
}

const adminUrl = mysqlAdminUrl();
const withMariadb = adminUrl ? describe : describe.skip;
// Skipped without a server: the jest summary line gathers the "[needs ...]" titles and says so once.
withMariadb(`MySQL instances on a real MariaDB (emulator/mysql.ts)${adminUrl ? '' : ' [needs MariaDB (scripts/test-databases.sh, or TEST_MYSQL_ADMIN_URL)]'}`, () => {
  it('seeds production, carries the data through snapshot, share, copy and restore, and the password reset takes effect', async () => {
    emu = await startEmulator({ scenario: scenario('instance-mysql.yaml', { timings: { timeScale: 0.0005 } }), databases: null, mysqlUrl: adminUrl });
    const { prod, stg } = await sides(emu);
    // Production starts its database for a fresh snapshot (so the snapshot is a real dump).
    const prodInstance = emu.world.account(PROD)!.dbInstances.get('app-production-mysql')!;
    const { startDatabase } = await import('../../emulator/rds/data');
    startDatabase(emu.world, prodInstance);
    await prodInstance.server;
    await prod.rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'app-production-mysql', DBSnapshotIdentifier: 'fresh' }));
    const wait = async (check: () => Promise<boolean>) => {
      for (let i = 0; i < 200 && !(await check()); i++) await new Promise(r => setTimeout(r, 50));
    };
    await wait(async () => emu.world.account(PROD)!.dbSnapshots.get('fresh')!.status === 'available' || (emu.world.tick(), false));
    await prod.rds.send(new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: 'fresh', AttributeName: 'restore', ValuesToAdd: [STG] }));
    await stg.rds.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: `arn:aws:rds:ap-northeast-1:${PROD}:snapshot:fresh`, TargetDBSnapshotIdentifier: 'fresh-copy', KmsKeyId: 'alias/rds-staging' }));
    await wait(async () => (emu.world.tick(), emu.world.account(STG)!.dbSnapshots.get('fresh-copy')!.status === 'available'));
    await stg.rds.send(new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: 'app-staging-mysql-next', DBSnapshotIdentifier: 'fresh-copy' }));
    const restored = emu.world.account(STG)!.dbInstances.get('app-staging-mysql-next')!;
    const server = (await restored.server!) as unknown as { host: string; port: number; username: string; database: string };
    const connect = (password: string) => mysql.createConnection({ host: server.host, port: server.port, user: server.username, password, database: server.database });
    const c = await connect('production-secret-password');
    const [rows] = await c.query<mysql.RowDataPacket[]>('SELECT email FROM users ORDER BY id');
    expect(rows.map(r => r['email'])).toContain('taro.yamada@example.com');
    expect(rows).toHaveLength(5);
    await c.end();
    await wait(async () => (emu.world.tick(), restored.status === 'available'));
    await stg.rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'app-staging-mysql-next', MasterUserPassword: 'staging-new-pw' }));
    await wait(async () =>
      connect('staging-new-pw').then(
        async x => (await x.end(), true),
        () => false
      )
    );
    // wait() gives up silently: the new password must work, not only the old one stop working.
    await (await connect('staging-new-pw')).end();
    await expect(connect('production-secret-password')).rejects.toThrow(/Access denied/);
    const described = await stg.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'app-staging-mysql-next' }));
    expect(described.DBInstances?.[0]?.Endpoint).toMatchObject({ Address: server.host, Port: server.port });
  }, 30000);
});
