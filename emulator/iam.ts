/**
 * The emulator's own IAM policy evaluator (identity policies, trust policies and
 * key policies). Deliberately independent of anything under src/: if the action
 * and the emulator shared an evaluator, a bug in it would make the tests agree.
 */
import type { Role, World } from './world';

export type StringOrList = string | string[];

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: '*' | Record<string, StringOrList>;
  NotPrincipal?: Record<string, StringOrList>;
  Action?: StringOrList;
  NotAction?: StringOrList;
  Resource?: StringOrList;
  NotResource?: StringOrList;
  Condition?: Record<string, Record<string, StringOrList | boolean>>;
}

export interface PolicyDocument {
  Version?: string;
  Id?: string;
  Statement: PolicyStatement | PolicyStatement[];
}

/** Request context: condition keys (lower-cased on lookup) to values. */
export type ConditionContext = Record<string, string | string[] | boolean | undefined>;

export interface RequestToEvaluate {
  action: string;
  resource: string;
  context?: ConditionContext;
}

export type Decision = 'allow' | 'explicit-deny' | 'implicit-deny';

export function statements(policy: PolicyDocument): PolicyStatement[] {
  return Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement];
}

export function asList(v: StringOrList | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** IAM wildcard match: `*` any run, `?` any one character. */
export function wildcardMatch(pattern: string, value: string, caseInsensitive = false): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, caseInsensitive ? 'i' : '').test(value);
}

function actionMatches(stmt: PolicyStatement, action: string): boolean {
  if (stmt.Action !== undefined) return asList(stmt.Action).some(p => wildcardMatch(p, action, true));
  if (stmt.NotAction !== undefined) return !asList(stmt.NotAction).some(p => wildcardMatch(p, action, true));
  return false;
}

function resourceMatches(stmt: PolicyStatement, resource: string): boolean {
  if (stmt.Resource !== undefined) return asList(stmt.Resource).some(p => wildcardMatch(p, resource));
  if (stmt.NotResource !== undefined) return !asList(stmt.NotResource).some(p => wildcardMatch(p, resource));
  // Key and trust policies may omit Resource; they apply to the resource they are attached to.
  return true;
}

function lookup(context: ConditionContext, key: string): string[] | undefined {
  const lower = key.toLowerCase();
  for (const [k, v] of Object.entries(context)) {
    if (k.toLowerCase() !== lower || v === undefined) continue;
    if (typeof v === 'boolean') return [String(v)];
    return Array.isArray(v) ? v : [v];
  }
  return undefined;
}

type Comparator = (expected: string, actual: string) => boolean;

const comparators: Record<string, Comparator> = {
  stringequals: (e, a) => e === a,
  stringnotequals: (e, a) => e !== a,
  stringequalsignorecase: (e, a) => e.toLowerCase() === a.toLowerCase(),
  stringnotequalsignorecase: (e, a) => e.toLowerCase() !== a.toLowerCase(),
  stringlike: (e, a) => wildcardMatch(e, a),
  stringnotlike: (e, a) => !wildcardMatch(e, a),
  arnequals: (e, a) => wildcardMatch(e, a),
  arnlike: (e, a) => wildcardMatch(e, a),
  arnnotequals: (e, a) => !wildcardMatch(e, a),
  arnnotlike: (e, a) => !wildcardMatch(e, a),
  bool: (e, a) => e.toLowerCase() === a.toLowerCase()
};

const negated = new Set(['stringnotequals', 'stringnotequalsignorecase', 'stringnotlike', 'arnnotequals', 'arnnotlike']);

/** One condition operator against one key. Unknown operators never match (fail closed). */
export function conditionHolds(operator: string, key: string, expected: StringOrList | boolean, context: ConditionContext): boolean {
  let op = operator.toLowerCase();
  let set: 'anyvalue' | 'allvalues' | undefined;
  if (op.startsWith('foranyvalue:')) {
    set = 'anyvalue';
    op = op.slice('foranyvalue:'.length);
  } else if (op.startsWith('forallvalues:')) {
    set = 'allvalues';
    op = op.slice('forallvalues:'.length);
  }
  let ifExists = false;
  if (op.endsWith('ifexists')) {
    ifExists = true;
    op = op.slice(0, -'ifexists'.length);
  }
  const actual = lookup(context, key);
  const expectedValues = (typeof expected === 'boolean' ? [String(expected)] : asList(expected)).map(String);
  if (op === 'null') {
    const wantsAbsent = expectedValues.some(v => v.toLowerCase() === 'true');
    return wantsAbsent ? actual === undefined : actual !== undefined;
  }
  const cmp = comparators[op];
  if (!cmp) return false;
  if (actual === undefined) {
    if (ifExists) return true;
    if (set === 'allvalues') return true;
    return false;
  }
  const matchOne = (a: string) => (negated.has(op) ? expectedValues.every(e => cmp(e, a)) : expectedValues.some(e => cmp(e, a)));
  if (set === 'allvalues') return actual.every(matchOne);
  return actual.some(matchOne);
}

export function conditionsHold(stmt: PolicyStatement, context: ConditionContext): boolean {
  for (const [operator, block] of Object.entries(stmt.Condition ?? {})) {
    for (const [key, expected] of Object.entries(block)) {
      if (!conditionHolds(operator, key, expected, context)) return false;
    }
  }
  return true;
}

