import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { loadRules, parseRules, MaskingRulesError } from '../../src/masking/rules';
import { FIXTURES } from '../fixtures/masking/databases';

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
    ['tables:\n  users:\n    email: { transform: hash, length: 64 }', { table: 'users' }, { kind: 'hash', length: 64 }],
    ['tables:\n  users:\n    sei: { transform: name, part: family }', { table: 'users' }, { kind: 'name', style: 'ja', part: 'family' }],
    ['tables:\n  users:\n    k: { transform: name-kana, of: n }\n    n: name', { table: 'users' }, { kind: 'name-kana', of: 'n' }],
    ['tables:\n  users:\n    zip: { transform: postal-code, of: addr }\n    addr: address', { table: 'users' }, { kind: 'postal-code', of: 'addr' }],
    ['tables:\n  users:\n    ip: ip', { table: 'users' }, { kind: 'ip' }],
    [
      "tables:\n  users:\n    ip: { transform: ip, range: [10.1.2.3/16, '2001:DB8:ab::/48'], unique: true }",
      { table: 'users' },
      { kind: 'ip', v4: { base: 0x0a010000, prefix: 16, text: '10.1.2.3/16' }, v6: { hex: '20010db800ab' + '0'.repeat(20), prefix: 48, text: '2001:DB8:ab::/48' }, unique: true }
    ]
  ])('parses %j', (yaml, table, transform) => {
    const r = parseRules(yaml, 'rules.yml');
    expect(r.tables[0]!.table).toMatchObject(table);
    expect(r.tables[0]!.columns[0]!.transform).toEqual(transform);
  });

  it('accepts an empty file (no rules: the scanner still runs)', () => {
    expect(parseRules('', 'r.yml')).toEqual({ file: 'r.yml', tables: [], truncate: [], before: [], after: [], verify: [] });
  });

  it.each([
    [
      'tables:\n  users:\n    email: emial',
      /table users, column email: unknown transform "emial"; valid transforms: email, name, name-kana, phone, address, postal-code, hash, null, constant, date-shift, keep, ip/
    ],
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
    ['tables: [', /not valid YAML/],
    ['tables:\n  users:\n    k: { transform: name-kana, of: n }', /column k: of: n must name a column of this table ruled \{ transform: name \}/],
    ['tables:\n  users:\n    k: { transform: name-kana, part: family, of: n }\n    n: name', /of: n must name a column of this table ruled \{ transform: name, part: family \}/],
    ['tables:\n  users:\n    k: { transform: name-kana, of: n }\n    n: { transform: name, style: latin }', /of: n must name a column/],
    ['tables:\n  users:\n    z: { transform: postal-code, of: a }\n    a: hash', /column z: of: a must name a column of this table ruled address/],
    ['tables:\n  users:\n    n: { transform: name, part: middle }', /name part must be family, given or full/],
    ['tables:\n  users:\n    i: { transform: ip, range: 10.0.0.0/31 }', /at least 2 usable addresses/],
    ['tables:\n  users:\n    i: { transform: ip, range: "2001:db8::/30" }', /multiple of 4/],
    ['tables:\n  users:\n    i: { transform: ip, range: [10.0.0.0/8, 192.0.2.0/24] }', /at most one of each family/],
    ['tables:\n  users:\n    i: { transform: ip, range: nowhere }', /not a CIDR range/],
    ['tables:\n  users:\n    i: { transform: ip, unique: yes-please }', /ip unique must be true or false/]
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
