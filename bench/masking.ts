/**
 * npm run bench:masking  (tsx bench/masking.ts)
 *
 * Masking speed on PostgreSQL, two cases on a BENCH_ROWS-row table (default 1,000,000):
 *   8 columns — email, name, kana (of: name), landline, mobile, postal code (of: address), address, birth date (date-shift)
 *   3 columns — email, name, phone
 * For each case, on fresh copies of the same generated table:
 *   floor      — one bare UPDATE of the same columns: SET c = md5(c) for text, d = d + 1 for the date (timed before and after the action; the mean is used)
 *   action     — runMasking (schema check, PII scan, preflight, distinct checks, the masking statement), runner RSS sampled
 *   row by row — read rows into the runner, mask each in JS (src/masking/reference.ts), UPDATE … WHERE id = $1 per row, one
 *                transaction; BENCH_ROW_SAMPLE rows (default 20,000), extrapolated; its values must equal the action's.
 * Prints the ratios against the goals (action ≥ 0.8x the floor's speed, ≥ 10x row by row) by wall time, and, when
 * the server runs on this machine, the server's CPU time beside it (the work done: with masking-workers above 1 the
 * action spreads it over several cores, so CPU time is not its speed; on a machine shared with other jobs wall time
 * also counts the wait for a core, so the CPU count and load average are printed too). BENCH_WORKERS sets
 * masking-workers (default 2, the action's default).
 *
 * The server: TEST_POSTGRES_URL when set; otherwise the bench starts its own with scripts/test-databases.sh
 * (TEST_DB_DIR, default /tmp/rcs-test-databases). BENCH_CASES=8,3 picks cases.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { runMasking, parseRules } from '../src/masking';
import { maskValue, shiftDays } from '../src/masking/reference';
import type { Transform } from '../src/masking/rules';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const SAMPLE = Math.min(ROWS, Number(process.env.BENCH_ROW_SAMPLE ?? 20_000));
const CASES = (process.env.BENCH_CASES ?? '8,3').split(',').map(s => s.trim());
const SALT = 'bench-salt-not-secret';
/** masking-workers for the action (default: the action's default, 2). */
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
const DB = 'masking_bench';

pg.types.setTypeParser(1082, v => v);

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const mb = (): number => Math.round(process.memoryUsage().rss / 1048576);
/** The 1, 5 and 15 minute load averages: on a shared machine every timing moves with them. */
const load = (): string =>
  loadavg()
    .map(l => l.toFixed(2))
    .join(', ');

/**
 * CPU seconds used so far by the PostgreSQL server whose postmaster is `pm`, when it runs on this machine under a
 * user whose /proc entries we can read: the postmaster's own and reaped children's time plus its live children's.
 * Wall time on a shared machine measures the scheduler too; CPU time counts only the server's own work.
 */
function serverCpu(pm: number | undefined): number | undefined {
  if (pm === undefined) return undefined;
  const fields = (pid: string | number): string[] | undefined => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    } catch {
      return undefined;
    }
  };
  // After the command name: [1] ppid, [11] utime, [12] stime, [13] cutime, [14] cstime, in clock ticks (100 a second on Linux).
  // A backend that exits while the children are read moves its time to the postmaster's reaped-children time, so
  // the postmaster is read before and after, and the reading is kept only when that did not change in between and no
  // child was an unreaped zombie (whose time shows in neither place).
  const reaped = (f: string[]): number => Number(f[13]) + Number(f[14]);
  for (let tries = 0; tries < 100; tries++) {
    const own = fields(pm);
    if (!own) return undefined;
    let ticks = Number(own[11]) + Number(own[12]) + reaped(own);
    let zombies = 0;
    for (const pid of readdirSync('/proc').filter(d => /^\d+$/.test(d))) {
      const f = fields(pid);
      if (f && Number(f[1]) === pm) {
        ticks += Number(f[11]) + Number(f[12]);
        if (f[0] === 'Z') zombies++;
      }
    }
    const again = fields(pm);
    if (!zombies && again && reaped(again) === reaped(own)) return ticks / 100;
    execFileSync('sleep', ['0.05']);
  }
  return undefined;
}

