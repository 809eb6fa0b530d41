/**
 * Databases for the masking tests.
 *
 * - PostgreSQL: the server named by TEST_POSTGRES_URL (scripts/test-databases.sh); without it, an
 *   embedded PGlite (WASM PostgreSQL) per database, served over the wire protocol behind the
 *   emulator's SCRAM-checking front (emulator/postgres/pglite.ts), so `npm test` runs the
 *   PostgreSQL masking tests with no set-up.
 * - MySQL/MariaDB: the server named by TEST_MYSQL_URL; without it those tests are skipped (the
 *   jest summary says so once, see tools/jest-summary-reporter.cjs).
 * With CI=true a missing URL fails the test: CI must test against real servers.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import mysql from 'mysql2/promise';
import type { MaskingTarget } from '../../src/masking';
import { createPgliteFactory } from '../../emulator/postgres/pglite';
import type { DatabaseFactory } from '../../emulator/postgres/types';

export type EngineName = 'postgres' | 'mysql';
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'masking');

/** Where the fresh test databases come from. */
export type DatabaseSource = { kind: 'server'; url: string } | { kind: 'pglite' };

export function serverUrl(engine: EngineName): string | undefined {
  const url = engine === 'postgres' ? process.env.TEST_POSTGRES_URL : process.env.TEST_MYSQL_URL;
  const name = engine === 'postgres' ? 'TEST_POSTGRES_URL' : 'TEST_MYSQL_URL';
  if (!url && process.env.CI === 'true') throw new Error(`${name} is not set: .ci/run must start the test databases (scripts/test-databases.sh) and export it.`);
  return url;
}

/** The server URL when set; else PGlite for PostgreSQL; else undefined (the tests skip). */
export function databaseSource(engine: EngineName): DatabaseSource | undefined {
  const url = serverUrl(engine);
  if (url) return { kind: 'server', url };
  return engine === 'postgres' ? { kind: 'pglite' } : undefined;
}

/** Title suffix of a describe block whose tests are skipped for want of a server; the jest summary gathers these. */
export function needs(engine: EngineName, source: DatabaseSource | undefined): string {
  if (source) return source.kind === 'pglite' ? ' (embedded PGlite; TEST_POSTGRES_URL not set)' : '';
  return engine === 'mysql' ? ' [needs MariaDB (TEST_MYSQL_URL)]' : ' [needs PostgreSQL (TEST_POSTGRES_URL)]';
}

export interface TestDb {
  engine: EngineName;
  database: string;
  target: Extract<MaskingTarget, { via: 'direct' }>;
  query(sql: string): Promise<Record<string, unknown>[]>;
  exec(sqlText: string): Promise<void>;
  drop(): Promise<void>;
}

let counter = 0;
let pglite: DatabaseFactory | undefined;

/** PostgreSQL on an embedded PGlite: one instance per database, a random master password checked by SCRAM. */
async function pgliteDatabase(): Promise<TestDb> {
  pglite ??= createPgliteFactory();
  const database = `masking_test`;
  const user = 'masking';
  const password = randomBytes(12).toString('hex');
  const server = await pglite.create({ name: `masking-${process.pid}-${counter++}`, masterUsername: user, masterPassword: password, databaseName: database });
  const target = { via: 'direct' as const, engine: 'postgres' as const, host: server.host, port: server.port, user, password, database, tls: 'disable' as const };
  const client = new pg.Client({ ...target, ssl: false });
  await client.connect();
  return {
    engine: 'postgres', database, target,
    query: async sql => (await client.query(sql)).rows,
    exec: async text => void (await client.query(text)),
    drop: async () => {
      await client.end();
      await server.close();
    }
  };
}

/** A fresh database on the server (or a fresh PGlite), dropped by drop(). */
export async function freshDatabase(engine: EngineName, source: DatabaseSource): Promise<TestDb> {
  if (source.kind === 'pglite') {
    if (engine !== 'postgres') throw new Error('PGlite is PostgreSQL only');
    return pgliteDatabase();
  }
  const url = source.url;
  const u = new URL(url);
  const database = `masking_t${process.pid}_${Date.now() % 100000}_${counter++}`;
  const target = {
    via: 'direct' as const,
    engine,
    host: u.hostname,
    port: Number(u.port),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database,
    tls: 'disable' as const
  };
  if (engine === 'postgres') {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    const client = new pg.Client({ ...target, ssl: false });
    await client.connect();
    return {
      engine, database, target,
      query: async sql => (await client.query(sql)).rows,
      exec: async text => void (await client.query(text)),
      drop: async () => {
        await client.end();
        const a = new pg.Client({ connectionString: url });
        await a.connect();
        await a.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
        await a.end();
      }
    };
  }
  const admin = await mysql.createConnection({ uri: url });
  await admin.query(`CREATE DATABASE ${database} CHARACTER SET utf8mb4`);
  await admin.end();
  // Only the login: mysql2 warns (console.error) about options it does not know, such as the target's via/engine/tls.
  const { host, port, user, password } = target;
  const conn = await mysql.createConnection({ host, port, user, password, database, charset: 'utf8mb4', dateStrings: true, multipleStatements: true });
  return {
    engine, database, target,
    query: async sql => (await conn.query(sql))[0] as Record<string, unknown>[],
    exec: async text => void (await conn.query(text)),
    drop: async () => {
      await conn.query(`DROP DATABASE IF EXISTS ${database}`);
      await conn.end();
    }
  };
}

export function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

/** A database with the fixture schema and data. */
export async function fixtureDatabase(engine: EngineName, source: DatabaseSource): Promise<TestDb> {
  const db = await freshDatabase(engine, source);
  await db.exec(fixture(engine === 'postgres' ? 'schema-postgres.sql' : 'schema-mysql.sql'));
  await db.exec(fixture('data.sql'));
  return db;
}

// Dates and timestamps as the text the database prints, not JS Dates.
pg.types.setTypeParser(1082, v => v);
pg.types.setTypeParser(1114, v => v);
