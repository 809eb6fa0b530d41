/**
 * transfer: clone and auto, end to end: the bundled action in its own process
 * against the emulator (RAM over REST-JSON, RDS over the query protocol) through
 * the unmodified SDK.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { runnerFiles } from '../../tools/local-runner';
import { account, cluster, counts, SOURCE, stage, stagingView, STAGING_KEY, TARGET, seedInputs, type Stage } from './harness';

let s: Stage | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

interface RamView {
  shares: Array<{ name: string; status: string; allowExternalPrincipals: boolean; resources: string[]; principals: Record<string, { status: string }> }>;
  invitations: Array<{ status: string; receiver: string }>;
}
const ram = (st: Stage) => (st.emulator.state() as unknown as { ram: RamView }).ram;
const PROD_ARN = `arn:aws:rds:ap-northeast-1:${SOURCE}:cluster:app-production`;

describe('transfer: clone', () => {
  it('shares production through RAM, clones it in staging, swaps it in; no snapshot; the share is kept', async () => {
    s = await stage('clone.yaml');
    const oldStaging = cluster(s.emulator, TARGET, 'app-staging')!;
    const { main, post } = await s.job(seedInputs({ transfer: 'clone' }));
    expect(main.errors).toEqual([]);
    expect(main.code).toBe(0);
    expect(post.code).toBe(0);

    const c = counts(s.emulator);
    expect(c['rds:RestoreDBClusterToPointInTime']).toBe(1);
    for (const op of ['rds:CopyDBClusterSnapshot', 'rds:CreateDBClusterSnapshot', 'rds:RestoreDBClusterFromSnapshot', 'rds:ModifyDBClusterSnapshotAttribute']) expect(c[op] ?? 0).toBe(0);
    // The accounts share no organization: RAM refused the share inside one, the action shared externally; staging accepted.
    const r = ram(s);
    expect(r.shares).toHaveLength(1);
    expect(r.shares[0]).toMatchObject({ name: `rds-cross-account-sync-app-production-${TARGET}`, status: 'ACTIVE', allowExternalPrincipals: true, resources: [PROD_ARN] });
    expect(r.invitations.map(i => i.status)).toEqual(['ACCEPTED']);

    s.emulator.advance(3600);
    const staging = account(s.emulator, TARGET).clusters as unknown as Array<{ id: string; kmsKeyId?: string; crossAccountClone: boolean; securityGroups: string[]; deletionProtection: boolean }>;
    expect(staging.map(x => x.id)).toEqual(['app-staging']);
    expect(staging[0]).toMatchObject({ kmsKeyId: STAGING_KEY, crossAccountClone: true, securityGroups: oldStaging.securityGroups, deletionProtection: true });
    expect(main.outputs['cluster-identifier']).toBe('app-staging');
    expect(main.outputs['snapshot-arn']).toBeUndefined();
    for (const step of ['Plan: transfer', 'Share cluster (AWS RAM)', 'Accept share in staging', 'Restore', 'Swap']) expect(main.summary).toContain(step);
    expect(main.summary).toMatch(/Clean up snapshots[^\n]*a clone makes no snapshot/);
    expect(main.summary).toMatch(/Remove RAM share[^\n]*kept for the next run/);
    expect(main.stdout).not.toContain('production-secret-password');

    // The next night: staging holds a cross-account clone, and AWS allows one per account.
    const again = await s.run(seedInputs({ transfer: 'clone' }));
    expect(again.code).toBe(1);
    expect(again.errors.map(e => e.title)).toContain('transfer: clone: Staging already holds a cross-account clone');
    expect(counts(s.emulator)['rds:RestoreDBClusterToPointInTime']).toBe(1);
  });

  it("a later run finds its share again (no second share), and AWS's one-clone-per-account limit is explained", async () => {
    s = await stage('clone.yaml');
    expect((await s.job(seedInputs({ transfer: 'clone' }))).main.code).toBe(0);
    s.emulator.advance(3600);
    // Another staging cluster in the same account: the plan cannot see the clone limit coming, RDS refuses the clone.
    const { main, post } = await s.job(seedInputs({ transfer: 'clone', 'target-cluster': 'app-staging-two', 'vpc-security-group-ids': 'sg-0123456789abcdef0' }));
    expect(main.code).toBe(1);
    expect(main.errors.map(e => e.title)).toContain('Cross-account clone limit reached');
    expect(post.code).toBe(0);
    expect(main.summary).toMatch(/Share cluster \(AWS RAM\)[^\n]*found/);
    const c = counts(s.emulator);
    // Created once (after RAM refused it inside the organization: two calls), associated again on the second run.
    expect(c['ram:CreateResourceShare']).toBe(2);
    expect(c['ram:AssociateResourceShare']).toBe(1);
    expect(ram(s).shares.filter(x => x.status === 'ACTIVE')).toHaveLength(1);
    expect(ram(s).invitations).toHaveLength(1);
  });

  it('clone-share: remove deletes the share once the clone exists', async () => {
    s = await stage('clone.yaml');
    const { main } = await s.job(seedInputs({ transfer: 'clone', 'clone-share': 'remove' }));
    expect(main.errors).toEqual([]);
    expect(ram(s).shares[0]!.status).toBe('DELETED');
  });

  it('mode plan says what the clone does and changes nothing', async () => {
    s = await stage('clone.yaml');
    const main = await s.run(seedInputs({ transfer: 'auto', mode: 'plan' }));
    expect(main.errors).toEqual([]);
    expect(main.stdout).toMatch(/Transfer: clone through AWS RAM \(auto: every precondition holds\)/);
    expect(main.stdout).toMatch(/Clone the shared production cluster into a new cluster app-staging-sync,/);
    expect(ram(s).shares).toEqual([]);
    expect(JSON.parse(main.outputs['plan']!).transfer.method).toBe('clone');
  });
});

describe('transfer: auto falls back to snapshot, saying why', () => {
  it('aws/rds: the seed story runs the snapshot path', async () => {
    s = await stage('seed.yaml');
    const { main } = await s.job(seedInputs({ transfer: 'auto' }));
    expect(main.errors).toEqual([]);
    expect(main.code).toBe(0);
    expect(main.summary).toMatch(/Transfer: snapshot \(auto: cannot clone because app-production is encrypted under the AWS managed key aws\/rds/);
    expect(counts(s.emulator)['rds:RestoreDBClusterToPointInTime'] ?? 0).toBe(0);
    expect(counts(s.emulator)['rds:CopyDBClusterSnapshot']).toBe(1);
    expect(ram(s).shares).toEqual([]);
  });

  it('Aurora Serverless v1', async () => {
    s = await stage('clone-serverless-v1.yaml');
    const main = await s.run(seedInputs({ transfer: 'auto', mode: 'plan' }));
    expect(main.errors).toEqual([]);
    expect(main.stdout).toMatch(/Transfer: snapshot \(auto: cannot clone because app-production is Aurora Serverless v1/);
  });

  it('staging already a clone: the next run restores a snapshot and replaces the clone', async () => {
    s = await stage('clone.yaml');
    expect((await s.job(seedInputs({ transfer: 'auto' }))).main.code).toBe(0);
    s.emulator.advance(3600);
    const { main } = await s.job(seedInputs({ transfer: 'auto' }));
    expect(main.errors).toEqual([]);
    expect(main.summary).toMatch(/one cross-account clone of a cluster per account/);
    expect(counts(s.emulator)['rds:RestoreDBClusterFromSnapshot']).toBe(1);
    s.emulator.advance(3600);
    expect((account(s.emulator, TARGET).clusters as unknown as Array<{ crossAccountClone: boolean }>).map(x => x.crossAccountClone)).toEqual([false]);
  });
});

describe('the production key, judged by the key-policy analyser', () => {
  it('transfer: clone refuses before sharing, with the statements to add; auto says why it restores a snapshot', async () => {
    s = await stage('clone-key-without-staging.yaml');
    const refused = await s.run(seedInputs({ transfer: 'clone', mode: 'plan' }));
    expect(refused.code).toBe(1);
    const e = refused.errors.find(x => x.title === 'transfer: clone: The production key does not admit staging');
    expect(e).toBeDefined();
    expect(e!.message.split('\n')[0]).toMatch(/does not allow kms:DescribeKey, kms:CreateGrant, kms:Decrypt for the staging role/);
    expect(e!.message.split('\n')[0]).not.toMatch(/ListGrants|RevokeGrant/);
    expect(e!.message).toMatch(/"Principal":\s*\{\s*"AWS":\s*"arn:aws:iam::222222222222:role\/rds-sync-staging"/);
    expect(ram(s).shares).toEqual([]);
    const auto = await s.run(seedInputs({ transfer: 'auto', mode: 'plan' }));
    // auto restores a snapshot instead, saying why (and the snapshot path then names the same key problem).
    expect(auto.summary).toMatch(/Transfer: snapshot \(auto: cannot clone because the key arn:aws:kms:[^ ]+ of app-production: does not allow kms:DescribeKey, kms:CreateGrant, kms:Decrypt for/);
    expect(auto.errors.map(x => x.title)).toContain("The snapshot's key does not admit the staging account");
  });
});

describe('a fault at each new step: a titled annotation with the fix, staging as it was', () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['RAM denied to production', { operation: 'ram:GetResourceShares', kind: 'error', code: 'AccessDeniedException', status: 403 }, /^The production role may not use AWS RAM$/],
    ['organization sharing disabled', { operation: 'ram:CreateResourceShare', kind: 'error', code: 'OperationNotPermittedException', times: 2 }, /^AWS RAM cannot share the cluster with staging$/],
    ['invitation not accepted', { operation: 'ram:AcceptResourceShareInvitation', kind: 'error', code: 'ResourceShareInvitationExpiredException' }, /^The RAM invitation to staging was not accepted$/],
    ['clone limit reached', { operation: 'rds:RestoreDBClusterToPointInTime', kind: 'error', code: 'InvalidRestoreFault' }, /^Cross-account clone limit reached$/],
    ['clone failing midway', { operation: 'rds:RestoreDBClusterToPointInTime', kind: 'fail-midway' }, /./]
  ];
  it.each(cases)('%s', async (_name, fault, title) => {
    s = await stage('clone.yaml');
    const before = stagingView(s.emulator);
    s.emulator.inject(fault as never);
    const { main, post } = await s.job(seedInputs({ transfer: 'clone' }));
    expect(main.code).toBe(1);
    expect(main.errors.some(e => title.test(e.title ?? ''))).toBe(true);
    expect(main.errors.every(e => (e.title ?? '').length > 0)).toBe(true);
    expect(post.code).toBe(0);
    s.emulator.advance(3600);
    expect(stagingView(s.emulator)).toEqual(before);
  });
});

describe('a cancel during the clone', () => {
  it('the post step removes the clone and releases the lock: staging as it was', async () => {
    s = await stage('clone.yaml');
    const before = stagingView(s.emulator);
    const files = runnerFiles();
    let cancelled = false;
    const first = await s.run(seedInputs({ transfer: 'clone' }), {
      files,
      onStdout: (chunk, child) => {
        if (!cancelled && /Cloning arn:aws:rds:/.test(chunk)) {
          cancelled = true;
          child.kill('SIGINT');
        }
      }
    });
    expect(cancelled).toBe(true);
    expect(first.code).not.toBe(0);
    expect(counts(s.emulator)['rds:RestoreDBClusterToPointInTime']).toBe(1);
    const post = await s.run(seedInputs({ transfer: 'clone' }), { files, post: true });
    expect(post.code).toBe(0);
    s.emulator.advance(3600);
    expect(stagingView(s.emulator)).toEqual(before);
  });
});
