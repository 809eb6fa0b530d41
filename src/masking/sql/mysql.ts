/**
 * MySQL 8 / Aurora MySQL 3 and MariaDB 10.5+: masking expressions built on
 * SHA2(). The masking key (keys.ts) is loaded into a session variable
 * (@rcs_mask_k) from a bound parameter at the start of each transaction and
 * cleared at its end.
 */
import type { MaskKey } from '../keys';
import type { NamePart, Transform } from '../rules';
import { FAMILY_JA, FAMILY_KANA, FAMILY_LATIN, GIVEN_JA, GIVEN_KANA, GIVEN_LATIN, POSTAL_PREFIXES, PREFECTURES, TOWNS } from '../dictionaries';
import { DOC_IPV4, DOC_IPV6_HEX, PHONE_KEEP, PHONE_POSITIONS } from '../reference';
import { literalList, maskExpression, type ColumnInfo, type Dialect } from './dialect';

const TEXT_TYPES = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext']);
const DATE_TYPES = new Set(['date', 'datetime', 'timestamp']);

const ident = (name: string): string => `\`${name.replace(/`/g, '``')}\``;
/** A string literal immune to sql_mode (NO_BACKSLASH_ESCAPES or not) and connection charset. */
const str = (s: string): string => `CONVERT(X'${Buffer.from(s, 'utf8').toString('hex')}' USING utf8mb4)`;

/** The digest H = SHA-256(K || UTF-8 text of c) (keys.ts) as 64 hex characters. */
const digestHex = (c: string): string => `SHA2(CONCAT(@rcs_mask_k, CAST(${c} AS CHAR CHARACTER SET utf8mb4)), 256)`;
const u32 = (c: string, k: number): string => `CAST(CONV(SUBSTRING(${digestHex(c)}, ${8 * k + 1}, 8), 16, 10) AS UNSIGNED)`;
const pick = (c: string, list: readonly string[], k: number): string => `ELT(1 + MOD(${u32(c, k)}, ${list.length}), ${literalList(list)})`;
const lpad = (c: string, k: number, mod: number, width: number): string => `LPAD(MOD(${u32(c, k)}, ${mod}), ${width}, '0')`;
const empty = (c: string): string => `${c} IS NULL OR ${c} = ''`;
const passEmpty = (c: string, body: string): string => `CASE WHEN ${empty(c)} THEN ${c} ELSE ${body} END`;
/** Body from c's digest, or from the of: column o's when it has a value. */
const passFrom = (c: string, o: string, own: string, paired: string): string => `CASE WHEN ${empty(c)} THEN ${c} WHEN ${empty(o)} THEN ${own} ELSE ${paired} END`;

/** A name from c's digest: one integer indexes the pair list (reference.ts nameOf). */
function name(c: string, style: 'ja' | 'latin' | 'kana', part: NamePart | undefined): string {
  const [family, given] = style === 'latin' ? [FAMILY_LATIN, GIVEN_LATIN] : style === 'kana' ? [FAMILY_KANA, GIVEN_KANA] : [FAMILY_JA, GIVEN_JA];
  const list = family.flatMap(f => given.map(g => (part === 'family' ? f : part === 'given' ? g : style === 'latin' ? `${g} ${f}` : `${f} ${g}`)));
  return `ELT(1 + MOD(${u32(c, 0)}, ${list.length}), ${literalList(list)})`;
}

const ownPostal = (c: string): string => `CONCAT(${lpad(c, 0, 1000, 3)}, '-', ${lpad(c, 1, 10000, 4)})`;
function postalOfAddress(o: string): string {
  const p = `1 + MOD(${u32(o, 0)}, ${PREFECTURES.length})`;
  const lo = `ELT(${p}, ${POSTAL_PREFIXES.map(r => r[0]).join(', ')})`;
  const span = `ELT(${p}, ${POSTAL_PREFIXES.map(r => r[1] - r[0] + 1).join(', ')})`;
  return `CONCAT(LPAD(CAST(${lo} AS UNSIGNED) + MOD(${u32(o, 1)}, CAST(${span} AS UNSIGNED)), 3, '0'), '-', ${lpad(o, 2, 10000, 4)})`;
}

/** phone (reference.ts maskPhone), unrolled over the first PHONE_POSITIONS characters (at most the column's length). */
function phone(c: string, col: ColumnInfo): string {
  const n = Math.min(col.maxLength ?? PHONE_POSITIONS, PHONE_POSITIONS);
  const k = `COALESCE(CHAR_LENGTH(REGEXP_SUBSTR(${c}, ${str(PHONE_KEEP)})), 0)`;
  const ch = (i: number): string => `SUBSTRING(${c}, ${i}, 1)`;
  const digits = `CONCAT(100000000 + MOD(${u32(c, 0)}, 900000000), 100000000 + MOD(${u32(c, 1)}, 900000000))`;
  /** How many digits before character i are replaced ones: the replaced digit's number m. */
  const m = (i: number): string => `(${i - 1} - ${k} - CHAR_LENGTH(REGEXP_REPLACE(SUBSTRING(${c}, ${k} + 1, ${i - 1} - ${k}), '[0-9]', '')))`;
  const parts: string[] = [];
  for (let i = 1; i <= n; i++)
    // Cheap tests first (CASE stops at the first match): past the end, not a digit, then the kept start.
    parts.push(`CASE WHEN ${i} > CHAR_LENGTH(${c}) THEN '' WHEN ASCII(${ch(i)}) NOT BETWEEN 48 AND 57 OR ${i} <= ${k} THEN ${ch(i)} ELSE SUBSTRING(${digits}, 1 + MOD(${m(i)}, 18), 1) END`);
  if (n === PHONE_POSITIONS && (col.maxLength === null || col.maxLength > n)) parts.push(`REGEXP_REPLACE(SUBSTRING(${c}, ${n + 1}), '[0-9]', '0')`);
  return passEmpty(c, `CONCAT(${parts.join(', ')})`);
}

