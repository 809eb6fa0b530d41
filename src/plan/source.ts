/**
 * The source side's plan: which production snapshot, whether it must be copied
 * under a CMK first (and why), and what is shared. Pure: `decideSource` takes
 * the facts aws/source-facts.ts read (SourceFacts) and the settings; the
 * decisions inside (`decideCopy`, `keyAdmitsTarget`) are tested from tables.
 */
import { DiagnosedError } from '../errors';
import type { Diagnostic } from '../report';
import { snapshotArnOf, TDE_OPTION_NAMES } from '../rds-rules';
import type { Settings } from '../settings';
import type { DbKind, SourcePlan, SourceSnapshot } from '../types';
import type { OptionInfo } from '../aws/snapshots';
import { awsRdsDiagnostic } from '../diagnostics/aws-rds';
import { judgeKeyAccess, keyRemedy } from '../diagnostics/key-access';
import { analyzeKeyUse, KEY_REQUIREMENTS, viaRds, type KeyUseAnalysis } from '../diagnostics/key-policy';
import type { PolicyDocument } from '../diagnostics/policy-json';
import { sharedKeyPolicy as newCmkKeyPolicy } from '../diagnostics/policy-templates';
import type { SharedKeyPolicy, SourceFacts } from './facts';
import { copySnapshotIdentifier, isSharedWith } from './naming';
import { chooseSnapshot, judgeExistingCopy, requireDatabase } from './snapshot';
import { kindProfile } from '../kinds';

// ---------------------------------------------------------------------------
// Does a key policy admit the staging principal? The one analyser
// (src/diagnostics/key-policy.ts) with the one table of required actions
// (KEY_REQUIREMENTS['shared-key']): the planner, preflight and the fault
// explainers can never disagree about the same policy text.

export interface KeyAdmission {
  /** No required action is missing or denied (an undecided condition is left to preflight's probe). */
  admitted: boolean;
  /** Required actions no Allow statement grants, or a Deny takes away. */
  missing: string[];
  /** Set when the policy is not JSON. */
  invalid?: boolean;
  analysis: KeyUseAnalysis;
}

/** Whether the key policy lets the staging principal (through RDS) use the key for the restore or the staging copy. Pure. */
export function keyAdmitsTarget(policyJson: string, keyArn: string, accountId: string, principalArn: string, region: string, sessionArn?: string): KeyAdmission {
  const analysis = analyzeKeyUse(policyJson, keyArn, { ...viaRds(principalArn, accountId, region), ...(sessionArn ? { sessionArn } : {}) }, 'shared-key');
  if (analysis.parseError) return { admitted: false, missing: [...KEY_REQUIREMENTS['shared-key'].required], invalid: true, analysis };
  const missing = [...analysis.denied, ...analysis.missing];
  return { admitted: missing.length === 0, missing, analysis };
}

// ---------------------------------------------------------------------------
// Copy or not: the pure decision

export interface CopyFacts {
  /** automated (and AWS Backup) snapshots cannot be shared; `new` is a manual snapshot under the cluster's key. */
  type: SourceSnapshot['type'];
  encrypted: boolean;
  /** The snapshot's key ARN. */
  keyArn?: string;
  keyManager?: 'AWS' | 'CUSTOMER';
  /** Whether that key's policy admits the staging account; undefined when the policy could not be read. */
  keyAdmitsTarget?: boolean;
  /** kms-key-id: the CMK a copy is made under. */
  configuredKeyArn?: string;
  targetAccountId: string;
  sourceAccountId: string;
  region: string;
  /** Aurora cluster (default) or RDS DB instance: only what is said about an unencrypted snapshot differs. */
  kind?: DbKind;
  /** The staging principal (named in the aws/rds diagnostic). */
  targetPrincipalArn?: string;
  /** The complete key policy of a new CMK (sharedKeyPolicy): what the aws/rds diagnostic carries. */
  newKeyPolicy?: PolicyDocument;
  /** Snapshot identifier, for the aws/rds diagnostic. */
  snapshotIdentifier?: string;
  /** When the key does not admit the target: the analyser's findings (Deny to narrow, missing statements, near misses). */
  keyFindings?: Diagnostic[];
}

export type CopyDecision =
  | { outcome: 'share-as-is'; reason: string; keyArn?: string; notes: string[] }
  | { outcome: 'copy'; reason: string; keyArn?: string; notes: string[] }
  | { outcome: 'refuse'; diagnostic: Diagnostic; also?: Diagnostic[] };

