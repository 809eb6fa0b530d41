/**
 * The HTTP front: one port for STS, KMS and RDS. Routes by the SigV4 credential
 * scope (service), X-Amz-Target for KMS, and lets only AssumeRoleWithWebIdentity
 * through unsigned. Verifies signatures, applies injected faults, logs requests.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import * as rdsModel from '@aws-sdk/client-rds';
import * as stsModel from '@aws-sdk/client-sts';
import type { Caller, HandlerContext } from './context';
import { AwsError, common, kmsFault } from './errors';
import type { Faults, FaultSpec } from './faults';
import { kmsOperations } from './kms';
import { ramOperations, ramRoutes } from './ram';
import { jsonBody, jsonContentType, jsonError, operationFromTarget } from './protocol/json';
import { Params, parseForm, queryError, queryResponse } from './protocol/query';
import { rdsOperations } from './rds/index';
import { secretsManagerOperations } from './secretsmanager';
import { parseAmzDate, parseAuthorization, signatureMatches } from './sigv4';
import { snapshotOfWorld, type RequestLog } from './state';
import { stsOperations } from './sts';
import { requestId as newRequestId, type World } from './world';

type Service = 'sts' | 'kms' | 'rds' | 'secretsmanager' | 'ram';

interface Routed {
  service: Service;
  operation: string;
  json: boolean;
  params?: Params;
  input?: Record<string, unknown>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function headerMap(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  }
  return headers;
}

function route(headers: Record<string, string>, body: string, scopeService: string | undefined, req?: IncomingMessage): Routed {
  if (scopeService === 'ram' && req) return ramRoute(req, body);
  const target = headers['x-amz-target'];
  if (target?.startsWith('TrentService.') || scopeService === 'kms') {
    const operation = operationFromTarget(target) ?? '';
    let input: Record<string, unknown> = {};
    try {
      input = body ? (JSON.parse(body) as Record<string, unknown>) : {};
    } catch {
      throw kmsFault('SerializationException', 'Could not parse the request body as JSON.');
    }
    return { service: 'kms', operation, json: true, input };
  }
  if (target?.startsWith('secretsmanager.') || scopeService === 'secretsmanager') {
    let input: Record<string, unknown> = {};
    try {
      input = body ? (JSON.parse(body) as Record<string, unknown>) : {};
    } catch {
      throw new AwsError('SerializationException', 'Could not parse the request body as JSON.');
    }
    return { service: 'secretsmanager', operation: operationFromTarget(target) ?? '', json: true, input };
  }
  const params = new Params(parseForm(body));
  const operation = params.str('Action') ?? '';
  const service: Service = scopeService === 'rds' ? 'rds' : scopeService === 'sts' ? 'sts' : operation.startsWith('AssumeRole') || operation === 'GetCallerIdentity' ? 'sts' : 'rds';
  return { service, operation, json: false, params };
}

/** RAM is REST-JSON: the operation is the method and path, the input the JSON body plus the query string. */
function ramRoute(req: IncomingMessage, body: string): Routed {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const operation = ramRoutes[`${req.method ?? 'POST'} ${url.pathname}`];
  if (!operation) throw new AwsError('UnknownOperationException', `The emulator does not implement RAM ${req.method} ${url.pathname}.`, 404);
  let input: Record<string, unknown> = {};
  try {
    input = body ? (JSON.parse(body) as Record<string, unknown>) : {};
  } catch {
    throw new AwsError('SerializationException', 'Could not parse the request body as JSON.', 400);
  }
  for (const [k, v] of url.searchParams) input[k] = v;
  return { service: 'ram', operation, json: true, input };
}

export interface ServerDeps {
  world: World;
  log: RequestLog;
  faults: Faults;
}

function send(res: ServerResponse, status: number, contentType: string, body: string, rid: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': contentType, 'x-amzn-requestid': rid, ...extra });
  res.end(body);
}

