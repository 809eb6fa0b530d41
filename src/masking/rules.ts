/**
 * The masking rules file: YAML parsed and validated before any AWS call.
 *
 * ```yaml
 * tables:
 *   public.users:                 # schema.table, or table (PostgreSQL: public; MySQL: the connection's database)
 *     email: email                # a transform by name
 *     full_name: name
 *     full_name_kana: name-kana
 *     phone: phone
 *     birth_date: { transform: date-shift, days: 180 }
 *     country: { transform: constant, value: JP }
 *     plan: keep                  # not personal: silences the scanner
 * truncate: [audit_log]
 * sql:
 *   before: ["DELETE FROM sessions"]
 *   after: []
 * verify:
 *   - name: no real mail domains
 *     sql: SELECT 1 FROM users WHERE email NOT LIKE '%@example.invalid'
 * ```
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { DiagnosedError } from '../errors';

export const TRANSFORMS = ['email', 'name', 'name-kana', 'phone', 'address', 'postal-code', 'hash', 'null', 'constant', 'date-shift', 'keep', 'ip'] as const;
export type TransformName = (typeof TRANSFORMS)[number];

export type Transform =
  | { kind: 'email'; domain: string }
  | { kind: 'name'; style: 'ja' | 'latin'; part?: NamePart }
  /** of: the column (ruled `name`, style ja, same part) whose masked name this is the reading of. */
  | { kind: 'name-kana'; part?: NamePart; of?: string }
  | { kind: 'phone' }
  | { kind: 'address' }
  /** of: the column (ruled `address`) whose masked prefecture the postal code belongs to. */
  | { kind: 'postal-code'; of?: string }
  | { kind: 'ip'; v4?: Ipv4Range; v6?: Ipv6Range; unique?: boolean }
  | { kind: 'hash'; length: number }
  | { kind: 'null' }
  | { kind: 'constant'; value: string | number | boolean | null }
  | { kind: 'date-shift'; days: number }
  | { kind: 'keep' };

/** Which part of a name a column holds (absent: the full name, family name first for ja). */
export type NamePart = 'family' | 'given';

/** An IPv4 range: network address as a number, prefix length (at most /30: at least two usable hosts). */
export interface Ipv4Range {
  base: number;
  prefix: number;
  text: string;
}

/** An IPv6 range: the network as 32 hex digits, prefix length (a multiple of 4, at most /124). */
export interface Ipv6Range {
  hex: string;
  prefix: number;
  text: string;
}

/** A table as written in the rules; `schema` absent means the connection's default schema. */
export interface TableRef {
  schema?: string;
  table: string;
  /** As written in the file, for messages. */
  display: string;
}

export interface ColumnRule {
  column: string;
  transform: Transform;
}

export interface TableRule {
  table: TableRef;
  columns: ColumnRule[];
}

export interface VerifyQuery {
  name: string;
  sql: string;
}

export interface MaskingRules {
  file: string;
  tables: TableRule[];
  truncate: TableRef[];
  before: string[];
  after: string[];
  verify: VerifyQuery[];
}

/** Transforms whose output is (with overwhelming probability) injective: uniqueness is checked after masking. */
export function isInjective(t: Transform): boolean {
  return t.kind === 'email' || t.kind === 'hash' || (t.kind === 'ip' && t.unique === true);
}

/**
 * Injective transforms whose output is short enough that a collision is conceivable: their distinct
 * counts are compared before and after masking. email (128 bits) and hash of 24+ hex digits (96+ bits)
 * are not checked: for n values a collision has probability below n²/2^97 (6·10^-12 for 10^9 values).
 */
export function needsDistinctCheck(t: Transform): boolean {
  return (t.kind === 'hash' && t.length < 24) || (t.kind === 'ip' && t.unique === true);
}

/** The column a transform derives from instead of its own value (of:), if any. */
export function sourceColumn(t: Transform): string | undefined {
  return t.kind === 'name-kana' || t.kind === 'postal-code' ? t.of : undefined;
}

function parseIpv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some(p => p > 255)) return undefined;
  return ((parts[0]! * 256 + parts[1]!) * 256 + parts[2]!) * 256 + parts[3]!;
}

/** 32 hex digits of an IPv6 address text (no zone, no embedded IPv4), or undefined. */
export function ipv6Hex(text: string): string | undefined {
  if (!/^[0-9a-fA-F:]+$/.test(text) || (text.match(/::/g) ?? []).length > 1) return undefined;
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  if ([...h, ...t].some(g => g.length < 1 || g.length > 4)) return undefined;
  const missing = 8 - h.length - t.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
  return [...h, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...t].map(g => g.toLowerCase().padStart(4, '0')).join('');
}