/** The postmaster of the server db is connected to (the parent of its backend), when /proc shows it. */
async function postmaster(db: pg.Client): Promise<number | undefined> {
  const pid = Number((await db.query('SELECT pg_backend_pid() AS p')).rows[0].p);
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** TEST_POSTGRES_URL, or a server started by scripts/test-databases.sh. */
function serverUrl(): string {
  if (process.env.TEST_POSTGRES_URL) return process.env.TEST_POSTGRES_URL;
  const dir = process.env.TEST_DB_DIR ?? '/tmp/rcs-test-databases';
  const script = join(dirname(fileURLToPath(import.meta.url)), '..', 'scripts', 'test-databases.sh');
  console.log(`TEST_POSTGRES_URL is not set: starting PostgreSQL with scripts/test-databases.sh (TEST_DB_DIR=${dir})`);
  execFileSync('bash', [script, 'start'], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, TEST_DB_DIR: dir } });
  const m = /TEST_POSTGRES_URL=(\S+)/.exec(readFileSync(join(dir, 'env'), 'utf8'));
  if (!m) throw new Error(`no TEST_POSTGRES_URL in ${join(dir, 'env')}`);
  return m[1]!;
}

interface Case {
  name: string;
  /** Column definitions of the generated table (SELECT list over i = 1..rows). */
  columns: Record<string, string>;
  rules: string;
  /** The floor's SET list. */
  floor: string;
}

const FAMILY = ['山田', '佐藤', '鈴木', '高橋', '田中', '伊藤', '渡辺', '中村'];
const FAMILY_KANA = ['ヤマダ', 'サトウ', 'スズキ', 'タカハシ', 'タナカ', 'イトウ', 'ワタナベ', 'ナカムラ'];
const GIVEN = ['太郎', '花子', '健一', '美咲', '由紀', '翔', '大輔', '陽子'];
const GIVEN_KANA = ['タロウ', 'ハナコ', 'ケンイチ', 'ミサキ', 'ユキ', 'ショウ', 'ダイスケ', 'ヨウコ'];
const arr = (xs: string[]): string => `ARRAY[${xs.map(x => `'${x}'`).join(',')}]`;
const d4 = (e: string): string => `lpad(((${e}) % 10000)::text, 4, '0')`;

const EIGHT: Case = {
  name: '8 columns (email, name, kana, landline, mobile, postal code, address, birth date)',
  columns: {
    email: `'user' || i || '.' || substr(md5(i::text), 1, 6) || '@example.co.jp'`,
    full_name: `(${arr(FAMILY)})[1 + i % 8] || ' ' || (${arr(GIVEN)})[1 + (i / 8) % 8]`,
    full_name_kana: `(${arr(FAMILY_KANA)})[1 + i % 8] || ' ' || (${arr(GIVEN_KANA)})[1 + (i / 8) % 8]`,
    landline: `CASE i % 3 WHEN 0 THEN '03-' || ${d4('i')} || '-' || ${d4('i / 7')} WHEN 1 THEN '0422-' || lpad((i % 100)::text, 2, '0') || '-' || ${d4('i / 3')} ELSE '06-' || ${d4('i * 7')} || '-' || ${d4('i')} END`,
    mobile: `(ARRAY['090','080','070'])[1 + i % 3] || '-' || ${d4('i')} || '-' || ${d4('i / 10000')}`,
    postal_code: `lpad((100 + i % 900)::text, 3, '0') || '-' || ${d4('i')}`,
    address: `(ARRAY['東京都渋谷区','大阪府大阪市北区','北海道札幌市中央区','愛知県名古屋市中区'])[1 + i % 4] || '神宮前' || (1 + i % 9) || '-' || (1 + i % 30) || '-' || (1 + i % 20)`,
    birth_date: `date '1950-01-01' + (i % 20000)`,
    plan: `(ARRAY['free','gold','silver'])[1 + i % 3]`
  },
  rules: [
    'email: email',
    'full_name: name',
    'full_name_kana: { transform: name-kana, of: full_name }',
    'landline: phone',
    'mobile: phone',
    'postal_code: { transform: postal-code, of: address }',
    'address: address',
    'birth_date: { transform: date-shift, days: 180 }',
    'plan: keep'
  ].join('\n    '),
  floor:
    'email = md5(email), full_name = md5(full_name), full_name_kana = md5(full_name_kana), landline = md5(landline), mobile = md5(mobile), postal_code = md5(postal_code), address = md5(address), birth_date = birth_date + 1'
};

const THREE: Case = {
  name: '3 columns (email, name, phone)',
  columns: { email: EIGHT.columns.email!, full_name: EIGHT.columns.full_name!, phone: EIGHT.columns.mobile!, plan: EIGHT.columns.plan! },
  rules: ['email: email', 'full_name: name', 'phone: phone', 'plan: keep'].join('\n    '),
  floor: 'email = md5(email), full_name = md5(full_name), phone = md5(phone)'
};

