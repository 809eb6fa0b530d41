/**
 * AWS RAM over its real wire protocol (REST-JSON: POST /createresourceshare ...,
 * DELETE /deleteresourceshare?resourceShareArn=...), for the resource type the
 * action shares: Aurora DB clusters (rds:Cluster).
 *
 * Rules enforced (AWS RAM API reference and user guide; error shapes and HTTP
 * statuses from the SDK's RAM model):
 *  - only the owner shares its own, existing, available cluster;
 *  - a principal outside the owner's organization (or any principal when the
 *    organization has not enabled RAM sharing) needs allowExternalPrincipals,
 *    else OperationNotPermittedException; such a principal gets an invitation
 *    and its association stays ASSOCIATING until it accepts;
 *  - inside an organization with RAM sharing enabled, access is immediate;
 *  - an invitation is accepted once, by its receiver;
 *  - clientToken makes a retried create return the same share.
 * Whether a cluster is visible to another account is answered by `clusterSharedWith`.
 */
import { randomUUID } from 'node:crypto';
import type { HandlerContext } from './context';
import { AwsError } from './errors';
import { evaluate } from './iam';
import type { Account, Cluster, InvitationState, ResourceShareState, World } from './world';

type Input = Record<string, unknown>;
type Output = Record<string, unknown>;

/** A RAM error by its model shape name (x-amzn-ErrorType), with the model's HTTP status. */
export function ramFault(name: string, message: string): AwsError {
  const status = name === 'ThrottlingException' ? 429 : name === 'ServerInternalException' ? 500 : name === 'ServiceUnavailableException' ? 503 : name === 'PermissionAlreadyExistsException' ? 409 : 400;
  return new AwsError(name, message, status);
}

/** The wire routes of the operations the emulator serves: method and path -> operation. */
export const ramRoutes: Record<string, string> = {
  'POST /createresourceshare': 'CreateResourceShare',
  'POST /associateresourceshare': 'AssociateResourceShare',
  'POST /getresourceshares': 'GetResourceShares',
  'POST /getresourceshareinvitations': 'GetResourceShareInvitations',
  'POST /acceptresourceshareinvitation': 'AcceptResourceShareInvitation',
  'POST /disassociateresourceshare': 'DisassociateResourceShare',
  'DELETE /deleteresourceshare': 'DeleteResourceShare'
};

function authorizeRam(ctx: HandlerContext, action: string, resource: string): void {
  const who = ctx.caller!.principal;
  const decision = evaluate(who.policies, { action, resource, context: { 'aws:PrincipalAccount': who.account } });
  if (decision === 'allow') return;
  const why = decision === 'explicit-deny' ? 'with an explicit deny in an identity-based policy' : `because no identity-based policy allows the ${action} action`;
  throw new AwsError('AccessDeniedException', `User: ${who.callerArn} is not authorized to perform: ${action} on resource: ${resource} ${why}`, 403);
}

const str = (input: Input, name: string): string | undefined => (typeof input[name] === 'string' ? (input[name] as string) : undefined);
const strings = (input: Input, name: string): string[] => (Array.isArray(input[name]) ? (input[name] as unknown[]).map(String) : []);
function required(input: Input, name: string): string {
  const v = str(input, name);
  if (!v) throw ramFault('MissingRequiredParameterException', `The request must contain the parameter ${name}.`);
  return v;
}

const shareArnPattern = /^arn:aws:ram:[a-z0-9-]+:(\d{12}):resource-share\/[0-9a-f-]+$/;
const clusterArnPattern = /^arn:aws:rds:([a-z0-9-]+):(\d{12}):cluster:([A-Za-z][A-Za-z0-9-]*)$/;

function me(ctx: HandlerContext): Account {
  return ctx.world.account(ctx.caller!.account)!;
}

/** Principals in one organization that has RAM sharing enabled see shares without an invitation. */
function inOrganization(world: World, owner: string, principal: string): boolean {
  const a = world.account(owner);
  const b = world.account(principal);
  return Boolean(a?.organization && a.ramOrganizationSharing && b?.organization === a.organization);
}

function ownShare(ctx: HandlerContext, arn: string): ResourceShareState {
  if (!shareArnPattern.test(arn)) throw ramFault('MalformedArnException', `The format of the ARN ${arn} is not valid.`);
  const share = ctx.world.ram.shares.get(arn);
  if (!share || share.owner !== ctx.caller!.account || share.status === 'DELETED') throw ramFault('UnknownResourceException', `ResourceShare ${arn} could not be found.`);
  return share;
}

