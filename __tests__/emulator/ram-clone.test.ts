/** AWS RAM over REST-JSON and the cross-account copy-on-write clone, through the unmodified SDK. */
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  AcceptResourceShareInvitationCommand,
  AssociateResourceShareCommand,
  CreateResourceShareCommand,
  DeleteResourceShareCommand,
  DisassociateResourceShareCommand,
  GetResourceShareInvitationsCommand,
  GetResourceSharesCommand,
  RAMClient
} from '@aws-sdk/client-ram';
import { DescribeDBClustersCommand, RestoreDBClusterToPointInTimeCommand } from '@aws-sdk/client-rds';
import type { RunningEmulator } from '../../emulator/index';
import { assumeViaOidc, clients, failure, PROD, prodRole, region, scenario, start, STG, stgRole, type Creds } from './harness';

const clusterArn = `arn:aws:rds:${region}:${PROD}:cluster:app-production`;
const stagingKey = 'alias/rds-staging';
let emu: RunningEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function setup(file = 'clone.yaml', overrides: unknown = {}) {
  emu = await start(scenario(file, overrides));
  const prodCreds: Creds = await assumeViaOidc(emu, prodRole);
  const stgCreds: Creds = await assumeViaOidc(emu, stgRole);
  const ram = (c: Creds) => new RAMClient({ region, endpoint: emu!.url, credentials: c, maxAttempts: 1 });
  return { prodRam: ram(prodCreds), stgRam: ram(stgCreds), prod: clients(emu, prodCreds), stg: clients(emu, stgCreds), emu };
}

const clone = (id: string, extra: Record<string, unknown> = {}) =>
  new RestoreDBClusterToPointInTimeCommand({
    DBClusterIdentifier: id,
    SourceDBClusterIdentifier: clusterArn,
    RestoreType: 'copy-on-write',
    UseLatestRestorableTime: true,
    KmsKeyId: stagingKey,
    ...extra
  });

async function shareAndAccept(s: Awaited<ReturnType<typeof setup>>) {
  const created = await s.prodRam.send(new CreateResourceShareCommand({ name: 'share', resourceArns: [clusterArn], principals: [STG], allowExternalPrincipals: true, tags: [{ key: 'k', value: 'v' }] }));
  const shareArn = created.resourceShare!.resourceShareArn!;
  const inv = await s.stgRam.send(new GetResourceShareInvitationsCommand({ resourceShareArns: [shareArn] }));
  await s.stgRam.send(new AcceptResourceShareInvitationCommand({ resourceShareInvitationArn: inv.resourceShareInvitations![0]!.resourceShareInvitationArn! }));
  return shareArn;
}

