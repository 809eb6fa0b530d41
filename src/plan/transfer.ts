/**
 * Snapshot or clone: how production data reaches staging. Pure: the facts are
 * read by src/transfer/clone.ts (the production cluster as RDS describes it,
 * its key as KMS describes it, the key policy as the single key-policy
 * analyser judges it for the staging role) and decided here, table-tested.
 *
 * AWS's rules for a cross-account Aurora clone (Aurora user guide, "Cross-account
 * cloning with AWS RAM and Amazon Aurora"): provisioned or Serverless v2, never
 * Serverless v1; same region; a cluster under the default aws/rds key cannot be
 * cloned into another account, so a customer managed key whose policy admits the
 * staging account; the source must have at least one DB instance and be
 * available; one cross-account clone of a cluster per account.
 */
import { analyzeKeyUse, viaRds } from '../diagnostics/key-policy';
import type { Diagnostic } from '../report';
import type { Transfer } from '../settings';
import type { DbKind } from '../types';
import { kindProfile } from '../kinds';

export type TransferMethodName = 'snapshot' | 'clone';

export interface TransferFacts {
  requested: Transfer;
  kind: DbKind;
  region: string;
  /** The `snapshot` input names a snapshot (a clone copies the cluster as it is now). */
  snapshotNamed?: boolean;
  /** The production cluster (absent: not described, e.g. an RDS DB instance). */
  source?: {
    identifier: string;
    arn: string;
    status: string;
    /** EngineMode: provisioned (also Serverless v2) or serverless (Serverless v1). */
    engineMode?: string;
    /** The region of its ARN. */
    region: string;
    instances: number;
    encrypted: boolean;
    kmsKeyArn?: string;
    /** KMS KeyManager: AWS for aws/rds. */
    keyManager?: 'AWS' | 'CUSTOMER';
  };
  /** The key policy of the cluster's key, as the key-policy analyser judged it for the staging role through RDS. */
  keyPolicy?: { ok: boolean; missing: string[]; denied: string[]; undecided: string[]; unreadable?: string };
  /** The current staging cluster is a cross-account clone (AWS allows one cross-account clone of a cluster per account). */
  stagingIsCrossAccountClone?: boolean;
  targetIdentifier: string;
}

export interface TransferDecision {
  method: TransferMethodName;
  requested: Transfer;
  /** Why this method: one line per reason (for auto: every precondition that failed, or that all held). */
  reasons: string[];
}

interface Check {
  ok: boolean;
  reason: string;
  fix: string;
  title: string;
}

/** The clone preconditions, in the order they are worth reading; each failing one says why and how to fix it. */
export function clonePreconditions(f: TransferFacts): Check[] {
  const s = f.source;
  const checks: Check[] = [];
  const push = (ok: boolean, title: string, reason: string, fix: string) => checks.push({ ok, title, reason, fix });
  push(
    kindProfile(f.kind).can.clone,
    'Only Aurora clusters can be cloned',
    'the database is an RDS DB instance: only Aurora DB clusters can be cloned across accounts',
    'Use transfer: snapshot (or auto) for an RDS DB instance.'
  );
  if (!kindProfile(f.kind).can.clone || !s) return checks;
  push(
    !f.snapshotNamed,
    'A clone does not start from a snapshot',
    'the snapshot input names a snapshot, and a clone copies the production cluster as it is now',
    'Leave snapshot empty (latest), or use transfer: snapshot to restore that snapshot.'
  );
  push(
    s.engineMode !== 'serverless',
    'Aurora Serverless v1 cannot be cloned across accounts',
    `${s.identifier} is Aurora Serverless v1 (EngineMode serverless), which AWS does not clone across accounts`,
    'Use transfer: snapshot, or move production to Aurora Serverless v2 or provisioned instances.'
  );
  push(
    s.region === f.region,
    'A clone stays in its region',
    `${s.identifier} is in ${s.region} and staging in ${f.region}: a clone is made in the source cluster's region only`,
    'Use transfer: snapshot for another region.'
  );
  push(
    s.encrypted,
    'The production cluster is not encrypted',
    `${s.identifier} is not encrypted; the action clones only a cluster under a customer managed key that admits staging (the snapshot path encrypts staging under target-kms-key-id)`,
    'Use transfer: snapshot, or encrypt production under a customer managed key.'
  );
  if (s.encrypted) {
    push(
      s.keyManager !== 'AWS',
      'A cluster under aws/rds cannot be cloned into another account',
      `${s.identifier} is encrypted under the AWS managed key aws/rds, whose policy admits only its own account: AWS refuses a cross-account clone of it`,
      'Use transfer: snapshot (it copies the snapshot under kms-key-id), or re-create production under a customer managed key that admits staging.'
    );
    if (s.keyManager !== 'AWS') {
      const k = f.keyPolicy;
      const admitted = Boolean(k && !k.unreadable && k.ok);
      const why = !k
        ? 'its key policy was not read'
        : k.unreadable
          ? `its key policy could not be read (${k.unreadable})`
          : [
              k.denied.length ? `denies ${k.denied.join(', ')}` : '',
              k.missing.length ? `does not allow ${k.missing.join(', ')}` : '',
              k.undecided.length ? `leaves ${k.undecided.join(', ')} to conditions that cannot be judged beforehand` : ''
            ]
              .filter(Boolean)
              .join('; ');
      push(
        admitted,
        'The production key does not admit staging',
        `the key ${s.kmsKeyArn ?? ''} of ${s.identifier}: ${why} for the staging role through RDS`,
        'Add the staging statements to the key policy (mode: policies prints them), or use transfer: snapshot.'
      );
    }
  }
  push(
    s.instances > 0,
    'The production cluster has no DB instance',
    `${s.identifier} has no DB instance: AWS clones only a cluster with at least one`,
    'Add an instance to production, or use transfer: snapshot.'
  );
  push(
    s.status === 'available',
    `The production cluster is ${s.status}`,
    `${s.identifier} is '${s.status}': RDS shares and clones an available cluster`,
    `Wait until ${s.identifier} is available, or use transfer: snapshot.`
  );
  push(
    !f.stagingIsCrossAccountClone,
    'Staging already holds a cross-account clone',
    `${f.targetIdentifier} is a cross-account clone, and AWS allows one cross-account clone of a cluster per account: a new clone is refused until it is deleted`,
    `Use transfer: auto (this run restores a snapshot and deletes the old clone; the next one clones again), or delete ${f.targetIdentifier} first: aws rds delete-db-cluster --db-cluster-identifier ${f.targetIdentifier} --skip-final-snapshot (after deleting its instances).`
  );
  return checks;
}

