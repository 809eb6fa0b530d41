/**
 * One set of AWS clients per account. Credentials come from GitHub's OIDC token
 * (AssumeRoleWithWebIdentity) or, where the job has no OIDC, from the ambient
 * credentials (AssumeRole). Each side keeps its own credentials inside its own
 * clients: nothing is written to the process environment.
 *
 * The clients get a refreshing provider (src/credentials.ts), not the first
 * session's static keys: the role is assumed again (OIDC: with a new ID token)
 * whenever less than 5 minutes remain, so runs of any length work with
 * 1-hour sessions. Without a role, the SDK's ambient chain refreshes itself.
 */
import * as core from '@actions/core';
import { KMSClient } from '@aws-sdk/client-kms';
import { RDSClient } from '@aws-sdk/client-rds';
import { AssumeRoleCommand, AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient, type Credentials } from '@aws-sdk/client-sts';
import { CRITICAL_WITHIN_MS, RefreshingSession, type AwsCredentialIdentity, type CredentialProvider } from './credentials';
import { parseArn } from './rds-rules';
import type { Settings, Side, SideSettings } from './settings';

export type { AwsCredentialIdentity, CredentialProvider } from './credentials';

export interface Account {
  side: Side;
  accountId: string;
  region: string;
  partition: string;
  /** The role ARN this side acts as (arn:aws:iam::ACCOUNT:role/NAME), or the caller ARN for ambient credentials. */
  principalArn: string;
  /** The STS caller ARN (assumed-role session). */
  callerArn: string;
  /** How the credentials were obtained, for the summary. */
  via: 'oidc' | 'assume-role' | 'ambient';
  rds: RDSClient;
  kms: KMSClient;
  sts: STSClient;
  /** The assumed-role session behind the clients (undefined: the ambient chain, which refreshes itself). */
  session?: RefreshingSession;
}

export interface Accounts {
  source: Account;
  target: Account;
}

/** Shared client configuration: region, the SDK's own retry strategy, a user agent. */
export function clientConfig(region: string, credentials?: AwsCredentialIdentity | CredentialProvider) {
  return {
    region,
    credentials,
    maxAttempts: 6,
    retryMode: 'standard' as const,
    customUserAgent: 'rds-cross-account-sync'
  };
}

export class CredentialsError extends Error {
  constructor(
    message: string,
    readonly title: string,
    readonly side?: Side,
    /** The fix, when it is not the trust policy (e.g. the role's maximum session duration). */
    readonly fix?: string
  ) {
    super(message);
    this.name = 'CredentialsError';
  }
}

export function hasOidc(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.ACTIONS_ID_TOKEN_REQUEST_URL && env.ACTIONS_ID_TOKEN_REQUEST_TOKEN);
}

export async function connectAccounts(settings: Settings): Promise<Accounts> {
  // At the start one OIDC token serves both sides: it is asked for once, and only when a role needs it.
  // Every later refresh asks the runner for a new one (ID tokens are short-lived).
  let token: Promise<string> | undefined;
  const idToken = (fresh: boolean): Promise<string> => (fresh ? fetchIdToken(settings.audience) : (token ??= fetchIdToken(settings.audience)));
  const source = await connect(settings, settings.source, idToken);
  const target = await connect(settings, settings.target, idToken);
  if (source.accountId === target.accountId && settings.source.identifier === settings.target.identifier) {
    throw new CredentialsError(`Refusing to run: ${settings.target.input} '${settings.target.identifier}' is the production database itself (account ${source.accountId}).`, 'Target is the production database');
  }
  return { source, target };
}

async function fetchIdToken(audience: string): Promise<string> {
  try {
    const jwt = await core.getIDToken(audience);
    core.setSecret(jwt);
    return jwt;
  } catch (e) {
    throw new CredentialsError(`Could not get the GitHub OIDC token for audience '${audience}': ${(e as Error).message}`, 'GitHub OIDC token request failed');
  }
}

