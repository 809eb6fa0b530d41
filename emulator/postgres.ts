/**
 * The databases behind the emulator's cluster endpoints.
 *
 * - Default: every cluster is an embedded PGlite (WASM PostgreSQL) behind an
 *   authenticating front that speaks SCRAM-SHA-256 (./postgres/pglite, ./postgres/front).
 * - With `postgresUrl` (a superuser URL): every cluster is a database and a
 *   login role on that real server (./postgres/server).
 */
import { createPgliteFactory } from './postgres/pglite';
import { createRealServerFactory } from './postgres/server';
import type { DatabaseFactory, DataImage } from './postgres/types';

export type { CreateDatabaseOptions, DatabaseFactory, DatabaseServer, DataImage } from './postgres/types';
export { DatabaseSetupError } from './postgres/types';
export type { PgliteDatabaseServer } from './postgres/pglite';
export type { RealDatabaseServer } from './postgres/server';

export function createDatabaseFactory(opts: { postgresUrl?: string }): DatabaseFactory {
  return opts.postgresUrl ? createRealServerFactory(opts.postgresUrl) : createPgliteFactory();
}

/** Make an image from seed SQL text (what a scenario's source cluster starts with). */
export function imageFromSql(sql: string): DataImage {
  return { kind: 'sql', sql };
}
