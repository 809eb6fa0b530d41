/**
 * AWS's own rules about names and ARNs, in one place. The settings check and
 * the pipeline steps both use these, so a rule is never written twice.
 */
import { kindProfile, kindProfiles } from './kinds';

/** RDS DB cluster / instance / snapshot identifier rule (RDS User Guide, "Naming constraints"). */
export const RDS_IDENTIFIER_RULE = '1 to 63 letters, digits or hyphens; first character a letter; no two consecutive hyphens; not ending with a hyphen';

export function rdsIdentifierProblem(id: string): string | undefined {
  if (id.length < 1 || id.length > 63) return `is ${id.length} characters long`;
  if (!/^[A-Za-z]/.test(id)) return 'does not start with a letter';
  if (/[^A-Za-z0-9-]/.test(id)) return 'contains a character other than a letter, digit or hyphen';
  if (id.includes('--')) return 'contains two consecutive hyphens';
  if (id.endsWith('-')) return 'ends with a hyphen';
  return undefined;
}

export const ACCOUNT_ID_PATTERN = /^\d{12}$/;
/** Commercial, GovCloud, China and ISO partitions: us-east-1, ap-northeast-1, us-gov-west-1, cn-north-1, eu-central-2, il-central-1 ... */
export const REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;

export interface ParsedArn {
  partition: string;
  service: string;
  region: string;
  accountId: string;
  resource: string;
}

export function parseArn(arn: string): ParsedArn | undefined {
  const m = /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):([a-z0-9-]+):([a-z0-9-]*):(\d{12}|aws|):(.+)$/.exec(arn);
  if (!m) return undefined;
  return { partition: m[1], service: m[2], region: m[3], accountId: m[4], resource: m[5] };
}

/** arn:aws:iam::123456789012:role/path/name */
export const ROLE_ARN_PATTERN = /^arn:(aws|aws-cn|aws-us-gov):iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
/** arn:aws:kms:region:123456789012:key/uuid (or mrk-...) */
export const KMS_KEY_ARN_PATTERN = /^arn:(aws|aws-cn|aws-us-gov):kms:[a-z0-9-]+:\d{12}:key\/(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export function roleArn(partition: string, accountId: string, name: string): string {
  return `arn:${partition}:iam::${accountId}:role/${name}`;
}

export function accountRootArn(accountId: string, partition = 'aws'): string {
  return `arn:${partition}:iam::${accountId}:root`;
}

/** The RDS snapshot ARN for a cluster snapshot. */
export function clusterSnapshotArn(region: string, accountId: string, id: string, partition = 'aws'): string {
  return `arn:${partition}:rds:${region}:${accountId}:cluster-snapshot:${id}`;
}

export function clusterArn(region: string, accountId: string, id: string, partition = 'aws'): string {
  return `arn:${partition}:rds:${region}:${accountId}:cluster:${id}`;
}

/** An RDS DB instance: arn:aws:rds:REGION:ACCT:db:ID */
export function instanceArn(region: string, accountId: string, id: string, partition = 'aws'): string {
  return `arn:${partition}:rds:${region}:${accountId}:db:${id}`;
}

/** An RDS DB (instance) snapshot: arn:aws:rds:REGION:ACCT:snapshot:ID */
export function dbSnapshotArn(region: string, accountId: string, id: string, partition = 'aws'): string {
  return `arn:${partition}:rds:${region}:${accountId}:snapshot:${id}`;
}

/** The ARN of a database of either kind. */
export function databaseArn(kind: 'cluster' | 'instance', region: string, accountId: string, id: string, partition = 'aws'): string {
  return `arn:${partition}:rds:${region}:${accountId}:${kindProfile(kind).arn.database}:${id}`;
}

/** The ARN of a snapshot of either kind. */
export function snapshotArnOf(kind: 'cluster' | 'instance', region: string, accountId: string, id: string, partition = 'aws'): string {
  return `arn:${partition}:rds:${region}:${accountId}:${kindProfile(kind).arn.snapshot}:${id}`;
}

/** The ARN resource type of a snapshot: `cluster-snapshot` (Aurora) or `snapshot` (RDS DB instance). */
export function snapshotKindOfArn(resource: string): { kind: 'cluster' | 'instance'; identifier: string } | undefined {
  const m = /^([a-z-]+):(.+)$/.exec(resource);
  const profile = m && kindProfiles.find(p => p.arn.snapshot === m[1]);
  return profile ? { kind: profile.kind, identifier: m[2] } : undefined;
}

/** Words for messages: "DB cluster" / "DB instance", and the CLI nouns. */
export function kindWord(kind: 'cluster' | 'instance'): string {
  return kindProfile(kind).nouns.db;
}

/** The AWS CLI words for a kind: `db-cluster` / `db-instance`, `db-cluster-snapshot` / `db-snapshot`. */
export function cliNouns(kind: 'cluster' | 'instance'): { db: string; snapshot: string; snapshotIdOption: string; dbIdOption: string } {
  const { db, snapshot, snapshotIdOption, dbIdOption } = kindProfile(kind).cli;
  return { db, snapshot, snapshotIdOption, dbIdOption };
}

/**
 * Options that make a DB snapshot unshareable: an option group with a permanent
 * or persistent option (Oracle TDE, SQL Server TDE, Oracle Timezone...) ties the
 * snapshot to its account (RDS User Guide, "Sharing a DB snapshot": "You can't
 * share a DB snapshot that uses an option group with permanent or persistent
 * options"), and TDE-encrypted Oracle / SQL Server snapshots can't be shared.
 */
export const TDE_OPTION_NAMES = ['TDE', 'TDE_HSM', 'TRANSPARENT_DATA_ENCRYPTION'];

/** Automated snapshots are named `rds:<cluster>-<date>`; ':' is not valid in a new name. */
export function isAutomatedSnapshotId(id: string): boolean {
  return id.startsWith('rds:');
}

export function stripAutomatedPrefix(id: string): string {
  return isAutomatedSnapshotId(id) ? id.slice('rds:'.length) : id;
}

/**
 * Make a valid RDS identifier out of parts: lower case, invalid characters
 * become hyphens, repeated hyphens fold, at most 63 characters, first a letter.
 * Deterministic: the same parts give the same name on every run.
 */
export function toRdsIdentifier(...parts: string[]): string {
  let id = parts
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+/, '');
  if (!/^[a-z]/.test(id)) id = `s-${id}`;
  if (id.length > 63) {
    const hash = fnv1a(id).toString(36).slice(0, 6);
    id = `${id.slice(0, 63 - hash.length - 1)}-${hash}`;
  }
  return id.replace(/-+/g, '-').replace(/-+$/, '');
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
