/**
 * Static analysis of a KMS key policy: may this principal perform these KMS
 * actions on this key, in this request context? Pure and table-tested.
 *
 * It follows the KMS evaluation rules: an explicit Deny wins; otherwise an
 * Allow is needed. A statement naming the principal itself, or `*`, grants
 * the access on its own within the key's account; one naming the account
 * root (or the bare account id) delegates to that account's IAM policies.
 * Across accounts the caller's IAM policy must allow the action as well,
 * whatever the key policy says. Conditions are judged only where the value
 * is known before the call (kms:CallerAccount, kms:ViaService,
 * kms:GrantIsForAWSResource, aws:PrincipalArn, aws:PrincipalAccount ...);
 * anything else is reported as undecided, never guessed.
 */
import { asList, type PolicyStatement } from './policy-json';

/** The request the analysis imagines: who calls, through which service. */
export interface RequestContext {
  /** The IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME) making the call. */
  principalArn: string;
  principalAccount: string;
  /** The session ARN (arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION), when known: a NotPrincipal must list it too. */
  sessionArn?: string;
  /** kms:ViaService, e.g. rds.ap-northeast-1.amazonaws.com when RDS calls on the principal's behalf; absent for a direct call. */
  viaService?: string;
  /** kms:GrantIsForAWSResource for grant operations: true when an AWS service (RDS) creates the grant for a resource. */
  grantIsForAwsResource?: boolean;
}

export type Decision = 'allow' | 'deny' | 'no-allow' | 'undecided';
/** Through which principal element an Allow applied. */
export type GrantedTo = 'principal' | 'everyone' | 'account';

export interface ActionResult {
  action: string;
  decision: Decision;
  grantedTo?: GrantedTo;
  /** Statements (Sid, else #index) that decided: the Allow or Deny that applied, or the ones left undecided. */
  statements: string[];
  /** Conditions that could not be judged statically, as `Operator key` text. */
  undecided: string[];
  /** Conditions that made an otherwise matching Allow not apply, as `Sid: Operator key` text. */
  unmetConditions: string[];
}

export interface KeyPolicyAnalysis {
  /** Set when the policy text is not a readable policy: nothing else is meaningful then. */
  parseError?: string;
  results: ActionResult[];
  allowed: string[];
  missing: string[];
  denied: string[];
  undecided: string[];
  /**
   * The caller's IAM policy must allow the allowed actions too: always across
   * accounts, and whenever the Allow came through the account root.
   */
  needsIam: boolean;
  /** Every action allowed and none undecided. */
  ok: boolean;
}

export interface ParsedPolicy {
  statements: Array<PolicyStatement & { label: string; index: number }>;
}

export function parseKeyPolicy(text: string): ParsedPolicy | { error: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { error: `the key policy is not valid JSON (${(e as Error).message})` };
  }
  if (!doc || typeof doc !== 'object' || !('Statement' in doc)) return { error: 'the key policy has no Statement' };
  const raw = asList((doc as { Statement: unknown }).Statement);
  const statements: ParsedPolicy['statements'] = [];
  for (const [i, s] of raw.entries()) {
    if (!s || typeof s !== 'object') return { error: `statement #${i + 1} is not an object` };
    const st = s as PolicyStatement;
    if (st.Effect !== 'Allow' && st.Effect !== 'Deny') return { error: `statement #${i + 1} has Effect '${String(st.Effect)}'` };
    statements.push({ ...st, label: st.Sid ? `"${st.Sid}"` : `#${i + 1}`, index: i });
  }
  return { statements };
}

/** Tri-state logic: true, false, or unknown. */
type Tri = boolean | 'unknown';

function and(values: Tri[]): Tri {
  if (values.includes(false)) return false;
  if (values.includes('unknown')) return 'unknown';
  return true;
}

/** IAM wildcard match: `*` any run, `?` one character. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const re = new RegExp(
    `^${pattern
      .split('')
      .map(c => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
    ignoreCase ? 'i' : ''
  );
  return re.test(value);
}

function accountOf(principal: string): string | undefined {
  if (/^\d{12}$/.test(principal)) return principal;
  const m = /^arn:[^:]+:iam::(\d{12}):root$/.exec(principal);
  return m?.[1];
}

interface IamName {
  account: string;
  type: string;
  path: string;
  name: string;
}

/** arn:aws:iam::ACCOUNT:role/PATH/NAME -> its parts. */
export function iamName(arn: string): IamName | undefined {
  const m = /^arn:[^:]+:iam::(\d{12}):(role|user)\/(.*\/)?([^/]+)$/.exec(arn);
  return m ? { account: m[1]!, type: m[2]!, path: m[3] ?? '', name: m[4]! } : undefined;
}

