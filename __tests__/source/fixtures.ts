/**
 * Test fixtures for the source side: a Context with mocked RDS and KMS
 * clients, a clock that never really sleeps, and a small in-memory model of
 * one account's cluster snapshots behind aws-sdk-client-mock.
 */
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient, KMSServiceException } from '@aws-sdk/client-kms';
import {
  CopyDBClusterSnapshotCommand,
  CreateDBClusterSnapshotCommand,
  DBClusterNotFoundFault,
  DBClusterSnapshotAlreadyExistsFault,
  DBClusterSnapshotNotFoundFault,
  DescribeDBClusterSnapshotAttributesCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  ModifyDBClusterSnapshotAttributeCommand,
  RDSClient,
  type DBClusterSnapshot,
  type Tag
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import type { Account } from '../../src/accounts';
import type { Context } from '../../src/context';
import { Report } from '../../src/report';
import { kindFromInputs, readSettings } from '../../src/settings';
import { StateStore } from '../../src/state';
import type { Clock } from '../../src/wait';

export const REGION = 'ap-northeast-1';
export const PROD = '111111111111';
export const STAGING = '222222222222';
export const CLUSTER = 'app-production';
export const CMK = `arn:aws:kms:${REGION}:${PROD}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
export const OTHER_CMK = `arn:aws:kms:${REGION}:${PROD}:key/0000abcd-12ab-34cd-56ef-1234567890ab`;
export const AWS_RDS_KEY = `arn:aws:kms:${REGION}:${PROD}:key/aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa`;
export const STAGING_ROLE = `arn:aws:iam::${STAGING}:role/rds-sync-staging`;
export const snapArn = (id: string) => `arn:aws:rds:${REGION}:${PROD}:cluster-snapshot:${id}`;

export const rdsMock = mockClient(RDSClient);
export const kmsMock = mockClient(KMSClient);

/** A key policy that admits the staging account the way `mode: policies` prints it. */
export function admittingPolicy(principal = `arn:aws:iam::${STAGING}:root`): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'Owner', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${PROD}:root` }, Action: 'kms:*', Resource: '*' },
      {
        Sid: 'Staging use',
        Effect: 'Allow',
        Principal: { AWS: principal },
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey', 'kms:CreateGrant'],
        Resource: '*'
      }
    ]
  });
}

