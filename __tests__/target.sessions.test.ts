/**
 * The swap never starts with a staging session that could expire inside it:
 * with less than 15 minutes left it is renewed first, and a refusal then
 * stops the run before the swap, with staging put back.
 */
import { describe, expect, it } from '@jest/globals';
import { CredentialsError, type Account } from '../src/accounts';
import { RefreshingSession, type AwsCredentialIdentity } from '../src/credentials';
import { planTarget } from '../src/plan/target';
import { runTarget } from '../src/target';
import { addStaging, makeCtx, makeWorld, sharedSnapshot } from './fixtures/target';
import { quietStdout } from './helpers/stdout';

quietStdout();

const MIN = 60_000;
const PARKED = 'app-staging-old-900-1';

async function setup(minutesLeft: number, refuse = false) {
  const world = makeWorld();
  addStaging(world);
  const ctx = makeCtx(world);
  const plan = await planTarget(ctx);
  const now = Date.UTC(2026, 10, 29);
  const assumedAt: number[] = [];
  const session = new RefreshingSession({
    now: () => now,
    assume: async (): Promise<AwsCredentialIdentity> => {
      if (assumedAt.length > 0 && refuse) {
        throw new CredentialsError('STS AssumeRoleWithWebIdentity for the target account failed: AccessDenied', 'STS refused AssumeRoleWithWebIdentity (target)', 'target');
      }
      assumedAt.push(world.target.calls.length);
      return { accessKeyId: `K${assumedAt.length}`, secretAccessKey: 's', expiration: new Date(now + (assumedAt.length === 1 ? minutesLeft : 60) * MIN) };
    }
  });
  await session.get(0);
  (ctx.accounts.target as Account).session = session;
  const ops = () => world.target.calls.map(c => `${c.op}:${String(c.input.NewDBClusterIdentifier ?? '')}`);
  return { world, ctx, plan, shared: sharedSnapshot(world), assumedAt, ops, session };
}

describe('runTarget and the staging session', () => {
  it('14 minutes left before the swap: renewed after the restore, before the old cluster is parked', async () => {
    const { ctx, plan, shared, assumedAt, ops } = await setup(14);
    await runTarget(ctx, plan, shared);
    expect(assumedAt).toHaveLength(2);
    const park = ops().indexOf(`ModifyDBCluster:${PARKED}`);
    expect(park).toBeGreaterThan(0);
    expect(assumedAt[1]).toBeLessThanOrEqual(park);
    expect(ops().slice(0, assumedAt[1]).some(o => o.startsWith('RestoreDBClusterFromSnapshot'))).toBe(true);
  });

  it('20 minutes left: no renewal', async () => {
    const { ctx, plan, shared, assumedAt } = await setup(20);
    await runTarget(ctx, plan, shared);
    expect(assumedAt).toHaveLength(1);
  });

  it('a refusal of that renewal stops the run before the swap, and staging is put back', async () => {
    const { world, ctx, plan, shared, ops } = await setup(14, true);
    const before = world.target.clusters.get('app-staging')!.resourceId;
    const e = await runTarget(ctx, plan, shared).catch(x => x);
    expect(e).toBeInstanceOf(CredentialsError);
    expect(e.title).toBe('STS refused AssumeRoleWithWebIdentity (target)');
    expect(ops().some(o => o === `ModifyDBCluster:${PARKED}` || o === 'ModifyDBCluster:app-staging')).toBe(false);
    // The rollback ran with the session in hand: the new cluster is gone, staging is the old one.
    expect(ops().some(o => o.startsWith('DeleteDBCluster'))).toBe(true);
    expect(world.target.clusters.get('app-staging')!.resourceId).toBe(before);
  });
});