describe('AWS RAM', () => {
  it('shares with an external account only when allowed, with an invitation it accepts once', async () => {
    const s = await setup();
    const refused = await failure(s.prodRam.send(new CreateResourceShareCommand({ name: 'share', resourceArns: [clusterArn], principals: [STG], allowExternalPrincipals: false })));
    expect(refused.name).toBe('OperationNotPermittedException');
    expect(refused.message).toMatch(/only be shared within your AWS Organization/);

    const created = await s.prodRam.send(
      new CreateResourceShareCommand({
        name: 'share',
        resourceArns: [clusterArn],
        principals: [STG],
        allowExternalPrincipals: true,
        tags: [{ key: 'rds-cross-account-sync:managed', value: 'true' }],
        clientToken: 't1'
      })
    );
    const shareArn = created.resourceShare!.resourceShareArn!;
    expect(created.resourceShare).toMatchObject({ name: 'share', owningAccountId: PROD, allowExternalPrincipals: true, status: 'ACTIVE' });
    // A retried create with the same client token is the same share.
    const again = await s.prodRam.send(new CreateResourceShareCommand({ name: 'share', resourceArns: [clusterArn], principals: [STG], allowExternalPrincipals: true, clientToken: 't1' }));
    expect(again.resourceShare!.resourceShareArn).toBe(shareArn);

    const found = await s.prodRam.send(
      new GetResourceSharesCommand({ resourceOwner: 'SELF', name: 'share', resourceShareStatus: 'ACTIVE', tagFilters: [{ tagKey: 'rds-cross-account-sync:managed', tagValues: ['true'] }] })
    );
    expect(found.resourceShares!.map(r => r.resourceShareArn)).toEqual([shareArn]);
    expect((await s.prodRam.send(new GetResourceSharesCommand({ resourceOwner: 'SELF', name: 'other' }))).resourceShares).toEqual([]);

    // Not yet visible to staging: same answer as a cluster that does not exist.
    expect((await failure(s.stg.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterArn, IncludeShared: true })))).name).toBe('DBClusterNotFoundFault');
    expect((await failure(s.stg.rds.send(clone('app-clone')))).name).toBe('DBClusterNotFoundFault');

    const inv = await s.stgRam.send(new GetResourceShareInvitationsCommand({ resourceShareArns: [shareArn] }));
    expect(inv.resourceShareInvitations).toHaveLength(1);
    const invitation = inv.resourceShareInvitations![0]!;
    expect(invitation).toMatchObject({ status: 'PENDING', senderAccountId: PROD, receiverAccountId: STG, resourceShareArn: shareArn });
    expect(invitation.invitationTimestamp).toBeInstanceOf(Date);
    // Production's role may not accept invitations at all; an unknown invitation is not found.
    expect((await failure(s.prodRam.send(new AcceptResourceShareInvitationCommand({ resourceShareInvitationArn: invitation.resourceShareInvitationArn! })))).name).toBe('AccessDeniedException');
    expect(
      (
        await failure(
          s.stgRam.send(new AcceptResourceShareInvitationCommand({ resourceShareInvitationArn: `${invitation.resourceShareInvitationArn!.replace(/\/.*$/, '')}/00000000-0000-0000-0000-000000000000` }))
        )
      ).name
    ).toBe('ResourceShareInvitationArnNotFoundException');
    const accepted = await s.stgRam.send(new AcceptResourceShareInvitationCommand({ resourceShareInvitationArn: invitation.resourceShareInvitationArn! }));
    expect(accepted.resourceShareInvitation!.status).toBe('ACCEPTED');
    expect((await failure(s.stgRam.send(new AcceptResourceShareInvitationCommand({ resourceShareInvitationArn: invitation.resourceShareInvitationArn! })))).name).toBe(
      'ResourceShareInvitationAlreadyAcceptedException'
    );

    const seen = await s.stg.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterArn, IncludeShared: true }));
    expect(seen.DBClusters).toEqual([{ DBClusterArn: clusterArn, Engine: 'aurora-postgresql', EngineVersion: '16.4', StorageEncrypted: true }]);

    // Associating again changes nothing; disassociating and deleting ends the access.
    await s.prodRam.send(new AssociateResourceShareCommand({ resourceShareArn: shareArn, resourceArns: [clusterArn], principals: [STG] }));
    await s.prodRam.send(new DisassociateResourceShareCommand({ resourceShareArn: shareArn, resourceArns: [clusterArn] }));
    expect((await failure(s.stg.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterArn, IncludeShared: true })))).name).toBe('DBClusterNotFoundFault');
    const deleted = await s.prodRam.send(new DeleteResourceShareCommand({ resourceShareArn: shareArn }));
    expect(deleted.returnValue).toBe(true);
    expect((await failure(s.prodRam.send(new DeleteResourceShareCommand({ resourceShareArn: shareArn })))).name).toBe('UnknownResourceException');
  });

  it('inside an organization with RAM sharing: no invitation, visible at once', async () => {
    const s = await setup('clone.yaml', {
      accounts: [
        { id: PROD, organization: 'o-example', ramOrganizationSharing: true },
        { id: STG, organization: 'o-example' }
      ]
    });
    const created = await s.prodRam.send(new CreateResourceShareCommand({ name: 'share', resourceArns: [clusterArn], principals: [STG], allowExternalPrincipals: false }));
    const inv = await s.stgRam.send(new GetResourceShareInvitationsCommand({ resourceShareArns: [created.resourceShare!.resourceShareArn!] }));
    expect(inv.resourceShareInvitations).toEqual([]);
    expect((await s.stg.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterArn, IncludeShared: true }))).DBClusters).toHaveLength(1);
  });

  it("refuses what IAM does not allow, another account's cluster, and a missing parameter", async () => {
    const s = await setup();
    const denied = await failure(s.stgRam.send(new CreateResourceShareCommand({ name: 'x', resourceArns: [], principals: [] })));
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.$metadata?.httpStatusCode).toBe(403);
    const unknown = await failure(s.prodRam.send(new CreateResourceShareCommand({ name: 'x', resourceArns: [`arn:aws:rds:${region}:${PROD}:cluster:nope`] })));
    expect(unknown.name).toBe('UnknownResourceException');
    const missing = await failure(s.prodRam.send(new GetResourceSharesCommand({ resourceOwner: undefined as unknown as 'SELF' })));
    expect(missing.name).toBe('MissingRequiredParameterException');
  });
});