const AUTOMATED_REASON = 'automated snapshots cannot be shared';

export function decideCopy(f: CopyFacts): CopyDecision {
  const automated = f.type === 'automated';
  const notes: string[] = [];
  const createKeyFix =
    `Create a symmetric customer managed key in account ${f.sourceAccountId}, region ${f.region}, whose key policy admits account ${f.targetAccountId} ` +
    `(run this action with 'mode: policies' to print that key policy), and set 'kms-key-id' to its ARN (arn:aws:kms:${f.region}:${f.sourceAccountId}:key/...).`;

  if (!f.encrypted) {
    const note = kindProfile(f.kind ?? 'cluster').can.encryptOnCopy
      ? 'The production snapshot is not encrypted' +
        (f.configuredKeyArn ? ', so kms-key-id is not used' : '') +
        '. It is shared unencrypted; with target-kms-key-id set, the staging account copies it under that key before the restore (the restored instance is encrypted), without it the staging instance stays unencrypted. ' +
        'To encrypt production itself, copy a snapshot with a KMS key and restore a new instance from it.'
      : 'The production snapshot is not encrypted, and an Aurora snapshot copy cannot encrypt it (CopyDBClusterSnapshot rejects a KMS key for an unencrypted snapshot)' +
        (f.configuredKeyArn ? ', so kms-key-id is not used' : '') +
        ". It is shared unencrypted; the staging restore encrypts it under target-kms-key-id (or staging's aws/rds). " +
        'To encrypt production itself, restore a snapshot into a new cluster with a KMS key and move the application to it.';
    notes.push(note);
    return automated
      ? { outcome: 'copy', reason: `${AUTOMATED_REASON}: a manual, unencrypted copy is shared`, keyArn: undefined, notes }
      : { outcome: 'share-as-is', reason: 'a manual, unencrypted snapshot can be shared as it is', keyArn: undefined, notes };
  }

  if (f.keyManager === 'AWS') {
    const why = `encrypted under the AWS managed key aws/rds, whose key policy can never admit another account${automated ? `, and ${AUTOMATED_REASON}` : ''}`;
    if (!f.configuredKeyArn) {
      if (f.newKeyPolicy)
        return {
          outcome: 'refuse',
          diagnostic: awsRdsDiagnostic({
            snapshot: f.snapshotIdentifier ?? 'The production snapshot',
            awsRdsKeyArn: f.keyArn,
            sourceAccount: f.sourceAccountId,
            targetAccount: f.targetAccountId,
            targetPrincipal: f.targetPrincipalArn,
            region: f.region,
            keyPolicy: f.newKeyPolicy
          })
        };
      return {
        outcome: 'refuse',
        diagnostic: {
          title: 'A customer managed key (kms-key-id) is needed',
          message: `The production snapshot is ${why}. It must be copied under a customer managed key (CMK) that admits account ${f.targetAccountId}, and 'kms-key-id' is empty.`,
          fix: createKeyFix
        }
      };
    }
    return { outcome: 'copy', reason: why, keyArn: f.configuredKeyArn, notes };
  }

  // A customer managed key.
  const key = f.keyArn ?? '(unknown key)';
  const sameKey = f.configuredKeyArn !== undefined && f.configuredKeyArn === f.keyArn;
  const otherConfigured = f.configuredKeyArn !== undefined && !sameKey ? f.configuredKeyArn : undefined;

  if (f.keyAdmitsTarget === false) {
    const why = `its CMK ${key} does not admit account ${f.targetAccountId}${automated ? `, and ${AUTOMATED_REASON}` : ''}`;
    if (otherConfigured) return { outcome: 'copy', reason: why, keyArn: otherConfigured, notes };
    if (f.keyFindings?.length && !sameKey) {
      const [first, ...rest] = f.keyFindings;
      return { outcome: 'refuse', diagnostic: first!, also: rest };
    }
    return {
      outcome: 'refuse',
      diagnostic: {
        title: "The snapshot's key does not admit the staging account",
        message: `The production snapshot is encrypted under ${key}, whose key policy does not let account ${f.targetAccountId} use it (${KEY_REQUIREMENTS['shared-key'].required.join(', ')})${sameKey ? '; kms-key-id names that same key, so a copy would not help' : ''}.`,
        fix: `Add the staging account to that key's policy ('mode: policies' prints the statements), or ${createKeyFix.charAt(0).toLowerCase()}${createKeyFix.slice(1)}`
      },
      ...(f.keyFindings?.length ? { also: f.keyFindings } : {})
    };
  }

  if (f.keyAdmitsTarget === undefined) {
    if (otherConfigured) {
      return {
        outcome: 'copy',
        reason: `${automated ? `${AUTOMATED_REASON}; ` : ''}the policy of the snapshot's CMK ${key} could not be read to confirm it admits account ${f.targetAccountId}, so the copy is made under kms-key-id`,
        keyArn: otherConfigured,
        notes
      };
    }
    notes.push(
      `The policy of ${key} could not be read (kms:GetKeyPolicy): assuming it admits account ${f.targetAccountId}. If the staging restore fails with KMSKeyNotAccessibleFault, add the staging account to the key policy ('mode: policies').`
    );
  } else if (otherConfigured && !automated) {
    notes.push(`kms-key-id (${otherConfigured}) is not needed: the snapshot is already under a CMK that admits account ${f.targetAccountId}.`);
  }

  if (automated) return { outcome: 'copy', reason: AUTOMATED_REASON, keyArn: otherConfigured ?? f.keyArn, notes };
  return {
    outcome: 'share-as-is',
    reason: `a manual snapshot under CMK ${key}, which admits account ${f.targetAccountId}: no copy needed`,
    keyArn: f.keyArn,
    notes
  };
}

