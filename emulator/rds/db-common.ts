/** Shared rules of standalone DB instances and DB snapshots: lookups, engine defaults, option groups. */
import type { HandlerContext } from '../context';
import { rdsFault } from '../errors';
import type { Account, DbInstance, DbSnapshot, OptionGroupDef } from '../world';
import { callerAccount, visibleTo } from './common';

export function majorVersion(engine: string, version: string): string {
  const parts = version.split('.');
  // MySQL / MariaDB / Oracle / SQL Server majors have two parts (8.0, 10.11); PostgreSQL 10+ one.
  if (engine === 'postgres' && Number(parts[0]) >= 10) return parts[0]!;
  return parts.slice(0, 2).join('.');
}

export function defaultPort(engine: string): number {
  if (engine === 'mysql' || engine === 'mariadb') return 3306;
  if (engine.startsWith('oracle')) return 1521;
  if (engine.startsWith('sqlserver')) return 1433;
  return 5432;
}

export function defaultEngineVersion(engine: string): string {
  if (engine === 'mysql') return '8.0.39';
  if (engine === 'mariadb') return '10.11.9';
  if (engine.startsWith('oracle')) return '19.0.0.0.ru-2024-07.rur-2024-07.r1';
  if (engine.startsWith('sqlserver')) return '15.00.4385.2.v1';
  return '16.4';
}

export function defaultParameterGroup(engine: string, version: string): string {
  return `default.${engine}${majorVersion(engine, version)}`;
}

export function defaultOptionGroup(engine: string, version: string): string {
  return `default:${engine}-${majorVersion(engine, version).replace(/\./g, '-')}`;
}

/** A declared option group of the account, or a default one (`default:ENGINE-MAJOR`, no options). */
export function optionGroupOf(account: Account, name: string): OptionGroupDef | undefined {
  const declared = account.optionGroups.get(name.toLowerCase());
  if (declared) return declared;
  const m = /^default:([a-z-]+?)-(\d+(?:-\d+)?)$/.exec(name);
  if (!m) return undefined;
  return { name, account: account.id, engine: m[1]!, majorEngineVersion: m[2]!.replace(/-/g, '.'), description: `Default option group for ${m[1]} ${m[2]!.replace(/-/g, '.')}`, options: [] };
}

/** The option group named by a request, which must exist in the caller's account. */
export function requireOptionGroup(account: Account, name: string): OptionGroupDef {
  const group = optionGroupOf(account, name);
  if (!group) throw rdsFault('OptionGroupNotFoundFault', `Specified OptionGroupName: ${name} not found.`);
  return group;
}

/** Options that stop a snapshot from being shared (AWS: permanent or persistent ones, except Oracle Timezone / OLS). */
export function unshareableOptions(group: OptionGroupDef | undefined, engine: string): string[] {
  if (!group) return [];
  return group.options
    .filter(o => o.permanent || o.persistent)
    .filter(o => !(engine.startsWith('oracle') && (o.name === 'Timezone' || o.name === 'OLS')))
    .map(o => o.name);
}

/** A standalone DB instance of the caller, by id or ARN; undefined when the id names none. */
export function lookupDbInstance(ctx: HandlerContext, idOrArn: string): DbInstance | undefined {
  const m = /^arn:aws:rds:[^:]+:(\d{12}):db:(.+)$/.exec(idOrArn);
  if (m && m[1] !== ctx.caller!.account) return undefined;
  return callerAccount(ctx).dbInstances.get((m ? m[2]! : idOrArn).toLowerCase());
}

export function dbInstanceNotFound(id: string): Error {
  return rdsFault('DBInstanceNotFoundFault', `DBInstance ${id} not found.`);
}

export function findDbInstance(ctx: HandlerContext, idOrArn: string): DbInstance {
  const instance = lookupDbInstance(ctx, idOrArn);
  if (!instance) throw dbInstanceNotFound(idOrArn);
  return instance;
}

export function dbSnapshotNotFound(id: string): Error {
  return rdsFault('DBSnapshotNotFoundFault', `DBSnapshot not found: ${id}`);
}

/** A DB snapshot by id (caller's account) or by ARN (any account that shares it with the caller). */
export function findDbSnapshot(ctx: HandlerContext, idOrArn: string): DbSnapshot {
  const m = /^arn:aws:rds:[^:]+:(\d{12}):snapshot:(.+)$/.exec(idOrArn);
  const account = m ? ctx.world.account(m[1]!) : callerAccount(ctx);
  const id = m ? m[2]! : idOrArn;
  const snapshot = account?.dbSnapshots.get(id.toLowerCase());
  if (!snapshot || !visibleTo(snapshot, ctx.caller!.account)) throw dbSnapshotNotFound(id);
  return snapshot;
}

/** A DB snapshot the caller owns (sharing, attributes, delete). */
export function ownDbSnapshot(ctx: HandlerContext, idOrArn: string): DbSnapshot {
  const snapshot = findDbSnapshot(ctx, idOrArn);
  if (snapshot.account !== ctx.caller!.account) throw dbSnapshotNotFound(idOrArn);
  return snapshot;
}

/** True when the identifier is taken by any DB instance of the account (standalone or cluster member). */
export function instanceIdTaken(account: Account, id: string): boolean {
  const key = id.toLowerCase();
  return account.dbInstances.has(key) || account.instances.has(key);
}
