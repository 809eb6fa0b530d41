/**
 * The masking key. Every masked value derives from one digest of the original:
 *
 *   K = HMAC-SHA256(masking-salt, "rds-cross-account-sync masking key v2")   (32 bytes, computed here, once)
 *   H = SHA-256(K || UTF-8 text of the value)                                (computed by the database, per value)
 *
 * with the database's builtin SHA-256 (PostgreSQL 11+ `sha256(bytea)`, MySQL/MariaDB `SHA2`): no pgcrypto, no
 * superuser. K is as secret as the salt: it travels only as a bound parameter (PostgreSQL) or a session variable
 * loaded from one (MySQL), never inside SQL text, and is masked in the log.
 *
 * Why not HMAC(salt, value), as up to v1: HMAC hashes twice over a 64-byte pad each time (four SHA-256 blocks a
 * value); the secret prefix costs one block for values up to 23 bytes and two up to 87, which on the 8-column bench
 * is a fifth of the whole UPDATE (docs/masking.md, "Performance"). What it keeps: without K nobody can compute the
 * mask of a chosen value (to test guesses of a phone number or a name) nor recover a value from its mask; K itself
 * is a PRF output, so it is uniformly random and full length whatever the salt looks like. What it gives up is
 * HMAC's resistance to length extension: from H(K || m) one can compute H(K || m || padding || x), the mask of a
 * value that ends in SHA-256's padding bytes. That matters for a MAC that authenticates messages; masks
 * authenticate nothing, and learning the mask of such a crafted value tells nothing about any original.
 */
import { createHmac } from 'node:crypto';

export interface MaskKey {
  /** hex of K, 32 bytes */
  hex: string;
}

/** The label K is derived under: a new label is a new key, so every masked value would change. */
export const KEY_LABEL = 'rds-cross-account-sync masking key v2';

export function maskKey(salt: string): MaskKey {
  if (!salt) throw new Error('masking-salt is empty: masking needs a secret salt to be deterministic.');
  return { hex: createHmac('sha256', Buffer.from(salt, 'utf8')).update(KEY_LABEL, 'utf8').digest('hex') };
}
