/** The RDS DB instance profile: words, CLI commands, IAM actions and fault codes. */
import type { KindProfile } from './profile';

export const instanceProfile: KindProfile = {
  kind: 'instance',
  nouns: {
    short: 'instance',
    db: 'DB instance',
    full: 'RDS DB instance',
    aFull: 'an RDS DB instance',
    snapshot: 'DB snapshot',
    snapshots: 'DB instance snapshots',
    snapshotArn: 'DB snapshot (snapshot:)'
  },
  inputHint: "'source-instance' input (the DB instance identifier, not an endpoint; use 'source-cluster' for Aurora)",
  input: side => `${side}-instance`,
  ops: {
    describe: 'DescribeDBInstances',
    modify: 'ModifyDBInstance',
    delete: 'DeleteDBInstance',
    restore: 'RestoreDBInstanceFromDBSnapshot',
    describeSnapshots: 'DescribeDBSnapshots',
    createSnapshot: 'CreateDBSnapshot',
    copySnapshot: 'CopyDBSnapshot',
    notFoundAnswer: 'DescribeDBInstances answered DBInstanceNotFound'
  },
  fields: {
    list: 'DBInstances',
    identifier: 'DBInstanceIdentifier',
    status: 'DBInstanceStatus',
    snapshotList: 'DBSnapshots',
    snapshotIdentifier: 'DBSnapshotIdentifier',
    secretIdentifier: 'dbInstanceIdentifier'
  },
  cli: {
    db: 'db-instance',
    snapshot: 'db-snapshot',
    dbIdOption: '--db-instance-identifier',
    newDbIdOption: '--new-db-instance-identifier',
    snapshotIdOption: '--db-snapshot-identifier',
    describeStartingWith: (prefix, columns) => `aws rds describe-db-instances --query "DBInstances[?starts_with(DBInstanceIdentifier, '${prefix}')]${columns ? '.[DBInstanceIdentifier,DBInstanceStatus]' : ''}"`,
    rename: (from, to) => `aws rds modify-db-instance --db-instance-identifier ${from} --new-db-instance-identifier ${to} --apply-immediately`,
    deletionProtection: (identifier, on) => `aws rds modify-db-instance --db-instance-identifier ${identifier} --${on ? '' : 'no-'}deletion-protection --apply-immediately`,
    deleteDatabase: (identifier, finalOption) =>
      `aws rds modify-db-instance --db-instance-identifier ${identifier} --no-deletion-protection --apply-immediately\n` +
      `aws rds delete-db-instance --db-instance-identifier ${identifier} ${finalOption} --delete-automated-backups`,
    listSnapshotsOf: (database, region) => `aws rds describe-db-snapshots --region ${region} --db-instance-identifier ${database} --query 'DBSnapshots[].[DBSnapshotIdentifier,Status,SnapshotCreateTime]'`,
    listDatabases: region => `aws rds describe-db-instances --region ${region} --query 'DBInstances[?DBClusterIdentifier==null].DBInstanceIdentifier'`
  },
  iam: {
    describe: 'rds:DescribeDBInstances',
    restore: 'rds:RestoreDBInstanceFromDBSnapshot',
    modify: 'rds:ModifyDBInstance',
    delete: ['rds:DeleteDBInstance'],
    describeSnapshots: 'rds:DescribeDBSnapshots',
    createSnapshot: 'rds:CreateDBSnapshot',
    copySnapshot: 'rds:CopyDBSnapshot',
    shareSnapshot: 'rds:ModifyDBSnapshotAttribute',
    snapshotCleanup: ['rds:DescribeDBSnapshots', 'rds:DescribeDBSnapshotAttributes', 'rds:ModifyDBSnapshotAttribute', 'rds:DeleteDBSnapshot']
  },
  faults: {
    notFound: 'DBInstanceNotFoundFault',
    alreadyExists: 'DBInstanceAlreadyExistsFault',
    invalidState: 'InvalidDBInstanceStateFault',
    snapshotNotFound: 'DBSnapshotNotFoundFault',
    snapshotAlreadyExists: 'DBSnapshotAlreadyExistsFault'
  },
  can: {
    members: false,
    dataApi: false,
    clone: false,
    restoreWithKey: false,
    restoreEngineVersion: false,
    optionGroups: true,
    encryptOnCopy: true
  },
  arn: { database: 'db', snapshot: 'snapshot' },
  managedSecretPrefix: 'rds!db'
};
