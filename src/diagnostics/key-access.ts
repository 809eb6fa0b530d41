/**
 * The verdict on one key for one principal: what the key-policy analysis says,
 * what the probe against the real KMS found, and how the two explain each
 * other. Pure: it turns (analysis, probe, remediation) into diagnostics.
 *
 * Which half is missing is decided from the analysis and the probe, never from
 * the wording of AWS's refusal: the key policy admits the principal itself, or
 * only its account (then its IAM policy decides), or not at all; a probe call the
 * key policy would allow but KMS refused means the IAM half is missing.
 */
import type { Context } from '../context';
import type { Diagnostic } from '../report';
import { isFaultCode } from '../errors';
import { parseArn } from '../rds-rules';
import { describeAnalysis, KEY_GRANT_POLICY_ACTIONS, KEY_REQUIREMENTS, withoutUndecidableConditions, type DenyFinding, type KeyPolicyAnalysis, type KeyUse, type KeyUseAnalysis } from './key-policy';
import { policyDocument, renderJson, type PolicyStatement } from './policy-json';
import { toTerraformJsonencode } from './policy-templates';
import { secretKeyIamStatement, secretKeyPolicyStatement } from './secret-policy';
import type { CallOutcome, KeyProbe } from './probe';

export type MissingSide = 'key-policy' | 'iam' | 'both' | 'key-state';

export interface KeyRemedy {
  keyArn: string;
  keyAccount: string;
  /** Statements to add to the key policy. */
  keyPolicy: PolicyStatement[];
  principalArn: string;
  principalAccount: string;
  /** Statements to add to the principal's IAM policy. */
  iam: PolicyStatement[];
}

/** A role as a remedy names it. */
export interface RemedyPrincipal {
  principalArn: string;
  accountId: string;
}

/** What a remedy needs to know about the run: both roles and the region (the run's accounts, or the settings' facts). */
export interface RemedyFacts {
  source: RemedyPrincipal;
  target: RemedyPrincipal;
  region: string;
}

/** What a key is used for: one of KEY_REQUIREMENTS' uses, or the staging secret's key (used through Secrets Manager). */
export type RemedyUse = KeyUse | 'secret-key';

export interface RemedyOptions {
  /** The principal refused, when not the use's own (the production role for copy-key, else the staging role). */
  principal?: RemedyPrincipal;
  /** The key's account, when the ARN does not tell (an alias or a placeholder). */
  keyAccount?: string;
  /** Only these actions in the key policy statements (what the analysis found missing); default the use's required actions. */
  keyPolicyActions?: readonly string[];
  /** The IAM statement's resource when the key ARN is not known (a key/* pattern); default the key ARN. */
  iamResource?: string;
}

/** The run's facts a remedy needs: both roles as the accounts resolved them, and the region. */
export function remedyFacts(ctx: Pick<Context, 'accounts' | 'settings'>): RemedyFacts {
  return { source: ctx.accounts.source, target: ctx.accounts.target, region: ctx.settings.region };
}

const REMEDY_SID: Record<KeyUse, string> = { 'copy-key': 'Production', 'shared-key': 'Staging', 'target-key': 'StagingRole' };

/** The one way to build a KeyRemedy: the statements a role needs in a key's policy and its IAM policy for one use of the key. */
export function keyRemedy(facts: RemedyFacts, keyArn: string, use: RemedyUse, o: RemedyOptions = {}): KeyRemedy {
  const principal = o.principal ?? (use === 'copy-key' ? facts.source : facts.target);
  // A secret's key is the staging account's own; another key's account is in its ARN.
  const keyAccount = o.keyAccount ?? (use === 'secret-key' ? facts.target.accountId : (parseArn(keyArn)?.accountId ?? (use === 'target-key' ? facts.target : facts.source).accountId));
  const resource = o.iamResource ?? keyArn;
  const base = { keyArn, keyAccount, principalArn: principal.principalArn, principalAccount: principal.accountId };
  if (use === 'secret-key') return { ...base, keyPolicy: [secretKeyPolicyStatement(principal.principalArn, facts.region)], iam: [secretKeyIamStatement(resource, facts.region)] };
  const required = KEY_REQUIREMENTS[use].required;
  return {
    ...base,
    keyPolicy: keyPolicyStatementsFor(principal.principalArn, o.keyPolicyActions ?? required, REMEDY_SID[use]),
    iam: iamStatementsFor(resource, required)
  };
}