/** A CIDR range of the ip transform: 'a.b.c.d/n' (n <= 30) or an IPv6 prefix (n a multiple of 4, <= 124). */
export function parseIpRange(text: string): Ipv4Range | Ipv6Range | string {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text.trim());
  if (!m) return `range ${JSON.stringify(text)} is not a CIDR range like 192.0.2.0/24 or 2001:db8::/32`;
  const prefix = Number(m[2]);
  const v4 = parseIpv4(m[1]!);
  if (v4 !== undefined) {
    if (prefix > 30) return `range ${text}: an IPv4 range needs at least 2 usable addresses (/30 or wider)`;
    const size = 2 ** (32 - prefix);
    return { base: v4 - (v4 % size), prefix, text };
  }
  const hex = ipv6Hex(m[1]!);
  if (hex === undefined) return `range ${JSON.stringify(text)} is not a CIDR range like 192.0.2.0/24 or 2001:db8::/32`;
  if (prefix > 124 || prefix % 4 !== 0) return `range ${text}: an IPv6 prefix length must be a multiple of 4, at most 124`;
  return { hex: hex.slice(0, prefix / 4).padEnd(32, '0'), prefix, text };
}

export class MaskingRulesError extends DiagnosedError {
  readonly problems: string[];
  constructor(file: string, problems: string[]) {
    super({
      title: 'Masking rules are invalid',
      message: `${file}:\n- ${problems.join('\n- ')}`,
      fix: `Valid transforms: ${TRANSFORMS.join(', ')}. Options: email {domain}, name {style: ja|latin, part: family|given}, name-kana {part, of: <name column>}, postal-code {of: <address column>}, ip {range: <CIDR or list>, unique}, hash {length: 8..64}, constant {value}, date-shift {days: 1..3650}.\nTop-level keys: tables, truncate, sql {before, after}, verify [{name, sql}].`
    });
    this.name = 'MaskingRulesError';
    this.problems = problems;
  }
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_$]*$/;
const DOMAIN = /^(?=.{1,200}$)[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

export function parseTableRef(text: string): TableRef | string {
  const parts = text.split('.');
  if (parts.length > 2 || parts.some(p => !IDENT.test(p))) return `'${text}' is not a table name: write table or schema.table (letters, digits, _ and $; no quotes).`;
  return parts.length === 2 ? { schema: parts[0], table: parts[1]!, display: text } : { table: parts[0]!, display: text };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseTransform(where: string, spec: unknown, problems: string[]): Transform | undefined {
  let name: unknown;
  let opts: Obj = {};
  if (spec === null) name = 'null';
  else if (typeof spec === 'string') name = spec;
  else if (isObj(spec)) {
    name = spec.transform;
    opts = spec;
  } else {
    problems.push(`${where}: expected a transform name or { transform: ..., options }; got ${JSON.stringify(spec)}.`);
    return undefined;
  }
  if (typeof name !== 'string' || !(TRANSFORMS as readonly string[]).includes(name)) {
    problems.push(`${where}: unknown transform ${JSON.stringify(name)}; valid transforms: ${TRANSFORMS.join(', ')}.`);
    return undefined;
  }
  const allowed: Record<TransformName, string[]> = {
    email: ['domain'],
    name: ['style', 'part'],
    'name-kana': ['part', 'of'],
    phone: [],
    address: [],
    'postal-code': ['of'],
    hash: ['length'],
    null: [],
    constant: ['value'],
    'date-shift': ['days'],
    keep: [],
    ip: ['range', 'unique']
  };
  for (const k of Object.keys(opts)) {
    if (k !== 'transform' && !allowed[name as TransformName].includes(k))
      problems.push(`${where}: option '${k}' does not apply to ${name}${allowed[name as TransformName].length ? ` (options: ${allowed[name as TransformName].join(', ')})` : ''}.`);
  }
  switch (name as TransformName) {
    case 'email': {
      const domain = opts.domain ?? 'example.invalid';
      if (typeof domain !== 'string' || !DOMAIN.test(domain)) {
        problems.push(`${where}: email domain must be a domain name like example.invalid; got ${JSON.stringify(domain)}.`);
        return undefined;
      }
      return { kind: 'email', domain };
    }
    case 'name': {
      const style = opts.style ?? 'ja';
      if (style !== 'ja' && style !== 'latin') {
        problems.push(`${where}: name style must be ja or latin; got ${JSON.stringify(style)}.`);
        return undefined;
      }
      const part = namePart(where, opts, problems);
      if (part === null) return undefined;
      return part ? { kind: 'name', style, part } : { kind: 'name', style };
    }
    case 'name-kana': {
      const part = namePart(where, opts, problems);
      const of = ofColumn(where, opts, problems);
      if (part === null || of === null) return undefined;
      return { kind: 'name-kana', ...(part ? { part } : {}), ...(of ? { of } : {}) };
    }
    case 'postal-code': {
      const of = ofColumn(where, opts, problems);
      if (of === null) return undefined;
      return of ? { kind: 'postal-code', of } : { kind: 'postal-code' };
    }
    case 'ip': {
      const t: Extract<Transform, { kind: 'ip' }> = { kind: 'ip' };
      if (opts.range !== undefined) {
        const list = Array.isArray(opts.range) ? opts.range : [opts.range];
        if (list.length === 0 || list.length > 2 || list.some(r => typeof r !== 'string')) {
          problems.push(`${where}: ip range must be a CIDR string or a list of one IPv4 and one IPv6 CIDR; got ${JSON.stringify(opts.range)}.`);
          return undefined;
        }
        for (const r of list as string[]) {
          const range = parseIpRange(r);
          if (typeof range === 'string') {
            problems.push(`${where}: ${range}.`);
            return undefined;
          }
          const family = 'base' in range ? 'v4' : 'v6';
          if (t[family]) {
            problems.push(`${where}: ip range lists two IPv${family.slice(1)} ranges; give at most one of each family.`);
            return undefined;
          }
          if ('base' in range) t.v4 = range;
          else t.v6 = range;
        }
      }
      if (opts.unique !== undefined) {
        if (typeof opts.unique !== 'boolean') {
          problems.push(`${where}: ip unique must be true or false; got ${JSON.stringify(opts.unique)}.`);
          return undefined;
        }
        if (opts.unique) t.unique = true;
      }
      return t;
    }
    case 'hash': {
      const length = opts.length ?? 32;
      if (typeof length !== 'number' || !Number.isInteger(length) || length < 8 || length > 64) {
        problems.push(`${where}: hash length must be an integer from 8 to 64 hex characters; got ${JSON.stringify(length)}.`);
        return undefined;
      }
      return { kind: 'hash', length };
    }
    case 'constant': {
      if (!('value' in opts)) {
        problems.push(`${where}: constant needs a value, e.g. { transform: constant, value: 'N/A' }.`);
        return undefined;
      }
      const value = opts.value;
      if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) {
        problems.push(`${where}: constant value must be a string, number, boolean or null; got ${JSON.stringify(value)}.`);
        return undefined;
      }
      if (typeof value === 'number' && !Number.isFinite(value)) {
        problems.push(`${where}: constant value must be a finite number.`);
        return undefined;
      }
      return { kind: 'constant', value: value as string | number | boolean | null };
    }
    case 'date-shift': {
      const days = opts.days ?? 30;
      if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > 3650) {
        problems.push(`${where}: date-shift days must be an integer from 1 to 3650; got ${JSON.stringify(days)}.`);
        return undefined;
      }
      return { kind: 'date-shift', days };
    }
    default:
      return { kind: name as Exclude<TransformName, 'email' | 'name' | 'name-kana' | 'postal-code' | 'ip' | 'hash' | 'constant' | 'date-shift'> };
  }
}

