/**
 * The access probe: with the target account's own credentials, ask the real
 * KMS whether the key can be used, so AWS itself decides. DescribeKey on the
 * key ARN, then a grant to the target role that is retired at once (the grant
 * names the role as its retiring principal, so the role can retire it; if
 * that fails, RevokeGrant is tried, and a grant that stays is reported).
 */
import { CreateGrantCommand, DescribeKeyCommand, RetireGrantCommand, RevokeGrantCommand, type KMSClient } from '@aws-sdk/client-kms';
import { awsErrorCode } from '../errors';
import { parseRefusal, type Refusal } from './access-denied';

export type CallOutcome = { ok: true } | { ok: false; code: string; message: string; refusal: Refusal } | { ok: 'skipped'; why: string };

export interface KeyProbe {
  keyArn: string;
  granteeArn: string;
  describe: CallOutcome & { keyManager?: string; keyState?: string; keySpec?: string; keyUsage?: string };
  grant: CallOutcome;
  /** Whether the probe grant is gone again (retired or revoked), or why not. */
  cleanup: CallOutcome;
  grantId?: string;
}

export const PROBE_GRANT_NAME = 'rds-cross-account-sync-preflight';

function failed(e: unknown): Extract<CallOutcome, { ok: false }> {
  const message = (e as Error)?.message ?? String(e);
  return { ok: false, code: awsErrorCode(e) ?? (e as Error)?.name ?? 'Error', message, refusal: parseRefusal(message) };
}

export async function probeKey(kms: KMSClient, keyArn: string, granteeArn: string): Promise<KeyProbe> {
  const probe: KeyProbe = {
    keyArn,
    granteeArn,
    describe: { ok: 'skipped', why: 'not run' },
    grant: { ok: 'skipped', why: 'not run' },
    cleanup: { ok: 'skipped', why: 'no grant was created' }
  };
  try {
    const r = await kms.send(new DescribeKeyCommand({ KeyId: keyArn }));
    const m = r.KeyMetadata;
    probe.describe = { ok: true, keyManager: m?.KeyManager, keyState: m?.KeyState, keySpec: m?.KeySpec, keyUsage: m?.KeyUsage };
  } catch (e) {
    probe.describe = failed(e);
  }
  if (probe.describe.ok === true && probe.describe.keyState && probe.describe.keyState !== 'Enabled') {
    probe.grant = { ok: 'skipped', why: `the key is ${probe.describe.keyState}` };
    return probe;
  }
  try {
    const r = await kms.send(
      new CreateGrantCommand({
        KeyId: keyArn,
        GranteePrincipal: granteeArn,
        RetiringPrincipal: granteeArn,
        Operations: ['Decrypt', 'DescribeKey'],
        Name: PROBE_GRANT_NAME
      })
    );
    probe.grant = { ok: true };
    probe.grantId = r.GrantId;
  } catch (e) {
    probe.grant = failed(e);
    return probe;
  }
  if (!probe.grantId) {
    probe.cleanup = { ok: 'skipped', why: 'KMS returned no grant id' };
    return probe;
  }
  try {
    await kms.send(new RetireGrantCommand({ KeyId: keyArn, GrantId: probe.grantId }));
    probe.cleanup = { ok: true };
  } catch (retireError) {
    try {
      await kms.send(new RevokeGrantCommand({ KeyId: keyArn, GrantId: probe.grantId }));
      probe.cleanup = { ok: true };
    } catch {
      probe.cleanup = failed(retireError);
    }
  }
  return probe;
}
