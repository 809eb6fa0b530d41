/** Shared RDS rules: authorization, identifiers, lookups and key access through RDS. */
import type { HandlerContext } from '../context';
import { AwsError, common, rdsFault } from '../errors';
import { evaluate } from '../iam';
import { keyAllows, resolveKey } from '../kms';
import type { Account, Cluster, Key, Principal, Snapshot, World } from '../world';

export type Output = Record<string, unknown>;

/** The caller's IAM must allow `rds:Action` on the resource, as RDS answers it. */
export function authorize(ctx: HandlerContext, action: string, resource: string): void {
  const who = ctx.caller!.principal;
  const decision = evaluate(who.policies, { action, resource, context: { 'aws:PrincipalAccount': who.account } });
  if (decision === 'allow') return;
  const why = decision === 'explicit-deny' ? 'with an explicit deny in an identity-based policy' : `because no identity-based policy allows the ${action} action`;
  throw new AwsError('AccessDenied', `User: ${who.callerArn} is not authorized to perform: ${action} on resource: ${resource} ${why}`, 403);
}

export function callerAccount(ctx: HandlerContext): Account {
  return ctx.world.account(ctx.caller!.account)!;
}

/** RDS identifier rules: a letter first; letters, digits, hyphens; no '--'; no trailing '-'; up to 63 (255 for snapshots). */
export function checkIdentifier(param: string, value: string, max = 63): void {
  const ok = /^[A-Za-z][A-Za-z0-9-]*$/.test(value) && !value.includes('--') && !value.endsWith('-') && value.length <= max;
  if (!ok) {
    throw common.invalidParameterValue(
      `The parameter ${param} is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.`
    );
  }
}

export function findCluster(ctx: HandlerContext, idOrArn: string): Cluster {
  const m = /^arn:aws:rds:[^:]+:(\d{12}):cluster:(.+)$/.exec(idOrArn);
  const account = m ? ctx.world.account(m[1]!) : callerAccount(ctx);
  const id = (m ? m[2]! : idOrArn).toLowerCase();
  const cluster = account?.id === ctx.caller!.account ? account.clusters.get(id) : undefined;
  if (!cluster) throw rdsFault('DBClusterNotFoundFault', `DBCluster ${m ? m[2] : idOrArn} not found.`);
  return cluster;
}

/** True when `account` may see/copy/restore the snapshot, of either kind (own, or shared with it, or public). */
export function visibleTo(snapshot: Pick<Snapshot, 'account' | 'sharedWith'>, account: string): boolean {
  return snapshot.account === account || snapshot.sharedWith.includes(account) || snapshot.sharedWith.includes('all');
}

/** A snapshot by id (caller's account) or by ARN (any account that shares it with the caller). */
export function findSnapshot(ctx: HandlerContext, idOrArn: string): Snapshot {
  const m = /^arn:aws:rds:[^:]+:(\d{12}):cluster-snapshot:(.+)$/.exec(idOrArn);
  const account = m ? ctx.world.account(m[1]!) : callerAccount(ctx);
  const id = m ? m[2]! : idOrArn;
  const snapshot = account?.snapshots.get(id.toLowerCase()) ?? account?.snapshots.get(id);
  if (!snapshot || !visibleTo(snapshot, ctx.caller!.account)) {
    throw rdsFault('DBClusterSnapshotNotFoundFault', `DBClusterSnapshot ${m ? idOrArn : id} not found.`);
  }
  return snapshot;
}

export function rdsService(world: World): string {
  return `rds.${world.region}.amazonaws.com`;
}

const keyActionsForSource = ['kms:DescribeKey', 'kms:CreateGrant', 'kms:Decrypt'];
const keyActionsForTarget = ['kms:DescribeKey', 'kms:CreateGrant', 'kms:GenerateDataKey'];

/** Whether RDS, acting for the caller, may use the key (it asks for grants: ViaService rds, GrantIsForAWSResource). */
export function rdsMayUseKey(world: World, who: Principal, key: Key, role: 'source' | 'target'): boolean {
  if (!key.enabled) return false;
  const actions = role === 'source' ? keyActionsForSource : keyActionsForTarget;
  return actions.every(action =>
    keyAllows(who, key, action, {
      viaService: rdsService(world),
      grantIsForAwsResource: action === 'kms:CreateGrant' ? true : undefined
    })
  );
}

export function keyNotAccessible(keyRef: string, source = false): AwsError {
  return rdsFault(
    'KMSKeyNotAccessibleFault',
    source
      ? `The source snapshot KMS key [${keyRef}] does not exist, is not enabled or you do not have permissions to access it.`
      : `The specified KMS key [${keyRef}] does not exist, is not enabled or you do not have permissions to access it.`
  );
}

/** Resolves a KmsKeyId parameter for RDS and checks RDS may use it for the caller. */
export function keyForRds(ctx: HandlerContext, keyRef: string, role: 'source' | 'target'): Key {
  const who = ctx.caller!.principal;
  const key = resolveKey(ctx.world, who.account, keyRef);
  if (!key || !rdsMayUseKey(ctx.world, who, key, role)) throw keyNotAccessible(key?.arn ?? keyRef, false);
  return key;
}

/** Checks the key of an existing encrypted resource (snapshot) is usable by RDS for the caller. */
export function checkSourceKey(ctx: HandlerContext, keyArn: string, forCopy: boolean): Key {
  const who = ctx.caller!.principal;
  const key = resolveKey(ctx.world, who.account, keyArn);
  if (!key || !rdsMayUseKey(ctx.world, who, key, 'source')) throw keyNotAccessible(keyArn, forCopy);
  return key;
}

/** Records the grant RDS takes on a key when it uses it for a resource. */
export function recordRdsGrant(world: World, who: Principal, key: Key, resourceArn: string): void {
  key.grants.push({
    GrantId: `rds-${Math.random().toString(16).slice(2)}${Date.now().toString(16)}`,
    GrantToken: '',
    KeyId: key.arn,
    GranteePrincipal: rdsService(world),
    IssuingAccount: `arn:aws:iam::${who.account}:root`,
    Operations: ['Decrypt', 'Encrypt', 'GenerateDataKey', 'ReEncryptFrom', 'ReEncryptTo', 'DescribeKey', 'CreateGrant'],
    Name: resourceArn,
    CreationDate: world.now()
  });
}
