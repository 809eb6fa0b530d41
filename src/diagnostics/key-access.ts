/**
 * The verdict on one key for one principal: what the key-policy analysis says,
 * what the probe against the real KMS found, and how the two explain each
 * other. Pure: it turns (analysis, probe, remediation) into diagnostics.
 */
import type { Diagnostic } from '../report';
import { describeAnalysis, type KeyPolicyAnalysis } from './key-policy';
import { renderJson, type PolicyStatement } from './policy-json';
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

/** The fix text every KMS diagnostic shows: the exact statements, with the real ARNs. */
export function keyFixText(r: KeyRemedy, sides: MissingSide): string {
  const parts: string[] = [];
  if (sides === 'key-policy' || sides === 'both')
    parts.push(
      `Add to the key policy of ${r.keyArn} (account ${r.keyAccount}), keeping its existing statements (aws kms get-key-policy / put-key-policy --policy-name default):`,
      renderJson(r.keyPolicy)
    );
  if (sides === 'iam' || sides === 'both')
    parts.push(`Add to the IAM policy of ${r.principalArn} (account ${r.principalAccount}):`, renderJson(r.iam));
  if (sides === 'both' && r.keyAccount !== r.principalAccount)
    parts.push('Across accounts KMS needs both: the key policy must name the principal (or its account) and the principal\'s own IAM policy must allow the same actions on the key ARN.');
  return parts.join('\n\n');
}

export interface KeyAccessInput {
  /** 'shared': the CMK the shared snapshot is encrypted under; 'target': the key the restore encrypts with. */
  purpose: 'shared' | 'target';
  /** What RDS needs (analysis in the RDS request context); absent when the key policy could not be read. */
  analysis?: KeyPolicyAnalysis;
  /** Why there is no analysis (e.g. GetKeyPolicy refused). */
  analysisUnavailable?: string;
  /** The same policy analysed for a direct call, which is what the probe makes. */
  directAnalysis?: KeyPolicyAnalysis;
  probe: KeyProbe;
  remedy: KeyRemedy;
}

export interface KeyAccessVerdict {
  status: 'ok' | 'blocked';
  missing?: MissingSide;
  diagnostics: Diagnostic[];
  facts: Array<[string, string]>;
}

/** Conditions RDS satisfies but a direct call cannot: a refusal the probe expects. */
const RDS_ONLY_CONDITION = /kms:ViaService|kms:GrantIsForAWSResource/i;

function isRefused(o: CallOutcome): o is Extract<CallOutcome, { ok: false }> {
  return o.ok === false;
}

/** Which side refused a probe call, from the message first, else from the analysis of a direct call. */
function refusingSide(o: Extract<CallOutcome, { ok: false }>, action: string, direct?: KeyPolicyAnalysis): MissingSide {
  if (o.refusal.side === 'identity') return 'iam';
  if (o.refusal.side === 'resource') return 'key-policy';
  const r = direct?.results.find(x => x.action === action);
  if (r?.decision === 'allow') return 'iam';
  if (r?.decision === 'no-allow' || r?.decision === 'deny') return 'key-policy';
  return 'both';
}