/** Statements of the given policies that apply to the request (ignoring principals). */
export function matchingStatements(policies: PolicyDocument[], request: RequestToEvaluate): PolicyStatement[] {
  const context = request.context ?? {};
  return policies.flatMap(statements).filter(s => actionMatches(s, request.action) && resourceMatches(s, request.resource) && conditionsHold(s, context));
}

/** Identity-policy evaluation: an explicit Deny wins, then any Allow, else implicit deny. */
export function evaluate(policies: PolicyDocument[], request: RequestToEvaluate): Decision {
  const matching = matchingStatements(policies, request);
  if (matching.some(s => s.Effect === 'Deny')) return 'explicit-deny';
  if (matching.some(s => s.Effect === 'Allow')) return 'allow';
  return 'implicit-deny';
}

/** Who is asking, as resource policies see them. */
export interface PolicyPrincipal {
  /** The account the principal belongs to. */
  account: string;
  /** The IAM identity ARN (role or user ARN) — what a key or trust policy names. */
  identityArn: string;
  /** The session ARN for assumed roles (arn:aws:sts::ACCT:assumed-role/NAME/SESSION). */
  sessionArn?: string;
  /** Federated provider for web-identity calls. */
  federated?: string;
  /** The role's (or user's) unique id (AROA... / AIDA...): what AWS keeps in a policy once the named role is deleted. */
  uniqueId?: string;
}

/**
 * How a statement's Principal admits a caller:
 * - 'direct': the statement names the caller (its ARN, or `*`);
 * - 'account': it names the caller's account root: the account's IAM decides;
 * - undefined: it does not admit the caller.
 */
export type PrincipalMatch = 'direct' | 'account' | undefined;

/**
 * Whether a NotPrincipal element spares the caller. AWS checks an assumed-role
 * session as its account, then its role, then the session: the caller is spared
 * only when all of them are listed (IAM guide, "AWS JSON policy elements:
 * NotPrincipal"); a user when its account and its ARN are.
 */
export function notPrincipalSpares(element: Record<string, StringOrList>, who: PolicyPrincipal): boolean {
  const listed = asList(element['AWS']);
  const has = (v: string | undefined) => v !== undefined && listed.includes(v);
  const account = has(who.account) || has(`arn:aws:iam::${who.account}:root`);
  const identity = has(who.identityArn) || has(who.uniqueId);
  const session = who.sessionArn === undefined || who.sessionArn === who.identityArn || has(who.sessionArn);
  if (who.federated && asList(element['Federated']).includes(who.federated)) return true;
  return account && identity && session;
}

export function principalMatch(stmt: PolicyStatement, who: PolicyPrincipal): PrincipalMatch {
  // NotPrincipal: the statement applies to everyone it does not spare, as `*` would.
  if (stmt.NotPrincipal !== undefined) return notPrincipalSpares(stmt.NotPrincipal, who) ? undefined : 'direct';
  const principal = stmt.Principal;
  if (principal === undefined) return undefined;
  if (principal === '*') return 'direct';
  let best: PrincipalMatch;
  for (const [kind, values] of Object.entries(principal)) {
    for (const value of asList(values)) {
      if (kind === 'Federated') {
        if (who.federated && value === who.federated) return 'direct';
        continue;
      }
      if (kind !== 'AWS') continue;
      if (value === '*') return 'direct';
      if (value === who.identityArn || (who.sessionArn && value === who.sessionArn) || (who.uniqueId && value === who.uniqueId)) return 'direct';
      if (value === who.account || value === `arn:aws:iam::${who.account}:root`) best = 'account';
    }
  }
  return best;
}

// ---------------------------------------------------------------------------
// Roles: unique ids, deletion and re-creation (as IAM does them)

/** A new role unique id, shaped like AWS's (AROA + 17 characters). */
export function newRoleId(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let id = 'AROA';
  for (let i = 0; i < 17; i++) id += chars[Math.floor(Math.random() * chars.length)];
  return id;
}

/** The unique id behind a principal: a role session's AROA id (UserId is AROA...:session), a user's AIDA id. */
export function uniqueIdOf(who: { kind: 'role' | 'user'; userId: string }): string {
  return who.userId.split(':')[0]!;
}

/**
 * Deletes a role. As in AWS, a resource policy that named the role by ARN now
 * names its unique id instead (the key policies show AROA...): a role created
 * again under the same name gets a new id and is not admitted by them.
 */
export function deleteRole(world: World, roleArn: string): void {
  const m = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(roleArn);
  const account = m ? world.account(m[1]!) : undefined;
  const role = account?.roles.get(m![2]!);
  if (!account || !role) throw new Error(`no role ${roleArn}`);
  account.roles.delete(role.name);
  const id = role.id;
  if (!id) return;
  for (const a of world.accounts.values()) for (const key of a.keys.values()) key.policy = key.policy.split(JSON.stringify(role.arn)).join(JSON.stringify(id));
}

/** Creates a role (a new unique id every time). */
export function createRole(world: World, accountId: string, r: { name: string; trust: PolicyDocument; policies?: PolicyDocument[]; maxSessionDuration?: number }): Role {
  const account = world.account(accountId);
  if (!account) throw new Error(`no account ${accountId}`);
  if (account.roles.has(r.name)) throw new Error(`EntityAlreadyExists: Role with name ${r.name} already exists.`);
  const role: Role = {
    name: r.name,
    account: accountId,
    arn: `arn:aws:iam::${accountId}:role/${r.name}`,
    trust: r.trust,
    policies: r.policies ?? [],
    maxSessionDuration: r.maxSessionDuration ?? 3600,
    id: newRoleId()
  };
  account.roles.set(r.name, role);
  return role;
}
