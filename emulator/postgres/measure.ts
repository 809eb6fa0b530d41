/**
 * Measures what a PGlite-backed cluster costs: create() time (first one runs
 * initdb; later ones load a template or an image) and resident memory per
 * instance. Run: NODE_OPTIONS=--expose-gc npx tsx emulator/postgres/measure.ts [instances]
 */
import pg from 'pg';
import { createDatabaseFactory, imageFromSql } from '../postgres';

const count = Number(process.argv[2] ?? 4);
const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(0) + ' MB';
const seed = `CREATE TABLE customers (id int PRIMARY KEY, email text);
INSERT INTO customers SELECT g, 'user' || g || '@example.com' FROM generate_series(1, 10000) g;`;

const factory = createDatabaseFactory({});
const gc = (globalThis as { gc?: () => void }).gc ?? ((): void => undefined);
gc();
const rss0 = process.memoryUsage().rss;
const servers = [];
for (let i = 0; i < count; i++) {
  gc();
  const before = process.memoryUsage().rss;
  const t = performance.now();
  const image = i === 0 ? imageFromSql(seed) : await servers[0]!.dump();
  const s = await factory.create({ name: `m${i}`, image, masterUsername: 'admin', masterPassword: 'pw', databaseName: 'appdb' });
  const ms = performance.now() - t;
  const c = new pg.Client({ host: s.host, port: s.port, user: 'admin', password: 'pw', database: 'appdb' });
  await c.connect();
  const rows = (await c.query('SELECT count(*)::int AS n FROM customers')).rows[0].n as number;
  await c.end();
  servers.push(s);
  gc();
  console.log(`instance ${i}: ${i === 0 ? 'create from seed SQL (includes initdb)' : 'dump + create from image'} ${ms.toFixed(0)} ms, rows ${rows}, rss +${mb(process.memoryUsage().rss - before)}`);
}
console.log(`total rss +${mb(process.memoryUsage().rss - rss0)} for ${count} instances (${mb((process.memoryUsage().rss - rss0) / count)} each)`);
const image = await servers[0]!.dump();
console.log(`image size: ${image.kind === 'pglite' ? mb(image.bytes.length) : 'sql'}`);
const t = performance.now();
await factory.close();
console.log(`close all: ${(performance.now() - t).toFixed(0)} ms`);
