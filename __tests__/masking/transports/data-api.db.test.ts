/**
 * runMasking over the Data API transport end to end: the RDS Data API is
 * played by a fake that runs each ExecuteStatement on a real PostgreSQL
 * session (one session per Data API transaction), so the named parameters,
 * their types, the transactions and the JSON records meet a real database
 * (TEST_POSTGRES_URL, or an embedded PGlite when it is not set).
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import pg from 'pg';
import { mockClient } from 'aws-sdk-client-mock';
import { BeginTransactionCommand, CommitTransactionCommand, ExecuteStatementCommand, RDSDataClient, RollbackTransactionCommand, type SqlParameter } from '@aws-sdk/client-rds-data';
import { runMasking } from '../../../src/masking';
import { FIXTURES, databaseSource, fixtureDatabase, needs, type TestDb } from '../../fixtures/masking/databases';

const source = databaseSource('postgres');
const maybe = source ? it : it.skip;
const data = mockClient(RDSDataClient);
let db: TestDb | undefined;
afterEach(async () => {
  data.reset();
  await db?.drop();
  db = undefined;
});

function fieldValue(p: SqlParameter): unknown {
  const v = p.value!;
  if (v.isNull) return null;
  return v.stringValue ?? v.longValue ?? v.doubleValue ?? v.booleanValue ?? v.blobValue;
}

describe(`masking over the Data API (postgres)${needs('postgres', source)}`, () => {
  maybe('masks the fixture through ExecuteStatement in Data API transactions', async () => {
    db = await fixtureDatabase('postgres', source!);
    const sessions = new Map<string, pg.Client>();
    const connect = async () => {
      const c = new pg.Client({ ...db!.target, ssl: false });
      await c.connect();
      return c;
    };
    const autocommit = await connect();
    let n = 0;
    data.on(BeginTransactionCommand).callsFake(async input => {
      expect(input.database).toBe(db!.database);
      const c = await connect();
      await c.query('BEGIN');
      const id = `tx-${++n}`;
      sessions.set(id, c);
      return { transactionId: id };
    });
    const finish = (sql: string) => async (input: { transactionId?: string }) => {
      const c = sessions.get(input.transactionId!)!;
      await c.query(sql);
      await c.end();
      sessions.delete(input.transactionId!);
      return {};
    };
    data.on(CommitTransactionCommand).callsFake(finish('COMMIT'));
    data.on(RollbackTransactionCommand).callsFake(finish('ROLLBACK'));
    data.on(ExecuteStatementCommand).callsFake(async input => {
      const params = (input.parameters ?? []) as SqlParameter[];
      const sql = (input.sql as string).replace(/:p(\d+)/g, '$$$1');
      const values: unknown[] = [];
      for (const p of params) values[Number(p.name!.slice(1)) - 1] = fieldValue(p);
      const c = input.transactionId ? sessions.get(input.transactionId)! : autocommit;
      const r = await c.query(sql, values);
      return { formattedRecords: r.command === 'SELECT' || r.command === 'EXPLAIN' ? JSON.stringify(r.rows) : undefined, numberOfRecordsUpdated: r.command === 'UPDATE' ? (r.rowCount ?? 0) : 0 };
    });

    const result = await runMasking({
      rulesFile: join(FIXTURES, 'rules.yml'),
      salt: 'data-api-salt',
      strict: true,
      target: {
        via: 'data-api',
        engine: 'postgres',
        resourceArn: 'arn:aws:rds:ap-northeast-1:222222222222:cluster:tmp',
        secretArn: 'arn:aws:secretsmanager:ap-northeast-1:222222222222:secret:x',
        database: db.database,
        region: 'ap-northeast-1',
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }
      },
      log: () => undefined
    });
    await autocommit.end();
    expect(result.rows).toBe(16);
    expect(sessions.size).toBe(0);
    const emails = await db.query('SELECT email FROM customers ORDER BY id');
    expect(emails.every(r => /^u[0-9a-f]{32}@example\.invalid$/.test(String(r.email)))).toBe(true);
    // The key travelled as a bound string parameter, never inside the SQL text.
    const calls = data.commandCalls(ExecuteStatementCommand).map(c => c.args[0].input);
    const withParams = calls.filter(c => c.parameters?.length);
    expect(withParams.length).toBeGreaterThan(0);
    expect(withParams.every(c => c.parameters!.every(p => typeof p.value?.stringValue === 'string' && p.value.stringValue.length === 64))).toBe(true);
    const key = withParams[0]!.parameters![0]!.value!.stringValue!;
    expect(calls.some(c => c.sql!.includes(key) || c.sql!.includes('data-api-salt'))).toBe(false);
  });
});
