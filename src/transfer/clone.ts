/**
 * The clone transfer (Aurora only), after AWS's "Cross-account cloning with AWS
 * RAM and Amazon Aurora":
 *  - plan: read the production cluster, its key and key policy (judged by the
 *    single key-policy analyser for the staging role through RDS) and whether
 *    staging already holds a cross-account clone (src/aws/transfer-facts.ts);
 *    decide (src/plan/transfer.ts);
 *  - production account: one RAM resource share of the cluster, named and tagged
 *    by the action, with the staging account as principal; found again and kept
 *    on later runs. External principals are allowed only when RAM refuses the
 *    share inside the organization (the accounts are not in one organization,
 *    or organization sharing is off);
 *  - staging account: accept the invitation when there is one, wait until the
 *    shared cluster is visible, then RestoreDBClusterToPointInTime with
 *    RestoreType copy-on-write and the shared ARN (called from steps/restore.ts
 *    in place of the snapshot restore). From there the pipeline is the same.
 */
import * as core from '@actions/core';
import { cloneCluster, sharedClusterVisible, type SourceClusterFacts } from '../aws/clone';
import type { RestoreRequest } from '../aws/databases';
import { acceptInvitation, associate, createShare, deleteShare, findShare, invitationsTo, ramClient, type ShareInfo } from '../aws/ram';
import { MANAGED_TAG, SOURCE_TAG, TARGET_TAG, type Context, waitOptions } from '../context';
import { renderJson } from '../diagnostics/policy-json';
import { keyUserStatements } from '../diagnostics/policy-templates';
import type { Diagnostic } from '../report';
import { DiagnosedError, isFault } from '../errors';
import { decideTransfer, decideWithoutSource, describeTransfer, type TransferDecision } from '../plan/transfer';
import { readTransferFacts } from '../aws/transfer-facts';
import { describeTargetPlan } from '../plan/target';
import type { SharedSnapshot } from '../types';
import { waitFor } from '../wait';
import { explainCloneError } from './clone-faults';
import { sourceCloneStatements, targetCloneStatements } from './clone-policy';
import { preflightClone } from './clone-preflight';
import type { TransferMethod } from './method';
import { kindProfile } from '../kinds';

export interface TransferPlan {
  decision: TransferDecision;
  /** Set when the decision is clone. */
  clone?: ClonePlan;
}

export interface ClonePlan {
  source: SourceClusterFacts;
  /** The RAM resource share's name: one per production cluster and staging account. */
  shareName: string;
  targetAccountId: string;
}

/** `rds-cross-account-sync-<cluster>-<staging account>`: RAM share names allow letters, digits, '-', '_' and '.'. */
export function shareName(cluster: string, targetAccountId: string): string {
  return `rds-cross-account-sync-${cluster}-${targetAccountId}`.slice(0, 255);
}

/** Read what the decision needs (nothing for transfer: snapshot), then decide. Refuses transfer: clone that cannot work. */
export async function planTransfer(ctx: Context): Promise<TransferPlan> {
  const { settings, accounts } = ctx;
  const base = { requested: settings.transfer, kind: settings.kind, region: settings.region, targetIdentifier: settings.target.identifier };
  if (settings.transfer === 'snapshot' || !kindProfile(settings.kind).can.clone) {
    const decided = decideTransfer(base);
    if ('refused' in decided) throw new DiagnosedError(decided.refused);
    return { decision: decided };
  }
  const { facts, source } = await readTransferFacts(ctx, base);
  if (!source) {
    // The snapshot path names the missing cluster with its own diagnostic.
    const decided = decideWithoutSource({ requested: settings.transfer, identifier: settings.source.identifier, input: settings.source.input, accountId: accounts.source.accountId, region: settings.region });
    if ('refused' in decided) throw new DiagnosedError(decided.refused);
    return { decision: decided };
  }
  const decided = decideTransfer(facts);
  if ('refused' in decided) throw new DiagnosedError(decided.refused.map(d => withKeyStatements(ctx, d, source.kmsKeyArn)));
  if (decided.method === 'snapshot') return { decision: decided };
  return { decision: decided, clone: { source, shareName: shareName(source.identifier, accounts.target.accountId), targetAccountId: accounts.target.accountId } };
}

/** A refusal because of the key policy gets the exact statements to add, with the staging role's real ARN. */
function withKeyStatements(ctx: Context, d: Diagnostic, keyArn: string | undefined): Diagnostic {
  if (!/production key does not admit staging/.test(d.title)) return d;
  const statements = keyUserStatements(ctx.accounts.target.principalArn, 'Staging');
  return { ...d, fix: `Add these statements to the key policy of ${keyArn ?? "the production cluster's key"} (aws kms put-key-policy), or use transfer: snapshot:\n${renderJson(statements)}` };
}

