/**
 * The PII scanner: columns that look personal and have no rule. Two signals:
 * the column's name (email, name, kana, phone, address, postal code, birth
 * date, IP address, card number — English and romanized Japanese), and a
 * bounded sample of its values (LIMIT n per table). Sampled values stay in
 * memory only while they are matched; they are never logged.
 */
import type { Dialect } from './sql/dialect';
import type { Schema, TableInfo } from './schema';
import { tableKey } from './schema';
import type { Executor } from './transports/executor';

export type PiiKind = 'email' | 'name-kana' | 'name' | 'phone' | 'ip-address' | 'address' | 'postal-code' | 'birth-date' | 'card-number';

export interface Finding {
  schema: string;
  table: string;
  column: string;
  kind: PiiKind;
  /** Why: the column name, or how many sampled values matched. */
  evidence: string;
}

/** The rule the message proposes for each kind. */
export const SUGGESTED: Record<PiiKind, string> = {
  email: 'email',
  'name-kana': 'name-kana',
  name: 'name',
  phone: 'phone',
  'ip-address': 'ip',
  address: 'address',
  'postal-code': 'postal-code',
  'birth-date': '{ transform: date-shift, days: 180 }',
  'card-number': 'null'
};

/** Split snake_case, kebab-case and camelCase into lower-case words. */
export function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

const PERSON_TABLE = /(user|customer|member|employee|staff|contact|person|people|account|client|patient|student|applicant|profile|guest|subscriber)/i;

