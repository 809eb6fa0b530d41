/**
 * Preflight: before anything is copied, check that KMS will say yes.
 *  1. the production snapshot's key (aws/rds can never be shared: kms-key-id must name a CMK);
 *  2. the shared CMK's key policy, analysed for the target role as RDS will call it,
 *     and probed with the target's own credentials (DescribeKey, a grant created and retired);
 *  3. the target key, the same way, for the target role;
 *  4. what was not checked (the roles' RDS permissions).
 * Findings go to the report; blocking problems are thrown together as one DiagnosedError.
 */
import * as core from '@actions/core';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { Account } from '../accounts';
import { describeKey, readKeyPolicy, type KeyPolicyRead } from '../aws/keys';
import type { Context } from '../context';
import { DiagnosedError } from '../errors';
import type { Diagnostic } from '../report';
import type { SourcePlan } from '../types';
import { awsRdsDiagnostic } from './aws-rds';
import { denyFixText, judgeKeyAccess, keyFixText, keyRemedy, remedyFacts, type KeyAccessInput, type KeyAccessVerdict, type KeyRemedy } from './key-access';
import { analyzeKeyPolicy, analyzeKeyUse, describeAnalysis, direct, KEY_REQUIREMENTS, PROBE_ACTIONS, viaRds, type KeyPolicyAnalysis } from './key-policy';
import { renderJson } from './policy-json';
import { policyParamsFromContext, sharedKeyPolicy, sourceRolePolicy, targetRolePolicy } from './policy-templates';
import { probeKey } from './probe';
import { checkTargetSecret } from '../steps/secret';
import type { SharedKeyPolicy } from '../plan/facts';

/**
 * `probe: false` (mode: plan): the key policies are read and analysed, nothing is
 * created: no CreateGrant. mode: preflight and sync probe.
 */
export async function preflight(ctx: Context, plan: SourcePlan, options: { probe?: boolean; sharedKeyPolicy?: SharedKeyPolicy } = {}): Promise<void> {
  const { report } = ctx;
  const probing = options.probe ?? ctx.settings.mode !== 'plan';
  const blocking: Diagnostic[] = [];
  const record = (ds: Diagnostic[], facts: Array<[string, string]> = []) => {
    for (const d of ds)
      if ((d.severity ?? 'error') === 'error') blocking.push(d);
      else notify(ctx, d);
    for (const [k, v] of facts) report.fact(k, v);
  };

  const sharedKey = await sharedKeyOf(ctx, plan, record);
  if (sharedKey) {
    // Planning already read this key's policy with the same role: analyse that text instead of asking KMS again.
    const known = options.sharedKeyPolicy?.keyArn === sharedKey ? options.sharedKeyPolicy : undefined;
    record(...(await checkSharedKey(ctx, sharedKey, plan.copy.needed, probing, known)));
  }
  record(...(await checkTargetKey(ctx, probing)));
  record(...(await checkTargetSecret(ctx)));
  notChecked(ctx, sharedKey);

  if (blocking.length > 0) throw new DiagnosedError(blocking);
  report.fact('Preflight', probing ? 'KMS access checked: nothing blocks the run' : 'Key policies analysed (mode: plan: no probe, no CreateGrant): nothing blocks the run');
}

type Recorder = (ds: Diagnostic[], facts?: Array<[string, string]>) => void;

/** Step 1: the production snapshot's key, and which key the shared snapshot will be under. */
async function sharedKeyOf(ctx: Context, plan: SourcePlan, record: Recorder): Promise<string | undefined> {
  const { settings, accounts } = ctx;
  const snap = plan.snapshot;
  const source = accounts.source;
  if (!snap.encrypted) {
    record([], [['Production snapshot', `${snap.identifier} is not encrypted: sharing needs no key`]]);
    return undefined;
  }
  let keyManager = snap.keyManager;
  // Planning described the key already; a plan without that answer asks KMS (a refusal leaves it open).
  if (!keyManager && snap.kmsKeyArn)
    keyManager = await describeKey(source.kms, snap.kmsKeyArn).then(
      k => k.keyManager,
      () => undefined
    );
  if (keyManager === 'AWS') {
    if (!settings.source.kmsKeyArn) {
      const p = policyParamsFromContext(ctx);
      record([
        {
          ...awsRdsDiagnostic({
            snapshot: snap.identifier,
            awsRdsKeyArn: snap.kmsKeyArn,
            sourceAccount: source.accountId,
            targetAccount: accounts.target.accountId,
            targetPrincipal: accounts.target.principalArn,
            region: settings.region,
            keyPolicy: sharedKeyPolicy(p)
          }),
          severity: 'error'
        }
      ]);
      return undefined;
    }
    record([
      {
        title: 'Production snapshot is under aws/rds: it will be copied under the CMK',
        message: `${snap.identifier} is encrypted under the AWS managed key, whose policy can never admit another account; the run copies it under ${settings.source.kmsKeyArn} before sharing.`,
        severity: 'notice'
      }
    ]);
  }
  if (plan.copy.needed) return plan.copy.kmsKeyArn;
  return plan.shared.kmsKeyArn ?? snap.kmsKeyArn;
}

