/**
 * Masks one database: schema check, PII scan, preflight (EXPLAIN of every
 * UPDATE), then sql.before, truncate, one set-based UPDATE per table (with
 * distinct counts before/after for email and hash columns), sql.after and the
 * verify queries. PostgreSQL runs all of it in one transaction; MySQL gives
 * each table its own (TRUNCATE and DDL commit implicitly there). Every failure
 * becomes a MaskingVetoError; nothing is masked row by row and no table's rows
 * are read into the runner (the scanner reads a bounded sample).
 */
import { maskKey, type MaskKey } from './keys';
import type { MaskingRules } from './rules';
import { planMasking, readSchema, type TablePlan } from './schema';
import { describeFinding, scanForPii } from './scanner';
import type { Dialect } from './sql/dialect';
import type { Executor } from './transports/executor';
import { MaskingVetoError } from './veto';

export interface MaskOptions {
  salt: string;
  strict: boolean;
  log: (line: string) => void;
  /** Rows sampled per table by the scanner (default 200). */
  sampleRows?: number;
  /** One transaction around all of it (default: PostgreSQL yes, MySQL no: each table in its own). */
  atomic?: boolean;
  /**
   * Sessions that mask one large table together, each over its own range of the table's pages (default 1).
   * Used only when the dialect can split (PostgreSQL 14+), `open` is given, and a table has at least
   * SPLIT_MIN_PAGES pages; then the job is no longer one transaction (see splitTable).
   */
  workers?: number;
  /** Opens one more session to the same database (for workers). */
  open?: () => Promise<Executor>;
  /** Tables of fewer pages are not split (default SPLIT_MIN_PAGES). */
  splitMinPages?: number;
}

/** Tables smaller than this many pages (8 KiB each: 64 MiB) are masked by one session: splitting saves little there. */
export const SPLIT_MIN_PAGES = 8192;

export interface MaskOutcome {
  tables: number;
  rows: number;
  findings: string[];
}

const msg = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** The distinct counts of t's columns that must stay unique, now; the function returned throws when they have changed since. */
async function distinctCounts(db: Executor, t: TablePlan): Promise<() => Promise<void>> {
  const before = t.distinctQuery ? (await db.query(t.distinctQuery)).rows[0] : undefined;
  return async () => {
    if (!t.distinctQuery || !before) return;
    const after = (await db.query(t.distinctQuery)).rows[0] ?? {};
    const collided = t.unique.filter((_, i) => Number(after[`d${i}`]) !== Number(before[`d${i}`]));
    if (collided.length)
      throw new Error(`masked values collided in ${collided.map(c => c.column).join(', ')} (distinct count changed), so uniqueness and joins would break: use a longer hash length, or a wider ip range`);
  };
}

/** Keys, distinct counts, the UPDATE, distinct counts again: on `tx`, which is already inside a transaction. */
async function maskTable(tx: Executor, dialect: Dialect, plan: TablePlan, params: unknown[], keys: MaskKey): Promise<number> {
  try {
    for (const s of dialect.sessionKeys(keys)) await tx.query(s.sql, s.params);
    const unchanged = await distinctCounts(tx, plan);
    const r = await tx.query(plan.update!, plan.usesKeys ? params : []);
    await unchanged();
    return r.affected;
  } finally {
    for (const s of dialect.clearKeys()) await tx.query(s.sql, s.params).catch(() => undefined);
  }
}

/**
 * Page boundaries [0, …, pages] splitting table t over `workers` sessions, or undefined when it is not split: the
 * server cannot scan page ranges (before PostgreSQL 14), or the table is under SPLIT_MIN_PAGES.
 */
async function pageRanges(ex: Executor, dialect: Dialect, t: TablePlan, workers: number, minPages: number): Promise<number[] | undefined> {
  const pages = dialect.pages!;
  const row = (await ex.query(pages.query, [dialect.table(t.schema, t.table)])).rows[0] ?? {};
  const total = Number(row.pages);
  if (!pages.supports(Number(row.version)) || !(total >= Math.max(minPages, workers))) return undefined;
  return Array.from({ length: workers + 1 }, (_, i) => Math.floor((total * i) / workers));
}