/** The fix text every KMS diagnostic shows: the exact statements, with the real ARNs. */
export function keyFixText(r: KeyRemedy, sides: MissingSide): string {
  const parts: string[] = [];
  if (sides === 'key-policy' || sides === 'both')
    parts.push(`Add to the key policy of ${r.keyArn} (account ${r.keyAccount}), keeping its existing statements (aws kms get-key-policy / put-key-policy --policy-name default):`, renderJson(r.keyPolicy));
  if (sides === 'iam' || sides === 'both') parts.push(iamFixText(r.principalArn, r.principalAccount, r.iam));
  if (sides === 'both' && r.keyAccount !== r.principalAccount)
    parts.push("Across accounts KMS needs both: the key policy must name the principal (or its account) and the principal's own IAM policy must allow the same actions on the key ARN.");
  return parts.join('\n\n');
}

/** The IAM fix: the statements as JSON, and the same as Terraform (aws_iam_role_policy, or aws_iam_user_policy for a user). */
export function iamFixText(principalArn: string, principalAccount: string, statements: PolicyStatement[]): string {
  const m = /:(role|user)\/(?:.*\/)?([^/]+)$/.exec(principalArn);
  const kind = m?.[1] === 'user' ? 'user' : 'role';
  const name = m?.[2] ?? '<role name>';
  const doc = policyDocument(statements);
  return [
    `Add to the IAM policy of ${principalArn} (account ${principalAccount}):`,
    renderJson(doc),
    `Terraform (in account ${principalAccount}):`,
    `resource "aws_iam_${kind}_policy" "rds_cross_account_sync_kms" {\n  name   = "rds-cross-account-sync-kms"\n  ${kind}   = "${name}"\n  policy = ${toTerraformJsonencode(doc, '  ').replace(/\n/g, '\n  ')}\n}`
  ].join('\n\n');
}

const GRANT_ONLY = new Set<string>(KEY_GRANT_POLICY_ACTIONS);

/**
 * Least privilege: the key-policy statements that allow exactly `actions` to
 * `principal`: grant operations only for AWS resources (RDS), the rest plain.
 */
export function keyPolicyStatementsFor(principal: string, actions: readonly string[], who: string): PolicyStatement[] {
  const use = actions.filter(a => !GRANT_ONLY.has(a));
  const grants = actions.filter(a => GRANT_ONLY.has(a));
  const out: PolicyStatement[] = [];
  if (use.length) out.push({ Sid: `Allow${who}UseOfTheKey`, Effect: 'Allow', Principal: { AWS: principal }, Action: use.length === 1 ? use[0]! : [...use], Resource: '*' });
  if (grants.length)
    out.push({
      Sid: `Allow${who}AttachmentOfPersistentResources`,
      Effect: 'Allow',
      Principal: { AWS: principal },
      Action: grants.length === 1 ? grants[0]! : [...grants],
      Resource: '*',
      Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } }
    });
  return out;
}

/** Least privilege: the IAM statement that allows exactly `actions` on one key ARN. */
export function iamStatementsFor(keyArn: string, actions: readonly string[]): PolicyStatement[] {
  return [{ Sid: 'RdsCrossAccountSyncKeyUse', Effect: 'Allow', Action: [...actions], Resource: keyArn }];
}

/** The Deny fix: the statement as it is, and narrowed (or removed); never an Allow. */
export function denyFixText(d: DenyFinding, keyArn: string): string {
  return [
    `Change statement ${d.label} (statement #${d.index + 1}) of the key policy of ${keyArn}: an Allow can never override a Deny, so the Deny itself must stop applying. It ${d.how}.`,
    `Now:\n${renderJson(d.statement)}`,
    d.narrowed ? `Narrowed:\n${renderJson(d.narrowed)}` : 'Remove the statement.',
    'Apply with aws kms get-key-policy --policy-name default, edit that statement, then aws kms put-key-policy --policy-name default --policy file://policy.json.'
  ].join('\n\n');
}

