/** The data behind clusters: databases started on demand, images captured by snapshots. */
import type { Cluster, Snapshot, World } from '../world';

/** Starts the cluster's database (once); resolves when it listens. No-op without a database factory. */
export function startDatabase(world: World, cluster: Cluster): void {
  if (!world.databases || cluster.server) return;
  cluster.server = world.databases.create({
    name: `${cluster.account}-${cluster.id}-${cluster.resourceSuffix}`,
    image: cluster.image,
    masterUsername: cluster.masterUsername,
    masterPassword: cluster.masterPassword,
    databaseName: cluster.databaseName ?? 'postgres'
  });
  cluster.server.then(
    (server) => {
      cluster.serverReady = server;
    },
    (error: unknown) => {
      cluster.serverError = error instanceof Error ? error.message : String(error);
      console.error(`emulator: database of cluster ${cluster.id} did not start: ${cluster.serverError}`);
    }
  );
}

/** True once the cluster's database is up (or failed, or there is no database to wait for). */
export function databaseSettled(world: World, cluster: Cluster): boolean {
  return !world.databases || !cluster.server || cluster.serverReady !== undefined || cluster.serverError !== undefined;
}

/** What a snapshot carries: a dump of the running database, or the cluster's image when it never ran. */
export function captureImage(cluster: Cluster, snapshot: Snapshot): void {
  if (!cluster.server) {
    snapshot.image = cluster.image;
    return;
  }
  snapshot.imagePending = true;
  cluster.server
    .then((server) => server.dump())
    .then(
      (image) => {
        snapshot.image = image;
        snapshot.imagePending = false;
      },
      (error: unknown) => {
        console.error(`emulator: snapshot ${snapshot.id} could not dump cluster ${cluster.id}: ${String(error)}`);
        snapshot.imagePending = false;
        snapshot.status = 'failed';
      }
    );
}

/** Applies a new master password to the running database (or to the one started later). */
export function setMasterPassword(cluster: Cluster, password: string): void {
  cluster.masterPassword = password;
  cluster.server?.then((server) => server.setMasterPassword(password)).catch((error: unknown) => {
    console.error(`emulator: could not set the master password of ${cluster.id}: ${String(error)}`);
  });
}
