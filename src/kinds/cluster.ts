/** The Aurora DB cluster profile: words, CLI commands, IAM actions and fault codes. */
import type { KindProfile } from './profile';

export const clusterProfile: KindProfile = {
  kind: 'cluster',
  nouns: {
    short: 'cluster',
    db: 'DB cluster',
    full: 'Aurora DB cluster',
    aFull: 'an Aurora DB cluster',
    snapshot: 'DB cluster snapshot',
    snapshots: 'DB cluster snapshots',
    snapshotArn: 'DB cluster snapshot (cluster-snapshot:)'
  },
  inputHint: "'source-cluster' input (the cluster identifier, not an instance or endpoint name; use 'source-instance' for an RDS DB instance)",
  input: side => `${side}-cluster`,
  ops: {
    describe: 'DescribeDBClusters',
    modify: 'ModifyDBCluster',
    delete: 'DeleteDBInstance / DeleteDBCluster',
    restore: 'RestoreDBClusterFromSnapshot',
    describeSnapshots: 'DescribeDBClusterSnapshots',
    createSnapshot: 'CreateDBClusterSnapshot',
    copySnapshot: 'CopyDBClusterSnapshot',
    notFoundAnswer: 'DescribeDBClusters answered DBClusterNotFoundFault'
  },
  fields: {
    list: 'DBClusters',
    identifier: 'DBClusterIdentifier',
    status: 'Status',
    snapshotList: 'DBClusterSnapshots',
    snapshotIdentifier: 'DBClusterSnapshotIdentifier',
    secretIdentifier: 'dbClusterIdentifier'
  },
  cli: {
    db: 'db-cluster',
    snapshot: 'db-cluster-snapshot',
    dbIdOption: '--db-cluster-identifier',
    newDbIdOption: '--new-db-cluster-identifier',
    snapshotIdOption: '--db-cluster-snapshot-identifier',
    describeStartingWith: (prefix, columns) => `aws rds describe-db-clusters --query "DBClusters[?starts_with(DBClusterIdentifier, '${prefix}')]${columns ? '.[DBClusterIdentifier,Status]' : ''}"`,
    rename: (from, to) => `aws rds modify-db-cluster --db-cluster-identifier ${from} --new-db-cluster-identifier ${to} --apply-immediately`,
    deletionProtection: (identifier, on) => `aws rds modify-db-cluster --db-cluster-identifier ${identifier} --${on ? '' : 'no-'}deletion-protection --apply-immediately`,
    deleteDatabase: (identifier, finalOption) =>
      `aws rds describe-db-clusters --db-cluster-identifier ${identifier} --query 'DBClusters[0].DBClusterMembers[].DBInstanceIdentifier'\n` +
      `aws rds delete-db-instance --db-instance-identifier <each instance>\n` +
      `aws rds delete-db-cluster --db-cluster-identifier ${identifier} ${finalOption}`,
    listSnapshotsOf: (database, region) =>
      `aws rds describe-db-cluster-snapshots --region ${region} --db-cluster-identifier ${database} --query 'DBClusterSnapshots[].[DBClusterSnapshotIdentifier,Status,SnapshotCreateTime]'`,
    listDatabases: region => `aws rds describe-db-clusters --region ${region} --query 'DBClusters[].DBClusterIdentifier'`
  },
  iam: {
    describe: 'rds:DescribeDBClusters',
    restore: 'rds:RestoreDBClusterFromSnapshot',
    modify: 'rds:ModifyDBCluster',
    delete: ['rds:DeleteDBInstance', 'rds:DeleteDBCluster'],
    describeSnapshots: 'rds:DescribeDBClusterSnapshots',
    createSnapshot: 'rds:CreateDBClusterSnapshot',
    copySnapshot: 'rds:CopyDBClusterSnapshot',
    shareSnapshot: 'rds:ModifyDBClusterSnapshotAttribute',
    snapshotCleanup: ['rds:DescribeDBClusterSnapshots', 'rds:DescribeDBClusterSnapshotAttributes', 'rds:ModifyDBClusterSnapshotAttribute', 'rds:DeleteDBClusterSnapshot']
  },
  faults: {
    notFound: 'DBClusterNotFoundFault',
    alreadyExists: 'DBClusterAlreadyExistsFault',
    invalidState: 'InvalidDBClusterStateFault',
    snapshotNotFound: 'DBClusterSnapshotNotFoundFault',
    snapshotAlreadyExists: 'DBClusterSnapshotAlreadyExistsFault'
  },
  can: {
    members: true,
    dataApi: true,
    clone: true,
    restoreWithKey: true,
    restoreEngineVersion: true,
    optionGroups: false,
    encryptOnCopy: false
  },
  arn: { database: 'cluster', snapshot: 'cluster-snapshot' },
  output: 'cluster-identifier',
  managedSecretPrefix: 'rds!cluster'
};