// ---------------------------------------------------------------------------
// Option groups: what makes an RDS DB snapshot unshareable (pure)

export interface OptionGroupFacts {
  snapshot: string;
  engine: string;
  /** The snapshot's option group; absent for Aurora, or an instance without one. */
  optionGroup?: string;
  /** Its options; undefined when DescribeOptionGroups did not show the group. */
  options?: OptionInfo[];
  accountId: string;
  region: string;
}

export type ShareCheck = { shareable: true; note?: string } | { shareable: false; diagnostic: Diagnostic };

/**
 * RDS refuses to share (and the staging account could not restore) a DB
 * snapshot whose option group has permanent or persistent options, and an
 * Oracle or SQL Server snapshot encrypted with TDE. Decided before any copy.
 */
export function optionGroupShareCheck(f: OptionGroupFacts): ShareCheck {
  if (!f.optionGroup) return { shareable: true };
  if (f.options === undefined)
    return {
      shareable: true,
      note: `The option group '${f.optionGroup}' of ${f.snapshot} could not be read (DescribeOptionGroups): if it has permanent or persistent options, sharing the snapshot fails.`
    };
  const tdeEngine = /^(oracle|sqlserver)/.test(f.engine);
  const tde = f.options.filter(o => tdeEngine && TDE_OPTION_NAMES.includes(o.name.toUpperCase()));
  const sticky = f.options.filter(o => o.permanent || o.persistent);
  if (tde.length === 0 && sticky.length === 0) return { shareable: true };
  const describe = (o: OptionInfo) => `${o.name} (${[o.permanent ? 'permanent' : '', o.persistent ? 'persistent' : '', tde.includes(o) ? 'TDE' : ''].filter(Boolean).join(', ')})`;
  const listed = [...new Set([...tde, ...sticky])].map(describe).join(', ');
  return {
    shareable: false,
    diagnostic: {
      title: 'This DB snapshot cannot be shared: its option group has permanent or persistent options',
      message:
        `Snapshot ${f.snapshot} (${f.engine}) carries option group '${f.optionGroup}' with ${listed}. ` +
        'RDS does not share a DB snapshot whose option group has a permanent or persistent option' +
        (tde.length ? ', nor an Oracle or SQL Server snapshot encrypted with Transparent Data Encryption' : '') +
        ': the option ties the data to the production account. Nothing was copied or shared.',
      fix:
        (tde.length
          ? 'A TDE-encrypted database cannot be refreshed across accounts from a snapshot: export the data instead (Data Pump for Oracle, native backup to S3 for SQL Server) and import it into staging.'
          : `Refresh from a snapshot of a database without these options: options that are persistent (not permanent) can be removed from the option group of production (aws rds remove-option-from-option-group --region ${f.region} --option-group-name ${f.optionGroup} --options <name> --apply-immediately), after which new snapshots can be shared; permanent options can never be removed, so such a database needs a logical export and import instead.`) +
        `\n  aws rds describe-option-groups --region ${f.region} --option-group-name ${f.optionGroup} --query 'OptionGroupsList[0].Options[].[OptionName,Permanent,Persistent]'`
    }
  };
}

// ---------------------------------------------------------------------------
// The plan: pure, from the facts aws/source-facts.ts read

type SourceSettings = Pick<Settings, 'snapshot' | 'source' | 'region'>;

