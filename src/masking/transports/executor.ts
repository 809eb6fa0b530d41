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
