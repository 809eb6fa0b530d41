/**
 * Read-only KMS look-ups the source plan needs about a snapshot's key: who
 * manages it (AWS for aws/rds, CUSTOMER for a CMK) and, when the caller may
 * read it, its key policy.
 */
import { DescribeKeyCommand, GetKeyPolicyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { awsErrorCode } from '../errors';

export interface KeyFacts {
  arn: string;
  keyManager: 'AWS' | 'CUSTOMER';
  keyState?: string;
  /** The key policy document (JSON text), when GetKeyPolicy was allowed. */
  policy?: string;
  /** Why the policy could not be read (the AWS error code), when it could not. */
  policyUnreadable?: string;
  /** The AWS error message of that refusal. */
  policyUnreadableMessage?: string;
}

/** A GetKeyPolicy answer: the policy, or the AWS error code (and message) that refused it. */
export interface KeyPolicyRead {
  policy?: string;
  unreadable?: string;
  message?: string;
}

export async function describeKey(kms: KMSClient, keyId: string): Promise<Omit<KeyFacts, 'policy' | 'policyUnreadable' | 'policyUnreadableMessage'>> {
  const out = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
  const m = out.KeyMetadata;
  return {
    arn: m?.Arn ?? keyId,
    keyManager: m?.KeyManager === 'AWS' ? 'AWS' : 'CUSTOMER',
    keyState: m?.KeyState
  };
}

/** The key's default policy, or the reason it could not be read (access denied is common and not fatal). */
export async function readKeyPolicy(kms: KMSClient, keyId: string): Promise<KeyPolicyRead> {
  try {
    const out = await kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }));
    return { policy: out.Policy };
  } catch (e) {
    const code = awsErrorCode(e);
    if (code) return { unreadable: code, message: (e as Error).message };
    throw e;
  }
}

export async function keyFacts(kms: KMSClient, keyId: string): Promise<KeyFacts> {
  const key = await describeKey(kms, keyId);
  if (key.keyManager === 'AWS') return key; // aws/rds: its policy is fixed and never admits another account
  const { policy, unreadable, message } = await readKeyPolicy(kms, key.arn);
  return { ...key, policy, policyUnreadable: unreadable, policyUnreadableMessage: message };
}
