/**
 * Default mode: every emulated cluster is an in-process PGlite (WASM
 * PostgreSQL) served over the wire protocol by pglite-socket on a private Unix
 * socket, with an authenticating front (./front) on a TCP port in front of it.
 *
 * Start-up: the first create() runs initdb once (seconds) and keeps the empty
 * data directory as a template; every instance after that loads a template or a
 * snapshot image (a tar of the data directory), which takes a few hundred ms.
 * shared_buffers is cut to 16MB (PGlite's default is 128MB), which makes an
 * instance cost roughly 80MB of resident memory instead of roughly 210MB.
 */
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthenticatingFront } from './front';
import { makeVerifier, type ScramVerifier } from './scram';
import { DatabaseSetupError, type CreateDatabaseOptions, type DatabaseFactory, type DatabaseServer, type DataImage } from './types';

const POSTGRESQL_CONF = 'shared_buffers=16MB';
/** pglite-socket's multiplexer takes this many client sessions at once (its default is 1). */
const MAX_SESSIONS = 32;

export interface PgliteDatabaseServer extends DatabaseServer {
  /** The login name clients use (the master username). */
  readonly username: string;
  /** The database clients connect to. */
  readonly database: string;
}

async function blobBytes(blob: Blob): Promise<Uint8Array> {
  return new Uint8Array(await blob.arrayBuffer());
}

export function createPgliteFactory(): DatabaseFactory {
  const open = new Set<PgliteDatabaseServer>();
  let emptyCluster: Promise<Uint8Array> | undefined;
  const templates = new Map<string, Promise<Uint8Array>>();

  /** initdb once per factory; later instances load this tar instead. */
  const emptyClusterImage = (): Promise<Uint8Array> => {
    emptyCluster ??= (async () => {
      const db = await PGlite.create({ postgresqlconf: POSTGRESQL_CONF });
      try {
        return await blobBytes(await db.dumpDataDir('none'));
      } finally {
        await db.close();
      }
    })();
    return emptyCluster;
  };

  /** An empty cluster holding database `name` (PGlite cannot create one while loading). */
  const templateFor = (name: string): Promise<Uint8Array> => {
    if (name === 'postgres') return emptyClusterImage();
    let t = templates.get(name);
    if (!t) {
      t = (async () => {
        const db = await PGlite.create({ loadDataDir: new Blob([await emptyClusterImage()]), postgresqlconf: POSTGRESQL_CONF });
        try {
          await db.exec(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
          return await blobBytes(await db.dumpDataDir('none'));
        } finally {
          await db.close();
        }
      })();
      templates.set(name, t);
    }
    return t;
  };

  const start = async (opts: CreateDatabaseOptions): Promise<PGlite> => {
    const image = opts.image;
    if (image?.kind === 'pglite') {
      try {
        return await PGlite.create({ loadDataDir: new Blob([image.bytes]), database: opts.databaseName, postgresqlconf: POSTGRESQL_CONF });
      } catch (e) {
        throw new DatabaseSetupError(
          'Snapshot image cannot be restored',
          `PGlite could not start cluster "${opts.name}" from its snapshot image with database "${opts.databaseName}" (${(e as Error).message}).`,
          'Restore with the same database name the source cluster had; a PGlite image holds only the databases of the cluster it was dumped from.'
        );
      }
    }
    const db = await PGlite.create({ loadDataDir: new Blob([await templateFor(opts.databaseName)]), database: opts.databaseName, postgresqlconf: POSTGRESQL_CONF });
    if (image?.kind === 'sql') {
      try {
        await db.exec(image.sql);
      } catch (e) {
        await db.close();
        throw new DatabaseSetupError(
          'Seed SQL failed',
          `Loading the data of cluster "${opts.name}" failed: ${(e as Error).message}.`,
          'Correct the seed SQL of the scenario; it runs as one script in database ' + JSON.stringify(opts.databaseName) + '.'
        );
      }
    }
    return db;
  };

  const create = async (opts: CreateDatabaseOptions): Promise<PgliteDatabaseServer> => {
    const db = await start(opts);
    const dir = await mkdtemp(join(tmpdir(), 'emu-pglite-'));
    const socketPath = join(dir, '.s.PGSQL.5432');
    const inner = new PGLiteSocketServer({ db, path: socketPath, maxConnections: MAX_SESSIONS });
    await inner.start();
    let credentials: { username: string; verifier: ScramVerifier } = { username: opts.masterUsername, verifier: makeVerifier(opts.masterPassword) };
    const front = await AuthenticatingFront.listen({
      databaseName: opts.databaseName,
      credentials: () => credentials,
      connectBackend: () =>
        new Promise<Socket>((resolve, reject) => {
          const s = connect(socketPath);
          s.once('connect', () => {
            s.off('error', reject);
            resolve(s);
          });
          s.once('error', reject);
        })
    });
    let closing: Promise<void> | undefined;
    const server: PgliteDatabaseServer = {
      host: front.host,
      port: front.port,
      username: opts.masterUsername,
      database: opts.databaseName,
      setMasterPassword: async password => {
        credentials = { username: opts.masterUsername, verifier: makeVerifier(password) };
      },
      dump: async (): Promise<DataImage> => ({ kind: 'pglite', bytes: await blobBytes(await db.dumpDataDir('none')) }),
      close: () => {
        closing ??= (async () => {
          open.delete(server);
          await front.close();
          await inner.stop();
          await db.close();
          await rm(dir, { recursive: true, force: true });
        })();
        return closing;
      }
    };
    open.add(server);
    return server;
  };

  return {
    create,
    close: async () => {
      await Promise.all([...open].map(s => s.close()));
    }
  };
}
