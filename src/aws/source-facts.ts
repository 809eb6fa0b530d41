/**
 * Reads what the source plan decides from (read-only): the production
 * database, the snapshot candidates, the option group, the snapshot's key and
 * its policy, the `restore` attribute, an earlier copy. A read that only
 * matters after a decision (a copy's name, whether a copy is needed) asks the
 * pure decision in plan/ first, so nothing is read that the plan does not use.
 */
import type { Context } from '../context';
import { DiagnosedError, awsErrorCode } from '../errors';
import { parseArn } from '../rds-rules';
import type { SnapshotChoice } from '../settings';
import { policyParamsFromContext } from '../diagnostics/policy-templates';
import { remedyFacts } from '../diagnostics/key-access';
import { KEY_READ_ACTIONS } from '../diagnostics/key-policy';
import type { SourceFacts } from '../plan/facts';
import { dbKind } from '../plan/kind';
import { copySnapshotIdentifier } from '../plan/naming';
import { chooseSnapshot, judgeExistingCopy, requireDatabase, type SnapshotCandidates, type SourceScope } from '../plan/snapshot';
import { copyPlanOf, sourceSnapshotOf } from '../plan/source';
import { keyFacts, readKeyPolicy, type KeyFacts } from './keys';
import { snapshotAdapter, type SourceDatabase, type SnapshotAdapter } from './snapshots';

export async function readSourceFacts(ctx: Context): Promise<SourceFacts> {
  const { settings } = ctx;
  const source = ctx.accounts.source;
  const target = ctx.accounts.target;
  const scope = { accountId: source.accountId, region: settings.region, partition: source.partition, runId: ctx.runId };
  const kind = dbKind(settings);
  const adapter = snapshotAdapter(kind, source.rds);
  const f: SourceFacts = {
    kind,
    scope,
    target: { accountId: target.accountId, principalArn: target.principalArn, callerArn: target.callerArn },
    candidates: {},
    policyParams: policyParamsFromContext(ctx),
    remedyFacts: remedyFacts(ctx)
  };

  f.database = await adapter.describeDatabase(settings.source.identifier);
  const db = requireDatabase(adapter, f.database, settings.source.identifier, scope);
  f.candidates = await readSnapshotCandidates(adapter, settings.snapshot, db, scope);
  const chosen = chooseSnapshot(adapter, settings.snapshot, db, f.candidates, scope);
  if (kind === 'instance' && chosen.optionGroup) f.optionGroupOptions = await adapter.optionGroupOptions(chosen.optionGroup);
  const snapshot = sourceSnapshotOf(f, settings).snapshot;
  if (snapshot.encrypted && snapshot.kmsKeyArn) f.key = await lookUpKey(ctx, snapshot.kmsKeyArn);

  const copy = copyPlanOf(f, settings);
  if (copy.decision.outcome === 'share-as-is') {
    if (snapshot.type !== 'new') f.sharedWith = await adapter.sharedWith(snapshot.identifier);
    return f;
  }
  const keyArn = copy.decision.keyArn;
  if (keyArn && keyArn === settings.source.kmsKeyArn && keyArn !== f.key?.arn) f.configuredKeyPolicy = await readKeyPolicy(source.kms, keyArn);
  const identifier = copySnapshotIdentifier(snapshot.identifier);
  f.existingCopy = await adapter.getSnapshot(identifier);
  if (f.existingCopy) {
    const verdict = judgeExistingCopy(f.existingCopy, { identifier, sourceIdentifier: snapshot.identifier, kmsKeyArn: keyArn, region: settings.region, kind });
    if ('refuse' in verdict) throw new DiagnosedError(verdict.refuse);
  }
  if (f.existingCopy?.status === 'available') f.copySharedWith = await adapter.sharedWith(identifier);
  return f;
}

/** What the snapshot input needs listed: every snapshot of the database (`latest`), the named one, or nothing (`new`). */
export async function readSnapshotCandidates(adapter: SnapshotAdapter, choice: SnapshotChoice, db: SourceDatabase, scope: SourceScope): Promise<SnapshotCandidates> {
  if (choice.kind === 'new') return {};
  if (choice.kind === 'latest') return { listed: await adapter.listSnapshots(db.identifier) };
  // A snapshot ARN of another account is refused by the decision without asking RDS.
  const arn = choice.arn ? parseArn(choice.arn) : undefined;
  if (arn && arn.accountId !== scope.accountId) return {};
  return { named: await adapter.getSnapshot(choice.identifier) };
}

/** DescribeKey (and GetKeyPolicy where allowed); DescribeKey is needed, so its refusal is explained. */
async function lookUpKey(ctx: Context, keyArn: string): Promise<KeyFacts> {
  try {
    return await keyFacts(ctx.accounts.source.kms, keyArn);
  } catch (e) {
    const code = awsErrorCode(e);
    if (!code) throw e;
    throw new DiagnosedError({
      title: "Cannot describe the snapshot's KMS key",
      message: `KMS DescribeKey on ${keyArn} failed with ${code}: the plan needs it to tell the AWS managed aws/rds key from a customer managed key.`,
      fix: 'Give the production role, in its IAM policy (and in the key policy for a CMK):\n' + JSON.stringify({ Effect: 'Allow', Action: [...KEY_READ_ACTIONS], Resource: keyArn }, null, 2)
    });
  }
}
