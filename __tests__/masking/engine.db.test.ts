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
import { FAMILY_JA, FAMILY_KANA, GIVEN_JA, GIVEN_KANA, POSTAL_PREFIXES, PREFECTURES } from '../../src/masking/dictionaries';
import { databaseSource, freshDatabase, needs, type EngineName, type TestDb } from '../fixtures/masking/databases';

const SALT = 'transform-table-salt';

interface Case {
  /** Table name suffix and column name. */
  name: string;
  /** The rule as written in YAML (value of `column:`). */
  rule: string;
  pg: string;
  /** MySQL type; absent: PostgreSQL only. */
  my?: string;
  values: Array<string | null>;
  /** The case (column) whose value the rule derives from (of:); its column is in the alone table too. */
  of?: string;
  /** The expected cell when it is not maskValue's (cidr). */
  expect?: (value: string | null) => string | null;
}

const CASES: Case[] = [
  { name: 'email', rule: 'email', pg: 'varchar(255)', my: 'varchar(255)', values: ['taro@example.co.jp', 'Hanako.Sato@Example.JP', null, ''] },
  { name: 'name', rule: 'name', pg: 'varchar(100)', my: 'varchar(100)', values: ['山田 太郎', 'John Smith', null] },
  { name: 'latin', rule: '{ transform: name, style: latin }', pg: 'varchar(100)', my: 'varchar(100)', values: ['John Smith', '佐藤 花子', ''] },
  { name: 'kana', rule: 'name-kana', pg: 'varchar(100)', my: 'varchar(100)', values: ['ヤマダ タロウ', 'サトウ ハナコ', null] },
  {
    name: 'phone',
    rule: 'phone',
    pg: 'varchar(40)',
    my: 'varchar(40)',
    values: [
      '03-1001-0001',
      '090-1234-5678',
      '+81-90-9876-5432',
      '0312345678',
      null,
      '0120-123-456',
      '(0422) 12-3456',
      '+81 3 1234 5678',
      '050-1234-5678',
      '07012345678',
      '03-1234567890123456789012345',
      '03-1234-5678 %ext 9'
    ]
  },
  { name: 'family', rule: '{ transform: name, part: family }', pg: 'varchar(20)', my: 'varchar(20)', values: ['山田', '佐藤', null, '鈴木'] },
  { name: 'given', rule: '{ transform: name, part: given }', pg: 'varchar(20)', my: 'varchar(20)', values: ['太郎', '', '花子'] },
  { name: 'kana_of', rule: '{ transform: name-kana, of: name }', of: 'name', pg: 'varchar(100)', my: 'varchar(100)', values: ['ヤマダ タロウ', 'ジョン スミス', 'ナナシ', null] },
  { name: 'family_kana', rule: '{ transform: name-kana, part: family, of: family }', of: 'family', pg: 'varchar(20)', my: 'varchar(20)', values: ['ヤマダ', 'サトウ', 'スズキ', null] },
  { name: 'zip_of', rule: '{ transform: postal-code, of: address }', of: 'address', pg: 'varchar(8)', my: 'varchar(8)', values: ['150-0001', '530-0001', '060-0005', '100-0005'] },
  { name: 'ip', rule: 'ip', pg: 'inet', my: 'varchar(45)', values: ['203.0.113.7', '2001:db8:85a3::8a2e:370:7334', '10.1.2.3', null, '192.168.10.20'] },
  { name: 'ip_text', rule: "{ transform: ip, range: [10.0.0.0/8, 'fd00:1234::/32'], unique: true }", pg: 'text', my: 'varchar(45)', values: ['192.168.0.1', '::1', '172.16.5.4', '', 'fe80::1'] },
  {
    name: 'net',
    rule: 'ip',
    pg: 'cidr',
    values: ['10.1.0.0/16', '192.168.5.0/24', null],
    expect: v => (v === null ? null : cidrOf(maskValue({ kind: 'ip' }, SALT, v.split('/')[0]!)!, Number(v.split('/')[1])))
  },
  { name: 'address', rule: 'address', pg: 'text', my: 'text', values: ['東京都渋谷区神宮前1-2-3', '大阪府大阪市北区梅田2-4-9', null] },
  { name: 'postal', rule: 'postal-code', pg: 'varchar(8)', my: 'varchar(8)', values: ['150-0001', '530-0001', null] },
  { name: 'hash', rule: '{ transform: hash, length: 16 }', pg: 'text', my: 'text', values: ['VIP', 'prefers phone', '', null] },
  { name: 'nulled', rule: "'null'", pg: 'text', my: 'text', values: ['secret', null, 'other'] },
  { name: 'const', rule: "{ transform: constant, value: 'N/A' }", pg: 'varchar(10)', my: 'varchar(10)', values: ['x', null, 'y'] },
  { name: 'born', rule: '{ transform: date-shift, days: 90 }', pg: 'date', my: 'date', values: ['1985-04-12', '2000-02-29', null] },
  { name: 'kept', rule: 'keep', pg: 'text', my: 'text', values: ['plain', null, ''] },
  // Columns named like the PostgreSQL statement's own per-row names (the phone's kept start k0, the digest h0): alone, each is column 0 of its table.
  { name: 'k0', rule: 'phone', pg: 'varchar(40)', my: 'varchar(40)', values: ['03-1001-0001', '090-1234-5678', null] },
  { name: 'h0', rule: 'email', pg: 'varchar(255)', my: 'varchar(255)', values: ['taro@example.co.jp', '', null] },
  // Named like the phone's fast-path shape (s0), also a per-row name of the PostgreSQL statement.
  { name: 's0', rule: 'phone', pg: 'varchar(40)', my: 'varchar(40)', values: ['03-1001-0001', '0312345678', null] },
  // The PostgreSQL phone's fast path (one to_char() for a value of a leading 0, digits and 0-3 hyphens, at most 19 digits)
  // at its edges, and the shapes that take the general expression instead.
  {
    name: 'phone_shapes',
    rule: 'phone',
    pg: 'text',
    my: 'text',
    values: [
      '03-1234-5678',
      '090-1234-5678',
      '0422-12-3456',
      '045-123-4567',
      '01234-5-6789',
      '0120-123-456',
      '0800-123-4567',
      '03-1234-567',
      '0-1-2-3',
      '03-1234-5678-',
      '0---',
      '0-1-2-3-4',
      '03--1234',
      '0-',
      '0',
      '0120',
      '0800-',
      '0-0-0000-0000',
      '090-12-34-5678',
      '010-1234-5678',
      '000-0000-0000',
      '0570-123-456',
      '0２0-1234-5678',
      '012-3456-7890',
      '0312345678',
      '08012345678',
      '0123456789012345678',
      '01234567890123456789',
      '012-3456-7890-12345678',
      '012-3456-7890-123456789',
      '0123456789-0123456789',
      '03 1234 5678',
      '(03) 1234-5678',
      '03(1234)5678',
      '+81-3-1234-5678',
      '+81 90 1234 5678',
      '+819012345678',
      'TEL: 03-1234-5678',
      '03.1234.5678',
      '０３－１２３４－５６７８',
      '03-１２３４-5678',
      '090-1234-5678 (mobile)',
      `03-${'1234-'.repeat(14)}5678`,
      '',
      null
    ]
  }
];

