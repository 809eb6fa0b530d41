/**
 * The source snapshot, decided from what RDS described (pure): the production
 * database must exist; `latest` picks the newest available snapshot, a named
 * one must be this database's and available, `new` is described as what will
 * be taken. And whether a snapshot found under a copy's name may be resumed.
 * The reads are in aws/source-facts.ts; the effects in steps/.
 */
import { DiagnosedError, wireCode } from '../errors';
import type { Diagnostic } from '../report';
import { cliNouns, isAutomatedSnapshotId, kindWord as kindName, parseArn, snapshotArnOf } from '../rds-rules';
import type { SnapshotChoice } from '../settings';
import type { DbKind, SourceSnapshot } from '../types';
import type { SourceDatabase, SnapshotInfo } from '../aws/snapshots';
import { MANAGED_TAG, SOURCE_TAG, newSnapshotIdentifier } from './naming';
import { kindProfile } from '../kinds';

/** Where the source database lives, for messages and ARNs. */
export interface SourceScope {
  accountId: string;
  region: string;
  partition: string;
}

/** Statuses a snapshot does not leave on its own: waiting longer cannot help. */
export const TERMINAL_SNAPSHOT_STATUSES = ['failed', 'deleted', 'deleting', 'incompatible-restore', 'incompatible-parameters'];

const kindWord = (a: { kind: 'cluster' | 'instance' }) => kindName(a.kind);

export function requireDatabase(adapter: { kind: DbKind }, db: SourceDatabase | undefined, identifier: string, scope: SourceScope): SourceDatabase {
  if (!db) {
    throw new DiagnosedError({
      title: `Production ${kindWord(adapter)} not found`,
      message: `There is no ${kindWord(adapter)} '${identifier}' in account ${scope.accountId}, region ${scope.region} (${kindProfile(adapter.kind).ops.notFoundAnswer}).`,
      fix: `Check the ${kindProfile(adapter.kind).inputHint} and 'aws-region', and that source-role-arn is in the production account:\n  ${kindProfile(adapter.kind).cli.listDatabases(scope.region)}`
    });
  }
  return db;
}

/** RDS's snapshot type as the plan sees it: AWS Backup snapshots cannot be shared either, like automated ones. */
export function sourceType(info: SnapshotInfo): 'automated' | 'manual' {
  return info.snapshotType === 'automated' || info.snapshotType === 'awsbackup' || isAutomatedSnapshotId(info.identifier) ? 'automated' : 'manual';
}

/**
 * `latest`: the newest available snapshot, automated or manual. Copies this
 * action made (tagged with SOURCE_TAG) are not candidates: they stand for their
 * source, which is found instead, and its copy is then reused by name.
 */
export function pickLatest(snapshots: SnapshotInfo[]): SnapshotInfo | undefined {
  const candidates = snapshots.filter(s => s.status === 'available' && !(SOURCE_TAG in s.tags));
  candidates.sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0));
  return candidates[0];
}

export function toSourceSnapshot(info: SnapshotInfo): SourceSnapshot {
  return {
    kind: info.kind,
    identifier: info.identifier,
    arn: info.arn,
    type: sourceType(info),
    status: info.status,
    engine: info.engine,
    engineVersion: info.engineVersion,
    encrypted: info.encrypted,
    kmsKeyArn: info.kmsKeyArn,
    allocatedStorageGb: info.allocatedStorageGb,
    createdAt: info.createdAt?.toISOString(),
    ...(info.optionGroup ? { optionGroup: info.optionGroup } : {})
  };
}

/** What RDS listed for the snapshot input: all snapshots of the database (`latest`), or the named one (undefined: not found). */
export interface SnapshotCandidates {
  listed?: SnapshotInfo[];
  named?: SnapshotInfo;
}

