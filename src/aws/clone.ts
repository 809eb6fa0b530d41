/**
 * RDS calls of the clone transfer: the production cluster's facts (from the
 * production account), the shared cluster as the staging account sees it, and
 * the copy-on-write clone (RestoreDBClusterToPointInTime with the shared ARN).
 */
import { DescribeDBClustersCommand, RestoreDBClusterToPointInTimeCommand, type RDSClient } from '@aws-sdk/client-rds';
import { ifFound } from './calls';
import { newClusterSettings, type RestoreRequest } from './databases';

export interface SourceClusterFacts {
  identifier: string;
  arn: string;
  status: string;
  engine: string;
  engineVersion?: string;
  engineMode?: string;
  instances: number;
  encrypted: boolean;
  kmsKeyArn?: string;
  crossAccountClone?: boolean;
}

export async function describeSourceCluster(rds: RDSClient, identifier: string): Promise<SourceClusterFacts | undefined> {
  const out = await ifFound(() => rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: identifier })), 'DBClusterNotFoundFault');
  const c = out?.DBClusters?.[0];
  if (!c) return undefined;
  return {
    identifier: c.DBClusterIdentifier ?? identifier,
    arn: c.DBClusterArn ?? '',
    status: c.Status ?? 'unknown',
    engine: c.Engine ?? '',
    engineVersion: c.EngineVersion,
    engineMode: c.EngineMode,
    instances: c.DBClusterMembers?.length ?? 0,
    encrypted: c.StorageEncrypted ?? false,
    kmsKeyArn: c.KmsKeyId,
    crossAccountClone: c.CrossAccountClone
  };
}

/** Whether the staging account sees the shared cluster (RDS answers DBClusterNotFoundFault until the share reached it). */
export async function sharedClusterVisible(rds: RDSClient, arn: string): Promise<boolean> {
  const out = await ifFound(() => rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: arn, IncludeShared: true })), 'DBClusterNotFoundFault');
  return Boolean(out?.DBClusters?.some(c => c.DBClusterArn === arn));
}

export interface CloneRequest extends Omit<RestoreRequest, 'snapshotArn' | 'engineVersion' | 'instanceClass' | 'dbParameterGroup' | 'publiclyAccessible' | 'optionGroup'> {
  /** The shared cluster's ARN: another account's cluster is named by its ARN only. */
  sourceArn: string;
}

/** The copy-on-write clone of the shared cluster, under the staging key, in the isolation security groups. */
export async function cloneCluster(rds: RDSClient, req: CloneRequest): Promise<void> {
  await rds.send(
    new RestoreDBClusterToPointInTimeCommand({
      DBClusterIdentifier: req.identifier,
      SourceDBClusterIdentifier: req.sourceArn,
      RestoreType: 'copy-on-write',
      UseLatestRestorableTime: true,
      ...newClusterSettings(req)
    })
  );
}