async function connect(url: string, database: string): Promise<pg.Client> {
  const u = new URL(url);
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

/** The server CPU seconds fn used (undefined when the server's processes cannot be read). */
async function cpu(pm: number | undefined, fn: () => Promise<unknown>): Promise<number | undefined> {
  const before = serverCpu(pm);
  await fn();
  const after = serverCpu(pm);
  return before === undefined || after === undefined ? undefined : after - before;
}

interface Result {
  name: string;
  floorMs: number[];
  actionMs: number;
  /** Server CPU seconds of the two floors and of the action, when measurable. */
  floorCpu: Array<number | undefined>;
  actionCpu: number | undefined;
  rbrMs: number;
  rssBefore: number;
  rssPeak: number;
  detail: string;
  ok: boolean;
  checks: string;
}

async function runCase(url: string, db: pg.Client, c: Case, pm: number | undefined): Promise<Result> {
  const cols = Object.keys(c.columns);
  const fresh = async (table: string, rows: number): Promise<void> => {
    await db.query(`DROP TABLE IF EXISTS ${table}`);
    await db.query(`CREATE TABLE ${table} AS SELECT i AS id, ${cols.map(k => `${c.columns[k]} AS ${k}`).join(', ')} FROM generate_series(1, ${rows}) AS i`);
    await db.query(`ALTER TABLE ${table} ADD PRIMARY KEY (id)`);
    await db.query(`VACUUM ANALYZE ${table}`);
  };
  const floorCpu: Array<number | undefined> = [];
  const floor = async (): Promise<number> => {
    await fresh('people', ROWS);
    let ms = 0;
    floorCpu.push(await cpu(pm, async () => ([, ms] = await timed(() => db.query(`UPDATE people SET ${c.floor}`)))));
    return ms;
  };
  const cpuNote = (s: number | undefined): string => (s === undefined ? '' : `, server CPU ${s.toFixed(2)} s`);

  console.log(`\n## ${c.name}`);
  const floorMs = [await floor()];
  console.log(`floor (bare UPDATE) ${secs(floorMs[0]!)}${cpuNote(floorCpu[0])}`);

  // The action.
  await fresh('people', ROWS);
  const dir = mkdtempSync(join(tmpdir(), 'masking-bench-'));
  const rulesFile = join(dir, 'rules.yml');
  writeFileSync(rulesFile, `tables:\n  people:\n    ${c.rules}\n`);
  const u = new URL(url);
  const lines: string[] = [];
  const rssBefore = mb();
  let rssPeak = rssBefore;
  const probe = setInterval(() => (rssPeak = Math.max(rssPeak, mb())), 50);
  const cpu0 = serverCpu(pm);
  const [result, actionMs] = await timed(() =>
    runMasking({
      rulesFile,
      salt: SALT,
      strict: true,
      target: { via: 'direct', engine: 'postgres', host: u.hostname, port: Number(u.port), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), database: DB, tls: 'disable' },
      log: l => lines.push(l),
      workers: WORKERS
    })
  );
  clearInterval(probe);
  await new Promise(r => setTimeout(r, 500)); // the action's connections close: let their backends exit and be reaped
  const cpu1 = serverCpu(pm);
  const actionCpu = cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0;
  console.log(`action ${secs(actionMs)}${cpuNote(actionCpu)}: ${lines.find(l => l.startsWith('masking: people:')) ?? ''}`);
  await db.query('ALTER TABLE people RENAME TO people_masked');

  floorMs.push(await floor());
  console.log(`floor (bare UPDATE) again ${secs(floorMs[1]!)}${cpuNote(floorCpu[1])}`);
  await db.query('DROP TABLE people');

  // Row by row through the driver, on the first SAMPLE rows of the same data.
  await fresh('people_rbr', SAMPLE);
  const rules = parseRules(`tables:\n  people:\n    ${c.rules}\n`, 'bench').tables[0]!.columns.filter(r => r.transform.kind !== 'keep');
  const masked = (t: Transform, row: Record<string, string | null>, col: string): string | null => {
    const v = row[col] ?? null;
    if (t.kind === 'date-shift') {
      if (v === null) return null;
      const d = new Date(`${v}T00:00:00Z`);
      d.setUTCDate(d.getUTCDate() + shiftDays(t.days, SALT, v));
      return d.toISOString().slice(0, 10);
    }
    const of = t.kind === 'name-kana' || t.kind === 'postal-code' ? t.of : undefined;
    return maskValue(t, SALT, v, of ? row[of] : undefined);
  };
  const [, rbrMs] = await timed(async () => {
    await db.query('BEGIN');
    let last = 0;
    for (;;) {
      const batch = await db.query(`SELECT id, ${rules.map(r => r.column).join(', ')} FROM people_rbr WHERE id > $1 ORDER BY id LIMIT 1000`, [last]);
      if (!batch.rows.length) break;
      for (const row of batch.rows) {
        await db.query(`UPDATE people_rbr SET ${rules.map((r, i) => `${r.column} = $${i + 2}`).join(', ')} WHERE id = $1`, [row.id, ...rules.map(r => masked(r.transform, row, r.column))]);
        last = row.id;
      }
    }
    await db.query('COMMIT');
  });
  const same = await db.query(`SELECT count(*) AS n FROM people_rbr r JOIN people_masked p USING (id) WHERE ${rules.map(r => `r.${r.column} IS NOT DISTINCT FROM p.${r.column}`).join(' AND ')}`);
  const check = await db.query(`SELECT count(*) FILTER (WHERE email LIKE '%@example.invalid') AS masked, count(DISTINCT email) AS distinct_emails FROM people_masked`);
  await db.query('DROP TABLE people_rbr');
  await db.query('DROP TABLE people_masked');
  const ok = Number(check.rows[0].masked) === ROWS && Number(check.rows[0].distinct_emails) === ROWS && Number(same.rows[0].n) === SAMPLE;
  return {
    name: c.name,
    floorMs,
    actionMs,
    floorCpu,
    actionCpu,
    rbrMs,
    rssBefore,
    rssPeak,
    detail: `${result.rows} rows; total ${secs(result.durationMs)} including schema check, PII scan, preflight and distinct checks`,
    ok,
    checks: `${check.rows[0].masked} masked emails, ${check.rows[0].distinct_emails} distinct; row-by-row values equal the action's on ${same.rows[0].n} of ${fmt(SAMPLE)} rows`
  };
}

