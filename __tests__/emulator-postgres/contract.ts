/**
 * The behaviour every DatabaseFactory mode must show, run against each mode by
 * the *.test.ts files next to this one.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { createServer } from 'node:net';
import pg from 'pg';
import { imageFromSql, type DatabaseFactory, type DatabaseServer } from '../../emulator/postgres';

/** Both modes tell the login name and database clients must use. */
type Server = DatabaseServer & { username: string; database: string };

export const SEED = `
CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL, name text);
INSERT INTO customers VALUES (1, 'ann@example.com', 'Ann'), (2, 'bob@example.com', 'Bob'), (3, 'cy@example.com', 'Cy');
CREATE TABLE orders (id serial PRIMARY KEY, customer_id int REFERENCES customers(id), total numeric(10,2));
INSERT INTO orders (customer_id, total) VALUES (1, 10.50), (2, 99.99);
`;

export function connect(s: Server, password: string, overrides: Partial<pg.ClientConfig> = {}): Promise<pg.Client> {
  const client = new pg.Client({ host: s.host, port: s.port, user: s.username, database: s.database, password, ...overrides });
  return client.connect().then(
    () => client,
    async (e: unknown) => {
      await client.end().catch(() => undefined);
      throw e;
    }
  );
}

export async function query<T extends pg.QueryResultRow>(s: Server, password: string, sql: string): Promise<T[]> {
  const c = await connect(s, password);
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}

const emails = (s: Server, pw: string): Promise<string[]> => query<{ email: string }>(s, pw, 'SELECT email FROM customers ORDER BY id').then(r => r.map(x => x.email));

/** The error code of a refused login. */
export async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
  throw new Error('expected the connection to be refused');
}

export function factoryContract(makeFactory: () => DatabaseFactory, prefix: string): void {
  let factory: DatabaseFactory;
  let n = 0;
  const name = (): string => `${prefix}-${++n}`;
  const create = (opts: { sql?: string; image?: Parameters<DatabaseFactory['create']>[0]['image']; password?: string } = {}): Promise<Server> =>
    factory.create({
      name: name(),
      image: opts.image ?? (opts.sql !== undefined ? imageFromSql(opts.sql) : undefined),
      masterUsername: 'masteruser',
      masterPassword: opts.password ?? 'prod-Secret-1',
      databaseName: 'appdb'
    }) as Promise<Server>;

  beforeAll(() => {
    factory = makeFactory();
  });
  afterAll(async () => {
    await factory?.close();
  });

  test('a cluster created from seed SQL serves that data to the master user', async () => {
    const s = await create({ sql: SEED });
    try {
      expect(await emails(s, 'prod-Secret-1')).toEqual(['ann@example.com', 'bob@example.com', 'cy@example.com']);
      const totals = await query<{ total: string }>(s, 'prod-Secret-1', 'SELECT total FROM orders ORDER BY id');
      expect(totals.map(r => r.total)).toEqual(['10.50', '99.99']);
    } finally {
      await s.close();
    }
  });

  test('a cluster created without an image has no tables', async () => {
    const s = await create();
    try {
      const rows = await query<{ n: string }>(s, 'prod-Secret-1', "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public'");
      expect(rows[0]!.n).toBe('0');
    } finally {
      await s.close();
    }
  });

  test('a wrong password is refused; after setMasterPassword the old one is refused and the new one works', async () => {
    const s = await create({ sql: SEED });
    try {
      expect(await refusal(connect(s, 'guess'))).toBe('28P01');
      await s.setMasterPassword('staging-Other-2');
      expect(await refusal(connect(s, 'prod-Secret-1'))).toBe('28P01');
      expect(await emails(s, 'staging-Other-2')).toHaveLength(3);
    } finally {
      await s.close();
    }
  });

  test('dump -> create from the image gives the same data; later writes and changes to the copy stay out of it', async () => {
    const source = await create({ sql: SEED });
    const image = await source.dump();
    const w = await connect(source, 'prod-Secret-1');
    await w.query("INSERT INTO customers VALUES (4, 'dee@example.com', 'Dee')");
    await w.end();
    const copy = await create({ image, password: 'prod-Secret-1' });
    try {
      expect(await emails(copy, 'prod-Secret-1')).toEqual(['ann@example.com', 'bob@example.com', 'cy@example.com']);
      const sum = await query<{ s: string }>(copy, 'prod-Secret-1', 'SELECT sum(total)::text AS s FROM orders');
      expect(sum[0]!.s).toBe('110.49');
      // masking the restored copy leaves the source and its image alone
      await query(copy, 'prod-Secret-1', "UPDATE customers SET email = 'masked-' || id || '@example.invalid'");
      expect(await emails(copy, 'prod-Secret-1')).toEqual(['masked-1@example.invalid', 'masked-2@example.invalid', 'masked-3@example.invalid']);
      expect(await emails(source, 'prod-Secret-1')).toEqual(['ann@example.com', 'bob@example.com', 'cy@example.com', 'dee@example.com']);
      // a serial keeps counting after the source's rows (PostgreSQL may skip up to 32 values after a restore, as after a crash)
      const next = await query<{ id: number }>(copy, 'prod-Secret-1', 'INSERT INTO orders (customer_id, total) VALUES (3, 1) RETURNING id');
      expect(next[0]!.id).toBeGreaterThan(2);
    } finally {
      await copy.close();
      await source.close();
    }
  });

  test('several clients one after another, and a pg Pool with concurrent clients and a transaction', async () => {
    const s = await create({ sql: SEED });
    try {
      for (let i = 0; i < 4; i++) expect(await emails(s, 'prod-Secret-1')).toHaveLength(3);
      const pool = new pg.Pool({ host: s.host, port: s.port, user: s.username, database: s.database, password: 'prod-Secret-1', max: 4 });
      try {
        const tx = await pool.connect();
        await tx.query('BEGIN');
        await tx.query("UPDATE customers SET name = 'in-tx' WHERE id = 1");
        const others = Promise.all(Array.from({ length: 40 }, (_, i) => pool.query<{ v: number; w: string }>('SELECT $1::int AS v, $2::text AS w', [i, `x${i}`]).then(r => r.rows[0]!)));
        await tx.query('COMMIT');
        tx.release();
        const rows = await others;
        expect(rows.map(r => r.v)).toEqual(Array.from({ length: 40 }, (_, i) => i));
        expect(rows.map(r => r.w)).toEqual(Array.from({ length: 40 }, (_, i) => `x${i}`));
        const named = await pool.query<{ name: string }>('SELECT name FROM customers WHERE id = $1', [1]);
        expect(named.rows[0]!.name).toBe('in-tx');
      } finally {
        await pool.end();
      }
    } finally {
      await s.close();
    }
  });
}

/** Resolves when nothing listens on host:port any more (a new listener can take the port). */
export function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise(resolve => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}
