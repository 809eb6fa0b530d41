/**
 * A stand-in for the runner's OIDC token service: answers
 * GET <ACTIONS_ID_TOKEN_REQUEST_URL>&audience=... with {"value": "<jwt>"} when
 * the bearer token matches, the way the Actions service does.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OidcServer {
  url: string;
  requestToken: string;
  requests: Array<{ audience: string | null; authorized: boolean }>;
  close(): Promise<void>;
}

/** An unsigned JWT with GitHub's claim shape (the emulator decodes but does not verify signatures). */
export function githubJwt(claims: Partial<Record<string, string | number>> = {}): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return [
    b64({ alg: 'RS256', typ: 'JWT', kid: 'test' }),
    b64({
      iss: 'https://token.actions.githubusercontent.com',
      sub: 'repo:example-org/app:ref:refs/heads/main',
      aud: 'sts.amazonaws.com',
      repository: 'example-org/app',
      ref: 'refs/heads/main',
      iat: now,
      nbf: now,
      exp: now + 3600,
      ...claims
    }),
    'c2lnbmF0dXJl'
  ].join('.');
}

export async function startOidcServer(claims: Partial<Record<string, string | number>> = {}): Promise<OidcServer> {
  const requestToken = 'runner-request-token-' + Math.random().toString(36).slice(2);
  const requests: OidcServer['requests'] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const authorized = req.headers.authorization === `Bearer ${requestToken}`;
    const audience = url.searchParams.get('audience');
    requests.push({ audience, authorized });
    if (!authorized) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"unauthorized"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ value: githubJwt({ ...claims, ...(audience ? { aud: audience } : {}) }) }));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    // The runner's URL already carries a query string; the toolkit appends &audience=...
    url: `http://127.0.0.1:${port}/_apis/token?api-version=2.0`,
    requestToken,
    requests,
    close: () => new Promise(resolve => server.close(() => resolve()))
  };
}
