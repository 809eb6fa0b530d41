import { describe, expect, it } from '@jest/globals';
import { MANAGED_TAG, SOURCE_TAG } from '../../src/context';
import { DiagnosedError } from '../../src/errors';
import { cleanupSnapshots } from '../../src/steps/cleanup';
import { maskingEngine, maskingTarget, maskRestored } from '../../src/steps/mask';
import type { RestoredDatabase } from '../../src/steps/restore';
import { makeCtx, makeWorld, RULES_FILE, sharedSnapshot, TARGET_ACCOUNT } from '../fixtures/target';
import { quietStdout } from '../helpers/stdout';

quietStdout();

describe('cleanupSnapshots', () => {
  it('unshares then deletes the older copies in both accounts, and never touches an untagged snapshot', async () => {
    const world = makeWorld();
    const ours = { [MANAGED_TAG]: 'true', [SOURCE_TAG]: 'rds:app-production-x' };
    const add = (fake: typeof world.source, id: string, day: number, tags: Record<string, string>, sharedWith: string[] = []) =>
      fake.snapshots.set(id, { id, cluster: 'app-production', type: 'manual', status: 'available', created: new Date(Date.UTC(2026, 10, day)), tags, sharedWith });
    add(world.source, 'copy-26', 26, ours, [TARGET_ACCOUNT]);
    add(world.source, 'copy-27', 27, ours, [TARGET_ACCOUNT]);
    add(world.source, 'copy-28', 28, ours, [TARGET_ACCOUNT]);
    add(world.source, 'hand-made', 1, {}, [TARGET_ACCOUNT]);
    add(world.target, 'target-copy-20', 20, ours);
    add(world.target, 'target-copy-21', 21, ours);
    add(world.target, 'app-staging-final-1-1', 10, { [MANAGED_TAG]: 'true' });

    const ctx = makeCtx(world, { 'retain-snapshots': '1' });
    const shared = sharedSnapshot(world, 'copy-27');
    const result = await cleanupSnapshots(ctx, { target: 'app-staging' }, shared);

    expect([...world.source.snapshots.keys()].sort()).toEqual(['copy-27', 'hand-made']);
    expect([...world.target.snapshots.keys()].sort()).toEqual(['app-staging-final-1-1', 'target-copy-21']);
    expect(result.map(r => [r.side, r.kept, r.failed])).toEqual([
      ['source', ['copy-27'], []],
      ['target', ['target-copy-21'], []]
    ]);
    const ops = world.source.calls.map(c => `${c.op}:${String(c.input.DBClusterSnapshotIdentifier ?? '')}`);
    expect(ops.indexOf('ModifyDBClusterSnapshotAttribute:copy-28')).toBeLessThan(ops.indexOf('DeleteDBClusterSnapshot:copy-28'));
    expect(world.source.calls.find(c => c.op === 'ModifyDBClusterSnapshotAttribute')!.input).toMatchObject({ AttributeName: 'restore', ValuesToRemove: [TARGET_ACCOUNT] });
    expect(ops.some(o => o.endsWith(':hand-made') && o.startsWith('Modify'))).toBe(false);
  });

  it('a failing delete is a warning naming the snapshot, not a failed run', async () => {
    const world = makeWorld();
    world.source.snapshots.set('old', { id: 'old', cluster: 'app-production', type: 'manual', status: 'available', created: new Date(0), tags: { [MANAGED_TAG]: 'true', [SOURCE_TAG]: 'x' }, sharedWith: [] });
    world.source.faults.push({ op: 'DeleteDBClusterSnapshot', error: 'AccessDenied' });
    const ctx = makeCtx(world, { 'retain-snapshots': '0' });
    await cleanupSnapshots(ctx, { target: 'app-staging' }, sharedSnapshot(world, 'new'));
    const warning = ctx.report.diagnostics.find(d => d.title === 'Snapshot clean-up incomplete in the source account');
    expect(warning?.severity).toBe('warning');
    expect(warning?.message).toContain('old: injected fault');
  });
});

