/**
 * The clone is given the same settings as a snapshot restore (one builder for both
 * requests), so a Serverless v2 staging cluster keeps its scaling range either way.
 */
import { describe, expect, it } from '@jest/globals';
import { RDSClient, RestoreDBClusterFromSnapshotCommand, RestoreDBClusterToPointInTimeCommand } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { cloneCluster } from '../../src/aws/clone';
import { newClusterSettings, type RestoreRequest } from '../../src/aws/databases';

const request: RestoreRequest = {
  identifier: 'app-staging-sync',
  snapshotArn: 'arn:aws:rds:ap-northeast-1:111111111111:cluster-snapshot:rcas-x',
  engine: 'aurora-postgresql',
  kmsKeyId: 'arn:aws:kms:ap-northeast-1:222222222222:key/5e7f9a1b-2222-4c6d-8e0f-000000000002',
  dbSubnetGroup: 'staging-subnets',
  securityGroupIds: ['sg-0150a71000000000a'],
  port: 5432,
  serverlessV2: { minCapacity: 0.5, maxCapacity: 8 },
  tags: { 'rds-cross-account-sync:run': '123-1' }
} as RestoreRequest;

describe('cloneCluster', () => {
  it('sends a copy-on-write RestoreDBClusterToPointInTime with the settings a restore gets, scaling range included', async () => {
    const rds = mockClient(RDSClient);
    rds.on(RestoreDBClusterToPointInTimeCommand).resolves({});
    const { snapshotArn: _unused, ...rest } = request;
    await cloneCluster(new RDSClient({ region: 'ap-northeast-1' }), { ...rest, sourceArn: 'arn:aws:rds:ap-northeast-1:111111111111:cluster:app-production' });
    const input = rds.commandCalls(RestoreDBClusterToPointInTimeCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      DBClusterIdentifier: 'app-staging-sync',
      SourceDBClusterIdentifier: 'arn:aws:rds:ap-northeast-1:111111111111:cluster:app-production',
      RestoreType: 'copy-on-write',
      UseLatestRestorableTime: true,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 8 }
    });
    expect(input).toMatchObject(newClusterSettings(request));
    expect(rds.commandCalls(RestoreDBClusterFromSnapshotCommand)).toHaveLength(0);
    rds.restore();
  });
});
