import { describe, expect, it } from '@jest/globals';
import { createHash, createHmac } from 'node:crypto';
import { hmacPads } from '../../src/masking/keys';
import { maskValue, shiftDays } from '../../src/masking/reference';

/** What the SQL computes: SHA256(opad || SHA256(ipad || message)). */
function viaPads(salt: string, message: string): string {
  const p = hmacPads(salt);
  const inner = createHash('sha256').update(Buffer.from(p.innerHex, 'hex')).update(message, 'utf8').digest();
  return createHash('sha256').update(Buffer.from(p.outerHex, 'hex')).update(inner).digest('hex');
}

describe('hmacPads', () => {
  it.each([['short'], ['a salt of exactly some length'], ['x'.repeat(100)], ['日本語のソルト']])('the pads of %j compute HMAC-SHA256', salt => {
    for (const m of ['', 'taro@example.jp', '山田 太郎']) expect(viaPads(salt, m)).toBe(createHmac('sha256', salt).update(m, 'utf8').digest('hex'));
  });

  it('refuses an empty salt', () => {
    expect(() => hmacPads('')).toThrow(/masking-salt is empty/);
  });
});

describe('reference masking format', () => {
  it('keeps NULL and empty strings, masks the rest deterministically', () => {
    const email = { kind: 'email', domain: 'example.invalid' } as const;
    expect(maskValue(email, 's', null)).toBeNull();
    expect(maskValue(email, 's', '')).toBe('');
    expect(maskValue(email, 's', 'a@b.jp')).toBe(`u${createHmac('sha256', 's').update('a@b.jp').digest('hex').slice(0, 32)}@example.invalid`);
    expect(maskValue(email, 's', 'a@b.jp')).not.toBe(maskValue(email, 't', 'a@b.jp'));
    expect(maskValue({ kind: 'phone' }, 's', '03-1234-5678')).toMatch(/^090-\d{4}-\d{4}$/);
    expect(maskValue({ kind: 'postal-code' }, 's', '150-0001')).toMatch(/^\d{3}-\d{4}$/);
    expect(maskValue({ kind: 'constant', value: 'N/A' }, 's', null)).toBe('N/A');
  });

  it('date-shift never shifts by 0 and stays within the range', () => {
    const shifts = Array.from({ length: 500 }, (_, i) => shiftDays(7, 'salt', `2000-01-${String((i % 28) + 1).padStart(2, '0')}T${i}`));
    expect(shifts.every(s => s !== 0 && Math.abs(s) <= 7)).toBe(true);
    expect(new Set(shifts).size).toBe(14);
  });
});
