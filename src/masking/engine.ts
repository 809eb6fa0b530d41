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
}

export interface MaskOutcome {
  tables: number;
  rows: number;
  findings: string[];
}

const msg = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** Keys, distinct counts, the UPDATE, distinct counts again: on `tx`, which is already inside a transaction. */
async function maskTable(tx: Executor, dialect: Dialect, plan: TablePlan, params: unknown[], keys: MaskKey): Promise<number> {
  try {
    for (const s of dialect.sessionKeys(keys)) await tx.query(s.sql, s.params);
    const before = plan.distinctQuery ? (await tx.query(plan.distinctQuery)).rows[0] : undefined;
    const r = await tx.query(plan.update!, plan.usesKeys ? params : []);
    if (plan.distinctQuery && before) {
      const after = (await tx.query(plan.distinctQuery)).rows[0] ?? {};
      const collided = plan.unique.filter((_, i) => Number(after[`d${i}`]) !== Number(before[`d${i}`]));
      if (collided.length)
        throw new Error(`masked values collided in ${collided.map(c => c.column).join(', ')} (distinct count changed), so uniqueness and joins would break: use a longer hash length, or a wider ip range`);
    }
    return r.affected;
  } finally {
    for (const s of dialect.clearKeys()) await tx.query(s.sql, s.params).catch(() => undefined);
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

  const atomic = opts.atomic ?? dialect.engine === 'postgres';
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
      try {
        const n = inTransaction ? await maskTable(db, dialect, t, params, keys) : await db.transaction(tx => maskTable(tx, dialect, t, params, keys));
        rows += n;
        const masked = t.columns.filter(c => c.expression).map(c => `${c.column.column}:${c.transform.kind}`);
        log(`masking: ${t.display}: ${n} row(s), ${masked.join(', ')} in ${seconds(Date.now() - t0)}`);
      } catch (e) {
        throw new MaskingVetoError([`table ${t.display}: ${msg(e)}. ${atomic ? 'Everything was rolled back.' : 'Its transaction was rolled back.'}`]);
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

  // PostgreSQL: one transaction for everything (transactional DDL and TRUNCATE): any failure leaves the
  // database exactly as restored. MySQL: TRUNCATE and DDL commit implicitly, so each table has its own.
  const rows = atomic ? await ex.transaction(tx => work(tx, true)) : await work(ex, false);
  return { tables: plan.tables.length + plan.truncate.length, rows, findings };
}
