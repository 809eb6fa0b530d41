import { describe, expect, it } from '@jest/globals';
import { parseRules } from '../../src/masking/rules';
import { planMasking, type Schema } from '../../src/masking/schema';
import { mysql } from '../../src/masking/sql/mysql';
import { postgres } from '../../src/masking/sql/postgres';
import type { ColumnInfo } from '../../src/masking/sql/dialect';

const col = (table: string, column: string, dataType: string, maxLength: number | null = null, nullable = true, schema = 'public'): ColumnInfo => ({
  schema,
  table,
  column,
  dataType,
  udtName: dataType,
  maxLength,
  nullable
});

const schema: Schema = {
  defaultSchema: 'public',
  tables: [
    {
      schema: 'public',
      table: 'users',
      columns: [
        col('users', 'id', 'integer', null, false),
        col('users', 'email', 'character varying', 255, false),
        col('users', 'code', 'character varying', 10),
        col('users', 'born', 'date'),
        col('users', 'age', 'integer')
      ]
    },
    { schema: 'crm', table: 'users', columns: [col('users', 'id', 'integer', null, false, 'crm')] },
    { schema: 'public', table: 'Logs', columns: [col('Logs', 'id', 'integer')] }
  ]
};

const plan = (yaml: string, dialect = postgres) => planMasking(parseRules(yaml, 'r.yml'), schema, dialect);

describe('planMasking', () => {
  it('builds one UPDATE per table, skipping keep, with distinct checks for injective transforms', () => {
    const p = plan('tables:\n  users:\n    email: email\n    code: keep\n    born: date-shift\n    age: { transform: constant, value: 0 }\ntruncate: [logs]');
    expect(p.problems).toEqual([]);
    expect(p.tables).toHaveLength(1);
    const t = p.tables[0]!;
    // Constants directly; the derived columns in one assignment from one sub-SELECT whose inner SELECT hashes each column once.
    expect(t.update).toMatch(
      /^UPDATE "public"\."users" SET "age" = '0',\n {2}\("email", "born"\) = \(SELECT CASE WHEN "email" IS NULL .*,\n {4}CASE WHEN "born" IS NULL .* FROM \(SELECT sha256\(.*\) AS h0, sha256\(.*\) AS h1 OFFSET 0\) AS d\)$/s
    );
    expect(t.update).not.toContain('"code"');
    // A 128-bit e-mail cannot collide in practice: no distinct counts; a short hash is checked.
    expect(t.distinctQuery).toBeUndefined();
    expect(plan('tables:\n  users:\n    code: { transform: hash, length: 10 }').tables[0]!.distinctQuery).toBe('SELECT COUNT(DISTINCT "code") AS d0 FROM "public"."users"');
    expect([...p.ruled]).toEqual(['public.users.email', 'public.users.code', 'public.users.born', 'public.users.age']);
    expect(p.truncate.map(x => x.table)).toEqual(['Logs']);
    // The salt never appears in the SQL: the key is a bound parameter.
    expect(t.update).toContain("decode($1, 'hex')");
    expect(postgres.updateParams({ hex: 'aa' })).toEqual(['aa']);
  });

  it('uses session variables and no UPDATE parameters on MySQL', () => {
    const mysqlSchema: Schema = {
      defaultSchema: 'app',
      tables: [{ schema: 'app', table: 'users', columns: [col('users', 'email', 'varchar', 255, false, 'app'), col('users', 'name', 'character varying', 255, false, 'app')] }]
    };
    const p = planMasking(parseRules('tables:\n  users:\n    email: email', 'r.yml'), mysqlSchema, mysql);
    expect(p.problems).toEqual([]);
    expect(planMasking(parseRules('tables:\n  users:\n    name: name', 'r.yml'), mysqlSchema, mysql).problems[0]).toMatch(/name writes text but the column is character varying/);
    expect(p.tables[0]!.update).toMatch(/^UPDATE `app`\.`users` SET `email` = CASE WHEN `email` IS NULL OR `email` = '' THEN `email` ELSE CONCAT\('u', LEFT\(SHA2\(CONCAT\(@rcs_mask_k, CAST\(`email`/);
    expect(mysql.updateParams({ hex: 'aa' })).toEqual([]);
    expect(mysql.sessionKeys({ hex: 'aa' })).toEqual([{ sql: 'SET @rcs_mask_k = UNHEX(?)', params: ['aa'] }]);
  });

  it('qualified names pick the schema', () => {
    const p = plan('tables:\n  crm.users:\n    id: keep');
    expect(p.problems).toEqual([]);
    expect(p.tables[0]!.schema).toBe('crm');
    expect(p.tables[0]!.update).toBeUndefined();
  });

  it.each([
    ['tables:\n  accounts:\n    email: email', 'table accounts: not found in schema public of the restored database.'],
    ['tables:\n  other.users:\n    email: email', 'table other.users: not found in schema other of the restored database (found public.users, crm.users: qualify the name).'],
    ['tables:\n  users:\n    mail: email', 'table users, column mail: no such column (columns: id, email, code, born, age).'],
    ['tables:\n  users:\n    age: phone', 'table users, column age: phone writes text but the column is integer; use null, constant or keep, or hash a text column.'],
    ['tables:\n  users:\n    age: date-shift', 'table users, column age: date-shift needs a date or timestamp column; the column is integer.'],
    ['tables:\n  users:\n    email: null', 'table users, column email: the column is NOT NULL; use constant with a value, or another transform.'],
    ['tables:\n  users:\n    code: email', 'table users, column code: masked values are up to 49 characters but the column holds 10; use a shorter domain.'],
    ['tables:\n  users:\n    code: hash', 'table users, column code: masked values are up to 32 characters but the column holds 10; set { transform: hash, length: 10 }.'],
    ['tables:\n  users:\n    id: keep\n  public.users:\n    code: keep', 'table public.users: the same table as users; merge the two.'],
    ['truncate: [nope]', 'truncate: table nope: not found in schema public of the restored database.']
  ])('%j -> %s', (yaml, problem) => {
    expect(plan(yaml).problems).toEqual([problem]);
  });

  it('hash with a length that fits passes', () => {
    expect(plan('tables:\n  users:\n    code: { transform: hash, length: 10 }').problems).toEqual([]);
  });
});
