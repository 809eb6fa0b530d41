/** STS: AssumeRoleWithWebIdentity (unsigned, GitHub OIDC), AssumeRole, GetCallerIdentity. */
import { createHash, randomBytes } from 'node:crypto';
import type { HandlerContext } from './context';
import { AwsError, stsFault } from './errors';
import { evaluate, matchingStatements, principalMatch, type ConditionContext } from './iam';
import type { Params } from './protocol/query';
import type { Principal, Role, World } from './world';

type Output = Record<string, unknown>;

const sessionNamePattern = /^[\w+=,.@-]{2,64}$/;

export function findRole(world: World, roleArn: string): Role | undefined {
  const m = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(roleArn);
  if (!m) return undefined;
  return world.account(m[1]!)?.roles.get(m[2]!);
}

function roleId(role: Role): string {
  if (role.id) return role.id;
  // Stable per role, shaped like AWS's AROA... ids.
  const hash = createHash('sha256').update(role.arn).digest('hex').toUpperCase().slice(0, 17);
  return `AROA${hash}`;
}

function sessionPrincipal(role: Role, session: string): Principal {
  return {
    kind: 'role',
    account: role.account,
    identityArn: role.arn,
    callerArn: `arn:aws:sts::${role.account}:assumed-role/${role.name}/${session}`,
    userId: `${roleId(role)}:${session}`,
    policies: role.policies
  };
}

function credentialsOutput(world: World, principal: Principal, durationSeconds: number): Output {
  const credential = world.issueSession(principal, durationSeconds);
  return {
    Credentials: {
      AccessKeyId: credential.accessKeyId,
      SecretAccessKey: credential.secretAccessKey,
      SessionToken: credential.sessionToken,
      // On the simulated clock, like every time the emulator reports.
      Expiration: new Date(credential.expiresAt!)
    },
    AssumedRoleUser: { AssumedRoleId: principal.userId, Arn: principal.callerArn }
  };
}

function decodeJwt(token: string): Record<string, unknown> {
  const parts = token.split('.');
  if (parts.length !== 3) throw stsFault('InvalidIdentityTokenException', 'The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)');
  try {
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as unknown;
    if (!payload || typeof payload !== 'object') throw new Error('not an object');
    return payload as Record<string, unknown>;
  } catch {
    throw stsFault('InvalidIdentityTokenException', 'The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)');
  }
}

function duration(params: Params): number {
  const seconds = params.int('DurationSeconds') ?? 3600;
  if (seconds < 900) {
    throw new AwsError('ValidationError', `1 validation error detected: Value '${seconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900`);
  }
  if (seconds > 43200) {
    throw new AwsError('ValidationError', `1 validation error detected: Value '${seconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200`);
  }
  return seconds;
}

/** The session length the role allows: its MaxSessionDuration, and 1 hour for a chained session (AssumeRole with role credentials). */
function allowedDuration(role: Role, seconds: number, chained: boolean): number {
  if (chained && seconds > 3600) {
    throw new AwsError('ValidationError', 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
  }
  if (seconds > role.maxSessionDuration) {
    throw new AwsError('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  }
  return seconds;
}

function sessionName(params: Params): string {
  const name = params.required('RoleSessionName');
  if (!sessionNamePattern.test(name)) {
    throw new AwsError('ValidationError', `1 validation error detected: Value '${name}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`);
  }
  return name;
}

export function assumeRoleWithWebIdentity(ctx: HandlerContext, params: Params): Output {
  const roleArn = params.required('RoleArn');
  const session = sessionName(params);
  const token = params.required('WebIdentityToken');
  const claims = decodeJwt(token);
  const issuer = typeof claims['iss'] === 'string' ? claims['iss'] : '';
  const host = issuer.replace(/^https:\/\//, '').replace(/\/$/, '');
  const denied = () => new AwsError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity', 403);
  if (!host) throw stsFault('InvalidIdentityTokenException', 'The ID Token provided is missing the issuer (iss) claim.');
  const exp = claims['exp'];
  if (typeof exp === 'number' && exp * 1000 < Date.now()) throw stsFault('ExpiredTokenException', 'Token expired: current date/time is after the token expiration');
  const role = findRole(ctx.world, roleArn);
  if (!role) throw denied();
  const context: ConditionContext = {};
  for (const [claim, value] of Object.entries(claims)) {
    if (typeof value === 'string' || Array.isArray(value)) context[`${host}:${claim}`] = value as string | string[];
  }
  const who = {
    account: role.account,
    identityArn: '',
    federated: `arn:aws:iam::${role.account}:oidc-provider/${host}`
  };
  const allowing = matchingStatements([role.trust], { action: 'sts:AssumeRoleWithWebIdentity', resource: role.arn, context });
  if (allowing.some(s => s.Effect === 'Deny' && principalMatch(s, who))) throw denied();
  if (!allowing.some(s => s.Effect === 'Allow' && principalMatch(s, who) === 'direct')) throw denied();
  const principal = sessionPrincipal(role, session);
  const sub = typeof claims['sub'] === 'string' ? claims['sub'] : '';
  const aud = Array.isArray(claims['aud']) ? String(claims['aud'][0]) : String(claims['aud'] ?? '');
  return {
    ...credentialsOutput(ctx.world, principal, allowedDuration(role, duration(params), false)),
    SubjectFromWebIdentityToken: sub,
    Provider: who.federated,
    Audience: aud
  };
}

export function assumeRole(ctx: HandlerContext, params: Params): Output {
  const caller = ctx.caller!.principal;
  const roleArn = params.required('RoleArn');
  const session = sessionName(params);
  const role = findRole(ctx.world, roleArn);
  const denied = () => new AwsError('AccessDenied', `User: ${caller.callerArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`, 403);
  if (!role) throw denied();
  const context: ConditionContext = {
    'aws:PrincipalArn': caller.identityArn,
    'aws:PrincipalAccount': caller.account,
    'sts:RoleSessionName': session
  };
  const who = { account: caller.account, identityArn: caller.identityArn, sessionArn: caller.callerArn };
  const trust = matchingStatements([role.trust], { action: 'sts:AssumeRole', resource: role.arn, context });
  if (trust.some(s => s.Effect === 'Deny' && principalMatch(s, who))) throw denied();
  const admitted = trust.filter(s => s.Effect === 'Allow').map(s => principalMatch(s, who));
  const iam = evaluate(caller.policies, { action: 'sts:AssumeRole', resource: role.arn, context });
  if (iam === 'explicit-deny') throw denied();
  const sameAccountDirect = caller.account === role.account && admitted.includes('direct');
  const delegated = admitted.some(m => m !== undefined) && iam === 'allow';
  if (!sameAccountDirect && !delegated) throw denied();
  return credentialsOutput(ctx.world, sessionPrincipal(role, session), allowedDuration(role, duration(params), caller.kind === 'role'));
}

export function getCallerIdentity(ctx: HandlerContext): Output {
  const principal = ctx.caller!.principal;
  return { UserId: principal.userId, Account: principal.account, Arn: principal.callerArn };
}

export const stsOperations: Record<string, (ctx: HandlerContext, params: Params) => Output> = {
  AssumeRoleWithWebIdentity: assumeRoleWithWebIdentity,
  AssumeRole: assumeRole,
  GetCallerIdentity: getCallerIdentity
};

export function newUserId(): string {
  return `AIDA${randomBytes(9).toString('hex').toUpperCase()}`;
}
