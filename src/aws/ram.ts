/**
 * AWS RAM, as the clone transfer needs it: the production account's resource
 * share of the cluster (found by name and this action's tag, created once,
 * kept for the next run), and the staging account's invitation.
 */
import {
  AcceptResourceShareInvitationCommand,
  AssociateResourceShareCommand,
  CreateResourceShareCommand,
  DeleteResourceShareCommand,
  DisassociateResourceShareCommand,
  GetResourceShareInvitationsCommand,
  GetResourceSharesCommand,
  RAMClient,
  type ResourceShare,
  type ResourceShareInvitation
} from '@aws-sdk/client-ram';
import { clientConfig, type Account } from '../accounts';
import { MANAGED_TAG } from '../context';
import type { Tags } from './tags';

const clients = new WeakMap<Account, RAMClient>();

/** A RAM client with the account's own credentials (the same provider its RDS client refreshes) and retry settings. */
export function ramClient(account: Account): RAMClient {
  let client = clients.get(account);
  if (!client) {
    client = new RAMClient({ ...clientConfig(account.region), credentials: account.rds.config.credentials });
    clients.set(account, client);
  }
  return client;
}

export interface ShareInfo {
  arn: string;
  name: string;
  status: string;
  allowExternalPrincipals: boolean;
}

const info = (s: ResourceShare): ShareInfo => ({
  arn: s.resourceShareArn ?? '',
  name: s.name ?? '',
  status: s.status ?? 'UNKNOWN',
  allowExternalPrincipals: s.allowExternalPrincipals ?? false
});

/** This action's active share of that name in the caller's account, if any. */
export async function findShare(ram: RAMClient, name: string): Promise<ShareInfo | undefined> {
  let nextToken: string | undefined;
  do {
    const out = await ram.send(
      new GetResourceSharesCommand({
        resourceOwner: 'SELF',
        name,
        resourceShareStatus: 'ACTIVE',
        tagFilters: [{ tagKey: MANAGED_TAG, tagValues: ['true'] }],
        nextToken
      })
    );
    const found = (out.resourceShares ?? []).find(s => s.name === name);
    if (found) return info(found);
    nextToken = out.nextToken;
  } while (nextToken);
  return undefined;
}

export interface NewShare {
  name: string;
  resourceArn: string;
  principal: string;
  allowExternalPrincipals: boolean;
  tags: Tags;
  /** Idempotency token: a retried call creates one share. */
  clientToken: string;
}

export async function createShare(ram: RAMClient, s: NewShare): Promise<ShareInfo> {
  const out = await ram.send(
    new CreateResourceShareCommand({
      name: s.name,
      resourceArns: [s.resourceArn],
      principals: [s.principal],
      allowExternalPrincipals: s.allowExternalPrincipals,
      tags: Object.entries(s.tags).map(([key, value]) => ({ key, value })),
      clientToken: s.clientToken
    })
  );
  return info(out.resourceShare ?? {});
}

/** Associates the resource and the principal with the share (already associated ones stay as they are). */
export async function associate(ram: RAMClient, shareArn: string, resourceArn: string, principal: string): Promise<void> {
  await ram.send(new AssociateResourceShareCommand({ resourceShareArn: shareArn, resourceArns: [resourceArn], principals: [principal] }));
}

export interface Invitation {
  arn: string;
  shareArn: string;
  status: string;
  senderAccountId?: string;
}

const invitation = (i: ResourceShareInvitation): Invitation => ({
  arn: i.resourceShareInvitationArn ?? '',
  shareArn: i.resourceShareArn ?? '',
  status: i.status ?? 'UNKNOWN',
  senderAccountId: i.senderAccountId
});

/** The caller's invitations to the share (none when both accounts are in one organization with RAM sharing enabled). */
export async function invitationsTo(ram: RAMClient, shareArn: string): Promise<Invitation[]> {
  const all: Invitation[] = [];
  let nextToken: string | undefined;
  do {
    const out = await ram.send(new GetResourceShareInvitationsCommand({ resourceShareArns: [shareArn], nextToken }));
    all.push(...(out.resourceShareInvitations ?? []).map(invitation));
    nextToken = out.nextToken;
  } while (nextToken);
  return all;
}

export async function acceptInvitation(ram: RAMClient, invitationArn: string, clientToken: string): Promise<Invitation> {
  const out = await ram.send(new AcceptResourceShareInvitationCommand({ resourceShareInvitationArn: invitationArn, clientToken }));
  return invitation(out.resourceShareInvitation ?? {});
}

/** Takes the resource out of the share, then deletes the share. */
export async function deleteShare(ram: RAMClient, shareArn: string, resourceArn: string, clientToken: string): Promise<void> {
  await ram.send(new DisassociateResourceShareCommand({ resourceShareArn: shareArn, resourceArns: [resourceArn], clientToken: `${clientToken}-d` }));
  await ram.send(new DeleteResourceShareCommand({ resourceShareArn: shareArn, clientToken }));
}