/** Which snapshot the run starts from, from what was read (pure). `new` is described as what will be taken. */
export function chooseSnapshot(adapter: { kind: DbKind }, choice: SnapshotChoice, db: SourceDatabase, candidates: SnapshotCandidates, scope: SourceScope & { runId: string }): SourceSnapshot {
  if (choice.kind === 'new') {
    if (db.status !== 'available') {
      throw new DiagnosedError({
        title: 'Cannot take a snapshot now',
        message: `snapshot: new needs ${kindWord(adapter)} '${db.identifier}' to be available; it is '${db.status}'.`,
        fix: `Run again when the ${kindWord(adapter)} is available, or use 'snapshot: latest' to start from the newest existing snapshot.`
      });
    }
    const identifier = newSnapshotIdentifier(db.identifier, scope.runId);
    return {
      kind: adapter.kind,
      identifier,
      arn: snapshotArnOf(adapter.kind, scope.region, scope.accountId, identifier, scope.partition),
      type: 'new',
      status: 'to be taken',
      engine: db.engine,
      engineVersion: db.engineVersion,
      encrypted: db.encrypted,
      kmsKeyArn: db.kmsKeyArn,
      ...(db.optionGroup ? { optionGroup: db.optionGroup } : {})
    };
  }

  if (choice.kind === 'latest') {
    const all = candidates.listed ?? [];
    const newest = pickLatest(all);
    if (!newest) {
      const pending = all.filter(s => s.status !== 'available');
      throw new DiagnosedError({
        title: 'No available snapshot of the production database',
        message:
          `${kindWord(adapter)} '${db.identifier}' has no available automated or manual snapshot` +
          (pending.length ? ` (${pending.length} not available yet: ${pending.map(s => `${s.identifier} ${s.status}`).join(', ')}).` : '.'),
        fix: "Use 'snapshot: new' to take one now, or wait for the snapshot being created and run again."
      });
    }
    return toSourceSnapshot(newest);
  }

  // A named snapshot: an identifier (manual, or automated `rds:...`) or an ARN.
  if (choice.arn) {
    const arn = parseArn(choice.arn);
    if (arn && arn.accountId !== scope.accountId) {
      throw new DiagnosedError({
        title: 'Snapshot belongs to another account',
        message: `The snapshot input ${choice.arn} is in account ${arn.accountId}, but the production (source) account is ${scope.accountId}.`,
        fix: `Name a snapshot of '${db.identifier}' in account ${scope.accountId}, or use 'snapshot: latest'.`
      });
    }
  }
  const info = candidates.named;
  if (!info) {
    throw new DiagnosedError({
      title: 'Snapshot not found',
      message: `There is no ${kindWord(adapter)} snapshot '${choice.identifier}' in account ${scope.accountId}, region ${scope.region}.`,
      fix: `List the snapshots of the ${kindProfile(adapter.kind).nouns.short} and pick one, or use 'snapshot: latest':\n  ${kindProfile(adapter.kind).cli.listSnapshotsOf(db.identifier, scope.region)}`
    });
  }
  if (info.databaseIdentifier.toLowerCase() !== db.identifier.toLowerCase()) {
    throw new DiagnosedError({
      title: `Snapshot of another ${kindWord(adapter)}`,
      message: `Snapshot '${info.identifier}' was taken of '${info.databaseIdentifier}', not of the production ${kindWord(adapter)} '${db.identifier}'. Refusing to refresh staging from another database.`,
      fix: `Set 'snapshot' to a snapshot of '${db.identifier}', or name '${info.databaseIdentifier}' as the production database if that is the one meant.`
    });
  }
  if (info.status !== 'available') {
    const creating = info.status === 'creating' || info.status === 'copying';
    throw new DiagnosedError({
      title: creating ? 'Snapshot still being created' : `Snapshot is ${info.status}`,
      message: creating
        ? `Snapshot '${info.identifier}' is ${info.status}${info.percent !== undefined ? ` (${info.percent}%)` : ''}: it cannot be copied or shared before it is available.`
        : `Snapshot '${info.identifier}' is '${info.status}', not available.`,
      fix: creating
        ? `Run again when it is available:\n  aws rds wait ${cliNouns(adapter.kind).snapshot}-available --region ${scope.region} ${cliNouns(adapter.kind).snapshotIdOption} ${info.identifier}\nor use 'snapshot: latest' to take the newest available one.`
        : "Name another snapshot, or use 'snapshot: latest'."
    });
  }
  return toSourceSnapshot(info);
}

