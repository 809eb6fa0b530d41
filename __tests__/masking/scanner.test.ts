import { describe, expect, it } from '@jest/globals';
import { describeFinding, kindFromName, kindFromValues, luhn, scanNames, words } from '../../src/masking/scanner';
import type { TableInfo } from '../../src/masking/schema';

describe('kindFromName', () => {
  it.each([
    ['email', 'users', 'email'],
    ['contactEmail', 'orders', 'email'],
    ['mail_address', 'users', 'email'],
    ['ip_address', 'logins', 'ip-address'],
    ['remote_addr', 'requests', 'ip-address'],
    ['first_name', 'x', 'name'],
    ['lastName', 'x', 'name'],
    ['shipping_name', 'orders', 'name'],
    ['name', 'customers', 'name'],
    ['full_name_kana', 'users', 'name-kana'],
    ['furigana', 'users', 'name-kana'],
    ['seiKana', 'users', 'name-kana'],
    ['callback_tel', 'tickets', 'phone'],
    ['mobile', 'users', 'phone'],
    ['phoneNumber', 'users', 'phone'],
    ['zip', 'users', 'postal-code'],
    ['postal_code', 'users', 'postal-code'],
    ['birth_date', 'users', 'birth-date'],
    ['dob', 'users', 'birth-date'],
    ['card_number', 'payments', 'card-number'],
    ['shipping_address', 'orders', 'address'],
    ['jusho', 'users', 'address']
  ])('%s in %s looks like %s', (column, table, kind) => {
    expect(kindFromName(column, table)).toBe(kind);
  });

  it.each([
    ['name', 'products'],
    ['hotel_id', 'bookings'],
    ['status', 'users'],
    ['cellar', 'wines'],
    ['created_at', 'users'],
    ['description', 'items']
  ])('%s in %s is not personal by name', (column, table) => {
    expect(kindFromName(column, table)).toBeUndefined();
  });

  it('splits names into words', () => {
    expect(words('contactEmailAddress')).toEqual(['contact', 'email', 'address']);
    expect(words('callback-TEL_no')).toEqual(['callback', 'tel', 'no']);
  });
});

describe('kindFromValues', () => {
  it.each([
    [['a@b.example', 'c.d@e.co.jp', null], 'email'],
    [['090-1234-5678', '03-1234-5678', '+81 90 1234 5678'], 'phone'],
    [['150-0001', '〒530-0001'], 'postal-code'],
    [['ヤマダ タロウ', 'サトウ ハナコ', 'やまだ'], 'name-kana'],
    [['203.0.113.7', '198.51.100.23'], 'ip-address'],
    [['2001:db8::1', 'fe80::1:2:3'], 'ip-address'],
    [['4111 1111 1111 1111', '5500-0000-0000-0004'], 'card-number']
  ])('%j looks like %s', (values, kind) => {
    expect(kindFromValues(values)?.kind).toBe(kind);
  });

  it.each([[['shipped', 'pending']], [['A-1', 'B-2']], [['4111 1111 1111 1112', '1234 5678 9012 3456']], [['a@b.example', 'x', 'y', 'z']], [[null, '']], [['12345678', '20240101']]])(
    '%j is not personal by value',
    values => {
      expect(kindFromValues(values)).toBeUndefined();
    }
  );

  it('checks card numbers with Luhn', () => {
    expect(luhn('4111111111111111')).toBe(true);
    expect(luhn('4111111111111112')).toBe(false);
  });
});

describe('scanNames', () => {
  const col = (table: string, column: string, dataType = 'text') => ({ schema: 'public', table, column, dataType, udtName: dataType, maxLength: null, nullable: true });
  const tables: TableInfo[] = [
    { schema: 'public', table: 'users', columns: [col('users', 'id', 'integer'), col('users', 'email'), col('users', 'mobile')] },
    { schema: 'public', table: 'sessions', columns: [col('sessions', 'ip')] }
  ];

  it('skips ruled columns (keep included) and truncated tables', () => {
    const found = scanNames(tables, { ruled: new Set(['public.users.email']), truncated: new Set(['public.sessions']) });
    expect(found).toEqual([{ schema: 'public', table: 'users', column: 'mobile', kind: 'phone', evidence: "its name 'mobile'" }]);
    expect(describeFinding(found[0]!, 'public')).toBe(
      `users.mobile looks like phone (its name 'mobile') and has no rule: add under tables: -> users: -> "mobile: phone" (or "mobile: keep" if it is not personal).`
    );
  });

  it('suggests ip for IP address columns, by name and by the inet type', () => {
    const found = scanNames([{ schema: 'public', table: 'logins', columns: [col('logins', 'ip_address', 'inet'), col('logins', 'origin', 'inet'), col('logins', 'subnet', 'cidr')] }], {
      ruled: new Set(),
      truncated: new Set()
    });
    expect(found.map(f => [f.column, f.kind, f.evidence])).toEqual([
      ['ip_address', 'ip-address', "its name 'ip_address'"],
      ['origin', 'ip-address', "its type 'inet'"]
    ]);
    expect(describeFinding(found[0]!, 'public')).toContain('"ip_address: ip"');
  });
});