/**
 * One table's UPDATE over several sessions, session i over the rows in pages [bounds[i], bounds[i+1]) (bounds read
 * right before, up to the table's size then: the row versions the UPDATE writes past it are new, and invisible to
 * every session's snapshot; nobody else writes to the database). Each
 * session holds its transaction open until all have updated their range; then all commit, and when any fails all
 * roll back, so a statement error leaves the table as it was. What a single transaction would add, and this
 * cannot, is a commit that is all or nothing when a connection breaks between the sessions' COMMITs: that leaves
 * the table partly masked. Either way the failure vetoes the swap, and nobody but the action reaches the new
 * database before it, so a partly masked table is never seen (docs/masking.md, "Several sessions").
 */
async function splitTable(ex: Executor, open: () => Promise<Executor>, dialect: Dialect, t: TablePlan, params: unknown[], keys: MaskKey, bounds: number[]): Promise<number> {
  const sessions: Executor[] = [];
  try {
    for (let i = 1; i < bounds.length; i++) sessions.push(await open());
    const unchanged = await distinctCounts(ex, t);
    let pending = sessions.length;
    let pass!: () => void;
    let fail!: (e: unknown) => void;
    const allUpdated = new Promise<void>((resolve, reject) => ([pass, fail] = [resolve, reject]));
    allUpdated.catch(() => undefined);
    const settled = await Promise.allSettled(
      sessions.map((session, i) =>
        session.transaction(async tx => {
          try {
            for (const s of dialect.sessionKeys(keys)) await tx.query(s.sql, s.params);
            const r = await tx.query(dialect.pages!.restrict(t.update!, bounds[i]!, bounds[i + 1]!), t.usesKeys ? params : []);
            for (const s of dialect.clearKeys()) await tx.query(s.sql, s.params);
            if (--pending === 0) pass();
            await allUpdated;
            return r.affected;
          } catch (e) {
            fail(e);
            throw e;
          }
        })
      )
    );
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      const committed = settled.filter(r => r.status === 'fulfilled').length;
      if (committed) throw new Error(`${msg(failed.reason)}; ${committed} of ${sessions.length} sessions had already committed their part, so the table is partly masked`);
      throw failed.reason;
    }
    await unchanged();
    return settled.reduce((n, r) => n + (r.status === 'fulfilled' ? r.value : 0), 0);
  } finally {
    await Promise.all(sessions.map(s => s.close().catch(() => undefined)));
  }
}

