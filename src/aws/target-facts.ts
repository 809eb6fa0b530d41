/**
 * Reads what the target plan decides from (read-only): the staging database
 * being replaced, with its writer instance.
 */
import type { Context } from '../context';
import type { TargetFacts } from '../plan/target';
import type { DbKind } from '../types';
import { databasesFor } from './databases';

export async function readTargetFacts(ctx: Context, kind: DbKind): Promise<TargetFacts> {
  const db = databasesFor(ctx, 'target', kind);
  const found = await db.describe(ctx.settings.target.identifier);
  if (!found) return {};
  const writerId = found.writer ?? found.members[0];
  return { existing: { ...found, writerInstance: writerId ? await db.describeInstance(writerId) : undefined } };
}