export function judgeKeyAccess(input: KeyAccessInput): KeyAccessVerdict {
  const { probe, analysis, remedy } = input;
  const what = input.purpose === 'shared' ? 'shared snapshot key' : 'target key';
  const who = `${remedy.principalArn} (account ${remedy.principalAccount})`;
  const where = `key ${remedy.keyArn} (account ${remedy.keyAccount})`;
  const diagnostics: Diagnostic[] = [];
  const facts: Array<[string, string]> = [];
  const analysisLines = analysis ? describeAnalysis(analysis) : [`Key policy not analysed: ${input.analysisUnavailable ?? 'not read'}.`];
  const block = (title: string, message: string, missing: MissingSide): KeyAccessVerdict => ({
    status: 'blocked',
    missing,
    diagnostics: [
      ...diagnostics,
      {
        title,
        message: `${message}\n\nKey policy analysis (as RDS will call it):\n${analysisLines.map(l => `- ${l}`).join('\n')}`,
        fix: missing === 'key-state' ? undefined : keyFixText(remedy, missing),
        severity: 'error'
      }
    ],
    facts
  });

  // 1. DescribeKey with the principal's own credentials.
  const d = probe.describe;
  if (isRefused(d)) {
    if (d.code === 'NotFoundException')
      return block(
        `The ${what} does not exist`,
        `KMS answered NotFoundException for DescribeKey on ${where} as ${who}: the ARN is wrong, or the key is in another region than the snapshot. ${d.message}`,
        'key-state'
      );
    const side = refusingSide(d, 'kms:DescribeKey', input.directAnalysis);
    const expected = refusedOnlyOutsideRds(input, 'kms:DescribeKey', side);
    if (!expected)
      return block(
        `KMS refused DescribeKey on the ${what}`,
        `${who} may not describe ${where} (${d.code}: ${d.message}). ${sideSentence(side)}`,
        side
      );
    diagnostics.push(expectedRefusal('DescribeKey', what, where, who, expected));
  }
  if (d.ok === true) {
    if (d.keyState && d.keyState !== 'Enabled')
      return block(`The ${what} is ${d.keyState}`, `${where} is ${d.keyState}; RDS can only use an Enabled key. Enable it (aws kms enable-key --key-id ${remedy.keyArn}) or cancel its deletion.`, 'key-state');
    if (input.purpose === 'shared' && d.keyManager === 'AWS')
      return block(
        'The shared snapshot key is an AWS managed key',
        `${where} is an AWS managed key (aws/rds). Its key policy can never be changed, so no other account can use it. Set kms-key-id to a customer managed key (CMK) whose policy admits the target.`,
        'key-policy'
      );
    facts.push([`${input.purpose === 'shared' ? 'Shared' : 'Target'} key visible to the target role`, `${remedy.keyArn} (${d.keyState ?? 'state unknown'})`]);
  }

  // 2. The grant probe.
  const g = probe.grant;
  let explainedRefusal = false;
  if (isRefused(g)) {
    if (g.code !== 'AccessDeniedException')
      return block(`KMS refused CreateGrant on the ${what}`, `The probe grant on ${where} as ${who} failed with ${g.code}: ${g.message}`, g.code.includes('State') || g.code === 'DisabledException' ? 'key-state' : 'both');
    const side = refusingSide(g, 'kms:CreateGrant', input.directAnalysis);
    const expected = refusedOnlyOutsideRds(input, 'kms:CreateGrant', side);
    if (!expected)
      return block(
        `KMS refused CreateGrant on the ${what}`,
        `The probe could not create a grant on ${where} as ${who} (${g.code}: ${g.message}). RDS creates such a grant when it restores. ${sideSentence(side)}`,
        side
      );
    explainedRefusal = true;
    diagnostics.push(expectedRefusal('CreateGrant', what, where, who, expected));
  } else if (g.ok === true) {
    facts.push([`Grant probe on the ${what}`, `created and ${probe.cleanup.ok === true ? 'retired' : 'NOT retired'} by ${remedy.principalArn}`]);
    if (isRefused(probe.cleanup))
      diagnostics.push({
        title: 'Preflight grant left on the key',
        message: `The probe grant ${probe.grantId} on ${where} could not be retired or revoked (${probe.cleanup.code}: ${probe.cleanup.message}). It allows only Decrypt and DescribeKey to ${remedy.principalArn}. The next run's preflight retires it: its probe asks for the same grant (same name, grantee and operations), and KMS answers with this grant's id.`,
        fix: `aws kms revoke-grant --key-id ${remedy.keyArn} --grant-id ${probe.grantId}`,
        severity: 'warning'
      });
  }

  // 3. What the analysis says about the rest (actions the probe does not exercise).
  if (analysis) {
    const proven = new Set<string>();
    if (d.ok === true) proven.add('kms:DescribeKey');
    if (g.ok === true) proven.add('kms:CreateGrant');
    const blocking = [...analysis.denied, ...analysis.missing].filter(a => !proven.has(a));
    if (blocking.length > 0)
      return block(
        `Key policy of the ${what} does not admit the target for ${blocking.join(', ')}`,
        `The key policy of ${where} does not let ${who} perform ${blocking.join(', ')} through RDS${analysis.denied.length ? ` (explicitly denied: ${analysis.denied.join(', ')})` : ''}. The restore would fail with KMSKeyNotAccessibleFault after the copy.`,
        analysis.denied.length > 0 || !analysis.needsIam ? 'key-policy' : 'both'
      );
    const contradicted = [...analysis.missing, ...analysis.denied].filter(a => proven.has(a));
    if (contradicted.length > 0)
      diagnostics.push({
        title: `KMS allowed what the key policy analysis did not find (${what})`,
        message: `The probe succeeded for ${contradicted.join(', ')} on ${where} although no key policy statement seems to allow it: a grant or a statement form the analysis does not read may give it. AWS decided; the run goes on.`,
        severity: 'warning'
      });
    if (analysis.undecided.length > 0)
      diagnostics.push({
        title: `Key policy conditions not judged (${what})`,
        message: `Whether ${who} may perform ${analysis.undecided.join(', ')} on ${where} depends on conditions that cannot be judged before the call (${[
          ...new Set(analysis.results.flatMap(r => r.undecided))
        ].join(', ')}). The probe ${g.ok === true ? 'passed for DescribeKey and CreateGrant' : 'did not settle it'}; the restore will tell for the rest.`,
        severity: 'warning'
      });
    if (analysis.needsIam && analysis.allowed.length > 0) {
      const provenText = [...proven].join(' and ') || 'nothing';
      diagnostics.push({
        title: `IAM side of the ${what} partly checked`,
        message: `The key policy admits ${who}${analysis.results.some(r => r.grantedTo === 'account') ? ' through its account root' : ''}, so its IAM policy must allow the same actions on ${remedy.keyArn}. The probe proved ${provenText}; Decrypt, ReEncrypt* and GenerateDataKey* are not checked (simulating IAM policies needs iam:SimulatePrincipalPolicy, which the action does not call).`,
        fix: keyFixText(remedy, 'iam'),
        severity: 'notice'
      });
    }
    if (analysis.ok) facts.push([`Key policy of the ${what}`, `admits ${remedy.principalArn} for everything RDS needs`]);
  } else {
    diagnostics.push({
      title: `Key policy of the ${what} not analysed`,
      message: `${input.analysisUnavailable ?? 'The key policy could not be read'}. ${explainedRefusal || g.ok === true ? 'The probe against KMS decided instead: DescribeKey and CreateGrant work for ' + remedy.principalArn + '.' : ''} Decrypt, ReEncrypt* and GenerateDataKey* through RDS are not checked.`,
      fix: keyFixText(remedy, 'both'),
      severity: 'warning'
    });
  }
  return { status: 'ok', diagnostics, facts };
}

