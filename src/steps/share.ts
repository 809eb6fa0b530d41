/**
 * Share: let the staging account restore the snapshot (its `restore`
 * attribute). Idempotent: a snapshot already shared with the account is left
 * as it is.
 */
import { DiagnosedError, isAwsError } from '../errors';
import { cliNouns } from '../rds-rules';
import type { SnapshotAdapter } from '../aws/snapshots';
import { isSharedWith } from '../plan/naming';


export interface ShareResult {
  alreadyShared: boolean;
  /** Every account the snapshot is shared with afterwards. */
  accounts: string[];
}

export async function shareSnapshot(
  adapter: SnapshotAdapter,
  identifier: string,
  accountId: string,
  region: string
): Promise<ShareResult> {
  const before = await adapter.sharedWith(identifier);
  if (isSharedWith(before, accountId)) return { alreadyShared: true, accounts: before };
  try {
    await adapter.share(identifier, accountId);
  } catch (e) {
    if (isAwsError(e, 'SharedSnapshotQuotaExceededFault', 'SharedSnapshotQuotaExceeded')) {
      const n = cliNouns(adapter.kind);
      throw new DiagnosedError({
        title: 'Snapshot shared with too many accounts',
        message: `Snapshot '${identifier}' is already shared with ${before.length} accounts (${before.join(', ')}); RDS allows 20 (SharedSnapshotQuotaExceeded), so account ${accountId} cannot be added.`,
        fix:
          `Stop sharing it with accounts that no longer need it, then run again:\n` +
          `  aws rds modify-${n.snapshot}-attribute --region ${region} ${n.snapshotIdOption} ${identifier} --attribute-name restore --values-to-remove <account-id>`
      });
    }
    throw e;
  }
  return { alreadyShared: false, accounts: [...before, accountId] };
}
