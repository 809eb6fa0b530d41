/**
 * PostgreSQL (Aurora PostgreSQL 11+): masking expressions built on the builtin
 * sha256(bytea) — no pgcrypto, no superuser. $1 and $2 are the HMAC pads (hex).
 */
import type { HmacPads } from '../keys';
import type { NamePart, Transform } from '../rules';
import { FAMILY_JA, FAMILY_KANA, FAMILY_LATIN, GIVEN_JA, GIVEN_KANA, GIVEN_LATIN, POSTAL_PREFIXES, PREFECTURES, TOWNS } from '../dictionaries';
import { DOC_IPV4, DOC_IPV6_HEX, PHONE_KEEP, PHONE_POSITIONS } from '../reference';
import { literalList, maskExpression, type ColumnInfo, type Dialect } from './dialect';

const TEXT_TYPES = new Set(['text', 'character varying', 'character']);
const TEXT_UDTS = new Set(['citext']);
const DATE_TYPES = new Set(['date', 'timestamp without time zone', 'timestamp with time zone']);
const NET_TYPES = new Set(['inet', 'cidr']);

const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const str = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** HMAC-SHA256(salt, UTF-8 of the text expression x) as bytea. */
const hmacOf = (x: string): string => `sha256(decode($2, 'hex') || sha256(decode($1, 'hex') || convert_to(${x}, 'UTF8')))`;
/** HMAC of a column's text. */
const hmac = (c: string): string => hmacOf(`${c}::text`);
/** Big-endian uint32 number k of the digest `h` (a column of the inner select). */
const u32 = (k: number): string => `(('x' || encode(substring(h from ${4 * k + 1} for 4), 'hex'))::bit(32)::bigint)`;
const pick = (list: readonly string[], k: number): string => `(ARRAY[${literalList(list)}])[1 + (${u32(k)} % ${list.length})::int]`;
const lpad = (k: number, mod: number, width: number): string => `lpad((${u32(k)} % ${mod})::text, ${width}, '0')`;
const empty = (c: string): string => `${c} IS NULL OR ${c}::text = ''`;
/**
 * `body` (which uses h) evaluated once with h = the HMAC of the text expression x. OFFSET 0 keeps the
 * planner from pulling the inner SELECT up into `body`, which would compute the HMAC once per use of h.
 */
const withDigest = (x: string, body: string, extra = ''): string => `(SELECT ${body} FROM (SELECT ${hmacOf(x)} AS h${extra} OFFSET 0) AS d)`;

/** Evaluate `body` (which uses h) once per row with h = HMAC of c; NULL and '' pass through. */
function derive(c: string, body: string): string {
  return `CASE WHEN ${empty(c)} THEN ${c}::text ELSE ${withDigest(`${c}::text`, body)} END`;
}

/** Like derive, but h is the HMAC of the of: column `o` when it has a value (NULL or '' there: of c itself). */
function deriveFrom(c: string, o: string, own: string, paired: string): string {
  return `CASE WHEN ${empty(c)} THEN ${c}::text WHEN ${empty(o)} THEN ${withDigest(`${c}::text`, own)} ELSE ${withDigest(`${o}::text`, paired)} END`;
}

/** Big-endian uint32 number 0 of the HMAC of the text expression x, computing the HMAC once (no subquery). */
const u32Of = (x: string): string => `(('x' || encode(substring(${hmacOf(x)} from 1 for 4), 'hex'))::bit(32)::bigint)`;

/** The names a pair index picks (reference.ts nameOf): family-major, so a paired list (kana) gives the reading. */
function nameList(style: 'ja' | 'latin' | 'kana', part: NamePart | undefined): string[] {
  const [family, given] = style === 'latin' ? [FAMILY_LATIN, GIVEN_LATIN] : style === 'kana' ? [FAMILY_KANA, GIVEN_KANA] : [FAMILY_JA, GIVEN_JA];
  return family.flatMap(f => given.map(g => (part === 'family' ? f : part === 'given' ? g : style === 'latin' ? `${g} ${f}` : `${f} ${g}`)));
}

