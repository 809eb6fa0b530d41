/**
 * Masking personal data in the restored database before the swap:
 * deterministic (a keyed SHA-256 under masking-salt, keys.ts), set-based SQL in the database,
 * fail-closed (any failure vetoes the swap). Called by src/steps/mask.ts.
 */
import * as core from '@actions/core';
import { maskDatabase } from './engine';
import { maskKey } from './keys';
import { loadRules, MaskingRulesError, type MaskingRules } from './rules';
import { mysql } from './sql/mysql';
import { postgres } from './sql/postgres';
import { connectDataApi, type DataApiConnection } from './transports/data-api';
import type { DirectConnection, Executor } from './transports/executor';
import { connectMysql } from './transports/mysql';
import { connectPostgres } from './transports/pg';
import { MaskingVetoError } from './veto';

export { loadRules, parseRules, MaskingRulesError, TRANSFORMS } from './rules';
export type { MaskingRules, Transform, TableRule, ColumnRule, VerifyQuery } from './rules';
export { MaskingVetoError } from './veto';
export { enableDataApi } from './transports/data-api';
export type { Executor } from './transports/executor';

export type MaskingTarget = ({ via: 'direct'; engine: 'postgres' | 'mysql' } & DirectConnection) | ({ via: 'data-api' } & DataApiConnection);

export interface MaskingResult {
  tables: number;
  rows: number;
  findings: string[];
  durationMs: number;
}

async function connect(target: MaskingTarget): Promise<Executor> {
  if (target.via === 'data-api') return connectDataApi(target);
  const { host, port, user, password, database, tls } = target;
  try {
    return target.engine === 'postgres' ? await connectPostgres({ host, port, user, password, database, tls }) : await connectMysql({ host, port, user, password, database, tls });
  } catch (e) {
    throw new MaskingVetoError(
      [
        `cannot connect to ${target.engine} at ${host}:${port} as ${user} (database ${database}, tls ${tls}): ${(e as Error).message}. ` +
          'The runner must reach the restored cluster: allow it in the isolation security group, or use masking-connection: data-api.'
      ],
      'Masking could not connect'
    );
  }
}

export async function runMasking(opts: {
  rulesFile: string;
  salt: string;
  strict: boolean;
  target: MaskingTarget;
  log?: (line: string) => void;
  /** Rows the PII scanner samples per table (default 200). */
  sampleRows?: number;
  /** Sessions that mask one large table together (masking-workers; default 1). */
  workers?: number;
}): Promise<MaskingResult> {
  const started = Date.now();
  const log = opts.log ?? (line => core.info(line));
  let rules: MaskingRules;
  try {
    rules = loadRules(opts.rulesFile);
  } catch (e) {
    if (e instanceof MaskingRulesError)
      throw new MaskingVetoError(
        e.problems.map(p => `${opts.rulesFile}: ${p}`),
        'Masking rules are invalid'
      );
    throw e;
  }
  if (!opts.salt) throw new MaskingVetoError(['masking-salt is empty: pass a secret salt (e.g. ${{ secrets.MASKING_SALT }}) so masked values are deterministic and not guessable.']);
  if (process.env.GITHUB_ACTIONS === 'true') {
    // The key is as secret as the salt; keep it out of any log line.
    core.setSecret(maskKey(opts.salt).hex);
  }
  const dialect = opts.target.engine === 'postgres' ? postgres : mysql;
  const ex = await connect(opts.target);
  try {
    const outcome = await maskDatabase(ex, dialect, rules, { salt: opts.salt, strict: opts.strict, log, sampleRows: opts.sampleRows, workers: opts.workers, open: () => connect(opts.target) });
    return { ...outcome, durationMs: Date.now() - started };
  } catch (e) {
    if (e instanceof MaskingVetoError) throw e;
    throw new MaskingVetoError([`masking failed: ${(e as Error).message}`]);
  } finally {
    await ex.close().catch(() => undefined);
  }
}
