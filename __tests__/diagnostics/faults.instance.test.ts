/** Diagnostics for RDS DB instances: faults mapped with fixes, policies with instance actions and ARNs, option groups refused before any copy. */
import { describe, expect, it } from '@jest/globals';
import { CopyDBSnapshotCommand, DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, DescribeOptionGroupsCommand, RDSClient, RDSServiceException } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import type { Accounts } from '../../src/accounts';
import type { Context } from '../../src/context';
import { diagnoseError } from '../../src/diagnostics/faults';
import { policyParamsFromSettings, sourceRolePolicy, targetRolePolicy } from '../../src/diagnostics/policy-templates';
import { DiagnosedError } from '../../src/errors';
import { planSource } from '../../src/transfer/snapshot';
import { Report } from '../../src/report';
import { kindFromInputs, readSettings } from '../../src/settings';
import { StateStore } from '../../src/state';
import { testClock } from '../fixtures/clock';

const SRC = '111111111111';
const TGT = '222222222222';
const REGION = 'ap-northeast-1';
const STAGING_KEY = `arn:aws:kms:${REGION}:${TGT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const err = (name: string, message = `${name} happened`) => new RDSServiceException({ name, $fault: 'client', $metadata: { requestId: 'r' }, message });

function settings(extra: Record<string, string> = {}) {
  const inputs: Record<string, string> = {
    'aws-region': REGION,
    'source-role-arn': `arn:aws:iam::${SRC}:role/prod`,
    'target-role-arn': `arn:aws:iam::${TGT}:role/stg`,
    'source-instance': 'app-production-pg',
    'target-instance': 'app-staging-pg',
    'target-kms-key-id': STAGING_KEY,
    ...extra
  };
  return readSettings(n => inputs[n] ?? '');
}

function ctxWith(rds: RDSClient, extra: Record<string, string> = {}): Context {
  const acct = (id: string, role: string) => ({ accountId: id, region: REGION, partition: 'aws', principalArn: `arn:aws:iam::${id}:role/${role}`, rds });
  return {
    settings: kindFromInputs(settings(extra)),
    accounts: { source: acct(SRC, 'prod'), target: acct(TGT, 'stg') } as unknown as Accounts,
    report: new Report(),
    state: new StateStore({ runId: '1-1' }),
    runId: '1-1',
    clock: testClock({ start: 0 })
  };
}

describe('faults of DB snapshots and instances', () => {
  const rds = new RDSClient({ region: REGION });
  it.each([
    ['DBSnapshotAlreadyExistsFault', /DB snapshot with that name already exists/, /delete-db-snapshot/],
    ['InvalidDBSnapshotStateFault', /DB snapshot not in a usable state/, /describe-db-snapshots/],
    ['InvalidDBInstanceStateFault', /DB instance is not in a state/, /wait db-instance-available --db-instance-identifier app-staging-pg/],
    ['DBInstanceNotFoundFault', /DB instance not found/, /describe-db-instances/]
  ])('%s', (code, title, fix) => {
    const [d] = diagnoseError(err(code), ctxWith(rds));
    expect(d.title).toMatch(title);
    expect(d.fix).toMatch(fix);
  });

  it('InvalidDBInstanceState on delete explains deletion protection and the final snapshot', () => {
    const [d] = diagnoseError(err('InvalidDBInstanceStateFault', 'Instance app-staging-pg-old-1 cannot be deleted'), ctxWith(rds));
    expect(d.title).toMatch(/cannot be deleted/);
    expect(d.fix).toMatch(/--no-deletion-protection[\s\S]*--skip-final-snapshot --delete-automated-backups/);
  });

  it('SnapshotQuotaExceeded counts DB instance snapshots for an instance run', () => {
    const [d] = diagnoseError(err('SnapshotQuotaExceeded'), ctxWith(rds));
    expect(d.message).toMatch(/manual DB instance snapshots/);
    expect(d.fix).toMatch(/describe-db-snapshots --snapshot-type manual/);
  });

  it('KMSKeyNotAccessibleFault on the staging copy names CopyDBSnapshot and the staging key', () => {
    const [d] = diagnoseError(err('KMSKeyNotAccessibleFault', `The specified KMS key ${STAGING_KEY} is not accessible`), ctxWith(rds));
    expect(d.title).toMatch(/the target key/);
    expect(d.message).toMatch(/CopyDBSnapshot in account 222222222222/);
    expect(d.message).toMatch(/RestoreDBInstanceFromDBSnapshot/);
  });

  it('KMSKeyNotAccessibleFault on the shared key explains the staging copy', () => {
    const shared = `arn:aws:kms:${REGION}:${SRC}:key/aaaaaaaa-12ab-34cd-56ef-1234567890ab`;
    const [d] = diagnoseError(err('KMSKeyNotAccessibleFault', `The specified KMS key ${shared} is not accessible`), ctxWith(rds));
    expect(d.title).toMatch(/shared snapshot key/);
    expect(d.message).toMatch(/copies the shared DB snapshot \(CopyDBSnapshot with KmsKeyId/);
  });
});

describe('policies for RDS DB instances', () => {
  const actionsOf = (doc: { Statement: Array<{ Action: string | string[]; Resource?: string | string[] }> }) => doc.Statement.flatMap(s => (Array.isArray(s.Action) ? s.Action : [s.Action]));
  const resourcesOf = (doc: { Statement: Array<{ Resource?: string | string[] }> }) => doc.Statement.flatMap(s => (Array.isArray(s.Resource) ? s.Resource : [s.Resource ?? '']));

  it('the source role gets DB snapshot actions on db: and snapshot: ARNs, and no cluster actions', () => {
    const { params } = policyParamsFromSettings(settings());
    const doc = sourceRolePolicy(params!) as never;
    expect(actionsOf(doc)).toEqual(expect.arrayContaining(['rds:CreateDBSnapshot', 'rds:CopyDBSnapshot', 'rds:ModifyDBSnapshotAttribute', 'rds:DeleteDBSnapshot', 'rds:DescribeOptionGroups']));
    expect(actionsOf(doc).filter(a => /Cluster/.test(a))).toEqual([]);
    expect(resourcesOf(doc)).toEqual(expect.arrayContaining([`arn:aws:rds:${REGION}:${SRC}:db:app-production-pg`, `arn:aws:rds:${REGION}:${SRC}:snapshot:*`]));
  });

  it('the target role may copy the shared DB snapshot, restore the instance and manage staging instances', () => {
    const { params } = policyParamsFromSettings(settings({ 'manage-master-password': 'true' }));
    const doc = targetRolePolicy(params!) as never;
    expect(actionsOf(doc)).toEqual(expect.arrayContaining(['rds:CopyDBSnapshot', 'rds:RestoreDBInstanceFromDBSnapshot', 'rds:ModifyDBInstance', 'rds:DeleteDBInstance', 'rds:DeleteDBSnapshot']));
    expect(actionsOf(doc)).not.toContain('rds:RestoreDBClusterFromSnapshot');
    expect(resourcesOf(doc)).toEqual(
      expect.arrayContaining([`arn:aws:rds:${REGION}:${SRC}:snapshot:*`, `arn:aws:rds:${REGION}:${TGT}:db:app-staging-pg*`, `arn:aws:secretsmanager:${REGION}:${TGT}:secret:rds!db-*`])
    );
  });

  it('source-db / target-db before detection: statements for both kinds', () => {
    const { params } = policyParamsFromSettings(settings({ 'source-instance': '', 'target-instance': '', 'source-db': 'p', 'target-db': 's' }));
    const actions = actionsOf(targetRolePolicy(params!) as never);
    expect(actions).toEqual(expect.arrayContaining(['rds:RestoreDBClusterFromSnapshot', 'rds:RestoreDBInstanceFromDBSnapshot']));
  });
});

describe('option groups are checked before any copy', () => {
  it('refuses a snapshot whose option group has a permanent TDE option, and copies nothing', async () => {
    const rds = new RDSClient({ region: REGION, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    const mock = mockClient(rds);
    mock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: 'app-production-pg', DBInstanceStatus: 'available', Engine: 'oracle-ee', StorageEncrypted: true }] });
    mock.on(DescribeDBSnapshotsCommand).resolves({
      DBSnapshots: [
        {
          DBSnapshotIdentifier: 'rds:app-production-pg-1',
          DBInstanceIdentifier: 'app-production-pg',
          SnapshotType: 'automated',
          Status: 'available',
          Engine: 'oracle-ee',
          Encrypted: true,
          OptionGroupName: 'prod-oracle',
          SnapshotCreateTime: new Date(),
          TagList: []
        }
      ]
    });
    mock.on(DescribeOptionGroupsCommand).resolves({ OptionGroupsList: [{ OptionGroupName: 'prod-oracle', Options: [{ OptionName: 'TDE', Permanent: true, Persistent: true }] }] });
    const e = await planSource(ctxWith(rds, { 'kms-key-id': `arn:aws:kms:${REGION}:${SRC}:key/aaaaaaaa-12ab-34cd-56ef-1234567890ab` })).catch(x => x);
    expect(e).toBeInstanceOf(DiagnosedError);
    expect((e as DiagnosedError).diagnostics[0].title).toMatch(/cannot be shared/);
    expect((e as DiagnosedError).diagnostics[0].message).toMatch(/prod-oracle.*TDE/);
    expect(mock.commandCalls(CopyDBSnapshotCommand)).toHaveLength(0);
  });
});