/** What the column's name says, if anything. Order matters: ip_address is an IP, email_address an email. */
export function kindFromName(column: string, table: string, dataType = 'text'): PiiKind | undefined {
  const w = words(column);
  const joined = w.join('_');
  const has = (...xs: string[]) => xs.some(x => w.includes(x));
  if (has('email', 'mail', 'emailaddress', 'mailaddress') || /e_?mail/.test(joined)) return 'email';
  if (has('kana', 'furigana', 'yomi', 'yomigana', 'katakana', 'hiragana') || /kana$/.test(joined)) return 'name-kana';
  if (has('ip', 'ipaddr', 'ipv4', 'ipv6', 'ipaddress') || joined === 'remote_addr' || joined === 'client_addr') return 'ip-address';
  if (has('phone', 'tel', 'telephone', 'mobile', 'cell', 'cellphone', 'fax', 'keitai', 'denwa', 'phonenumber') || /phone/.test(joined)) return 'phone';
  if (has('zip', 'zipcode', 'postal', 'postcode', 'postalcode', 'yubin', 'yuubin')) return 'postal-code';
  if (has('birth', 'birthday', 'birthdate', 'dob', 'born', 'tanjobi', 'seinengappi') || /birth/.test(joined)) return 'birth-date';
  if ((has('card', 'cc', 'credit') && has('number', 'no', 'num', 'pan')) || has('pan', 'ccnumber', 'cardnumber', 'creditcard')) return 'card-number';
  if (has('address', 'addr', 'street', 'jusho', 'juusho', 'juusyo', 'jyusho') || /address/.test(joined)) return 'address';
  if (/^(date|timestamp)/.test(dataType) && has('birth')) return 'birth-date';
  if (
    has('firstname', 'lastname', 'fullname', 'givenname', 'familyname', 'surname', 'fname', 'lname', 'shimei', 'simei', 'namae', 'seimei', 'myoji', 'myouji') ||
    (w.includes('name') &&
      w.some(x => ['first', 'last', 'full', 'given', 'family', 'middle', 'maiden', 'real', 'legal', 'contact', 'customer', 'person', 'display', 'billing', 'shipping', 'recipient', 'sei', 'mei'].includes(x))) ||
    (joined === 'name' && PERSON_TABLE.test(table))
  )
    return 'name';
  return undefined;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[A-Za-z]{2,}$/;
const PHONE = /^(\+\d{1,3}[\s-]?)?\(?0?\d{1,4}\)?[\s-]?\d{1,4}[\s-]?\d{3,4}$/;
const POSTAL_JP = /^〒?\s?\d{3}-\d{4}$/;
const KANA = /^[\u3041-\u3096\u30a1-\u30fa\u30fc\uff66-\uff9f\s\u3000・]+$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const IPV6 = /^[0-9a-f]{0,4}(:[0-9a-f]{0,4}){2,7}$/i;
const CARD = /^\d{4}([\s-]?\d{4}){2}[\s-]?\d{1,7}$/;

export function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

function valueKindOf(v: string): PiiKind | undefined {
  const s = v.trim();
  if (!s) return undefined;
  if (EMAIL.test(s)) return 'email';
  if (POSTAL_JP.test(s)) return 'postal-code';
  if (IPV4.test(s) || (s.includes(':') && IPV6.test(s) && s.split(':').length > 3)) return 'ip-address';
  if (CARD.test(s)) {
    const digits = s.replace(/\D/g, '');
    if (digits.length >= 13 && digits.length <= 19 && luhn(digits)) return 'card-number';
  }
  const digits = s.replace(/\D/g, '');
  if (PHONE.test(s) && digits.length >= 10 && digits.length <= 13 && /[-\s()+]/.test(s)) return 'phone';
  if (KANA.test(s) && /[\u30a1-\u30fa\u3041-\u3096]/.test(s)) return 'name-kana';
  return undefined;
}

/**
 * What a sample of values says: the kind at least half of the non-empty
 * values match (and at least 2 of them), if any.
 */
export function kindFromValues(values: Array<string | null | undefined>): { kind: PiiKind; matched: number; sampled: number } | undefined {
  const present = values.filter((v): v is string => typeof v === 'string' && v.trim() !== '');
  if (present.length === 0) return undefined;
  const counts = new Map<PiiKind, number>();
  for (const v of present) {
    const k = valueKindOf(v);
    if (k) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  let best: [PiiKind, number] | undefined;
  for (const e of counts) if (!best || e[1] > best[1]) best = e;
  if (!best || best[1] < Math.min(2, present.length) || best[1] * 2 < present.length) return undefined;
  return { kind: best[0], matched: best[1], sampled: present.length };
}

export interface ScanOptions {
  /** Rows sampled per table (LIMIT). */
  sampleRows: number;
  /** schema.table.column keys with a rule (keep included). */
  ruled: Set<string>;
  /** schema.table keys of truncated tables. */
  truncated: Set<string>;
}

/** Name-based findings for every unruled column: pure. */
export function scanNames(tables: TableInfo[], opts: Pick<ScanOptions, 'ruled' | 'truncated'>): Finding[] {
  const out: Finding[] = [];
  for (const t of tables) {
    if (opts.truncated.has(tableKey(t.schema, t.table))) continue;
    for (const c of t.columns) {
      if (opts.ruled.has(`${tableKey(t.schema, t.table)}.${c.column}`)) continue;
      const kind = kindFromName(c.column, t.table, c.dataType);
      if (kind) out.push({ schema: t.schema, table: t.table, column: c.column, kind, evidence: `its name '${c.column}'` });
      else if (c.dataType === 'inet') out.push({ schema: t.schema, table: t.table, column: c.column, kind: 'ip-address', evidence: `its type '${c.dataType}'` });
    }
  }
  return out;
}

/** Name findings, then a bounded value sample of the other unruled text columns (one SELECT … LIMIT per table). */
export async function scanForPii(ex: Executor, dialect: Dialect, schema: Schema, opts: ScanOptions): Promise<Finding[]> {
  const findings = scanNames(schema.tables, opts);
  const named = new Set(findings.map(f => `${tableKey(f.schema, f.table)}.${f.column}`));
  for (const t of schema.tables) {
    const key = tableKey(t.schema, t.table);
    if (opts.truncated.has(key)) continue;
    const cols = t.columns.filter(c => dialect.isText(c) && !opts.ruled.has(`${key}.${c.column}`) && !named.has(`${key}.${c.column}`)).map(c => c.column);
    if (!cols.length) continue;
    const sample = await ex.query(dialect.sample(t.schema, t.table, cols, opts.sampleRows));
    for (const c of cols) {
      const hit = kindFromValues(sample.rows.map(r => r[c] as string | null));
      if (hit) findings.push({ schema: t.schema, table: t.table, column: c, kind: hit.kind, evidence: `${hit.matched} of ${hit.sampled} sampled values look like ${hit.kind}` });
    }
  }
  return findings;
}

/** One line a person can act on: the column, why, and the rule to add. */
export function describeFinding(f: Finding, defaultSchema: string): string {
  const table = f.schema === defaultSchema ? f.table : `${f.schema}.${f.table}`;
  return `${table}.${f.column} looks like ${f.kind} (${f.evidence}) and has no rule: add under tables: -> ${table}: -> "${f.column}: ${SUGGESTED[f.kind]}" (or "${f.column}: keep" if it is not personal).`;
}
