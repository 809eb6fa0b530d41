/**
 * The one module that turns an AWS fault into annotated diagnostics: a title,
 * what happened (account, key, principal), and the fix, with the exact key
 * policy and IAM statements (real ARNs from the run) where KMS or IAM refused.
 */
import { CredentialsError, principalFromCaller } from '../accounts';
import { MANAGED_TAG, type Context } from '../context';
import { awsErrorCode, DiagnosedError, faultName, isFault, type FaultName } from '../errors';
import { kindProfile } from '../kinds';
import { parseArn, cliNouns } from '../rds-rules';
import type { Diagnostic } from '../report';
import type { DbKind } from '../types';
import { keyArnIn, parseRefusal } from './access-denied';
import { keyFixText, keyRemedy, remedyFacts } from './key-access';
import { renderJson, type PolicyStatement } from './policy-json';
import { githubOidcTrustPolicy, githubSubject, OIDC_PROVIDER_HOST, keyAdminStatement, policyParamsFromContext, sharedKeyPolicy, sharedKeyResource, type PolicyParams } from './policy-templates';

/**
 * What a step knows about a fault that the run's context does not: which call
 * failed, on which snapshot, in whose account. A step passes it to the one
 * explainer of the fault's code (explainedFault) instead of wording its own.
 */
export interface FaultScene {
  /** The AWS operation that failed (CopyDBClusterSnapshot). */
  operation?: string;
  /** The snapshot the call was about. */
  snapshot?: string;
  /** The database the call was about. */
  database?: string;
  kind?: DbKind;
  region?: string;
  /** The account the call ran in. */
  account?: string;
  /** The accounts the snapshot was already shared with. */
  sharedWith?: readonly string[];
  /** The account a share was to add. */
  addAccount?: string;
  /** The key the call used. */
  keyArn?: string;
  /** Whose role made the call: the production (source) or the staging (target) role. */
  side?: 'source' | 'target';
}

type Explainer = (e: Error, ctx: Context | undefined, scene: FaultScene) => Diagnostic[];

/** What an explainer returns: one diagnostic that fails the job. */
function blocking(d: Omit<Diagnostic, 'severity'>): Diagnostic[] {
  return [{ ...d, severity: 'error' }];
}

/** The one explainer of each fault (every spelling of it, see FAULTS). */
const byCode: Partial<Record<FaultName, Explainer>> = {
  KMSKeyNotAccessibleFault: kmsKeyNotAccessible,
  AccessDeniedException: accessDenied,
  MalformedPolicyDocumentException: malformedPolicy,
  InvalidDBClusterSnapshotStateFault: snapshotNotReady,
  SnapshotQuotaExceededFault: snapshotQuota,
  DBClusterSnapshotAlreadyExistsFault: snapshotExists,
  SharedSnapshotQuotaExceededFault: sharedQuota,
  InvalidDBClusterStateFault: clusterState,
  DBSnapshotAlreadyExistsFault: dbSnapshotExists,
  InvalidDBSnapshotStateFault: dbSnapshotNotReady,
  InvalidDBInstanceStateFault: instanceState,
  DBInstanceNotFoundFault: instanceNotFound,
  ExpiredToken: stsRefusal,
  ExpiredTokenException: stsRefusal,
  InvalidIdentityTokenException: stsRefusal,
  IDPRejectedClaimException: stsRefusal,
  RegionDisabledException: stsRefusal,
  NotFoundException: kmsKeyState,
  DisabledException: kmsKeyState,
  KMSInvalidStateException: kmsKeyState
};

/** A step's fault, explained by the one explainer of its code, with what the step knows about it. */
export function explainedFault(e: unknown, ctx: Context | undefined, scene: FaultScene): DiagnosedError {
  return new DiagnosedError(diagnoseError(e, ctx, scene));
}