export const ownerOnlyPolicy = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${PROD}:root` }, Action: 'kms:*', Resource: '*' }]
});

export interface KeyModel {
  manager: 'AWS' | 'CUSTOMER';
  /** undefined: GetKeyPolicy is refused (AccessDeniedException). */
  policy?: string;
}

export interface SnapModel {
  id: string;
  cluster?: string;
  type?: 'automated' | 'manual';
  status?: string;
  percent?: number;
  created?: string;
  encrypted?: boolean;
  key?: string;
  tags?: Record<string, string>;
  sharedWith?: string[];
  /** Polls left before a creating/copying snapshot becomes available. */
  pollsLeft?: number;
}

/** One account's clusters, snapshots and keys; the mocks answer from it and change it. */
export class World {
  clusters: Record<string, { status: string; encrypted: boolean; key?: string }> = {
    [CLUSTER]: { status: 'available', encrypted: true, key: CMK }
  };
  snapshots = new Map<string, SnapModel>();
  keys: Record<string, KeyModel> = {
    [CMK]: { manager: 'CUSTOMER', policy: admittingPolicy() },
    [OTHER_CMK]: { manager: 'CUSTOMER', policy: ownerOnlyPolicy },
    [AWS_RDS_KEY]: { manager: 'AWS' }
  };
  calls: Array<{ op: string; input: Record<string, unknown> }> = [];
  /** Throw this from the next call of the named operation. */
  faults: Record<string, Error> = {};
  /** Run before / after the named operation changes the world (to stage races and failures). */
  before: Record<string, () => void> = {};
  after: Record<string, () => void> = {};

  add(...snaps: SnapModel[]): this {
    for (const s of snaps) this.snapshots.set(s.id, { cluster: CLUSTER, type: 'manual', status: 'available', encrypted: true, key: CMK, tags: {}, sharedWith: [], ...s });
    return this;
  }

  ops(op: string) {
    return this.calls.filter(c => c.op === op);
  }

  private describe(s: SnapModel): DBClusterSnapshot {
    return {
      DBClusterSnapshotIdentifier: s.id,
      DBClusterSnapshotArn: snapArn(s.id),
      DBClusterIdentifier: s.cluster,
      SnapshotType: s.type,
      Status: s.status,
      PercentProgress: s.percent,
      SnapshotCreateTime: s.created ? new Date(s.created) : undefined,
      Engine: 'aurora-postgresql',
      EngineVersion: '16.4',
      StorageEncrypted: s.encrypted,
      KmsKeyId: s.encrypted ? s.key : undefined,
      AllocatedStorage: 100,
      TagList: Object.entries(s.tags ?? {}).map(([Key, Value]) => ({ Key, Value }))
    };
  }

  private fault(op: string) {
    this.before[op]?.();
    const f = this.faults[op];
    if (f) {
      delete this.faults[op];
      throw f;
    }
  }

  /** Advance a creating/copying snapshot by one poll. */
  private tick(s: SnapModel) {
    if (s.status !== 'creating' && s.status !== 'copying') return;
    if ((s.pollsLeft ?? 0) <= 0) {
      s.status = 'available';
      s.percent = 100;
    } else {
      s.pollsLeft = (s.pollsLeft ?? 0) - 1;
      s.percent = Math.min(99, (s.percent ?? 0) + 30);
    }
  }

  install(): void {
    rdsMock.reset();
    kmsMock.reset();
    const meta = { $metadata: {} };
    rdsMock.on(DescribeDBClustersCommand).callsFake(input => {
      this.calls.push({ op: 'DescribeDBClusters', input });
      const c = this.clusters[input.DBClusterIdentifier!];
      if (!c) throw new DBClusterNotFoundFault({ message: `DBCluster ${input.DBClusterIdentifier} not found.`, ...meta });
      return {
        DBClusters: [
          {
            DBClusterIdentifier: input.DBClusterIdentifier,
            DBClusterArn: `arn:aws:rds:${REGION}:${PROD}:cluster:${input.DBClusterIdentifier}`,
            Status: c.status,
            Engine: 'aurora-postgresql',
            EngineVersion: '16.4',
            StorageEncrypted: c.encrypted,
            KmsKeyId: c.key
          }
        ]
      };
    });
    rdsMock.on(DescribeDBClusterSnapshotsCommand).callsFake(input => {
      this.calls.push({ op: 'DescribeDBClusterSnapshots', input });
      if (input.DBClusterSnapshotIdentifier) {
        const s = this.snapshots.get(input.DBClusterSnapshotIdentifier);
        if (!s) throw new DBClusterSnapshotNotFoundFault({ message: `DBClusterSnapshot ${input.DBClusterSnapshotIdentifier} not found.`, ...meta });
        const answer = this.describe(s);
        this.tick(s);
        return { DBClusterSnapshots: [answer] };
      }
      return {
        DBClusterSnapshots: [...this.snapshots.values()].filter(s => s.cluster === input.DBClusterIdentifier).map(s => this.describe(s))
      };
    });
    rdsMock.on(CreateDBClusterSnapshotCommand).callsFake(input => {
      this.calls.push({ op: 'CreateDBClusterSnapshot', input });
      this.fault('CreateDBClusterSnapshot');
      const c = this.clusters[input.DBClusterIdentifier!];
      const tags = Object.fromEntries((input.Tags ?? []).map((t: Tag) => [t.Key!, t.Value ?? '']));
      const s: SnapModel = { id: input.DBClusterSnapshotIdentifier!, cluster: input.DBClusterIdentifier, type: 'manual', status: 'creating', percent: 0, encrypted: c.encrypted, key: c.key, tags, sharedWith: [], pollsLeft: 2, created: '2026-11-28T10:00:00Z' };
      this.snapshots.set(s.id, s);
      return { DBClusterSnapshot: this.describe(s) };
    });
    rdsMock.on(CopyDBClusterSnapshotCommand).callsFake(input => {
      this.calls.push({ op: 'CopyDBClusterSnapshot', input });
      this.fault('CopyDBClusterSnapshot');
      if (this.snapshots.has(input.TargetDBClusterSnapshotIdentifier!))
        throw new DBClusterSnapshotAlreadyExistsFault({ message: 'Cannot create the snapshot because a snapshot with the identifier already exists.', ...meta });
      const src = this.snapshots.get(input.SourceDBClusterSnapshotIdentifier!)!;
      const tags = Object.fromEntries((input.Tags ?? []).map((t: Tag) => [t.Key!, t.Value ?? '']));
      const s: SnapModel = { id: input.TargetDBClusterSnapshotIdentifier!, cluster: src.cluster, type: 'manual', status: 'copying', percent: 0, encrypted: src.encrypted, key: input.KmsKeyId ?? src.key, tags, sharedWith: [], pollsLeft: 3, created: src.created };
      this.snapshots.set(s.id, s);
      const answer = this.describe(s);
      this.after.CopyDBClusterSnapshot?.();
      return { DBClusterSnapshot: answer };
    });
    rdsMock.on(DescribeDBClusterSnapshotAttributesCommand).callsFake(input => {
      this.calls.push({ op: 'DescribeDBClusterSnapshotAttributes', input });
      const s = this.snapshots.get(input.DBClusterSnapshotIdentifier!)!;
      return {
        DBClusterSnapshotAttributesResult: {
          DBClusterSnapshotIdentifier: s.id,
          DBClusterSnapshotAttributes: [{ AttributeName: 'restore', AttributeValues: [...(s.sharedWith ?? [])] }]
        }
      };
    });
    rdsMock.on(ModifyDBClusterSnapshotAttributeCommand).callsFake(input => {
      this.calls.push({ op: 'ModifyDBClusterSnapshotAttribute', input });
      this.fault('ModifyDBClusterSnapshotAttribute');
      const s = this.snapshots.get(input.DBClusterSnapshotIdentifier!)!;
      s.sharedWith = [...new Set([...(s.sharedWith ?? []), ...(input.ValuesToAdd ?? [])])];
      return { DBClusterSnapshotAttributesResult: {} };
    });
    kmsMock.on(DescribeKeyCommand).callsFake(input => {
      this.calls.push({ op: 'DescribeKey', input });
      const k = this.keys[input.KeyId!];
      if (!k) throw new KMSServiceException({ name: 'NotFoundException', $fault: 'client', message: 'Key not found', ...meta });
      return { KeyMetadata: { KeyId: input.KeyId!.split('/')[1], Arn: input.KeyId, KeyManager: k.manager, KeyState: 'Enabled' } };
    });
    kmsMock.on(GetKeyPolicyCommand).callsFake(input => {
      this.calls.push({ op: 'GetKeyPolicy', input });
      const k = this.keys[input.KeyId!];
      if (!k?.policy)
        throw new KMSServiceException({ name: 'AccessDeniedException', $fault: 'client', message: 'not authorized to perform: kms:GetKeyPolicy', ...meta });
      return { Policy: k.policy, PolicyName: 'default' };
    });
  }
}

const baseInputs: Record<string, string> = {
  'aws-region': REGION,
  'source-role-arn': `arn:aws:iam::${PROD}:role/rds-sync-production`,
  'target-role-arn': STAGING_ROLE,
  'source-cluster': CLUSTER,
  'target-cluster': 'app-staging',
  'kms-key-id': CMK
};

/** A clock whose sleep only moves time forward. */
export function fakeClock(): Clock & { slept: number[] } {
  let t = Date.parse('2026-11-28T10:00:00Z');
  const slept: number[] = [];
  return {
    slept,
    now: () => t,
    sleep: async ms => {
      slept.push(ms);
      t += ms;
    }
  };
}

export function makeContext(inputs: Record<string, string> = {}): Context & { clock: ReturnType<typeof fakeClock> } {
  const settings = readSettings(n => ({ ...baseInputs, ...inputs })[n] ?? '');
  const creds = { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' };
  const account = (side: 'source' | 'target', accountId: string, principalArn: string): Account => ({
    side,
    accountId,
    region: REGION,
    partition: 'aws',
    principalArn,
    callerArn: principalArn,
    via: 'assume-role',
    rds: new RDSClient({ region: REGION, credentials: creds }),
    kms: new KMSClient({ region: REGION, credentials: creds }),
    sts: {} as Account['sts']
  });
  return {
    settings: kindFromInputs(settings),
    accounts: {
      source: account('source', PROD, `arn:aws:iam::${PROD}:role/rds-sync-production`),
      target: account('target', STAGING, STAGING_ROLE)
    },
    report: new Report(),
    state: new StateStore({ runId: '42-1' }),
    runId: '42-1',
    clock: fakeClock()
  };
}
