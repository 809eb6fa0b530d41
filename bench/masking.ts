/**
 * npm run bench:masking  (tsx bench/masking.ts)
 *
 * A BENCH_ROWS-row table (default 1,000,000) with three personal columns
 * (email, name, phone) on the PostgreSQL server of TEST_POSTGRES_URL
 * (scripts/test-databases.sh). Measures, on fresh copies of the same table:
 *   1. floor      — one bare UPDATE rewriting the same three columns (SET c = c): the cost of writing the rows
 *   2. action     — runMasking (schema check, PII scan, preflight, distinct checks, the set-based UPDATE)
 *   3. row by row — what dump-and-transform tools do: read rows into the runner, mask each in JS,
 *                   UPDATE … WHERE id = $1 per row (one transaction); measured on BENCH_ROW_SAMPLE rows
 *                   (default 20,000) and extrapolated.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { runMasking } from '../src/masking';
import { maskValue } from '../src/masking/reference';
import type { Transform } from '../src/masking/rules';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const SAMPLE = Math.min(ROWS, Number(process.env.BENCH_ROW_SAMPLE ?? 20_000));
const SALT = 'bench-salt-not-secret';
const url = process.env.TEST_POSTGRES_URL;
if (!url) {
  console.error('TEST_POSTGRES_URL is not set: run scripts/test-databases.sh and source /tmp/rcs-test-databases/env');
  process.exit(2);
}
const DB = 'masking_bench';

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const mb = (): number => Math.round(process.memoryUsage().rss / 1048576);

async function client(database: string): Promise<pg.Client> {
  const u = new URL(url!);
  u.pathname = `/${database}`;
  const c = new pg.Client({ connectionString: u.toString() });
  await c.connect();
  return c;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await fn();
  return [v, performance.now() - t0];
}

async function main(): Promise<void> {
  const admin = await client(new URL(url!).pathname.slice(1));
  await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${DB}`);
  await admin.end();
  const db = await client(DB);
  const server = (await db.query('SHOW server_version')).rows[0].server_version as string;
  console.log(`PostgreSQL ${server}; ${fmt(ROWS)} rows; node ${process.version}`);

  const generate = (name: string, rows: number): string => `CREATE TABLE ${name} AS
      SELECT i AS id,
             'user' || i || '.' || substr(md5(i::text), 1, 6) || '@example.co.jp' AS email,
             (ARRAY['山田','佐藤','鈴木','高橋','田中'])[1 + i % 5] || ' ' || (ARRAY['太郎','花子','健一','美咲','由紀','翔'])[1 + i % 6] AS full_name,
             '090-' || lpad((i % 10000)::text, 4, '0') || '-' || lpad((i / 10000)::text, 4, '0') AS phone,
             (ARRAY['free','gold','silver'])[1 + i % 3] AS plan,
             now() - (i || ' minutes')::interval AS created_at
      FROM generate_series(1, ${rows}) AS i`;

  // Fresh copies (generated, not copied from a source table: the scanner would flag an unmasked one).
  const fresh = async (name: string, rows: number): Promise<void> => {
    await db.query(`DROP TABLE IF EXISTS ${name}`);
    const [, genMs] = await timed(() => db.query(generate(name, rows)));
    console.log(`generated ${name} (${fmt(rows)} rows) in ${secs(genMs)}`);
    await db.query(`ALTER TABLE ${name} ADD PRIMARY KEY (id)`);
    await db.query(`VACUUM ANALYZE ${name}`);
  };

  // 1. The floor: one bare UPDATE of the same columns.
  await fresh('people', ROWS);
  const [, floorMs] = await timed(() => db.query('UPDATE people SET email = email, full_name = full_name, phone = phone'));
  await db.query('DROP TABLE people');

  // 2. The action's masking.
  await fresh('people', ROWS);
  const dir = mkdtempSync(join(tmpdir(), 'masking-bench-'));
  const rulesFile = join(dir, 'rules.yml');
  writeFileSync(rulesFile, 'tables:\n  people:\n    email: email\n    full_name: name\n    phone: phone\n    plan: keep\n');
  const u = new URL(url!);
  const lines: string[] = [];
  const rssBefore = mb();
  let rssPeak = rssBefore;
  const probe = setInterval(() => (rssPeak = Math.max(rssPeak, mb())), 100);
  const [result, actionMs] = await timed(() =>
    runMasking({
      rulesFile,
      salt: SALT,
      strict: true,
      target: { via: 'direct', engine: 'postgres', host: u.hostname, port: Number(u.port), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), database: DB, tls: 'disable' },
      log: l => lines.push(l)
    })
  );
  clearInterval(probe);
  const tableLine = lines.find(l => l.startsWith('masking: people:'));
  const check = await db.query(`SELECT count(*) FILTER (WHERE email LIKE '%@example.invalid') AS masked, count(DISTINCT email) AS distinct_emails FROM people`);

  // 3. Row by row through the driver, on a sample.
  await fresh('people_rbr', SAMPLE);
  const t: Record<string, Transform> = { email: { kind: 'email', domain: 'example.invalid' }, full_name: { kind: 'name', style: 'ja' }, phone: { kind: 'phone' } };
  const [, rbrMs] = await timed(async () => {
    await db.query('BEGIN');
    let last = 0;
    for (;;) {
      const batch = await db.query('SELECT id, email, full_name, phone FROM people_rbr WHERE id > $1 ORDER BY id LIMIT 1000', [last]);
      if (!batch.rows.length) break;
      for (const r of batch.rows) {
        await db.query('UPDATE people_rbr SET email = $2, full_name = $3, phone = $4 WHERE id = $1', [
          r.id,
          maskValue(t.email!, SALT, r.email),
          maskValue(t.full_name!, SALT, r.full_name),
          maskValue(t.phone!, SALT, r.phone)
        ]);
        last = r.id;
      }
    }
    await db.query('COMMIT');
  });
  // Same values as the action computed in SQL?
  const same = await db.query('SELECT count(*) AS n FROM people_rbr r JOIN people p USING (id) WHERE r.email = p.email AND r.full_name = p.full_name AND r.phone = p.phone');
  await db.end();

  const floorRate = (ROWS / floorMs) * 1000;
  const actionRate = (ROWS / actionMs) * 1000;
  const rbrRate = (SAMPLE / rbrMs) * 1000;
  console.log('');
  console.log(`| method | rows | time | rows/s | vs action |`);
  console.log(`|---|---:|---:|---:|---:|`);
  console.log(`| floor: bare UPDATE SET c = c (3 columns) | ${fmt(ROWS)} | ${secs(floorMs)} | ${fmt(floorRate)} | ${(floorRate / actionRate).toFixed(2)}x |`);
  console.log(`| action: runMasking (email, name, phone) | ${fmt(ROWS)} | ${secs(actionMs)} | ${fmt(actionRate)} | 1.00x |`);
  console.log(`| row by row through the driver | ${fmt(SAMPLE)} measured | ${secs(rbrMs)} (≈ ${secs((ROWS / rbrRate) * 1000)} for ${fmt(ROWS)}, extrapolated) | ${fmt(rbrRate)} | ${(rbrRate / actionRate).toFixed(3)}x |`);
  console.log('');
  console.log(`action / floor: the action takes ${(actionMs / floorMs).toFixed(2)}x the floor's time; row by row takes ${(actionRate / rbrRate).toFixed(1)}x the action's time per row.`);
  console.log(`action detail: ${tableLine ?? '(no table line)'}; ${result.rows} rows; total ${secs(result.durationMs)} including schema check, PII scan, preflight and distinct checks.`);
  console.log(`runner memory (RSS) during the action: ${rssBefore} MB before, ${rssPeak} MB peak.`);
  console.log(`check: ${check.rows[0].masked} masked emails, ${check.rows[0].distinct_emails} distinct; row-by-row sample equals the action's values on ${same.rows[0].n} of ${fmt(SAMPLE)} rows.`);
  if (Number(check.rows[0].masked) !== ROWS || Number(check.rows[0].distinct_emails) !== ROWS || Number(same.rows[0].n) !== SAMPLE) {
    console.error('bench check FAILED');
    process.exitCode = 1;
  }
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