/** The part option: undefined (full name), the part, or null after a problem. */
function namePart(where: string, opts: Obj, problems: string[]): NamePart | undefined | null {
  const part = opts.part;
  if (part === undefined || part === 'full') return undefined;
  if (part === 'family' || part === 'given') return part;
  problems.push(`${where}: name part must be family, given or full; got ${JSON.stringify(part)}.`);
  return null;
}

/** The of option: undefined, a column name, or null after a problem. */
function ofColumn(where: string, opts: Obj, problems: string[]): string | undefined | null {
  if (opts.of === undefined) return undefined;
  if (typeof opts.of !== 'string' || !IDENT.test(opts.of)) {
    problems.push(`${where}: of must name another column of the same table; got ${JSON.stringify(opts.of)}.`);
    return null;
  }
  return opts.of;
}

/** of: must name another column of the same table with the matching rule (a kana's name, a postal code's address). */
function checkSources(tname: string, columns: ColumnRule[], problems: string[]): void {
  for (const c of columns) {
    const of = sourceColumn(c.transform);
    if (of === undefined) continue;
    const where = `table ${tname}, column ${c.column}`;
    const src = columns.find(s => s.column === of) ?? columns.find(s => s.column.toLowerCase() === of.toLowerCase());
    if (c.transform.kind === 'name-kana') {
      const part = c.transform.part;
      if (!src || src.transform.kind !== 'name' || src.transform.style !== 'ja' || src.transform.part !== part)
        problems.push(`${where}: of: ${of} must name a column of this table ruled { transform: name${part ? `, part: ${part}` : ''} } (style ja), so the reading matches the masked name.`);
    } else if (!src || src.transform.kind !== 'address') {
      problems.push(`${where}: of: ${of} must name a column of this table ruled address, so the postal code matches its prefecture.`);
    }
  }
}