/**
 * The key policy as the key owner reads it (or as planning already read it), with a
 * refusal explained instead of guessed.
 */
async function readPolicy(kms: KMSClient, keyArn: string, reader: string, known?: KeyPolicyRead): Promise<{ text?: string; unavailable?: string }> {
  const read = known ?? (await readKeyPolicy(kms, keyArn).catch((e: Error): KeyPolicyRead => ({ unreadable: 'Error', message: e.message })));
  if (read.policy) return { text: read.policy };
  if (!read.unreadable) return { unavailable: `GetKeyPolicy on ${keyArn} returned no policy` };
  return {
    unavailable: `GetKeyPolicy on ${keyArn} as ${reader} failed (${read.unreadable}${read.message ? `: ${read.message}` : ''}); allow kms:GetKeyPolicy on the key to get the analysis`
  };
}

type Findings = [Diagnostic[], Array<[string, string]>];

/** Step 2: the shared CMK, for the target role (and, when a copy is planned, for the source role). */
async function checkSharedKey(ctx: Context, keyArn: string, copyPlanned: boolean, probing: boolean, known?: KeyPolicyRead): Promise<Findings> {
  const remedy = keyRemedy(remedyFacts(ctx), keyArn, 'shared-key');
  const { verdict, policyText } = await judgeKey(ctx, 'shared', ctx.accounts.source, remedy, probing, 'Shared key policy analysis', known);
  const diagnostics = [...verdict.diagnostics];
  const facts = [...verdict.facts];
  if (copyPlanned && policyText) diagnostics.push(...checkSourceRole(ctx, keyArn, policyText));
  return [diagnostics, facts];
}

/**
 * Steps 2 and 3 alike: the key's owner reads its policy, which is analysed for
 * the target role as RDS calls the key and as the probe calls it directly; the
 * target role probes the key with its own credentials; judgeKeyAccess decides.
 * `analysisFact`: the report fact the RDS analysis is recorded under, if any;
 * `known`: the policy as planning read it, when it did.
 */
async function judgeKey(
  ctx: Context,
  purpose: KeyAccessInput['purpose'],
  owner: Account,
  remedy: KeyRemedy,
  probing: boolean,
  analysisFact?: string,
  known?: KeyPolicyRead
): Promise<{ verdict: KeyAccessVerdict; policyText?: string }> {
  const { target } = ctx.accounts;
  const { keyArn } = remedy;
  const policy = await readPolicy(owner.kms, keyArn, owner.principalArn, known);
  const rdsCtx = { ...viaRds(target.principalArn, target.accountId, ctx.settings.region), sessionArn: target.callerArn };
  const analysis = policy.text ? analyzeKeyUse(policy.text, keyArn, rdsCtx, purpose === 'shared' ? 'shared-key' : 'target-key') : undefined;
  const directAnalysis = policy.text ? analyzeKeyPolicy(policy.text, keyArn, { ...direct(target.principalArn, target.accountId), sessionArn: target.callerArn }, PROBE_ACTIONS) : undefined;
  if (analysis && analysisFact) ctx.report.fact(analysisFact, describeAnalysis(analysis).join('; '));
  const probe = probing ? await probeKey(target.kms, keyArn, target.principalArn) : undefined;
  // The key's state as its owner sees it, when the principal's own DescribeKey did not tell (refused, or not probed).
  const ownerKeyState =
    probe?.describe.ok === true
      ? undefined
      : await describeKey(owner.kms, keyArn).then(
          k => k.keyState,
          () => undefined
        );
  const verdict = judgeKeyAccess({
    purpose,
    analysis: usable(analysis),
    analysisUnavailable: unavailable(policy.unavailable, analysis),
    directAnalysis: usable(directAnalysis),
    probe,
    ownerKeyState,
    remedy
  });
  return { verdict, policyText: policy.text };
}

function usable<T extends KeyPolicyAnalysis>(a: T | undefined): T | undefined {
  return a && !a.parseError ? a : undefined;
}