export interface KeyAccessInput {
  /** 'shared': the CMK the shared snapshot is encrypted under; 'target': the key the restore encrypts with. */
  purpose: 'shared' | 'target';
  /** What RDS needs (analysis in the RDS request context); absent when the key policy could not be read. */
  analysis?: KeyUseAnalysis;
  /** Why there is no analysis (e.g. GetKeyPolicy refused). */
  analysisUnavailable?: string;
  /** The same policy analysed for a direct call, which is what the probe makes. */
  directAnalysis?: KeyPolicyAnalysis;
  /** The probe; absent in mode: plan, which calls nothing that creates anything. */
  probe?: KeyProbe;
  /** KeyState as the key's owner reads it (DescribeKey in the key's account), when the principal's own DescribeKey did not answer. */
  ownerKeyState?: string;
  remedy: KeyRemedy;
}

export interface KeyAccessVerdict {
  status: 'ok' | 'blocked';
  /** The first blocking finding's side. */
  missing?: MissingSide;
  diagnostics: Diagnostic[];
  facts: Array<[string, string]>;
}

/** Conditions RDS satisfies but a direct call cannot: a refusal the probe expects. */
const RDS_ONLY_CONDITION = /kms:ViaService|kms:GrantIsForAWSResource/i;

function isRefused(o: CallOutcome): o is Extract<CallOutcome, { ok: false }> {
  return o.ok === false;
}

const KEY_STATE_CODES = ['DisabledException', 'KMSInvalidStateException'] as const;

function keyStateFix(keyArn: string, state: string): string {
  return /pending/i.test(state)
    ? `aws kms cancel-key-deletion --key-id ${keyArn}\naws kms enable-key --key-id ${keyArn}   # cancel-key-deletion leaves the key Disabled`
    : `aws kms enable-key --key-id ${keyArn}`;
}

