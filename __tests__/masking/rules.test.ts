import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { loadRules, parseRules, MaskingRulesError } from '../../src/masking/rules';
import { FIXTURES } from './databases';

function problems(yaml: string): string[] {
  try {
    parseRules(yaml, 'rules.yml');
  } catch (e) {
    expect(e).toBeInstanceOf(MaskingRulesError);
    return (e as MaskingRulesError).problems;
  }
  throw new Error('expected the rules to be rejected');
}

describe('parseRules', () => {
  it('reads the fixture rules: shorthand and option forms, truncate, verify', () => {
    const r = loadRules(join(FIXTURES, 'rules.yml'));
    expect(r.tables.map(t => t.table.display)).toEqual(['customers', 'orders', 'newsletter']);
    expect(r.tables[0]!.columns).toContainEqual({ column: 'birth_date', transform: { kind: 'date-shift', days: 90 } });
    expect(r.tables[0]!.columns).toContainEqual({ column: 'email', transform: { kind: 'email', domain: 'example.invalid' } });
    expect(r.tables[0]!.columns).toContainEqual({ column: 'notes', transform: { kind: 'hash', length: 32 } });
    expect(r.truncate).toEqual([{ table: 'audit_log', display: 'audit_log' }]);
    expect(r.verify.map(v => v.name)).toEqual(['no real mail domains left', 'orders still join customers by email']);
  });

  it.each([
    ['tables:\n  s.users:\n    email: { transform: email, domain: test.example }', { schema: 's', table: 'users' }, { kind: 'email', domain: 'test.example' }],
    ['tables:\n  users:\n    email: null', { table: 'users' }, { kind: 'null' }],
    ['tables:\n  users:\n    email: { transform: constant, value: 0 }', { table: 'users' }, { kind: 'constant', value: 0 }],
    ['tables:\n  users:\n    email: { transform: name, style: latin }', { table: 'users' }, { kind: 'name', style: 'latin' }],
    ['tables:\n  users:\n    email: { transform: hash, length: 64 }', { table: 'users' }, { kind: 'hash', length: 64 }]
  ])('parses %j', (yaml, table, transform) => {
    const r = parseRules(yaml, 'rules.yml');
    expect(r.tables[0]!.table).toMatchObject(table);
    expect(r.tables[0]!.columns[0]!.transform).toEqual(transform);
  });

  it('accepts an empty file (no rules: the scanner still runs)', () => {
    expect(parseRules('', 'r.yml')).toEqual({ file: 'r.yml', tables: [], truncate: [], before: [], after: [], verify: [] });
  });

  it.each([
    ['tables:\n  users:\n    email: emial', /table users, column email: unknown transform "emial"; valid transforms: email, name, name-kana, phone, address, postal-code, hash, null, constant, date-shift, keep/],
    ['tables:\n  users:\n    email: { transform: email, domain: "not a domain" }', /email domain must be a domain name/],
    ['tables:\n  users:\n    c: { transform: constant }', /constant needs a value/],
    ['tables:\n  users:\n    c: { transform: hash, length: 4 }', /hash length must be an integer from 8 to 64/],
    ['tables:\n  users:\n    c: { transform: date-shift, days: 0 }', /date-shift days must be an integer from 1 to 3650/],
    ['tables:\n  users:\n    c: { transform: phone, days: 3 }', /option 'days' does not apply to phone/],
    ['tables:\n  "users; drop":\n    c: phone', /'users; drop' is not a table name/],
    ['tables:\n  users:\n    "bad col": phone', /table users, column bad col: not a column name/],
    ['tables:\n  users: {}', /tables.users: expected a mapping of column -> transform/],
    ['tabels: {}', /unknown top-level key 'tabels'/],
    ['truncate: [users]\ntables:\n  users:\n    c: phone', /truncate: users also has column rules/],
    ['verify:\n  - name: x', /verify\[0\]: expected \{ name, sql \}/],
    ['sql:\n  before: [1]', /sql.before: expected a list of non-empty SQL strings/],
    ['tables: [', /not valid YAML/]
  ])('rejects %j', (yaml, message) => {
    expect(problems(yaml).join('\n')).toMatch(message);
  });

  it('lists every problem at once, naming the file', () => {
    try {
      parseRules('tables:\n  users:\n    a: foo\n    b: { transform: hash, length: 2 }\n', 'masking.yml');
      throw new Error('not rejected');
    } catch (e) {
      const err = e as MaskingRulesError;
      expect(err.problems).toHaveLength(2);
      expect(err.diagnostics[0]!.message).toMatch(/^masking.yml:\n- table users, column a: unknown transform/);
      expect(err.diagnostics[0]!.fix).toMatch(/Valid transforms: email, name/);
    }
  });

  it('names a file it cannot read', () => {
    expect(() => loadRules('/nonexistent/rules.yml')).toThrow(/\/nonexistent\/rules.yml:\n- cannot read the masking-rules file: ENOENT/);
  });
});
