/**
 * Cluster or instance: `source-cluster` / `target-cluster` say Aurora,
 * `source-instance` / `target-instance` say RDS DB instance, `source-db` /
 * `target-db` leave it to what RDS describes. The decision is pure
 * (`decideKind`, tested from a table); the identifiers are looked up
 * (read-only, aws/kind-facts.ts) only when an input left the kind open, and
 * `resolveKinds` (src/kinds/resolve.ts) puts the two together.
 */
import { DiagnosedError } from '../errors';
import { kindProfile, kindProfiles } from '../kinds';
import type { Diagnostic } from '../report';
import { kindFromInputs, type ResolvedSettings, type Settings } from '../settings';
import type { DbKind } from '../types';

/** What exists under an identifier in one account: an Aurora cluster, an RDS instance (not a cluster member), both or neither. */
export interface Found {
  cluster: boolean;
  instance: boolean;
  /** Describe calls the role may not make (a role for RDS instances need not describe clusters): that kind counts as absent. */
  denied?: string[];
}

export interface KindFacts {
  source: { identifier: string; input: string; kind?: DbKind; found?: Found };
  target: { identifier: string; input: string; kind?: DbKind; found?: Found };
  /** The kind the snapshot input's ARN says (cluster-snapshot: or snapshot:). */
  snapshotKind?: DbKind;
  sourceAccountId: string;
  region: string;
}

export type KindDecision = { kind: DbKind; how: string } | { refuse: Diagnostic };

const db = (kind: DbKind) => kindProfile(kind).nouns.db;

const kindOf = (f: Found): DbKind | 'both' | undefined => (f.cluster && f.instance ? 'both' : f.cluster ? 'cluster' : f.instance ? 'instance' : undefined);

/** Pure: which kind the run refreshes, or why it cannot tell. */
export function decideKind(f: KindFacts): KindDecision {
  const explicit = f.source.kind ?? f.target.kind ?? f.snapshotKind;
  if (explicit) {
    // The target may not exist yet, or be renamed away; only a target that exists solely as the other kind is a contradiction.
    const t = f.target.found && !f.target.kind ? kindOf(f.target.found) : undefined;
    if (t && t !== 'both' && t !== explicit)
      return {
        refuse: {
          title: `${f.target.input} is a ${db(t)}, the production database a ${db(explicit)}`,
          message: `'${f.target.identifier}' in the staging account is a ${db(t)}, but the run restores a ${kindProfile(explicit).nouns.snapshot}, which can only become a ${db(explicit)}.`,
          fix: `Name a staging ${db(explicit)} (or a new name) in ${f.target.input}.`
        }
      };
    return { kind: explicit, how: `${f.source.kind ? f.source.input : f.target.kind ? f.target.input : 'the snapshot ARN'} names a ${db(explicit)}` };
  }
  const s = f.source.found ? kindOf(f.source.found) : undefined;
  if (s === undefined)
    return {
      refuse: {
        title: 'Production database not found',
        message:
          `There is neither a DB cluster nor a DB instance '${f.source.identifier}' (${f.source.input}) in account ${f.sourceAccountId}, region ${f.region}` +
          (f.source.found?.denied?.length ? ` that the production role may see (it may not call ${f.source.found.denied.join(', ')}).` : '.'),
        fix: `Check ${f.source.input} and aws-region, and that source-role-arn is in the production account:\n` + kindProfiles.map(p => `  ${p.cli.listDatabases(f.region)}`).join('\n')
      }
    };
  if (s === 'both')
    return {
      refuse: {
        title: `'${f.source.identifier}' is both a DB cluster and a DB instance`,
        message: `Account ${f.sourceAccountId} has an Aurora DB cluster and an RDS DB instance named '${f.source.identifier}', so ${f.source.input} is ambiguous.`,
        fix: 'Use source-cluster / target-cluster for the Aurora cluster, or source-instance / target-instance for the RDS instance.'
      }
    };
  const t = f.target.found ? kindOf(f.target.found) : undefined;
  if (t && t !== 'both' && t !== s)
    return {
      refuse: {
        title: `${f.target.input} is a ${db(t)}, the production database a ${db(s)}`,
        message: `'${f.source.identifier}' is a ${db(s)} but '${f.target.identifier}' in the staging account is a ${db(t)}: a snapshot of a ${db(s)} restores only into a ${db(s)}.`,
        fix: `Name a staging ${db(s)} (or a new name) in ${f.target.input}.`
      }
    };
  return { kind: s, how: `'${f.source.identifier}' is a ${db(s)} (detected)` };
}

/** Pure: the settings with the kind the inputs name, or the one the facts decide (read by `readKindFacts`, aws/kind-facts.ts). */
export function withKind(settings: Settings, facts: KindFacts | undefined): ResolvedSettings {
  if (!facts) return kindFromInputs(settings);
  const decision = decideKind(facts);
  if ('refuse' in decision) throw new DiagnosedError(decision.refuse);
  return { ...settings, kind: decision.kind };
}

/** The kind of settings typed before resolution; asking before `resolveKinds` ran is a programming error. */
export function dbKind(settings: Pick<Settings, 'kind'>): DbKind {
  if (!settings.kind) throw new Error('internal: the database kind was used before resolveKinds decided it');
  return settings.kind;
}