export function diagnoseError(e: unknown, ctx: Context | undefined, scene: FaultScene = {}): Diagnostic[] {
  if (e instanceof DiagnosedError) return e.diagnostics;
  if (e instanceof CredentialsError) return credentials(e, ctx);
  const code = awsErrorCode(e);
  const err = e instanceof Error ? e : new Error(String(e));
  const name = faultName(code);
  const explain = name ? byCode[name] : undefined;
  if (explain) {
    const where = scene.operation ? `${scene.operation}${scene.snapshot ? ` on '${scene.snapshot}'` : ''} failed. ` : '';
    return explain(err, ctx, scene).map(d => ({ ...d, message: where + d.message }));
  }
  return blocking({
    title: code ? `AWS error ${code}` : `Unexpected error${err.name && err.name !== 'Error' ? `: ${err.name}` : ''}`,
    message: `${err.message || String(e)}${code ? ` (request id ${requestId(e) ?? 'unknown'})` : ''}`,
    fix: code
      ? `Look the code up in the AWS documentation of the failing operation; rerun with mode: preflight to check KMS access, and with the repository secret ACTIONS_STEP_DEBUG=true for the full log.`
      : 'Rerun with the repository secret ACTIONS_STEP_DEBUG=true for the full log; if it persists, report it with that log.'
  });
}

function requestId(e: unknown): string | undefined {
  return (e as { $metadata?: { requestId?: string } })?.$metadata?.requestId;
}

function params(ctx: Context | undefined, keyArn?: string): PolicyParams | undefined {
  if (!ctx?.accounts) return undefined;
  const shared = keyArn && keyArn !== ctx.settings.target.kmsKeyArn ? keyArn : undefined;
  return policyParamsFromContext(ctx, shared);
}

const NO_CONTEXT_FIX = 'Run the action with mode: policies (it needs no AWS call when the role ARNs are given) to print the key policy and IAM policies with your real ARNs.';

// ---------------------------------------------------------------------------
// KMS

function kmsKeyNotAccessible(e: Error, ctx: Context | undefined, scene: FaultScene): Diagnostic[] {
  const keyArn = scene.keyArn ?? keyArnIn(e.message) ?? ctx?.settings.source.kmsKeyArn;
  const p = params(ctx, keyArn);
  const header = `RDS answered KMSKeyNotAccessibleFault: ${e.message}`;
  if (!p || !ctx) return blocking({ title: 'KMS key not accessible', message: header, fix: NO_CONTEXT_FIX });
  const { source, target } = ctx.accounts;
  const facts = remedyFacts(ctx);
  const region = scene.region ?? ctx.settings.region;
  if (scene.side === 'source') {
    // The production role's own copy under the CMK (CopyDBClusterSnapshot / CopyDBSnapshot with KmsKeyId).
    const key = keyArn ?? '(the key named by kms-key-id)';
    const remedy = keyRemedy(facts, key, 'copy-key', { keyAccount: source.accountId, iamResource: keyArn ?? sharedKeyResource(p) });
    return blocking({
      title: 'KMS key not accessible: the production role cannot use the CMK',
      message: `${header}\nThe copy in account ${source.accountId} re-encrypts under ${key} as ${source.principalArn}: the key is disabled, pending deletion or in another region than ${region}, or the role may not use it.`,
      fix: `Check the key is enabled and in ${region}:\naws kms describe-key --key-id ${key}\n\nThen give ${source.principalArn} the key:\n\n${keyFixText(remedy, 'both')}\n\n(mode: policies prints the complete key policy.)`
    });
  }
  const isTargetKey = keyArn !== undefined && parseArn(keyArn)?.accountId === target.accountId;
  if (isTargetKey) {
    const remedy = keyRemedy(facts, keyArn, 'target-key', { keyAccount: target.accountId });
    return blocking({
      title: 'KMS key not accessible: the target key',
      message: `${header}\n${
        !kindProfile(ctx.settings.kind).can.restoreWithKey
          ? `The staging copy of the shared DB snapshot (CopyDBSnapshot in account ${target.accountId}) encrypts with ${keyArn}, and the instance restored from it (RestoreDBInstanceFromDBSnapshot) keeps that key`
          : `The restore in account ${target.accountId} encrypts with ${keyArn}`
      }, which ${target.principalArn} may not use (or it is disabled, or in another region).`,
      fix: keyFixText(remedy, 'both')
    });
  }
  const key = keyArn ?? '(the key named by kms-key-id)';
  const iamResource = keyArn ?? sharedKeyResource(p);
  const targetRemedy = keyRemedy(facts, key, 'shared-key', { keyAccount: source.accountId, iamResource });
  const sourceRemedy = keyRemedy(facts, key, 'copy-key', { keyAccount: source.accountId, iamResource });
  return blocking({
    title: 'KMS key not accessible: the shared snapshot key',
    message:
      `${header}\nKey ${key} (account ${source.accountId}); principal ${target.principalArn} (account ${target.accountId}). ` +
      'Causes, most common first: the snapshot is under the AWS managed key aws/rds, whose policy can never admit another account (set kms-key-id to a CMK); ' +
      `the CMK's key policy does not admit ${target.principalArn}; the target role's IAM policy does not allow the key (across accounts both are needed); ` +
      'the key was named by id or alias instead of its full ARN; the key is in another region than the snapshot. mode: preflight checks all of these before any copy.' +
      (!kindProfile(ctx.settings.kind).can.restoreWithKey
        ? `\nFor an RDS DB instance the staging account first copies the shared DB snapshot (CopyDBSnapshot with KmsKeyId ${ctx.settings.target.kmsKeyArn ?? 'aws/rds'}): that copy decrypts with this key as ${target.principalArn}, so it fails here when the key policy does not admit the staging role.`
        : ''),
    fix: keyFixText(targetRemedy, 'both') + `\n\nIf the failing call was the copy in the production account, ${source.principalArn} needs:\n\n` + keyFixText(sourceRemedy, 'iam')
  });
}