async function connect(settings: Settings, side: SideSettings, idToken: (fresh: boolean) => Promise<string>): Promise<Account> {
  const region = settings.region;
  let session: RefreshingSession | undefined;
  let via: Account['via'] = 'ambient';
  if (side.roleArn) {
    const roleArn = side.roleArn;
    const sessionName = `${settings.roleSessionName}-${side.side}`.slice(0, 64);
    const DurationSeconds = settings.roleDurationSeconds;
    // The STS client that assumes the role: unsigned for OIDC, the ambient chain (which refreshes itself) for AssumeRole.
    const assumer = new STSClient(clientConfig(region));
    let assume: () => Promise<AwsCredentialIdentity>;
    if (hasOidc()) {
      via = 'oidc';
      assume = async () => {
        const jwt = await idToken(session !== undefined && session.assumptions > 0);
        const out = await call(side, 'AssumeRoleWithWebIdentity', () =>
          assumer.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: sessionName, WebIdentityToken: jwt, DurationSeconds }))
        );
        return toIdentity(out.Credentials);
      };
    } else if (hasAmbientCredentials()) {
      via = 'assume-role';
      assume = async () => {
        const out = await call(side, 'AssumeRole', () => assumer.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName, DurationSeconds })));
        return toIdentity(out.Credentials);
      };
    } else {
      throw new CredentialsError(
        `The job has no GitHub OIDC token and no AWS credentials to assume ${side.roleArn} with. ` +
          "Give the job 'permissions: id-token: write' (and 'contents: read') so the action can request an OIDC token, " +
          'or run a credentials step before this action (a self-hosted runner with an instance role also works).',
        'Missing permissions: id-token: write',
        side.side
      );
    }
    const s = new RefreshingSession({
      assume: async () => {
        const first = s.assumptions === 0;
        const identity = await assume();
        if (!first) core.info(`${side.side}: assumed ${roleArn} again (${via}); the new session expires at ${identity.expiration?.toISOString() ?? 'an unknown time'}`);
        return identity;
      }
    });
    session = s;
    await session.get(0);
  } else if (!hasAmbientCredentials()) {
    throw new CredentialsError(
      `No ${side.side}-role-arn is set and the job has no AWS credentials. Set ${side.side}-role-arn (with 'permissions: id-token: write' on the job) or configure credentials before this step.`,
      `No credentials for the ${side.side} account`,
      side.side
    );
  }
  const credentials = session?.provider;

  const sts = new STSClient(clientConfig(region, credentials));
  const identity = await call(side, 'GetCallerIdentity', () => sts.send(new GetCallerIdentityCommand({})));
  const accountId = identity.Account!;
  const callerArn = identity.Arn!;
  const expected = side.accountId;
  if (expected && accountId !== expected) {
    throw new CredentialsError(
      `The ${side.side} credentials belong to account ${accountId}, but ${side.roleArn ? `${side.side}-role-arn names account ${expected}` : `${side.side}-account-id is ${expected}`}. ` +
        'Refusing to act in an account other than the one the inputs name.',
      `Wrong ${side.side} account`,
      side.side
    );
  }
  const partition = parseArn(callerArn)?.partition ?? 'aws';
  core.info(`${side.side}: acting as ${callerArn} in account ${accountId} (${via})`);
  return {
    side: side.side,
    accountId,
    region,
    partition,
    principalArn: side.roleArn ?? principalFromCaller(callerArn),
    callerArn,
    via,
    rds: new RDSClient(clientConfig(region, credentials)),
    kms: new KMSClient(clientConfig(region, credentials)),
    sts,
    session
  };
}

/**
 * Before the swap and before a rollback: the account's session has at least
 * 15 minutes left, so it cannot expire inside them (refreshed now when not).
 * A refusal before the swap stops the run there; before a rollback it only
 * warns, and the rollback goes on with the session in hand.
 */
export async function freshForCritical(account: Account, what: string, opts: { bestEffort?: boolean } = {}): Promise<void> {
  if (!account.session || account.session.remainingMs() >= CRITICAL_WITHIN_MS) return;
  try {
    await account.session.get(CRITICAL_WITHIN_MS);
  } catch (e) {
    if (!opts.bestEffort) throw e;
    core.warning(
      `Could not renew the ${account.side} session before ${what}: ${(e as Error).message}. Going on with the current session, which has ${Math.max(0, Math.round(account.session.remainingMs() / 60_000))} min left.`,
      {
        title: `Session not renewed before ${what} (${account.side})`
      }
    );
  }
}

