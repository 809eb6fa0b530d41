/**
 * The bundled action, in its own process, against the local AWS emulator over
 * HTTP through the unmodified SDK: the seed story and what must hold when
 * things go wrong.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { account, cluster, counts, scenarioWith, SHARE_KEY, SOURCE, stage, stagingView, STAGING_KEY, TARGET, seedInputs, type Stage } from './harness';

let s: Stage | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

describe('the seed story', () => {
  it('production on aws/rds, a CMK that admits staging: staging is refreshed', async () => {
    s = await stage('seed.yaml');
    const oldStaging = cluster(s.emulator, TARGET, 'app-staging')!;
    const { main, post } = await s.job(seedInputs());

    expect(main.errors).toEqual([]);
    expect(main.code).toBe(0);
    expect(post.code).toBe(0);

    // One full copy, under the CMK; shared; restored in staging under staging's key.
    expect(counts(s.emulator)['rds:CopyDBClusterSnapshot']).toBe(1);
    expect(main.outputs['snapshot-copied']).toBe('true');
    expect(main.outputs['kms-key-arn']).toBe(SHARE_KEY);
    expect(main.outputs['snapshot-arn']).toMatch(new RegExp(`^arn:aws:rds:ap-northeast-1:${SOURCE}:cluster-snapshot:rcas-app-production-`));
    expect(main.outputs['cluster-identifier']).toBe('app-staging');

    // The old cluster was deleted last; let the emulator's clock run until the deletion is through.
    s.emulator.advance(3600);
    const staging = account(s.emulator, TARGET).clusters;
    expect(staging.map(c => c.id)).toEqual(['app-staging']);
    const refreshed = staging[0];
    expect(refreshed.status).toBe('available');
    expect(refreshed.kmsKeyId).toBe(STAGING_KEY);
    // It took the old cluster's place: its security groups and deletion protection, not the isolation group.
    expect(refreshed.securityGroups).toEqual(oldStaging.securityGroups);
    expect(refreshed.deletionProtection).toBe(true);
    expect(refreshed.instances.map(i => i.id)).not.toEqual(oldStaging.instances.map(i => i.id));
    // No lock left behind.
    expect(refreshed.tags.map(t => t.Key)).not.toContain('rds-cross-account-sync:lock');

    // The job summary lists the steps with their results.
    expect(main.summary).toContain('Succeeded');
    for (const step of ['Credentials', 'Preflight', 'Re-encrypt copy', 'Share snapshot', 'Restore', 'Swap']) expect(main.summary).toContain(step);
    // Secrets never reach the log in clear: every one was masked before it was printed.
    expect(main.stdout).not.toContain('production-secret-password');
  });
});

describe('when the key policy does not admit staging', () => {
  it('fails before any copy with an annotated error naming the key, the principal and the statement to add', async () => {
    s = await stage('seed-missing-target.yaml');
    const before = stagingView(s.emulator);
    const { main } = await s.job(seedInputs());

    expect(main.code).toBe(1);
    const error = main.errors.find(e => e.title && /key/i.test(e.title));
    expect(error).toBeDefined();
    expect(error!.message).toContain(SHARE_KEY);
    expect(error!.message).toContain(`arn:aws:iam::${TARGET}:role/rds-sync-staging`);
    // The fix is JSON with the real ARNs.
    expect(error!.message).toMatch(/"Principal":\s*\{\s*"AWS":\s*"arn:aws:iam::222222222222:role\/rds-sync-staging"/);
    expect(counts(s.emulator)['rds:CopyDBClusterSnapshot'] ?? 0).toBe(0);
    s.emulator.advance(3600);
    expect(stagingView(s.emulator)).toEqual(before);
    expect(main.summary).toContain('Failed');
  });
});

describe('plan and preflight', () => {
  it.each(['plan', 'preflight'])('mode %s changes nothing', async mode => {
    s = await stage('seed.yaml');
    const before = JSON.stringify([account(s.emulator, SOURCE), account(s.emulator, TARGET)].map(a => [a.clusters, a.snapshots]));
    const main = await s.run(seedInputs({ mode }));
    expect(main.errors).toEqual([]);
    expect(main.code).toBe(0);
    const after = JSON.stringify([account(s.emulator, SOURCE), account(s.emulator, TARGET)].map(a => [a.clusters, a.snapshots]));
    expect(after).toBe(before);
    const c = counts(s.emulator);
    for (const op of Object.keys(c)) expect(op).toMatch(/^(sts:|kms:(Describe|Get|List|CreateGrant|RetireGrant|RevokeGrant)|rds:(Describe|List))/);
    // mode: plan creates nothing at all: no probe grant either; preflight probes each key once.
    if (mode === 'plan') expect(Object.keys(c).filter(op => /kms:(CreateGrant|RetireGrant|RevokeGrant)/.test(op))).toEqual([]);
    else expect(c['kms:CreateGrant']).toBe(2);
    expect(JSON.parse(main.outputs.plan).source.copy.needed).toBe(true);
  });
});

describe('resilience', () => {
  it('a rerun after a cancelled copy resumes it: one copy in all', async () => {
    s = await stage('seed.yaml');
    const files = (await import('../../tools/local-runner')).runnerFiles();
    let cancelled = false;
    const first = await s.run(seedInputs(), {
      files,
      onStdout: (chunk, child) => {
        if (!cancelled && /snapshot copy .*: copying/.test(chunk)) {
          cancelled = true;
          child.kill('SIGINT');
        }
      }
    });
    expect(cancelled).toBe(true);
    expect(first.code).not.toBe(0);
    const post = await s.run(seedInputs(), { files, post: true });
    expect(post.code).toBe(0);
    expect(counts(s.emulator)['rds:CopyDBClusterSnapshot']).toBe(1);

    const { main } = await s.job(seedInputs());
    expect(main.errors).toEqual([]);
    expect(main.code).toBe(0);
    expect(counts(s.emulator)['rds:CopyDBClusterSnapshot']).toBe(1);
    expect(main.stdout).toMatch(/resum|reus/i);
  });

  it('a failure in the middle of the swap leaves staging as it was', async () => {
    s = await stage('seed.yaml');
    const before = stagingView(s.emulator);
    // Promoting the new cluster to the staging name fails after the old one was renamed away.
    s.emulator.inject({ operation: 'rds:ModifyDBCluster', kind: 'error', code: 'InvalidDBClusterStateFault', times: 1, match: { NewDBClusterIdentifier: 'app-staging' } } as never);
    const { main, post } = await s.job(seedInputs());
    expect(main.code).toBe(1);
    expect(main.errors.length).toBeGreaterThan(0);
    expect(post.code).toBe(0);
    // The temporary cluster's deletion runs on; once through, staging is exactly as before.
    s.emulator.advance(3600);
    expect(stagingView(s.emulator)).toEqual(before);
  });

  it('a throttled API still ends in a refreshed staging', async () => {
    s = await stage('seed.yaml');
    s.emulator.inject({ operation: 'rds:DescribeDBClusters', kind: 'throttle', times: 3 } as never);
    s.emulator.inject({ operation: 'rds:CopyDBClusterSnapshot', kind: 'throttle', times: 2 } as never);
    s.emulator.inject({ operation: 'kms:DescribeKey', kind: 'unavailable', times: 1 } as never);
    const { main } = await s.job(seedInputs());
    expect(main.errors).toEqual([]);
    expect(main.code).toBe(0);
    const throttled = (s.emulator.state() as unknown as { requests: Array<{ errorCode?: string }> }).requests.filter(r => r.errorCode === 'Throttling');
    expect(throttled.length).toBe(5);
    expect(counts(s.emulator)['rds:CopyDBClusterSnapshot']).toBe(3);
    expect(cluster(s.emulator, TARGET, 'app-staging')!.kmsKeyId).toBe(STAGING_KEY);
  });
});

describe('the old staging cluster after the swap', () => {
  interface Logged {
    operation: string;
    account?: string;
    errorCode?: string;
  }
  const deletes = (st: Stage) => (st.emulator.state() as unknown as { requests: Logged[] }).requests.filter(r => r.account === TARGET && /^rds:DeleteDB(Cluster|Instance)$/.test(r.operation));
  const parkedClusters = (st: Stage) => account(st.emulator, TARGET).clusters.filter(c => c.id.startsWith('app-staging-old-'));

  it('is left deleting when the job ends, the summary says so, and the next run treats it as in progress', async () => {
    // Deletion takes 10 simulated hours: long enough to still be going when the next run looks.
    s = await stage(scenarioWith('seed.yaml', { timings: { deleteSeconds: 36_000 } }));
    const { main, post } = await s.job(seedInputs());
    expect(main.errors).toEqual([]);
    expect(main.code).toBe(0);
    expect(post.code).toBe(0);

    // The job did not wait for the deletion: the old cluster and its instance are still deleting.
    const [old] = parkedClusters(s);
    expect(old).toBeDefined();
    expect(old.status).toBe('deleting');
    expect(old.instances.length).toBeGreaterThan(0);
    expect(old.instances.every(i => i.status === 'deleting')).toBe(true);
    expect(main.summary).toContain(`deletion of the old cluster ${old.id} is in progress`);
    expect(main.stdout).toContain(`deletion of the old cluster ${old.id} is in progress`);
    // The lock is released: the new cluster carries no lock tag.
    expect(cluster(s.emulator, TARGET, 'app-staging')!.tags.map(t => t.Key)).not.toContain('rds-cross-account-sync:lock');
    const firstDeletes = deletes(s);
    expect(firstDeletes.filter(r => r.errorCode)).toEqual([]);

    // The next run finds it still deleting: in progress, reported, not an error, and not deleted a second time.
    const next = await s.job(seedInputs());
    expect(next.main.errors).toEqual([]);
    expect(next.main.code).toBe(0);
    expect(next.post.code).toBe(0);
    expect(next.main.summary).toContain('Deletion still in progress');
    expect(next.main.summary).toContain(`${old.id} (parked by run`);
    const secondDeletes = deletes(s).slice(firstDeletes.length);
    expect(secondDeletes.filter(r => r.errorCode)).toEqual([]);
    // Its own old cluster (the first run's new one): one instance and the cluster, nothing of the first run's.
    expect(secondDeletes.map(r => r.operation).sort()).toEqual(firstDeletes.map(r => r.operation).sort());
    expect(parkedClusters(s).map(c => c.status)).toEqual(['deleting', 'deleting']);

    // Once RDS is through, only staging is left.
    s.emulator.advance(100_000);
    expect(account(s.emulator, TARGET).clusters.map(c => c.id)).toEqual(['app-staging']);
  });

  it('with final-snapshot: take, the job still waits for the deletion and the final snapshot exists', async () => {
    // Deletion takes 2 simulated hours: the old cluster (with its final snapshot pending) is still there when the job ends.
    s = await stage(scenarioWith('seed.yaml', { timings: { deleteSeconds: 7_200 } }));
    const { main, post } = await s.job(seedInputs({ 'final-snapshot': 'take' }));
    expect(main.errors).toEqual([]);
    expect(main.code).toBe(0);
    expect(post.code).toBe(0);
    const [old] = parkedClusters(s);
    // The instances' deletion was awaited before DeleteDBCluster took the final snapshot.
    expect(old.status).toBe('deleting');
    expect(old.instances).toEqual([]);
    expect(main.summary).not.toContain('is in progress');
    expect(main.stdout).toMatch(/Old staging cluster app-staging-old-\S+ deleted \(final snapshot app-staging-final-\S+\)/);
    const final = account(s.emulator, TARGET).snapshots.filter(x => x.id.startsWith('app-staging-final-'));
    expect(final).toHaveLength(1);
    s.emulator.advance(100_000);
    expect(account(s.emulator, TARGET).snapshots.find(x => x.id === final[0].id)?.status).toBe('available');
    expect(account(s.emulator, TARGET).clusters.map(c => c.id)).toEqual(['app-staging']);
  });
});
