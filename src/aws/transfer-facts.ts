/**
 * Reads what the transfer decision needs (read-only): the production cluster
 * as RDS describes it, its key as KMS describes it with the key policy, and
 * whether the current staging cluster is a cross-account clone.
 */
import type { Context } from '../context';
import { cloneKeyPolicy, type TransferFacts } from '../plan/transfer';
import { parseArn } from '../rds-rules';
import { describeSourceCluster, type SourceClusterFacts } from './clone';
import { keyFacts } from './keys';

/** The facts for plan/transfer.ts's decideTransfer; `source` undefined: the production cluster was not found (nothing else read). */
export async function readTransferFacts(ctx: Context, base: Omit<TransferFacts, 'source'>): Promise<{ facts: TransferFacts; source?: SourceClusterFacts }> {
  const { settings, accounts } = ctx;
  const source = await describeSourceCluster(accounts.source.rds, settings.source.identifier);
  if (!source) return { facts: base };
  const facts: TransferFacts = {
    ...base,
    snapshotNamed: settings.snapshot.kind === 'named',
    source: {
      identifier: source.identifier,
      arn: source.arn,
      status: source.status,
      engineMode: source.engineMode,
      region: parseArn(source.arn)?.region ?? settings.region,
      instances: source.instances,
      encrypted: source.encrypted,
      kmsKeyArn: source.kmsKeyArn
    }
  };
  if (source.encrypted && source.kmsKeyArn) {
    const key = await keyFacts(accounts.source.kms, source.kmsKeyArn);
    facts.source!.keyManager = key.keyManager;
    if (key.keyManager === 'CUSTOMER') facts.keyPolicy = cloneKeyPolicy(key, accounts.target, settings.region);
  }
  const staging = await describeSourceCluster(accounts.target.rds, settings.target.identifier);
  facts.stagingIsCrossAccountClone = staging?.crossAccountClone === true;
  return { facts, source };
}