function accessDenied(e: Error, ctx: Context | undefined): Diagnostic[] {
  const r = parseRefusal(e.message);
  const action = r.action ?? 'the action';
  const service = r.action?.split(':')[0];
  const role = r.callerArn ? principalFromCaller(r.callerArn) : undefined;
  const account = role ? parseArn(role)?.accountId : undefined;
  // Which half refused is never decided from AWS's wording (KMS's messages name the resource-based policy even when IAM refused): preflight decides from the key policy analysis and its probe.
  const message = `${e.message}\nPrincipal ${role ?? 'unknown'}${account ? ` (account ${account})` : ''}, action ${action}, resource ${r.resource ?? 'unknown'}.${r.explicitDeny ? ' An explicit Deny refused it: narrow that Deny statement so that it no longer applies to this principal (an Allow never overrides a Deny).' : ''}`;

  if (service === 'kms' || (!service && awsErrorCode(e) === 'AccessDeniedException')) {
    const keyArn = r.resource && r.resource.includes(':kms:') ? r.resource : keyArnIn(e.message);
    const p = params(ctx, keyArn);
    if (!p || !ctx || !keyArn) return blocking({ title: `KMS refused ${action}`, message, fix: NO_CONTEXT_FIX });
    const keyAccount = parseArn(keyArn)?.accountId ?? ctx.accounts.source.accountId;
    const isSource = role === ctx.accounts.source.principalArn;
    const use = isSource ? 'copy-key' : keyAccount === ctx.accounts.target.accountId ? 'target-key' : 'shared-key';
    const principalAccount = account ?? ctx.accounts.target.accountId;
    const remedy = keyRemedy(remedyFacts(ctx), keyArn, use, { keyAccount, principal: { principalArn: role ?? ctx.accounts.target.principalArn, accountId: principalAccount } });
    return blocking({
      title: `KMS refused ${action} on ${keyArn}`,
      message: `${message}\nKMS needs both: the key policy of a key in account ${keyAccount} must admit the principal (or its account), and ${keyAccount === principalAccount ? 'when it names only the account root, ' : 'across accounts always, '}the principal's IAM policy must allow the action on the key ARN. Run mode: preflight: it reads the key policy and probes the key to tell which half is missing.`,
      fix: keyFixText(remedy, 'both')
    });
  }
  if (service === 'sts') return stsRefusal(e, ctx);
  const statement: PolicyStatement = { Effect: 'Allow', Action: r.action ?? '<action>', Resource: r.resource ?? '*' };
  return blocking({
    title: `Access denied: ${action}`,
    message,
    fix: `Add to the IAM policy of ${role ?? 'the role the action assumes'}${r.explicitDeny ? ' (and remove the Deny that matches it)' : ''}:\n${renderJson(statement)}\n\nmode: policies prints the complete least-privilege policy for each role.`
  });
}

