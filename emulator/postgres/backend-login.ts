/**
 * The client side of a PostgreSQL login, for the authenticating front in
 * postgresUrl mode: the front has checked the client's master password itself
 * and now logs in to the real server as the cluster's derived role
 * (SCRAM-SHA-256, md5 or cleartext, whatever the server asks for). It returns
 * the socket positioned at AuthenticationOk, with the bytes read so far, so the
 * client sees the server's own AuthenticationOk, ParameterStatus, BackendKeyData
 * and ReadyForQuery.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { PROTOCOL_V3, readMessage } from './wire';

const int32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const cstring = (s: string): Buffer => Buffer.from(`${s}\0`, 'utf8');

function message(type: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(type, 'latin1'), int32(body.length + 4), body]);
}

/** A StartupMessage with these parameters. */
export function startupPacket(params: Map<string, string>): Buffer {
  const body = Buffer.concat([int32(PROTOCOL_V3), ...[...params].flatMap(([k, v]) => [cstring(k), cstring(v)]), Buffer.from([0])]);
  return Buffer.concat([int32(body.length + 4), body]);
}

/** The text of an ErrorResponse body (its M field). */
function errorText(body: Buffer): string {
  for (const field of body.toString('utf8').split('\0')) if (field.startsWith('M')) return field.slice(1);
  return 'login refused';
}

const hmac = (key: Buffer, text: string): Buffer => createHmac('sha256', key).update(text).digest();

export interface BackendLogin {
  host: string;
  port: number;
  /** Startup parameters (user and database included). */
  params: Map<string, string>;
  password: string;
}

/** Connect and log in; resolves with the socket and the bytes from AuthenticationOk on. */
export function loginToBackend(opts: BackendLogin): Promise<{ socket: Socket; first: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = connect(opts.port, opts.host);
    let buffer = Buffer.alloc(0);
    let nonce = '';
    let clientFirstBare = '';
    let serverSignature: Buffer | undefined;
    const fail = (e: Error): void => {
      socket.destroy();
      reject(e);
    };
    socket.once('error', fail);
    socket.once('connect', () => socket.write(startupPacket(opts.params)));
    const onData = (chunk: Buffer): void => {
      buffer = Buffer.concat([buffer, chunk]);
      try {
        for (;;) {
          const msg = readMessage(buffer);
          if (!msg) return;
          if (msg.type === 'E') return fail(new Error(errorText(msg.body)));
          if (msg.type !== 'R') return fail(new Error(`unexpected message "${msg.type}" during login`));
          const code = msg.body.readInt32BE(0);
          if (code === 0) {
            socket.pause();
            socket.off('data', onData);
            socket.off('error', fail);
            return resolve({ socket, first: buffer });
          }
          buffer = buffer.subarray(msg.size);
          const user = opts.params.get('user') ?? '';
          if (code === 3) socket.write(message('p', cstring(opts.password)));
          else if (code === 5) {
            const salt = msg.body.subarray(4, 8);
            const inner = createHash('md5')
              .update(opts.password + user)
              .digest('hex');
            socket.write(
              message(
                'p',
                cstring(
                  `md5${createHash('md5')
                    .update(Buffer.concat([Buffer.from(inner), salt]))
                    .digest('hex')}`
                )
              )
            );
          } else if (code === 10) {
            const mechanisms = msg.body.subarray(4).toString('utf8').split('\0');
            if (!mechanisms.includes('SCRAM-SHA-256')) return fail(new Error(`no supported SASL mechanism in ${mechanisms.join(', ')}`));
            nonce = randomBytes(18).toString('base64');
            clientFirstBare = `n=*,r=${nonce}`;
            const data = Buffer.from(`n,,${clientFirstBare}`, 'utf8');
            socket.write(message('p', Buffer.concat([cstring('SCRAM-SHA-256'), int32(data.length), data])));
          } else if (code === 11) {
            const serverFirst = msg.body.subarray(4).toString('utf8');
            const attrs = new Map(serverFirst.split(',').map(p => [p[0]!, p.slice(2)] as const));
            const r = attrs.get('r') ?? '';
            if (!r.startsWith(nonce)) return fail(new Error('server nonce does not extend the client nonce'));
            const salted = pbkdf2Sync(opts.password.normalize('NFKC'), Buffer.from(attrs.get('s') ?? '', 'base64'), Number(attrs.get('i')), 32, 'sha256');
            const clientKey = hmac(salted, 'Client Key');
            const storedKey = createHash('sha256').update(clientKey).digest();
            const withoutProof = `c=biws,r=${r}`;
            const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
            const signature = hmac(storedKey, authMessage);
            const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!));
            serverSignature = hmac(hmac(salted, 'Server Key'), authMessage);
            socket.write(message('p', Buffer.from(`${withoutProof},p=${proof.toString('base64')}`, 'utf8')));
          } else if (code === 12) {
            const v = msg.body.subarray(4).toString('utf8').replace(/^v=/, '');
            if (!serverSignature || !Buffer.from(v, 'base64').equals(serverSignature)) return fail(new Error('the server signature does not verify'));
          } else return fail(new Error(`unsupported authentication request ${code}`));
        }
      } catch (e) {
        fail(e as Error);
      }
    };
    socket.on('data', onData);
  });
}
