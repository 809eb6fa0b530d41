/**
 * postgresUrl mode against a real PostgreSQL server. Runs only when
 * TEST_POSTGRES_SUPERUSER_URL names a superuser on a server that checks passwords, e.g.
 *   TEST_POSTGRES_SUPERUSER_URL=postgres://postgres:superpw@127.0.0.1:55871/postgres npm test -- __tests__/emulator-postgres
 */
import { describe, expect, test } from '@jest/globals';
import pg from 'pg';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabaseFactory, imageFromSql } from '../../emulator/postgres';
import { runMasking } from '../../src/masking';
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
      const s = (await f.create({ name: 'drop-me', masterUsername: 'admin', masterPassword: 'pw-1', databaseName: 'appdb' })) as Awaited<ReturnType<typeof f.create>> & { username: string; database: string };
      await s.close();
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        const left = await admin.query("SELECT (SELECT count(*) FROM pg_database WHERE datname = 'emu_drop_me')::int AS dbs, (SELECT count(*) FROM pg_roles WHERE rolname = 'emu_drop_me')::int AS roles");
        expect(left.rows[0]).toEqual({ dbs: 0, roles: 0 });
      } finally {
        await admin.end();
      }
      const c = new pg.Client({ host: s.host, port: s.port, user: s.username, database: s.database, password: 'pw-1' });
      expect(await refusal(c.connect())).toMatch(/28P01|3D000|ECONNREFUSED/);
      await f.close();
    });
  });
}

if (url) {
  describe('postgresUrl mode: clients log in as the master user to the cluster database, as on RDS', () => {
    test('masking runs end to end through the endpoint with the master user and database names', async () => {
      const f = createDatabaseFactory({ postgresUrl: url });
      const s = (await f.create({
        name: 'masking-e2e',
        masterUsername: 'app_admin',
        masterPassword: 'Master-pw-1',
        databaseName: 'appdb',
        image: imageFromSql(
          "CREATE TABLE logins (id int PRIMARY KEY, ip_address inet, email text, note text);\nINSERT INTO logins VALUES (1, '203.0.113.9', 'a@example.jp', 'x'), (2, '2001:db8::7', 'b@example.jp', 'y');"
        )
      })) as Awaited<ReturnType<typeof f.create>> & { username: string; database: string; serverName: string };
      try {
        expect([s.username, s.database, s.serverName]).toEqual(['app_admin', 'appdb', 'emu_masking_e2e']);
        expect(await refusal(new pg.Client({ host: s.host, port: s.port, user: 'app_admin', database: 'appdb', password: 'wrong' }).connect())).toBe('28P01');
        const dir = mkdtempSync(join(tmpdir(), 'emu-masking-'));
        writeFileSync(join(dir, 'rules.yml'), "tables:\n  logins:\n    ip_address: 'null'\n    email: email\n    note: keep\n");
        const result = await runMasking({
          rulesFile: join(dir, 'rules.yml'),
          salt: 'emu-salt',
          strict: true,
          target: { via: 'direct', engine: 'postgres', host: s.host, port: s.port, user: 'app_admin', password: 'Master-pw-1', database: 'appdb', tls: 'disable' },
          log: () => undefined
        });
        expect(result.rows).toBe(2);
        const c = new pg.Client({ host: s.host, port: s.port, user: 'app_admin', database: 'appdb', password: 'Master-pw-1' });
        await c.connect();
        try {
          const rows = (await c.query('SELECT ip_address, email, current_user AS role FROM logins ORDER BY id')).rows;
          expect(rows.map(r => r.ip_address)).toEqual([null, null]);
          expect(rows.every(r => /^u[0-9a-f]{32}@example\.invalid$/.test(r.email))).toBe(true);
          expect(rows[0].role).toBe('emu_masking_e2e');
        } finally {
          await c.end();
        }
      } finally {
        await s.close();
        await f.close();
      }
    }, 60_000);
  });
}