function malformedPolicy(e: Error, ctx: Context | undefined): Diagnostic[] {
  const p = params(ctx);
  const lockout = /update the key policy in the future|lock|PutKeyPolicy/i.test(e.message);
  const invalidPrincipal = /invalid principal/i.test(e.message);
  const fixPolicy = p ? `\n\n${renderJson(sharedKeyPolicy(p))}` : '';
  if (invalidPrincipal)
    return blocking({
      title: 'Key policy names a principal that does not exist (yet)',
      message: `KMS answered MalformedPolicyDocumentException: ${e.message}\nKMS checks that every principal in a key policy exists when the policy is set. A role created moments ago may not be visible to KMS yet.`,
      fix: `Create the role first (target role ${ctx?.accounts.target.principalArn ?? 'ARN'}), wait a minute for IAM to propagate, then put the key policy again.${fixPolicy}`
    });
  return blocking({
    title: lockout ? 'Key policy would lock the key out (KMS safety check)' : 'Malformed key policy document',
    message: `KMS answered MalformedPolicyDocumentException: ${e.message}\n${
      lockout
        ? "KMS refuses a key policy that would stop the caller from ever changing it again: the policy must keep a statement that lets the key's account (root) or the calling administrator call kms:PutKeyPolicy."
        : 'The policy is not valid JSON or uses an element KMS does not accept.'
    }`,
    fix: p
      ? `Keep this statement in the key policy:\n${renderJson(keyAdminStatement(p))}\n\nThe complete key policy this action needs:${fixPolicy}`
      : `Keep a statement { "Effect": "Allow", "Principal": { "AWS": "arn:aws:iam::<key account>:root" }, "Action": "kms:*", "Resource": "*" }. ${NO_CONTEXT_FIX}`
  });
}

function kmsKeyState(e: Error, ctx: Context | undefined): Diagnostic[] {
  const keyArn = keyArnIn(e.message) ?? ctx?.settings.source.kmsKeyArn;
  const code = awsErrorCode(e);
  const what = isFault(e, 'NotFoundException') ? 'does not exist in this region (check the ARN and that the key is in aws-region)' : 'is disabled or pending deletion';
  return blocking({
    title: `KMS key ${isFault(e, 'NotFoundException') ? 'not found' : 'not usable'}`,
    message: `KMS answered ${code}: ${e.message}\nKey ${keyArn ?? 'unknown'} ${what}.`,
    fix: keyArn
      ? `aws kms describe-key --key-id ${keyArn}\naws kms enable-key --key-id ${keyArn}   # if disabled\naws kms cancel-key-deletion --key-id ${keyArn}   # if pending deletion`
      : 'Check kms-key-id and target-kms-key-id: full key ARNs in aws-region.'
  });
}

// ---------------------------------------------------------------------------
// RDS snapshot and cluster faults

function snapshotNotReady(e: Error): Diagnostic[] {
  return blocking({
    title: 'Snapshot not in a usable state',
    message: `RDS answered InvalidDBClusterSnapshotStateFault: ${e.message}\nThe snapshot is still being created or copied, or is being deleted: it must be 'available' before it can be copied, shared or restored.`,
    fix: 'Rerun the workflow: the action resumes its own copy and waits for it to become available. If another process is deleting the snapshot, pick another one with the snapshot input.'
  });
}

function snapshotQuota(e: Error, ctx: Context | undefined, scene: FaultScene): Diagnostic[] {
  const region = scene.region ?? ctx?.settings.region ?? '<region>';
  const instance = (scene.kind ?? ctx?.settings.kind) === 'instance';
  const noun = instance ? 'DB instance snapshots' : 'DB cluster snapshots';
  const holds = scene.account
    ? `Account ${scene.account} has as many manual ${noun} in ${region} as its quota allows (100 by default)`
    : `An account holds at most 100 manual ${noun} per region unless the quota was raised${ctx ? ` (accounts ${ctx.accounts.source.accountId} / ${ctx.accounts.target.accountId}, ${region})` : ''}`;
  return blocking({
    title: 'Manual snapshot quota reached',
    message: `RDS answered SnapshotQuotaExceeded: ${e.message}\n${holds}.${
      instance ? ' For an RDS DB instance the staging account holds a copy of the shared snapshot during the restore, so it counts there too.' : ''
    }`,
    fix:
      `Delete manual snapshots nobody needs (this action's own are tagged ${MANAGED_TAG}=true; lower retain-snapshots to keep fewer):\n` +
      (instance
        ? `aws rds describe-db-snapshots --snapshot-type manual --region ${region} --query "DBSnapshots[].[DBSnapshotIdentifier,SnapshotCreateTime]"\n` +
          `aws rds delete-db-snapshot --db-snapshot-identifier <old-snapshot> --region ${region}\n`
        : `aws rds describe-db-cluster-snapshots --snapshot-type manual --region ${region} --query "DBClusterSnapshots[].[DBClusterSnapshotIdentifier,SnapshotCreateTime]"\n` +
          `aws rds delete-db-cluster-snapshot --db-cluster-snapshot-identifier <old-snapshot> --region ${region}\n`) +
      `or request a higher "Manual ${noun}" quota in Service Quotas (Amazon RDS).`
  });
}

