/**
 * PostgreSQL (Aurora PostgreSQL 11+): masking expressions built on the builtin
 * sha256(bytea) — no pgcrypto, no superuser. $1 is the masking key K (hex, keys.ts).
 */
import type { MaskKey } from '../keys';
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

/** The digest H = SHA-256(K || UTF-8 of the text expression x) (keys.ts) as bytea. */
const digestOf = (x: string): string => `sha256(decode($1, 'hex') || convert_to(${x}, 'UTF8'))`;
/**
 * Big-endian uint32 number k of the digest h (an SQL expression, normally a column of the inner select), from four
 * get_byte() calls and shifts (parenthesised: PostgreSQL gives << and | the same precedence): no text in between (the former `('x' || encode(substring(…), 'hex'))::bit(32)::bigint`
 * allocated three values and parsed hex per use).
 */
const u32 = (h: string, k: number): string => `((get_byte(${h}, ${4 * k})::bigint << 24) | (get_byte(${h}, ${4 * k + 1}) << 16) | (get_byte(${h}, ${4 * k + 2}) << 8) | get_byte(${h}, ${4 * k + 3}))`;
const pick = (h: string, list: readonly string[], k: number): string => `(ARRAY[${literalList(list)}])[1 + (${u32(h, k)} % ${list.length})::int]`;
const lpad = (h: string, k: number, mod: number, width: number): string => `lpad((${u32(h, k)} % ${mod})::text, ${width}, '0')`;
const empty = (c: string): string => `${c} IS NULL OR ${c}::text = ''`;

/** The text a column's value is hashed as: its text, or for inet/cidr the address without the mask. */
const hashedText = (c: string, col: ColumnInfo): string => (NET_TYPES.has(col.dataType) ? `host(${c})` : `${c}::text`);

/** A name from digest h (reference.ts nameOf): i = u32(0) mod (families × givens), family i / givens, given i mod givens. Two short lists, not one list of pairs: a text array element is found by walking the array. */
function name(h: string, style: 'ja' | 'latin' | 'kana', part: NamePart | undefined): string {
  const [family, given] = style === 'latin' ? [FAMILY_LATIN, GIVEN_LATIN] : style === 'kana' ? [FAMILY_KANA, GIVEN_KANA] : [FAMILY_JA, GIVEN_JA];
  const i = `(${u32(h, 0)} % ${family.length * given.length})`;
  const f = `(ARRAY[${literalList(family)}])[1 + (${i} / ${given.length})::int]`;
  const g = `(ARRAY[${literalList(given)}])[1 + (${i} % ${given.length})::int]`;
  if (part === 'family') return f;
  if (part === 'given') return g;
  return style === 'latin' ? `${g} || ' ' || ${f}` : `${f} || ' ' || ${g}`;
}

const ownPostal = (h: string): string => `${lpad(h, 0, 1000, 3)} || '-' || ${lpad(h, 1, 10000, 4)}`;
/** The postal code of an address's prefecture (reference.ts postalOfAddress), from the address's digest. */
function postalOfAddress(h: string): string {
  const p = `1 + (${u32(h, 0)} % ${PREFECTURES.length})::int`;
  const lo = `(ARRAY[${POSTAL_PREFIXES.map(r => r[0]).join(',')}])[${p}]`;
  const span = `(ARRAY[${POSTAL_PREFIXES.map(r => r[1] - r[0] + 1).join(',')}])[${p}]`;
  return `lpad((${lo} + ${u32(h, 1)} % ${span})::text, 3, '0') || '-' || ${lpad(h, 2, 10000, 4)}`;
}

/**
 * The kept start of a phone (PHONE_KEEP); values starting with 0 (most) without the regular expression, by LIKE (under
 * "C": cheap, and possible whatever the column's collation).
 */
function phoneKeep(c: string): string {
  const x = `${c}::text`;
  const like = (pattern: string): string => `${x} COLLATE "C" LIKE '${pattern}'`;
  return `CASE WHEN ${like('0%')} THEN (CASE WHEN ${like('0800%')} OR ${like('0120%')} THEN left(${x}, 4) WHEN ${like('0_0%')} AND strpos('23456789', substr(${x}, 2, 1)) > 0 THEN left(${x}, 3) ELSE '0' END) ELSE substring(${x} from ${str(`^(${PHONE_KEEP.slice(1)})`)}) END`;
}

