/**
 * The source side, in the production account, executing the plan:
 * take a snapshot (`new`), copy it under the CMK where the plan says so
 * (resuming an earlier copy), share it with the staging account, set outputs.
 */
import * as core from '@actions/core';
import type { Context } from './context';
import type { SharedSnapshot, SourcePlan } from './types';
import { snapshotAdapter } from './aws/snapshots';
import { sharedEncrypted } from './plan/source';
import { reencrypt } from './steps/reencrypt';
import { shareSnapshot } from './steps/share';
import { takeSnapshot } from './steps/snapshot';

export async function runSource(ctx: Context, plan: SourcePlan): Promise<SharedSnapshot> {
  const { report, settings } = ctx;
  const adapter = snapshotAdapter(plan.snapshot.kind, ctx.accounts.source.rds);
  const source = plan.snapshot;
  for (const note of plan.notes ?? []) core.warning(note, { title: 'Source snapshot' });

  let engine = source.engine;
  let engineVersion = source.engineVersion;
  let allocatedStorageGb = source.allocatedStorageGb;
  if (source.type === 'new') {
    const taken = await report.step(
      'Take snapshot',
      () => takeSnapshot(ctx, adapter, source, settings.source.identifier),
      s => `${s.identifier} available`
    );
    engine = taken.engine;
    engineVersion = taken.engineVersion ?? engineVersion;
    allocatedStorageGb = taken.allocatedStorageGb ?? allocatedStorageGb;
  } else {
    report.skip('Take snapshot', `using ${source.type} snapshot ${source.identifier}`);
  }
  report.fact('Source snapshot', `${source.identifier} (${source.type})`);

  let shared: { identifier: string; arn: string; kmsKeyArn?: string };
  const copy = plan.copy;
  if (copy.needed) {
    const result = await report.step(
      'Re-encrypt copy',
      async () => {
        core.info(`Copying ${source.identifier} to ${copy.identifier} ${copy.kmsKeyArn ? `under ${copy.kmsKeyArn}` : 'unencrypted'}: ${copy.reason}.`);
        return reencrypt(ctx, adapter, {
          identifier: copy.identifier,
          sourceIdentifier: source.identifier,
          kmsKeyArn: copy.kmsKeyArn || undefined,
          region: settings.region
        });
      },
      r => `${r.snapshot.identifier}${r.resumed ? ' (resumed an earlier copy)' : ''}`
    );
    shared = { identifier: result.snapshot.identifier, arn: result.snapshot.arn || plan.shared.arn, kmsKeyArn: result.snapshot.kmsKeyArn ?? copy.kmsKeyArn };
    allocatedStorageGb = result.snapshot.allocatedStorageGb ?? allocatedStorageGb;
  } else {
    report.skip('Re-encrypt copy', copy.reason);
    shared = { identifier: plan.shared.identifier, arn: plan.shared.arn, kmsKeyArn: plan.shared.kmsKeyArn };
  }

  const targetAccount = ctx.accounts.target.accountId;
  await report.step(
    'Share snapshot',
    async () => {
      const r = await shareSnapshot(adapter, shared.identifier, targetAccount, settings.region);
      core.info(r.alreadyShared ? `${shared.identifier} is already shared with ${targetAccount}.` : `Shared ${shared.identifier} with ${targetAccount}.`);
      return r;
    },
    r => (r.alreadyShared ? `already shared with ${targetAccount}` : `shared with ${targetAccount}`)
  );

  const kmsKeyArn = shared.kmsKeyArn ?? '';
  report.output('snapshot-arn', shared.arn);
  report.output('snapshot-copied', copy.needed);
  report.output('kms-key-arn', kmsKeyArn);
  return {
    kind: source.kind,
    arn: shared.arn,
    identifier: shared.identifier,
    kmsKeyArn,
    engine,
    engineVersion,
    sourceSnapshotId: source.identifier,
    copied: copy.needed,
    allocatedStorageGb,
    encrypted: sharedEncrypted(plan)
  };
}
