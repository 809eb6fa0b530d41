/**
 * Reads AWS "not authorized" messages. IAM-evaluated services (KMS, RDS, STS)
 * say who was refused, which action, on which resource and, in the newer
 * form, which side is missing:
 *   User: arn:aws:sts::444455556666:assumed-role/stg/s is not authorized to perform: kms:CreateGrant
 *   on resource: arn:aws:kms:...:key/... because no identity-based policy allows the kms:CreateGrant action
 */

/** identity: the caller's IAM policy; resource: the key policy (or another resource policy). */
export type RefusingSide = 'identity' | 'resource' | 'unknown';

export interface Refusal {
  callerArn?: string;
  action?: string;
  resource?: string;
  side: RefusingSide;
  explicitDeny: boolean;
}

export function parseRefusal(message: string | undefined): Refusal {
  const text = message ?? '';
  const m = /User: (\S+) is not authorized to perform: (\S+?)(?: on resource: (\S+?))?(?:\s|$|\.|,)/.exec(text);
  const explicitDeny = /explicit deny/i.test(text);
  let side: RefusingSide = 'unknown';
  if (/identity-based policy|identity based policy|permissions boundary|session policy|service control policy/i.test(text)) side = 'identity';
  else if (/resource-based policy|resource based policy|key policy/i.test(text)) side = 'resource';
  return {
    callerArn: m?.[1],
    action: m?.[2],
    resource: m?.[3]?.replace(/[.,]$/, ''),
    side,
    explicitDeny
  };
}

/** The first KMS key ARN a message names (RDS puts it in brackets in KMSKeyNotAccessibleFault). */
export function keyArnIn(message: string | undefined): string | undefined {
  return /arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+/.exec(message ?? '')?.[0];
}