/**
 * A snapshot name the action wanted is taken by a snapshot that is not its own.
 * Cluster and DB snapshots differ only in what RDS calls them and where the
 * action makes copies; the recognition by tag is the same.
 */
function nameTaken(e: Error, scene: FaultScene, what: { title: string; code: string; copies: string; remove: string }): Diagnostic[] {
  const naming = takesSnapshot(scene)
    ? 'The action names the snapshot it takes after the database and the run, so a retried attempt finds its own snapshot and resumes; this one was not made by this run'
    : `The action names its copies ${what.copies}, so a rerun finds its own copy and resumes; this one was not recognised as the action's own`;
  return blocking({
    title: what.title,
    message: `RDS answered ${what.code}: ${e.message}\n${naming} (missing the ${MANAGED_TAG} tag, or made by another tool).`,
    fix: `${what.remove}, or choose another source snapshot with the snapshot input. Snapshots this action made carry the tag rds-cross-account-sync:managed and are reused.`
  });
}

/** Whether the failed call was the snapshot `snapshot: new` takes. */
function takesSnapshot(scene: FaultScene): boolean {
  return /^CreateDB(Cluster)?Snapshot$/.test(scene.operation ?? '');
}

/** Whether the failed call was a deletion: the step says so, or else RDS's message does. */
function isDeletion(scene: FaultScene, e: Error, inMessage: RegExp): boolean {
  return scene.operation ? scene.operation.startsWith('Delete') : inMessage.test(e.message);
}

const OR_LATEST = " or use 'snapshot: latest' to start from the newest existing snapshot";

function snapshotExists(e: Error, _ctx: Context | undefined, scene: FaultScene): Diagnostic[] {
  return nameTaken(e, scene, {
    title: 'A snapshot with that name already exists',
    code: 'DBClusterSnapshotAlreadyExistsFault',
    copies: 'after the source snapshot',
    remove: 'Delete or rename the snapshot named in the message if it is not needed'
  });
}

function sharedQuota(e: Error, ctx: Context | undefined, scene: FaultScene): Diagnostic[] {
  const region = scene.region ?? ctx?.settings.region ?? '<region>';
  const n = cliNouns((scene.kind ?? ctx?.settings.kind) === 'instance' ? 'instance' : 'cluster');
  const snapshot = scene.snapshot ?? '<snapshot>';
  const adding = scene.addAccount ?? ctx?.accounts.target.accountId;
  const already = scene.sharedWith?.length
    ? `${scene.snapshot ? `Snapshot '${scene.snapshot}'` : 'The snapshot'} is already shared with ${scene.sharedWith.length} accounts (${scene.sharedWith.join(', ')}); a`
    : 'A';
  return blocking({
    title: 'Snapshot shared with too many accounts',
    message: `RDS answered SharedSnapshotQuotaExceeded: ${e.message}\n${already} manual snapshot can be shared with at most 20 AWS accounts${adding ? `, so account ${adding} cannot be added` : ''}.`,
    fix:
      'Stop sharing it with accounts that no longer need it, then run again:\n' +
      `  aws rds describe-${n.snapshot}-attributes --region ${region} ${n.snapshotIdOption} ${snapshot}\n` +
      `  aws rds modify-${n.snapshot}-attribute --region ${region} ${n.snapshotIdOption} ${snapshot} --attribute-name restore --values-to-remove <account-id>`
  });
}

