/**
 * The authenticating front of an emulated endpoint: a TCP server that speaks
 * the start of the PostgreSQL protocol itself (SSL refused, StartupMessage,
 * SCRAM-SHA-256 password exchange, database check) and, once the client has
 * proved it knows the master password, hands the connection over to the
 * database session behind it by forwarding the StartupMessage and piping bytes
 * both ways. PGlite and pglite-socket do not authenticate at all (any password
 * is accepted), hence this front.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { ScramExchange, ScramProtocolError, SCRAM_MECHANISM, makeVerifier, type ScramVerifier } from './scram';
import {
  CANCEL_REQUEST,
  GSSENC_REQUEST,
  PROTOCOL_V3,
  SSL_REQUEST,
  authenticationSasl,
  authenticationSaslContinue,
  authenticationSaslFinal,
  fatalError,
  parseSaslInitialResponse,
  readMessage,
  readStartupPacket,
  startupParameters
} from './wire';

export interface FrontOptions {
  /** The one database this endpoint serves. */
  databaseName: string;
  /** The master credentials as they are now (read at every connection attempt). */
  credentials(): { username: string; verifier: ScramVerifier };
  /**
   * Opens the database session an authenticated client is handed to: a socket the client's
   * StartupMessage is forwarded to, or (`first`) one that is already logged in, positioned at
   * AuthenticationOk; `params` are the client's startup parameters.
   */
  connectBackend(params: Map<string, string>): Promise<Socket | { socket: Socket; first: Buffer }>;
  host?: string;
}

/** Used for unknown users, so they go through the same exchange and fail the same way. */
const NOBODY = makeVerifier('\0no such user\0', Buffer.alloc(16), 4096);

export class AuthenticatingFront {
  private constructor(
    private readonly server: Server,
    private readonly sockets: Set<Socket>,
    readonly host: string,
    readonly port: number
  ) {}

  static async listen(opts: FrontOptions): Promise<AuthenticatingFront> {
    const host = opts.host ?? '127.0.0.1';
    const sockets = new Set<Socket>();
    const server = createServer(socket => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      handleConnection(socket, opts);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('front did not get a TCP port');
    return new AuthenticatingFront(server, sockets, host, address.port);
  }

  /** Stops listening, drops every client connection and frees the port. */
  async close(): Promise<void> {
    const closed = new Promise<void>(resolve => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

type Phase =
  | { name: 'startup' }
  | { name: 'sasl-initial'; startup: Buffer; params: Map<string, string>; user: string; database: string; known: boolean; verifier: ScramVerifier }
  | { name: 'sasl-response'; startup: Buffer; params: Map<string, string>; user: string; database: string; known: boolean; exchange: ScramExchange }
  | { name: 'handing-over' };

function handleConnection(client: Socket, opts: FrontOptions): void {
  let buffer = Buffer.alloc(0);
  let phase: Phase = { name: 'startup' };

  const refuse = (code: string, text: string): void => {
    phase = { name: 'handing-over' };
    client.end(fatalError(code, text));
  };

  const handOver = async (startup: Buffer, params: Map<string, string>): Promise<void> => {
    let backend: Socket;
    let first: Buffer | undefined;
    try {
      const got = await opts.connectBackend(params);
      if ('first' in got) ({ socket: backend, first } = got);
      else backend = got;
    } catch (e) {
      refuse('57P03', `the emulated database is not available: ${(e as Error).message}`);
      return;
    }
    if (client.destroyed) {
      backend.destroy();
      return;
    }
    client.off('data', onData);
    backend.on('error', () => client.destroy());
    backend.on('close', () => client.destroy());
    client.on('close', () => backend.destroy());
    if (first) client.write(first);
    else backend.write(startup);
    if (buffer.length > 0) backend.write(buffer);
    buffer = Buffer.alloc(0);
    backend.pipe(client);
    client.pipe(backend);
  };

  const step = (): boolean => {
    switch (phase.name) {
      case 'startup': {
        const got = readStartupPacket(buffer);
        if (!got) return false;
        buffer = buffer.subarray(got.packet.length);
        if (got.code === SSL_REQUEST || got.code === GSSENC_REQUEST) {
          client.write('N');
          return true;
        }
        if (got.code === CANCEL_REQUEST) {
          client.destroy();
          return false;
        }
        if (got.code !== PROTOCOL_V3) {
          refuse('0A000', `unsupported frontend protocol ${got.code >> 16}.${got.code & 0xffff}`);
          return false;
        }
        const params = startupParameters(got.packet);
        const user = params.get('user');
        if (!user) {
          refuse('28000', 'no PostgreSQL user name specified in startup packet');
          return false;
        }
        const creds = opts.credentials();
        const known = user === creds.username;
        phase = { name: 'sasl-initial', startup: Buffer.from(got.packet), params, user, database: params.get('database') ?? user, known, verifier: known ? creds.verifier : NOBODY };
        client.write(authenticationSasl([SCRAM_MECHANISM]));
        return true;
      }
      case 'sasl-initial': {
        const msg = readMessage(buffer);
        if (!msg) return false;
        buffer = buffer.subarray(msg.size);
        if (msg.type !== 'p') {
          refuse('08P01', `expected SASL response, got message type "${msg.type}"`);
          return false;
        }
        const { mechanism, data } = parseSaslInitialResponse(msg.body);
        if (mechanism !== SCRAM_MECHANISM) {
          refuse('28000', `client selected an invalid SASL authentication mechanism "${mechanism}"`);
          return false;
        }
        const exchange = new ScramExchange(phase.verifier);
        const serverFirst = exchange.first(data);
        phase = { name: 'sasl-response', startup: phase.startup, params: phase.params, user: phase.user, database: phase.database, known: phase.known, exchange };
        client.write(authenticationSaslContinue(serverFirst));
        return true;
      }
      case 'sasl-response': {
        const msg = readMessage(buffer);
        if (!msg) return false;
        buffer = buffer.subarray(msg.size);
        if (msg.type !== 'p') {
          refuse('08P01', `expected SASL response, got message type "${msg.type}"`);
          return false;
        }
        const serverFinal = phase.exchange.final(msg.body.toString('utf8'));
        if (serverFinal === undefined || !phase.known) {
          refuse('28P01', `password authentication failed for user "${phase.user}"`);
          return false;
        }
        if (phase.database !== opts.databaseName) {
          refuse('3D000', `database "${phase.database}" does not exist (this emulated cluster serves only "${opts.databaseName}")`);
          return false;
        }
        const { startup, params } = phase;
        phase = { name: 'handing-over' };
        client.write(authenticationSaslFinal(serverFinal));
        // The data handler is synchronous: the hand-over to the backend runs on; an unexpected failure ends the connection.
        void handOver(startup, params).catch((e: unknown) => refuse('XX000', `the hand-over to the emulated database failed: ${(e as Error).message}`));
        return false;
      }
      case 'handing-over':
        return false;
    }
  };

  const onData = (chunk: Buffer): void => {
    buffer = Buffer.concat([buffer, chunk]);
    try {
      while (step()) {
        /* next packet */
      }
    } catch (e) {
      const code = e instanceof ScramProtocolError ? '28000' : '08P01';
      refuse(code, (e as Error).message);
    }
  };
  client.on('data', onData);
}
