/**
 * The masking hook between restore and swap: runs the masking engine
 * (src/masking) against the new, still isolated cluster. Any failure of the
 * engine, and above all its veto, stops the run before the swap: the
 * unmasked cluster never takes the staging name.
 */
import * as core from '@actions/core';
import { CredentialsError } from '../accounts';
import type { Context } from '../context';
import { DiagnosedError } from '../errors';
import { kindProfile } from '../kinds';
import type { MaskingTarget, runMasking } from '../masking/index';
import { MaskingVetoError } from '../masking/veto';
import type { Settings } from '../settings';
import type { RestoredDatabase } from './restore';

/** The masking dialect of an RDS engine name: postgres, aurora-postgresql -> postgres; mysql, aurora-mysql, aurora, mariadb -> mysql. */
export function maskingEngine(engine: string): 'postgres' | 'mysql' {
  if (engine.includes('postgres')) return 'postgres';
  // MariaDB speaks the MySQL dialect the masking SQL uses (and mysql2 connects to it).
  if (engine.includes('mysql') || engine === 'aurora' || engine === 'mariadb') return 'mysql';
  throw new DiagnosedError({
    title: `Masking does not support the engine ${engine}`,
    message: 'The masking engine handles PostgreSQL, MySQL and MariaDB (Aurora or RDS).',
    fix: 'Remove masking-rules for this database.'
  });
}

type Credentials = Extract<MaskingTarget, { via: 'data-api' }>['credentials'];

/** How the masking engine reaches the new cluster. */
export function maskingTarget(settings: Settings, db: RestoredDatabase, credentials?: Credentials): MaskingTarget {
  const engine = maskingEngine(db.engine);
  if (settings.maskingConnection === 'data-api') {
    if (!db.masterUserSecretArn || !credentials)
      throw new DiagnosedError({
        title: 'The Data API needs the managed master password secret',
        message: `${db.identifier} has no Secrets Manager secret for its master password.`,
        fix: 'Set manage-master-password: true, or masking-connection: direct.'
      });
    return { via: 'data-api', engine, resourceArn: db.arn, secretArn: db.masterUserSecretArn, database: db.databaseName, region: settings.region, credentials };
  }
  if (!db.endpoint || db.port === undefined || db.password === undefined)
    throw new DiagnosedError({
      title: `The new ${kindProfile(db.kind).nouns.short} cannot be reached for masking`,
      message: `${db.identifier} has ${db.endpoint ? '' : 'no endpoint, '}${db.port === undefined ? 'no port, ' : ''}${db.password === undefined ? 'no password known to the action' : ''}`.replace(/, $/, '.'),
      fix: 'Run again; if it persists, use masking-connection: data-api.'
    });
  return {
    via: 'direct',
    engine,
    host: db.endpoint,
    port: db.port,
    user: db.masterUsername,
    password: db.password,
    database: db.databaseName,
    tls: settings.maskingTls
  };
}

function vetoReasons(e: unknown): string[] | undefined {
  if (e instanceof Error && (e.name === 'MaskingVetoError' || 'reasons' in e)) {
    const reasons = (e as Error & { reasons?: unknown }).reasons;
    return Array.isArray(reasons) ? reasons.map(String) : [e.message];
  }
  return undefined;
}

/** What becomes of the new database after a veto: deleted, or kept for inspection with keep-failed-restore. */
function discarded(ctx: Context, db: RestoredDatabase): string {
  const noun = kindProfile(db.kind).nouns.short;
  return ctx.settings.keepFailedRestore
    ? `The new ${noun} ${db.identifier} is not swapped in but kept for inspection (keep-failed-restore); staging stays as it was.`
    : `The new ${noun} ${db.identifier} is deleted; staging stays as it was.`;
}

/** The masking engine's entry point (src/masking/index.ts). */
export type MaskingEngine = typeof runMasking;

/** Loaded only when masking is on: a run without masking-rules never loads the database drivers. */
const loadEngine: MaskingEngine = async opts => (await import('../masking/index')).runMasking(opts);

export async function maskRestored(ctx: Context, db: RestoredDatabase, engine: MaskingEngine = loadEngine): Promise<{ masked: boolean }> {
  const s = ctx.settings;
  if (!s.maskingRules) return { masked: false };
  // The refreshing provider when there is a role session (masking may outlive one), else the ambient identity.
  const staging = ctx.accounts.target;
  const credentials = s.maskingConnection === 'data-api' ? (staging.session?.provider ?? (await staging.rds.config.credentials())) : undefined;
  const target = maskingTarget(s, db, credentials);
  try {
    const result = await engine({ rulesFile: s.maskingRules, salt: s.maskingSalt ?? '', strict: s.maskingStrict, target, log: line => core.info(line), workers: s.maskingWorkers });
    ctx.report.fact('Masked', `${result.tables} tables, ${result.rows} rows in ${Math.round(result.durationMs / 1000)} s`);
    for (const f of result.findings) ctx.report.diagnose({ title: 'Masking finding', message: f, severity: 'warning' });
    return { masked: true };
  } catch (e) {
    // The engine's own veto already names the table, column or query and the fix; this step adds what becomes of the new database.
    if (e instanceof MaskingVetoError) throw e.withAftermath(discarded(ctx, db));
    if (e instanceof DiagnosedError) throw e;
    // A session renewal refused mid-masking explains itself (side, role, trust policy).
    if (e instanceof CredentialsError) throw e;
    const reasons = vetoReasons(e);
    if (reasons)
      throw new DiagnosedError({
        title: 'Masking vetoed the swap',
        message: `The new ${kindProfile(db.kind).nouns.short} ${db.identifier} was not swapped in; staging is unchanged.\n- ${reasons.join('\n- ')}`,
        fix: `Add rules for these columns to ${s.maskingRules}, or set masking-strict: false to report them as warnings.`
      });
    throw new DiagnosedError({
      title: 'Masking failed',
      message: `Masking ${db.identifier} failed, so it was not swapped in; staging is unchanged: ${(e as Error).message}`,
      fix:
        s.maskingConnection === 'direct'
          ? `The runner must reach ${db.endpoint}:${db.port} through isolation-security-group-ids; a runner outside the VPC can use masking-connection: data-api.`
          : 'Check that the Data API is available for this engine version and region, and that the staging role may call rds-data:* and secretsmanager:GetSecretValue.'
    });
  }
}