/** The caller's own, existing, available cluster named by `arn`. */
function shareableCluster(ctx: HandlerContext, arn: string): Cluster {
  const m = clusterArnPattern.exec(arn);
  if (!m) {
    if (!arn.startsWith('arn:')) throw ramFault('MalformedArnException', `The format of the ARN ${arn} is not valid.`);
    throw ramFault('InvalidResourceTypeException', `The resource ${arn} is not of a type the emulator shares (rds:Cluster).`);
  }
  if (m[1] !== ctx.world.region || m[2] !== ctx.caller!.account) throw ramFault('UnknownResourceException', `The resource ${arn} could not be found in your account.`);
  const cluster = me(ctx).clusters.get(m[3]!.toLowerCase());
  if (!cluster) throw ramFault('UnknownResourceException', `The resource ${arn} could not be found in your account.`);
  // The Aurora guide: a cluster can't be shared unless it is ACTIVE (available).
  if (cluster.status !== 'available') throw ramFault('OperationNotPermittedException', `The resource ${arn} cannot be shared while it is ${cluster.status}.`);
  return cluster;
}

function checkPrincipals(ctx: HandlerContext, share: Pick<ResourceShareState, 'owner' | 'allowExternalPrincipals'>, principals: string[]): void {
  for (const p of principals) {
    if (!/^\d{12}$/.test(p)) throw ramFault('InvalidParameterException', `The principal ${p} is not a valid AWS account ID (the emulator shares with accounts only).`);
    if (p === share.owner) throw ramFault('InvalidParameterException', 'You cannot share a resource with your own account.');
    if (!share.allowExternalPrincipals && !inOrganization(ctx.world, share.owner, p)) {
      throw ramFault(
        'OperationNotPermittedException',
        'The resource you are attempting to share can only be shared within your AWS Organization. This error may also occur if you have not enabled sharing with your AWS organization, or that onboarding process is still in progress.'
      );
    }
  }
}

function addPrincipals(world: World, share: ResourceShareState, principals: string[]): void {
  for (const p of principals) {
    if (share.principals.has(p)) continue;
    const direct = inOrganization(world, share.owner, p);
    share.principals.set(p, { status: direct ? 'ASSOCIATED' : 'ASSOCIATING', external: !direct });
    if (!direct) {
      const arn = `arn:aws:ram:${world.region}:${share.owner}:resource-share-invitation/${randomUUID()}`;
      world.ram.invitations.set(arn, { arn, shareArn: share.arn, shareName: share.name, sender: share.owner, receiver: p, status: 'PENDING', created: world.now() });
    }
  }
}

function shareShape(s: ResourceShareState): Output {
  return {
    resourceShareArn: s.arn,
    name: s.name,
    owningAccountId: s.owner,
    allowExternalPrincipals: s.allowExternalPrincipals,
    status: s.status,
    tags: s.tags,
    creationTime: s.created,
    lastUpdatedTime: s.updated,
    featureSet: 'STANDARD'
  };
}

function associations(s: ResourceShareState, resources: string[], principals: string[], status: string): Output[] {
  return [
    ...resources.map(r => ({
      resourceShareArn: s.arn,
      resourceShareName: s.name,
      associatedEntity: r,
      associationType: 'RESOURCE',
      status,
      creationTime: s.created,
      lastUpdatedTime: s.updated,
      external: false
    })),
    ...principals.map(p => ({
      resourceShareArn: s.arn,
      resourceShareName: s.name,
      associatedEntity: p,
      associationType: 'PRINCIPAL',
      status: status === 'ASSOCIATED' ? (s.principals.get(p)?.status ?? status) : status,
      creationTime: s.created,
      lastUpdatedTime: s.updated,
      external: s.principals.get(p)?.external ?? false
    }))
  ];
}

function invitationShape(world: World, i: InvitationState): Output {
  const share = world.ram.shares.get(i.shareArn);
  return {
    resourceShareInvitationArn: i.arn,
    resourceShareName: i.shareName,
    resourceShareArn: i.shareArn,
    senderAccountId: i.sender,
    receiverAccountId: i.receiver,
    invitationTimestamp: i.created,
    status: i.status,
    ...(share ? { resourceShareAssociations: associations(share, [], [i.receiver], 'ASSOCIATED') } : {})
  };
}

