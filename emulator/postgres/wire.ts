/**
 * The few PostgreSQL wire-protocol (v3) messages the authenticating front
 * reads and writes before it hands a connection over to the database.
 */

export const PROTOCOL_V3 = 196608;
export const SSL_REQUEST = 80877103;
export const GSSENC_REQUEST = 80877104;
export const CANCEL_REQUEST = 80877102;

/** An untyped startup-phase packet (StartupMessage, SSLRequest, ...), or undefined until it is complete. */
export function readStartupPacket(buf: Buffer): { code: number; packet: Buffer } | undefined {
  if (buf.length < 8) return undefined;
  const len = buf.readInt32BE(0);
  if (len < 8 || len > 10_000) throw new Error(`invalid startup packet length ${len}`);
  if (buf.length < len) return undefined;
  return { code: buf.readInt32BE(4), packet: buf.subarray(0, len) };
}

/** The key/value parameters of a StartupMessage packet. */
export function startupParameters(packet: Buffer): Map<string, string> {
  const params = new Map<string, string>();
  const parts = packet.subarray(8).toString('utf8').split('\0');
  for (let i = 0; i + 1 < parts.length && parts[i] !== ''; i += 2) params.set(parts[i]!, parts[i + 1]!);
  return params;
}

/** A typed frontend message (type byte + length), or undefined until it is complete. */
export function readMessage(buf: Buffer): { type: string; body: Buffer; size: number } | undefined {
  if (buf.length < 5) return undefined;
  const len = buf.readInt32BE(1);
  if (len < 4 || len > 1_000_000) throw new Error(`invalid message length ${len}`);
  if (buf.length < 1 + len) return undefined;
  return { type: String.fromCharCode(buf[0]!), body: buf.subarray(5, 1 + len), size: 1 + len };
}

function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

const int32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const cstring = (s: string): Buffer => Buffer.from(`${s}\0`, 'utf8');

export const authenticationSasl = (mechanisms: string[]): Buffer => message('R', Buffer.concat([int32(10), ...mechanisms.map(cstring), Buffer.from([0])]));
export const authenticationSaslContinue = (data: string): Buffer => message('R', Buffer.concat([int32(11), Buffer.from(data, 'utf8')]));
export const authenticationSaslFinal = (data: string): Buffer => message('R', Buffer.concat([int32(12), Buffer.from(data, 'utf8')]));

/** A FATAL ErrorResponse, as PostgreSQL sends before closing a connection it refuses. */
export function fatalError(code: string, text: string): Buffer {
  return message('E', Buffer.concat([Buffer.from('S'), cstring('FATAL'), Buffer.from('V'), cstring('FATAL'), Buffer.from('C'), cstring(code), Buffer.from('M'), cstring(text), Buffer.from([0])]));
}

/** The parts of a SASLInitialResponse body. */
export function parseSaslInitialResponse(body: Buffer): { mechanism: string; data: string } {
  const end = body.indexOf(0);
  if (end < 0 || body.length < end + 5) throw new Error('malformed SASLInitialResponse');
  const mechanism = body.subarray(0, end).toString('utf8');
  const len = body.readInt32BE(end + 1);
  const data = len < 0 ? '' : body.subarray(end + 5, end + 5 + len).toString('utf8');
  return { mechanism, data };
}
