/**
 * The kind detection's facts (`KindFacts`, decided by plan/kind.ts): what
 * exists under an identifier in one account, read with each kind's own
 * describe call. Read-only.
 */
import type { RDSClient } from '@aws-sdk/client-rds';
import type { Accounts } from '../accounts';
import { isFault } from '../errors';
import { kindApi } from '../kinds/api';
import { kindProfile } from '../kinds';
import type { Found, KindFacts } from '../plan/kind';
import type { Settings, SideSettings } from '../settings';
import type { DbKind } from '../types';

/** Is there a cluster, and a standalone instance, under this identifier? A describe call the role may not make counts as absent (and is named). */
export async function lookUp(rds: RDSClient, identifier: string): Promise<Found> {
  const denied: string[] = [];
  const look = (kind: DbKind) =>
    kindApi(kind)
      .exists(rds, identifier)
      .catch((e: unknown) => {
        if (!isFault(e, 'AccessDeniedException')) throw e;
        denied.push(kindProfile(kind).iam.describe);
        return false;
      });
  const [cluster, instance] = [look('cluster'), look('instance')];
  const found: Found = { cluster: await cluster, instance: await instance };
  return denied.length ? { ...found, denied } : found;
}

const side = (s: SideSettings, found?: Found) => ({ identifier: s.identifier, input: s.input, kind: s.kind, found });

/** The facts `decideKind` needs: describes only what an open kind needs (undefined when the inputs say it all). */
export async function readKindFacts(settings: Settings, accounts: Pick<Accounts, 'source' | 'target'>): Promise<KindFacts | undefined> {
  const open = !settings.kind;
  const checkTarget = !settings.target.kind;
  if (!open && !checkTarget) return undefined;
  const [sourceFound, targetFound] = await Promise.all([
    open ? lookUp(accounts.source.rds, settings.source.identifier) : undefined,
    checkTarget ? lookUp(accounts.target.rds, settings.target.identifier) : undefined
  ]);
  return {
    source: side(settings.source, sourceFound),
    target: side(settings.target, targetFound),
    snapshotKind: settings.snapshot.kind === 'named' ? settings.snapshot.snapshotKind : undefined,
    sourceAccountId: accounts.source.accountId,
    region: settings.region
  };
}
