/**
 * postgresUrl mode: every emulated cluster becomes its own database and login
 * role on a given real PostgreSQL server (the URL names a superuser).
 *
 * Role and database names on the server are derived from the cluster
 * identifier (see ./names): one server holds many clusters whose master
 * usernames collide (every cluster may say "postgres"). Clients still log in
 * as the cluster's master user to its database name, as on RDS: each cluster
 * endpoint is an authenticating front (./front) that checks the master
 * password (SCRAM-SHA-256) and then logs in to the server as the derived role
 * (./backend-login) and pipes the session through.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { loginToBackend } from './backend-login';
import { AuthenticatingFront } from './front';
import { safeIdentifier } from './names';
import { makeVerifier, type ScramVerifier } from './scram';
import { DatabaseSetupError, type CreateDatabaseOptions, type DatabaseFactory, type DatabaseServer, type DataImage } from './types';

export interface RealDatabaseServer extends DatabaseServer {
  /** The login clients use: the cluster's master username. */
  readonly username: string;
  /** The database clients connect to: the cluster's database name. */
  readonly database: string;
  /** The role and database on the real server (derived from the cluster name). */
  readonly serverName: string;
}

/** pg_dump on PATH, or the newest one of the Debian layout. */
export function findPgDump(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'pg_dump'))) return join(dir, 'pg_dump');
  }
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter(v => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (existsSync(join(debian, v, 'bin', 'pg_dump'))) return join(debian, v, 'bin', 'pg_dump');
  }
  return undefined;
}

/** pg_dump's plain output minus the psql meta-commands (\restrict) that a plain SQL session cannot run. */
export function sqlFromPgDump(output: string): string {
  return output
    .split('\n')
    .filter(line => !line.startsWith('\\'))
    .join('\n');
}

function urlFor(base: URL, user: string, password: string, database: string): string {
  const u = new URL(base.toString());
  u.username = encodeURIComponent(user);
  u.password = encodeURIComponent(password);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

async function withClient<T>(connectionString: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export function createRealServerFactory(postgresUrl: string): DatabaseFactory {
  const base = new URL(postgresUrl);
  const host = base.hostname || '127.0.0.1';
  const port = Number(base.port || 5432);
  const open = new Set<RealDatabaseServer>();
  let passwordsChecked = false;
  const admin = <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => withClient(postgresUrl, fn);

  /** A server with `trust` in pg_hba.conf would let production's password work in staging: refuse to run on it. */
  const checkPasswordsEnforced = async (role: string, database: string): Promise<void> => {
    if (passwordsChecked) return;
    const wrong = `not-the-password-${Math.random()}`;
    const accepted = await withClient(urlFor(base, role, wrong, database), async () => true).catch(() => false);
    if (accepted) {
      throw new DatabaseSetupError(
        'PostgreSQL server does not check passwords',
        `A login as "${role}" with a wrong password was accepted by ${host}:${port}.`,
        'Use scram-sha-256 (or md5) instead of trust for host connections in pg_hba.conf, then reload the server.'
      );
    }
    passwordsChecked = true;
  };

  const create = async (opts: CreateDatabaseOptions): Promise<RealDatabaseServer> => {
    if (opts.image?.kind === 'pglite') {
      throw new DatabaseSetupError(
        'Snapshot image is from PGlite',
        `Cluster "${opts.name}" is restored from a PGlite data directory, which a real PostgreSQL server cannot load.`,
        'Run the whole scenario in one mode: either with postgresUrl for every cluster or without it.'
      );
    }
    const name = safeIdentifier(opts.name);
    let password = opts.masterPassword;
    await admin(async c => {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.query(`DROP ROLE IF EXISTS ${name}`);
      await c.query(`CREATE ROLE ${name} LOGIN PASSWORD ${c.escapeLiteral(password)}`);
      await c.query(`CREATE DATABASE ${name} OWNER ${name}`);
    });
    const dropAll = (): Promise<void> =>
      admin(async c => {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.query(`DROP ROLE IF EXISTS ${name}`);
      });
    try {
      await checkPasswordsEnforced(name, name);
      if (opts.image?.kind === 'sql') {
        const sql = opts.image.sql;
        await withClient(urlFor(base, name, password, name), c => c.query(sql)).catch((e: Error) => {
          throw new DatabaseSetupError(
            'Seed SQL failed',
            `Loading the data of cluster "${opts.name}" into database ${name} on ${host}:${port} failed: ${e.message}.`,
            "Correct the seed SQL (it runs as the cluster's own role, not as a superuser)."
          );
        });
      }
    } catch (e) {
      await dropAll().catch(() => undefined);
      throw e;
    }
    let credentials: { username: string; verifier: ScramVerifier } = { username: opts.masterUsername, verifier: makeVerifier(password) };
    const front = await AuthenticatingFront.listen({
      databaseName: opts.databaseName,
      credentials: () => credentials,
      connectBackend: params => {
        const forward = new Map([...params].filter(([k]) => k !== 'user' && k !== 'database'));
        forward.set('user', name);
        forward.set('database', name);
        return loginToBackend({ host, port, params: forward, password });
      }
    });
    let closing: Promise<void> | undefined;
    const server: RealDatabaseServer = {
      host: front.host,
      port: front.port,
      username: opts.masterUsername,
      database: opts.databaseName,
      serverName: name,
      setMasterPassword: async newPassword => {
        await admin(c => c.query(`ALTER ROLE ${name} PASSWORD ${c.escapeLiteral(newPassword)}`));
        password = newPassword;
        credentials = { username: opts.masterUsername, verifier: makeVerifier(newPassword) };
      },
      dump: () => dumpDatabase(urlFor(base, decodeURIComponent(base.username), decodeURIComponent(base.password), name)),
      close: () => {
        closing ??= (async () => {
          open.delete(server);
          await front.close();
          await dropAll();
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

async function dumpDatabase(connectionString: string): Promise<DataImage> {
  const pgDump = findPgDump();
  if (!pgDump) {
    throw new DatabaseSetupError(
      'pg_dump not found',
      'Taking a snapshot of a cluster on a real PostgreSQL server needs pg_dump, which is neither on PATH nor under /usr/lib/postgresql/*/bin.',
      'Install the PostgreSQL client (apt-get install postgresql-client) or put pg_dump on PATH.'
    );
  }
  const output = await new Promise<string>((resolve, reject) => {
    execFile(pgDump, ['--format=plain', '--no-owner', '--no-privileges', '--no-comments', '--inserts', `--dbname=${connectionString}`], { maxBuffer: 512 * 1024 * 1024 }, (err, stdout, stderr) =>
      err ? reject(new DatabaseSetupError('pg_dump failed', `${err.message} ${stderr}`.trim(), 'Check that pg_dump is not older than the server and the URL names a superuser.')) : resolve(stdout)
    );
  });
  return { kind: 'sql', sql: sqlFromPgDump(output) };
}
