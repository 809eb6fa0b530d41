/**
 * The swap never starts with a staging session that could expire inside it:
 * with less than 15 minutes left it is renewed first, and a refusal then
 * stops the run before the swap, with staging put back. Against the emulator
 * in process; a `pause` fault holds the parking rename to see what happened before it.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { CredentialsError, type Account } from '../src/accounts';
import { RefreshingSession, type AwsCredentialIdentity } from '../src/credentials';
import { planTarget } from '../src/target';
import { runTarget } from '../src/target';
import { emulatedTarget, STG, type EmulatedTarget } from './fixtures/emulated-target';
import { quietStdout } from './helpers/stdout';

quietStdout();

const MIN = 60_000;
const PARKED = 'app-staging-old-900-1';

let t: EmulatedTarget | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function setup(minutesLeft: number, refuse = false) {
  const e = (t = await emulatedTarget());
  const ctx = e.context();
  const plan = await planTarget(ctx);
  const now = Date.UTC(2026, 10, 29);
  /** The staging calls made before each assumption of the role. */
  const assumedAt: number[] = [];
  let refusedAt: number | undefined;
  const session = new RefreshingSession({
    now: () => now,
    assume: async (): Promise<AwsCredentialIdentity> => {
      if (assumedAt.length > 0 && refuse) {
        refusedAt = e.requests().length;
        throw new CredentialsError('STS AssumeRoleWithWebIdentity for the target account failed: AccessDenied', 'STS refused AssumeRoleWithWebIdentity (target)', 'target');
      }
      assumedAt.push(e.requests().length);
      return { accessKeyId: `K${assumedAt.length}`, secretAccessKey: 's', expiration: new Date(now + (assumedAt.length === 1 ? minutesLeft : 60) * MIN) };
    }
  });
  await session.get(0);
  (ctx.accounts.target as Account).session = session;
  const ops = () => e.requests().map(r => r.operation);
  return { e, ctx, plan, shared: e.shared, assumedAt, ops, refusedAt: () => refusedAt };
}

describe('runTarget and the staging session', () => {
  it('14 minutes left before the swap: renewed after the restore, before the old cluster is parked', async () => {
    const { e, ctx, plan, shared, assumedAt, ops } = await setup(14);
    e.emu.inject({ operation: 'rds:ModifyDBCluster', kind: 'pause', name: 'park', account: STG, match: { NewDBClusterIdentifier: PARKED } });
    const run = runTarget(ctx, plan, shared);
    await e.emu.paused('park');
    // Held at the parking rename: the session was renewed before it, after the restore.
    expect(assumedAt).toHaveLength(2);
    expect(ops().slice(0, assumedAt[1])).toContain('RestoreDBClusterFromSnapshot');
    e.emu.release('park');
    await run;
    expect(assumedAt).toHaveLength(2);
  });

  it('20 minutes left: no renewal', async () => {
    const { ctx, plan, shared, assumedAt } = await setup(20);
    await runTarget(ctx, plan, shared);
    expect(assumedAt).toHaveLength(1);
  });

  it('a refusal of that renewal stops the run before the swap, and staging is put back', async () => {
    const { e, ctx, plan, shared, ops, refusedAt } = await setup(14, true);
    const before = (await e.describe('app-staging'))!.DbClusterResourceId;
    const e2 = await runTarget(ctx, plan, shared).catch(x => x);
    expect(e2).toBeInstanceOf(CredentialsError);
    expect(e2.title).toBe('STS refused AssumeRoleWithWebIdentity (target)');
    // Nothing was renamed after the refusal: the rollback ran with the session in hand, the new cluster's deletion issued.
    expect(refusedAt()).toBeDefined();
    expect(ops().slice(refusedAt())).not.toContain('ModifyDBCluster');
    expect(ops().slice(refusedAt())).toContain('DeleteDBCluster');
    expect(e.cluster(PARKED)).toBeUndefined();
    expect((await e.describe('app-staging'))!.DbClusterResourceId).toBe(before);
  });
});
