/** Direct MySQL / MariaDB connection (mysql2) over TLS. */
import mysql from 'mysql2/promise';
import { refuseNested, sqlTransaction, type DirectConnection, type Executor, type QueryResult, type Row } from './executor';

export type MysqlConnection = DirectConnection;

function wrap(conn: mysql.Connection, inTx: boolean): Executor {
  return {
    async query(sql: string, params: unknown[] = []): Promise<QueryResult> {
      // Parameterized statements go through the binary protocol: the values never become SQL text.
      const [result] = params.length ? await conn.execute(sql, params as never[]) : await conn.query(sql);
      if (Array.isArray(result)) return { rows: result as Row[], affected: 0 };
      return { rows: [], affected: (result as mysql.ResultSetHeader).affectedRows ?? 0 };
    },
    async transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T> {
      refuseNested(inTx);
      return sqlTransaction(
        sql => conn.query(sql),
        'START TRANSACTION',
        () => fn(wrap(conn, true))
      );
    },
    async close(): Promise<void> {
      await conn.end();
    }
  };
}

export async function connectMysql(c: MysqlConnection): Promise<Executor> {
  const conn = await mysql.createConnection({
    host: c.host,
    port: c.port,
    user: c.user,
    password: c.password,
    database: c.database,
    charset: 'utf8mb4',
    connectTimeout: 30_000,
    dateStrings: true,
    supportBigNumbers: true,
    ssl: c.tls === 'disable' ? undefined : { rejectUnauthorized: c.tls === 'verify-full' }
  });
  conn.on('error', () => undefined);
  return wrap(conn, false);
}
