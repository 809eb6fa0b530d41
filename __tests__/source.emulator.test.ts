/**
 * The source side against the local emulator (real SDK clients over HTTP,
 * the emulator's own IAM and key-policy enforcement): an automated aws/rds
 * snapshot is copied under the CMK and shared; a second run reuses the copy.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KMSClient } from '@aws-sdk/client-kms';
import { DescribeDBClusterSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import type { Account } from '../src/accounts';
import type { Context } from '../src/context';
import { planSource } from '../src/transfer/snapshot';
import { Report } from '../src/report';
import { kindFromInputs, readSettings } from '../src/settings';
import { runSource } from '../src/source';
import { StateStore } from '../src/state';
import { startEmulator, type RunningEmulator } from '../emulator/index';
import { quietStdout } from './helpers/stdout';
import { testClock } from './fixtures/clock';

const REGION = 'ap-northeast-1';
const PROD = '111111111111';
const STAGING = '222222222222';
const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const CMK = `arn:aws:kms:${REGION}:${PROD}:key/${KEY_ID}`;
const admin = { Version: '2012-10-17', Statement: [{ Effect: 'Allow' as const, Action: '*', Resource: '*' }] };

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({
    databases: null,
    scenario: {
      region: REGION,
      accounts: [
        {
          id: PROD,
          users: [{ name: 'prod-admin', accessKeys: [{ id: 'AKIAPRODEXAMPLE00001', secret: 'prod-secret' }], policies: [admin] }],
          keys: [
            {
              id: KEY_ID,
              alias: 'alias/rds-share',
              policy: {
                Version: '2012-10-17',
                Statement: [
                  { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${PROD}:root` }, Action: 'kms:*', Resource: '*' },
                  { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${STAGING}:root` }, Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:CreateGrant', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'], Resource: '*' }
                ]
              }
            }
          ],
          clusters: [{ id: 'app-production', sizeGb: 10 }],
          snapshots: [{ cluster: 'app-production', type: 'automated', sizeGb: 10 }]
        },
        { id: STAGING, users: [{ name: 'staging-admin', accessKeys: [{ id: 'AKIASTAGEXAMPLE00001', secret: 'staging-secret' }], policies: [admin] }] }
      ]
    }
  });
});
afterAll(async () => {
  await emu?.close();
});
quietStdout();

function context(): Context {
  const settings = readSettings(
    n =>
      ({
        'aws-region': REGION,
        'source-account-id': PROD,
        'target-account-id': STAGING,
        'source-cluster': 'app-production',
        'target-cluster': 'app-staging',
        'kms-key-id': CMK,
        'wait-timeout-minutes': '600'
      })[n] ?? ''
  );
  const account = (side: 'source' | 'target', accountId: string, key: string, secret: string, user: string): Account => {
    const config = { region: REGION, endpoint: emu.url, credentials: { accessKeyId: key, secretAccessKey: secret }, maxAttempts: 1 };
    return {
      side,
      accountId,
      region: REGION,
      partition: 'aws',
      principalArn: `arn:aws:iam::${accountId}:user/${user}`,
      callerArn: `arn:aws:iam::${accountId}:user/${user}`,
      via: 'ambient',
      rds: new RDSClient(config),
      kms: new KMSClient(config),
      sts: {} as Account['sts']
    };
  };
  return {
    settings: kindFromInputs(settings),
    accounts: {
      source: account('source', PROD, 'AKIAPRODEXAMPLE00001', 'prod-secret', 'prod-admin'),
      target: account('target', STAGING, 'AKIASTAGEXAMPLE00001', 'staging-secret', 'staging-admin')
    },
    report: new Report(),
    state: new StateStore(),
    runId: '7-1',
    // Sleeping moves the emulator's simulated clock instead of waiting.
    clock: testClock({ start: emu.world.clock.now(), emulator: emu })
  };
}

describe('source side against the emulator', () => {
  it('copies the automated aws/rds snapshot under the CMK, shares it, and a rerun reuses the copy', async () => {
    const ctx = context();
    const plan = await planSource(ctx);
    expect(plan.snapshot).toMatchObject({ type: 'automated', keyManager: 'AWS' });
    expect(plan.copy).toMatchObject({ needed: true, kmsKeyArn: CMK });
    const shared = await runSource(ctx, plan);
    expect(shared).toMatchObject({ copied: true, kmsKeyArn: CMK, identifier: plan.copy.needed ? plan.copy.identifier : '' });
    expect(shared.arn).toMatch(new RegExp(`^arn:aws:rds:${REGION}:${PROD}:cluster-snapshot:rcas-app-production-`));

    const again = context();
    const plan2 = await planSource(again);
    expect(plan2.copy).toMatchObject({ needed: true, existing: { status: 'available' } });
    expect(plan2.shared.alreadyShared).toBe(true);
    const shared2 = await runSource(again, plan2);
    expect(shared2.arn).toBe(shared.arn);
    const counts = emu.state().counts;
    expect(counts['rds:CopyDBClusterSnapshot']).toBe(1);
    expect(counts['rds:ModifyDBClusterSnapshotAttribute']).toBe(1);
    expect(again.report.outputs).toEqual({ 'snapshot-arn': shared.arn, 'snapshot-copied': 'true', 'kms-key-arn': CMK });

    // The staging account now sees it, by ARN.
    const seen = await again.accounts.target.rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: shared.arn, IncludeShared: true }));
    expect(seen.DBClusterSnapshots?.[0]).toMatchObject({ DBClusterSnapshotArn: shared.arn, Status: 'available', KmsKeyId: CMK });
  });
});
