/** The run's database kind: as the inputs say, else detected from what RDS describes (read-only). */
import type { Accounts } from '../accounts';
import { readKindFacts } from '../aws/kind-facts';
import { withKind } from '../plan/kind';
import type { ResolvedSettings, Settings } from '../settings';

/** Settings with `kind` set, once for the whole run: as the inputs say, else detected. Describes only what an open kind needs. */
export async function resolveKinds(settings: Settings, accounts: Pick<Accounts, 'source' | 'target'>): Promise<ResolvedSettings> {
  return withKind(settings, await readKindFacts(settings, accounts));
}