/** 10^e as a bigint, for e an SQL integer expression in 0..18. */
const pow10 = (e: string): string => `(ARRAY[${Array.from({ length: 19 }, (_, i) => `1${'0'.repeat(i)}`).join(',')}]::bigint[])[1 + ${e}]`;
/** The hyphenated shapes most phones have (digits per group), whose to_char formats are constants. */
const PHONE_GROUPS = [
  [3, 4, 4],
  [2, 4, 4],
  [3, 3, 4],
  [4, 2, 4],
  [5, 1, 4],
  [4, 3, 3],
  [4, 3, 4]
];
/** The most digits of a phone on the fast path: its number is a bigint (< 9.2 × 10^18) whose first digit is the leading 0. */
const FAST_DIGITS = 19;

/** The text of column c under "C": LIKE and regular expressions whatever the column's collation. */
const phoneText = (c: string): string => `(${c}::text COLLATE "C")`;
/** The length of the i-th hyphen-separated group of column c's text, once the text is known to be ASCII. */
const phoneGroup = (c: string, i: number): string => `octet_length(split_part(${phoneText(c)}, '-', ${i}))`;

/**
 * The shape of a phone on the fast path, from the value alone (so it is computed in the inner SELECT), as 100 × s + its
 * number of digits: s = 1 + i for PHONE_GROUPS[i], 10 + its number of hyphens for another shape. The fast path takes a
 * value that starts with 0 (so its kept start is digits only), has only digits and 0 to 3 hyphens ('-' is literal in a
 * numeric to_char format), and at most 19 digits (a bigint); NULL for any other value. One regular expression rejects
 * other characters, LIKE (cheap) finds the hyphens; no translate() nor anything per digit.
 */
function phoneShape(c: string): string {
  const x = phoneText(c);
  // At most two hyphens, so a LIKE pattern with two matches only values whose hyphens are where its are ('_' matches '-').
  const common = PHONE_GROUPS.map((g, i) => `WHEN ${x} LIKE '${g.map(n => '_'.repeat(n)).join('-')}' THEN ${100 * (i + 1) + g[0]! + g[1]! + g[2]!}`).join(' ');
  // 100 × (10 + hyphens) + digits; octet_length (constant time) is the length once the value is known to be ASCII.
  const other = (hyphens: number): string => `CASE WHEN octet_length(${x}) <= ${FAST_DIGITS + hyphens} THEN ${100 * (10 + hyphens) - hyphens} + octet_length(${x}) END`;
  const upToTwo = `CASE ${common} WHEN ${x} NOT LIKE '%-%' THEN ${other(0)} WHEN ${x} NOT LIKE '%-%-%' THEN ${other(1)} ELSE ${other(2)} END`;
  return `CASE WHEN ${x} LIKE '0%' AND ${x} !~ '[^0-9-]' THEN CASE WHEN ${x} NOT LIKE '%-%-%-%' THEN ${upToTwo} WHEN ${x} NOT LIKE '%-%-%-%-%' THEN ${other(3)} END END`;
}

/** The to_char format of a phone of shape s (phoneShape): 'FM' and the value with each digit as 0. */
function phoneFormat(c: string, s: string): string {
  const zeros = '0'.repeat(FAST_DIGITS);
  const groups = (hyphens: number): string => [`'FM' || left('${zeros}', ${phoneGroup(c, 1)})`, ...Array.from({ length: hyphens }, (_, i) => `left('-${zeros}', ${phoneGroup(c, i + 2)} + 1)`)].join(' || ');
  const common = PHONE_GROUPS.map((g, i) => `WHEN ${i + 1} THEN 'FM${g.map(n => '0'.repeat(n)).join('-')}'`).join(' ');
  return `CASE ${s} / 100 ${common} ${[0, 1, 2, 3].map(h => `WHEN ${10 + h} THEN ${groups(h)}`).join(' ')} END`;
}