/** ip (reference.ts maskIp) for a text column. */
function ip(c: string, t: Extract<Transform, { kind: 'ip' }>): string {
  const v6 = t.v6 ?? { hex: DOC_IPV6_HEX, prefix: 32 };
  const nibbles = v6.prefix / 4;
  const six = `INET6_NTOA(UNHEX(CONCAT(${str(v6.hex.slice(0, nibbles))}, SUBSTRING(${digestHex(c)}, 9, ${32 - nibbles}))))`;
  const bases = t.v4 ? [t.v4.base] : DOC_IPV4;
  const hosts = (t.v4 ? 2 ** (32 - t.v4.prefix) : 256) - 2;
  const four = `INET_NTOA(CAST(ELT(1 + FLOOR(MOD(${u32(c, 0)}, ${bases.length * hosts}) / ${hosts}), ${bases.join(', ')}) AS UNSIGNED) + 1 + MOD(${u32(c, 0)}, ${hosts}))`;
  return passEmpty(c, `CASE WHEN LOCATE(':', ${c}) > 0 THEN ${six} ELSE ${four} END`);
}

function textExpression(c: string, t: Transform, col: ColumnInfo, source?: ColumnInfo): string | undefined {
  const o = source ? ident(source.column) : undefined;
  switch (t.kind) {
    case 'email':
      return passEmpty(c, `CONCAT('u', LEFT(${digestHex(c)}, 32), ${str('@' + t.domain)})`);
    case 'hash':
      return passEmpty(c, `LEFT(${digestHex(c)}, ${t.length})`);
    case 'name':
      return passEmpty(c, name(c, t.style, t.part));
    case 'name-kana':
      return o ? passFrom(c, o, name(c, 'kana', t.part), name(o, 'kana', t.part)) : passEmpty(c, name(c, 'kana', t.part));
    case 'phone':
      return phone(c, col);
    case 'postal-code':
      return o ? passFrom(c, o, ownPostal(c), postalOfAddress(o)) : passEmpty(c, ownPostal(c));
    case 'address':
      return passEmpty(c, `CONCAT(${pick(c, PREFECTURES, 0)}, ${pick(c, TOWNS, 1)}, 1 + MOD(${u32(c, 2)}, 9), '-', 1 + MOD(${u32(c, 3)}, 30), '-', 1 + MOD(${u32(c, 4)}, 20))`);
    case 'ip':
      return ip(c, t);
    default:
      return undefined;
  }
}

/** Date arithmetic: DATE_ADD keeps the column's type (date, datetime or timestamp). */
function dateShift(c: string, _col: ColumnInfo, days: number): string {
  // reference.ts shiftDays: n = u32(0) mod 2·days; n - days when n < days, else n - days + 1 (never 0).
  const n = `CAST(MOD(${u32(c, 0)}, ${2 * days}) AS SIGNED)`;
  return `CASE WHEN ${c} IS NULL THEN ${c} ELSE DATE_ADD(${c}, INTERVAL (${n} - ${days} + (${n} >= ${days})) DAY) END`;
}

/** Numbers stay numeric literals; strings go through str() (sql_mode and charset proof). */
const literal = (value: string | number): string => (typeof value === 'number' ? String(value) : str(value));

const table = (schema: string, name: string): string => `${ident(schema)}.${ident(name)}`;

export const mysql: Dialect = {
  engine: 'mysql',
  ident,
  table,
  expression: (col: ColumnInfo, t: Transform, source?: ColumnInfo) => maskExpression(ident(col.column), col, t, { literal, dateShift, text: (c, tr) => textExpression(c, tr, col, source) }),
  sessionKeys: (key: MaskKey) => [{ sql: 'SET @rcs_mask_k = UNHEX(?)', params: [key.hex] }],
  clearKeys: () => [{ sql: 'SET @rcs_mask_k = NULL', params: [] }],
  updateParams: () => [],
  truncate: tables => tables.map(t => `TRUNCATE TABLE ${table(t.schema, t.table)}`),
  catalogQuery: `SELECT c.TABLE_SCHEMA AS table_schema, c.TABLE_NAME AS table_name, c.COLUMN_NAME AS column_name,
  LOWER(c.DATA_TYPE) AS data_type, LOWER(c.DATA_TYPE) AS udt_name, c.CHARACTER_MAXIMUM_LENGTH AS character_maximum_length, c.IS_NULLABLE AS is_nullable
FROM information_schema.COLUMNS c
JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
WHERE t.TABLE_TYPE = 'BASE TABLE' AND c.TABLE_SCHEMA = DATABASE()
ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION`,
  defaultSchemaQuery: 'SELECT DATABASE() AS s',
  isText: col => TEXT_TYPES.has(col.dataType),
  isDate: col => DATE_TYPES.has(col.dataType),
  isNetwork: () => false,
  countRows: sql => `SELECT COUNT(*) AS n FROM (${sql}) AS v`,
  sample: (schema, name, columns, limit) => `SELECT ${columns.map(c => `CAST(${ident(c)} AS CHAR CHARACTER SET utf8mb4) AS ${ident(c)}`).join(', ')} FROM ${table(schema, name)} LIMIT ${Math.floor(limit)}`
};