function createResourceShare(ctx: HandlerContext, input: Input): Output {
  const world = ctx.world;
  const owner = ctx.caller!.account;
  const name = required(input, 'name');
  authorizeRam(ctx, 'ram:CreateResourceShare', `arn:aws:ram:${world.region}:${owner}:resource-share/*`);
  const token = str(input, 'clientToken');
  const key = token ? `${owner}:${token}` : undefined;
  if (key && world.ram.clientTokens.has(key)) {
    const earlier = world.ram.shares.get(world.ram.clientTokens.get(key)!)!;
    if (earlier.name !== name) throw ramFault('IdempotentParameterMismatchException', `The client token ${token} was already used with other parameters.`);
    return { resourceShare: shareShape(earlier), clientToken: token };
  }
  const resources = strings(input, 'resourceArns');
  const principals = strings(input, 'principals');
  const allowExternalPrincipals = input['allowExternalPrincipals'] === undefined ? true : input['allowExternalPrincipals'] === true;
  const tags = Array.isArray(input['tags']) ? (input['tags'] as Array<{ key: string; value: string }>).map(t => ({ key: String(t.key), value: String(t.value ?? '') })) : [];
  if (tags.length > 0) authorizeRam(ctx, 'ram:TagResource', `arn:aws:ram:${world.region}:${owner}:resource-share/*`);
  for (const r of resources) shareableCluster(ctx, r);
  checkPrincipals(ctx, { owner, allowExternalPrincipals }, principals);
  const now = world.now();
  const share: ResourceShareState = {
    arn: `arn:aws:ram:${world.region}:${owner}:resource-share/${randomUUID()}`,
    name,
    owner,
    allowExternalPrincipals,
    status: 'ACTIVE',
    tags,
    resources: new Set(resources),
    principals: new Map(),
    created: now,
    updated: now
  };
  world.ram.shares.set(share.arn, share);
  addPrincipals(world, share, principals);
  if (key) world.ram.clientTokens.set(key, share.arn);
  return { resourceShare: shareShape(share), ...(token ? { clientToken: token } : {}) };
}

function associateResourceShare(ctx: HandlerContext, input: Input): Output {
  const arn = required(input, 'resourceShareArn');
  authorizeRam(ctx, 'ram:AssociateResourceShare', arn);
  const share = ownShare(ctx, arn);
  const resources = strings(input, 'resourceArns');
  const principals = strings(input, 'principals');
  for (const r of resources) shareableCluster(ctx, r);
  checkPrincipals(ctx, share, principals);
  for (const r of resources) share.resources.add(r);
  addPrincipals(ctx.world, share, principals);
  share.updated = ctx.world.now();
  return { resourceShareAssociations: associations(share, resources, principals, 'ASSOCIATED'), clientToken: str(input, 'clientToken') };
}

function disassociateResourceShare(ctx: HandlerContext, input: Input): Output {
  const arn = required(input, 'resourceShareArn');
  authorizeRam(ctx, 'ram:DisassociateResourceShare', arn);
  const share = ownShare(ctx, arn);
  const resources = strings(input, 'resourceArns');
  const principals = strings(input, 'principals');
  for (const r of resources) share.resources.delete(r);
  for (const p of principals) share.principals.delete(p);
  share.updated = ctx.world.now();
  return { resourceShareAssociations: associations(share, resources, [], 'DISASSOCIATED'), clientToken: str(input, 'clientToken') };
}

function deleteResourceShare(ctx: HandlerContext, input: Input): Output {
  const arn = required(input, 'resourceShareArn');
  authorizeRam(ctx, 'ram:DeleteResourceShare', arn);
  const share = ownShare(ctx, arn);
  share.status = 'DELETED';
  share.resources.clear();
  share.principals.clear();
  share.updated = ctx.world.now();
  return { returnValue: true, clientToken: str(input, 'clientToken') };
}

