/**
 * postgresUrl mode against a real PostgreSQL server. Runs only when
 * TEST_POSTGRES_SUPERUSER_URL names a superuser on a server that checks passwords, e.g.
 *   TEST_POSTGRES_SUPERUSER_URL=postgres://postgres:superpw@127.0.0.1:55871/postgres npm test -- __tests__/emulator-postgres
 */
import { describe, expect, test } from '@jest/globals';
import pg from 'pg';
import { createDatabaseFactory } from '../../emulator/postgres';
import { safeIdentifier } from '../../emulator/postgres/names';
import { sqlFromPgDump } from '../../emulator/postgres/server';
import { factoryContract, refusal } from './contract';

const url = process.env.TEST_POSTGRES_SUPERUSER_URL;

describe('postgresUrl mode: names and dump text', () => {
  test.each([
    ['staging-db', 'emu_staging_db'],
    ['Prod--Cluster-1', 'emu_prod_cluster_1'],
    ['x'.repeat(80), 'emu_' + 'x'.repeat(59)]
  ])('cluster %s -> role and database %s', (name, expected) => {
    expect(safeIdentifier(name)).toBe(expected);
  });
  test('psql meta-commands are dropped from pg_dump output', () => {
    expect(sqlFromPgDump('\\restrict abc\nCREATE TABLE t (i int);\n\\unrestrict abc\n')).toBe('CREATE TABLE t (i int);\n');
  });
});

if (!url && process.env.CI === 'true') {
  describe('postgresUrl mode (real server)', () => {
    test('needs TEST_POSTGRES_SUPERUSER_URL in CI (scripts/test-databases.sh writes it)', () => {
      throw new Error('TEST_POSTGRES_SUPERUSER_URL is not set: run scripts/test-databases.sh start and source its env file');
    });
  });
} else if (!url) {
  describe('postgresUrl mode (real server) [needs a PostgreSQL superuser (TEST_POSTGRES_SUPERUSER_URL)]', () => {
    test.skip('the factory contract on a real server', () => undefined);
  });
} else {
  describe('postgresUrl mode (real server)', () => {
    factoryContract(() => createDatabaseFactory({ postgresUrl: url }), 'realpg');

    test('close drops the database and the role', async () => {
      const f = createDatabaseFactory({ postgresUrl: url });
      const s = await f.create({ name: 'drop-me', masterUsername: 'admin', masterPassword: 'pw-1', databaseName: 'appdb' }) as
        Awaited<ReturnType<typeof f.create>> & { username: string; database: string };
      await s.close();
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        const left = await admin.query("SELECT (SELECT count(*) FROM pg_database WHERE datname = 'emu_drop_me')::int AS dbs, (SELECT count(*) FROM pg_roles WHERE rolname = 'emu_drop_me')::int AS roles");
        expect(left.rows[0]).toEqual({ dbs: 0, roles: 0 });
      } finally { await admin.end(); }
      const c = new pg.Client({ host: s.host, port: s.port, user: s.username, database: s.database, password: 'pw-1' });
      expect(await refusal(c.connect())).toMatch(/28P01|3D000/);
      await f.close();
    });
  });
}
