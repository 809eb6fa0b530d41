/**
 * The one thing the masking engine needs from a connection: run a statement
 * with bound parameters (the dialect's own placeholders: $1 for PostgreSQL,
 * ? for MySQL) and run a function inside a transaction on one session.
 */
export type Row = Record<string, unknown>;

export interface QueryResult {
  rows: Row[];
  /** Rows changed by an UPDATE/DELETE (0 for a SELECT). */
  affected: number;
}

export interface Executor {
  query(sql: string, params?: unknown[]): Promise<QueryResult>;
  /** Run fn inside BEGIN … COMMIT on one session; ROLLBACK and rethrow when fn throws. */
  transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Host, user and TLS of a direct connection (the same for PostgreSQL and MySQL). */
export interface DirectConnection {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  tls: 'require' | 'verify-full' | 'disable';
}

/** Executors of a transaction run statements on its session; another transaction inside one is refused. */
export function refuseNested(inTransaction: boolean): void {
  if (inTransaction) throw new Error('nested transactions are not supported');
}

/**
 * The end of a begun transaction: commit when `body` succeeds; when it (or the
 * commit) throws, roll back (a failed rollback is ignored) and rethrow.
 */
export async function settle<T>(body: () => Promise<T>, commit: () => Promise<unknown>, rollback: () => Promise<unknown>): Promise<T> {
  try {
    const value = await body();
    await commit();
    return value;
  } catch (e) {
    await rollback().catch(() => undefined);
    throw e;
  }
}

/** A transaction in SQL on one session: `begin` (BEGIN / START TRANSACTION), then COMMIT or ROLLBACK. */
export async function sqlTransaction<T>(run: (sql: string) => Promise<unknown>, begin: string, body: () => Promise<T>): Promise<T> {
  await run(begin);
  return settle(
    body,
    () => run('COMMIT'),
    () => run('ROLLBACK')
  );
}