function clusterState(e: Error, ctx: Context | undefined, scene: FaultScene): Diagnostic[] {
  const deletion = isDeletion(scene, e, /delet|instance/i);
  return blocking({
    title: deletion ? 'Cluster cannot be deleted in its current state' : 'Cluster is not in a state for this operation',
    message: `RDS answered InvalidDBClusterStateFault: ${e.message}\n${
      deletion
        ? 'A cluster can only be deleted once it has no DB instances left, with deletion protection off, and either SkipFinalSnapshot or a unique FinalDBSnapshotIdentifier.'
        : 'The cluster is being created, modified, renamed or backed up; the operation must wait until it is available.'
    }`,
    fix: deletion
      ? `Delete the cluster's instances first and wait for them to be gone, turn deletion protection off, then delete:\n` +
        `aws rds modify-db-cluster --db-cluster-identifier <cluster> --no-deletion-protection --apply-immediately\n` +
        `aws rds delete-db-instance --db-instance-identifier <instance>\n` +
        `aws rds delete-db-cluster --db-cluster-identifier <cluster> --skip-final-snapshot\n` +
        `The action does this itself when it replaces ${ctx?.settings.target.identifier ?? 'the staging cluster'}; a rerun continues from where it stopped.`
      : `Rerun once the cluster is available (aws rds describe-db-clusters shows its Status)${takesSnapshot(scene) ? `,${OR_LATEST}` : ''}.`
  });
}

// RDS DB instance and DB snapshot faults

function dbSnapshotExists(e: Error, _ctx: Context | undefined, scene: FaultScene): Diagnostic[] {
  return nameTaken(e, scene, {
    title: 'A DB snapshot with that name already exists',
    code: 'DBSnapshotAlreadyExists',
    copies: '(in production, and the staging copy an RDS DB instance is restored from) after the snapshot they copy',
    remove: 'Delete or rename the DB snapshot named in the message if it is not needed (aws rds delete-db-snapshot --db-snapshot-identifier <name>)'
  });
}

function dbSnapshotNotReady(e: Error, ctx: Context | undefined): Diagnostic[] {
  const region = ctx?.settings.region ?? '<region>';
  return blocking({
    title: 'DB snapshot not in a usable state',
    message: `RDS answered InvalidDBSnapshotState: ${e.message}\nThe DB snapshot is still being created or copied, or is being deleted: it must be 'available' before it can be copied, shared or restored (an RDS DB instance is restored from the staging account's copy, which must finish copying first).`,
    fix: `Rerun the workflow: the action resumes its own copies and waits for them. To see where a snapshot is:\naws rds describe-db-snapshots --region ${region} --db-snapshot-identifier <snapshot> --query "DBSnapshots[0].[Status,PercentProgress]"`
  });
}

function instanceState(e: Error, ctx: Context | undefined, scene: FaultScene): Diagnostic[] {
  const target = scene.database ?? ctx?.settings.target.identifier ?? '<instance>';
  const deletion = isDeletion(scene, e, /delet/i);
  return blocking({
    title: deletion ? 'DB instance cannot be deleted in its current state' : 'DB instance is not in a state for this operation',
    message: `RDS answered InvalidDBInstanceState: ${e.message}\n${
      deletion
        ? 'An instance can be deleted once it is available (not creating, renaming, modifying or backing up), with deletion protection off, and with SkipFinalSnapshot or a unique FinalDBSnapshotIdentifier.'
        : 'The instance is being created, modified, renamed, backed up or having its master password reset; renames, password resets and snapshots wait until it is available.'
    }`,
    fix: deletion
      ? `aws rds modify-db-instance --db-instance-identifier <instance> --no-deletion-protection --apply-immediately\naws rds wait db-instance-available --db-instance-identifier <instance>\naws rds delete-db-instance --db-instance-identifier <instance> --skip-final-snapshot --delete-automated-backups\nThe action does this itself when it replaces ${target}; a rerun continues from where it stopped.`
      : `Rerun once the instance is available${takesSnapshot(scene) ? `,${OR_LATEST}` : ''}:\naws rds wait db-instance-available --db-instance-identifier ${target}`
  });
}