export interface ExpectedCopy {
  identifier: string;
  /** The snapshot copied: an identifier in the same account, or the ARN of a snapshot shared with it. */
  sourceIdentifier: string;
  /** undefined for an unencrypted copy; an alias (alias/aws/rds) is not compared with the copy's key ARN. */
  kmsKeyArn?: string;
  region: string;
  /** Cluster snapshot (default) or DB snapshot: only the CLI commands in messages differ. */
  kind?: DbKind;
}

export function deleteSnapshotCommand(kind: DbKind, region: string, identifier: string): string {
  const n = cliNouns(kind);
  return `aws rds delete-${n.snapshot} --region ${region} ${n.snapshotIdOption} ${identifier}`;
}

export type ExistingCopyVerdict = { reuse: { status: string; percent?: number } } | { refuse: Diagnostic };

/** Whether a snapshot found under the copy's name is this action's copy of the same source under the same key. Pure. */
export function judgeExistingCopy(existing: SnapshotInfo, expected: ExpectedCopy): ExistingCopyVerdict {
  const deleteCmd = deleteSnapshotCommand(expected.kind ?? existing.kind, expected.region, existing.identifier);
  const alreadyExists = wireCode(kindProfile(expected.kind ?? existing.kind).faults.snapshotAlreadyExists);
  if (existing.tags[MANAGED_TAG] !== 'true') {
    return {
      refuse: {
        title: 'Snapshot name taken by another snapshot',
        message: `The copy of '${expected.sourceIdentifier}' is named '${expected.identifier}', but a snapshot with that name already exists and this action did not make it (no ${MANAGED_TAG} tag): copying would fail with ${alreadyExists}, and reusing it could share data nobody chose.`,
        fix: `If that snapshot is not needed, delete it:\n  ${deleteCmd}\nOtherwise rename it (copy it to another name and delete this one), or choose another source snapshot.`
      }
    };
  }
  if (existing.tags[SOURCE_TAG] !== expected.sourceIdentifier) {
    return {
      refuse: {
        title: 'Snapshot name taken by another copy',
        message: `'${expected.identifier}' exists and was made by this action, but from '${existing.tags[SOURCE_TAG] ?? 'an unknown snapshot'}', not from '${expected.sourceIdentifier}'.`,
        fix: `Delete the stale copy and run again:\n  ${deleteCmd}`
      }
    };
  }
  const comparable = !expected.kmsKeyArn?.startsWith('alias/');
  if (comparable && (existing.kmsKeyArn ?? undefined) !== expected.kmsKeyArn && existing.encrypted) {
    return {
      refuse: {
        title: 'Existing copy is under another key',
        message: `The copy '${expected.identifier}' of '${expected.sourceIdentifier}' already exists under key ${existing.kmsKeyArn}, but kms-key-id is now ${expected.kmsKeyArn ?? '(none)'}.`,
        fix: `Delete the old copy so the next run makes a new one under the new key:\n  ${deleteCmd}\nor set kms-key-id back to ${existing.kmsKeyArn}.`
      }
    };
  }
  if (TERMINAL_SNAPSHOT_STATUSES.includes(existing.status)) {
    return {
      refuse: {
        title: `Earlier copy is ${existing.status}`,
        message: `The copy '${expected.identifier}' an earlier run started is '${existing.status}' and will not become available.`,
        fix: existing.status === 'deleting' ? 'Run again once it is gone.' : `Delete it and run again:\n  ${deleteCmd}`
      }
    };
  }
  return { reuse: { status: existing.status, percent: existing.percent } };
}
