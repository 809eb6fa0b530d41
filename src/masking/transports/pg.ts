/** Direct PostgreSQL connection (node-postgres) over TLS. */
import pg from 'pg';
import { refuseNested, sqlTransaction, type DirectConnection, type Executor, type QueryResult } from './executor';

export type PgConnection = DirectConnection;

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
      refuseNested(inTx);
      return sqlTransaction(
        sql => client.query(sql),
        'BEGIN',
        () => fn(wrap(client, true))
      );
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
