/**
 * Every resource lives in the scenario's region: a request signed for another
 * region sees none of them, a key ARN of another region is refused, and IAM /
 * STS stay global (the same credentials work everywhere).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DescribeKeyCommand, KMSClient, ListAliasesCommand } from '@aws-sdk/client-kms';
import { CopyDBClusterSnapshotCommand, CreateDBClusterSnapshotCommand, DescribeDBClustersCommand, DescribeDBClusterSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { RunningEmulator } from '../../emulator/index';
import { assumeViaOidc, failure, PROD, region, start, STG, stgRole, type Creds } from './harness';

const OTHER = 'us-east-1';
const STAGING_KEY_ID = '5e7f9a1b-2222-4c6d-8e0f-000000000002';
const STAGING_KEY = `arn:aws:kms:${region}:${STG}:key/${STAGING_KEY_ID}`;

let emu: RunningEmulator;
let creds: Creds;
beforeAll(async () => {
  emu = await start();
  creds = await assumeViaOidc(emu, stgRole);
});
afterAll(() => emu.close());

const rds = (r: string) => new RDSClient({ region: r, endpoint: emu.url, credentials: creds, maxAttempts: 1 });
const kms = (r: string) => new KMSClient({ region: r, endpoint: emu.url, credentials: creds, maxAttempts: 1 });

describe('a request signed for another region', () => {
  it('RDS: no clusters, no snapshots; a named cluster is DBClusterNotFoundFault', async () => {
    expect((await rds(region).send(new DescribeDBClustersCommand({}))).DBClusters!.map(c => c.DBClusterIdentifier)).toContain('app-staging');
    expect((await rds(OTHER).send(new DescribeDBClustersCommand({}))).DBClusters).toEqual([]);
    expect((await rds(OTHER).send(new DescribeDBClusterSnapshotsCommand({}))).DBClusterSnapshots).toEqual([]);
    const e = await failure(rds(OTHER).send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'app-staging' })));
    expect(e.name).toBe('DBClusterNotFoundFault');
    expect(e.$metadata?.httpStatusCode).toBe(404);
    const snap = await failure(rds(OTHER).send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: 'app-staging', DBClusterSnapshotIdentifier: 'x' })));
    expect(snap.name).toBe('DBClusterNotFoundFault');
  });

  it('KMS: the key by id or alias is NotFoundException in that region, its ARN "Invalid arn"', async () => {
    const byId = await failure(kms(OTHER).send(new DescribeKeyCommand({ KeyId: STAGING_KEY_ID })));
    expect(byId.name).toBe('NotFoundException');
    expect(byId.message).toBe(`Key 'arn:aws:kms:${OTHER}:${STG}:key/${STAGING_KEY_ID}' does not exist`);
    expect(byId.$metadata?.httpStatusCode).toBe(400);
    const byAlias = await failure(kms(OTHER).send(new DescribeKeyCommand({ KeyId: 'alias/rds-staging' })));
    expect(byAlias.name).toBe('NotFoundException');
    expect(byAlias.message).toBe(`Alias arn:aws:kms:${OTHER}:${STG}:alias/rds-staging is not found.`);
    const byArn = await failure(kms(OTHER).send(new DescribeKeyCommand({ KeyId: STAGING_KEY })));
    expect(byArn.name).toBe('NotFoundException');
    expect(byArn.message).toBe(`Invalid arn ${region}`);
    expect((await kms(OTHER).send(new ListAliasesCommand({}))).Aliases).toEqual([]);
    // In its own region the key is there.
    expect((await kms(region).send(new DescribeKeyCommand({ KeyId: STAGING_KEY }))).KeyMetadata!.Arn).toBe(STAGING_KEY);
  });

  it('STS and IAM are global: the same session works in any region', async () => {
    const me = await new STSClient({ region: OTHER, endpoint: emu.url, credentials: creds, maxAttempts: 1 }).send(new GetCallerIdentityCommand({}));
    expect(me.Account).toBe(STG);
  });
});

describe('a key ARN of another region', () => {
  it('KMS in the home region answers NotFoundException "Invalid arn REGION"', async () => {
    const foreign = `arn:aws:kms:${OTHER}:${STG}:key/${STAGING_KEY_ID}`;
    const e = await failure(kms(region).send(new DescribeKeyCommand({ KeyId: foreign })));
    expect(e.name).toBe('NotFoundException');
    expect(e.message).toBe(`Invalid arn ${OTHER}`);
  });

  it('RDS refuses to copy under it: KMSKeyNotAccessibleFault', async () => {
    const prod = new RDSClient({ region, endpoint: emu.url, credentials: await assumeViaOidc(emu, `arn:aws:iam::${PROD}:role/rds-sync-production`), maxAttempts: 1 });
    const snapshot = [...emu.world.account(PROD)!.snapshots.values()][0]!.id;
    const foreign = `arn:aws:kms:${OTHER}:${PROD}:key/0d2c6a8e-1111-4a5b-9c3d-000000000001`;
    const e = await failure(prod.send(new CopyDBClusterSnapshotCommand({ SourceDBClusterSnapshotIdentifier: snapshot, TargetDBClusterSnapshotIdentifier: 'copy-foreign', KmsKeyId: foreign })));
    expect(e.name).toBe('KMSKeyNotAccessibleFault');
    expect(e.message).toContain(foreign);
  });
});