/**
 * The caller's role ARN comes from its session ARN, which drops the role's
 * path: a policy naming the role with a path is the same role when the caller's
 * ARN has none.
 */
function sameRoleIgnoringPath(named: string, caller: string): boolean {
  const a = iamName(named);
  const b = iamName(caller);
  return !!a && !!b && a.account === b.account && a.type === b.type && a.name === b.name && (a.path === '' || b.path === '');
}

/** Does a principal element name the caller? Returns how, or false. */
function principalMatch(element: PolicyStatement['Principal'], ctx: RequestContext): GrantedTo | false {
  if (element === undefined) return false;
  if (element === '*') return 'everyone';
  const aws = asList(element.AWS);
  let best: GrantedTo | false = false;
  for (const p of aws) {
    if (p === '*') best = 'everyone';
    else if (p === ctx.principalArn || sameRoleIgnoringPath(p, ctx.principalArn)) return 'principal';
    else if (accountOf(p) === ctx.principalAccount && best === false) best = 'account';
  }
  return best;
}

/**
 * NotPrincipal: everyone except those listed. A role session is excepted only
 * when the element lists its account, its role ARN and (when known) its session
 * ARN: AWS checks the account, then the role, then the session (IAM guide,
 * "AWS JSON policy elements: NotPrincipal").
 */
export function notPrincipalExempts(element: PolicyStatement['NotPrincipal'], ctx: RequestContext): boolean {
  if (element === undefined || element === '*') return element === '*';
  const listed = asList(element.AWS);
  const account = listed.some(p => accountOf(p) === ctx.principalAccount);
  const role = listed.some(p => p === ctx.principalArn || sameRoleIgnoringPath(p, ctx.principalArn));
  const session = ctx.sessionArn === undefined || listed.includes(ctx.sessionArn);
  return account && role && session;
}

function statementPrincipal(st: PolicyStatement, ctx: RequestContext): GrantedTo | false {
  if (st.NotPrincipal !== undefined) return notPrincipalExempts(st.NotPrincipal, ctx) ? false : 'everyone';
  return principalMatch(st.Principal, ctx);
}

function actionMatch(st: PolicyStatement, action: string): boolean {
  if (st.NotAction !== undefined) return !asList(st.NotAction).some(p => wildcardMatch(p, action, true));
  return asList(st.Action).some(p => wildcardMatch(p, action, true));
}

function resourceMatch(st: PolicyStatement, keyArn: string): boolean {
  if (st.NotResource !== undefined) return !asList(st.NotResource).some(p => wildcardMatch(p, keyArn));
  if (st.Resource === undefined) return true;
  return asList(st.Resource).some(p => wildcardMatch(p, keyArn));
}

const GRANT_OPERATIONS = new Set(['kms:creategrant', 'kms:listgrants', 'kms:revokegrant']);

/** The value of a condition key in this request: a string, undefined (key absent), or 'unknown'. */
function contextValue(key: string, action: string, ctx: RequestContext): string | undefined | { unknown: true } {
  switch (key.toLowerCase()) {
    case 'kms:calleraccount':
    case 'aws:principalaccount':
      return ctx.principalAccount;
    case 'aws:principalarn':
      return ctx.principalArn;
    case 'aws:principaltype':
      return 'AssumedRole';
    case 'kms:viaservice':
      return ctx.viaService;
    case 'kms:grantisforawsresource':
      return GRANT_OPERATIONS.has(action.toLowerCase()) ? String(ctx.grantIsForAwsResource ?? false) : undefined;
    default:
      return { unknown: true };
  }
}

const NEGATED = /^(StringNot|ArnNot)/;