function stringList(where: string, v: unknown, problems: string[]): string[] {
  if (v === undefined || v === null) return [];
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.some(s => typeof s !== 'string' || !s.trim())) {
    problems.push(`${where}: expected a list of non-empty SQL strings.`);
    return [];
  }
  return list as string[];
}

/** Parse and validate rules text; `file` names the source in messages. Throws MaskingRulesError listing every problem. */
export function parseRules(text: string, file: string): MaskingRules {
  const problems: string[] = [];
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new MaskingRulesError(file, [`not valid YAML: ${(e as Error).message}`]);
  }
  if (doc === null || doc === undefined) doc = {};
  if (!isObj(doc)) throw new MaskingRulesError(file, ['the top level must be a mapping with keys tables, truncate, sql, verify.']);

  for (const k of Object.keys(doc)) {
    if (!['tables', 'truncate', 'sql', 'verify'].includes(k)) problems.push(`unknown top-level key '${k}' (expected tables, truncate, sql, verify).`);
  }

  const tables: TableRule[] = [];
  const seen = new Set<string>();
  if (doc.tables !== undefined && doc.tables !== null) {
    if (!isObj(doc.tables)) problems.push('tables: expected a mapping of table -> { column: transform }.');
    else {
      for (const [tname, cols] of Object.entries(doc.tables)) {
        const ref = parseTableRef(tname);
        if (typeof ref === 'string') {
          problems.push(`tables: ${ref}`);
          continue;
        }
        if (seen.has(tname)) problems.push(`tables.${tname}: listed twice.`);
        seen.add(tname);
        if (!isObj(cols) || Object.keys(cols).length === 0) {
          problems.push(`tables.${tname}: expected a mapping of column -> transform (at least one column).`);
          continue;
        }
        const columns: ColumnRule[] = [];
        for (const [cname, spec] of Object.entries(cols)) {
          const where = `table ${tname}, column ${cname}`;
          if (!IDENT.test(cname)) {
            problems.push(`${where}: not a column name (letters, digits, _ and $).`);
            continue;
          }
          const transform = parseTransform(where, spec, problems);
          if (transform) columns.push({ column: cname, transform });
        }
        checkSources(tname, columns, problems);
        tables.push({ table: ref, columns });
      }
    }
  }

  const truncate: TableRef[] = [];
  for (const t of stringList('truncate', doc.truncate, problems)) {
    const ref = parseTableRef(t);
    if (typeof ref === 'string') problems.push(`truncate: ${ref}`);
    else {
      if (seen.has(t)) problems.push(`truncate: ${t} also has column rules; a truncated table needs none.`);
      truncate.push(ref);
    }
  }

  let before: string[] = [];
  let after: string[] = [];
  if (doc.sql !== undefined && doc.sql !== null) {
    if (!isObj(doc.sql)) problems.push('sql: expected { before: [...], after: [...] }.');
    else {
      for (const k of Object.keys(doc.sql)) if (k !== 'before' && k !== 'after') problems.push(`sql: unknown key '${k}' (expected before, after).`);
      before = stringList('sql.before', doc.sql.before, problems);
      after = stringList('sql.after', doc.sql.after, problems);
    }
  }

  const verify: VerifyQuery[] = [];
  if (doc.verify !== undefined && doc.verify !== null) {
    if (!Array.isArray(doc.verify)) problems.push('verify: expected a list of { name, sql } (queries that must return no rows).');
    else
      doc.verify.forEach((v, i) => {
        if (typeof v === 'string' && v.trim()) verify.push({ name: `verify[${i}]`, sql: v.trim().replace(/;\s*$/, '') });
        else if (isObj(v) && typeof v.sql === 'string' && v.sql.trim()) verify.push({ name: typeof v.name === 'string' ? v.name : `verify[${i}]`, sql: v.sql.trim().replace(/;\s*$/, '') });
        else problems.push(`verify[${i}]: expected { name, sql } with a SELECT that must return no rows.`);
      });
  }

  if (problems.length) throw new MaskingRulesError(file, problems);
  return { file, tables, truncate, before, after, verify };
}

/** Read, parse and validate a rules file. Used before any AWS call. */
export function loadRules(path: string): MaskingRules {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new MaskingRulesError(path, [
      `cannot read the masking-rules file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}. The path is relative to the workspace (check out the repository first).`
    ]);
  }
  return parseRules(text, path);
}
