/**
 * masking-workers: one table's UPDATE split over several sessions by page ranges (engine.ts splitTable), against a
 * real PostgreSQL server. Not on the embedded PGlite: it multiplexes every client onto one session, so it has no
 * concurrent transactions to test (an Aurora or RDS server has).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { maskDatabase, SPLIT_MIN_PAGES } from '../../src/masking/engine';
import { parseRules } from '../../src/masking/rules';
import { maskValue } from '../../src/masking/reference';
import { postgres } from '../../src/masking/sql/postgres';
import { connectPostgres } from '../../src/masking/transports/pg';
import { MaskingVetoError } from '../../src/masking/veto';
import { databaseSource, freshDatabase, type TestDb } from '../fixtures/masking/databases';

const SALT = 'split-salt';
const ROWS = 6000;
const source = databaseSource('postgres');
const server = source?.kind === 'server' ? source : undefined;
const title = server ? '' : ' [needs PostgreSQL (TEST_POSTGRES_URL): PGlite has no concurrent sessions]';

(server ? describe : describe.skip)(`masking one table over several sessions${title}`, () => {
  let db: TestDb;
  const open = (): ReturnType<typeof connectPostgres> => connectPostgres({ ...db.target });

  beforeAll(async () => {
    db = await freshDatabase('postgres', server!);
  });
  afterAll(async () => {
    await db?.drop();
  });

  /** A fresh `people` table: ROWS rows, email and phone from the id, note NOT NULL from id 5001 on (a CHECK allows NULL below). */
  async function people(): Promise<void> {
    await db.exec(`DROP TABLE IF EXISTS people; DROP TABLE IF EXISTS audit;
      CREATE TABLE people (id int PRIMARY KEY, email text, phone text, note text, CHECK (note IS NOT NULL OR id <= 5000));
      INSERT INTO people SELECT i, 'user' || i || '@example.jp', '03-' || lpad((i % 10000)::text, 4, '0') || '-' || lpad(i::text, 4, '0'), 'n' || i FROM generate_series(1, ${ROWS}) AS i;`);
  }

  async function mask(rulesYaml: string, workers: number, log: string[] = [], splitMinPages = 1): ReturnType<typeof maskDatabase> {
    const rules = parseRules(rulesYaml, 'rules.yml');
    const ex = await open();
    try {
      return await maskDatabase(ex, postgres, rules, { salt: SALT, strict: false, log: l => log.push(l), workers, open, splitMinPages });
    } finally {
      await ex.close();
    }
  }

  it('splits the table over the sessions and masks every row exactly once, as one session would', async () => {
    await people();
    const pages = Number((await db.query(`SELECT pg_relation_size('people') / 8192 AS p`))[0]!.p);
    expect(pages).toBeGreaterThanOrEqual(3);
    const log: string[] = [];
    const out = await mask('tables:\n  people:\n    email: email\n    phone: phone\n    note: keep', 3, log);
    expect(out.rows).toBe(ROWS);
    expect(log.find(l => l.startsWith('masking: people:'))).toMatch(new RegExp(`^masking: people: ${ROWS} row\\(s\\), email:email, phone:phone in [\\d.]+ s \\(3 sessions over ${pages} pages\\)$`));
    const rows = await db.query('SELECT id, email, phone FROM people ORDER BY id');
    expect(rows).toHaveLength(ROWS);
    const wrong = rows.filter(r => {
      const i = Number(r.id);
      const phone = `03-${String(i % 10000).padStart(4, '0')}-${String(i).padStart(4, '0')}`;
      return r.email !== maskValue({ kind: 'email', domain: 'example.invalid' }, SALT, `user${i}@example.jp`) || r.phone !== maskValue({ kind: 'phone' }, SALT, phone);
    });
    expect(wrong).toEqual([]);
  });

  it('one worker, or a table under the default 64 MiB, keeps one session (no split is logged)', async () => {
    await people();
    const log: string[] = [];
    await mask('tables:\n  people:\n    email: email\n    note: keep\n    phone: keep', 1, log);
    await mask('tables:\n  people:\n    email: keep\n    note: keep\n    phone: phone', 3, log, SPLIT_MIN_PAGES);
    const lines = log.filter(l => l.startsWith('masking: people:'));
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l).not.toMatch(/sessions over/);
  });

  it('a statement that fails in one range rolls back every range: the table is as it was', async () => {
    await people();
    // note: null breaks the CHECK only for ids above 5000, which sit in the last of the three ranges.
    const err = await mask('tables:\n  people:\n    email: email\n    phone: keep\n    note: null', 3).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MaskingVetoError);
    expect((err as MaskingVetoError).reasons.join('\n')).toMatch(/^table people: .*check constraint.*Its transaction was rolled back in every session; the steps before it stay committed\.$/s);
    const unmasked = await db.query(`SELECT count(*) AS n FROM people WHERE email = 'user' || id || '@example.jp' AND note = 'n' || id`);
    expect(Number(unmasked[0]!.n)).toBe(ROWS);
    // No session is left holding a lock or a transaction open.
    const open = await db.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`);
    expect(Number(open[0]!.n)).toBe(0);
  });

  it('before-SQL commits before the split table, after-SQL and verify run after it', async () => {
    await people();
    const rules = [
      'sql:',
      '  before:',
      '    - CREATE TABLE audit (step text)',
      "    - INSERT INTO audit VALUES ('before')",
      '  after:',
      "    - INSERT INTO audit SELECT 'after ' || count(*) FROM people WHERE email LIKE '%@example.invalid'",
      'tables:',
      '  people:',
      '    email: email',
      '    phone: keep',
      '    note: keep',
      'verify:',
      '  - name: no original e-mail',
      "    sql: SELECT 1 FROM people WHERE email LIKE '%@example.jp'"
    ].join('\n');
    await mask(rules, 2);
    expect((await db.query('SELECT step FROM audit ORDER BY step')).map(r => r.step)).toEqual([`after ${ROWS}`, 'before']);
  });

  it('a table with inheritance children is not split: the ranges would miss the pages of the children', async () => {
    await db.exec(`DROP TABLE IF EXISTS kids; DROP TABLE IF EXISTS parents;
      CREATE TABLE parents (id int, email text);
      CREATE TABLE kids () INHERITS (parents);
      INSERT INTO parents SELECT i, 'p' || i || '@example.jp' FROM generate_series(1, 100) AS i;
      INSERT INTO kids SELECT i, 'k' || i || '@example.jp' FROM generate_series(101, ${ROWS}) AS i;`);
    const log: string[] = [];
    const out = await mask('tables:\n  parents:\n    email: email\n  kids:\n    email: email', 3, log);
    expect(log.filter(l => /sessions over/.test(l)).map(l => l.split(':')[1])).toEqual([' kids']);
    expect(out.rows).toBe(2 * ROWS - 100);
    expect(await db.query(`SELECT count(*) AS n FROM parents WHERE email NOT LIKE '%@example.invalid'`)).toEqual([{ n: '0' }]);
  });

  it('before PostgreSQL 14 (no TID range scans) a table is not split; a split restricts the UPDATE to whole pages', () => {
    expect(postgres.pages!.supports(130012)).toBe(false);
    expect(postgres.pages!.supports(140000)).toBe(true);
    expect(postgres.pages!.restrict('UPDATE t SET a = 1', 0, 10.5)).toBe("UPDATE t SET a = 1\nWHERE ctid >= '(0,0)'::tid AND ctid < '(10,0)'::tid");
  });
});
