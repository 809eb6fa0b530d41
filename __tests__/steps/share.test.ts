import { describe, expect, it } from '@jest/globals';
import { SharedSnapshotQuotaExceededFault } from '@aws-sdk/client-rds';
import type { SnapshotAdapter } from '../../src/aws/snapshots';
import { DiagnosedError } from '../../src/errors';
import { shareSnapshot } from '../../src/steps/share';
import type { DbKind } from '../../src/types';

/** Just what shareSnapshot calls: the restore attribute already full, and a share RDS refuses for the quota. */
function fullAdapter(kind: DbKind): SnapshotAdapter {
  const accounts = Array.from({ length: 20 }, (_, i) => String(300000000000 + i));
  return {
    kind,
    sharedWith: async () => accounts,
    share: async () => {
      throw new SharedSnapshotQuotaExceededFault({ message: 'quota', $metadata: {} });
    }
  } as unknown as SnapshotAdapter;
}

async function quotaFix(kind: DbKind): Promise<string> {
  const e = await shareSnapshot(fullAdapter(kind), 'snap-1', '222222222222', 'ap-northeast-1').then(
    () => {
      throw new Error('expected a failure');
    },
    (err: unknown) => err
  );
  expect(e).toBeInstanceOf(DiagnosedError);
  return (e as DiagnosedError).diagnostics[0].fix ?? '';
}

describe('shareSnapshot: SharedSnapshotQuotaExceeded fix names the command of the snapshot kind', () => {
  it('Aurora cluster snapshot: modify-db-cluster-snapshot-attribute', async () => {
    expect(await quotaFix('cluster')).toContain('aws rds modify-db-cluster-snapshot-attribute --region ap-northeast-1 --db-cluster-snapshot-identifier snap-1 --attribute-name restore --values-to-remove');
  });

  it('RDS DB snapshot: modify-db-snapshot-attribute', async () => {
    const fix = await quotaFix('instance');
    expect(fix).toContain('aws rds modify-db-snapshot-attribute --region ap-northeast-1 --db-snapshot-identifier snap-1 --attribute-name restore --values-to-remove');
    expect(fix).not.toContain('cluster');
  });
});
