import { describe, expect, it } from '@jest/globals';
import { DiagnosedError } from '../../src/errors';
import { MaskingVetoError } from '../../src/masking/veto';
import { maskingEngine, maskingTarget, maskRestored } from '../../src/steps/mask';
import type { RestoredDatabase } from '../../src/steps/restore';
import { makeCtx, RULES_FILE } from '../fixtures/target';
import { quietStdout } from '../helpers/stdout';

quietStdout();

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
    const ctx = makeCtx({ 'masking-rules': RULES_FILE, 'masking-salt': 's' });
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
    const ctx = makeCtx({ 'masking-rules': RULES_FILE, 'masking-salt': 's', 'masking-connection': 'data-api', 'manage-master-password': 'true' });
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
    const ctx = makeCtx();
    let called = false;
    await expect(maskRestored(ctx, db, async () => ((called = true), { tables: 0, rows: 0, findings: [], durationMs: 0 }))).resolves.toEqual({ masked: false });
    expect(called).toBe(false);
  });

  it('on: passes rules, salt, strictness; findings become warnings', async () => {
    const ctx = makeCtx({ 'masking-rules': RULES_FILE, 'masking-salt': 'pepper', 'masking-strict': 'false' });
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
    const ctx = makeCtx({ 'masking-rules': RULES_FILE, 'masking-salt': 'pepper' });
    const err = await maskRestored(ctx, db, async () => {
      throw new Error('ECONNREFUSED');
    }).catch(e => e);
    expect(err).toBeInstanceOf(DiagnosedError);
    expect((err as DiagnosedError).diagnostics[0].title).toBe('Masking failed');
    expect((err as DiagnosedError).diagnostics[0].fix).toContain(`${db.endpoint}:5432`);
  });
});

const instance: RestoredDatabase = {
  kind: 'instance',
  identifier: 'app-staging-sync-1-1',
  arn: 'arn:aws:rds:ap-northeast-1:222222222222:db:app-staging-sync-1-1',
  engine: 'postgres',
  endpoint: 'app-staging-sync-1-1.abc.ap-northeast-1.rds.amazonaws.com',
  port: 5432,
  masterUsername: 'app',
  databaseName: 'postgres',
  password: 'generated',
  instances: []
};

const veto = async (inputs: Record<string, string>, db: RestoredDatabase) =>
  (await maskRestored(makeCtx({ 'masking-rules': RULES_FILE, 'masking-salt': 'pepper', ...inputs }), db, async () => {
    throw new MaskingVetoError(['public.users.email looks personal and has no rule']);
  }).catch((e: unknown) => e)) as MaskingVetoError;

describe('a masking veto says what becomes of the new database', () => {
  it('names the kind: an RDS DB instance is an instance, deleted', async () => {
    const e = await veto({}, instance);
    expect(e).toBeInstanceOf(MaskingVetoError);
    expect(e.reasons).toEqual(['public.users.email looks personal and has no rule']);
    expect(e.diagnostics[0].title).toBe('Masking vetoed the swap');
    expect(e.diagnostics[0].message).toBe('public.users.email looks personal and has no rule\nThe new instance app-staging-sync-1-1 is deleted; staging stays as it was.');
  });

  it('with keep-failed-restore the new database is kept, not deleted', async () => {
    const e = await veto({ 'keep-failed-restore': 'true' }, { ...instance, kind: 'cluster' });
    expect(e.diagnostics[0].message).toContain('The new cluster app-staging-sync-1-1 is not swapped in but kept for inspection (keep-failed-restore)');
    expect(e.diagnostics[0].message).not.toContain('deleted');
  });
});
