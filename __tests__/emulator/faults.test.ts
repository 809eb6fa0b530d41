/** Fault injection and quotas, seen through the real SDK clients (and their retries). */
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  CopyDBClusterSnapshotCommand,
  CreateDBClusterSnapshotCommand,
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotsCommand,
  ModifyDBClusterCommand,
  ModifyDBClusterSnapshotAttributeCommand
} from '@aws-sdk/client-rds';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import type { RunningEmulator } from '../../emulator/index';
import { failure, PROD, scenario, sides, start, STG } from './harness';

let emu: RunningEmulator;
afterEach(async () => {
  await emu?.close();
});

describe('faults', () => {
  it('throttling is answered as AWS does and retried by the SDK', async () => {
    emu = await start();
    const { prod } = await sides(emu, { maxAttempts: 4 });
    emu.inject({ operation: 'rds:DescribeDBClusters', kind: 'throttle', times: 2 });
    emu.inject({ operation: 'DescribeKey', kind: 'throttle', times: 1 });
    const out = await prod.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'app-production' }));
    expect(out.$metadata.attempts).toBe(3);
    const key = await prod.kms.send(new DescribeKeyCommand({ KeyId: 'alias/rds-share' }));
    expect(key.$metadata.attempts).toBe(2);
    const errors = emu.state().requests.filter((r) => r.errorCode);
    expect(errors.map((r) => [r.errorCode, r.status])).toEqual([
      ['Throttling', 400],
      ['Throttling', 400],
      ['ThrottlingException', 400]
    ]);
  });

  it('an injected 5xx reaches a client that does not retry, with its status', async () => {
    emu = await start();
    const { prod } = await sides(emu);
    emu.inject({ operation: 'DescribeDBClusterSnapshots', kind: 'unavailable' });
    const e = await failure(prod.rds.send(new DescribeDBClusterSnapshotsCommand({})));
    expect(e.name).toBe('ServiceUnavailable');
    expect(e.$metadata?.httpStatusCode).toBe(503);
    emu.inject({ operation: 'DescribeDBClusterSnapshots', kind: 'internal' });
    expect((await failure(prod.rds.send(new DescribeDBClusterSnapshotsCommand({})))).$metadata?.httpStatusCode).toBe(500);
    // The next call is not affected.
    await prod.rds.send(new DescribeDBClusterSnapshotsCommand({}));
  });

  it('a given error the Nth time a call with a given parameter is made', async () => {
    emu = await start();
    const { stg } = await sides(emu);
    emu.inject({ operation: 'ModifyDBCluster', kind: 'error', code: 'InvalidDBClusterStateFault', after: 1, match: { NewDBClusterIdentifier: 'app-staging' } });
    const rename = (from: string, to: string) =>
      stg.rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: from, NewDBClusterIdentifier: to, ApplyImmediately: true }));
    await rename('app-staging', 'app-staging-old'); // does not match
    emu.advance(121);
    await rename('app-staging-old', 'app-staging'); // first matching call passes
    emu.advance(121);
    await rename('app-staging', 'app-staging-old');
    emu.advance(121);
    const e = await failure(rename('app-staging-old', 'app-staging')); // second matching call fails
    expect(e.name).toBe('InvalidDBClusterStateFault');
  });

  it('a copy that fails midway ends in status failed', async () => {
    emu = await start(scenario('seed.yaml', { faults: [{ operation: 'CopyDBClusterSnapshot', kind: 'fail-midway' }] }));
    const { prod } = await sides(emu);
    const snaps = await prod.rds.send(new DescribeDBClusterSnapshotsCommand({ SnapshotType: 'automated' }));
    const source = snaps.DBClusterSnapshots![0]!.DBClusterSnapshotIdentifier!;
    await prod.rds.send(new CopyDBClusterSnapshotCommand({ SourceDBClusterSnapshotIdentifier: source, TargetDBClusterSnapshotIdentifier: 'doomed', KmsKeyId: 'alias/rds-share' }));
    emu.advance(1200);
    const d = await prod.rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: 'doomed' }));
    expect(d.DBClusterSnapshots?.[0]?.Status).toBe('failed');
  });

  it('faults can be added at run time over HTTP', async () => {
    emu = await start();
    const { prod } = await sides(emu);
    const res = await fetch(`${emu.url}/_emulator/faults`, { method: 'POST', body: JSON.stringify({ operation: 'DescribeDBClusters', kind: 'error', code: 'DBClusterNotFoundFault' }) });
    expect(res.status).toBe(200);
    expect((await failure(prod.rds.send(new DescribeDBClustersCommand({})))).name).toBe('DBClusterNotFoundFault');
    const state = (await (await fetch(`${emu.url}/_emulator/state`)).json()) as { counts: Record<string, number>; accounts: { id: string; clusters: { id: string }[] }[] };
    expect(state.counts['rds:DescribeDBClusters']).toBe(1);
    expect(state.accounts.find((a) => a.id === PROD)?.clusters.map((c) => c.id)).toEqual(['app-production']);
  });
});

