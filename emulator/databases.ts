/**
 * The emulator's view of the databases behind cluster endpoints. The real
 * implementation is emulator/postgres.ts (another module); this file only
 * restates its interface and loads it, so the emulator also runs without it
 * (clusters then have endpoints but no data).
 */
export interface DatabaseServer {
  host: string;
  port: number;
  setMasterPassword(password: string): Promise<void>;
  dump(): Promise<DataImage>;
  close(): Promise<void>;
}
export type DataImage = { kind: 'sql'; sql: string } | { kind: 'pglite'; bytes: Uint8Array };
export interface DatabaseFactory {
  create(opts: { name: string; image?: DataImage; masterUsername: string; masterPassword: string; databaseName: string }): Promise<DatabaseServer>;
  close(): Promise<void>;
}

/** The factory of emulator/postgres.ts, or undefined when that module is not there. */
export async function loadDatabaseFactory(postgresUrl?: string): Promise<DatabaseFactory | undefined> {
  const specifier = './postgres';
  try {
    const mod = (await import(specifier)) as { createDatabaseFactory?: (o: { postgresUrl?: string }) => DatabaseFactory };
    return mod.createDatabaseFactory?.({ postgresUrl });
  } catch (e) {
    if (process.env.EMULATOR_DEBUG) console.error('emulator: no database factory:', e);
    return undefined;
  }
}
