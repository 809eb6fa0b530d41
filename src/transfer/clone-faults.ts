/**
 * RAM and clone faults, explained where they happen: a titled diagnostic with
 * the fix. Anything not recognised here goes on unchanged to the general fault
 * explainer (src/diagnostics/faults.ts), which knows KMS and IAM refusals.
 */
import type { Context } from '../context';
import { awsErrorCode, DiagnosedError, faultName } from '../errors';
import { WaitTimeoutError } from '../wait';

export interface CloneStep {
  step: 'share' | 'accept' | 'visible' | 'clone' | 'remove';
  shareName: string;
  cluster: string;
  clone?: string;
}

/** IAM actions each side needs for the clone transfer (mode: policies emits them; the fixes name them). */
export const SOURCE_RAM_ACTIONS = ['ram:CreateResourceShare', 'ram:AssociateResourceShare', 'ram:GetResourceShares', 'ram:TagResource', 'ram:DisassociateResourceShare', 'ram:DeleteResourceShare'];
export const SOURCE_CLONE_RDS_ACTIONS = ['rds:DescribeDBClusters'];
export const TARGET_RAM_ACTIONS = ['ram:GetResourceShareInvitations', 'ram:AcceptResourceShareInvitation'];
export const TARGET_CLONE_RDS_ACTIONS = ['rds:RestoreDBClusterToPointInTime', 'rds:DescribeDBClusters'];

export function explainCloneError(e: unknown, ctx: Context, at: CloneStep): unknown {
  if (e instanceof DiagnosedError) return e;
  const source = ctx.accounts.source.accountId;
  const target = ctx.accounts.target.accountId;
  const message = (e as Error)?.message ?? String(e);
  if (e instanceof WaitTimeoutError && at.step === 'visible') {
    return new DiagnosedError({
      title: 'The shared cluster never became visible in staging',
      message: `${e.message}. The RAM share ${at.shareName} of ${at.cluster} has not reached account ${target}: the invitation was not accepted, or the association is still pending or failed.`,
      fix: `In staging: aws ram get-resource-share-invitations --query "resourceShareInvitations[?resourceShareName=='${at.shareName}']"\nIn production: aws ram get-resource-share-associations --association-type PRINCIPAL --resource-share-arns <share ARN>`
    });
  }
  const code = awsErrorCode(e);
  switch (faultName(code)) {
    case 'OperationNotPermittedException':
      return new DiagnosedError({
        title: 'AWS RAM cannot share the cluster with staging',
        message: `RAM refused to share ${at.cluster} with account ${target}: ${message} This happens when the resource share does not allow external principals and the accounts are not in one organization, or organization sharing is disabled.`,
        fix:
          `Either enable sharing within the organization (from the management account): aws ram enable-sharing-with-aws-organization\n` +
          `or delete this action's share so the next run creates it with external principals allowed: aws ram delete-resource-share --resource-share-arn $(aws ram get-resource-shares --resource-owner SELF --name ${at.shareName} --query "resourceShares[0].resourceShareArn" --output text)\n` +
          `(an SCP denying ram:RequestedAllowsExternalPrincipals blocks the second way: use transfer: snapshot then).`
      });
    case 'ResourceShareInvitationExpiredException':
    case 'ResourceShareInvitationAlreadyRejectedException':
    case 'ResourceShareInvitationArnNotFoundException':
      return new DiagnosedError({
        title: 'The RAM invitation to staging was not accepted',
        message: `Accepting the invitation to ${at.shareName} in account ${target} failed: ${message}`,
        fix: `Delete the share in production so the next run invites staging again: aws ram delete-resource-share --resource-share-arn <arn of ${at.shareName}>`
      });
    case 'ResourceShareLimitExceededException':
      return new DiagnosedError({
        title: 'AWS RAM resource share limit reached',
        message: `Account ${source} cannot create another resource share: ${message}`,
        fix: 'Delete unused resource shares (aws ram get-resource-shares --resource-owner SELF), or ask for a higher RAM quota.'
      });
    case 'AccessDeniedException':
      if (at.step === 'share' || at.step === 'remove' || at.step === 'accept')
        return new DiagnosedError({
          title: `The ${at.step === 'accept' ? 'staging' : 'production'} role may not use AWS RAM`,
          message: message,
          fix: `Allow ${(at.step === 'accept' ? TARGET_RAM_ACTIONS : SOURCE_RAM_ACTIONS).join(', ')} to the ${at.step === 'accept' ? 'staging' : 'production'} role (mode: policies prints the statements).`
        });
      return e;
    case 'DBClusterNotFoundFault':
      if (at.step !== 'clone') return e;
      return new DiagnosedError({
        title: 'Staging cannot see the shared production cluster',
        message: `RestoreDBClusterToPointInTime answered: ${message} RDS answers so when the cluster is not shared with account ${target}, or the invitation is not accepted.`,
        fix: `Check the share ${at.shareName} in production and the invitation in staging (aws ram get-resource-share-invitations), then run again.`
      });
    case 'InvalidRestoreFault':
    case 'DBClusterQuotaExceededFault':
      if (at.step !== 'clone') return e;
      return new DiagnosedError({
        title: 'Cross-account clone limit reached',
        message: `${message} AWS allows 15 cross-account clones of a cluster, and one per account: staging already holds a clone of ${at.cluster} (or of one of its clones).`,
        fix: 'Delete the older clone in staging, or use transfer: auto, which restores a snapshot on the run that replaces a clone.'
      });
    case 'InvalidParameterCombination':
    case 'InvalidDBClusterStateFault':
      if (at.step !== 'clone') return e;
      return new DiagnosedError({
        title: 'RDS refused the clone',
        message: `${message} A cross-account clone needs an available, provisioned or Serverless v2 cluster (not Serverless v1) with at least one instance.`,
        fix: 'Use transfer: snapshot for this cluster, or transfer: auto to let the action choose.'
      });
    default:
      return e;
  }
}
