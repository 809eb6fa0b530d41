/** The transfer methods by name: run.ts picks from here (the decision, also for `auto`, is plan/transfer.ts's). */
import type { TransferMethodName } from '../plan/transfer';
import { cloneTransfer } from './clone';
import type { TransferMethod } from './method';
import { snapshotTransfer } from './snapshot';

// Each method's plan type is its own; the pipeline only hands a method's plan back to the same method.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const TRANSFER_METHODS: Record<TransferMethodName, TransferMethod<any>> = {
  snapshot: snapshotTransfer,
  clone: cloneTransfer
};