function getResourceShares(ctx: HandlerContext, input: Input): Output {
  const owner = required(input, 'resourceOwner');
  if (owner !== 'SELF' && owner !== 'OTHER-ACCOUNTS') throw ramFault('InvalidParameterException', `resourceOwner must be SELF or OTHER-ACCOUNTS; got ${owner}.`);
  const me = ctx.caller!.account;
  authorizeRam(ctx, 'ram:GetResourceShares', '*');
  const arns = strings(input, 'resourceShareArns');
  const name = str(input, 'name');
  const status = str(input, 'resourceShareStatus');
  const filters = Array.isArray(input['tagFilters']) ? (input['tagFilters'] as Array<{ tagKey?: string; tagValues?: string[] }>) : [];
  const shares = [...ctx.world.ram.shares.values()].filter(
    s =>
      (owner === 'SELF' ? s.owner === me : s.principals.get(me)?.status === 'ASSOCIATED') &&
      (arns.length === 0 || arns.includes(s.arn)) &&
      (!name || s.name === name) &&
      (!status || s.status === status) &&
      filters.every(f => s.tags.some(t => t.key === f.tagKey && (!f.tagValues?.length || f.tagValues.includes(t.value))))
  );
  return { resourceShares: shares.map(shareShape) };
}

function getResourceShareInvitations(ctx: HandlerContext, input: Input): Output {
  authorizeRam(ctx, 'ram:GetResourceShareInvitations', '*');
  const me = ctx.caller!.account;
  const arns = strings(input, 'resourceShareInvitationArns');
  const shares = strings(input, 'resourceShareArns');
  if (arns.length > 0 && shares.length > 0) throw ramFault('InvalidParameterException', 'Specify resourceShareInvitationArns or resourceShareArns, not both.');
  const max = typeof input['maxResults'] === 'number' ? (input['maxResults'] as number) : undefined;
  if (max !== undefined && (max < 1 || max > 500)) throw ramFault('InvalidMaxResultsException', `maxResults must be from 1 to 500; got ${max}.`);
  const found = [...ctx.world.ram.invitations.values()].filter(i => i.receiver === me && (arns.length === 0 || arns.includes(i.arn)) && (shares.length === 0 || shares.includes(i.shareArn)));
  return { resourceShareInvitations: found.slice(0, max ?? found.length).map(i => invitationShape(ctx.world, i)) };
}

function acceptResourceShareInvitation(ctx: HandlerContext, input: Input): Output {
  const arn = required(input, 'resourceShareInvitationArn');
  authorizeRam(ctx, 'ram:AcceptResourceShareInvitation', arn);
  const invitation = ctx.world.ram.invitations.get(arn);
  if (!invitation || invitation.receiver !== ctx.caller!.account) throw ramFault('ResourceShareInvitationArnNotFoundException', `ResourceShareInvitationArn ${arn} could not be found.`);
  if (invitation.status === 'ACCEPTED') throw ramFault('ResourceShareInvitationAlreadyAcceptedException', `The invitation ${arn} has already been accepted.`);
  if (invitation.status === 'REJECTED') throw ramFault('ResourceShareInvitationAlreadyRejectedException', `The invitation ${arn} has already been rejected.`);
  if (invitation.status === 'EXPIRED') throw ramFault('ResourceShareInvitationExpiredException', `The invitation ${arn} has expired.`);
  invitation.status = 'ACCEPTED';
  const share = ctx.world.ram.shares.get(invitation.shareArn);
  const association = share?.principals.get(invitation.receiver);
  if (association) association.status = 'ASSOCIATED';
  return { resourceShareInvitation: invitationShape(ctx.world, invitation), clientToken: str(input, 'clientToken') };
}

export const ramOperations: Record<string, (ctx: HandlerContext, input: Input) => Output> = {
  CreateResourceShare: createResourceShare,
  AssociateResourceShare: associateResourceShare,
  GetResourceShares: getResourceShares,
  GetResourceShareInvitations: getResourceShareInvitations,
  AcceptResourceShareInvitation: acceptResourceShareInvitation,
  DisassociateResourceShare: disassociateResourceShare,
  DeleteResourceShare: deleteResourceShare
};

/** Whether the owner's cluster reaches `account` through an active share it has accepted (or an organization share). */
export function clusterSharedWith(world: World, cluster: Cluster, account: string): boolean {
  const arn = world.clusterArn(cluster.account, cluster.id);
  for (const s of world.ram.shares.values()) {
    if (s.owner === cluster.account && s.status === 'ACTIVE' && s.resources.has(arn) && s.principals.get(account)?.status === 'ASSOCIATED') return true;
  }
  return false;
}