async function main(): Promise<void> {
  const url = serverUrl();
  const admin = await connect(url, new URL(url).pathname.slice(1));
  await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${DB}`);
  await admin.end();
  const db = await connect(url, DB);
  const server = (await db.query('SHOW server_version')).rows[0].server_version as string;
  console.log(`PostgreSQL ${server}; ${fmt(ROWS)} rows; node ${process.version}; ${availableParallelism()} CPU(s), load average ${load()}; masking-workers ${WORKERS}`);

  const results: Result[] = [];
  const pm = await postmaster(db);
  for (const c of [EIGHT, THREE].filter(k => CASES.includes(k === EIGHT ? '8' : '3'))) results.push(await runCase(url, db, c, pm));
  await db.end();

  console.log('\n| case | floor: bare UPDATE (mean of 2) | action | action speed / floor speed (goal ≥ 0.8) | row by row (extrapolated) | action speed / row by row (goal ≥ 10) | runner RSS before → peak |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    const floor = (r.floorMs[0]! + r.floorMs[1]!) / 2;
    const rbrFull = (r.rbrMs / SAMPLE) * ROWS;
    console.log(
      `| ${r.name} | ${secs(floor)} (${r.floorMs.map(secs).join(', ')}) | ${secs(r.actionMs)} | ${(floor / r.actionMs).toFixed(2)}x | ${secs(rbrFull)} (${fmt(SAMPLE)} rows in ${secs(r.rbrMs)}) | ${(rbrFull / r.actionMs).toFixed(1)}x | ${r.rssBefore} → ${r.rssPeak} MB |`
    );
  }
  console.log(
    `\nServer CPU time (the PostgreSQL processes' user + system time: the work done, whatever the load; the goal is on speed, the wall time above, and the action ran ${WORKERS} session(s) a large table):`
  );
  console.log('\n| case | floor: server CPU (mean of 2) | action: server CPU | floor / action by server CPU (work) |');
  console.log('|---|---:|---:|---:|');
  for (const r of results) {
    const [a, b] = r.floorCpu;
    if (a === undefined || b === undefined || r.actionCpu === undefined) {
      console.log(`| ${r.name} | n/a (the server's processes are not readable in /proc) | | |`);
      continue;
    }
    console.log(`| ${r.name} | ${((a + b) / 2).toFixed(2)} s (${a.toFixed(2)} s, ${b.toFixed(2)} s) | ${r.actionCpu.toFixed(2)} s | ${((a + b) / 2 / r.actionCpu).toFixed(2)}x |`);
  }
  console.log(`\nload average at the end: ${load()}`);
  for (const r of results) {
    console.log(`\n${r.name}: ${r.detail}.\ncheck: ${r.checks}.`);
    if (!r.ok) {
      console.error('bench check FAILED');
      process.exitCode = 1;
    }
  }
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