/** The IPv4 network of an address with a prefix length, as PostgreSQL prints a cidr. */
function cidrOf(address: string, prefix: number): string {
  const n = address.split('.').reduce((a, p) => a * 256 + Number(p), 0);
  const size = 2 ** (32 - prefix);
  const net = n - (n % size);
  return `${[24, 16, 8, 0].map(s => Math.floor(net / 2 ** s) % 256).join('.')}/${prefix}`;
}

function shiftIso(iso: string, days: number): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

const transformOf = (c: Case): Transform => {
  const src = c.of ? CASES.find(s => s.name === c.of)! : undefined;
  const yaml = `tables:\n  t:\n    ${c.name}: ${c.rule}\n${src ? `    ${src.name}: ${src.rule}\n` : ''}`;
  return parseRules(yaml, 'case').tables[0]!.columns[0]!.transform;
};

function expected(c: Case, value: string | null, row: Record<string, string | null>): string | null {
  if (c.expect) return c.expect(value);
  const t = transformOf(c);
  if (t.kind === 'date-shift') return value === null ? null : shiftIso(value, shiftDays(t.days, SALT, value));
  return maskValue(t, SALT, value, c.of === undefined ? undefined : row[c.of]);
}

const rows = Math.max(...CASES.map(c => c.values.length));
const cell = (c: Case, i: number): string | null => c.values[i % c.values.length] ?? null;
const lit = (v: string | null): string => (v === null ? 'NULL' : `'${v.replace(/'/g, "''")}'`);

function ddl(engine: EngineName, table: string, cases: Case[]): string[] {
  const cols = cases.map(c => `${c.name} ${engine === 'postgres' ? c.pg : c.my!}`).join(', ');
  const out = [`CREATE TABLE ${table} (id integer PRIMARY KEY, ${cols})`];
  for (let i = 0; i < rows; i++) out.push(`INSERT INTO ${table} VALUES (${i + 1}, ${cases.map(c => lit(cell(c, i))).join(', ')})`);
  return out;
}

const str = (v: unknown): string | null => (v === null || v === undefined ? null : v instanceof Date ? v.toISOString().slice(0, 10) : String(v));

