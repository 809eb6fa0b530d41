/**
 * runMasking against real PostgreSQL and MariaDB servers (scripts/test-databases.sh);
 * PostgreSQL on an embedded PGlite when TEST_POSTGRES_URL is not set.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMasking, MaskingVetoError, loadRules, type MaskingRules } from '../../src/masking';
import { maskValue, shiftDays } from '../../src/masking/reference';
import { FIXTURES, databaseSource, fixture, fixtureDatabase, needs, type EngineName, type TestDb } from '../fixtures/masking/databases';

const SALT = 'test-salt-7f3a9c';
const RULES = join(FIXTURES, 'rules.yml');
const PKS: Record<string, string> = { customers: 'id', orders: 'id', newsletter: 'email', audit_log: 'id', products: 'id' };

type Dump = Record<string, Array<Record<string, string | null>>>;

async function dump(db: TestDb): Promise<Dump> {
  const out: Dump = {};
  for (const [table, pk] of Object.entries(PKS)) {
    const rows = await db.query(`SELECT * FROM ${table} ORDER BY ${pk === 'email' ? 'subscribed_at' : pk}`);
    out[table] = rows.map(r => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? null : String(v)])));
  }
  return out;
}

function shiftIso(iso: string, days: number): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function writeRules(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'masking-rules-'));
  const file = join(dir, 'rules.yml');
  writeFileSync(file, text);
  return file;
}

async function expectVeto(p: Promise<unknown>): Promise<MaskingVetoError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err
  );
  expect(e).toBeInstanceOf(MaskingVetoError);
  return e as MaskingVetoError;
}

const engines: EngineName[] = ['postgres', 'mysql'];

describe.each(engines.map(e => [e, needs(e, databaseSource(e))] as [EngineName, string]))('masking on %s%s', engine => {
  const source = databaseSource(engine);
  const maybe = source ? it : it.skip;
  const dbs: TestDb[] = [];
  const open = async (): Promise<TestDb> => {
    const db = await fixtureDatabase(engine, source!);
    dbs.push(db);
    return db;
  };
  afterEach(async () => {
    while (dbs.length) await dbs.pop()!.drop();
  });

  maybe('masks every personal value, keeps the rest byte-identical, keeps joins and uniqueness', async () => {
    const db = await open();
    const before = await dump(db);
    const joinsBefore = await db.query('SELECT count(*) AS n FROM orders o JOIN customers c ON c.email = o.contact_email');
    const newsBefore = await db.query('SELECT count(*) AS n FROM newsletter n JOIN customers c ON c.email = n.email');
    const lines: string[] = [];
    const result = await runMasking({ rulesFile: RULES, salt: SALT, strict: true, target: db.target, log: l => lines.push(l) });
    const after = await dump(db);

    expect(result.findings).toEqual([]);
    expect(result.tables).toBe(4);
    expect(result.rows).toBe(6 + 6 + 4);
    expect(lines.join('\n')).not.toContain(SALT);

    // Every masked column equals the reference masking of its original value; every other column is unchanged.
    const rules: MaskingRules = loadRules(RULES);
    for (const tr of rules.tables) {
      const table = tr.table.table;
      before[table]!.forEach((row, i) => {
        const got = after[table]![i]!;
        for (const [col, value] of Object.entries(row)) {
          const rule = tr.columns.find(c => c.column === col)?.transform;
          if (!rule || rule.kind === 'keep') expect([table, col, got[col]]).toEqual([table, col, value]);
          else if (rule.kind === 'date-shift') expect(got[col]).toBe(value === null ? null : shiftIso(value, shiftDays(rule.days, SALT, value)));
          else expect([table, col, got[col]]).toEqual([table, col, maskValue(rule, SALT, value)]);
        }
      });
    }
    expect(after.products).toEqual(before.products);
    expect(after.audit_log).toEqual([]);

    // No original personal value remains anywhere in the database.
    const originals = new Set<string>();
    for (const tr of rules.tables) for (const row of before[tr.table.table]!) for (const c of tr.columns) if (c.transform.kind !== 'keep' && row[c.column]) originals.add(row[c.column]!);
    for (const row of before.audit_log!) originals.add(row.detail!);
    const cells = Object.values(after)
      .flatMap(rows => rows.flatMap(r => Object.values(r)))
      .filter((v): v is string => v !== null);
    const leaks = [...originals].filter(o => cells.some(c => c.includes(o)));
    expect(leaks).toEqual([]);

    // Joins on masked values hold; unique values stay unique.
    expect(await db.query('SELECT count(*) AS n FROM orders o JOIN customers c ON c.email = o.contact_email')).toEqual(joinsBefore);
    expect(await db.query('SELECT count(*) AS n FROM newsletter n JOIN customers c ON c.email = n.email')).toEqual(newsBefore);
    const distinct = await db.query('SELECT count(DISTINCT email) AS d, count(*) AS n FROM customers');
    expect(Number(distinct[0]!.d)).toBe(Number(distinct[0]!.n));
    // Japanese names and kana come out Japanese.
    expect(after.customers![0]!.full_name).toMatch(/^[\u4e00-\u9fff\u3041-\u3096]+ [\u4e00-\u9fff\u3041-\u3096]+$/);
    expect(after.customers![0]!.full_name_kana).toMatch(/^[\u30a1-\u30fc]+ [\u30a1-\u30fc]+$/);
  });

  maybe('is deterministic across databases and runs, and depends on the salt', async () => {
    const a = await open();
    const b = await open();
    const c = await open();
    await runMasking({ rulesFile: RULES, salt: SALT, strict: true, target: a.target, log: () => undefined });
    await runMasking({ rulesFile: RULES, salt: SALT, strict: true, target: b.target, log: () => undefined });
    await runMasking({ rulesFile: RULES, salt: 'another-salt', strict: true, target: c.target, log: () => undefined });
    const [da, db, dc] = [await dump(a), await dump(b), await dump(c)];
    expect(db).toEqual(da);
    expect(dc.customers!.map(r => r.email)).not.toEqual(da.customers!.map(r => r.email));
  });

  maybe('the scanner catches an unruled phone column (by name and by values) and vetoes before any write', async () => {
    const db = await open();
    await db.exec('CREATE TABLE support_tickets (id integer PRIMARY KEY, callback_tel varchar(20), body text)');
    await db.exec("INSERT INTO support_tickets VALUES (1, '090-5555-1234', 'please call'), (2, '03-1111-2222', 'refund')");
    await db.exec('CREATE TABLE imports (id integer PRIMARY KEY, contact varchar(40), ref varchar(20))');
    await db.exec("INSERT INTO imports VALUES (1, '080-1234-0000', 'A-1'), (2, '090-2222-3333', 'A-2'), (3, '070-9999-8888', 'B-7')");
    const before = await dump(db);
    const veto = await expectVeto(runMasking({ rulesFile: RULES, salt: SALT, strict: true, target: db.target, log: () => undefined }));
    expect(veto.reasons).toHaveLength(2);
    expect(veto.reasons[0]).toMatch(/support_tickets\.callback_tel looks like phone .*callback_tel: phone/);
    expect(veto.reasons[1]).toMatch(/imports\.contact looks like phone \(3 of 3 sampled values/);
    expect(await dump(db)).toEqual(before);

    const warned: string[] = [];
    const result = await runMasking({ rulesFile: RULES, salt: SALT, strict: false, target: db.target, log: l => warned.push(l) });
    expect(result.findings).toHaveLength(2);
    expect(warned.filter(l => l.startsWith('warning:'))).toHaveLength(2);
    expect((await dump(db)).customers).not.toEqual(before.customers);
  });

  maybe('a rule that fails while masking rolls back and vetoes', async () => {
    const db = await open();
    // Masked names contain a space: this constraint makes the orders UPDATE fail at run time.
    await db.exec("UPDATE orders SET shipping_name = REPLACE(shipping_name, ' ', '')");
    await db.exec("ALTER TABLE orders ADD CONSTRAINT no_space CHECK (shipping_name NOT LIKE '% %')");
    const before = await dump(db);
    const veto = await expectVeto(runMasking({ rulesFile: RULES, salt: SALT, strict: true, target: db.target, log: () => undefined }));
    expect(veto.reasons[0]).toMatch(/^table orders: .*(no_space|CONSTRAINT|constraint)/);
    const after = await dump(db);
    // The failing table is untouched in every column (its transaction rolled back).
    expect(after.orders).toEqual(before.orders);
    if (engine === 'postgres') {
      // PostgreSQL masks in one transaction: nothing at all changed, not even the truncate.
      expect(veto.reasons[0]).toMatch(/Everything was rolled back/);
      expect(after).toEqual(before);
    } else {
      expect(veto.reasons[0]).toMatch(/Its transaction was rolled back/);
    }
  });

  maybe('rules that do not match the schema veto before anything is written', async () => {
    const db = await open();
    const before = await dump(db);
    const file = writeRules(`${fixture('rules.yml')}\n`.replace('    notes: hash\n', '    notes: hash\n    mobile: phone\n').replace('  newsletter:\n', '  newsleter:\n'));
    const veto = await expectVeto(runMasking({ rulesFile: file, salt: SALT, strict: true, target: db.target, log: () => undefined }));
    expect(veto.reasons).toEqual([expect.stringMatching(/table customers, column mobile: no such column \(columns: id, email, /), expect.stringMatching(/table newsleter: not found in schema /)]);
    expect(await dump(db)).toEqual(before);
  });

  maybe('a verify query that returns rows vetoes the swap', async () => {
    const db = await open();
    const file = writeRules(`${fixture('rules.yml')}  - name: plans untouched\n    sql: SELECT id FROM customers WHERE plan = 'gold'\n`);
    const veto = await expectVeto(runMasking({ rulesFile: file, salt: SALT, strict: true, target: db.target, log: () => undefined }));
    expect(veto.reasons).toEqual(["verify 'plans untouched' returned 2 row(s); it must return none."]);
    if (engine === 'postgres') expect((await dump(db)).customers![0]!.email).toBe('taro.yamada@example.co.jp');
  });
});
