/** Snapshot clean-up against the emulator in process: copies the action made in both accounts, and the ones it never touches. */
import { afterEach, describe, expect, it } from '@jest/globals';
import { CopyDBClusterSnapshotCommand } from '@aws-sdk/client-rds';
import { MANAGED_TAG, SOURCE_TAG } from '../../src/context';
import { cleanupSnapshots } from '../../src/steps/cleanup';
import type { SharedSnapshot } from '../../src/types';
import { emulatedTarget, PROD, SHARE_KEY, STG, type EmulatedTarget } from '../fixtures/emulated-target';
import { quietStdout } from '../helpers/stdout';

quietStdout();

const OURS = { [MANAGED_TAG]: 'true', [SOURCE_TAG]: 'rds:app-production-x' };

let t: EmulatedTarget | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** A manual cluster snapshot taken `daysAgo` days ago. */
const snap = (cluster: string, id: string, daysAgo: number, tags: Record<string, string>, sharedWith: string[] = []) => ({ cluster, id, type: 'manual', ageHours: daysAgo * 24, tags, sharedWith });

function sharedCopy(id: string): SharedSnapshot {
  return {
    kind: 'cluster',
    arn: `arn:aws:rds:ap-northeast-1:${PROD}:cluster-snapshot:${id}`,
    identifier: id,
    kmsKeyArn: SHARE_KEY,
    engine: 'aurora-postgresql',
    sourceSnapshotId: 'rds:app-production-x',
    copied: true
  };
}

/** The account's snapshots among `ids`: id and who they are shared with. */
function snapshots(e: EmulatedTarget, account: string, ids: string[]): Array<[string, string[]]> {
  const all = e.emu.state().accounts.find(a => a.id === account)!.snapshots as Array<{ id: string; sharedWith: string[] }>;
  return all
    .filter(s => ids.includes(s.id))
    .map(s => [s.id, s.sharedWith] as [string, string[]])
    .sort((a, b) => a[0].localeCompare(b[0]));
}

describe('cleanupSnapshots', () => {
  it('unshares then deletes the older copies in both accounts, and never touches an untagged snapshot', async () => {
    t = await emulatedTarget({
      accounts: [
        {
          id: PROD,
          snapshots: [
            snap('app-production', 'copy-26', 3, OURS, [STG]),
            snap('app-production', 'copy-27', 2, OURS, [STG]),
            snap('app-production', 'copy-28', 1, OURS, [STG]),
            snap('app-production', 'hand-made', 28, {}, [STG])
          ]
        },
        { id: STG, snapshots: [snap('app-staging', 'app-staging-final-1-1', 19, { [MANAGED_TAG]: 'true' })] }
      ],
      timings: { copySecondsPerGb: 1 }
    });
    // Earlier runs' copies in staging: copies of the shared snapshot under the staging key, the older first.
    for (const id of ['target-copy-20', 'target-copy-21']) {
      await t.stg.rds.send(
        new CopyDBClusterSnapshotCommand({
          SourceDBClusterSnapshotIdentifier: t.shared.arn,
          TargetDBClusterSnapshotIdentifier: id,
          KmsKeyId: 'alias/rds-staging',
          Tags: Object.entries(OURS).map(([Key, Value]) => ({ Key, Value }))
        })
      );
      t.emu.advance(3600 / 24);
    }
    const ctx = t.context({ 'retain-snapshots': '1' });
    const mark = t.emu.state().requests.length;
    const result = await cleanupSnapshots(ctx, { target: 'app-staging' }, sharedCopy('copy-27'));

    expect(snapshots(t, PROD, ['copy-26', 'copy-27', 'copy-28', 'hand-made'])).toEqual([
      ['copy-27', [STG]],
      ['hand-made', [STG]]
    ]);
    expect(snapshots(t, STG, ['target-copy-20', 'target-copy-21', 'app-staging-final-1-1']).map(([id]) => id)).toEqual(['app-staging-final-1-1', 'target-copy-21']);
    expect(result.map(r => [r.side, r.kept, r.failed])).toEqual([
      ['source', ['copy-27'], []],
      ['target', ['target-copy-21'], []]
    ]);
    // In production each copy is unshared before it is deleted.
    const ops = t.emu
      .state()
      .requests.slice(mark)
      .filter(r => r.account === PROD && /^(ModifyDBClusterSnapshotAttribute|DeleteDBClusterSnapshot)$/.test(r.operation))
      .map(r => r.operation);
    expect(ops).toEqual(['ModifyDBClusterSnapshotAttribute', 'DeleteDBClusterSnapshot', 'ModifyDBClusterSnapshotAttribute', 'DeleteDBClusterSnapshot']);
  });

  it('a failing delete is a warning naming the snapshot, not a failed run', async () => {
    t = await emulatedTarget({ accounts: [{ id: PROD, snapshots: [snap('app-production', 'old', 30, { [MANAGED_TAG]: 'true', [SOURCE_TAG]: 'x' })] }] });
    t.emu.inject({ operation: 'rds:DeleteDBClusterSnapshot', kind: 'error', code: 'AccessDenied', message: 'injected fault', account: PROD });
    const ctx = t.context({ 'retain-snapshots': '0' });
    await cleanupSnapshots(ctx, { target: 'app-staging' }, sharedCopy('new'));
    const warning = ctx.report.diagnostics.find(d => d.title === 'Snapshot clean-up incomplete in the source account');
    expect(warning?.severity).toBe('warning');
    expect(warning?.message).toContain('old: injected fault');
  });
});
