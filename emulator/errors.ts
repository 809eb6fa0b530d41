/**
 * AWS errors as the emulator raises them. Wire codes and HTTP statuses of the RDS
 * and STS faults are read from the SDK's own service model (the awsQueryError
 * trait of each error schema), so `rdsFault('SnapshotQuotaExceededFault', ...)`
 * goes out as code `SnapshotQuotaExceeded`, status 400, exactly as the model says.
 */
import * as rdsModel from '@aws-sdk/client-rds';
import * as stsModel from '@aws-sdk/client-sts';

export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly type: 'Sender' | 'Receiver' = status >= 500 ? 'Receiver' : 'Sender',
    /** Extra headers (e.g. x-amzn-ErrorType). */
    readonly headers: Record<string, string> = {}
  ) {
    super(message);
    this.name = code;
  }
}

type ErrorSchema = [number, string, string, Record<string, unknown>, ...unknown[]];

function modelFault(model: Record<string, unknown>, name: string): { code: string; status: number } | undefined {
  const schema = model[`${name}$`] as ErrorSchema | undefined;
  if (!Array.isArray(schema) || schema[0] !== -3) return undefined;
  const traits = schema[3] ?? {};
  const query = traits['awsQueryError'] as [string, number] | undefined;
  if (query) return { code: query[0], status: query[1] };
  const status = typeof traits['httpError'] === 'number' ? (traits['httpError'] as number) : 400;
  return { code: name, status };
}

/** An RDS fault by its model name (e.g. DBClusterNotFoundFault), with the wire code/status from the model. */
export function rdsFault(name: string, message: string): AwsError {
  const found = modelFault(rdsModel as unknown as Record<string, unknown>, name);
  if (!found) throw new Error(`emulator bug: ${name} is not an error of the RDS model`);
  return new AwsError(found.code, message, found.status);
}

/** An STS fault by its model name (e.g. InvalidIdentityTokenException). */
export function stsFault(name: string, message: string): AwsError {
  const found = modelFault(stsModel as unknown as Record<string, unknown>, name);
  if (!found) throw new Error(`emulator bug: ${name} is not an error of the STS model`);
  return new AwsError(found.code, message, found.status);
}

/** Common query-protocol errors that are not in the service models. */
export const common = {
  accessDenied: (message: string) => new AwsError('AccessDenied', message, 403),
  invalidParameterValue: (message: string) => new AwsError('InvalidParameterValue', message, 400),
  invalidParameterCombination: (message: string) => new AwsError('InvalidParameterCombination', message, 400),
  missingParameter: (name: string) => new AwsError('MissingParameter', `The request must contain the parameter ${name}`, 400),
  invalidAction: (action: string) => new AwsError('InvalidAction', `The action ${action} is not valid for this web service.`, 400),
  invalidClientTokenId: () => new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403),
  signatureDoesNotMatch: () =>
    new AwsError(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      403
    ),
  /** Query protocol (STS, RDS): a session past its Expiration. */
  expiredToken: () => new AwsError('ExpiredToken', 'The security token included in the request is expired', 403),
  missingAuthenticationToken: () => new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403),
  throttling: (json: boolean) => (json ? new AwsError('ThrottlingException', 'Rate exceeded', 400) : new AwsError('Throttling', 'Rate exceeded', 400)),
  internalFailure: () => new AwsError('InternalFailure', 'An internal error has occurred. Please try again.', 500),
  serviceUnavailable: () => new AwsError('ServiceUnavailable', 'Service is unavailable. Please try again later.', 503)
};

/** A KMS (JSON protocol) error; KMS's model has no query codes, the __type is the shape name. */
export function kmsFault(name: string, message: string, status = 400): AwsError {
  return new AwsError(name, message, status);
}
