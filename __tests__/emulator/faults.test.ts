/** Fault injection and quotas, seen through the real SDK clients (and their retries). */
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  CopyDBClusterSnapshotCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBInstancesCommand,
  ModifyDBClusterCommand,
  ModifyDBClusterSnapshotAttributeCommand,
  RestoreDBClusterFromSnapshotCommand
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
    const errors = emu.state().requests.filter(r => r.errorCode);
    expect(errors.map(r => [r.errorCode, r.status])).toEqual([
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
    const rename = (from: string, to: string) => stg.rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: from, NewDBClusterIdentifier: to, ApplyImmediately: true }));
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

  it('hang: the call takes effect, its answer never comes until released', async () => {
    emu = await start();
    const { stg } = await sides(emu);
    emu.inject({ operation: 'rds:ModifyDBCluster', kind: 'hang', name: 'killed', match: { NewDBClusterIdentifier: 'app-staging-old' } });
    let settled = false;
    const call = stg.rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'app-staging', NewDBClusterIdentifier: 'app-staging-old', ApplyImmediately: true })).finally(() => (settled = true));
    await emu.paused('killed');
    // RDS acted: the rename is under way, the caller still waits.
    const staging = (emu.state().accounts.find(a => a.id === STG) as { clusters: Array<{ id: string; status: string }> }).clusters;
    expect(staging.map(c => [c.id, c.status])).toEqual([['app-staging-old', 'renaming']]);
    await new Promise(r => setTimeout(r, 50));
    expect(settled).toBe(false);
    emu.release('killed');
    await expect(call).resolves.toMatchObject({ DBCluster: { DBClusterIdentifier: 'app-staging-old' } });
  });

  it("match '*': only calls that give the parameter, a list parameter by any member", async () => {
    emu = await start();
    const { stg } = await sides(emu);
    emu.inject({ operation: 'ModifyDBCluster', kind: 'error', code: 'InvalidParameterValue', times: 5, match: { VpcSecurityGroupIds: '*' } });
    const modify = (extra: Record<string, unknown>) => stg.rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'app-staging', ApplyImmediately: true, ...extra }));
    await modify({ DeletionProtection: true }); // no security groups: passes
    const e = await failure(modify({ VpcSecurityGroupIds: ['sg-0stg00000000000b'] }));
    expect(e.name).toBe('InvalidParameterValue');
  });

  it('fail-midway with endsIn: a restore that ends in inaccessible-encryption-credentials; an instance creation that ends failed', async () => {
    emu = await start(
      scenario('seed.yaml', {
        faults: [
          { operation: 'RestoreDBClusterFromSnapshot', kind: 'fail-midway', endsIn: 'inaccessible-encryption-credentials' },
          { operation: 'CreateDBInstance', kind: 'fail-midway' }
        ]
      })
    );
    const { stg } = await sides(emu);
    await stg.rds.send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: 'app-staging', DBClusterSnapshotIdentifier: 'staging-now' }));
    emu.advance(900);
    await stg.rds.send(new RestoreDBClusterFromSnapshotCommand({ DBClusterIdentifier: 'restored', SnapshotIdentifier: 'staging-now', Engine: 'aurora-postgresql' }));
    emu.advance(900);
    const restored = await stg.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'restored' }));
    expect(restored.DBClusters?.[0]?.Status).toBe('inaccessible-encryption-credentials');
    await stg.rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: 'app-staging-2', DBClusterIdentifier: 'app-staging', Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large' }));
    emu.advance(900);
    const inst = await stg.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'app-staging-2' }));
    expect(inst.DBInstances?.[0]?.DBInstanceStatus).toBe('failed');
  });

  it('faults can be added at run time over HTTP', async () => {
    emu = await start();
    const { prod } = await sides(emu);
    const res = await fetch(`${emu.url}/_emulator/faults`, { method: 'POST', body: JSON.stringify({ operation: 'DescribeDBClusters', kind: 'error', code: 'DBClusterNotFoundFault' }) });
    expect(res.status).toBe(200);
    expect((await failure(prod.rds.send(new DescribeDBClustersCommand({})))).name).toBe('DBClusterNotFoundFault');
    const state = (await (await fetch(`${emu.url}/_emulator/state`)).json()) as { counts: Record<string, number>; accounts: { id: string; clusters: { id: string }[] }[] };
    expect(state.counts['rds:DescribeDBClusters']).toBe(1);
    expect(state.accounts.find(a => a.id === PROD)?.clusters.map(c => c.id)).toEqual(['app-production']);
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
    const e = await failure(prod.rds.send(new ModifyDBClusterSnapshotAttributeCommand({ DBClusterSnapshotIdentifier: 'manual-cmk', AttributeName: 'restore', ValuesToAdd: [STG] })));
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
    emu.world
      .account(STG)!
      .roles.get('rds-sync-staging')!
      .policies.push({ Statement: [{ Effect: 'Deny', Action: 'rds:DescribeDBClusters', Resource: '*' }] });
    const e = await failure(stg.rds.send(new DescribeDBClustersCommand({})));
    expect(e.name).toBe('AccessDenied');
    expect(e.$metadata?.httpStatusCode).toBe(403);
    expect(e.message).toMatch(
      /^User: arn:aws:sts::222222222222:assumed-role\/rds-sync-staging\/github-actions is not authorized to perform: rds:DescribeDBClusters on resource: arn:aws:rds:ap-northeast-1:222222222222:cluster:\*/
    );
  });
});
