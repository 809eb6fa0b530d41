import { describe, expect, it } from '@jest/globals';
import { MaskingVetoError } from '../../src/masking/veto';
import { maskRestored } from '../../src/steps/mask';
import type { RestoredDatabase } from '../../src/steps/restore';
import { makeCtx, makeWorld, RULES_FILE } from '../target/helpers';
import { quietStdout } from '../helpers/stdout';

quietStdout();

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
  (await maskRestored(makeCtx(makeWorld(), { 'masking-rules': RULES_FILE, 'masking-salt': 'pepper', ...inputs }), db, async () => {
    throw new MaskingVetoError(['public.users.email looks personal and has no rule']);
  }).catch((e: unknown) => e)) as MaskingVetoError;

describe('a masking veto says what becomes of the new database', () => {
  it('names the kind: an RDS DB instance is an instance, deleted', async () => {
    const e = await veto({}, instance);
    expect(e).toBeInstanceOf(MaskingVetoError);
    expect(e.reasons).toEqual(['public.users.email looks personal and has no rule']);
    expect(e.diagnostics[0].title).toBe('Masking vetoed the swap');
    expect(e.diagnostics[0].message).toBe(
      'public.users.email looks personal and has no rule\nThe new instance app-staging-sync-1-1 is deleted; staging stays as it was.'
    );
  });

  it('with keep-failed-restore the new database is kept, not deleted', async () => {
    const e = await veto({ 'keep-failed-restore': 'true' }, { ...instance, kind: 'cluster' });
    expect(e.diagnostics[0].message).toContain('The new cluster app-staging-sync-1-1 is not swapped in but kept for inspection (keep-failed-restore)');
    expect(e.diagnostics[0].message).not.toContain('deleted');
  });
});