/**
 * phone (reference.ts maskPhone). Fast path (shape s not NULL, see phoneShape): one to_char() of the number whose n
 * digits are the kept start k then the first n - length(k) of the 18 digits (reference.ts phoneDigits, as a bigint),
 * in the value's format (phoneFormat). NULL and '' stay. Any other value: the kept start k, then the rest's digits
 * replaced in one format() call (each digit becomes %s; the arguments are the 18 digits).
 */
function phone(c: string, h: string, k: string, s: string): string {
  const x = `${c}::text`;
  const rest = `substr(${x}, length(${k}) + 1, ${PHONE_POSITIONS} - length(${k}))`;
  // reference.ts phoneDigits; format() ignores surplus arguments, so longer values get the 18 digits repeated.
  const d = `(100000000 + ${u32(h, 0)} % 900000000)::text || (100000000 + ${u32(h, 1)} % 900000000)::text`;
  const args = `string_to_array(CASE WHEN length(${rest}) <= 18 THEN ${d} ELSE repeat(${d}, 4) END, NULL)`;
  const placeholders = `translate(replace(${rest}, '%', '%%'), '0123456789', repeat(chr(1), 10))`;
  const tail = `CASE WHEN length(${x}) > ${PHONE_POSITIONS} THEN translate(substr(${x}, ${PHONE_POSITIONS + 1}), '0123456789', '0000000000') ELSE '' END`;
  const slow = `${k} || format(replace(${placeholders}, chr(1), '%s'), VARIADIC ${args}) || ${tail}`;
  const digits18 = `((100000000 + ${u32(h, 0)} % 900000000) * 1000000000 + 100000000 + ${u32(h, 1)} % 900000000)`;
  // The number of digits after the kept start (k is ASCII on the fast path).
  const m = `(${s} % 100 - octet_length(${k}))`;
  // The first m of the 18 digits: most phones need no more than the first 9 (one uint32).
  const first = `CASE WHEN ${m} <= 9 THEN (100000000 + ${u32(h, 0)} % 900000000) / ${pow10(`9 - ${m}`)} ELSE ${digits18} / ${pow10(`18 - ${m}`)} END`;
  const fast = `to_char(CASE WHEN ${k} = '0' THEN 0 ELSE ${k}::bigint * ${pow10(m)} END + ${first}, ${phoneFormat(c, s)})`;
  // A value on the fast path is not empty: the NULL/'' test comes second.
  return `CASE WHEN ${s} IS NOT NULL THEN ${fast} WHEN ${empty(c)} THEN ${x} ELSE ${slow} END`;
}

/** ip (reference.ts maskIp) as text, from digest h; a is the value's text. */
function ipText(t: Extract<Transform, { kind: 'ip' }>, a: string, h: string): string {
  const v6 = t.v6 ?? { hex: DOC_IPV6_HEX, prefix: 32 };
  const nibbles = v6.prefix / 4;
  const six = `host(regexp_replace(${str(v6.hex.slice(0, nibbles))} || substr(encode(${h}, 'hex'), 9, ${32 - nibbles}), '(.{4})(?!$)', '\\1:', 'g')::inet)`;
  const bases = t.v4 ? [t.v4.base] : DOC_IPV4;
  const hosts = (t.v4 ? 2 ** (32 - t.v4.prefix) : 256) - 2;
  const four = `host('0.0.0.0'::inet + ((ARRAY[${bases.join(',')}]::bigint[])[1 + ((${u32(h, 0)} % ${bases.length * hosts}) / ${hosts})::int] + 1 + ${u32(h, 0)} % ${hosts}))`;
  return `CASE WHEN strpos(${a}, ':') > 0 THEN ${six} ELSE ${four} END`;
}

/**
 * What a masked value's expression may refer to: the digest of the column (h), of its of: column (ho), the phone's
 * kept start (k) and fast-path shape (s). A column paired with an of: column needs its own digest only when that column is NULL or empty:
 * then h is the digest expression itself, computed in that branch alone (lazy), not in the inner SELECT for every row.
 */
