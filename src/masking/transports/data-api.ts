/**
 * The RDS Data API (for runners outside the VPC): statements over HTTPS with
 * the cluster's Secrets Manager secret. Every masking statement runs inside a
 * Data API transaction so that MySQL session variables and the rollback hold.
 * Limits: each call times out after 45 s (StatementTimeoutException): very
 * large tables need the direct connection.
 */
import { BeginTransactionCommand, CommitTransactionCommand, ExecuteStatementCommand, RDSDataClient, RollbackTransactionCommand, type Field, type SqlParameter } from '@aws-sdk/client-rds-data';
import { EnableHttpEndpointCommand, type RDSClient } from '@aws-sdk/client-rds';
import { refuseNested, settle, type Executor, type QueryResult, type Row } from './executor';

export interface DataApiTarget {
  engine: 'postgres' | 'mysql';
  resourceArn: string;
  secretArn: string;
  database: string;
}

/** Turn the dialect's positional placeholders ($1 / ?) into Data API named ones (:p1), outside quoted text. */
export function toNamedParameters(sql: string, engine: 'postgres' | 'mysql'): string {
  let out = '';
  let quote: string | undefined;
  let n = 0;
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i]!;
    if (quote) {
      out += ch;
      if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`') {
      quote = ch;
      out += ch;
      continue;
    }
    if (engine === 'postgres' && ch === '$' && /[0-9]/.test(sql[i + 1] ?? '')) {
      let j = i + 1;
      while (j < sql.length && /[0-9]/.test(sql[j]!)) j++;
      out += `:p${sql.slice(i + 1, j)}`;
      i = j - 1;
      continue;
    }
    if (engine === 'mysql' && ch === '?') {
      out += `:p${++n}`;
      continue;
    }
    out += ch;
  }
  return out;
}

export function toSqlParameter(name: string, v: unknown): SqlParameter {
  let value: Field;
  if (v === null || v === undefined) value = { isNull: true };
  else if (typeof v === 'string') value = { stringValue: v };
  else if (typeof v === 'boolean') value = { booleanValue: v };
  else if (typeof v === 'number') value = Number.isInteger(v) ? { longValue: v } : { doubleValue: v };
  else if (v instanceof Uint8Array) value = { blobValue: v };
  else throw new Error(`unsupported Data API parameter type: ${typeof v}`);
  return { name, value };
}

export function dataApiExecutor(client: RDSDataClient, target: DataApiTarget, transactionId?: string): Executor {
  const base = { resourceArn: target.resourceArn, secretArn: target.secretArn };
  return {
    async query(sql: string, params: unknown[] = []): Promise<QueryResult> {
      const r = await client.send(
        new ExecuteStatementCommand({
          ...base,
          database: target.database,
          sql: params.length ? toNamedParameters(sql, target.engine) : sql,
          parameters: params.length ? params.map((v, i) => toSqlParameter(`p${i + 1}`, v)) : undefined,
          transactionId,
          formatRecordsAs: 'JSON'
        })
      );
      const rows = r.formattedRecords ? (JSON.parse(r.formattedRecords) as Row[]) : [];
      return { rows, affected: Number(r.numberOfRecordsUpdated ?? 0) };
    },
    async transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T> {
      refuseNested(Boolean(transactionId));
      const begun = await client.send(new BeginTransactionCommand({ ...base, database: target.database }));
      const id = begun.transactionId;
      if (!id) throw new Error('Data API BeginTransaction returned no transactionId');
      return settle(
        () => fn(dataApiExecutor(client, target, id)),
        () => client.send(new CommitTransactionCommand({ ...base, transactionId: id })),
        () => client.send(new RollbackTransactionCommand({ ...base, transactionId: id }))
      );
    },
    async close(): Promise<void> {
      if (!transactionId) client.destroy();
    }
  };
}

/** A Data API target with the region and the credentials to call it with. */
type StaticCredentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date };
/** Static credentials, or a provider the SDK calls again before they expire (a long masking run outlives a session). */
export type DataApiConnection = DataApiTarget & { region: string; credentials: StaticCredentials | (() => Promise<StaticCredentials>) };

export function connectDataApi(t: DataApiConnection): Executor {
  const client = new RDSDataClient({ region: t.region, credentials: t.credentials });
  return dataApiExecutor(client, t);
}

/**
 * Turn on the Data API of an Aurora cluster (EnableHttpEndpoint). For the
 * target side to call on the restored cluster before masking with
 * masking-connection: data-api. Needs Aurora PostgreSQL 13.11+/14.8+/15.3+/16.1+
 * or Aurora MySQL 3.07+, writer not a T class.
 */
export async function enableDataApi(rds: RDSClient, clusterArn: string): Promise<{ enabled: boolean }> {
  const r = await rds.send(new EnableHttpEndpointCommand({ ResourceArn: clusterArn }));
  return { enabled: r.HttpEndpointEnabled ?? true };
}