async function authenticate(deps: ServerDeps, req: IncomingMessage, headers: Record<string, string>, body: string, routed: Routed): Promise<Caller | undefined> {
  const auth = parseAuthorization(headers['authorization']);
  if (!auth) {
    if (routed.service === 'sts' && routed.operation === 'AssumeRoleWithWebIdentity') return undefined;
    throw common.missingAuthenticationToken();
  }
  const credential = deps.world.credentials.get(auth.accessKeyId);
  const unknown = routed.json ? kmsFault('UnrecognizedClientException', 'The security token included in the request is invalid.') : common.invalidClientTokenId();
  if (!credential) throw unknown;
  if (credential.sessionToken !== undefined && headers['x-amz-security-token'] !== credential.sessionToken) throw unknown;
  // A session past its Expiration (simulated clock) at the time the request was signed: every service
  // refuses it, each with its own code. The signing time (x-amz-date) and not the time the emulator gets
  // to the request: a real stall of the emulator's event loop lasts 1/timeScale times longer in simulated
  // time, a latency no client could foresee (AWS answers within milliseconds of the signature).
  const signedAt = parseAmzDate(headers['x-amz-date'] ?? '').getTime();
  const at = Number.isNaN(signedAt) ? deps.world.clock.now() : signedAt;
  if (credential.expiresAt !== undefined && at >= credential.expiresAt) {
    throw routed.json ? kmsFault('ExpiredTokenException', 'The security token included in the request is expired') : common.expiredToken();
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const ok = await signatureMatches({ method: req.method ?? 'POST', path: url.pathname, query, headers, body }, auth, credential);
  if (!ok) {
    throw routed.json
      ? kmsFault(
          'InvalidSignatureException',
          'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.'
        )
      : common.signatureDoesNotMatch();
  }
  return { principal: credential.principal, account: credential.principal.account };
}

function dispatch(ctx: HandlerContext, routed: Routed): Record<string, unknown> {
  if (routed.service === 'ram') return ramOperations[routed.operation]!(ctx, routed.input ?? {});
  if (routed.service === 'kms') {
    const op = kmsOperations[routed.operation];
    if (!op) throw kmsFault('UnknownOperationException', `The emulator does not implement KMS ${routed.operation}.`);
    return op(ctx, routed.input ?? {});
  }
  if (routed.service === 'secretsmanager') {
    const op = secretsManagerOperations[routed.operation];
    if (!op) throw new AwsError('UnknownOperationException', `The emulator does not implement Secrets Manager ${routed.operation}.`);
    return op(ctx, routed.input ?? {});
  }
  const table = routed.service === 'sts' ? stsOperations : rdsOperations;
  const op = table[routed.operation];
  if (!op) throw common.invalidAction(routed.operation);
  return op(ctx, routed.params!);
}

async function handleAws(deps: ServerDeps, req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
  const rid = newRequestId();
  const headers = headerMap(req);
  const scope = parseAuthorization(headers['authorization'])?.service;
  let routed: Routed | undefined;
  let caller: Caller | undefined;
  try {
    routed = route(headers, body, scope, req);
    caller = await authenticate(deps, req, headers, body, routed);
    const params = routed.json ? (routed.input ?? {}) : Object.fromEntries(routed.params!.raw);
    // A `pause` fault holds the call here (before it sees the world) until the test releases it.
    await deps.faults.hold({ service: routed.service, operation: routed.operation, params, account: caller?.account, json: routed.json });
    deps.world.tick();
    const injected = deps.faults.onCall({ service: routed.service, operation: routed.operation, params, account: caller?.account, json: routed.json });
    if (injected) throw injected;
    // RDS and KMS resources live in a region: a request signed for another one sees that region's (none
    // unless created there). STS and IAM are global.
    const region = parseAuthorization(headers['authorization'])?.region;
    const world = routed.service !== 'sts' && region ? deps.world.inRegion(region) : deps.world;
    const ctx: HandlerContext = {
      world,
      caller,
      requestId: rid,
      faults: deps.faults,
      call: { service: routed.service, operation: routed.operation, params }
    };
    const output = dispatch(ctx, routed);
    // A `hang` fault holds the answer of a call that took effect (a job killed while it waited for it).
    await deps.faults.hang({ service: routed.service, operation: routed.operation, params, account: caller?.account, json: routed.json });
    const lost = deps.faults.afterCall({ service: routed.service, operation: routed.operation, params, account: caller?.account, json: routed.json });
    if (lost) throw lost;
    deps.log.record({ service: routed.service, operation: routed.operation, account: caller?.account, principal: caller?.principal.callerArn, status: 200, at: deps.world.now().toISOString() });
    const date = { date: deps.world.now().toUTCString() };
    if (routed.json) send(res, 200, routed.service === 'ram' ? 'application/json' : jsonContentType, jsonBody(output), rid, date);
    else {
      const model = (routed.service === 'sts' ? stsModel : rdsModel) as unknown as Record<string, unknown>;
      send(res, 200, 'text/xml', queryResponse(routed.service as 'sts' | 'rds', model, routed.operation, output, rid), rid, date);
    }
  } catch (e) {
    const error =
      e instanceof AwsError
        ? e
        : new AwsError(routed?.service === 'secretsmanager' ? 'InternalServiceError' : routed?.json ? 'KMSInternalException' : 'InternalFailure', `emulator error: ${(e as Error).message}`, 500);
    if (!(e instanceof AwsError)) console.error('emulator: unexpected error', e);
    deps.log.record({
      service: routed?.service ?? scope ?? 'unknown',
      operation: routed?.operation ?? 'unknown',
      account: caller?.account,
      principal: caller?.principal.callerArn,
      status: error.status,
      errorCode: error.code,
      at: deps.world.now().toISOString()
    });
    // AWS's Date header is AWS's time: here the simulated clock (the SDK corrects its signing clock to it).
    const date = { date: deps.world.now().toUTCString() };
    if (routed?.json) send(res, error.status, jsonContentType, jsonError(error), rid, { 'x-amzn-errortype': error.code, ...date });
    else send(res, error.status, 'text/xml', queryError(error, rid), rid, date);
  }
}

async function handleControl(deps: ServerDeps, req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const json = (status: number, value: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(value, null, 2));
  };
  try {
    if (req.method === 'GET' && url.pathname === '/_emulator/state') return json(200, snapshotOfWorld(deps.world, deps.log, deps.faults));
    if (req.method === 'POST' && url.pathname === '/_emulator/faults') {
      const parsed = JSON.parse(body) as FaultSpec | FaultSpec[];
      for (const spec of Array.isArray(parsed) ? parsed : [parsed]) deps.faults.add(spec);
      return json(200, { faults: deps.faults.list() });
    }
    if (req.method === 'POST' && url.pathname === '/_emulator/release') {
      deps.faults.release(url.searchParams.get('name') ?? '');
      return json(200, { released: url.searchParams.get('name') });
    }
    if (req.method === 'POST' && url.pathname === '/_emulator/advance') {
      const seconds = Number(url.searchParams.get('seconds') ?? '0');
      deps.world.clock.advance(seconds);
      deps.world.tick();
      return json(200, { now: deps.world.now().toISOString() });
    }
    json(404, { error: `unknown emulator endpoint ${req.method} ${url.pathname}` });
  } catch (e) {
    json(400, { error: (e as Error).message });
  }
}

export function createEmulatorServer(deps: ServerDeps): Server {
  return createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      if ((req.url ?? '').startsWith('/_emulator/')) await handleControl(deps, req, res, body);
      else await handleAws(deps, req, res, body);
    })().catch((e: unknown) => {
      console.error('emulator: request failed', e);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
}