function compare(base: string, pattern: string, value: string): Tri {
  switch (base) {
    case 'StringEquals':
    case 'StringNotEquals':
    case 'ArnEquals':
    case 'ArnNotEquals':
      return pattern === value;
    case 'StringEqualsIgnoreCase':
    case 'StringNotEqualsIgnoreCase':
      return pattern.toLowerCase() === value.toLowerCase();
    case 'StringLike':
    case 'StringNotLike':
    case 'ArnLike':
    case 'ArnNotLike':
      return wildcardMatch(pattern, value);
    case 'Bool':
      return pattern.toLowerCase() === value.toLowerCase();
    default:
      return 'unknown';
  }
}

/** Judges one statement's Condition block; collects the conditions it could not judge and those that failed. */
function conditionsHold(st: PolicyStatement, action: string, ctx: RequestContext): { result: Tri; undecided: string[]; unmet: string[] } {
  const undecided: string[] = [];
  const unmet: string[] = [];
  const results: Tri[] = [];
  for (const [operator, block] of Object.entries(st.Condition ?? {})) {
    const m = /^(ForAnyValue:|ForAllValues:)?([A-Za-z]+?)(IfExists)?$/.exec(operator);
    for (const [key, rawValues] of Object.entries(block ?? {})) {
      const label = `${operator} ${key}`;
      const values = asList(rawValues as string | boolean | Array<string | boolean>).map(v => String(v));
      const value = contextValue(key, action, ctx);
      let r: Tri;
      if (!m || (typeof value === 'object' && value !== null)) r = 'unknown';
      else {
        const [, setOp, base, ifExists] = m;
        if (base === 'Null') r = values.some(v => (v.toLowerCase() === 'true') === (value === undefined));
        else if (value === undefined) r = ifExists || setOp === 'ForAllValues:' ? true : NEGATED.test(base) ? true : false;
        else {
          const each = values.map(v => compare(base, v, value));
          const any: Tri = each.includes(true) ? true : each.includes('unknown') ? 'unknown' : false;
          r = any === 'unknown' ? 'unknown' : NEGATED.test(base) ? !any : any;
        }
      }
      if (r === 'unknown') undecided.push(label);
      if (r === false) unmet.push(label);
      results.push(r);
    }
  }
  return { result: and(results), undecided, unmet };
}

/** Evaluates one action against the policy. */
export function evaluateAction(policy: ParsedPolicy, action: string, keyArn: string, ctx: RequestContext): ActionResult {
  const result: ActionResult = { action, decision: 'no-allow', statements: [], undecided: [], unmetConditions: [] };
  const rank: Record<GrantedTo, number> = { principal: 3, everyone: 2, account: 1 };
  const allowedBy: string[] = [];
  const maybeAllow: string[] = [];
  const maybeDeny: string[] = [];
  for (const st of policy.statements) {
    const who = statementPrincipal(st, ctx);
    if (!who || !actionMatch(st, action) || !resourceMatch(st, keyArn)) continue;
    const cond = conditionsHold(st, action, ctx);
    if (st.Effect === 'Deny') {
      if (cond.result === true) return { ...result, decision: 'deny', statements: [st.label] };
      if (cond.result === 'unknown') {
        maybeDeny.push(st.label);
        result.undecided.push(...cond.undecided);
      }
      continue;
    }
    if (cond.result === true) {
      allowedBy.push(st.label);
      if (!result.grantedTo || rank[who] > rank[result.grantedTo]) result.grantedTo = who;
    } else if (cond.result === 'unknown') {
      maybeAllow.push(st.label);
      result.undecided.push(...cond.undecided);
    } else result.unmetConditions.push(...cond.unmet.map(u => `${st.label}: ${u}`));
  }
  if (maybeDeny.length > 0) return { ...result, decision: 'undecided', statements: maybeDeny };
  if (allowedBy.length > 0) return { ...result, decision: 'allow', statements: allowedBy, undecided: [] };
  if (maybeAllow.length > 0) return { ...result, decision: 'undecided', statements: maybeAllow };
  return result;
}

/**
 * A required action as the analysis checks it: the concrete KMS action names a
 * wildcard such as kms:ReEncrypt* stands for, each must be allowed.
 */
export const ACTION_EXPANSION: Record<string, string[]> = {
  'kms:ReEncrypt*': ['kms:ReEncryptFrom', 'kms:ReEncryptTo'],
  'kms:GenerateDataKey*': ['kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext']
};

