/**
 * Where a run failed and what state staging is in: every failure annotation
 * names the step and the AWS operation, and ends with one of three sentences
 *   "Staging is as it was."
 *   "Staging was refreshed; clean-up is pending (what, and how)."
 *   "Staging needs attention (exactly what)."
 * decided from the saved run state (the steps record what they did there).
 */
import { failedOperation } from '../aws/calls';
import type { Diagnostic, Report } from '../report';
import type { RunState } from '../state';

/** RunState fields the target side sets for this judgement. */
export interface OutcomeState {
  /** The new database is staging (the swap completed). */
  refreshed?: boolean;
  /** What is left to clean up after the refresh, and how. */
  pending?: string;
  /** A roll back that did not finish: exactly what needs doing. */
  attention?: string;
  /** The failure was rolled back. */
  rolledBack?: boolean;
}

const ENDINGS = [/staging is as it was/i, /staging was refreshed; clean-up is pending/i, /staging needs attention/i];

export function stagingOutcome(state: Readonly<RunState> | undefined): string {
  const s = (state ?? {}) as OutcomeState;
  if (s.attention) return `Staging needs attention (${s.attention}).`;
  if (s.refreshed) return `Staging was refreshed; clean-up is pending (${s.pending ?? 'nothing in staging itself; whatever the messages above name is retried by the next run'}).`;
  return s.rolledBack ? 'Staging is as it was (rolled back).' : 'Staging is as it was.';
}

/** The step that failed first (an inner step before the one around it), as the report recorded it. */
function failedStep(report: Report): string | undefined {
  return report.steps.find(s => s.result === 'failed')?.name;
}

/** Add "Step …, AWS operation …" and the staging sentence to each error that does not say them already. */
export function withWhereAndOutcome(diagnostics: Diagnostic[], e: unknown, report: Report, state: Readonly<RunState> | undefined): Diagnostic[] {
  const step = failedStep(report);
  const op = failedOperation(e);
  const outcome = stagingOutcome(state);
  return diagnostics.map(d => {
    if ((d.severity ?? 'error') !== 'error') return d;
    const where = step && !d.message.includes(`Step ${step}`) ? `Step ${step}${op && !d.message.includes(op) ? `, AWS operation ${op}` : ''}. ` : op && !d.message.includes(op) ? `AWS operation ${op}. ` : '';
    const ending = ENDINGS.some(r => r.test(d.message)) ? '' : outcome;
    const tail = `${where}${ending}`.trim();
    return tail ? { ...d, message: `${d.message}\n${tail}` } : d;
  });
}
