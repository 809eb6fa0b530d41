/**
 * The contract between the emulator and the databases behind cluster
 * endpoints. The emulator codes against these types only.
 */

/** What a snapshot carries: opaque to the emulator. */
export type DataImage = { kind: 'sql'; sql: string } | { kind: 'pglite'; bytes: Uint8Array };

/** One running database that a cluster endpoint points at. */
export interface DatabaseServer {
  host: string;
  port: number;
  /** From now on only this password is accepted for the master user (existing sessions stay, as in PostgreSQL). */
  setMasterPassword(password: string): Promise<void>;
  /** The data as it is now; later writes are not in the image. */
  dump(): Promise<DataImage>;
  /** Stop serving and free the port (and, with a real server, drop the database and role). */
  close(): Promise<void>;
}

export interface CreateDatabaseOptions {
  /** The emulated cluster's identifier; used for names (made safe). */
  name: string;
  /** The data to start with; an empty database when absent. */
  image?: DataImage;
  masterUsername: string;
  masterPassword: string;
  databaseName: string;
}

export interface DatabaseFactory {
  create(opts: CreateDatabaseOptions): Promise<DatabaseServer>;
  /** Close every server this factory created and still has open. */
  close(): Promise<void>;
}

/** A setup failure that says what went wrong and what to do about it. */
export class DatabaseSetupError extends Error {
  constructor(
    readonly title: string,
    message: string,
    readonly fix: string
  ) {
    super(`${title}: ${message} Fix: ${fix}`);
    this.name = 'DatabaseSetupError';
  }
}
