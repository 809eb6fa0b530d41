/**
 * What makes races reproducible and what decides them, through the real SDK:
 * a `pause` fault holds a call until released; tags are last-writer-wins (no
 * mutex); a new cluster or instance name is refused while taken.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  AddTagsToResourceCommand,
  CreateDBClusterSnapshotCommand,
  DescribeDBClustersCommand,
  ListTagsForResourceCommand,
  ModifyDBClusterCommand,
  RestoreDBClusterFromSnapshotCommand
} from '@aws-sdk/client-rds';
import type { RunningEmulator } from '../../emulator/index';
import { probeKey } from '../../src/diagnostics/probe';
import { failure, PROD, scenario, sides, start, STG, stgRole } from './harness';

let emu: RunningEmulator;
afterEach(async () => {
  await emu?.close();
});

const stagingArn = `arn:aws:rds:ap-northeast-1:${STG}:cluster:app-staging`;

describe('pause faults', () => {
  it('hold the matching call until released, let others through, and hold only as many calls as `times`', async () => {
    emu = await start();
    const { stg } = await sides(emu);
    emu.inject({ operation: 'rds:AddTagsToResource', kind: 'pause', name: 'gate' });
    let done = false;
    const held = stg.rds.send(new AddTagsToResourceCommand({ ResourceName: stagingArn, Tags: [{ Key: 'who', Value: 'first' }] })).then(() => (done = true));
    await emu.paused('gate');
    // Other calls, and the next call of the same operation (times: 1), go through meanwhile.
    await stg.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'app-staging' }));
    await stg.rds.send(new AddTagsToResourceCommand({ ResourceName: stagingArn, Tags: [{ Key: 'who', Value: 'second' }] }));
    expect(done).toBe(false);
    emu.release('gate');
    await held;
    // The held call ran last, so its value is the one that stays.
    const tags = await stg.rds.send(new ListTagsForResourceCommand({ ResourceName: stagingArn }));
    expect(tags.TagList?.filter(t => t.Key === 'who')).toEqual([{ Key: 'who', Value: 'first' }]);
  });

  it('are released over HTTP too', async () => {
    emu = await start();
    const { stg } = await sides(emu);
    emu.inject({ operation: 'rds:DescribeDBClusters', kind: 'pause', name: 'http-gate' });
    const held = stg.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'app-staging' }));
    await emu.paused('http-gate');
    const res = await fetch(`${emu.url}/_emulator/release?name=http-gate`, { method: 'POST' });
    expect(res.status).toBe(200);
    await expect(held).resolves.toMatchObject({ DBClusters: [{ DBClusterIdentifier: 'app-staging' }] });
  });

  it('a pause fault needs a known kind and is listed with the active faults', async () => {
    emu = await start();
    expect(() => emu.inject({ operation: 'x', kind: 'hold' as never })).toThrow(/one of .*pause/);
    emu.inject({ operation: 'rds:ModifyDBCluster', kind: 'pause', name: 'g' });
    expect(JSON.stringify(emu.state())).toContain('"kind":"pause"');
  });
});

describe('what decides a race on AWS', () => {
  it('tags are last-writer-wins: a second AddTagsToResource on the same key overwrites the first', async () => {
    emu = await start();
    const { stg } = await sides(emu);
    await stg.rds.send(new AddTagsToResourceCommand({ ResourceName: stagingArn, Tags: [{ Key: 'lock', Value: 'run=a' }] }));
    await stg.rds.send(new AddTagsToResourceCommand({ ResourceName: stagingArn, Tags: [{ Key: 'lock', Value: 'run=b' }] }));
    const tags = await stg.rds.send(new ListTagsForResourceCommand({ ResourceName: stagingArn }));
    expect(tags.TagList?.filter(t => t.Key === 'lock')).toEqual([{ Key: 'lock', Value: 'run=b' }]);
  });

  it('a cluster name is given out once: restore and rename to a taken name answer DBClusterAlreadyExistsFault', async () => {
    emu = await start(scenario());
    const { stg } = await sides(emu);
    await stg.rds.send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: 'app-staging', DBClusterSnapshotIdentifier: 'name-test' }));
    emu.advance(3600);
    const e = await failure(stg.rds.send(new RestoreDBClusterFromSnapshotCommand({ DBClusterIdentifier: 'app-staging', SnapshotIdentifier: 'name-test', Engine: 'aurora-postgresql' })));
    expect(e.name).toBe('DBClusterAlreadyExistsFault');
    expect(e.$metadata?.httpStatusCode).toBe(400);
    // The name is taken from the moment the restore is accepted, long before the cluster is available.
    await stg.rds.send(new RestoreDBClusterFromSnapshotCommand({ DBClusterIdentifier: 'app-staging-sync', SnapshotIdentifier: 'name-test', Engine: 'aurora-postgresql' }));
    const again = await failure(stg.rds.send(new RestoreDBClusterFromSnapshotCommand({ DBClusterIdentifier: 'App-Staging-Sync', SnapshotIdentifier: 'name-test', Engine: 'aurora-postgresql' })));
    expect(again.name).toBe('DBClusterAlreadyExistsFault');
    const rename = await failure(stg.rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'app-staging', NewDBClusterIdentifier: 'app-staging-sync', ApplyImmediately: true })));
    expect(rename.name).toBe('DBClusterAlreadyExistsFault');
  });
});

describe('a leftover probe grant', () => {
  it('that could be neither retired nor revoked is retired by the next probe: CreateGrant with the same Name returns it', async () => {
    emu = await start();
    const { stg } = await sides(emu);
    const keyArn = `arn:aws:kms:ap-northeast-1:${PROD}:key/0d2c6a8e-1111-4a5b-9c3d-000000000001`;
    const grants = () => [...emu.world.account(PROD)!.keys.values()].find(k => k.arn === keyArn)!.grants;
    emu.inject({ operation: 'kms:RetireGrant', kind: 'error', code: 'AccessDeniedException', status: 400, times: 1 });
    emu.inject({ operation: 'kms:RevokeGrant', kind: 'error', code: 'AccessDeniedException', status: 400, times: 1 });
    const first = await probeKey(stg.kms, keyArn, stgRole);
    expect(first.cleanup).toMatchObject({ ok: false, code: 'AccessDeniedException' });
    expect(grants().map(g => g.GrantId)).toEqual([first.grantId]);

    const next = await probeKey(stg.kms, keyArn, stgRole);
    expect(next.grantId).toBe(first.grantId);
    expect(next.cleanup).toEqual({ ok: true });
    expect(grants()).toEqual([]);
  });
});
