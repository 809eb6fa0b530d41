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

export const TRANSFORMS = ['email', 'name', 'name-kana', 'phone', 'address', 'postal-code', 'hash', 'null', 'constant', 'date-shift', 'keep'] as const;
export type TransformName = (typeof TRANSFORMS)[number];

export type Transform =
  | { kind: 'email'; domain: string }
  | { kind: 'name'; style: 'ja' | 'latin' }
  | { kind: 'name-kana' }
  | { kind: 'phone' }
  | { kind: 'address' }
  | { kind: 'postal-code' }
  | { kind: 'hash'; length: number }
  | { kind: 'null' }
  | { kind: 'constant'; value: string | number | boolean | null }
  | { kind: 'date-shift'; days: number }
  | { kind: 'keep' };

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
  return t.kind === 'email' || t.kind === 'hash';
}

export class MaskingRulesError extends DiagnosedError {
  readonly problems: string[];
  constructor(file: string, problems: string[]) {
    super({
      title: 'Masking rules are invalid',
      message: `${file}:\n- ${problems.join('\n- ')}`,
      fix: `Valid transforms: ${TRANSFORMS.join(', ')}. Options: email {domain}, name {style: ja|latin}, hash {length: 8..64}, constant {value}, date-shift {days: 1..3650}.\nTop-level keys: tables, truncate, sql {before, after}, verify [{name, sql}].`
    });
    this.name = 'MaskingRulesError';
    this.problems = problems;
  }
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_$]*$/;
const DOMAIN = /^(?=.{1,200}$)[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

export function parseTableRef(text: string): TableRef | string {
  const parts = text.split('.');
  if (parts.length > 2 || parts.some(p => !IDENT.test(p)))
    return `'${text}' is not a table name: write table or schema.table (letters, digits, _ and $; no quotes).`;
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
    email: ['domain'], name: ['style'], 'name-kana': [], phone: [], address: [], 'postal-code': [], hash: ['length'],
    null: [], constant: ['value'], 'date-shift': ['days'], keep: []
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
      return { kind: 'name', style };
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
      return { kind: name as Exclude<TransformName, 'email' | 'name' | 'hash' | 'constant' | 'date-shift'> };
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
    throw new MaskingRulesError(path, [`cannot read the masking-rules file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}. The path is relative to the workspace (check out the repository first).`]);
  }
  return parseRules(text, path);
}
