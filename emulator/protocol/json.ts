/** The AWS JSON 1.1 protocol (KMS): `X-Amz-Target: TrentService.Op`, JSON in and out. */
import type { AwsError } from '../errors';

export const jsonContentType = 'application/x-amz-json-1.1';

export function jsonError(error: AwsError): string {
  return JSON.stringify({ __type: error.code, message: error.message });
}

/** Dates go out as epoch seconds, as KMS sends them. */
export function jsonBody(output: unknown): string {
  return JSON.stringify(output ?? {}, function (this: Record<string, unknown>, key: string, value: unknown) {
    const raw = this[key];
    return raw instanceof Date ? raw.getTime() / 1000 : value;
  });
}

export function operationFromTarget(target: string | undefined): string | undefined {
  if (!target) return undefined;
  const dot = target.indexOf('.');
  return dot < 0 ? undefined : target.slice(dot + 1);
}