/** The production database must exist, the snapshot input names one available snapshot, and (RDS DB instances) its option group lets it be shared. */
export function sourceSnapshotOf(f: SourceFacts, settings: SourceSettings): { snapshot: SourceSnapshot; notes: string[] } {
  const adapter = { kind: f.kind };
  const db = requireDatabase(adapter, f.database, settings.source.identifier, f.scope);
  const snapshot = chooseSnapshot(adapter, settings.snapshot, db, f.candidates, f.scope);
  const notes: string[] = [];
  if (kindProfile(f.kind).can.optionGroups && snapshot.optionGroup) {
    const check = optionGroupShareCheck({
      snapshot: snapshot.identifier,
      engine: snapshot.engine,
      optionGroup: snapshot.optionGroup,
      options: f.optionGroupOptions,
      accountId: f.scope.accountId,
      region: f.scope.region
    });
    if (!check.shareable) throw new DiagnosedError(check.diagnostic);
    if (check.note) notes.push(check.note);
  }
  if (f.key) snapshot.keyManager = f.key.keyManager;
  return { snapshot, notes };
}

/** Copy or share as it is, with the notes so far; a refusal is thrown. */
export function copyPlanOf(f: SourceFacts, settings: SourceSettings): { snapshot: SourceSnapshot; decision: Exclude<CopyDecision, { outcome: 'refuse' }>; notes: string[] } {
  const { snapshot, notes: optionNotes } = sourceSnapshotOf(f, settings);
  const key = f.key;
  const admission =
    key && key.policy !== undefined && key.keyManager === 'CUSTOMER' ? keyAdmitsTarget(key.policy, key.arn, f.target.accountId, f.target.principalArn, f.scope.region, f.target.callerArn) : undefined;
  const decision = decideCopy({
    type: snapshot.type,
    encrypted: snapshot.encrypted,
    keyArn: key?.arn ?? snapshot.kmsKeyArn,
    keyManager: key?.keyManager,
    keyAdmitsTarget: key?.keyManager === 'AWS' ? false : admission?.admitted,
    configuredKeyArn: settings.source.kmsKeyArn,
    targetAccountId: f.target.accountId,
    sourceAccountId: f.scope.accountId,
    region: f.scope.region,
    kind: f.kind,
    targetPrincipalArn: f.target.principalArn,
    newKeyPolicy: newCmkKeyPolicy(f.policyParams),
    snapshotIdentifier: snapshot.identifier,
    keyFindings: admission && !admission.admitted && key ? keyFindings(f, key.arn, admission.analysis) : undefined
  });
  if (decision.outcome === 'refuse') throw new DiagnosedError([decision.diagnostic, ...(decision.also ?? [])]);
  return { snapshot, decision, notes: [...optionNotes, ...decision.notes] };
}

/** The whole source plan from the facts: pure. */
export function decideSource(f: SourceFacts, settings: SourceSettings): SourcePlan {
  const { snapshot, decision, notes } = copyPlanOf(f, settings);
  const target = f.target;
  if (decision.outcome === 'share-as-is') {
    const alreadyShared = snapshot.type === 'new' ? false : isSharedWith(f.sharedWith ?? [], target.accountId);
    return {
      snapshot,
      copy: { needed: false, reason: decision.reason },
      shared: { identifier: snapshot.identifier, arn: snapshot.arn, kmsKeyArn: decision.keyArn, alreadyShared, accountId: target.accountId },
      ...(notes.length ? { notes } : {})
    };
  }

  // A copy: check the configured CMK's policy where readable (a warning only: preflight decides), and resume an earlier copy.
  const read = f.configuredKeyPolicy;
  if (decision.keyArn && read?.policy !== undefined) {
    const admission = keyAdmitsTarget(read.policy, decision.keyArn, target.accountId, target.principalArn, f.scope.region, target.callerArn);
    if (!admission.admitted)
      notes.push(
        `kms-key-id's key policy does not seem to grant account ${target.accountId} ${admission.missing.join(', ')}; the staging restore will fail unless it does ('mode: policies' prints the statements).`
      );
  }
  const identifier = copySnapshotIdentifier(snapshot.identifier);
  const existing = f.existingCopy;
  if (existing) {
    const verdict = judgeExistingCopy(existing, { identifier, sourceIdentifier: snapshot.identifier, kmsKeyArn: decision.keyArn, region: f.scope.region, kind: f.kind });
    if ('refuse' in verdict) throw new DiagnosedError(verdict.refuse);
  }
  const alreadyShared = existing?.status === 'available' ? isSharedWith(f.copySharedWith ?? [], target.accountId) : false;
  return {
    snapshot,
    copy: {
      needed: true,
      reason: decision.reason,
      identifier,
      kmsKeyArn: decision.keyArn ?? '',
      ...(existing ? { existing: { status: existing.status, percent: existing.percent } } : {})
    },
    shared: {
      identifier,
      arn: existing?.arn || snapshotArnOf(f.kind, f.scope.region, f.scope.accountId, identifier, f.scope.partition),
      kmsKeyArn: decision.keyArn,
      alreadyShared,
      accountId: target.accountId
    },
    ...(notes.length ? { notes } : {})
  };
}

