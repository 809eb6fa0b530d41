/**
 * The masking format, in JavaScript: what the SQL of sql/postgres.ts and
 * sql/mysql.ts computes inside the database, value by value. Tests compare the
 * database's output with it; the bench's row-by-row baseline uses it. The
 * action itself never masks through this path.
 *
 * H = SHA-256(K || UTF-8 text of the value), K the masking key of the salt (keys.ts); u32(k) = big-endian uint32 of H[4k..4k+4].
 * NULL stays NULL and '' stays '' for every transform that derives from the value.
 */
import { createHash } from 'node:crypto';
import { maskKey } from './keys';
import { FAMILY_JA, FAMILY_KANA, FAMILY_LATIN, GIVEN_JA, GIVEN_KANA, GIVEN_LATIN, POSTAL_PREFIXES, PREFECTURES, TOWNS } from './dictionaries';
import type { NamePart, Transform } from './rules';

let lastKey: { salt: string; key: Buffer } | undefined;

export function digest(salt: string, text: string): Buffer {
  if (lastKey?.salt !== salt) lastKey = { salt, key: Buffer.from(maskKey(salt).hex, 'hex') };
  return createHash('sha256').update(lastKey.key).update(text, 'utf8').digest();
}

const u32 = (h: Buffer, k: number): number => h.readUInt32BE(4 * k);
const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/**
 * The start of a phone number that is kept: leading non-digits, then '+81' with
 * a following 0X0/120/800 service prefix, another '+', or the domestic '0' with
 * a following X0/120/800 (070/080/090 mobile, 050 IP phone, 0120/0800 toll
 * free). The same pattern runs in PostgreSQL (POSIX ARE) and MySQL/MariaDB.
 */
export const PHONE_KEEP = '^[^0-9+]*(\\+81[^0-9]*(800|120|[2-9]0)?|\\+|0(800|120|[2-9]0)?)?';
/** Characters of a phone value that are masked digit by digit; digits after them become 0. */
export const PHONE_POSITIONS = 64;
/** The 18 digits a phone's replaced digits are taken from, in turn: two 9-digit numbers (1xxxxxxxx..9xxxxxxxx) from u32(0), u32(1). */
export function phoneDigits(h: Buffer): string {
  return `${100000000 + (u32(h, 0) % 900000000)}${100000000 + (u32(h, 1) % 900000000)}`;
}

/**
 * phone: the kept start as is; after it, the m-th replaced digit (0-based) becomes
 * phoneDigits[m % 18] (so the first one, e.g. the start of a landline's area code,
 * is never 0); other characters stay, so the area-code length and the hyphenation
 * stay too. Digits after the first PHONE_POSITIONS characters become 0.
 */
export function maskPhone(h: Buffer, text: string): string {
  const digits = phoneDigits(h);
  const keep = [...(new RegExp(PHONE_KEEP).exec(text)?.[0] ?? '')].length;
  let m = 0;
  return [...text]
    .map((ch, i) => {
      if (i < keep || ch < '0' || ch > '9') return ch;
      if (i >= PHONE_POSITIONS) return '0';
      return digits[m++ % 18]!;
    })
    .join('');
}

/** One number picks the pair: i = u32(0) mod (families × givens); family i / givens, given i mod givens (paired lists share the index). */
function nameOf(h: Buffer, family: readonly string[], given: readonly string[], part: NamePart | undefined, latin = false): string {
  const i = u32(h, 0) % (family.length * given.length);
  const f = family[Math.floor(i / given.length)]!;
  const g = given[i % given.length]!;
  return part === 'family' ? f : part === 'given' ? g : latin ? `${g} ${f}` : `${f} ${g}`;
}

/** The default IPv4 ranges (RFC 5737 documentation ranges) and IPv6 range (RFC 3849). */
export const DOC_IPV4 = [0xc0000200, 0xc6336400, 0xcb007100];
export const DOC_IPV6_HEX = '20010db8'.padEnd(32, '0');

/** IPv6 text from 32 hex digits: groups without leading zeros, the longest run of two or more zero groups as '::' (RFC 5952, as PostgreSQL prints inet). */
export function ipv6Text(hex: string): string {
  const groups = Array.from({ length: 8 }, (_, i) => parseInt(hex.slice(4 * i, 4 * i + 4), 16).toString(16));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j > i ? j : i + 1;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

const ipv4Text = (n: number): string => [24, 16, 8, 0].map(s => Math.floor(n / 2 ** s) % 256).join('.');

/** ip: IPv6 (the value has ':') keeps the range's prefix and takes the rest from H (from hex digit 9 on); IPv4 picks host 1..size-2 of one of the ranges. */
export function maskIp(t: Extract<Transform, { kind: 'ip' }>, h: Buffer, text: string): string {
  if (text.includes(':')) {
    const range = t.v6 ?? { hex: DOC_IPV6_HEX, prefix: 32 };
    const nibbles = range.prefix / 4;
    return ipv6Text(range.hex.slice(0, nibbles) + h.toString('hex').slice(8, 8 + 32 - nibbles));
  }
  const bases = t.v4 ? [t.v4.base] : DOC_IPV4;
  const hosts = (t.v4 ? 2 ** (32 - t.v4.prefix) : 256) - 2;
  const n = u32(h, 0) % (bases.length * hosts);
  return ipv4Text(bases[Math.floor(n / hosts)]! + 1 + (n % hosts));
}

/** postal-code of an address: a real first-three-digit prefix of the address's prefecture (the same index as the address transform), then four digits. */
function postalOfAddress(h: Buffer): string {
  const [lo, hi] = POSTAL_PREFIXES[u32(h, 0) % PREFECTURES.length]!;
  return `${pad(lo + (u32(h, 1) % (hi - lo + 1)), 3)}-${pad(u32(h, 2) % 10000, 4)}`;
}

/** The masked text of one non-empty text value; `of` is the value of the rule's of: column (kana, postal code). */
export function maskText(t: Transform, salt: string, text: string, of?: string | null): string | null {
  const h = digest(salt, text);
  const src = of === undefined || of === null || of === '' ? undefined : digest(salt, of);
  switch (t.kind) {
    case 'email':
      return `u${h.toString('hex').slice(0, 32)}@${t.domain}`;
    case 'hash':
      return h.toString('hex').slice(0, t.length);
    case 'name':
      return t.style === 'latin' ? nameOf(h, FAMILY_LATIN, GIVEN_LATIN, t.part, true) : nameOf(h, FAMILY_JA, GIVEN_JA, t.part);
    case 'name-kana':
      return nameOf(t.of && src ? src : h, FAMILY_KANA, GIVEN_KANA, t.part);
    case 'phone':
      return maskPhone(h, text);
    case 'postal-code':
      return t.of && src ? postalOfAddress(src) : `${pad(u32(h, 0) % 1000, 3)}-${pad(u32(h, 1) % 10000, 4)}`;
    case 'ip':
      return maskIp(t, h, text);
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
export function maskValue(t: Transform, salt: string, value: string | null, of?: string | null): string | null {
  if (t.kind === 'null') return null;
  if (t.kind === 'constant') return t.value === null ? null : String(t.value);
  if (value === null || value === '') return value;
  return maskText(t, salt, value, of);
}

/** date-shift: the signed number of days a value (its ISO text, e.g. 1990-04-01) moves; never 0. */
export function shiftDays(days: number, salt: string, isoText: string): number {
  const n = u32(digest(salt, isoText), 0) % (2 * days);
  return n < days ? n - days : n - days + 1;
}