/** Lines for `mode: plan`: exactly what the clone transfer does. */
export function describeClonePlan(plan: ClonePlan, settings: Context['settings']): string[] {
  return [
    `Share ${plan.source.identifier} with account ${plan.targetAccountId} through the AWS RAM resource share '${plan.shareName}' (created once, then found again; external principals only if RAM refuses the share inside the organization)`,
    `In staging: accept the invitation when there is one, wait until ${plan.source.arn} is visible`,
    `Clone it (RestoreDBClusterToPointInTime, RestoreType copy-on-write, latest restorable time): its time does not depend on the size; no snapshot is made or deleted`,
    settings.cloneShare === 'remove'
      ? `Remove the resource share '${plan.shareName}' once the clone exists (clone-share: remove)`
      : `Keep the resource share '${plan.shareName}' for the next run (clone-share: keep)`
  ];
}

/** Production side, then the staging side up to the clone: the share, the invitation, the shared cluster visible. */
export async function runCloneSource(ctx: Context, plan: ClonePlan): Promise<SharedSnapshot> {
  const { report } = ctx;
  const share = await report.step(
    'Share cluster (AWS RAM)',
    () => ensureShare(ctx, plan),
    s => `${s.share.name} ${s.created ? 'created' : 'found'}${s.share.allowExternalPrincipals ? ' (external principals allowed)' : ''}`
  );
  await report.step(
    'Accept share in staging',
    () => acceptAndWait(ctx, plan, share.share),
    r => r
  );
  report.output('kms-key-arn', plan.source.kmsKeyArn ?? '');
  return {
    kind: 'cluster',
    arn: plan.source.arn,
    identifier: plan.source.identifier,
    kmsKeyArn: plan.source.kmsKeyArn ?? '',
    engine: plan.source.engine,
    engineVersion: plan.source.engineVersion,
    sourceSnapshotId: plan.source.identifier,
    copied: false,
    encrypted: plan.source.encrypted,
    clone: { shareArn: share.share.arn, shareName: plan.shareName }
  };
}

async function ensureShare(ctx: Context, plan: ClonePlan): Promise<{ share: ShareInfo; created: boolean }> {
  const ram = ramClient(ctx.accounts.source);
  const principal = plan.targetAccountId;
  try {
    const found = await findShare(ram, plan.shareName);
    if (found) {
      await associate(ram, found.arn, plan.source.arn, principal);
      core.info(`RAM resource share ${found.name} found (${found.arn}): ${plan.source.identifier} stays shared with ${principal}.`);
      return { share: found, created: false };
    }
    const tags = { [MANAGED_TAG]: 'true', [SOURCE_TAG]: plan.source.identifier, [TARGET_TAG]: ctx.settings.target.identifier };
    const create = (allowExternalPrincipals: boolean) =>
      createShare(ram, { name: plan.shareName, resourceArn: plan.source.arn, principal, allowExternalPrincipals, tags, clientToken: `${ctx.runId}-${allowExternalPrincipals ? 'ext' : 'org'}` });
    try {
      return { share: await create(false), created: true };
    } catch (e) {
      if (!isFault(e, 'OperationNotPermittedException')) throw e;
      core.info(`RAM refused the share inside the organization (${(e as Error).message}): sharing with ${principal} as an external account, which sends it an invitation.`);
      return { share: await create(true), created: true };
    }
  } catch (e) {
    throw explainCloneError(e, ctx, { step: 'share', shareName: plan.shareName, cluster: plan.source.identifier });
  }
}

async function acceptAndWait(ctx: Context, plan: ClonePlan, share: ShareInfo): Promise<string> {
  const ram = ramClient(ctx.accounts.target);
  let said: string;
  try {
    const invitations = await invitationsTo(ram, share.arn);
    const pending = invitations.find(i => i.status === 'PENDING');
    if (pending) {
      await acceptInvitation(ram, pending.arn, `${ctx.runId}-accept`);
      said = `invitation ${pending.arn} accepted`;
    } else if (invitations.some(i => i.status === 'ACCEPTED')) said = 'invitation accepted earlier';
    else if (invitations.length > 0) {
      const i = invitations[0];
      throw new DiagnosedError({
        title: 'The RAM invitation to staging was not accepted',
        message: `The staging account's invitation to the share ${plan.shareName} is ${i.status}: staging cannot see ${plan.source.arn} until a share reaches it.`,
        fix: `In production, delete the share so the next run creates it again with a new invitation:\naws ram delete-resource-share --resource-share-arn ${share.arn}`
      });
    } else said = 'no invitation (one organization with RAM sharing)';
  } catch (e) {
    throw explainCloneError(e, ctx, { step: 'accept', shareName: plan.shareName, cluster: plan.source.identifier });
  }
  const rds = ctx.accounts.target.rds;
  const visible = await waitFor(
    async () => {
      const seen = await sharedClusterVisible(rds, plan.source.arn);
      return { status: seen ? 'visible' : 'not shared yet', done: seen, value: seen };
    },
    { ...waitOptions(ctx, `shared cluster ${plan.source.identifier} visible in staging`), timeoutMs: Math.min(ctx.settings.waitTimeoutMinutes, 15) * 60_000 }
  ).catch(e => {
    throw explainCloneError(e, ctx, { step: 'visible', shareName: plan.shareName, cluster: plan.source.identifier });
  });
  return `${said}; ${plan.source.identifier} visible${visible ? '' : ' (not confirmed)'}`;
}

