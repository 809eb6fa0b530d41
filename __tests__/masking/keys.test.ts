import { describe, expect, it } from '@jest/globals';
import { createHash, createHmac } from 'node:crypto';
import { KEY_LABEL, maskKey } from '../../src/masking/keys';
import { FAMILY_JA, FAMILY_KANA, GIVEN_JA, GIVEN_KANA, POSTAL_PREFIXES, PREFECTURES } from '../../src/masking/dictionaries';
import { digest, ipv6Text, maskValue, shiftDays } from '../../src/masking/reference';

describe('maskKey', () => {
  it.each([['short'], ['a salt of exactly some length'], ['x'.repeat(100)], ['日本語のソルト']])('the key of %j is HMAC-SHA256(salt, the label), 32 bytes', salt => {
    expect(maskKey(salt).hex).toBe(createHmac('sha256', salt).update(KEY_LABEL, 'utf8').digest('hex'));
    expect(maskKey(salt).hex).toMatch(/^[0-9a-f]{64}$/);
  });

  it('different salts give different keys; the key is not the salt', () => {
    expect(maskKey('a').hex).not.toBe(maskKey('b').hex);
    expect(maskKey('a').hex).not.toContain(Buffer.from('a').toString('hex').repeat(2));
  });

  it('the reference digest is SHA-256(K || UTF-8 of the value), as the SQL computes it', () => {
    for (const m of ['', 'taro@example.jp', '山田 太郎'])
      expect(digest('salt', m).toString('hex')).toBe(
        createHash('sha256')
          .update(Buffer.from(maskKey('salt').hex, 'hex'))
          .update(m, 'utf8')
          .digest('hex')
      );
  });

  it('refuses an empty salt', () => {
    expect(() => maskKey('')).toThrow(/masking-salt is empty/);
  });
});