export function judgeKeyAccess(input: KeyAccessInput): KeyAccessVerdict {
  const { probe, analysis, remedy } = input;
  const what = input.purpose === 'shared' ? 'shared snapshot key' : 'target key';
  const who = `${remedy.principalArn} (account ${remedy.principalAccount})`;
  const where = `key ${remedy.keyArn} (account ${remedy.keyAccount})`;
  const use = analysis?.use ?? (input.purpose === 'shared' ? 'shared-key' : 'target-key');
  const required = KEY_REQUIREMENTS[use].required;
  const diagnostics: Diagnostic[] = [];
  const facts: Array<[string, string]> = [];
  let missing: MissingSide | undefined;
  const analysisText = `\n\nKey policy analysis (as RDS will call it):\n${(analysis ? describeAnalysis(analysis) : [`Key policy not analysed: ${input.analysisUnavailable ?? 'not read'}.`])
    .map(l => `- ${l}`)
    .join('\n')}`;
  const error = (side: MissingSide, d: Omit<Diagnostic, 'severity'>) => {
    missing ??= side;
    diagnostics.push({ ...d, severity: 'error' });
  };
  const notice = (d: Omit<Diagnostic, 'severity'>, severity: 'notice' | 'warning' = 'notice') => diagnostics.push({ ...d, severity });
  const iamFix = iamFixText(remedy.principalArn, remedy.principalAccount, iamStatementsFor(remedy.keyArn, required));
  const done = (): KeyAccessVerdict => ({ status: missing ? 'blocked' : 'ok', ...(missing ? { missing } : {}), diagnostics, facts });

  // 1. The key itself, as the principal sees it.
  const d = probe?.describe;
  let stateBlocked = false;
  if (d && isRefused(d) && isFaultCode(d.code, 'NotFoundException')) {
    error('key-state', {
      title: `The ${what} does not exist`,
      message: `KMS answered NotFoundException for DescribeKey on ${where} as ${who}: the ARN is wrong, or the key is in another region than the snapshot. ${d.message}`
    });
    return done();
  }
  const keyState = d?.ok === true ? d.keyState : input.ownerKeyState;
  if (keyState && keyState !== 'Enabled') {
    stateBlocked = true;
    error('key-state', {
      title: `The ${what} is ${keyState}`,
      message: `${where} is ${keyState}; RDS can only use an Enabled key. The rest of the key's analysis follows, so one run shows everything that blocks.`,
      fix: keyStateFix(remedy.keyArn, keyState)
    });
  }
  if (d?.ok === true) {
    if (input.purpose === 'shared' && d.keyManager === 'AWS') {
      error('key-policy', {
        title: 'The shared snapshot key is an AWS managed key',
        message: `${where} is an AWS managed key (aws/rds). Its key policy can never be changed, so ${who} can never use it. Set kms-key-id to a customer managed key (CMK) whose policy admits the target.`
      });
      return done();
    }
    facts.push([`${input.purpose === 'shared' ? 'Shared' : 'Target'} key visible to the target role`, `${remedy.keyArn} (${d.keyState ?? 'state unknown'})`]);
  }
  const g = probe?.grant;
  if (g && isRefused(g) && isFaultCode(g.code, KEY_STATE_CODES) && !stateBlocked) {
    stateBlocked = true;
    error('key-state', {
      title: `The ${what} is not usable (${g.code})`,
      message: `The probe grant on ${where} as ${who} failed with ${g.code}: ${g.message}. The key is disabled or pending deletion.`,
      fix: `aws kms describe-key --key-id ${remedy.keyArn}\n${keyStateFix(remedy.keyArn, isFaultCode(g.code, 'KMSInvalidStateException') ? 'PendingDeletion' : 'Disabled')}`
    });
  }

  // 2. The key policy, from the analysis: Deny statements, missing statements, near misses.
  const proven = new Set<string>();
  if (d?.ok === true) proven.add('kms:DescribeKey');
  if (g?.ok === true) proven.add('kms:CreateGrant');
  if (analysis) {
    for (const deny of analysis.denies)
      error('key-policy', {
        title: `A Deny in the key policy of the ${what} refuses ${deny.actions.join(', ')}`,
        message: `Statement ${deny.label} of the key policy of ${where} denies ${deny.actions.join(', ')} to ${who}. ${KEY_REQUIREMENTS[use].operation} needs them. The statement:\n${renderJson(deny.statement)}${analysisText}`,
        fix: denyFixText(deny, remedy.keyArn)
      });
    const notAllowed = analysis.missing.filter(a => !proven.has(a));
    if (notAllowed.length > 0) {
      const near = analysis.nearMisses.map(m => `- The key policy names ${m.named} (statement ${m.statement}), the role is ${m.principal}: ${m.why}.`);
      const statements = keyPolicyStatementsFor(remedy.principalArn, notAllowed, input.purpose === 'shared' ? 'Staging' : 'StagingRole');
      error('key-policy', {
        title: near.length
          ? `The key policy of the ${what} names a principal close to ${remedy.principalArn}, not it`
          : `Key policy of the ${what} does not admit ${remedy.principalArn} for ${notAllowed.join(', ')}`,
        message:
          `The key policy of ${where} has no statement that lets ${who} perform ${notAllowed.join(', ')} through RDS, which ${KEY_REQUIREMENTS[use].operation} needs; it would fail with KMSKeyNotAccessibleFault.` +
          (near.length ? `\n${near.join('\n')}` : '') +
          (analysis.crossAccount
            ? `\nAcross accounts the IAM policy of ${remedy.principalArn} must allow the same actions on ${remedy.keyArn} too; the probe checks it once the key policy admits the role.`
            : '') +
          analysisText,
        fix: (near.length ? `Name ${remedy.principalArn} in the key policy (correct the near-miss ARN), or add:\n\n` : '') + keyFixText({ ...remedy, keyPolicy: statements }, 'key-policy')
      });
    }
    const contradicted = [...analysis.missing, ...analysis.denied].filter(a => proven.has(a));
    if (contradicted.length > 0)
      notice(
        {
          title: `KMS allowed what the key policy analysis did not find (${what})`,
          message: `The probe succeeded for ${contradicted.join(', ')} on ${where} although no key policy statement seems to allow it: a grant or a statement form the analysis does not read may give it. AWS decided; the run goes on.`
        },
        'warning'
      );
    if (analysis.recommendedMissing.length > 0)
      notice({
        title: `Key policy of the ${what}: ${analysis.recommendedMissing.join(', ')} not allowed (not needed by this run)`,
        message: `AWS's documented key policy for RDS also gives ${analysis.recommendedMissing.join(', ')} (with kms:GrantIsForAWSResource) so that RDS can list and revoke its grants; ${KEY_REQUIREMENTS[use].operation} does not call them, so nothing blocks.`,
        fix: `Optional, in the key policy of ${remedy.keyArn}:\n${renderJson(keyPolicyStatementsFor(remedy.principalArn, analysis.recommendedMissing, input.purpose === 'shared' ? 'Staging' : 'StagingRole'))}`
      });
  } else if (!stateBlocked) {
    notice(
      {
        title: `Key policy of the ${what} not analysed`,
        message: `${input.analysisUnavailable ?? 'The key policy could not be read'}. ${g?.ok === true ? `The probe against KMS decided instead: DescribeKey and CreateGrant work for ${remedy.principalArn}. ` : ''}${required.filter(a => !proven.has(a)).join(', ')} through RDS are not checked.`,
        fix: keyFixText({ ...remedy, keyPolicy: keyPolicyStatementsFor(remedy.principalArn, required, 'Staging'), iam: iamStatementsFor(remedy.keyArn, required) }, 'both')
      },
      'warning'
    );
  }

  // 3. The IAM half, from the probe: needed across accounts, or when the key policy admits only the account.
  let undecidedReported = false;
  const iamRefused: Array<{ call: string; action: string; statements: string[]; viaAccount: boolean; message: string }> = [];
  const keyPolicyAdmits = analysis ? analysis.missing.length === 0 && analysis.denied.length === 0 : undefined;
  const iamNeeded = analysis ? analysis.crossAccount || analysis.admission === 'account' || analysis.undecided.length > 0 : true;
  for (const [call, action, outcome] of [
    ['DescribeKey', 'kms:DescribeKey', d],
    ['CreateGrant', 'kms:CreateGrant', g]
  ] as const) {
    if (!outcome || !isRefused(outcome) || isFaultCode(outcome.code, [...KEY_STATE_CODES, 'NotFoundException'])) continue;
    if (!isFaultCode(outcome.code, 'AccessDeniedException')) {
      error('both', { title: `KMS refused ${call} on the ${what}`, message: `The probe ${call} on ${where} as ${who} failed with ${outcome.code}: ${outcome.message}` });
      continue;
    }
    const direct = input.directAnalysis?.results.find(r => r.action === action);
    if (keyPolicyAdmits === false && analysis && (analysis.missing.includes(action) || analysis.denied.includes(action))) continue; // explained above
    if (direct?.decision === 'allow') {
      iamRefused.push({ call, action, statements: direct.statements, viaAccount: direct.grantedTo === 'account', message: outcome.message });
      continue;
    }
    if (direct?.decision === 'undecided') {
      if (undecidedReported) continue;
      undecidedReported = true;
      const region = /^arn:[^:]+:kms:([^:]+):/.exec(remedy.keyArn)?.[1] ?? '<region>';
      const rewritten = (analysis?.policy?.statements ?? [])
        .filter(st => direct.statements.includes(st.label) && st.Effect === 'Allow')
        .map(st => `Replace statement ${st.label} (statement #${st.index + 1}) with:\n${renderJson(withoutUndecidableConditions(st, region))}`);
      error('both', {
        title: `KMS refused ${call} on the ${what}: likely the condition ${[...new Set(direct.undecided)].join(', ')}`,
        message: `The key policy statements ${direct.statements.join(', ')} that would admit ${who} depend on ${[...new Set(direct.undecided)].join(', ')}, which cannot be judged before the call. The probe decided, and KMS refused ${call} on ${where}: that condition is the likely cause (the runner calls from outside what it allows), else the role's IAM policy.${analysisText}`,
        fix: [
          `Either make the runner meet that condition, or scope the statement to RDS instead (RDS calls KMS on the role's behalf, so kms:ViaService always holds for the restore):`,
          ...rewritten,
          `If the condition is met and KMS still refuses, the IAM half is missing:\n\n${iamFix}`
        ].join('\n\n')
      });
      continue;
    }
    if (direct?.decision === 'no-allow' && direct.unmetConditions.length > 0 && direct.unmetConditions.every(c => RDS_ONLY_CONDITION.test(c))) {
      const viaRds = analysis?.results.find(r => r.action === action);
      notice({
        title: `Probe ${call} refused as expected on the ${what}`,
        message: `The key policy of ${where} lets ${who} use the key only through RDS (${direct.unmetConditions.join('; ')}), so the probe's direct ${call} was refused, while RDS's call will be allowed by ${viaRds?.statements.join(', ') ?? 'the same statements'}. The IAM half of ${action} is therefore not proven.`,
        fix: iamFix
      });
      continue;
    }
    if (!analysis)
      error('both', {
        title: `KMS refused ${call} on the ${what}`,
        message: `The probe ${call} on ${where} as ${who} was refused and the key policy could not be read, so which half refuses is not known: the key policy must admit the role (or its account) and, across accounts, the role's IAM policy must allow ${required.join(', ')} on the key ARN.`,
        fix: keyFixText({ ...remedy, keyPolicy: keyPolicyStatementsFor(remedy.principalArn, required, 'Staging'), iam: iamStatementsFor(remedy.keyArn, required) }, 'both')
      });
  }

  if (iamRefused.length > 0) {
    const actions = iamRefused.map(r => r.action);
    error('iam', {
      title: `The IAM policy of ${remedy.principalArn} does not allow ${actions.join(', ')} on the ${what}`,
      message: `KMS refused the probe's ${iamRefused.map(r => r.call).join(' and ')} on ${where} as ${who}, while the key policy admits it (${[...new Set(iamRefused.flatMap(r => r.statements))].join(', ')}${
        iamRefused.some(r => r.viaAccount) ? ', through the account root' : ''
      }). So the role's own IAM side is the missing half: ${
        analysis?.crossAccount
          ? "across accounts KMS needs both the key policy and the caller's IAM policy."
          : iamRefused.some(r => r.viaAccount)
            ? 'the key policy names only the account, which delegates to IAM.'
            : 'the key policy names the role itself, so an explicit Deny in its IAM policies, a permissions boundary or a service control policy refused it.'
      } (KMS said: "${iamRefused[0]!.message}"; its wording does not decide the side.)${analysisText}`,
      fix: iamFix
    });
  }

  // 4. Undecided conditions: name them, say who decided.
  if (analysis && analysis.undecidedConditions.length > 0) {
    const refused = [d, g].some(o => o && isRefused(o));
    if (!refused)
      notice(
        {
          title: `Key policy conditions not judged (${what})`,
          message: `Whether ${who} may perform ${analysis.undecided.join(', ')} on ${where} depends on ${analysis.undecidedConditions.join(', ')}, which cannot be judged before the call. ${
            probe ? 'The probe decided: KMS allowed DescribeKey and CreateGrant' : 'mode: plan does not probe; mode: preflight lets KMS decide'
          }; the restore decides for the rest.`
        },
        'warning'
      );
  }

  // 5. What the probe proved, and what it leaves to the run.
  if (g?.ok === true && probe) {
    facts.push([`Grant probe on the ${what}`, `created and ${probe.cleanup.ok === true ? 'retired' : 'NOT retired'} by ${remedy.principalArn}`]);
    if (isRefused(probe.cleanup))
      notice(
        {
          title: 'Preflight grant left on the key',
          message: `The probe grant ${probe.grantId} on ${where} could not be retired or revoked (${probe.cleanup.code}: ${probe.cleanup.message}). It allows only Decrypt and DescribeKey to ${remedy.principalArn}. The next run's preflight retires it: its probe asks for the same grant (same name, grantee and operations), and KMS answers with this grant's id.`,
          fix: `aws kms revoke-grant --key-id ${remedy.keyArn} --grant-id ${probe.grantId}`
        },
        'warning'
      );
  }
  if (!missing && analysis && keyPolicyAdmits && iamNeeded) {
    const unproven = required.filter(a => !proven.has(a));
    notice({
      title: probe ? `IAM side of the ${what} partly checked` : `IAM side of the ${what} not probed (mode: plan)`,
      message: `The key policy admits ${who}${analysis.admission === 'account' ? ' through its account root' : ''}, so its IAM policy must allow ${required.join(', ')} on ${remedy.keyArn}${analysis.crossAccount ? ' (across accounts KMS needs both)' : ''}. ${
        probe
          ? `The probe proved ${[...proven].join(' and ') || 'nothing'}; ${unproven.join(', ') || 'nothing else'} ${unproven.length ? 'is' : ''} left to the run`
          : 'mode: plan makes no CreateGrant; mode: preflight probes DescribeKey and CreateGrant'
      } (simulating IAM policies needs iam:SimulatePrincipalPolicy, which the action does not call).`,
      fix: iamFix
    });
  }
  if (!missing && analysis?.ok) facts.push([`Key policy of the ${what}`, `admits ${remedy.principalArn} for everything ${KEY_REQUIREMENTS[use].operation} needs`]);
  return done();
}
