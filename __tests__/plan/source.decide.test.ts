/**
 * The source plan as a pure function of the facts: no AWS, no Context, no
 * report. The same facts always give the same plan, and the facts are not
 * changed by deciding.
 */
import { describe, expect, it } from '@jest/globals';
import type { SnapshotInfo } from '../../src/aws/snapshots';
import { sharedKeyPolicy, type PolicyParams } from '../../src/diagnostics/policy-templates';
import { DiagnosedError } from '../../src/errors';
import type { SourceFacts } from '../../src/plan/facts';
import { MANAGED_TAG, RUN_TAG, SOURCE_TAG } from '../../src/plan/naming';
import { decideSource, sharedKeyPolicyOf } from '../../src/plan/source';
import type { Settings } from '../../src/settings';

const PROD = '111111111111';
const STAGING = '222222222222';
const REGION = 'eu-west-1';
const CMK = `arn:aws:kms:${REGION}:${PROD}:key/11111111-aaaa-4bbb-8ccc-000000000001`;
const OTHER_CMK = `arn:aws:kms:${REGION}:${PROD}:key/11111111-aaaa-4bbb-8ccc-000000000002`;
const AWS_RDS = `arn:aws:kms:${REGION}:${PROD}:key/11111111-aaaa-4bbb-8ccc-000000000003`;
const STAGING_ROLE = `arn:aws:iam::${STAGING}:role/staging-sync`;

const params: PolicyParams = {
  partition: 'aws',
  region: REGION,
  kind: 'cluster',
  source: { accountId: PROD, roleArn: `arn:aws:iam::${PROD}:role/prod-sync`, database: 'app-production', keyArn: CMK },
  target: { accountId: STAGING, roleArn: STAGING_ROLE, database: 'app-staging' },
  audience: 'sts.amazonaws.com',
  manageMasterPassword: false,
  dataApi: false
};
/** The key policy `mode: policies` prints: it admits the staging role. */
const ADMITTING = JSON.stringify(sharedKeyPolicy(params));
const REFUSING = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${PROD}:root` }, Action: 'kms:*', Resource: '*' }] });

function snapshot(over: Partial<SnapshotInfo>): SnapshotInfo {
  const identifier = over.identifier ?? 'before-upgrade';
  return {
    kind: 'cluster',
    identifier,
    arn: `arn:aws:rds:${REGION}:${PROD}:cluster-snapshot:${identifier}`,
    databaseIdentifier: 'app-production',
    snapshotType: 'manual',
    status: 'available',
    engine: 'aurora-postgresql',
    engineVersion: '16.4',
    encrypted: true,
    kmsKeyArn: CMK,
    createdAt: new Date('2026-11-28T01:00:00Z'),
    tags: {},
    ...over
  };
}

function facts(over: Partial<SourceFacts> = {}): SourceFacts {
  return {
    kind: 'cluster',
    scope: { accountId: PROD, region: REGION, partition: 'aws', runId: '41-1' },
    target: { accountId: STAGING, principalArn: STAGING_ROLE },
    database: { kind: 'cluster', identifier: 'app-production', arn: `arn:aws:rds:${REGION}:${PROD}:cluster:app-production`, status: 'available', engine: 'aurora-postgresql', encrypted: true, kmsKeyArn: CMK },
    candidates: { listed: [snapshot({})] },
    key: { arn: CMK, keyManager: 'CUSTOMER', policy: ADMITTING },
    policyParams: params,
    remedyFacts: { source: { accountId: PROD, principalArn: `arn:aws:iam::${PROD}:role/prod-sync` }, target: { accountId: STAGING, principalArn: STAGING_ROLE }, region: REGION },
    ...over
  };
}

const settings = (kmsKeyArn?: string): Pick<Settings, 'snapshot' | 'source' | 'region'> => ({
  snapshot: { kind: 'latest' },
  source: { identifier: 'app-production', input: 'source-cluster', kmsKeyArn } as Settings['source'],
  region: REGION
});

describe('decideSource: pure', () => {
  it('shares a manual snapshot under an admitting CMK as it is; the key policy read while planning is handed to preflight', () => {
    const f = facts({ sharedWith: [STAGING] });
    const before = structuredClone(f);
    const plan = decideSource(f, settings());
    expect(plan.copy).toEqual({ needed: false, reason: expect.stringMatching(/no copy needed/) });
    expect(plan.shared).toMatchObject({ identifier: 'before-upgrade', kmsKeyArn: CMK, alreadyShared: true, accountId: STAGING });
    expect(plan.snapshot.keyManager).toBe('CUSTOMER');
    expect(sharedKeyPolicyOf(f, plan, settings())).toEqual({ keyArn: CMK, policy: ADMITTING, unreadable: undefined, message: undefined });
    // The plan carries no key policy text, and deciding changed no fact.
    expect(JSON.stringify(plan)).not.toContain('Statement');
    expect(f).toEqual(before);
    expect(decideSource(f, settings())).toEqual(plan);
  });

  it("plans a copy under kms-key-id, resumes this action's earlier copy and notes a configured key that does not admit staging", () => {
    const automated = snapshot({ identifier: 'rds:app-production-2026-11-28-03-10', snapshotType: 'automated', kmsKeyArn: AWS_RDS });
    const earlier = snapshot({
      identifier: 'rcas-app-production-2026-11-28-03-10',
      kmsKeyArn: OTHER_CMK,
      tags: { [MANAGED_TAG]: 'true', [RUN_TAG]: '40-1', [SOURCE_TAG]: automated.identifier }
    });
    const f = facts({
      candidates: { listed: [automated] },
      key: { arn: AWS_RDS, keyManager: 'AWS' },
      configuredKeyPolicy: { policy: REFUSING },
      existingCopy: earlier,
      copySharedWith: []
    });
    const plan = decideSource(f, settings(OTHER_CMK));
    expect(plan.copy).toMatchObject({ needed: true, identifier: earlier.identifier, kmsKeyArn: OTHER_CMK, existing: { status: 'available' } });
    expect(plan.shared).toMatchObject({ identifier: earlier.identifier, arn: earlier.arn, alreadyShared: false });
    expect(plan.notes?.join('\n')).toMatch(/kms-key-id's key policy does not seem to grant account 222222222222/);
    expect(sharedKeyPolicyOf(f, plan, settings(OTHER_CMK))).toEqual({ keyArn: OTHER_CMK, policy: REFUSING });
  });

  it('refuses from the facts alone: no production database, or a copy name taken by another snapshot', () => {
    expect(() => decideSource(facts({ database: undefined }), settings())).toThrow(DiagnosedError);
    expect(() => decideSource(facts({ database: undefined }), settings())).toThrow(/'app-production' in account 111111111111/);
    const automated = snapshot({ identifier: 'rds:app-production-2026-11-28-03-10', snapshotType: 'automated', kmsKeyArn: AWS_RDS });
    const squatter = snapshot({ identifier: 'rcas-app-production-2026-11-28-03-10', tags: {} });
    const f = facts({ candidates: { listed: [automated] }, key: { arn: AWS_RDS, keyManager: 'AWS' }, existingCopy: squatter });
    expect(() => decideSource(f, settings(OTHER_CMK))).toThrow(/already exists and this action did not make it/);
  });
});
