/**
 * An error that already knows how to explain itself: one or more annotated
 * diagnostics (title, message, fix). Steps throw it when they know better than
 * the generic AWS-fault mapping what went wrong.
 *
 * Also the one table of AWS fault codes (`FAULTS`) and the one way to match an
 * error against them (`isFault`).
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

/**
 * Every AWS fault the action recognises, keyed by the SDK's exception name,
 * with the other spellings the same fault arrives under. RDS and STS speak the
 * query protocol, whose wire code (the model's `awsQueryError` code) often
 * drops the `Fault`/`Exception` suffix: the SDK names a modelled fault by its
 * shape, an unmodelled one (an older SDK, a fake) by the wire code, so both
 * spellings must match. KMS, RAM and Secrets Manager speak JSON protocols, whose
 * wire code is the shape name itself. Checked against the service models of
 * @aws-sdk/client-rds, -sts, -kms, -ram and -secrets-manager (schemas_0.js).
 */
export const FAULTS = {
  // RDS (awsQuery): DB clusters and cluster snapshots mostly keep the suffix on the wire,
  // DB instances and DB snapshots mostly drop it.
  DBClusterNotFoundFault: [],
  DBClusterAlreadyExistsFault: [],
  DBClusterQuotaExceededFault: [],
  InvalidDBClusterStateFault: [],
  DBClusterSnapshotNotFoundFault: [],
  DBClusterSnapshotAlreadyExistsFault: [],
  InvalidDBClusterSnapshotStateFault: [],
  DBInstanceNotFoundFault: ['DBInstanceNotFound'],
  DBInstanceAlreadyExistsFault: ['DBInstanceAlreadyExists'],
  InvalidDBInstanceStateFault: ['InvalidDBInstanceState'],
  DBSnapshotNotFoundFault: ['DBSnapshotNotFound'],
  DBSnapshotAlreadyExistsFault: ['DBSnapshotAlreadyExists'],
  InvalidDBSnapshotStateFault: ['InvalidDBSnapshotState'],
  SnapshotQuotaExceededFault: ['SnapshotQuotaExceeded'],
  SharedSnapshotQuotaExceededFault: ['SharedSnapshotQuotaExceeded'],
  OptionGroupNotFoundFault: [],
  InvalidRestoreFault: [],
  KMSKeyNotAccessibleFault: [],
  // STS (awsQuery)
  ExpiredTokenException: [],
  InvalidIdentityTokenException: ['InvalidIdentityToken'],
  IDPRejectedClaimException: ['IDPRejectedClaim'],
  RegionDisabledException: [],
  // KMS (JSON)
  NotFoundException: [],
  DisabledException: [],
  KMSInvalidStateException: [],
  // KMS's (the key policy) and STS's (a session policy); STS sends it as MalformedPolicyDocument.
  MalformedPolicyDocumentException: ['MalformedPolicyDocument'],
  // RAM (REST-JSON)
  OperationNotPermittedException: [],
  ResourceShareInvitationExpiredException: [],
  ResourceShareInvitationAlreadyRejectedException: [],
  ResourceShareInvitationArnNotFoundException: [],
  ResourceShareLimitExceededException: [],
  // Secrets Manager (JSON)
  ResourceNotFoundException: [],
  InvalidRequestException: [],
  EncryptionFailure: [],
  DecryptionFailure: [],
  // Common errors of every service, not modelled: JSON protocols say AccessDeniedException, query protocols AccessDenied.
  AccessDeniedException: ['AccessDenied'],
  // A common error of every service (a session's credentials expired); not STS's ExpiredTokenException.
  ExpiredToken: [],
  // A common error of the query protocols (RDS): parameters that cannot go together.
  InvalidParameterCombination: []
} as const satisfies Record<string, readonly string[]>;

export type FaultName = keyof typeof FAULTS;

const canonical = new Map<string, FaultName>();
for (const [name, aliases] of Object.entries(FAULTS) as [FaultName, readonly string[]][]) {
  canonical.set(name, name);
  for (const alias of aliases) canonical.set(alias, name);
}

/** The table's name for a code (`DBInstanceNotFound` -> `DBInstanceNotFoundFault`), or undefined for a code it does not know. */
/** The code the service answers with on the wire (what a user sees in the console or the CLI): the first alias, else the name itself. */
export function wireCode(name: FaultName): string {
  const aliases: readonly string[] = FAULTS[name];
  return aliases[0] ?? name;
}

export function faultName(code: string | undefined): FaultName | undefined {
  return code === undefined ? undefined : canonical.get(code);
}

/** Whether an error code (as an SDK exception or a probe names it) is any spelling of one of the named faults. */
export function isFaultCode(code: string | undefined, names: FaultName | readonly FaultName[]): boolean {
  const name = faultName(code);
  return name !== undefined && (typeof names === 'string' ? name === names : names.includes(name));
}

/** Whether `e` is an AWS error that is (any spelling of) one of the named faults. */
export function isFault(e: unknown, names: FaultName | readonly FaultName[]): boolean {
  return isFaultCode(awsErrorCode(e), names);
}
