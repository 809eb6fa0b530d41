/** PostgreSQL identifiers derived from an emulated cluster's identifier. */

const MAX_IDENTIFIER = 63;

/**
 * A lower-case identifier that needs no quoting: "emu_" + the name with every
 * character outside [a-z0-9_] replaced by "_", cut to PostgreSQL's 63 bytes.
 */
export function safeIdentifier(name: string, prefix = 'emu_'): string {
  const body = name
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '');
  if (!body) throw new Error(`cannot derive a database name from "${name}"`);
  return (prefix + body).slice(0, MAX_IDENTIFIER);
}
