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
  statements: Array<PolicyStatement & { label: string }>;
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
    statements.push({ ...st, label: st.Sid ? `"${st.Sid}"` : `#${i + 1}` });
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

/** Does a principal element name the caller? Returns how, or false. */
function principalMatch(element: PolicyStatement['Principal'], ctx: RequestContext): GrantedTo | false {
  if (element === undefined) return false;
  if (element === '*') return 'everyone';
  const aws = asList(element.AWS);
  let best: GrantedTo | false = false;
  for (const p of aws) {
    if (p === '*') best = 'everyone';
    else if (p === ctx.principalArn) return 'principal';
    else if (accountOf(p) === ctx.principalAccount && best === false) best = 'account';
  }
  return best;
}

function statementPrincipal(st: PolicyStatement, ctx: RequestContext): GrantedTo | false {
  if (st.NotPrincipal !== undefined) {
    // NotPrincipal: everyone except those listed (an account listed excludes all of its principals).
    return principalMatch(st.NotPrincipal, ctx) ? false : 'everyone';
  }
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
function conditionsHold(
  st: PolicyStatement,
  action: string,
  ctx: RequestContext
): { result: Tri; undecided: string[]; unmet: string[] } {
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
        else if (value === undefined)
          r = ifExists || setOp === 'ForAllValues:' ? true : NEGATED.test(base) ? true : false;
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

/** What RDS does with the shared key when the target restores from the shared snapshot. */
export const RESTORE_REQUIREMENTS = ['kms:Decrypt', 'kms:DescribeKey', 'kms:CreateGrant', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:ListGrants', 'kms:RevokeGrant'];

/** The request context of RDS acting for the principal in a region (grants are for an AWS resource). */
export function viaRds(principalArn: string, principalAccount: string, region: string): RequestContext {
  return { principalArn, principalAccount, viaService: `rds.${region}.amazonaws.com`, grantIsForAwsResource: true };
}

/** The request context of a direct call by the principal (the preflight probe). */
export function direct(principalArn: string, principalAccount: string): RequestContext {
  return { principalArn, principalAccount, grantIsForAwsResource: false };
}

export function analyzeKeyPolicy(
  policyText: string,
  keyArn: string,
  ctx: RequestContext,
  required: readonly string[] = RESTORE_REQUIREMENTS
): KeyPolicyAnalysis {
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
        return `${r.action}: allowed by ${r.statements.join(', ')}${r.grantedTo === 'account' ? ' (to the account root: the role\'s IAM policy must allow it too)' : r.grantedTo === 'everyone' ? ' (to every principal matching its conditions)' : ''}`;
      case 'deny':
        return `${r.action}: DENIED by ${r.statements.join(', ')}`;
      case 'undecided':
        return `${r.action}: cannot be judged from the policy alone (${r.statements.join(', ')} depend on ${[...new Set(r.undecided)].join(', ')})`;
      default:
        return `${r.action}: no statement allows it${r.unmetConditions.length ? ` (conditions not met: ${r.unmetConditions.join('; ')})` : ''}`;
    }
  });
}