/**
 * How a key is used in a run, and by whom. The one table of KMS actions each
 * operation needs (docs/troubleshooting.md, "Which KMS permissions block", gives
 * the sources):
 * - `shared-key`: the staging principal, through RDS, reads a snapshot encrypted
 *   under another account's CMK: the Aurora restore (RestoreDBClusterFromSnapshot
 *   with the shared snapshot ARN) and the instance path's staging copy
 *   (CopyDBSnapshot of the shared DB snapshot).
 * - `target-key`: the staging principal, through RDS, encrypts the restored
 *   cluster (or the staging copy) under its own key.
 * - `copy-key`: the production principal, through RDS, copies the production
 *   snapshot under the CMK that will be shared.
 * `required` blocks the run when the key policy does not allow it; `recommended`
 * is what AWS's documented key policy grants but the operation does not call:
 * reported as a notice, never a failure.
 */
export type KeyUse = 'shared-key' | 'target-key' | 'copy-key';

export interface KeyRequirement {
  /** What the run does with the key, for messages. */
  operation: string;
  required: readonly string[];
  recommended: readonly string[];
}

export const KEY_REQUIREMENTS: Record<KeyUse, KeyRequirement> = {
  'shared-key': {
    operation: 'the staging restore from the shared cluster snapshot (RestoreDBClusterFromSnapshot) or the staging copy of the shared DB snapshot (CopyDBSnapshot)',
    required: ['kms:DescribeKey', 'kms:CreateGrant', 'kms:Decrypt'],
    recommended: ['kms:ListGrants', 'kms:RevokeGrant']
  },
  'target-key': {
    operation: 'the staging restore (or staging copy) encrypting under the staging key',
    required: ['kms:DescribeKey', 'kms:CreateGrant', 'kms:GenerateDataKey'],
    recommended: ['kms:ListGrants', 'kms:RevokeGrant']
  },
  'copy-key': {
    operation: 'the production copy of the snapshot under the CMK (CopyDBClusterSnapshot / CopyDBSnapshot with KmsKeyId)',
    required: ['kms:DescribeKey', 'kms:CreateGrant', 'kms:GenerateDataKey'],
    recommended: ['kms:ListGrants', 'kms:RevokeGrant']
  }
};

/**
 * What `mode: policies` writes for a key user, next to the table above: AWS's
 * documented key-user statement for RDS (the RDS guide's cross-account key
 * policy) and its grants statement (kms:GrantIsForAWSResource). A superset of
 * every `required` list (a test holds it so); the blocking decision uses only
 * `required`, never these.
 */
export const KEY_USER_POLICY_ACTIONS = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey', 'kms:CreateGrant'] as const;
export const KEY_GRANT_POLICY_ACTIONS = ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'] as const;

/** The actions the preflight probe calls directly (DescribeKey, then CreateGrant). */
export const PROBE_ACTIONS = ['kms:DescribeKey', 'kms:CreateGrant'] as const;

/** What the probe calls to remove its grant again (the grantee retires it). */
export const PROBE_CLEANUP_ACTIONS = ['kms:RetireGrant'] as const;

/** What planning and preflight call to read a key: DescribeKey (needed), then its policy (to analyse it). */
export const KEY_READ_ACTIONS = ['kms:DescribeKey', 'kms:GetKeyPolicy'] as const;
export const KEY_POLICY_READ_ACTIONS = ['kms:GetKeyPolicy'] as const;

/** What RDS does with the shared key when the target restores from the shared snapshot: required, then recommended. */
export const RESTORE_REQUIREMENTS = [...KEY_REQUIREMENTS['shared-key'].required, ...KEY_REQUIREMENTS['shared-key'].recommended];

/** The request context of RDS acting for the principal in a region (grants are for an AWS resource). */
export function viaRds(principalArn: string, principalAccount: string, region: string): RequestContext {
  return { principalArn, principalAccount, viaService: `rds.${region}.amazonaws.com`, grantIsForAwsResource: true };
}

/** The request context of a direct call by the principal (the preflight probe). */
export function direct(principalArn: string, principalAccount: string): RequestContext {
  return { principalArn, principalAccount, grantIsForAwsResource: false };
}