interface Refs {
  h: string;
  ho?: string;
  k?: string;
  s?: string;
  lazy?: boolean;
}

/** own(h) from the digest of refs.h: inline when that is an inner column, else computed once in its own sub-SELECT. */
const withOwn = (r: Refs, own: (h: string) => string): string => (r.lazy ? `(SELECT ${own('e.h')} FROM (SELECT ${r.h} AS h OFFSET 0) AS e)` : own(r.h));

/** The masked value of column c from the digests in refs; NULL (and '' for text) pass through. Undefined for null, constant, keep. */
function masked(c: string, col: ColumnInfo, t: Transform, source: ColumnInfo | undefined, r: Refs): string | undefined {
  const o = source ? ident(source.column) : undefined;
  const text = (body: string): string => `CASE WHEN ${empty(c)} THEN ${c}::text ELSE ${body} END`;
  const paired = (own: string, fromSource: string): string => `CASE WHEN ${empty(c)} THEN ${c}::text WHEN ${empty(o!)} THEN ${own} ELSE ${fromSource} END`;
  switch (t.kind) {
    case 'email':
      return text(`'u' || encode(substring(${r.h} from 1 for 16), 'hex') || ${str('@' + t.domain)}`);
    case 'hash':
      return text(`left(encode(${r.h}, 'hex'), ${t.length})`);
    case 'name':
      return text(name(r.h, t.style, t.part));
    case 'name-kana':
      return o
        ? paired(
            withOwn(r, h => name(h, 'kana', t.part)),
            name(r.ho!, 'kana', t.part)
          )
        : text(name(r.h, 'kana', t.part));
    case 'phone':
      return phone(c, r.h, r.k!, r.s!);
    case 'postal-code':
      return o ? paired(withOwn(r, ownPostal), postalOfAddress(r.ho!)) : text(ownPostal(r.h));
    case 'address':
      return text(`${pick(r.h, PREFECTURES, 0)} || ${pick(r.h, TOWNS, 1)} || (1 + ${u32(r.h, 2)} % 9)::text || '-' || (1 + ${u32(r.h, 3)} % 30)::text || '-' || (1 + ${u32(r.h, 4)} % 20)::text`);
    case 'ip': {
      if (!NET_TYPES.has(col.dataType)) return text(ipText(t, `${c}::text`, r.h));
      const m = `set_masklen((${ipText(t, `host(${c})`, r.h)})::inet, masklen(${c}))`;
      return `CASE WHEN ${c} IS NULL THEN ${c} ELSE ${col.dataType === 'cidr' ? `network(${m})::cidr` : m} END`;
    }
    case 'date-shift': {
      // reference.ts shiftDays: one integer indexes the shifts -days..-1, 1..days.
      const shifts = Array.from({ length: 2 * t.days }, (_, n) => (n < t.days ? n - t.days : n - t.days + 1));
      const shift = `(ARRAY[${shifts.join(',')}])[1 + (${u32(r.h, 0)} % ${2 * t.days})::int]`;
      return `CASE WHEN ${c} IS NULL THEN ${c} ELSE ${c} + ${col.dataType === 'date' ? shift : `${shift} * interval '1 day'`} END`;
    }
    default:
      return undefined;
  }
}

/**
 * The digests of a row, computed once each in an inner SELECT (OFFSET 0 keeps the planner from pulling
 * it up and computing a digest once per use): one per hashed column (a column that is also another's
 * of: source is hashed once), plus the kept start and fast-path shape of each phone.
 */