describe('masking hook', () => {
  const db: RestoredDatabase = {
    kind: 'cluster',
    identifier: 'app-staging-sync-1-1',
    arn: 'arn:aws:rds:ap-northeast-1:222222222222:cluster:app-staging-sync-1-1',
    engine: 'aurora-postgresql',
    endpoint: 'app-staging-sync-1-1.cluster-abc.ap-northeast-1.rds.amazonaws.com',
    port: 5432,
    masterUsername: 'app',
    databaseName: 'postgres',
    password: 'generated',
    instances: []
  };

  it.each([
    ['aurora-postgresql', 'postgres'],
    ['aurora-mysql', 'mysql'],
    ['postgres', 'postgres'],
    ['mysql', 'mysql']
  ])('engine %s -> %s', (engine, expected) => expect(maskingEngine(engine)).toBe(expected));

  it('refuses an engine it cannot mask', () => expect(() => maskingEngine('sqlserver-ee')).toThrow(DiagnosedError));

  it('direct: endpoint, port, master user, generated password, tls require by default', () => {
    const world = makeWorld();
    const ctx = makeCtx(world, { 'masking-rules': RULES_FILE, 'masking-salt': 's' });
    expect(maskingTarget(ctx.settings, db)).toEqual({
      via: 'direct',
      engine: 'postgres',
      host: db.endpoint,
      port: 5432,
      user: 'app',
      password: 'generated',
      database: 'postgres',
      tls: 'require'
    });
  });

  it('data-api: the cluster ARN and the managed secret', () => {
    const ctx = makeCtx(makeWorld(), { 'masking-rules': RULES_FILE, 'masking-salt': 's', 'masking-connection': 'data-api', 'manage-master-password': 'true' });
    const creds = { accessKeyId: 'a', secretAccessKey: 'b' };
    expect(maskingTarget(ctx.settings, { ...db, password: undefined, masterUserSecretArn: 'arn:secret' }, creds)).toMatchObject({
      via: 'data-api',
      resourceArn: db.arn,
      secretArn: 'arn:secret',
      region: 'ap-northeast-1',
      credentials: creds
    });
    expect(() => maskingTarget(ctx.settings, { ...db, password: undefined }, creds)).toThrow(/managed master password secret/);
  });

  it('off without masking-rules: the engine is never called', async () => {
    const ctx = makeCtx(makeWorld());
    let called = false;
    await expect(maskRestored(ctx, db, async () => ((called = true), { tables: 0, rows: 0, findings: [], durationMs: 0 }))).resolves.toEqual({ masked: false });
    expect(called).toBe(false);
  });

  it('on: passes rules, salt, strictness; findings become warnings', async () => {
    const ctx = makeCtx(makeWorld(), { 'masking-rules': RULES_FILE, 'masking-salt': 'pepper', 'masking-strict': 'false' });
    let seen: unknown;
    const out = await maskRestored(ctx, db, async opts => {
      seen = { rulesFile: opts.rulesFile, salt: opts.salt, strict: opts.strict };
      return { tables: 3, rows: 120, findings: ['public.users.phone looks personal'], durationMs: 1500 };
    });
    expect(out).toEqual({ masked: true });
    expect(seen).toEqual({ rulesFile: RULES_FILE, salt: 'pepper', strict: false });
    expect(ctx.report.diagnostics).toEqual([{ title: 'Masking finding', message: 'public.users.phone looks personal', severity: 'warning' }]);
  });

  it('an engine error that is not a veto still stops the swap, with the way to reach the database', async () => {
    const ctx = makeCtx(makeWorld(), { 'masking-rules': RULES_FILE, 'masking-salt': 'pepper' });
    const err = await maskRestored(ctx, db, async () => {
      throw new Error('ECONNREFUSED');
    }).catch(e => e);
    expect(err).toBeInstanceOf(DiagnosedError);
    expect((err as DiagnosedError).diagnostics[0].title).toBe('Masking failed');
    expect((err as DiagnosedError).diagnostics[0].fix).toContain(`${db.endpoint}:5432`);
  });
});
