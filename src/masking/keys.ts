/**
 * The masking salt turned into HMAC-SHA256 pads. The database computes
 * HMAC(salt, value) = SHA256(opad || SHA256(ipad || value)) with its builtin
 * SHA-256 (PostgreSQL 11+ `sha256(bytea)`, MySQL/MariaDB `SHA2`): no pgcrypto,
 * no superuser. The pads are as secret as the salt: they travel only as bound
 * parameters, never inside SQL text.
 */
import { createHash } from 'node:crypto';

export interface HmacPads {
  /** hex of (key XOR 0x36…), 64 bytes */
  innerHex: string;
  /** hex of (key XOR 0x5c…), 64 bytes */
  outerHex: string;
}

const BLOCK = 64;

export function hmacPads(salt: string): HmacPads {
  if (!salt) throw new Error('masking-salt is empty: masking needs a secret salt to be deterministic.');
  let key = Buffer.from(salt, 'utf8');
  if (key.length > BLOCK) key = createHash('sha256').update(key).digest();
  const padded = Buffer.alloc(BLOCK);
  key.copy(padded);
  const inner = Buffer.alloc(BLOCK);
  const outer = Buffer.alloc(BLOCK);
  for (let i = 0; i < BLOCK; i++) {
    inner[i] = padded[i]! ^ 0x36;
    outer[i] = padded[i]! ^ 0x5c;
  }
  return { innerHex: inner.toString('hex'), outerHex: outer.toString('hex') };
}
