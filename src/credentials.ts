/**
 * Credentials that outlive a role session: the SDK's standard credential
 * provider (a function returning an identity with `expiration`), which the
 * SDK calls again when less than 5 minutes remain. Each call that finds the
 * session near its end assumes the role again (OIDC: with a fresh ID token),
 * so a run of any length works with 1-hour sessions.
 *
 * A refusal while refreshing (trust policy changed, OIDC permission gone)
 * fails the call that asked, with the same CredentialsError as at start. The
 * session in hand still has minutes left: it is served, without asking STS
 * again, until it expires, so the run can put staging back with it.
 */

/** The identity shape the SDK's clients take. */
export interface AwsCredentialIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** The SDK's AwsCredentialIdentityProvider shape. */
export type CredentialProvider = () => Promise<AwsCredentialIdentity>;

/** Refresh when fewer than this many ms remain: the SDK's own window (EXPIRATION_MS in @smithy/core). */
export const REFRESH_WITHIN_MS = 5 * 60_000;
/** The swap and the rollback never start with a session that has fewer than this many ms left. */
export const CRITICAL_WITHIN_MS = 15 * 60_000;

export interface SessionOptions {
  /** One STS call that returns new credentials (with `expiration`), or throws the refusal. */
  assume: () => Promise<AwsCredentialIdentity>;
  /** ms since the epoch; the process clock by default. */
  now?: () => number;
}

export class RefreshingSession {
  private current: AwsCredentialIdentity | undefined;
  private pending: Promise<AwsCredentialIdentity> | undefined;
  private refusal: unknown;
  /** How many times STS was asked (the first assumption included). */
  assumptions = 0;
  private readonly now: () => number;

  constructor(private readonly options: SessionOptions) {
    this.now = options.now ?? (() => Date.now());
  }

  /** The provider the SDK clients get. */
  readonly provider: CredentialProvider = () => this.get(REFRESH_WITHIN_MS);

  /** ms the current session has left (Infinity without expiration, -Infinity before the first). */
  remainingMs(): number {
    if (!this.current) return -Infinity;
    return this.current.expiration ? this.current.expiration.getTime() - this.now() : Infinity;
  }

  /** Credentials with at least `minRemainingMs` left, assuming the role again when needed. */
  async get(minRemainingMs: number): Promise<AwsCredentialIdentity> {
    if (this.current && this.remainingMs() >= minRemainingMs) return this.current;
    // After a refusal, the session in hand is served while it lasts, without asking STS again.
    if (this.refusal !== undefined) {
      if (this.current && this.remainingMs() > 0) return this.current;
      throw this.refusal;
    }
    this.pending ??= this.options
      .assume()
      .then(identity => {
        this.assumptions++;
        this.current = identity;
        return identity;
      })
      .catch((e: unknown) => {
        // A refusal before the first session (the start) is simply thrown; later ones are remembered.
        if (this.current) this.refusal = e;
        throw e;
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }

  /** Whether a refresh was refused (the run must stop and put staging back). */
  get refused(): unknown {
    return this.refusal;
  }
}