/** The policy of the key the shared snapshot ends under, as planning read it (preflight analyses the same text). */
export function sharedKeyPolicyOf(f: SourceFacts, plan: SourcePlan, settings: Pick<Settings, 'source'>): SharedKeyPolicy | undefined {
  const key = f.key;
  const keyArn = plan.copy.needed ? plan.copy.kmsKeyArn || undefined : plan.shared.kmsKeyArn;
  if (key && keyArn === key.arn && key.keyManager === 'CUSTOMER') return { keyArn: key.arn, policy: key.policy, unreadable: key.policyUnreadable, message: key.policyUnreadableMessage };
  if (plan.copy.needed && keyArn && keyArn === settings.source.kmsKeyArn && f.configuredKeyPolicy) return { keyArn, ...f.configuredKeyPolicy };
  return undefined;
}

/** The analyser's blocking findings for the snapshot's key, exactly as preflight words them (no probe: planning creates nothing). */
function keyFindings(f: SourceFacts, keyArn: string, analysis: KeyUseAnalysis): Diagnostic[] {
  const verdict = judgeKeyAccess({
    purpose: 'shared',
    analysis,
    remedy: keyRemedy(f.remedyFacts, keyArn, 'shared-key', { keyAccount: f.scope.accountId })
  });
  return verdict.diagnostics.filter(d => d.severity === 'error');
}

/** Whether the snapshot the staging account receives is encrypted: a copy is under its key (or none), else as the source is. */
export function sharedEncrypted(plan: Pick<SourcePlan, 'copy' | 'snapshot'>): boolean {
  return plan.copy.needed ? Boolean(plan.copy.kmsKeyArn) : plan.snapshot.encrypted;
}

/** Human lines for `mode: plan`: what `sync` would do with the source side, nothing changed. */
export function describeSourcePlan(plan: SourcePlan): string[] {
  const s = plan.snapshot;
  const keyText = !s.encrypted
    ? 'unencrypted'
    : `encrypted under ${s.kmsKeyArn ?? 'an unknown key'}${s.keyManager === 'AWS' ? ' (AWS managed aws/rds)' : s.keyManager === 'CUSTOMER' ? ' (customer managed)' : ''}`;
  const lines: string[] = [];
  if (s.type === 'new') {
    lines.push(`Source snapshot: take a new manual snapshot '${s.identifier}' and wait for it (${s.engine}${s.engineVersion ? ` ${s.engineVersion}` : ''}, ${keyText})`);
  } else {
    lines.push(`Source snapshot: '${s.identifier}' (${s.type}, ${s.status}${s.createdAt ? `, taken ${s.createdAt}` : ''}, ${s.engine}${s.engineVersion ? ` ${s.engineVersion}` : ''}, ${keyText})`);
  }
  const c = plan.copy;
  if (c.needed) {
    const under = c.kmsKeyArn ? `under ${c.kmsKeyArn}` : 'unencrypted';
    lines.push(
      c.existing
        ? `Copy: yes, ${c.reason}; resume the existing copy '${c.identifier}' (${c.existing.status}${c.existing.percent !== undefined ? `, ${c.existing.percent}%` : ''}) ${under}, no new copy`
        : `Copy: yes, ${c.reason}; copy to '${c.identifier}' ${under}`
    );
  } else {
    lines.push(`Copy: no, ${c.reason}`);
  }
  const to = plan.shared.accountId ? `account ${plan.shared.accountId}` : 'the staging account';
  lines.push(
    plan.shared.alreadyShared
      ? `Share: '${plan.shared.identifier}' is already shared with ${to} (${plan.shared.arn})`
      : `Share: '${plan.shared.identifier}' with ${to} (restore attribute), restored by ARN ${plan.shared.arn}`
  );
  for (const n of plan.notes ?? []) lines.push(`Note: ${n}`);
  return lines;
}