describe('reference masking format', () => {
  it('keeps NULL and empty strings, masks the rest deterministically', () => {
    const email = { kind: 'email', domain: 'example.invalid' } as const;
    expect(maskValue(email, 's', null)).toBeNull();
    expect(maskValue(email, 's', '')).toBe('');
    expect(maskValue(email, 's', 'a@b.jp')).toBe(`u${digest('s', 'a@b.jp').toString('hex').slice(0, 32)}@example.invalid`);
    expect(maskValue(email, 's', 'a@b.jp')).not.toBe(maskValue(email, 't', 'a@b.jp'));
    expect(maskValue({ kind: 'phone' }, 's', '03-1234-5678')).toMatch(/^0[1-9]-\d{4}-\d{4}$/);
    expect(maskValue({ kind: 'postal-code' }, 's', '150-0001')).toMatch(/^\d{3}-\d{4}$/);
    expect(maskValue({ kind: 'constant', value: 'N/A' }, 's', null)).toBe('N/A');
  });

  it('phones keep their shape: landline area-code length and hyphens, 070/080/090 and +81 kept', () => {
    const cases: Array<[string, RegExp]> = [
      ['03-1234-5678', /^0[1-9]-\d{4}-\d{4}$/],
      ['0422-12-3456', /^0[1-9]\d{2}-\d{2}-\d{4}$/],
      ['090-1234-5678', /^090-[1-9]\d{3}-\d{4}$/],
      ['08012345678', /^080[1-9]\d{7}$/],
      ['+81-90-1234-5678', /^\+81-90-[1-9]\d{3}-\d{4}$/],
      ['+81 3 1234 5678', /^\+81 [1-9] \d{4} \d{4}$/],
      ['0120-123-456', /^0120-[1-9]\d{2}-\d{3}$/],
      ['TEL: 06-1234-5678', /^TEL: 0[1-9]-\d{4}-\d{4}$/],
      [`03-${'1'.repeat(30)}`, /^0[1-9]-\d{30}$/]
    ];
    for (const [input, shape] of cases) {
      const out = maskValue({ kind: 'phone' }, 's', input)!;
      expect([input, out]).toEqual([input, expect.stringMatching(shape)]);
      expect(out).not.toBe(input);
    }
    // Digits beyond the unrolled positions become 0 (no original digit survives).
    expect(maskValue({ kind: 'phone' }, 's', `03-${'1'.repeat(70)}`)!.slice(64)).toBe('0'.repeat(9));
  });

  it('kana with of: is the reading of the masked name; postal code with of: is in the masked address prefecture', () => {
    for (const name of ['山田 太郎', '佐藤 花子', '鈴木 一郎', 'John Smith']) {
      const masked = maskValue({ kind: 'name', style: 'ja' }, 's', name)!;
      const [f, g] = masked.split(' ');
      expect(maskValue({ kind: 'name-kana', of: 'n' }, 's', 'ダミー', name)).toBe(`${FAMILY_KANA[FAMILY_JA.indexOf(f!)]} ${GIVEN_KANA[GIVEN_JA.indexOf(g!)]}`);
      expect(maskValue({ kind: 'name-kana', part: 'family', of: 'n' }, 's', 'ダミー', name)).toBe(FAMILY_KANA[FAMILY_JA.indexOf(maskValue({ kind: 'name', style: 'ja', part: 'family' }, 's', name)!)]);
    }
    // No of: value: the kana's own value decides (still a reading from the list).
    expect(maskValue({ kind: 'name-kana', of: 'n' }, 's', 'ヤマダ', null)).toBe(maskValue({ kind: 'name-kana' }, 's', 'ヤマダ'));
    for (const address of ['東京都渋谷区1-2-3', '大阪府大阪市北区2-4-9', '北海道札幌市5']) {
      const masked = maskValue({ kind: 'address' }, 's', address)!;
      const [lo, hi] = POSTAL_PREFIXES[PREFECTURES.findIndex(p => masked.startsWith(p))]!;
      const zip = maskValue({ kind: 'postal-code', of: 'a' }, 's', '100-0001', address)!;
      expect(Number(zip.slice(0, 3))).toBeGreaterThanOrEqual(lo);
      expect(Number(zip.slice(0, 3))).toBeLessThanOrEqual(hi);
    }
  });

  it('ip maps into documentation ranges or the rule range, IPv6 printed as PostgreSQL does', () => {
    const v4 = Array.from({ length: 300 }, (_, i) => maskValue({ kind: 'ip' }, 's', `10.0.${i >> 8}.${i & 255}`)!);
    expect(v4.every(a => /^(192\.0\.2|198\.51\.100|203\.0\.113)\.(\d+)$/.test(a) && !/\.(0|255)$/.test(a))).toBe(true);
    expect(new Set(v4.map(a => a.split('.').slice(0, 3).join('.'))).size).toBe(3);
    expect(maskValue({ kind: 'ip' }, 's', '2001:db8::1')).toMatch(/^2001:db8:[0-9a-f:]+$/);
    const ranged = { kind: 'ip', v4: { base: 0x0a000000, prefix: 8, text: '10.0.0.0/8' } } as const;
    expect(maskValue(ranged, 's', '192.168.1.1')).toMatch(/^10\./);
    expect(ipv6Text('20010db8000000010000000000010001')).toBe('2001:db8:0:1::1:1');
    expect(ipv6Text('20010db8000100000001000100010001')).toBe('2001:db8:1:0:1:1:1:1');
    expect(ipv6Text('00000000000000000000000000000001')).toBe('::1');
    expect(ipv6Text('20010db8000000000000000000000000')).toBe('2001:db8::');
  });

  it('date-shift never shifts by 0 and stays within the range', () => {
    const shifts = Array.from({ length: 500 }, (_, i) => shiftDays(7, 'salt', `2000-01-${String((i % 28) + 1).padStart(2, '0')}T${i}`));
    expect(shifts.every(s => s !== 0 && Math.abs(s) <= 7)).toBe(true);
    expect(new Set(shifts).size).toBe(14);
  });
});