function instanceNotFound(e: Error, ctx: Context | undefined): Diagnostic[] {
  const region = ctx?.settings.region ?? '<region>';
  return blocking({
    title: 'DB instance not found',
    message: `RDS answered DBInstanceNotFound: ${e.message}\n${
      ctx ? `The run works on ${ctx.settings.source.identifier} (account ${ctx.accounts.source.accountId}) and ${ctx.settings.target.identifier} (account ${ctx.accounts.target.accountId}). ` : ''
    }Either the identifier is not an RDS DB instance in ${region} (an Aurora cluster is named with source-cluster / target-cluster), or the instance was renamed or deleted while the run worked on it.`,
    fix: `List the instances the role can see, and check source-instance / target-instance and aws-region:\naws rds describe-db-instances --region ${region} --query "DBInstances[?DBClusterIdentifier==null].[DBInstanceIdentifier,DBInstanceStatus]"`
  });
}

// ---------------------------------------------------------------------------
// STS

function trustFix(ctx: Context | undefined, side: 'source' | 'target' | undefined, roleArn?: string): string {
  const repo = process.env.GITHUB_REPOSITORY;
  if (!ctx || !repo) return "mode: policies prints the trust policy (GitHub OIDC, restricted to this repository's sub claim) for each role.";
  const s = ctx.settings;
  const accountId = (roleArn && parseArn(roleArn)?.accountId) ?? (side ? s[side].accountId : undefined);
  if (!accountId) return 'mode: policies prints the trust policy for each role.';
  const p: PolicyParams = {
    partition: parseArn(roleArn ?? '')?.partition ?? 'aws',
    region: s.region,
    ...(s.kind ? { kind: s.kind } : {}),
    source: { accountId: s.source.accountId ?? accountId, database: s.source.identifier },
    target: { accountId: s.target.accountId ?? accountId, database: s.target.identifier },
    audience: s.audience,
    manageMasterPassword: s.manageMasterPassword,
    dataApi: s.maskingConnection === 'data-api'
  };
  const subject = githubSubject(repo, { ref: process.env.GITHUB_REF });
  return (
    `Trust policy for ${roleArn ?? `the ${side} role`} (the GitHub OIDC provider ${OIDC_PROVIDER_HOST} must exist in account ${accountId}). ` +
    `The sub below is for ${process.env.GITHUB_REF ?? 'refs/heads/main'}; a job with an environment presents repo:${repo}:environment:<name> instead:\n` +
    renderJson(githubOidcTrustPolicy(p, accountId, subject))
  );
}

function credentials(e: CredentialsError, ctx: Context | undefined): Diagnostic[] {
  const roleArn = e.side && ctx ? ctx.settings[e.side].roleArn : undefined;
  const sts = /STS refused/.test(e.title);
  return blocking({ title: e.title, message: e.message, fix: e.fix ?? (sts ? trustFix(ctx, e.side, roleArn) : undefined) });
}

function stsRefusal(e: Error, ctx: Context | undefined): Diagnostic[] {
  const code = awsErrorCode(e) ?? e.name;
  const why: Partial<Record<FaultName, string>> = {
    ExpiredToken:
      "The session expired before it could be renewed. The action renews each role session when less than 5 minutes remain (15 before the swap and the rollback), so this means a call outlived its session: check the runner's clock (a skewed clock misjudges expiry) and that nothing else set static AWS_* credentials for this step.",
    ExpiredTokenException:
      "The session or the GitHub OIDC token expired before it could be renewed. The action asks for a new token and session when less than 5 minutes remain: check the runner's clock, and that the job still has permissions: id-token: write.",
    InvalidIdentityTokenException:
      'STS did not accept the GitHub OIDC token: the OIDC provider token.actions.githubusercontent.com is missing in the account, or its audience does not match the audience input.',
    IDPRejectedClaimException: "The role's trust policy does not accept this job's token (its sub or aud claim).",
    RegionDisabledException: 'STS is not activated in this region for the account: activate it in IAM > Account settings.'
  };
  const name = faultName(code);
  const explanation = name ? why[name] : undefined;
  const r = parseRefusal(e.message);
  return blocking({
    title: `STS refused: ${code}`,
    message: `${e.message}\n${explanation ?? `${r.callerArn ?? 'The caller'} may not perform ${r.action ?? 'sts:AssumeRole*'} on ${r.resource ?? 'the role'}: the role's trust policy does not admit it.`}`,
    fix: trustFix(ctx, undefined, r.resource)
  });
}