export function analyzeKeyPolicy(policyText: string, keyArn: string, ctx: RequestContext, required: readonly string[] = RESTORE_REQUIREMENTS): KeyPolicyAnalysis {
  const policy = parseKeyPolicy(policyText);
  const keyAccount = /^arn:[^:]+:kms:[^:]*:(\d{12}):/.exec(keyArn)?.[1];
  const empty: KeyPolicyAnalysis = { results: [], allowed: [], missing: [], denied: [], undecided: [], needsIam: true, ok: false };
  if ('error' in policy) return { ...empty, parseError: policy.error };
  const results = required.flatMap(a => (ACTION_EXPANSION[a] ?? [a]).map(x => evaluateAction(policy, x, keyArn, ctx)));
  const pick = (d: Decision) => results.filter(r => r.decision === d).map(r => r.action);
  const allowed = pick('allow');
  const crossAccount = keyAccount !== ctx.principalAccount;
  return {
    results,
    allowed,
    missing: pick('no-allow'),
    denied: pick('deny'),
    undecided: pick('undecided'),
    needsIam: crossAccount || results.some(r => r.decision === 'allow' && r.grantedTo === 'account'),
    ok: allowed.length === results.length
  };
}

/** One line per action, for the job log and the annotation text. */
export function describeAnalysis(a: KeyPolicyAnalysis): string[] {
  if (a.parseError) return [`Key policy not analysed: ${a.parseError}.`];
  return a.results.map(r => {
    switch (r.decision) {
      case 'allow':
        return `${r.action}: allowed by ${r.statements.join(', ')}${r.grantedTo === 'account' ? " (to the account root: the role's IAM policy must allow it too)" : r.grantedTo === 'everyone' ? ' (to every principal matching its conditions)' : ''}`;
      case 'deny':
        return `${r.action}: DENIED by ${r.statements.join(', ')}`;
      case 'undecided':
        return `${r.action}: cannot be judged from the policy alone (${r.statements.join(', ')} depend on ${[...new Set(r.undecided)].join(', ')})`;
      default:
        return `${r.action}: no statement allows it${r.unmetConditions.length ? ` (conditions not met: ${r.unmetConditions.join('; ')})` : ''}`;
    }
  });
}

// ---------------------------------------------------------------------------
// The analysis of one key use: what blocks, how the key policy admits the
// principal (which decides whether its IAM policy must allow too), the Deny
// statements with their narrowed versions, near-miss principal names.

/** A Deny that applies to the principal, and the same statement narrowed to spare it. */
export interface DenyFinding {
  /** Sid in quotes, else #index (1-based). */
  label: string;
  /** 0-based position in the Statement list. */
  index: number;
  actions: string[];
  statement: PolicyStatement;
  /** The statement excluding the principal; undefined: remove the statement (it only names this principal). */
  narrowed?: PolicyStatement;
  /** How it was narrowed, in words. */
  how: string;
}

/** A statement names a principal close to the analysed one, but not it. */
export interface NearMiss {
  named: string;
  principal: string;
  statement: string;
  why: string;
}

/**
 * How the key policy admits the principal for every required action:
 * `principal` it names the principal (or `*` with met conditions): the key
 * policy alone decides within its account; `account` it names only the account
 * root or id: the principal's IAM policy must allow the actions on the key.
 */
export type Admission = 'principal' | 'account';

export interface KeyUseAnalysis extends KeyPolicyAnalysis {
  use: KeyUse;
  required: readonly string[];
  /** Recommended actions (ListGrants, RevokeGrant) the policy does not allow: a notice. */
  recommendedMissing: string[];
  /** Set when every required action is allowed. */
  admission?: Admission;
  /** True when the key is in another account than the principal: the IAM half is always needed. */
  crossAccount: boolean;
  denies: DenyFinding[];
  nearMisses: NearMiss[];
  /** Conditions (Operator key) the analysis could not judge, over the required actions. */
  undecidedConditions: string[];
  /** The parsed statements, for fixes that rewrite one. */
  policy?: ParsedPolicy;
}

function stripLabel(st: PolicyStatement & { label?: string; index?: number }): PolicyStatement {
  const { label: _l, index: _i, ...rest } = st;
  return rest;
}

const ACCOUNT_KEYS = ['aws:principalaccount', 'kms:calleraccount'];
const NEGATED_OPERATOR = /^(ForAnyValue:|ForAllValues:)?(StringNotEquals|StringNotEqualsIgnoreCase|StringNotLike|ArnNotEquals|ArnNotLike)(IfExists)?$/;