describe('quotas and identifiers', () => {
  it('the manual cluster snapshot quota gives SnapshotQuotaExceeded', async () => {
    emu = await start(scenario('seed.yaml', { accounts: [{ id: PROD, manualSnapshotQuota: 1 }] }));
    const { prod } = await sides(emu);
    await prod.rds.send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: 'app-production', DBClusterSnapshotIdentifier: 'one' }));
    emu.advance(301);
    const e = await failure(prod.rds.send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: 'app-production', DBClusterSnapshotIdentifier: 'two' })));
    expect(e.name).toBe('SnapshotQuotaExceededFault');
    // The wire code of SnapshotQuotaExceededFault is SnapshotQuotaExceeded (awsQueryError in the model).
    expect((e as unknown as { Code: string }).Code).toBe('SnapshotQuotaExceeded');
  });

  it('a snapshot can be shared with at most 20 accounts', async () => {
    emu = await start(scenario('seed.yaml', { accounts: [{ id: PROD, snapshots: [{ id: 'manual-cmk', cluster: 'app-production', type: 'manual', kmsKey: 'alias/rds-share' }] }] }));
    const { prod } = await sides(emu);
    const accounts = Array.from({ length: 20 }, (_, i) => String(300000000000 + i));
    await prod.rds.send(new ModifyDBClusterSnapshotAttributeCommand({ DBClusterSnapshotIdentifier: 'manual-cmk', AttributeName: 'restore', ValuesToAdd: accounts }));
    const e = await failure(
      prod.rds.send(new ModifyDBClusterSnapshotAttributeCommand({ DBClusterSnapshotIdentifier: 'manual-cmk', AttributeName: 'restore', ValuesToAdd: [STG] }))
    );
    expect(e.name).toBe('SharedSnapshotQuotaExceededFault');
  });

  it('refuses a target id with a colon, and an existing one', async () => {
    emu = await start();
    const { prod } = await sides(emu);
    const snaps = await prod.rds.send(new DescribeDBClusterSnapshotsCommand({ SnapshotType: 'automated' }));
    const source = snaps.DBClusterSnapshots![0]!.DBClusterSnapshotIdentifier!;
    const copy = (target: string) => prod.rds.send(new CopyDBClusterSnapshotCommand({ SourceDBClusterSnapshotIdentifier: source, TargetDBClusterSnapshotIdentifier: target }));
    expect((await failure(copy(source))).name).toBe('InvalidParameterValue');
    await copy('plain-copy');
    expect((await failure(copy('plain-copy'))).name).toBe('DBClusterSnapshotAlreadyExistsFault');
  });

  it('RDS calls are checked against the caller IAM policies', async () => {
    emu = await start();
    const { stg } = await sides(emu);
    emu.world.account(STG)!.roles.get('rds-sync-staging')!.policies.push({ Statement: [{ Effect: 'Deny', Action: 'rds:DescribeDBClusters', Resource: '*' }] });
    const e = await failure(stg.rds.send(new DescribeDBClustersCommand({})));
    expect(e.name).toBe('AccessDenied');
    expect(e.$metadata?.httpStatusCode).toBe(403);
    expect(e.message).toMatch(/^User: arn:aws:sts::222222222222:assumed-role\/rds-sync-staging\/github-actions is not authorized to perform: rds:DescribeDBClusters on resource: arn:aws:rds:ap-northeast-1:222222222222:cluster:\*/);
  });
});