function digests(cols: Array<{ column: ColumnInfo; transform: Transform; source?: ColumnInfo }>): { select: string; refs: Refs[] } {
  const names = new Map<string, string>();
  const items: string[] = [];
  // The per-row names (h0, k0, s0, …) are unqualified in the expressions, as the table's columns are: a ruled column
  // named like one would read the digest instead of its value, so they get a prefix no referenced column has.
  const used = cols.flatMap(x => [x.column.column, ...(x.source ? [x.source.column] : [])]);
  let p = '';
  while (used.some(u => new RegExp(`^${p}[hks]\\d+$`).test(u))) p += '_';
  const digest = (col: ColumnInfo): string => {
    const c = ident(col.column);
    let n = names.get(col.column);
    if (!n) {
      n = `${p}h${names.size}`;
      names.set(col.column, n);
      items.push(`${digestOf(hashedText(c, col))} AS ${n}`);
    }
    return n;
  };
  const refs = cols.map((x, i) => {
    const lazy = !!x.source && (x.transform.kind === 'name-kana' || x.transform.kind === 'postal-code');
    const r: Refs = lazy ? { h: digestOf(hashedText(ident(x.column.column), x.column)), lazy } : { h: digest(x.column) };
    if (x.source) r.ho = digest(x.source);
    if (x.transform.kind === 'phone') {
      [r.k, r.s] = [`${p}k${i}`, `${p}s${i}`];
      items.push(`${phoneKeep(ident(x.column.column))} AS ${r.k}`, `${phoneShape(ident(x.column.column))} AS ${r.s}`);
    }
    return r;
  });
  return { select: `SELECT ${items.join(', ')} OFFSET 0`, refs };
}

/** Transforms computed from digests (everything but null, constant and keep). */
const derived = (t: Transform): boolean => !['null', 'constant', 'keep'].includes(t.kind);

/** One column's masked value on its own (a sub-SELECT computing its digests once). */
function expression(col: ColumnInfo, t: Transform, source?: ColumnInfo): string | undefined {
  const c = ident(col.column);
  if (!derived(t)) return maskExpression(c, col, t, { literal, dateShift: () => '', text: () => undefined });
  const { select, refs } = digests([{ column: col, transform: t, source }]);
  return `(SELECT ${masked(c, col, t, source, refs[0]!)} FROM (${select}) AS d)`;
}

/**
 * The table's one UPDATE: null and constant columns set directly, every derived column in one
 * multi-column assignment from a single sub-SELECT per row, whose inner SELECT computes each digest once.
 */
function update(target: string, cols: Array<{ column: ColumnInfo; transform: Transform; source?: ColumnInfo }>): string {
  const plain = cols.filter(x => !derived(x.transform)).map(x => `${ident(x.column.column)} = ${expression(x.column, x.transform)!}`);
  const rich = cols.filter(x => derived(x.transform));
  const sets = [...plain];
  if (rich.length) {
    const { select, refs } = digests(rich);
    const values = rich.map((x, i) => masked(ident(x.column.column), x.column, x.transform, x.source, refs[i]!)!);
    sets.push(`(${rich.map(x => ident(x.column.column)).join(', ')}) = (SELECT ${values.join(',\n    ')} FROM (${select}) AS d)`);
  }
  return `UPDATE ${target} SET ${sets.join(',\n  ')}`;
}

/** Numbers too are quoted: an untyped literal takes the column's type in the UPDATE. */
const literal = (value: string | number): string => str(String(value));

const table = (schema: string, name: string): string => `${ident(schema)}.${ident(name)}`;

export const postgres: Dialect = {
  engine: 'postgres',
  ident,
  table,
  expression,
  update,
  sessionKeys: () => [],
  clearKeys: () => [],
  updateParams: (key: MaskKey) => [key.hex],
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
  pages: {
    // A table with inheritance children (or partitions) is not split: its UPDATE covers the children too, whose pages the ranges do not.
    query: `SELECT current_setting('server_version_num')::int AS version,
  CASE WHEN c.relkind = 'r' AND NOT c.relhassubclass THEN (pg_relation_size(c.oid) / current_setting('block_size')::int)::bigint ELSE 0 END AS pages
FROM pg_class c WHERE c.oid = $1::regclass`,
    supports: version => version >= 140000,
    restrict: (update, from, to) => `${update}\nWHERE ctid >= '(${Math.floor(from)},0)'::tid AND ctid < '(${Math.floor(to)},0)'::tid`
  },
  sample: (schema, name, columns, limit) => `SELECT ${columns.map(c => `${ident(c)}::text AS ${ident(c)}`).join(', ')} FROM ${table(schema, name)} LIMIT ${Math.floor(limit)}`
};