/** The Deny statement narrowed so that it no longer applies to `ctx`'s principal (never an Allow). */
export function narrowDeny(st: PolicyStatement, ctx: RequestContext): { narrowed?: PolicyStatement; how: string } {
  const root = `arn:aws:iam::${ctx.principalAccount}:root`;
  const copy = JSON.parse(JSON.stringify(stripLabel(st))) as PolicyStatement;
  if (copy.NotPrincipal !== undefined && copy.NotPrincipal !== '*') {
    const listed = asList(copy.NotPrincipal.AWS);
    const add = [root, ctx.principalArn, ...(ctx.sessionArn ? [ctx.sessionArn] : [])].filter(p => !listed.includes(p));
    copy.NotPrincipal = { ...copy.NotPrincipal, AWS: [...listed, ...add] };
    return { narrowed: copy, how: `added ${add.join(', ')} to its NotPrincipal (a role session is spared only when its account, its role and its session are all listed)` };
  }
  // A negated condition on the caller's account or ARN: add the principal's value to it.
  for (const [operator, block] of Object.entries(copy.Condition ?? {})) {
    if (!NEGATED_OPERATOR.test(operator)) continue;
    for (const [key, values] of Object.entries(block ?? {})) {
      const k = key.toLowerCase();
      const value = ACCOUNT_KEYS.includes(k) ? ctx.principalAccount : k === 'aws:principalarn' ? ctx.principalArn : undefined;
      if (!value) continue;
      const list = asList(values as string | string[]).map(String);
      block[key] = [...list, value];
      return { narrowed: copy, how: `added ${value} to its ${operator} ${key} condition` };
    }
  }
  // A Principal naming the principal (or its account) explicitly: take it out.
  if (copy.Principal && copy.Principal !== '*' && copy.Principal.AWS !== undefined) {
    const listed = asList(copy.Principal.AWS);
    const keep = listed.filter(p => p !== ctx.principalArn && !sameRoleIgnoringPath(p, ctx.principalArn) && accountOf(p) !== ctx.principalAccount);
    if (keep.length === 0) return { narrowed: undefined, how: 'it names only this principal (or its account): remove the statement' };
    if (keep.length < listed.length) {
      copy.Principal = { ...copy.Principal, AWS: keep.length === 1 ? keep[0]! : keep };
      return { narrowed: copy, how: `removed ${listed.filter(p => !keep.includes(p)).join(', ')} from its Principal` };
    }
  }
  // Otherwise: except the principal by ARN.
  const cond = (copy.Condition ??= {});
  const block = (cond['ArnNotEquals'] ??= {});
  const existing = asList(block['aws:PrincipalArn'] as string | string[] | undefined).map(String);
  block['aws:PrincipalArn'] = [...existing, ctx.principalArn];
  return { narrowed: copy, how: `added the condition ArnNotEquals aws:PrincipalArn ${ctx.principalArn}, so the Deny no longer applies to it` };
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length]![b.length]!;
}

/** Why `named` looks like the principal without being it, or undefined. */
export function nearMissReason(named: string, principalArn: string): string | undefined {
  if (named === principalArn) return undefined;
  const target = iamName(principalArn);
  if (!target) return undefined;
  if (/^AROA[0-9A-Z]{12,}$/.test(named)) return `${named} is a role's unique id: KMS shows it in place of a role that was deleted; a role created again under the same name has a new id and is not admitted`;
  const n = iamName(named);
  if (!n || n.account !== target.account || n.type !== target.type) return undefined;
  if (n.name === target.name) return n.path && target.path && n.path !== target.path ? `same name under another path (${n.path} instead of ${target.path})` : undefined;
  const norm = (x: string) => x.toLowerCase().replace(/[-_]/g, '');
  if (norm(n.name) === norm(target.name)) return 'the same name ignoring case, hyphens and underscores';
  const dist = editDistance(n.name, target.name);
  if (dist <= 3) return `${dist} character${dist === 1 ? '' : 's'} apart`;
  return undefined;
}