export async function maskDatabase(ex: Executor, dialect: Dialect, rules: MaskingRules, opts: MaskOptions): Promise<MaskOutcome> {
  const { log } = opts;
  const keys = maskKey(opts.salt);
  const params = dialect.updateParams(keys);

  const schema = await readSchema(ex, dialect);
  const plan = planMasking(rules, schema, dialect);
  if (plan.problems.length)
    throw new MaskingVetoError(
      plan.problems.map(p => `${rules.file}: ${p}`),
      'Masking rules do not match the restored schema'
    );
  log(`masking: ${plan.tables.length} table(s) with rules, ${plan.truncate.length} to truncate, ${schema.tables.length} table(s) in the database`);

  const found = await scanForPii(ex, dialect, schema, { sampleRows: opts.sampleRows ?? 200, ruled: plan.ruled, truncated: plan.truncated });
  const findings = found.map(f => describeFinding(f, schema.defaultSchema));
  if (findings.length && opts.strict) throw new MaskingVetoError(findings, `PII scan: ${findings.length} personal-looking column(s) without a rule (masking-strict)`);
  for (const f of findings) log(`warning: ${f}`);

  // Preflight: every UPDATE must plan before anything is written (unknown types, bad constants).
  const updates = plan.tables.filter(t => t.update);
  for (const t of updates) {
    try {
      await ex.transaction(async tx => {
        for (const s of dialect.sessionKeys(keys)) await tx.query(s.sql, s.params);
        await tx.query(`EXPLAIN ${t.update!}`, t.usesKeys ? params : []);
        for (const s of dialect.clearKeys()) await tx.query(s.sql, s.params);
      });
    } catch (e) {
      throw new MaskingVetoError([`table ${t.display}: its masking statement does not plan: ${msg(e)}. Nothing was written.`]);
    }
  }

  // Which tables may be split over several sessions, decided before anything is written (it decides whether the job
  // is one transaction). Their page ranges are read again right before each is masked: an earlier step (an UPDATE
  // of an inheritance parent, sql.before) may have moved its rows.
  const splits = new Set<TablePlan>();
  const workers = Math.max(1, Math.floor(opts.workers ?? 1));
  const minPages = opts.splitMinPages ?? SPLIT_MIN_PAGES;
  if (workers > 1 && opts.open && dialect.pages) for (const t of updates) if (await pageRanges(ex, dialect, t, workers, minPages)) splits.add(t);
  // PostgreSQL: one transaction for everything (transactional DDL and TRUNCATE), unless a table is split: its
  // sessions cannot see another transaction's uncommitted work, so then each step commits on its own (splitTable).
  // MySQL: TRUNCATE and DDL commit implicitly, so each table has its own.
  const atomic = (opts.atomic ?? dialect.engine === 'postgres') && splits.size === 0;
  /** What a table's failure undid; `split`: it ran over several sessions. */
  const rolledBack = (split: boolean): string =>
    atomic ? 'Everything was rolled back.' : `Its transaction was rolled back${split ? ' in every session' : ''}${splits.size ? '; the steps before it stay committed.' : '.'}`;
  const work = async (db: Executor, inTransaction: boolean): Promise<number> => {
    const step = async (what: string, sql: string): Promise<void> => {
      try {
        await db.query(sql);
      } catch (e) {
        throw new MaskingVetoError([`${what} failed: ${msg(e)}${atomic ? '. Everything was rolled back.' : ''}`]);
      }
    };
    for (const [i, sql] of rules.before.entries()) await step(`sql.before[${i}]`, sql);
    for (const sql of dialect.truncate(plan.truncate)) await step(`truncate (${plan.truncate.map(t => `${t.schema}.${t.table}`).join(', ')})`, sql);
    if (plan.truncate.length) log(`masking: truncated ${plan.truncate.map(t => t.table).join(', ')}`);

    let rows = 0;
    for (const t of updates) {
      const t0 = Date.now();
      const bounds = splits.has(t) ? await pageRanges(db, dialect, t, workers, minPages) : undefined;
      try {
        const n = bounds
          ? await splitTable(db, opts.open!, dialect, t, params, keys, bounds)
          : inTransaction
            ? await maskTable(db, dialect, t, params, keys)
            : await db.transaction(tx => maskTable(tx, dialect, t, params, keys));
        rows += n;
        const masked = t.columns.filter(c => c.expression).map(c => `${c.column.column}:${c.transform.kind}`);
        const how = bounds ? ` (${bounds.length - 1} sessions over ${bounds[bounds.length - 1]!.toLocaleString('en-US')} pages)` : '';
        log(`masking: ${t.display}: ${n} row(s), ${masked.join(', ')} in ${seconds(Date.now() - t0)}${how}`);
      } catch (e) {
        throw new MaskingVetoError([`table ${t.display}: ${msg(e)}. ${rolledBack(!!bounds)}`]);
      }
    }

    for (const [i, sql] of rules.after.entries()) await step(`sql.after[${i}]`, sql);

    const failed: string[] = [];
    for (const v of rules.verify) {
      try {
        const r = await db.query(dialect.countRows(v.sql));
        const n = Number(r.rows[0]?.n ?? 0);
        if (n > 0) failed.push(`verify '${v.name}' returned ${n} row(s); it must return none.`);
      } catch (e) {
        failed.push(`verify '${v.name}' failed to run: ${msg(e)}`);
      }
    }
    if (failed.length) throw new MaskingVetoError(failed, 'Masking verification failed');
    if (rules.verify.length) log(`masking: ${rules.verify.length} verify quer${rules.verify.length === 1 ? 'y' : 'ies'} returned no rows`);
    return rows;
  };

  const rows = atomic ? await ex.transaction(tx => work(tx, true)) : await work(ex, false);
  return { tables: plan.tables.length + plan.truncate.length, rows, findings };
}
