/**
 * The databases behind MySQL / MariaDB instance endpoints: every emulated
 * instance becomes a database and a user on one real MariaDB/MySQL server
 * (`mysqlUrl`, whose user may CREATE USER and GRANT). Same contract as the
 * PostgreSQL factory (emulator/databases.ts): images are SQL text.
 *
 * One server holds many instances whose master usernames collide (every
 * instance may say "admin"), so the login name clients must use is
 * `server.username` and the database is `server.database` (both derived from
 * the instance's name, at most 32 characters as MySQL requires); the server
 * itself checks the password, which `setMasterPassword` changes.
 */
import { createHash } from 'node:crypto';
import mysql from 'mysql2/promise';
import type { DatabaseFactory, DatabaseServer, DataImage } from './databases';

export interface MysqlDatabaseServer extends DatabaseServer {
  /** The login clients must use (derived from the instance name). */
  readonly username: string;
  /** The database clients must use (derived from the instance name). */
  readonly database: string;
}

/** A MySQL-safe name, unique per instance name: "emu_" + up to 21 characters + "_" + 6 hex digits. */
export function mysqlName(name: string): string {
  const body = name
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '')
    .slice(-21);
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 6);
  return `emu_${body}_${hash}`;
}

export class MysqlSetupError extends Error {
  constructor(
    readonly title: string,
    message: string,
    readonly fix: string
  ) {
    super(`${title}: ${message} Fix: ${fix}`);
    this.name = 'MysqlSetupError';
  }
}

type Connection = mysql.Connection;

async function withConnection<T>(options: mysql.ConnectionOptions, fn: (c: Connection) => Promise<T>): Promise<T> {
  const connection = await mysql.createConnection({ ...options, multipleStatements: true });
  try {
    return await fn(connection);
  } finally {
    await connection.end().catch(() => undefined);
  }
}

/** A plain SQL image of one database: CREATE TABLE statements and INSERTs, table by table. */
export async function dumpMysqlDatabase(c: Connection, database: string): Promise<DataImage> {
  const [tables] = await c.query<mysql.RowDataPacket[]>(`SHOW FULL TABLES FROM \`${database}\` WHERE Table_type = 'BASE TABLE'`);
  const out: string[] = ['SET FOREIGN_KEY_CHECKS=0;'];
  for (const row of tables) {
    const table = String(Object.values(row)[0]);
    const [created] = await c.query<mysql.RowDataPacket[]>(`SHOW CREATE TABLE \`${database}\`.\`${table}\``);
    out.push(`${String(created[0]!['Create Table'])};`);
    const [rows, fields] = await c.query<mysql.RowDataPacket[]>(`SELECT * FROM \`${database}\`.\`${table}\``);
    const columns = fields.map(f => `\`${f.name}\``).join(', ');
    for (const r of rows) {
      out.push(`INSERT INTO \`${table}\` (${columns}) VALUES (${fields.map(f => c.escape(r[f.name])).join(', ')});`);
    }
  }
  out.push('SET FOREIGN_KEY_CHECKS=1;');
  return { kind: 'sql', sql: out.join('\n') };
}

export function createMysqlDatabaseFactory(mysqlUrl: string): DatabaseFactory {
  const base = new URL(mysqlUrl);
  const host = base.hostname || '127.0.0.1';
  const port = Number(base.port || 3306);
  const adminOptions: mysql.ConnectionOptions = {
    host,
    port,
    user: decodeURIComponent(base.username),
    password: decodeURIComponent(base.password)
  };
  const admin = <T>(fn: (c: Connection) => Promise<T>): Promise<T> => withConnection(adminOptions, fn);
  const open = new Set<MysqlDatabaseServer>();

  const create = async (opts: { name: string; image?: DataImage; masterPassword: string }): Promise<MysqlDatabaseServer> => {
    if (opts.image?.kind === 'pglite') {
      throw new MysqlSetupError('Snapshot image is from PGlite', `Instance "${opts.name}" would start from a PostgreSQL image.`, 'Give MySQL instances MySQL seed SQL.');
    }
    const name = mysqlName(opts.name);
    const dropAll = (): Promise<void> =>
      admin(async c => {
        await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
        await c.query(`DROP USER IF EXISTS '${name}'@'%'`);
      });
    await admin(async c => {
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.query(`DROP USER IF EXISTS '${name}'@'%'`);
      await c.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
      await c.query(`CREATE USER '${name}'@'%' IDENTIFIED BY ?`, [opts.masterPassword]);
      await c.query(`GRANT ALL PRIVILEGES ON \`${name}\`.* TO '${name}'@'%'`);
    }).catch((e: Error) => {
      throw new MysqlSetupError(
        'MySQL database setup failed',
        `Creating database and user ${name} on ${host}:${port} failed: ${e.message}.`,
        'Give the emulator a MySQL URL whose user has CREATE, DROP, CREATE USER and GRANT OPTION (e.g. GRANT ALL ON *.* ... WITH GRANT OPTION).'
      );
    });
    const image = opts.image;
    if (image?.kind === 'sql' && image.sql.trim() !== '') {
      await withConnection({ host, port, user: name, password: opts.masterPassword, database: name }, c => c.query(image.sql)).catch(async (e: Error) => {
        await dropAll().catch(() => undefined);
        throw new MysqlSetupError(
          'Seed SQL failed',
          `Loading the data of "${opts.name}" into ${name} on ${host}:${port} failed: ${e.message}.`,
          "Correct the seed SQL (MySQL syntax; it runs as the instance's own user)."
        );
      });
    }
    let closing: Promise<void> | undefined;
    const server: MysqlDatabaseServer = {
      host,
      port,
      username: name,
      database: name,
      setMasterPassword: async password => {
        await admin(c => c.query(`ALTER USER '${name}'@'%' IDENTIFIED BY ?`, [password]));
      },
      dump: () => admin(c => dumpMysqlDatabase(c, name)),
      close: () => {
        closing ??= (async () => {
          open.delete(server);
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
      await Promise.all([...open].map(s => s.close().catch(() => undefined)));
    }
  };
}
