/**
 * The masking format, in JavaScript: what the SQL of sql/postgres.ts and
 * sql/mysql.ts computes inside the database, value by value. Tests compare the
 * database's output with it; the bench's row-by-row baseline uses it. The
 * action itself never masks through this path.
 *
 * H = HMAC-SHA256(salt, UTF-8 text of the value); u32(k) = big-endian uint32 of H[4k..4k+4].
 * NULL stays NULL and '' stays '' for every transform that derives from the value.
 */
import { createHmac } from 'node:crypto';
import { FAMILY_JA, FAMILY_KANA, FAMILY_LATIN, GIVEN_JA, GIVEN_KANA, GIVEN_LATIN, PREFECTURES, TOWNS } from './dictionaries';
import type { Transform } from './rules';

export function digest(salt: string, text: string): Buffer {
  return createHmac('sha256', Buffer.from(salt, 'utf8')).update(text, 'utf8').digest();
}

const u32 = (h: Buffer, k: number): number => h.readUInt32BE(4 * k);
const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** The masked text of one non-empty text value. */
export function maskText(t: Transform, salt: string, text: string): string | null {
  const h = digest(salt, text);
  switch (t.kind) {
    case 'email':
      return `u${h.toString('hex').slice(0, 32)}@${t.domain}`;
    case 'hash':
      return h.toString('hex').slice(0, t.length);
    case 'name':
      return t.style === 'latin'
        ? `${GIVEN_LATIN[u32(h, 1) % GIVEN_LATIN.length]} ${FAMILY_LATIN[u32(h, 0) % FAMILY_LATIN.length]}`
        : `${FAMILY_JA[u32(h, 0) % FAMILY_JA.length]} ${GIVEN_JA[u32(h, 1) % GIVEN_JA.length]}`;
    case 'name-kana':
      return `${FAMILY_KANA[u32(h, 0) % FAMILY_KANA.length]} ${GIVEN_KANA[u32(h, 1) % GIVEN_KANA.length]}`;
    case 'phone':
      return `090-${pad(u32(h, 0) % 10000, 4)}-${pad(u32(h, 1) % 10000, 4)}`;
    case 'postal-code':
      return `${pad(u32(h, 0) % 1000, 3)}-${pad(u32(h, 1) % 10000, 4)}`;
    case 'address':
      return `${PREFECTURES[u32(h, 0) % PREFECTURES.length]}${TOWNS[u32(h, 1) % TOWNS.length]}${1 + (u32(h, 2) % 9)}-${1 + (u32(h, 3) % 30)}-${1 + (u32(h, 4) % 20)}`;
    case 'null':
      return null;
    case 'constant':
      return t.value === null ? null : String(t.value);
    case 'keep':
      return text;
    case 'date-shift':
      throw new Error('date-shift applies to dates: use shiftDays');
  }
}

/** The masked value of a text column value. */
export function maskValue(t: Transform, salt: string, value: string | null, _of?: string | null): string | null {
  if (t.kind === 'null') return null;
  if (t.kind === 'constant') return t.value === null ? null : String(t.value);
  if (value === null || value === '') return value;
  return maskText(t, salt, value);
}

/** date-shift: the signed number of days a value (its ISO text, e.g. 1990-04-01) moves; never 0. */
export function shiftDays(days: number, salt: string, isoText: string): number {
  const h = digest(salt, isoText);
  const n = 1 + (u32(h, 1) % days);
  return (h[0]! & 1) === 1 ? n : -n;
}