/** A name from the HMAC of text expression x: one integer indexes the pair list (one HMAC, no subquery). */
function name(x: string, style: 'ja' | 'latin' | 'kana', part: NamePart | undefined): string {
  const list = nameList(style, part);
  return `(ARRAY[${literalList(list)}])[1 + (${u32Of(x)} % ${list.length})::int]`;
}

const ownPostal = `${lpad(0, 1000, 3)} || '-' || ${lpad(1, 10000, 4)}`;
/** The postal code of an address's prefecture (reference.ts postalOfAddress). */
const postalOfAddress = (): string => {
  const p = `1 + (${u32(0)} % ${PREFECTURES.length})::int`;
  const lo = `(ARRAY[${POSTAL_PREFIXES.map(r => r[0]).join(',')}])[${p}]`;
  const span = `(ARRAY[${POSTAL_PREFIXES.map(r => r[1] - r[0] + 1).join(',')}])[${p}]`;
  return `lpad((${lo} + ${u32(1)} % ${span})::text, 3, '0') || '-' || ${lpad(2, 10000, 4)}`;
};

/**
 * phone (reference.ts maskPhone) without per-character SQL: the kept start, then the rest's digits
 * replaced in one format() call (each digit becomes %s; the arguments are hex digits of h mapped to 1-9).
 */
function phone(c: string): string {
  const x = `${c}::text`;
  // The kept start (PHONE_KEEP); values starting with 0 (most) without the regular expression.
  const keep = `CASE WHEN left(${x}, 1) = '0' THEN (CASE WHEN substr(${x}, 2, 3) IN ('800', '120') THEN left(${x}, 4) WHEN substr(${x}, 3, 1) = '0' AND substr(${x}, 2, 1) IN ('2', '3', '4', '5', '6', '7', '8', '9') THEN left(${x}, 3) ELSE '0' END) ELSE substring(${x} from ${str(`^(${PHONE_KEEP.slice(1)})`)}) END`;
  const head = `substr(${x}, 1, ${PHONE_POSITIONS})`;
  const rest = `substr(${head}, length(k) + 1)`;
  const digits = (v: string): string => `(length(${v}) - length(translate(${v}, '0123456789', '')))`;
  // Digit j (j >= digits of k, j < PHONE_POSITIONS) is hex digit j of h mapped to 1-9.
  const args = `string_to_array(translate(substr(encode(h, 'hex'), ${digits('k')} + 1, ${digits(rest)}), '0123456789abcdef', '1234567891234567'), NULL)`;
  const placeholders = `translate(replace(${rest}, '%', '%%'), '0123456789', repeat(chr(1), 10))`;
  const body = `k || format(replace(${placeholders}, chr(1), '%s'), VARIADIC ${args})`;
  const tail = `translate(substr(${x}, ${PHONE_POSITIONS + 1}), '0123456789', '0000000000')`;
  return `CASE WHEN ${empty(c)} THEN ${x} ELSE ${withDigest(x, `${body} || ${tail}`, `, ${keep} AS k`)} END`;
}

/** ip (reference.ts maskIp) as text, from h. */
function ipText(t: Extract<Transform, { kind: 'ip' }>, a: string): string {
  const v6 = t.v6 ?? { hex: DOC_IPV6_HEX, prefix: 32 };
  const nibbles = v6.prefix / 4;
  const six = `host(regexp_replace(${str(v6.hex.slice(0, nibbles))} || substr(encode(h, 'hex'), 9, ${32 - nibbles}), '(.{4})(?!$)', '\\1:', 'g')::inet)`;
  const bases = t.v4 ? [t.v4.base] : DOC_IPV4;
  const hosts = (t.v4 ? 2 ** (32 - t.v4.prefix) : 256) - 2;
  const four = `host('0.0.0.0'::inet + ((ARRAY[${bases.join(',')}]::bigint[])[1 + ((${u32(0)} % ${bases.length * hosts}) / ${hosts})::int] + 1 + ${u32(0)} % ${hosts}))`;
  return `CASE WHEN strpos(${a}, ':') > 0 THEN ${six} ELSE ${four} END`;
}

