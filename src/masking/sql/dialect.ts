/** What the engine needs from one SQL dialect: quoting, the masking expressions, and catalog queries. */
import type { MaskKey } from '../keys';
import type { Transform } from '../rules';
import { FAMILY_JA, FAMILY_KANA, FAMILY_LATIN, GIVEN_JA, GIVEN_KANA, GIVEN_LATIN, PREFECTURES, TOWNS, longest } from '../dictionaries';

export type Engine = 'postgres' | 'mysql';

/** One column of the restored schema, as the catalog describes it. */
export interface ColumnInfo {
  schema: string;
  table: string;
  column: string;
  /** information_schema data_type, lower case (e.g. 'character varying', 'varchar', 'date'). */
  dataType: string;
  /** PostgreSQL udt_name (e.g. 'citext'); MySQL: same as dataType. */
  udtName: string;
  maxLength: number | null;
  nullable: boolean;
}

export interface Statement {
  sql: string;
  params: unknown[];
}

export interface Dialect {
  readonly engine: Engine;
  ident(name: string): string;
  table(schema: string, table: string): string;
  /** The SQL expression of the masked value of `col`, or undefined for keep; `source` is the rule's of: column. */
  expression(col: ColumnInfo, t: Transform, source?: ColumnInfo): string | undefined;
  /** The table's whole masking UPDATE, when the dialect builds it itself (else one SET per column expression). */
  update?(table: string, columns: Array<{ column: ColumnInfo; transform: Transform; source?: ColumnInfo }>): string;
  /** Statements run at the start of each masking transaction (MySQL: load the key into a session variable). */
  sessionKeys(key: MaskKey): Statement[];
  /** Statements run at the end of each masking transaction (clear what sessionKeys set). */
  clearKeys(): Statement[];
  /** Parameters of the UPDATE statements (PostgreSQL: the key as $1). */
  updateParams(key: MaskKey): unknown[];
  truncate(tables: Array<{ schema: string; table: string }>): string[];
  /** Columns of every base table in user schemas: rows of ColumnInfo-shaped fields (snake_case). */
  readonly catalogQuery: string;
  /** One row with column `s`: the default schema for unqualified table names. */
  readonly defaultSchemaQuery: string;
  /** Whether the column holds text the text transforms can write. */
  isText(col: ColumnInfo): boolean;
  isDate(col: ColumnInfo): boolean;
  /** Whether the column is an IP address type the ip transform writes (PostgreSQL inet, cidr). */
  isNetwork(col: ColumnInfo): boolean;
  /** Wrap a query so it returns one row with `n`: how many rows it returns. */
  countRows(sql: string): string;
  /** A bounded sample of some columns of a table (the scanner). */
  sample(schema: string, table: string, columns: string[], limit: number): string;
  /**
   * Splitting one table's UPDATE over several sessions by ranges of its pages (PostgreSQL 14+, whose TID range
   * scans read just the range); absent when the dialect cannot.
   */
  readonly pages?: {
    /** One row: `version` (server_version_num) and `pages` (the table's size in pages; 0 when it must not be split), for the table bound as $1 (its quoted name). */
    readonly query: string;
    /** Whether a server of that version scans a page range without reading the whole table. */
    supports(version: number): boolean;
    /** The UPDATE restricted to the rows in pages [from, to). */
    restrict(update: string, from: number, to: number): string;
  };
}

/**
 * What differs between dialects in the masked-value expression: how a constant
 * is written, date arithmetic, and the text transforms. keep, null and the
 * NULL/boolean constants are the same SQL everywhere (maskExpression).
 */
export interface ExpressionParts {
  /** A string or number constant as an SQL literal. */
  literal(value: string | number): string;
  /** The date-shift of column `c` (quoted) by up to `days` either way; NULL stays NULL. */
  dateShift(c: string, col: ColumnInfo, days: number): string;
  /** A text transform of column `c` (quoted); undefined for a transform that is not text. */
  text(c: string, t: Transform): string | undefined;
}

/** The SQL expression of the masked value of column `c` (quoted), or undefined for keep. */
export function maskExpression(c: string, col: ColumnInfo, t: Transform, parts: ExpressionParts): string | undefined {
  switch (t.kind) {
    case 'keep':
      return undefined;
    case 'null':
      return 'NULL';
    case 'constant':
      if (t.value === null) return 'NULL';
      if (typeof t.value === 'boolean') return t.value ? 'TRUE' : 'FALSE';
      return parts.literal(t.value);
    case 'date-shift':
      return parts.dateShift(c, col, t.days);
    default:
      return parts.text(c, t);
  }
}

/** Longest output, in characters, of a text transform (for varchar(n) checks); undefined when not text or unbounded. */
export function maxOutputLength(t: Transform): number | undefined {
  switch (t.kind) {
    case 'email':
      return 1 + 32 + 1 + t.domain.length;
    case 'hash':
      return t.length;
    case 'name': {
      const [family, given] = t.style === 'latin' ? [FAMILY_LATIN, GIVEN_LATIN] : [FAMILY_JA, GIVEN_JA];
      return t.part === 'family' ? longest(family) : t.part === 'given' ? longest(given) : longest(family) + 1 + longest(given);
    }
    case 'name-kana':
      return t.part === 'family' ? longest(FAMILY_KANA) : t.part === 'given' ? longest(GIVEN_KANA) : longest(FAMILY_KANA) + 1 + longest(GIVEN_KANA);
    case 'postal-code':
      return 8;
    case 'address':
      return longest(PREFECTURES) + longest(TOWNS) + 7;
    case 'constant':
      return t.value === null ? undefined : String(t.value).length;
    default:
      return undefined;
  }
}

/** Name lists as SQL string literals (their entries carry no quote characters). */
export function literalList(list: readonly string[]): string {
  for (const s of list) if (/['"\\`]/.test(s)) throw new Error(`dictionary entry ${JSON.stringify(s)} has a quote character`);
  return list.map(s => `'${s}'`).join(',');
}
