/**
 * An error that already knows how to explain itself: one or more annotated
 * diagnostics (title, message, fix). Steps throw it when they know better than
 * the generic AWS-fault mapping what went wrong.
 */
import type { Diagnostic } from './report';

export class DiagnosedError extends Error {
  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: Diagnostic | Diagnostic[]) {
    const list = Array.isArray(diagnostics) ? diagnostics : [diagnostics];
    super(list.map(d => `${d.title}: ${d.message}`).join('\n'));
    this.name = 'DiagnosedError';
    this.diagnostics = list;
  }
}

/** The AWS error code of an SDK exception (its name), or undefined for other errors. */
export function awsErrorCode(e: unknown): string | undefined {
  if (e && typeof e === 'object' && '$metadata' in e) return (e as { name?: string }).name;
  return undefined;
}

export function isAwsError(e: unknown, ...codes: string[]): boolean {
  const code = awsErrorCode(e);
  return code !== undefined && codes.includes(code);
}