/** Called by steps/restore.ts in place of the snapshot restore. */
export async function cloneIntoStaging(ctx: Context, shared: SharedSnapshot, req: RestoreRequest): Promise<void> {
  try {
    await cloneCluster(ctx.accounts.target.rds, {
      identifier: req.identifier,
      sourceArn: shared.arn,
      engine: req.engine,
      kmsKeyId: req.kmsKeyId,
      dbSubnetGroup: req.dbSubnetGroup,
      securityGroupIds: req.securityGroupIds,
      dbClusterParameterGroup: req.dbClusterParameterGroup,
      port: req.port,
      copyTagsToSnapshot: req.copyTagsToSnapshot,
      iamDatabaseAuthentication: req.iamDatabaseAuthentication,
      cloudwatchLogsExports: req.cloudwatchLogsExports,
      storageType: req.storageType,
      serverlessV2: req.serverlessV2,
      tags: req.tags
    });
    core.info(`Cloning ${shared.arn} into ${req.identifier} (copy-on-write) under ${req.kmsKeyId}.`);
  } catch (e) {
    throw explainCloneError(e, ctx, { step: 'clone', shareName: shared.clone?.shareName ?? '', cluster: shared.identifier, clone: req.identifier });
  }
}

/** clone-share: remove: take the cluster out of the share and delete it (production side). */
export async function removeShare(ctx: Context, shared: SharedSnapshot): Promise<string> {
  const c = shared.clone;
  if (!c) return 'no share';
  try {
    await deleteShare(ramClient(ctx.accounts.source), c.shareArn, shared.arn, `${ctx.runId}-delete`);
  } catch (e) {
    throw explainCloneError(e, ctx, { step: 'remove', shareName: c.shareName, cluster: shared.identifier });
  }
  return `${c.shareName} deleted`;
}

/**
 * The clone transfer behind the one interface: the plan is the transfer
 * decision's (read in the 'Plan: transfer' step); the source effect is the RAM
 * share and staging's acceptance; RestoreDBClusterToPointInTime copy-on-write
 * replaces the restore (steps/restore.ts); no snapshot is made, so there is
 * nothing for retention; the share is kept or removed afterwards.
 */
export const cloneTransfer: TransferMethod<ClonePlan> = {
  name: 'clone',
  async plan(ctx, transfer) {
    if (!transfer?.clone) throw new Error("internal: the clone transfer needs the transfer plan's clone");
    ctx.report.fact('Transfer', describeTransfer(transfer.decision).join(' '));
    return transfer.clone;
  },
  sharedFacts: plan => ({ identifier: plan.source.identifier, arn: plan.source.arn, encrypted: plan.source.encrypted, clone: true }),
  preflight: preflightClone,
  describe(ctx, plan, target, transfer) {
    return {
      lines: [...(transfer ? describeTransfer(transfer) : []), ...describeClonePlan(plan, ctx.settings), ...describeTargetPlan(target)],
      output: { transfer, clone: plan, target }
    };
  },
  source: runCloneSource,
  async cleanup(ctx) {
    ctx.report.skip('Clean up snapshots', 'a clone makes no snapshot: retention does not apply');
  },
  async finish(ctx, plan, shared) {
    if (ctx.settings.cloneShare === 'remove')
      await ctx.report.step(
        'Remove RAM share',
        () => removeShare(ctx, shared),
        r => r
      );
    else ctx.report.skip('Remove RAM share', `kept for the next run (clone-share: keep): ${plan.shareName}`);
  },
  refreshed: (result, shared) => `Staging ${result.kind} ${result.identifier} refreshed by a copy-on-write clone of ${shared.arn}.`,
  policies: { source: sourceCloneStatements, target: targetCloneStatements }
};
