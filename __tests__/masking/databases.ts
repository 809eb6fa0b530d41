/**
 * Test databases for the masking tests: TEST_POSTGRES_URL / TEST_MYSQL_URL
 * from scripts/test-databases.sh. With CI=true a missing URL fails the test;
 * locally the suite is skipped with a message.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import pg from 'pg';
import mysql from 'mysql2/promise';
import type { MaskingTarget } from '../../src/masking';

export type EngineName = 'postgres' | 'mysql';
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'masking');

export function serverUrl(engine: EngineName): string | undefined {
  const url = engine === 'postgres' ? process.env.TEST_POSTGRES_URL : process.env.TEST_MYSQL_URL;
  const name = engine === 'postgres' ? 'TEST_POSTGRES_URL' : 'TEST_MYSQL_URL';
  if (!url) {
    if (process.env.CI === 'true') throw new Error(`${name} is not set: .ci/run must start the test databases (scripts/test-databases.sh) and export it.`);
    console.warn(`${name} is not set: skipping the ${engine} masking tests. Run: scripts/test-databases.sh && source /tmp/rcs-test-databases/env`);
  }
  return url;
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

/** A fresh database on the server, dropped by drop(). */
export async function freshDatabase(engine: EngineName, url: string): Promise<TestDb> {
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
export async function fixtureDatabase(engine: EngineName, url: string): Promise<TestDb> {
  const db = await freshDatabase(engine, url);
  await db.exec(fixture(engine === 'postgres' ? 'schema-postgres.sql' : 'schema-mysql.sql'));
  await db.exec(fixture('data.sql'));
  return db;
}

// Dates and timestamps as the text the database prints, not JS Dates.
pg.types.setTypeParser(1082, v => v);
pg.types.setTypeParser(1114, v => v);
