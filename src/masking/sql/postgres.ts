/**
 * PostgreSQL (Aurora PostgreSQL 11+): masking expressions built on the builtin
 * sha256(bytea) — no pgcrypto, no superuser. $1 and $2 are the HMAC pads (hex).
 */
import type { HmacPads } from '../keys';
import type { Transform } from '../rules';
import { FAMILY_JA, FAMILY_KANA, FAMILY_LATIN, GIVEN_JA, GIVEN_KANA, GIVEN_LATIN, PREFECTURES, TOWNS } from '../dictionaries';
import { literalList, maskExpression, type ColumnInfo, type Dialect } from './dialect';

const TEXT_TYPES = new Set(['text', 'character varying', 'character']);
const TEXT_UDTS = new Set(['citext']);
const DATE_TYPES = new Set(['date', 'timestamp without time zone', 'timestamp with time zone']);

const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const str = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** HMAC-SHA256(salt, text of c) as bytea. */
const hmac = (c: string): string => `sha256(decode($2, 'hex') || sha256(decode($1, 'hex') || convert_to(${c}::text, 'UTF8')))`;
/** Big-endian uint32 number k of the digest `h` (a column of the inner select). */
const u32 = (k: number): string => `(('x' || encode(substring(h from ${4 * k + 1} for 4), 'hex'))::bit(32)::bigint)`;
const pick = (list: readonly string[], k: number): string => `(ARRAY[${literalList(list)}])[1 + (${u32(k)} % ${list.length})::int]`;
const lpad = (k: number, mod: number, width: number): string => `lpad((${u32(k)} % ${mod})::text, ${width}, '0')`;

/** Evaluate `body` (which uses h) once per row with h = HMAC of c; NULL and '' pass through. */
function derive(c: string, body: string): string {
  return `CASE WHEN ${c} IS NULL OR ${c}::text = '' THEN ${c}::text ELSE (SELECT ${body} FROM (SELECT ${hmac(c)} AS h) AS d) END`;
}

function textExpression(c: string, t: Transform): string | undefined {
  switch (t.kind) {
    case 'email':
      return `CASE WHEN ${c} IS NULL OR ${c}::text = '' THEN ${c}::text ELSE 'u' || left(encode(${hmac(c)}, 'hex'), 32) || ${str('@' + t.domain)} END`;
    case 'hash':
      return `CASE WHEN ${c} IS NULL OR ${c}::text = '' THEN ${c}::text ELSE left(encode(${hmac(c)}, 'hex'), ${t.length}) END`;
    case 'name':
      return t.style === 'latin'
        ? derive(c, `${pick(GIVEN_LATIN, 1)} || ' ' || ${pick(FAMILY_LATIN, 0)}`)
        : derive(c, `${pick(FAMILY_JA, 0)} || ' ' || ${pick(GIVEN_JA, 1)}`);
    case 'name-kana':
      return derive(c, `${pick(FAMILY_KANA, 0)} || ' ' || ${pick(GIVEN_KANA, 1)}`);
    case 'phone':
      return derive(c, `'090-' || ${lpad(0, 10000, 4)} || '-' || ${lpad(1, 10000, 4)}`);
    case 'postal-code':
      return derive(c, `${lpad(0, 1000, 3)} || '-' || ${lpad(1, 10000, 4)}`);
    case 'address':
      return derive(c, `${pick(PREFECTURES, 0)} || ${pick(TOWNS, 1)} || (1 + ${u32(2)} % 9)::text || '-' || (1 + ${u32(3)} % 30)::text || '-' || (1 + ${u32(4)} % 20)::text`);
    default:
      return undefined;
  }
}

/** A date column plus whole days stays a date; a timestamp needs an interval. */
function dateShift(c: string, col: ColumnInfo, days: number): string {
  const shift = `((CASE WHEN get_byte(h, 0) % 2 = 1 THEN 1 ELSE -1 END) * (1 + ${u32(1)} % ${days}))::int`;
  const shifted = col.dataType === 'date' ? `${c} + ${shift}` : `${c} + ${shift} * interval '1 day'`;
  return `CASE WHEN ${c} IS NULL THEN ${c} ELSE (SELECT ${shifted} FROM (SELECT ${hmac(c)} AS h) AS d) END`;
}

/** Numbers too are quoted: an untyped literal takes the column's type in the UPDATE. */
const literal = (value: string | number): string => str(String(value));

const table = (schema: string, name: string): string => `${ident(schema)}.${ident(name)}`;

export const postgres: Dialect = {
  engine: 'postgres',
  ident,
  table,
  expression: (col: ColumnInfo, t: Transform) => maskExpression(ident(col.column), col, t, { literal, dateShift, text: textExpression }),
  sessionKeys: () => [],
  clearKeys: () => [],
  updateParams: (pads: HmacPads) => [pads.innerHex, pads.outerHex],
  truncate: tables => (tables.length ? [`TRUNCATE TABLE ${tables.map(t => table(t.schema, t.table)).join(', ')}`] : []),
  catalogQuery: `SELECT c.table_schema, c.table_name, c.column_name, c.data_type, c.udt_name, c.character_maximum_length, c.is_nullable
FROM information_schema.columns c
JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
WHERE t.table_type = 'BASE TABLE' AND c.table_schema NOT IN ('pg_catalog', 'information_schema') AND c.table_schema NOT LIKE 'pg\\_%'
ORDER BY c.table_schema, c.table_name, c.ordinal_position`,
  defaultSchemaQuery: 'SELECT current_schema() AS s',
  isText: col => TEXT_TYPES.has(col.dataType) || TEXT_UDTS.has(col.udtName),
  isDate: col => DATE_TYPES.has(col.dataType),
  countRows: sql => `SELECT count(*) AS n FROM (${sql}) AS v`,
  sample: (schema, name, columns, limit) =>
    `SELECT ${columns.map(c => `${ident(c)}::text AS ${ident(c)}`).join(', ')} FROM ${table(schema, name)} LIMIT ${Math.floor(limit)}`
};
