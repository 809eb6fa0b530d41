/**
 * KMS key states: DisableKey / EnableKey / ScheduleKeyDeletion / CancelKeyDeletion,
 * what CreateGrant, Encrypt, Decrypt and DescribeKey answer in each state
 * (DisabledException, KMSInvalidStateException), and RDS refusing to copy or
 * restore under a key that is not enabled (KMSKeyNotAccessibleFault).
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  CancelKeyDeletionCommand,
  CreateGrantCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EncryptCommand,
  KMSClient,
  ScheduleKeyDeletionCommand
} from '@aws-sdk/client-kms';
import { CopyDBClusterSnapshotCommand, CreateDBClusterSnapshotCommand, RestoreDBClusterFromSnapshotCommand } from '@aws-sdk/client-rds';
import type { RunningEmulator } from '../../emulator/index';
import { clients, failure, PROD, region, scenario, sides, start, STG, type Clients } from './harness';

const SHARE_KEY = `arn:aws:kms:${region}:${PROD}:key/0d2c6a8e-1111-4a5b-9c3d-000000000001`;
const STAGING_KEY = `arn:aws:kms:${region}:${STG}:key/5e7f9a1b-2222-4c6d-8e0f-000000000002`;

const admin = (n: number) => ({
  name: 'key-admin',
  accessKeys: [{ id: `AKIAKEYADMIN0000000${n}`, secret: `key-admin-secret-${n}` }],
  policies: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] }]
});

let emu: RunningEmulator;
let prodAdmin: KMSClient;
let stgAdmin: KMSClient;
let prod: Clients;
let stg: Clients;

beforeEach(async () => {
  emu = await start(
    scenario('seed.yaml', {
      accounts: [
        { id: PROD, users: [admin(1)] },
        { id: STG, users: [admin(2)] }
      ]
    })
  );
  prodAdmin = clients(emu, { accessKeyId: 'AKIAKEYADMIN00000001', secretAccessKey: 'key-admin-secret-1' }).kms;
  stgAdmin = clients(emu, { accessKeyId: 'AKIAKEYADMIN00000002', secretAccessKey: 'key-admin-secret-2' }).kms;
  ({ prod, stg } = await sides(emu));
});
afterEach(() => emu.close());

const state = async (kms: KMSClient, key: string) => (await kms.send(new DescribeKeyCommand({ KeyId: key }))).KeyMetadata!;
const grant = (kms: KMSClient, key: string) => kms.send(new CreateGrantCommand({ KeyId: key, GranteePrincipal: `arn:aws:iam::${STG}:role/rds-sync-staging`, Operations: ['Decrypt'] }));

describe('KMS key states', () => {
  it('DisableKey: DescribeKey answers (Disabled), CreateGrant / Encrypt / Decrypt answer DisabledException; EnableKey restores', async () => {
    const blob = (await prodAdmin.send(new EncryptCommand({ KeyId: SHARE_KEY, Plaintext: Buffer.from('secret') }))).CiphertextBlob!;
    await prodAdmin.send(new DisableKeyCommand({ KeyId: SHARE_KEY }));

    const meta = await state(prodAdmin, SHARE_KEY);
    expect(meta.KeyState).toBe('Disabled');
    expect(meta.Enabled).toBe(false);
    // The staging role (admitted by the key policy) sees the state across accounts too.
    expect((await state(stg.kms, SHARE_KEY)).KeyState).toBe('Disabled');

    for (const call of [
      () => grant(stg.kms, SHARE_KEY),
      () => prodAdmin.send(new EncryptCommand({ KeyId: SHARE_KEY, Plaintext: Buffer.from('x') })),
      () => prodAdmin.send(new DecryptCommand({ CiphertextBlob: blob }))
    ]) {
      const e = await failure(call());
      expect(e.name).toBe('DisabledException');
      expect(e.message).toBe(`${SHARE_KEY} is disabled.`);
      expect(e.$metadata?.httpStatusCode).toBe(400);
    }

    await prodAdmin.send(new EnableKeyCommand({ KeyId: SHARE_KEY }));
    expect((await state(prodAdmin, SHARE_KEY)).KeyState).toBe('Enabled');
    expect(Buffer.from((await prodAdmin.send(new DecryptCommand({ CiphertextBlob: blob }))).Plaintext!).toString()).toBe('secret');
    expect((await grant(stg.kms, SHARE_KEY)).GrantId).toBeDefined();
  });

  it('ScheduleKeyDeletion: PendingDeletion with a DeletionDate, KMSInvalidStateException for use, EnableKey and a second schedule; CancelKeyDeletion leaves it Disabled', async () => {
    const t0 = emu.world.clock.now();
    const out = await stgAdmin.send(new ScheduleKeyDeletionCommand({ KeyId: STAGING_KEY, PendingWindowInDays: 7 }));
    expect(out.KeyState).toBe('PendingDeletion');
    expect(Math.round((out.DeletionDate!.getTime() - t0) / 86400_000)).toBe(7);

    const meta = await state(stg.kms, STAGING_KEY);
    expect(meta.KeyState).toBe('PendingDeletion');
    expect(meta.DeletionDate).toEqual(out.DeletionDate);

    for (const call of [
      () => grant(stg.kms, STAGING_KEY),
      () => stgAdmin.send(new EncryptCommand({ KeyId: STAGING_KEY, Plaintext: Buffer.from('x') })),
      () => stgAdmin.send(new EnableKeyCommand({ KeyId: STAGING_KEY })),
      () => stgAdmin.send(new ScheduleKeyDeletionCommand({ KeyId: STAGING_KEY, PendingWindowInDays: 30 }))
    ]) {
      const e = await failure(call());
      expect(e.name).toBe('KMSInvalidStateException');
      expect(e.message).toBe(`${STAGING_KEY} is pending deletion.`);
      expect(e.$metadata?.httpStatusCode).toBe(400);
    }

    await stgAdmin.send(new CancelKeyDeletionCommand({ KeyId: STAGING_KEY }));
    expect((await state(stgAdmin, STAGING_KEY)).KeyState).toBe('Disabled');
    expect((await failure(grant(stg.kms, STAGING_KEY))).name).toBe('DisabledException');
    expect((await failure(stgAdmin.send(new CancelKeyDeletionCommand({ KeyId: STAGING_KEY })))).name).toBe('KMSInvalidStateException');
  });

  it('PendingWindowInDays outside 7..30 is a ValidationException', async () => {
    const e = await failure(stgAdmin.send(new ScheduleKeyDeletionCommand({ KeyId: STAGING_KEY, PendingWindowInDays: 6 })));
    expect(e.name).toBe('ValidationException');
  });

  it("state changes need the permission, in the key's own account, and never on AWS managed keys", async () => {
    // The staging role's IAM policy has no kms:DisableKey.
    expect((await failure(stg.kms.send(new DisableKeyCommand({ KeyId: STAGING_KEY })))).name).toBe('AccessDeniedException');
    // Another account's key, even by ARN: not found for state changes.
    expect((await failure(stgAdmin.send(new DisableKeyCommand({ KeyId: SHARE_KEY })))).name).toBe('NotFoundException');
    expect((await failure(stgAdmin.send(new DisableKeyCommand({ KeyId: 'alias/aws/rds' })))).name).toBe('AccessDeniedException');
  });
});

describe('RDS under a key that is not enabled', () => {
  it('copy under a disabled key: KMSKeyNotAccessibleFault', async () => {
    await prodAdmin.send(new DisableKeyCommand({ KeyId: SHARE_KEY }));
    const snapshot = [...emu.world.account(PROD)!.snapshots.values()][0]!.id;
    const e = await failure(prod.rds.send(new CopyDBClusterSnapshotCommand({ SourceDBClusterSnapshotIdentifier: snapshot, TargetDBClusterSnapshotIdentifier: 'copy-1', KmsKeyId: SHARE_KEY })));
    expect(e.name).toBe('KMSKeyNotAccessibleFault');
    expect(e.message).toBe(`The specified KMS key [${SHARE_KEY}] does not exist, is not enabled or you do not have permissions to access it.`);
  });

  it('restore under a key pending deletion: KMSKeyNotAccessibleFault', async () => {
    await stg.rds.send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: 'app-staging', DBClusterSnapshotIdentifier: 'staging-manual' }));
    // The 45 GB staging cluster's snapshot takes 45 x 6 s; not a whole hour, which would end the test's one-hour sessions.
    emu.advance(45 * 6 + 1);
    await stgAdmin.send(new ScheduleKeyDeletionCommand({ KeyId: STAGING_KEY, PendingWindowInDays: 7 }));
    const restore = () => stg.rds.send(new RestoreDBClusterFromSnapshotCommand({ DBClusterIdentifier: 'restored', SnapshotIdentifier: 'staging-manual', Engine: 'aurora-postgresql', KmsKeyId: STAGING_KEY }));
    const e = await failure(restore());
    expect(e.name).toBe('KMSKeyNotAccessibleFault');
    // Cancelled (Disabled): still refused; enabled again: the restore goes through.
    await stgAdmin.send(new CancelKeyDeletionCommand({ KeyId: STAGING_KEY }));
    expect((await failure(restore())).name).toBe('KMSKeyNotAccessibleFault');
    await stgAdmin.send(new EnableKeyCommand({ KeyId: STAGING_KEY }));
    const ok = await restore();
    expect(ok.DBCluster?.KmsKeyId).toBe(STAGING_KEY);
  });
});