/** arn:aws:sts::1:assumed-role/NAME/session -> arn:aws:iam::1:role/NAME (best effort for ambient credentials). */
export function principalFromCaller(callerArn: string): string {
  const m = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(callerArn);
  return m ? `arn:${m[1]}:iam::${m[2]}:role/${m[3]}` : callerArn;
}

function hasAmbientCredentials(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(
    (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) ||
    env.AWS_PROFILE ||
    env.AWS_WEB_IDENTITY_TOKEN_FILE ||
    env.AWS_CONTAINER_CREDENTIALS_FULL_URI ||
    env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI ||
    env.RUNNER_ENVIRONMENT === 'self-hosted'
  );
}

function toIdentity(c: Credentials | undefined): AwsCredentialIdentity {
  if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('STS answered without credentials');
  core.setSecret(c.AccessKeyId);
  core.setSecret(c.SecretAccessKey);
  if (c.SessionToken) core.setSecret(c.SessionToken);
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    expiration: c.Expiration
  };
}

/** An STS refusal becomes a CredentialsError that says which side, which call and what to check. */
async function call<T>(side: SideSettings, operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof CredentialsError) throw e;
    const err = e as Error & { name: string };
    const duration = durationRefusal(side, operation, err);
    if (duration) throw duration;
    const hint =
      operation === 'AssumeRoleWithWebIdentity'
        ? `Check that ${side.roleArn} trusts the GitHub OIDC provider (token.actions.githubusercontent.com) for this repository's 'sub' claim and that its audience matches the 'audience' input.`
        : operation === 'AssumeRole'
          ? `Check that ${side.roleArn}'s trust policy allows the ambient principal to call sts:AssumeRole.`
          : 'Check the credentials this step runs with.';
    throw new CredentialsError(`STS ${operation} for the ${side.side} account failed: ${err.name}: ${err.message}. ${hint}`, `STS refused ${operation} (${side.side})`, side.side);
  }
}

/**
 * STS's ValidationError for a DurationSeconds the role does not allow: above the
 * role's MaxSessionDuration, or above 1 hour for a chained session (AssumeRole
 * called with role credentials). One error with the fix.
 */
function durationRefusal(side: SideSettings, operation: string, err: Error & { name: string }): CredentialsError | undefined {
  if (err.name !== 'ValidationError' || !/DurationSeconds/.test(err.message)) return undefined;
  const roleArn = side.roleArn ?? '';
  const roleName = roleArn.replace(/^.*:role\/(?:.*\/)?/, '');
  const input = 'role-duration-seconds';
  if (/chaining/i.test(err.message)) {
    return new CredentialsError(
      `STS ${operation} for the ${side.side} account refused the session length: ${err.message} ` +
        `The ambient credentials are themselves a role session, so AWS caps the new session at 1 hour whatever ${roleName}'s maximum session duration says.`,
      `${input} too long for a chained role session (${side.side})`,
      side.side,
      `Set ${input}: 3600 (or less). The action assumes ${roleArn} again before the session ends, so runs longer than an hour still work.`
    );
  }
  if (/MaxSessionDuration/.test(err.message)) {
    return new CredentialsError(
      `STS ${operation} for the ${side.side} account refused the session length: ${err.message} ` + `${roleArn} allows shorter sessions than ${input} asks for.`,
      `${input} above the maximum session duration of ${roleName} (${side.side})`,
      side.side,
      `Raise the role's maximum session duration (up to 43200 s):\n` +
        `aws iam update-role --role-name ${roleName} --max-session-duration SECONDS\n` +
        `or lower ${input} to at most the role's maximum (see aws iam get-role --role-name ${roleName} --query Role.MaxSessionDuration). ` +
        'The action renews sessions before they end, so 3600 is enough for runs of any length.'
    );
  }
  return undefined;
}