/**
 * A direct call refused by the key policy only because of conditions RDS
 * satisfies (kms:ViaService, kms:GrantIsForAWSResource), while the analysis
 * of the RDS path allows the action: the probe could not pass, RDS will.
 */
function refusedOnlyOutsideRds(
  input: KeyAccessInput,
  action: string,
  side: MissingSide
): { unmet: string[]; allowedBy: string[] } | undefined {
  if (side !== 'key-policy' && side !== 'both') return undefined;
  const direct = input.directAnalysis?.results.find(r => r.action === action);
  const viaRds = input.analysis?.results.find(r => r.action === action);
  if (direct?.decision !== 'no-allow' || viaRds?.decision !== 'allow') return undefined;
  if (direct.unmetConditions.length === 0 || !direct.unmetConditions.every(c => RDS_ONLY_CONDITION.test(c))) return undefined;
  return { unmet: direct.unmetConditions, allowedBy: viaRds.statements };
}

function expectedRefusal(
  call: string,
  what: string,
  where: string,
  who: string,
  e: { unmet: string[]; allowedBy: string[] }
): Diagnostic {
  return {
    title: `Probe ${call} refused as expected on the ${what}`,
    message: `The key policy of ${where} lets ${who} use the key only through RDS (${e.unmet.join('; ')}), so the probe's direct ${call} was refused, while RDS's call will be allowed by ${e.allowedBy.join(', ')}.`,
    severity: 'notice'
  };
}

function sideSentence(side: MissingSide): string {
  switch (side) {
    case 'iam':
      return "The key policy is not what refused it: the role's own IAM policy does not allow the action on this key ARN.";
    case 'key-policy':
      return 'The key policy does not admit the role (or denies it).';
    case 'both':
      return 'AWS did not say which side refused: check both the key policy and the role\'s IAM policy.';
    default:
      return '';
  }
}