function ip(c: string, col: ColumnInfo, t: Extract<Transform, { kind: 'ip' }>): string {
  if (!NET_TYPES.has(col.dataType)) return derive(c, ipText(t, `${c}::text`));
  const masked = `set_masklen(${withDigest(`host(${c})`, ipText(t, `host(${c})`))}::inet, masklen(${c}))`;
  return `CASE WHEN ${c} IS NULL THEN ${c} ELSE ${col.dataType === 'cidr' ? `network(${masked})::cidr` : masked} END`;
}

function textExpression(c: string, t: Transform, col: ColumnInfo, source?: ColumnInfo): string | undefined {
  const o = source ? ident(source.column) : undefined;
  switch (t.kind) {
    case 'email':
      return `CASE WHEN ${empty(c)} THEN ${c}::text ELSE 'u' || left(encode(${hmac(c)}, 'hex'), 32) || ${str('@' + t.domain)} END`;
    case 'hash':
      return `CASE WHEN ${empty(c)} THEN ${c}::text ELSE left(encode(${hmac(c)}, 'hex'), ${t.length}) END`;
    case 'name':
      return `CASE WHEN ${empty(c)} THEN ${c}::text ELSE ${name(`${c}::text`, t.style, t.part)} END`;
    case 'name-kana':
      return o
        ? `CASE WHEN ${empty(c)} THEN ${c}::text WHEN ${empty(o)} THEN ${name(`${c}::text`, 'kana', t.part)} ELSE ${name(`${o}::text`, 'kana', t.part)} END`
        : `CASE WHEN ${empty(c)} THEN ${c}::text ELSE ${name(`${c}::text`, 'kana', t.part)} END`;
    case 'phone':
      return phone(c);
    case 'postal-code':
      return o ? deriveFrom(c, o, ownPostal, postalOfAddress()) : derive(c, ownPostal);
    case 'address':
      return derive(c, `${pick(PREFECTURES, 0)} || ${pick(TOWNS, 1)} || (1 + ${u32(2)} % 9)::text || '-' || (1 + ${u32(3)} % 30)::text || '-' || (1 + ${u32(4)} % 20)::text`);
    case 'ip':
      return ip(c, col, t);
    default:
      return undefined;
  }
}

/** A date column plus whole days stays a date; a timestamp needs an interval. */
function dateShift(c: string, col: ColumnInfo, days: number): string {
  // reference.ts shiftDays: one integer indexes the shifts -days..-1, 1..days (one HMAC, no subquery).
  const shifts = Array.from({ length: 2 * days }, (_, n) => (n < days ? n - days : n - days + 1));
  const shift = `(ARRAY[${shifts.join(',')}])[1 + (${u32Of(`${c}::text`)} % ${2 * days})::int]`;
  const shifted = col.dataType === 'date' ? `${c} + ${shift}` : `${c} + ${shift} * interval '1 day'`;
  return `CASE WHEN ${c} IS NULL THEN ${c} ELSE ${shifted} END`;
}

/** Numbers too are quoted: an untyped literal takes the column's type in the UPDATE. */
const literal = (value: string | number): string => str(String(value));

const table = (schema: string, name: string): string => `${ident(schema)}.${ident(name)}`;

export const postgres: Dialect = {
  engine: 'postgres',
  ident,
  table,
  expression: (col: ColumnInfo, t: Transform, source?: ColumnInfo) =>
    maskExpression(ident(col.column), col, t, { literal, dateShift, text: (c, tr) => textExpression(c, tr, col, source) }),
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
  isNetwork: col => NET_TYPES.has(col.dataType),
  isDate: col => DATE_TYPES.has(col.dataType),
  countRows: sql => `SELECT count(*) AS n FROM (${sql}) AS v`,
  sample: (schema, name, columns, limit) =>
    `SELECT ${columns.map(c => `${ident(c)}::text AS ${ident(c)}`).join(', ')} FROM ${table(schema, name)} LIMIT ${Math.floor(limit)}`
};
