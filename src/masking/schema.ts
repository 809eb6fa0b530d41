/**
 * The restored database's schema, and the masking plan: the rules checked
 * against it (every table and column exists and can hold the masked value)
 * and turned into one set-based UPDATE per table.
 */
import type { ColumnRule, MaskingRules, TableRef, Transform } from './rules';
import { needsDistinctCheck, sourceColumn } from './rules';
import { maxOutputLength, type ColumnInfo, type Dialect } from './sql/dialect';
import type { Executor } from './transports/executor';

export interface TableInfo {
  schema: string;
  table: string;
  columns: ColumnInfo[];
}

export interface Schema {
  defaultSchema: string;
  tables: TableInfo[];
}

export const tableKey = (schema: string, table: string): string => `${schema}.${table}`;

export async function readSchema(ex: Executor, dialect: Dialect): Promise<Schema> {
  const def = await ex.query(dialect.defaultSchemaQuery);
  const defaultSchema = String(def.rows[0]?.s ?? (dialect.engine === 'postgres' ? 'public' : ''));
  const r = await ex.query(dialect.catalogQuery);
  const byKey = new Map<string, TableInfo>();
  for (const row of r.rows) {
    const schema = String(row.table_schema);
    const table = String(row.table_name);
    const key = tableKey(schema, table);
    let t = byKey.get(key);
    if (!t) byKey.set(key, (t = { schema, table, columns: [] }));
    const max = row.character_maximum_length;
    t.columns.push({
      schema,
      table,
      column: String(row.column_name),
      dataType: String(row.data_type).toLowerCase(),
      udtName: String(row.udt_name ?? row.data_type).toLowerCase(),
      maxLength: max === null || max === undefined ? null : Number(max),
      nullable: String(row.is_nullable).toUpperCase() === 'YES'
    });
  }
  return { defaultSchema, tables: [...byKey.values()] };
}

/** Find a table named in the rules: exact name first, then a unique case-insensitive match (MySQL, unquoted PostgreSQL names). */
export function findTable(schema: Schema, ref: TableRef): TableInfo | string {
  const wantSchema = ref.schema ?? schema.defaultSchema;
  const exact = schema.tables.find(t => t.schema === wantSchema && t.table === ref.table);
  if (exact) return exact;
  const folded = schema.tables.filter(t => t.schema.toLowerCase() === wantSchema.toLowerCase() && t.table.toLowerCase() === ref.table.toLowerCase());
  if (folded.length === 1) return folded[0]!;
  const elsewhere = schema.tables.filter(t => t.table.toLowerCase() === ref.table.toLowerCase()).map(t => tableKey(t.schema, t.table));
  return `table ${ref.display}: not found in schema ${wantSchema} of the restored database${elsewhere.length ? ` (found ${elsewhere.join(', ')}: qualify the name)` : ''}.`;
}

function findColumn(t: TableInfo, name: string): ColumnInfo | undefined {
  return t.columns.find(c => c.column === name) ?? t.columns.find(c => c.column.toLowerCase() === name.toLowerCase());
}

export interface ColumnPlan {
  column: ColumnInfo;
  transform: Transform;
  /** SQL of the new value; undefined for keep. */
  expression?: string;
  /** The column an of: rule derives from. */
  source?: ColumnInfo;
}

export interface TablePlan {
  schema: string;
  table: string;
  display: string;
  columns: ColumnPlan[];
  /** The one set-based UPDATE for this table (absent when every rule is keep). */
  update?: string;
  /** Masked columns whose distinct count must not change (short hashes, ip with unique: rules.ts needsDistinctCheck). */
  unique: ColumnInfo[];
  /** SELECT of the distinct counts of `unique` (absent when empty): one row, columns d0, d1, … */
  distinctQuery?: string;
  /** Whether `update` derives values from the salt (binds the dialect's key parameters); false when every rule is null, constant or keep. */
  usesKeys: boolean;
}

export interface MaskingPlan {
  truncate: TableInfo[];
  tables: TablePlan[];
  /** Keys (schema.table.column) that have a rule, keep included: the scanner skips them. */
  ruled: Set<string>;
  /** Keys (schema.table) of truncated tables. */
  truncated: Set<string>;
  problems: string[];
}

const TEXT_KINDS = new Set(['email', 'name', 'name-kana', 'phone', 'address', 'postal-code', 'hash']);

