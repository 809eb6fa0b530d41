import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { Accounts } from '../../src/accounts';
import type { Context } from '../../src/context';
import { Report } from '../../src/report';
import { readSettings, type ResolvedSettings } from '../../src/settings';
import { StateStore, type RunState } from '../../src/state';
import type { SharedSnapshot } from '../../src/types';
import type { Clock } from '../../src/wait';
import { FakeRds } from './fake-rds';

export const SOURCE_ACCOUNT = '111111111111';
export const TARGET_ACCOUNT = '222222222222';
export const REGION = 'ap-northeast-1';
export const TARGET_KEY = `arn:aws:kms:${REGION}:${TARGET_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

/** A valid masking rules file: settings validate it before anything else runs. */
export const RULES_FILE = join(mkdtempSync(join(tmpdir(), 'rcas-rules-')), 'masking.yml');
writeFileSync(RULES_FILE, 'tables:\n  users:\n    email: email\n');

export function baseInputs(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'aws-region': REGION,
    'source-account-id': SOURCE_ACCOUNT,
    'target-account-id': TARGET_ACCOUNT,
    'source-cluster': 'app-production',
    'target-cluster': 'app-staging',
    'target-kms-key-id': TARGET_KEY,
    ...extra
  };
}

/** A clock whose sleeps pass at once: waits poll as fast as the fake answers. */
export function fastClock(): Clock {
  let t = 1_764_300_000_000;
  return { now: () => t, sleep: async ms => void (t += ms) };
}

export interface World {
  source: FakeRds;
  target: FakeRds;
}

export function makeWorld(): World {
  return { source: new FakeRds(SOURCE_ACCOUNT), target: new FakeRds(TARGET_ACCOUNT) };
}

/** What a fake account brings to a run: its id and its RDS client. */
export interface FakeAccount {
  accountId: string;
  client: RDSClient;
}

/** The Context of a run against two fake accounts: settings read from `inputs`, each side's RDS client the fake's, a fast clock. */
export function fakeContext(
  inputs: Record<string, string>,
  sides: { source: FakeAccount; target: FakeAccount },
  opts: { runId?: string; state?: RunState } = {}
): Context {
  const settings = readSettings(name => inputs[name] ?? '');
  const account = (side: 'source' | 'target', fake: FakeAccount) => ({
    side,
    accountId: fake.accountId,
    region: REGION,
    partition: 'aws',
    principalArn: `arn:aws:iam::${fake.accountId}:role/sync`,
    callerArn: `arn:aws:sts::${fake.accountId}:assumed-role/sync/s`,
    via: 'ambient' as const,
    rds: fake.client
  });
  const accounts = { source: account('source', sides.source), target: account('target', sides.target) } as unknown as Accounts;
  const runId = opts.runId ?? '900-1';
  return {
    // Open when the inputs leave the kind to detection (source-db): some tests build such a context on purpose.
    settings: settings as ResolvedSettings,
    accounts,
    report: new Report(),
    state: new StateStore(opts.state ?? { runId }),
    runId,
    clock: fastClock()
  };
}

export function makeCtx(world: World, inputs: Record<string, string> = {}, opts: { runId?: string; state?: RunState } = {}): Context {
  return fakeContext(baseInputs(inputs), world, opts);
}

export function sharedSnapshot(world: World, id = 'app-production-2026-11-28-cmk'): SharedSnapshot {
  return {
    kind: 'cluster',
    arn: world.source.snapshotArn(id),
    identifier: id,
    kmsKeyArn: `arn:aws:kms:${REGION}:${SOURCE_ACCOUNT}:key/aaaaaaaa-12ab-34cd-56ef-1234567890ab`,
    engine: 'aurora-postgresql',
    engineVersion: '16.4',
    sourceSnapshotId: 'rds:app-production-2026-11-28-03-10',
    copied: true
  };
}

/** The usual staging cluster: two instances, deletion protection on, its own security group. */
export function addStaging(world: World, extra: { deletionProtection?: boolean } = {}): void {
  world.target.addCluster(
    {
      id: 'app-staging',
      deletionProtection: extra.deletionProtection ?? true,
      securityGroups: ['sg-0000000000000aaaa'],
      tags: { team: 'payments', 'aws:cloudformation:stack-name': 'x' }
    },
    [
      { id: 'app-staging-1', instanceClass: 'db.r6g.xlarge', parameterGroup: 'staging-instance-params' },
      { id: 'app-staging-2', instanceClass: 'db.r6g.xlarge', parameterGroup: 'staging-instance-params' }
    ]
  );
}
