/**
 * MySQL 8 / Aurora MySQL 3 and MariaDB 10.5+: masking expressions built on
 * SHA2(). The HMAC pads are loaded into session variables (@rcs_mask_ik,
 * @rcs_mask_ok) from bound parameters at the start of each transaction and
 * cleared at its end.
 */
import type { HmacPads } from '../keys';
import type { Transform } from '../rules';
import { FAMILY_JA, FAMILY_KANA, FAMILY_LATIN, GIVEN_JA, GIVEN_KANA, GIVEN_LATIN, PREFECTURES, TOWNS } from '../dictionaries';
import { literalList, maskExpression, type ColumnInfo, type Dialect } from './dialect';

const TEXT_TYPES = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext']);
const DATE_TYPES = new Set(['date', 'datetime', 'timestamp']);

const ident = (name: string): string => `\`${name.replace(/`/g, '``')}\``;
/** A string literal immune to sql_mode (NO_BACKSLASH_ESCAPES or not) and connection charset. */
const str = (s: string): string => `CONVERT(X'${Buffer.from(s, 'utf8').toString('hex')}' USING utf8mb4)`;

/** HMAC-SHA256(salt, UTF-8 text of c) as 64 hex characters. */
const hmacHex = (c: string): string =>
  `SHA2(CONCAT(@rcs_mask_ok, UNHEX(SHA2(CONCAT(@rcs_mask_ik, CAST(${c} AS CHAR CHARACTER SET utf8mb4)), 256))), 256)`;
const u32 = (c: string, k: number): string => `CAST(CONV(SUBSTRING(${hmacHex(c)}, ${8 * k + 1}, 8), 16, 10) AS UNSIGNED)`;
const pick = (c: string, list: readonly string[], k: number): string => `ELT(1 + MOD(${u32(c, k)}, ${list.length}), ${literalList(list)})`;
const lpad = (c: string, k: number, mod: number, width: number): string => `LPAD(MOD(${u32(c, k)}, ${mod}), ${width}, '0')`;
const passEmpty = (c: string, body: string): string => `CASE WHEN ${c} IS NULL OR ${c} = '' THEN ${c} ELSE ${body} END`;

function textExpression(c: string, t: Transform): string | undefined {
  switch (t.kind) {
    case 'email':
      return passEmpty(c, `CONCAT('u', LEFT(${hmacHex(c)}, 32), ${str('@' + t.domain)})`);
    case 'hash':
      return passEmpty(c, `LEFT(${hmacHex(c)}, ${t.length})`);
    case 'name':
      return passEmpty(
        c,
        t.style === 'latin'
          ? `CONCAT(${pick(c, GIVEN_LATIN, 1)}, ' ', ${pick(c, FAMILY_LATIN, 0)})`
          : `CONCAT(${pick(c, FAMILY_JA, 0)}, ' ', ${pick(c, GIVEN_JA, 1)})`
      );
    case 'name-kana':
      return passEmpty(c, `CONCAT(${pick(c, FAMILY_KANA, 0)}, ' ', ${pick(c, GIVEN_KANA, 1)})`);
    case 'phone':
      return passEmpty(c, `CONCAT('090-', ${lpad(c, 0, 10000, 4)}, '-', ${lpad(c, 1, 10000, 4)})`);
    case 'postal-code':
      return passEmpty(c, `CONCAT(${lpad(c, 0, 1000, 3)}, '-', ${lpad(c, 1, 10000, 4)})`);
    case 'address':
      return passEmpty(
        c,
        `CONCAT(${pick(c, PREFECTURES, 0)}, ${pick(c, TOWNS, 1)}, 1 + MOD(${u32(c, 2)}, 9), '-', 1 + MOD(${u32(c, 3)}, 30), '-', 1 + MOD(${u32(c, 4)}, 20))`
      );
    default:
      return undefined;
  }
}

/** Date arithmetic: DATE_ADD keeps the column's type (date, datetime or timestamp). */
function dateShift(c: string, _col: ColumnInfo, days: number): string {
  const sign = `(CASE WHEN MOD(CONV(SUBSTRING(${hmacHex(c)}, 1, 2), 16, 10), 2) = 1 THEN 1 ELSE -1 END)`;
  return `CASE WHEN ${c} IS NULL THEN ${c} ELSE DATE_ADD(${c}, INTERVAL ${sign} * CAST(1 + MOD(${u32(c, 1)}, ${days}) AS SIGNED) DAY) END`;
}

/** Numbers stay numeric literals; strings go through str() (sql_mode and charset proof). */
const literal = (value: string | number): string => (typeof value === 'number' ? String(value) : str(value));

const table = (schema: string, name: string): string => `${ident(schema)}.${ident(name)}`;

export const mysql: Dialect = {
  engine: 'mysql',
  ident,
  table,
  expression: (col: ColumnInfo, t: Transform) => maskExpression(ident(col.column), col, t, { literal, dateShift, text: textExpression }),
  sessionKeys: (pads: HmacPads) => [{ sql: 'SET @rcs_mask_ik = UNHEX(?), @rcs_mask_ok = UNHEX(?)', params: [pads.innerHex, pads.outerHex] }],
  clearKeys: () => [{ sql: 'SET @rcs_mask_ik = NULL, @rcs_mask_ok = NULL', params: [] }],
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
  countRows: sql => `SELECT COUNT(*) AS n FROM (${sql}) AS v`,
  sample: (schema, name, columns, limit) =>
    `SELECT ${columns.map(c => `CAST(${ident(c)} AS CHAR CHARACTER SET utf8mb4) AS ${ident(c)}`).join(', ')} FROM ${table(schema, name)} LIMIT ${Math.floor(limit)}`
};