/** The method, and why. `transfer: clone` with a failed precondition is refused with one diagnostic per failure. */
export function decideTransfer(f: TransferFacts): TransferDecision | { refused: Diagnostic[] } {
  if (f.requested === 'snapshot') return { method: 'snapshot', requested: 'snapshot', reasons: ['transfer: snapshot'] };
  const failed = clonePreconditions(f).filter(c => !c.ok);
  if (failed.length === 0) {
    return {
      method: 'clone',
      requested: f.requested,
      reasons: [
        `${f.source!.identifier} is an available, encrypted Aurora cluster (provisioned or Serverless v2) in ${f.region} with ${f.source!.instances} instance(s), under a customer managed key whose policy admits the staging role`
      ]
    };
  }
  if (f.requested === 'clone') return { refused: failed.map(c => ({ title: `transfer: clone: ${c.title}`, message: `Cannot clone: ${c.reason}.`, fix: c.fix })) };
  return { method: 'snapshot', requested: 'auto', reasons: failed.map(c => c.reason) };
}

/** One line for the plan and the report. */
export function describeTransfer(d: TransferDecision): string[] {
  if (d.requested === 'snapshot') return ['Transfer: snapshot (transfer: snapshot)'];
  if (d.method === 'clone') return [`Transfer: clone through AWS RAM (${d.requested === 'auto' ? 'auto: every precondition holds' : 'transfer: clone'}): ${d.reasons.join('; ')}`];
  return [`Transfer: snapshot (auto: cannot clone because ${d.reasons.join('; ')})`];
}

/** The production cluster was not found: auto falls back to the snapshot path (which names the missing cluster itself); clone is refused. */
export function decideWithoutSource(f: { requested: Transfer; identifier: string; input: string; accountId: string; region: string }): TransferDecision | { refused: Diagnostic[] } {
  if (f.requested === 'auto') return { method: 'snapshot', requested: 'auto', reasons: [`${f.identifier} was not found as an Aurora DB cluster`] };
  return {
    refused: [
      {
        title: `Production cluster ${f.identifier} not found`,
        message: `transfer: clone needs the production Aurora DB cluster ${f.identifier} in account ${f.accountId} (${f.region}); DescribeDBClusters did not find it.`,
        fix: `aws rds describe-db-clusters --query "DBClusters[].DBClusterIdentifier"  # in the production account, then fix ${f.input}`
      }
    ]
  };
}

/**
 * The cluster key's policy as the clone decision sees it. The clone reads the production cluster's data under this key, as a
 * restore of a shared snapshot does: the one table of required actions (KEY_REQUIREMENTS['shared-key']) decides,
 * ListGrants/RevokeGrant never block.
 */
export function cloneKeyPolicy(key: { arn: string; policy?: string; policyUnreadable?: string }, staging: { principalArn: string; accountId: string }, region: string): NonNullable<TransferFacts['keyPolicy']> {
  if (!key.policy) return { ok: false, missing: [], denied: [], undecided: [], unreadable: key.policyUnreadable ?? 'not readable' };
  const a = analyzeKeyUse(key.policy, key.arn, viaRds(staging.principalArn, staging.accountId, region), 'shared-key');
  return { ok: a.ok, missing: a.missing, denied: a.denied, undecided: a.undecided, unreadable: a.parseError };
}
