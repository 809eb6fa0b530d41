import { DiagnosedError } from '../errors';

/**
 * Masking did not finish cleanly: the swap must not happen. The target side
 * deletes the temporary cluster and staging stays as it was. Each reason names
 * the table/column/query and what to change.
 */
export class MaskingVetoError extends DiagnosedError {
  readonly reasons: string[];
  constructor(reasons: string[], title = 'Masking vetoed the swap') {
    super({
      title,
      message: `${reasons.length === 1 ? reasons[0] : `\n- ${reasons.join('\n- ')}`}\nThe temporary cluster is deleted; staging stays as it was.`,
      fix: 'Fix the masking rules (or the database) as each line says and run again.',
      severity: 'error'
    });
    this.name = 'MaskingVetoError';
    this.reasons = reasons;
  }
}
