/** The data behind clusters and DB instances: databases started on demand, images captured by snapshots. */
import type { DatabaseFactory, DatabaseServer, DataImage } from '../databases';
import type { World } from '../world';

/** What runs a database: an Aurora cluster or a standalone DB instance. */
export interface DataHost {
  account: string;
  id: string;
  resourceSuffix: string;
  engine: string;
  masterUsername: string;
  masterPassword: string;
  databaseName?: string;
  image?: DataImage;
  server?: Promise<DatabaseServer>;
  serverReady?: DatabaseServer;
  serverError?: string;
}

/** What a snapshot keeps of the data. */
export interface ImageHolder {
  id: string;
  status: string;
  image?: DataImage;
  imagePending?: boolean;
}

export function isMysqlEngine(engine: string): boolean {
  return engine === 'mysql' || engine === 'mariadb' || engine.startsWith('aurora-mysql');
}

/** The factory serving this engine: MySQL-family engines use the MySQL one (none unless configured). */
export function factoryFor(world: World, engine: string): DatabaseFactory | undefined {
  return isMysqlEngine(engine) ? world.mysqlDatabases : world.databases;
}

function defaultDatabase(host: DataHost): string {
  return host.databaseName ?? (isMysqlEngine(host.engine) ? 'mysql' : 'postgres');
}

/** Starts the host's database (once); resolves when it listens. No-op without a database factory for its engine. */
export function startDatabase(world: World, host: DataHost): void {
  const factory = factoryFor(world, host.engine);
  if (!factory || host.server) return;
  host.server = factory.create({
    name: `${host.account}-${host.id}-${host.resourceSuffix}`,
    image: host.image,
    masterUsername: host.masterUsername,
    masterPassword: host.masterPassword,
    databaseName: defaultDatabase(host)
  });
  host.server.then(
    server => {
      host.serverReady = server;
    },
    (error: unknown) => {
      host.serverError = error instanceof Error ? error.message : String(error);
      console.error(`emulator: database of ${host.id} did not start: ${host.serverError}`);
    }
  );
}

/** True once the host's database is up (or failed, or there is no database to wait for). */
export function databaseSettled(world: World, host: DataHost): boolean {
  return !factoryFor(world, host.engine) || !host.server || host.serverReady !== undefined || host.serverError !== undefined;
}

/** What a snapshot carries: a dump of the running database, or the host's image when it never ran. */
export function captureImage(host: DataHost, snapshot: ImageHolder): void {
  if (!host.server) {
    snapshot.image = host.image;
    return;
  }
  snapshot.imagePending = true;
  host.server
    .then(server => server.dump())
    .then(
      image => {
        snapshot.image = image;
        snapshot.imagePending = false;
      },
      (error: unknown) => {
        console.error(`emulator: snapshot ${snapshot.id} could not dump ${host.id}: ${String(error)}`);
        snapshot.imagePending = false;
        snapshot.status = 'failed';
      }
    );
}

/** Applies a new master password to the running database (or to the one started later). */
export function setMasterPassword(host: DataHost, password: string): void {
  host.masterPassword = password;
  host.server
    ?.then(server => server.setMasterPassword(password))
    .catch((error: unknown) => {
      console.error(`emulator: could not set the master password of ${host.id}: ${String(error)}`);
    });
}

/** Stops the host's database (after a delete). */
export function stopDatabase(host: DataHost): void {
  // Not awaited: the delete is answered at once and the database stops in the background.
  // A failed start was reported by startDatabase already; a failed stop is reported here.
  void host.server
    ?.then(
      s => s.close(),
      () => undefined
    )
    .catch((error: unknown) => console.error(`emulator: could not stop the database of ${host.id}: ${String(error)}`));
}
