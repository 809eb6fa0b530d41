/**
 * SigV4 verification: recompute the signature of the request with the secret
 * of its access key (@smithy/signature-v4) and compare.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

export interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

export function parseAuthorization(header: string | undefined): ParsedAuthorization | undefined {
  if (!header || !header.startsWith('AWS4-HMAC-SHA256 ')) return undefined;
  const fields = new Map<string, string>();
  for (const part of header.slice('AWS4-HMAC-SHA256 '.length).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const scope = fields.get('Credential')?.split('/');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!scope || scope.length !== 5 || !signedHeaders || !signature) return undefined;
  return {
    accessKeyId: scope[0]!,
    date: scope[1]!,
    region: scope[2]!,
    service: scope[3]!,
    signedHeaders: signedHeaders.split(';'),
    signature
  };
}

export interface IncomingSigned {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
}

export function parseAmzDate(value: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return new Date(NaN);
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

/** True when the request's signature is the one its secret key produces. */
export async function signatureMatches(request: IncomingSigned, auth: ParsedAuthorization, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }): Promise<boolean> {
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = request.headers[name];
    if (value !== undefined) headers[name] = value;
  }
  const amzDate = request.headers['x-amz-date'];
  if (!amzDate) return false;
  const signer = new SignatureV4({
    service: auth.service,
    region: auth.region,
    sha256: Sha256,
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      // The token is part of the signed headers already when the client sent one.
      sessionToken: undefined
    },
    uriEscapePath: true,
    applyChecksum: false
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: (headers['host'] ?? '').split(':')[0] ?? '',
      path: request.path,
      query: request.query,
      headers,
      body: request.body
    },
    {
      signingDate: parseAmzDate(amzDate),
      signableHeaders: new Set(auth.signedHeaders),
      unsignableHeaders: new Set(Object.keys(request.headers).filter(h => !auth.signedHeaders.includes(h)))
    }
  );
  const produced = parseAuthorization(String(signed.headers['authorization'] ?? signed.headers['Authorization']));
  return produced?.signature === auth.signature;
}
