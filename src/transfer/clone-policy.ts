/**
 * The IAM statements the clone transfer adds to each role (mode: policies
 * prints them): production shares the cluster through RAM; staging accepts the
 * invitation and clones the shared cluster. The key policy of the cluster's CMK
 * needs the same staging statements as a shared snapshot's key (RDS uses the key
 * the same way for the clone), so it is the key policy mode: policies already writes.
 */
import type { PolicyStatement } from '../diagnostics/policy-json';

interface Sides {
  partition: string;
  region: string;
  source: { accountId: string; database: string };
  target: { accountId: string; database: string };
}

export function sourceCloneStatements(p: Sides): PolicyStatement[] {
  const shares = `arn:${p.partition}:ram:${p.region}:${p.source.accountId}:resource-share/*`;
  return [
    {
      Sid: 'CloneShareTheClusterThroughRam',
      Effect: 'Allow',
      Action: ['ram:CreateResourceShare', 'ram:TagResource', 'ram:AssociateResourceShare', 'ram:DisassociateResourceShare', 'ram:DeleteResourceShare'],
      Resource: shares
    },
    { Sid: 'CloneFindTheShare', Effect: 'Allow', Action: ['ram:GetResourceShares', 'rds:DescribeDBClusters'], Resource: '*' }
  ];
}

export function targetCloneStatements(p: Sides): PolicyStatement[] {
  const rds = (account: string, resource: string) => `arn:${p.partition}:rds:${p.region}:${account}:${resource}`;
  return [
    { Sid: 'CloneSeeTheInvitations', Effect: 'Allow', Action: 'ram:GetResourceShareInvitations', Resource: '*' },
    {
      Sid: 'CloneAcceptTheInvitation',
      Effect: 'Allow',
      Action: 'ram:AcceptResourceShareInvitation',
      Resource: `arn:${p.partition}:ram:${p.region}:${p.source.accountId}:resource-share-invitation/*`
    },
    {
      Sid: 'CloneTheSharedCluster',
      Effect: 'Allow',
      Action: ['rds:RestoreDBClusterToPointInTime', 'rds:AddTagsToResource'],
      Resource: [rds(p.target.accountId, `cluster:${p.target.database}*`), rds(p.source.accountId, `cluster:${p.source.database}`), rds(p.target.accountId, 'subgrp:*'), rds(p.target.accountId, 'cluster-pg:*')]
    }
  ];
}
