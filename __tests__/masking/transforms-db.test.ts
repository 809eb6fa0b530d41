/**
 * Every transform × every dialect × alone (a table whose only rule it is) and
 * mixed (one table with all of them), against real PostgreSQL and MariaDB
 * servers (scripts/test-databases.sh). Each masked cell must equal the
 * reference masking (src/masking/reference.ts) of its original value.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRules, runMasking } from '../../src/masking';
import { maskValue, shiftDays } from '../../src/masking/reference';
import type { Transform } from '../../src/masking/rules';
import { freshDatabase, serverUrl, type EngineName, type TestDb } from './databases';

const SALT = 'transform-table-salt';

interface Case {
  /** Table name suffix and column name. */
  name: string;
  /** The rule as written in YAML (value of `column:`). */
  rule: string;
  pg: string;
  my: string;
  values: Array<string | null>;
  /** The column whose value the rule derives from (of:), in the mixed table. */
  of?: string;
}

const CASES: Case[] = [
  { name: 'email', rule: 'email', pg: 'varchar(255)', my: 'varchar(255)', values: ['taro@example.co.jp', 'Hanako.Sato@Example.JP', null, ''] },
  { name: 'name', rule: 'name', pg: 'varchar(100)', my: 'varchar(100)', values: ['山田 太郎', 'John Smith', null] },
  { name: 'latin', rule: '{ transform: name, style: latin }', pg: 'varchar(100)', my: 'varchar(100)', values: ['John Smith', '佐藤 花子', ''] },
  { name: 'kana', rule: 'name-kana', pg: 'varchar(100)', my: 'varchar(100)', values: ['ヤマダ タロウ', 'サトウ ハナコ', null] },
  { name: 'phone', rule: 'phone', pg: 'varchar(40)', my: 'varchar(40)', values: ['03-1001-0001', '090-1234-5678', '+81-90-9876-5432', '0312345678', null] },
  { name: 'address', rule: 'address', pg: 'text', my: 'text', values: ['東京都渋谷区神宮前1-2-3', '大阪府大阪市北区梅田2-4-9', null] },
  { name: 'postal', rule: 'postal-code', pg: 'varchar(8)', my: 'varchar(8)', values: ['150-0001', '530-0001', null] },
  { name: 'hash', rule: '{ transform: hash, length: 16 }', pg: 'text', my: 'text', values: ['VIP', 'prefers phone', '', null] },
  { name: 'nulled', rule: "'null'", pg: 'text', my: 'text', values: ['secret', null, 'other'] },
  { name: 'const', rule: "{ transform: constant, value: 'N/A' }", pg: 'varchar(10)', my: 'varchar(10)', values: ['x', null, 'y'] },
  { name: 'born', rule: '{ transform: date-shift, days: 90 }', pg: 'date', my: 'date', values: ['1985-04-12', '2000-02-29', null] },
  { name: 'kept', rule: 'keep', pg: 'text', my: 'text', values: ['plain', null, ''] }
];

function shiftIso(iso: string, days: number): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

const transformOf = (c: Case): Transform => parseRules(`tables:\n  t:\n    ${c.name}: ${c.rule}\n`, 'case').tables[0]!.columns[0]!.transform;

function expected(c: Case, value: string | null, row: Record<string, string | null>): string | null {
  const t = transformOf(c);
  if (t.kind === 'date-shift') return value === null ? null : shiftIso(value, shiftDays(t.days, SALT, value));
  return maskValue(t, SALT, value, c.of === undefined ? undefined : row[c.of]);
}

const rows = Math.max(...CASES.map(c => c.values.length));
const cell = (c: Case, i: number): string | null => c.values[i % c.values.length] ?? null;
const lit = (v: string | null): string => (v === null ? 'NULL' : `'${v.replace(/'/g, "''")}'`);

function ddl(engine: EngineName, table: string, cases: Case[]): string[] {
  const cols = cases.map(c => `${c.name} ${engine === 'postgres' ? c.pg : c.my}`).join(', ');
  const out = [`CREATE TABLE ${table} (id integer PRIMARY KEY, ${cols})`];
  for (let i = 0; i < rows; i++) out.push(`INSERT INTO ${table} VALUES (${i + 1}, ${cases.map(c => lit(cell(c, i))).join(', ')})`);
  return out;
}

const str = (v: unknown): string | null => (v === null || v === undefined ? null : v instanceof Date ? v.toISOString().slice(0, 10) : String(v));

describe.each(['postgres', 'mysql'] as EngineName[])('each transform on %s, alone and mixed', engine => {
  const url = serverUrl(engine);
  const maybe = url ? it : it.skip;
  let db: TestDb | undefined;
  let masked: Record<string, Array<Record<string, string | null>>> = {};
  let original: Record<string, Array<Record<string, string | null>>> = {};
  let error: unknown;

  beforeAll(async () => {
    if (!url) return;
    db = await freshDatabase(engine, url);
    const tables = [...CASES.map(c => ({ table: `alone_${c.name}`, cases: [c] })), { table: 'mixed', cases: CASES }];
    for (const t of tables) for (const s of ddl(engine, t.table, t.cases)) await db.exec(s);
    const read = async (): Promise<typeof masked> => {
      const out: typeof masked = {};
      for (const t of tables) out[t.table] = (await db!.query(`SELECT * FROM ${t.table} ORDER BY id`)).map(r => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, str(v)])));
      return out;
    };
    original = await read();
    const yaml = `tables:\n${tables.map(t => `  ${t.table}:\n${t.cases.map(c => `    ${c.name}: ${c.rule}\n`).join('')}`).join('')}`;
    const dir = mkdtempSync(join(tmpdir(), 'masking-transforms-'));
    writeFileSync(join(dir, 'rules.yml'), yaml);
    try {
      await runMasking({ rulesFile: join(dir, 'rules.yml'), salt: SALT, strict: true, target: db.target, log: () => undefined });
    } catch (e) {
      error = e;
    }
    masked = await read();
  }, 120_000);

  afterAll(async () => {
    await db?.drop();
  });

  maybe('masks every table without an error (tables whose rules are all null or constant included)', () => {
    expect(error).toBeUndefined();
  });

  describe.each(CASES.map(c => [c.name, c] as const))('%s', (_name, c) => {
    maybe.each(['alone', 'mixed'])('%s: every cell is the reference masking of its original value', where => {
      const table = where === 'alone' ? `alone_${c.name}` : 'mixed';
      const want = original[table]!.map(r => expected(c, r[c.name] ?? null, r));
      expect(masked[table]!.map(r => r[c.name])).toEqual(want);
      // Something was actually masked (keep excepted), and no other column of an alone table changed.
      if (c.rule !== 'keep') expect(masked[table]!.map(r => r[c.name])).not.toEqual(original[table]!.map(r => r[c.name]));
      if (where === 'alone') expect(masked[table]!.map(r => r.id)).toEqual(original[table]!.map(r => r.id));
    });
  });
});