function nearMissesIn(policy: ParsedPolicy, ctx: RequestContext): NearMiss[] {
  const out: NearMiss[] = [];
  for (const st of policy.statements) {
    if (st.Effect !== 'Allow') continue;
    const named = st.Principal && st.Principal !== '*' ? asList(st.Principal.AWS) : [];
    const inConditions = Object.values(st.Condition ?? {}).flatMap(block =>
      Object.entries(block ?? {})
        .filter(([k]) => k.toLowerCase() === 'aws:principalarn')
        .flatMap(([, v]) => asList(v as string | string[]).map(String))
    );
    for (const p of [...named, ...inConditions]) {
      const why = nearMissReason(p, ctx.principalArn);
      if (why && !out.some(m => m.named === p)) out.push({ named: p, principal: ctx.principalArn, statement: st.label, why });
    }
  }
  return out;
}

/** The analysis of one key use (KEY_REQUIREMENTS[use]) for one principal. */
export function analyzeKeyUse(policyText: string, keyArn: string, ctx: RequestContext, use: KeyUse): KeyUseAnalysis {
  const req = KEY_REQUIREMENTS[use];
  const base = analyzeKeyPolicy(policyText, keyArn, ctx, req.required);
  const keyAccount = /^arn:[^:]+:kms:[^:]*:(\d{12}):/.exec(keyArn)?.[1];
  const crossAccount = keyAccount !== ctx.principalAccount;
  const out: KeyUseAnalysis = {
    ...base,
    use,
    required: req.required,
    recommendedMissing: [],
    crossAccount,
    denies: [],
    nearMisses: [],
    undecidedConditions: [...new Set(base.results.flatMap(r => r.undecided))]
  };
  const policy = parseKeyPolicy(policyText);
  if ('error' in policy) return out;
  out.policy = policy;
  const recommended = analyzeKeyPolicy(policyText, keyArn, ctx, req.recommended);
  out.recommendedMissing = recommended.results.filter(r => r.decision === 'no-allow' || r.decision === 'deny').map(r => r.action);
  if (base.ok) out.admission = base.results.some(r => r.grantedTo === 'account') ? 'account' : 'principal';
  for (const r of base.results.filter(x => x.decision === 'deny')) {
    const st = policy.statements.find(x => x.label === r.statements[0]);
    if (!st) continue;
    const found = out.denies.find(d => d.index === st.index);
    if (found) {
      found.actions.push(r.action);
      continue;
    }
    const { narrowed, how } = narrowDeny(st, ctx);
    out.denies.push({ label: st.label, index: st.index, actions: [r.action], statement: stripLabel(st), narrowed, how });
  }
  if (!base.ok) out.nearMisses = nearMissesIn(policy, ctx);
  return out;
}

/** The key policy with Deny statements replaced by their narrowed versions (or removed): what the Deny fix produces. */
export function applyNarrowedDenies(policyText: string, denies: DenyFinding[]): string {
  const doc = JSON.parse(policyText) as { Statement: PolicyStatement | PolicyStatement[] };
  const list = asList(doc.Statement);
  const next = list.flatMap((st, i) => {
    const d = denies.find(x => x.index === i);
    if (!d) return [st];
    return d.narrowed ? [d.narrowed] : [];
  });
  return JSON.stringify({ ...doc, Statement: next }, null, 2);
}

/** Condition keys the analysis judges: everything else in a statement is undecidable before the call. */
const JUDGED_KEYS = new Set(['kms:calleraccount', 'aws:principalaccount', 'aws:principalarn', 'aws:principaltype', 'kms:viaservice', 'kms:grantisforawsresource']);

/**
 * The statement without the conditions that cannot be judged before the call
 * (aws:SourceIp, aws:SourceVpce, MFA, tags ...), scoped instead to RDS in the
 * region: what a principal using the key only through RDS can always meet.
 */
export function withoutUndecidableConditions(st: PolicyStatement, region: string): PolicyStatement {
  const copy = JSON.parse(JSON.stringify(stripLabel(st))) as PolicyStatement;
  const cond: NonNullable<PolicyStatement['Condition']> = {};
  for (const [op, block] of Object.entries(copy.Condition ?? {})) {
    const kept = Object.fromEntries(Object.entries(block ?? {}).filter(([k]) => JUDGED_KEYS.has(k.toLowerCase())));
    if (Object.keys(kept).length) cond[op] = kept;
  }
  cond['StringEquals'] = { ...(cond['StringEquals'] ?? {}), 'kms:ViaService': `rds.${region}.amazonaws.com` };
  copy.Condition = cond;
  return copy;
}