function unavailable(why: string | undefined, a: KeyPolicyAnalysis | undefined): string | undefined {
  return why ?? (a?.parseError ? `The key policy could not be read: ${a.parseError}` : undefined);
}

/** The copy re-encrypts under the CMK as the source role: does the key policy let it (directly or through IAM)? */
function checkSourceRole(ctx: Context, keyArn: string, policyText: string): Diagnostic[] {
  const { source } = ctx.accounts;
  const a = analyzeKeyUse(policyText, keyArn, { ...viaRds(source.principalArn, source.accountId, ctx.settings.region), sessionArn: source.callerArn }, 'copy-key');
  if (a.parseError) return [];
  const remedy = keyRemedy(remedyFacts(ctx), keyArn, 'copy-key', { keyAccount: source.accountId, keyPolicyActions: a.missing });
  const out: Diagnostic[] = a.denies.map(d => ({
    title: `A Deny in the key policy of the shared key refuses the production copy (${d.actions.join(', ')})`,
    message: `Statement ${d.label} of the key policy of ${keyArn} (account ${source.accountId}) denies ${d.actions.join(', ')} to ${source.principalArn}, which ${KEY_REQUIREMENTS['copy-key'].operation} needs.`,
    fix: denyFixText(d, keyArn),
    severity: 'error' as const
  }));
  if (a.missing.length > 0)
    out.push({
      title: 'The production role cannot copy under the shared key',
      message: `The key policy of ${keyArn} (account ${source.accountId}) does not let ${source.principalArn} perform ${a.missing.join(', ')} through RDS, so the copy under this key would fail with KMSKeyNotAccessibleFault.\n${describeAnalysis(
        a
      )
        .map(l => `- ${l}`)
        .join('\n')}`,
      fix: keyFixText(remedy, 'key-policy'),
      severity: 'error'
    });
  if (out.length === 0 && a.admission === 'account')
    out.push({
      title: 'Production role: key access depends on its IAM policy (not checked)',
      message: `The key policy of ${keyArn} admits ${source.principalArn} through the account root, so the role's IAM policy decides whether the copy may use the key. It is not simulated (that needs iam:SimulatePrincipalPolicy).`,
      fix: keyFixText(remedy, 'iam'),
      severity: 'notice'
    });
  return out;
}

/** Step 3: the key the restore encrypts with, for the target role. */
async function checkTargetKey(ctx: Context, probing: boolean): Promise<Findings> {
  const { target } = ctx.accounts;
  const keyArn = ctx.settings.target.kmsKeyArn;
  if (!keyArn) return [[], [['Target key', `aws/rds of account ${target.accountId} (target-kms-key-id not set): usable by any principal of that account through RDS`]]];
  const remedy = keyRemedy(remedyFacts(ctx), keyArn, 'target-key', { keyAccount: target.accountId });
  const { verdict } = await judgeKey(ctx, 'target', target, remedy, probing);
  return [verdict.diagnostics, verdict.facts];
}

/**
 * Warnings are always annotations. Notices (what is fine, or only partly checked) are annotations in
 * `mode: preflight`, where they are the point; in a nightly sync they go to the log and the summary,
 * so that a healthy run shows no annotations.
 */
function notify(ctx: Context, d: Diagnostic): void {
  if (d.severity !== 'notice' || ctx.settings.mode === 'preflight') {
    ctx.report.diagnose(d);
    return;
  }
  core.info(`${d.title}: ${d.message}`);
  ctx.report.fact(d.title, d.message);
}

/** Step 4: say what preflight did not check, and (in mode: preflight) what the roles need. */
function notChecked(ctx: Context, sharedKey: string | undefined): void {
  const p = policyParamsFromContext(ctx, sharedKey);
  const full = ctx.settings.mode === 'preflight';
  notify(ctx, {
    title: "Not checked: the roles' RDS permissions",
    message:
      `Preflight proves KMS access with real calls, but does not simulate the IAM policies of ${ctx.accounts.source.principalArn} and ${ctx.accounts.target.principalArn} ` +
      '(that needs iam:SimulatePrincipalPolicy, which the action does not call). Describe calls already succeeded while planning; ' +
      'the snapshot, copy, share, restore, instance, rename and delete permissions are only exercised by the run itself. mode: policies prints the policies each role needs.',
    fix: full ? `IAM policy for ${ctx.accounts.source.principalArn}:\n${renderJson(sourceRolePolicy(p))}\n\nIAM policy for ${ctx.accounts.target.principalArn}:\n${renderJson(targetRolePolicy(p))}` : undefined,
    severity: 'notice'
  });
}