describe('cross-account copy-on-write clone', () => {
  it('clones a shared cluster in the same time whatever its size, under the staging key', async () => {
    const s = await setup('clone.yaml', { accounts: [{ id: PROD, clusters: [{ id: 'app-production', sizeGb: 2048 }] }] });
    await shareAndAccept(s);
    const out = await s.stg.rds.send(clone('app-clone', { VpcSecurityGroupIds: ['sg-0iso0000000000000'] }));
    expect(out.DBCluster).toMatchObject({ DBClusterIdentifier: 'app-clone', Status: 'creating', CrossAccountClone: true, StorageEncrypted: true });
    expect(out.DBCluster!.KmsKeyId).toMatch(/:222222222222:key\//);
    s.emu.world.clock.advance(299);
    const before = await s.stg.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'app-clone' }));
    expect(before.DBClusters![0]!.Status).toBe('creating');
    s.emu.world.clock.advance(2);
    const after = await s.stg.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'app-clone' }));
    expect(after.DBClusters![0]).toMatchObject({ Status: 'available', MasterUsername: 'app_admin', CrossAccountClone: true });
    // One cross-account clone of a cluster per account.
    const second = await failure(s.stg.rds.send(clone('app-clone-2')));
    expect(second.name).toBe('InvalidRestoreFault');
  });

  it("refuses a cluster under aws/rds (the emulator's own key evaluation), Serverless v1, full-copy across accounts, no instance", async () => {
    const rdsKey = await setup('clone.yaml', { accounts: [{ id: PROD, clusters: [{ id: 'app-production', kmsKey: 'alias/aws/rds' }] }] });
    await shareAndAccept(rdsKey);
    expect((await failure(rdsKey.stg.rds.send(clone('app-clone')))).name).toBe('KMSKeyNotAccessibleFault');
    await rdsKey.emu.close();

    const v1 = await setup('clone.yaml', { accounts: [{ id: PROD, clusters: [{ id: 'app-production', engineMode: 'serverless' }] }] });
    await shareAndAccept(v1);
    const refused = await failure(v1.stg.rds.send(clone('app-clone')));
    expect(refused.name).toBe('InvalidParameterCombination');
    expect(refused.message).toMatch(/Serverless v1/);
    expect((await failure(v1.stg.rds.send(clone('app-clone', { RestoreType: 'full-copy' })))).name).toBe('InvalidParameterCombination');
    await v1.emu.close();

    const bare = await setup('clone.yaml', { accounts: [{ id: PROD, clusters: [{ id: 'app-production', instances: [] }] }] });
    // An empty instance list in an override merges to the seed's two instances; remove them in the world instead.
    for (const i of [...bare.emu.world.account(PROD)!.instances.values()]) bare.emu.world.account(PROD)!.instances.delete(i.id);
    await shareAndAccept(bare);
    expect((await failure(bare.stg.rds.send(clone('app-clone')))).name).toBe('InvalidDBClusterStateFault');
  });

  it('refuses a production key whose policy does not admit staging', async () => {
    const s = await setup('clone.yaml', {
      accounts: [
        { id: PROD, keys: [{ alias: 'alias/rds-share', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${PROD}:root` }, Action: 'kms:*', Resource: '*' }] } }] }
      ]
    });
    await shareAndAccept(s);
    const refused = await failure(s.stg.rds.send(clone('app-clone')));
    expect(refused.name).toBe('KMSKeyNotAccessibleFault');
  });

  it('takes injected faults like every other service: an error, throttling retried by the SDK, a clone failing midway', async () => {
    const s = await setup();
    s.emu.inject({ operation: 'ram:CreateResourceShare', kind: 'error', code: 'ResourceShareLimitExceededException' });
    const limited = await failure(s.prodRam.send(new CreateResourceShareCommand({ name: 'share', resourceArns: [clusterArn], principals: [STG] })));
    expect(limited.name).toBe('ResourceShareLimitExceededException');
    s.emu.inject({ operation: 'GetResourceShareInvitations', kind: 'throttle', times: 2 });
    const retrying = new RAMClient({ region, endpoint: s.emu.url, credentials: await assumeViaOidc(s.emu, stgRole), maxAttempts: 3 });
    const out = await retrying.send(new GetResourceShareInvitationsCommand({}));
    expect(out.$metadata.attempts).toBe(3);
    await shareAndAccept(s);
    s.emu.inject({ operation: 'RestoreDBClusterToPointInTime', kind: 'fail-midway' });
    await s.stg.rds.send(clone('app-clone'));
    s.emu.world.clock.advance(151);
    expect((await s.stg.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'app-clone' }))).DBClusters![0]!.Status).toBe('failed');
  });
});
