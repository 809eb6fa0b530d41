import { DiagnosedError } from '../errors';

/**
 * Masking did not finish cleanly: the swap must not happen. Each reason names
 * the table/column/query and what to change; `aftermath` says what becomes of
 * the new database (the masking step knows its kind and keep-failed-restore:
 * `withAftermath`).
 */
export class MaskingVetoError extends DiagnosedError {
  readonly reasons: string[];
  readonly title: string;
  constructor(reasons: string[], title = 'Masking vetoed the swap', aftermath = 'The new database is not swapped in; staging stays as it was.') {
    super({
      title,
      message: `${reasons.length === 1 ? reasons[0] : `\n- ${reasons.join('\n- ')}`}\n${aftermath}`,
      fix: 'Fix the masking rules (or the database) as each line says and run again.',
      severity: 'error'
    });
    this.name = 'MaskingVetoError';
    this.reasons = reasons;
    this.title = title;
  }

  /** The same veto, saying what becomes of the new database. */
  withAftermath(aftermath: string): MaskingVetoError {
    return new MaskingVetoError(this.reasons, this.title, aftermath);
  }
}
