/**
 * Share: let the staging account restore the snapshot (its `restore`
 * attribute). Idempotent: a snapshot already shared with the account is left
 * as it is.
 */
import { isFault } from '../errors';
import { explainedFault } from '../diagnostics/faults';
import type { SnapshotAdapter } from '../aws/snapshots';
import { isSharedWith } from '../plan/naming';

export interface ShareResult {
  alreadyShared: boolean;
  /** Every account the snapshot is shared with afterwards. */
  accounts: string[];
}

export async function shareSnapshot(adapter: SnapshotAdapter, identifier: string, accountId: string, region: string): Promise<ShareResult> {
  const before = await adapter.sharedWith(identifier);
  if (isSharedWith(before, accountId)) return { alreadyShared: true, accounts: before };
  try {
    await adapter.share(identifier, accountId);
  } catch (e) {
    if (isFault(e, 'SharedSnapshotQuotaExceededFault')) throw explainedFault(e, undefined, { snapshot: identifier, kind: adapter.kind, region, sharedWith: before, addAccount: accountId });
    throw e;
  }
  return { alreadyShared: false, accounts: [...before, accountId] };
}