function checkColumn(dialect: Dialect, where: string, col: ColumnInfo, t: Transform): string | undefined {
  if (t.kind === 'ip' && !dialect.isText(col) && !dialect.isNetwork(col))
    return `${where}: ip writes IP addresses but the column is ${col.dataType}; it needs ${dialect.engine === 'postgres' ? 'inet, cidr or ' : ''}a text column.`;
  if (TEXT_KINDS.has(t.kind) && !dialect.isText(col)) return `${where}: ${t.kind} writes text but the column is ${col.dataType}; use null, constant or keep, or hash a text column.`;
  if (t.kind === 'date-shift' && !dialect.isDate(col)) return `${where}: date-shift needs a date or timestamp column; the column is ${col.dataType}.`;
  if ((t.kind === 'null' || (t.kind === 'constant' && t.value === null)) && !col.nullable) return `${where}: the column is NOT NULL; use constant with a value, or another transform.`;
  const max = maxOutputLength(t);
  if (max !== undefined && col.maxLength !== null && dialect.isText(col) && max > col.maxLength)
    return `${where}: masked values are up to ${max} characters but the column holds ${col.maxLength}${t.kind === 'email' ? '; use a shorter domain' : t.kind === 'hash' ? `; set { transform: hash, length: ${Math.min(col.maxLength, 64)} }` : ''}.`;
  return undefined;
}

/** Check the rules against the schema and build the statements. Pure: the same rules and schema give the same plan. */
export function planMasking(rules: MaskingRules, schema: Schema, dialect: Dialect): MaskingPlan {
  const problems: string[] = [];
  const ruled = new Set<string>();
  const truncated = new Set<string>();
  const truncate: TableInfo[] = [];
  for (const ref of rules.truncate) {
    const t = findTable(schema, ref);
    if (typeof t === 'string') problems.push(`truncate: ${t}`);
    else {
      truncate.push(t);
      truncated.add(tableKey(t.schema, t.table));
    }
  }
  const tables: TablePlan[] = [];
  const planned = new Map<string, string>();
  for (const rule of rules.tables) {
    const t = findTable(schema, rule.table);
    if (typeof t === 'string') {
      problems.push(t);
      continue;
    }
    const key = tableKey(t.schema, t.table);
    if (planned.has(key)) problems.push(`table ${rule.table.display}: the same table as ${planned.get(key)}; merge the two.`);
    planned.set(key, rule.table.display);
    if (truncated.has(key)) problems.push(`table ${rule.table.display}: also truncated; remove its column rules.`);
    const columns: ColumnPlan[] = [];
    for (const cr of rule.columns as ColumnRule[]) {
      const where = `table ${rule.table.display}, column ${cr.column}`;
      const col = findColumn(t, cr.column);
      if (!col) {
        problems.push(`${where}: no such column (columns: ${t.columns.map(c => c.column).join(', ')}).`);
        continue;
      }
      ruled.add(`${key}.${col.column}`);
      const problem = checkColumn(dialect, where, col, cr.transform);
      if (problem) {
        problems.push(problem);
        continue;
      }
      const of = sourceColumn(cr.transform);
      const source = of === undefined ? undefined : findColumn(t, of);
      if (of !== undefined && !source) {
        problems.push(`${where}: of: ${of} is not a column of the table.`);
        continue;
      }
      columns.push({ column: col, transform: cr.transform, expression: dialect.expression(col, cr.transform, source), source });
    }
    // Columns that derive from another column's value (of:) first: MySQL evaluates SET assignments left to
    // right, each seeing the ones before it, so the source column must still hold its original value.
    const sets = [...columns.filter(c => c.expression !== undefined && sourceColumn(c.transform) !== undefined), ...columns.filter(c => c.expression !== undefined && sourceColumn(c.transform) === undefined)];
    const unique = sets.filter(c => needsDistinctCheck(c.transform)).map(c => c.column);
    const usesKeys = sets.some(c => c.transform.kind !== 'null' && c.transform.kind !== 'constant');
    tables.push({
      schema: t.schema,
      table: t.table,
      display: rule.table.display,
      columns,
      update: !sets.length
        ? undefined
        : dialect.update
          ? dialect.update(dialect.table(t.schema, t.table), sets)
          : `UPDATE ${dialect.table(t.schema, t.table)} SET ${sets.map(c => `${dialect.ident(c.column.column)} = ${c.expression}`).join(',\n  ')}`,
      unique,
      distinctQuery: unique.length ? `SELECT ${unique.map((c, i) => `COUNT(DISTINCT ${dialect.ident(c.column)}) AS d${i}`).join(', ')} FROM ${dialect.table(t.schema, t.table)}` : undefined,
      usesKeys
    });
  }
  return { truncate, tables, ruled, truncated, problems };
}