describe.each((['postgres', 'mysql'] as EngineName[]).map(e => [e, needs(e, databaseSource(e))] as [EngineName, string]))('each transform on %s, alone and mixed%s', engine => {
  const source = databaseSource(engine);
  const maybe = source ? it : it.skip;
  let db: TestDb | undefined;
  let masked: Record<string, Array<Record<string, string | null>>> = {};
  let original: Record<string, Array<Record<string, string | null>>> = {};
  let error: unknown;

  beforeAll(async () => {
    if (!source) return;
    db = await freshDatabase(engine, source);
    const cases = CASES.filter(c => engine === 'postgres' || c.my);
    const alone = (c: Case): Case[] => (c.of ? [CASES.find(s => s.name === c.of)!, c] : [c]);
    const tables = [...cases.map(c => ({ table: `alone_${c.name}`, cases: alone(c) })), { table: 'mixed', cases }];
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
    (c.my || engine === 'postgres' ? maybe : it.skip).each(['alone', 'mixed'])('%s: every cell is the reference masking of its original value', where => {
      const table = where === 'alone' ? `alone_${c.name}` : 'mixed';
      const want = original[table]!.map(r => expected(c, r[c.name] ?? null, r));
      expect(masked[table]!.map(r => r[c.name])).toEqual(want);
      // Something was actually masked (keep excepted), and no other column of an alone table changed.
      if (c.rule !== 'keep') expect(masked[table]!.map(r => r[c.name])).not.toEqual(original[table]!.map(r => r[c.name]));
      if (where === 'alone') expect(masked[table]!.map(r => r.id)).toEqual(original[table]!.map(r => r.id));
    });
  });

  maybe('values stay realistic: phone shapes, readings of the masked names, postal codes of the masked prefecture, documentation IP ranges', () => {
    const before = original.mixed!;
    const after = masked.mixed!;
    const shape = (v: string): string => v.replace(/[0-9]/g, '#');
    after.forEach((row, i) => {
      const was = before[i]!;
      // Phones: same characters except digits, same digit count, mobile / service prefixes and +81 kept, no leading-0 national number.
      if (was.phone) {
        expect(shape(row.phone!)).toBe(shape(was.phone));
        expect(row.phone).not.toBe(was.phone);
        const prefix = /^[^0-9+]*(\+81[^0-9]*(800|120|[2-9]0)?|\+|0(800|120|[2-9]0)?)?/.exec(was.phone)![0];
        expect(row.phone!.startsWith(prefix)).toBe(true);
        expect(row.phone!.slice(prefix.length)).not.toMatch(/^[^0-9]*0/);
      }
      // Readings: the kana of a masked kanji name is that name's reading (paired dictionaries).
      if (was.name && row.kana_of) {
        const [f, g] = row.name!.split(' ');
        if (FAMILY_JA.includes(f!)) expect(row.kana_of).toBe(`${FAMILY_KANA[FAMILY_JA.indexOf(f!)]} ${GIVEN_KANA[GIVEN_JA.indexOf(g!)]}`);
      }
      if (was.family && row.family_kana) expect(row.family_kana).toBe(FAMILY_KANA[FAMILY_JA.indexOf(row.family!)]);
      // Postal codes: a real prefix of the masked address's prefecture.
      if (was.address && row.zip_of) {
        const pref = PREFECTURES.findIndex(p => row.address!.startsWith(p));
        const [lo, hi] = POSTAL_PREFIXES[pref]!;
        expect(row.zip_of).toMatch(/^\d{3}-\d{4}$/);
        expect(Number(row.zip_of.slice(0, 3))).toBeGreaterThanOrEqual(lo);
        expect(Number(row.zip_of.slice(0, 3))).toBeLessThanOrEqual(hi);
      }
      // IP addresses: documentation ranges by default, the rule's ranges when named.
      if (was.ip) expect(row.ip).toMatch(/^(192\.0\.2|198\.51\.100|203\.0\.113)\.\d+$|^2001:db8:/);
      if (was.ip_text) expect(row.ip_text).toMatch(/^10\.\d+\.\d+\.\d+$|^fd00:1234:/);
    });
    expect(after.filter((_r, i) => before[i]!.phone?.startsWith('090')).every(r => r.phone!.startsWith('090-'))).toBe(true);
  });

  maybe('unique: true vetoes when masked values collide (3 addresses into a 2-host range) and writes nothing', async () => {
    const other = await freshDatabase(engine, source!);
    try {
      await other.exec(`CREATE TABLE logins (id integer PRIMARY KEY, ip ${engine === 'postgres' ? 'inet' : 'varchar(45)'})`);
      await other.exec("INSERT INTO logins VALUES (1, '192.168.0.1'), (2, '192.168.0.2'), (3, '192.168.0.3')");
      const dir = mkdtempSync(join(tmpdir(), 'masking-unique-'));
      writeFileSync(join(dir, 'rules.yml'), 'tables:\n  logins:\n    ip: { transform: ip, range: 10.0.0.0/30, unique: true }\n');
      const e = await runMasking({ rulesFile: join(dir, 'rules.yml'), salt: SALT, strict: true, target: other.target, log: () => undefined }).then(
        () => undefined,
        (err: unknown) => err
      );
      expect((e as { reasons?: string[] }).reasons?.[0]).toMatch(/^table logins: masked values collided in ip .*rolled back/);
      expect((await other.query('SELECT ip FROM logins ORDER BY id')).map(r => str(r.ip))).toEqual(['192.168.0.1', '192.168.0.2', '192.168.0.3']);
    } finally {
      await other.drop();
    }
  });
});
