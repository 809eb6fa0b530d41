import { describe, expect, it } from '@jest/globals';
import * as rds from '@aws-sdk/client-rds';
import { kindProfile, kindProfiles } from '../../src/kinds';
import { FAULTS, isFaultCode } from '../../src/errors';
import { cliNouns, databaseArn, kindWord, snapshotArnOf, snapshotKindOfArn } from '../../src/rds-rules';

const sdk = rds as unknown as Record<string, unknown>;

describe('kind profiles', () => {
  it.each(kindProfiles.map(p => [p.kind, p] as const))('%s: fault codes are the SDK exception names, operations the SDK commands', (_kind, p) => {
    for (const name of Object.values(p.faults)) expect(typeof sdk[name]).toBe('function');
    for (const op of [p.ops.describe, p.ops.modify, p.ops.restore, p.ops.describeSnapshots, p.ops.createSnapshot, p.ops.copySnapshot]) expect(typeof sdk[`${op}Command`]).toBe('function');
    for (const op of p.ops.delete.split(' / ')) expect(typeof sdk[`${op}Command`]).toBe('function');
    const { delete: deletes, snapshotCleanup, ...single } = p.iam;
    for (const action of [...Object.values(single), ...deletes, ...snapshotCleanup]) expect(typeof sdk[`${action.replace(/^rds:/, '')}Command`]).toBe('function');
  });

  it('every fault a profile names is in the one fault-alias table, with its wire code', () => {
    for (const p of kindProfiles) for (const name of Object.values(p.faults)) expect(FAULTS).toHaveProperty(name);
    expect(isFaultCode('DBInstanceNotFound', kindProfile('instance').faults.notFound)).toBe(true);
    expect(isFaultCode('DBClusterNotFoundFault', kindProfile('instance').faults.notFound)).toBe(false);
  });

  it('ARNs, words and CLI nouns from the profile', () => {
    expect(databaseArn('cluster', 'ap-northeast-1', '111111111111', 'a')).toBe('arn:aws:rds:ap-northeast-1:111111111111:cluster:a');
    expect(databaseArn('instance', 'ap-northeast-1', '111111111111', 'a', 'aws-cn')).toBe('arn:aws-cn:rds:ap-northeast-1:111111111111:db:a');
    expect(snapshotArnOf('instance', 'us-east-1', '1', 's')).toBe('arn:aws:rds:us-east-1:1:snapshot:s');
    expect(snapshotKindOfArn('cluster-snapshot:x')).toEqual({ kind: 'cluster', identifier: 'x' });
    expect(snapshotKindOfArn('snapshot:rds:x-2026')).toEqual({ kind: 'instance', identifier: 'rds:x-2026' });
    expect(snapshotKindOfArn('cluster:x')).toBeUndefined();
    expect(kindWord('instance')).toBe('DB instance');
    expect(cliNouns('cluster')).toEqual({
      db: 'db-cluster',
      snapshot: 'db-cluster-snapshot',
      snapshotIdOption: '--db-cluster-snapshot-identifier',
      dbIdOption: '--db-cluster-identifier'
    });
  });

  it('CLI commands name the kind they act on', () => {
    const c = kindProfile('cluster').cli;
    const i = kindProfile('instance').cli;
    expect(c.rename('old', 'new')).toBe('aws rds modify-db-cluster --db-cluster-identifier old --new-db-cluster-identifier new --apply-immediately');
    expect(i.deletionProtection('<old>', true)).toBe('aws rds modify-db-instance --db-instance-identifier <old> --deletion-protection --apply-immediately');
    expect(i.describeStartingWith('app', true)).toBe(`aws rds describe-db-instances --query "DBInstances[?starts_with(DBInstanceIdentifier, 'app')].[DBInstanceIdentifier,DBInstanceStatus]"`);
    expect(c.deleteDatabase('p', '--skip-final-snapshot').split('\n')).toHaveLength(3);
    expect(i.deleteDatabase('p', '--skip-final-snapshot')).toContain('--delete-automated-backups');
  });
});
