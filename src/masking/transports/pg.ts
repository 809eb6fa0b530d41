/** Direct PostgreSQL connection (node-postgres) over TLS. */
import pg from 'pg';
import type { Executor, QueryResult } from './executor';

export interface PgConnection {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  tls: 'require' | 'verify-full' | 'disable';
}

/** require: encrypted, server certificate not checked; verify-full: checked against Node's CAs plus NODE_EXTRA_CA_CERTS (the RDS CA bundle). */
export function pgSsl(tls: PgConnection['tls']): false | { rejectUnauthorized: boolean } {
  if (tls === 'disable') return false;
  return { rejectUnauthorized: tls === 'verify-full' };
}

function wrap(client: pg.Client, inTx: boolean): Executor {
  const self: Executor = {
    async query(sql: string, params: unknown[] = []): Promise<QueryResult> {
      const r = await client.query({ text: sql, values: params });
      return { rows: (r.rows ?? []) as QueryResult['rows'], affected: r.command === 'SELECT' ? 0 : (r.rowCount ?? 0) };
    },
    async transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T> {
      if (inTx) throw new Error('nested transactions are not supported');
      await client.query('BEGIN');
      try {
        const value = await fn(wrap(client, true));
        await client.query('COMMIT');
        return value;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
    },
    async close(): Promise<void> {
      await client.end();
    }
  };
  return self;
}

export async function connectPostgres(c: PgConnection): Promise<Executor> {
  const client = new pg.Client({
    host: c.host,
    port: c.port,
    user: c.user,
    password: c.password,
    database: c.database,
    ssl: pgSsl(c.tls),
    connectionTimeoutMillis: 30_000,
    application_name: 'rds-cross-account-sync masking'
  });
  // An idle-connection error must not crash the process: the next query reports it.
  client.on('error', () => undefined);
  await client.connect();
  return wrap(client, false);
}
