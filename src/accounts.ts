/**
 * One set of AWS clients per account. Credentials come from GitHub's OIDC token
 * (AssumeRoleWithWebIdentity) or, where the job has no OIDC, from the ambient
 * credentials (AssumeRole). Each side keeps its own credentials inside its own
 * clients: nothing is written to the process environment.
 */
import * as core from '@actions/core';
import { KMSClient } from '@aws-sdk/client-kms';
import { RDSClient } from '@aws-sdk/client-rds';
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  STSClient,
  type Credentials
} from '@aws-sdk/client-sts';
import { parseArn } from './rds-rules';
import type { Settings, Side, SideSettings } from './settings';

/** The credential shape the SDK clients take. */
export interface AwsCredentialIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

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
}

export interface Accounts {
  source: Account;
  target: Account;
}

/** Shared client configuration: region, the SDK's own retry strategy, a user agent. */
export function clientConfig(region: string, credentials?: AwsCredentialIdentity) {
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
    readonly side?: Side
  ) {
    super(message);
    this.name = 'CredentialsError';
  }
}

export function hasOidc(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.ACTIONS_ID_TOKEN_REQUEST_URL && env.ACTIONS_ID_TOKEN_REQUEST_TOKEN);
}

export async function connectAccounts(settings: Settings): Promise<Accounts> {
  // One OIDC token serves both sides: it is asked for once, and only when a role needs it.
  let token: Promise<string> | undefined;
  const idToken = (): Promise<string> => (token ??= fetchIdToken(settings.audience));
  const source = await connect(settings, settings.source, idToken);
  const target = await connect(settings, settings.target, idToken);
  if (source.accountId === target.accountId && settings.source.identifier === settings.target.identifier) {
    throw new CredentialsError(
      `Refusing to run: ${settings.target.input} '${settings.target.identifier}' is the production database itself (account ${source.accountId}).`,
      'Target is the production database'
    );
  }
  return { source, target };
}

async function fetchIdToken(audience: string): Promise<string> {
  try {
    const jwt = await core.getIDToken(audience);
    core.setSecret(jwt);
    return jwt;
  } catch (e) {
    throw new CredentialsError(
      `Could not get the GitHub OIDC token for audience '${audience}': ${(e as Error).message}`,
      'GitHub OIDC token request failed'
    );
  }
}

async function connect(settings: Settings, side: SideSettings, idToken: () => Promise<string>): Promise<Account> {
  const region = settings.region;
  let credentials: AwsCredentialIdentity | undefined;
  let via: Account['via'] = 'ambient';
  if (side.roleArn) {
    const sessionName = `${settings.roleSessionName}-${side.side}`.slice(0, 64);
    if (hasOidc()) {
      via = 'oidc';
      const sts = new STSClient(clientConfig(region));
      const jwt = await idToken();
      credentials = toIdentity(
        await call(side, 'AssumeRoleWithWebIdentity', () =>
          sts.send(
            new AssumeRoleWithWebIdentityCommand({
              RoleArn: side.roleArn,
              RoleSessionName: sessionName,
              WebIdentityToken: jwt,
              DurationSeconds: settings.roleDurationSeconds
            })
          )
        ).then(r => r.Credentials)
      );
    } else if (hasAmbientCredentials()) {
      via = 'assume-role';
      const sts = new STSClient(clientConfig(region));
      credentials = toIdentity(
        await call(side, 'AssumeRole', () =>
          sts.send(
            new AssumeRoleCommand({
              RoleArn: side.roleArn,
              RoleSessionName: sessionName,
              DurationSeconds: settings.roleDurationSeconds
            })
          )
        ).then(r => r.Credentials)
      );
    } else {
      throw new CredentialsError(
        `The job has no GitHub OIDC token and no AWS credentials to assume ${side.roleArn} with. ` +
          "Give the job 'permissions: id-token: write' (and 'contents: read') so the action can request an OIDC token, " +
          'or run a credentials step before this action (a self-hosted runner with an instance role also works).',
        'Missing permissions: id-token: write',
        side.side
      );
    }
  } else if (!hasAmbientCredentials()) {
    throw new CredentialsError(
      `No ${side.side}-role-arn is set and the job has no AWS credentials. Set ${side.side}-role-arn (with 'permissions: id-token: write' on the job) or configure credentials before this step.`,
      `No credentials for the ${side.side} account`,
      side.side
    );
  }

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
    sts
  };
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
    const hint =
      operation === 'AssumeRoleWithWebIdentity'
        ? `Check that ${side.roleArn} trusts the GitHub OIDC provider (token.actions.githubusercontent.com) for this repository's 'sub' claim and that its audience matches the 'audience' input.`
        : operation === 'AssumeRole'
          ? `Check that ${side.roleArn}'s trust policy allows the ambient principal to call sts:AssumeRole.`
          : 'Check the credentials this step runs with.';
    throw new CredentialsError(
      `STS ${operation} for the ${side.side} account failed: ${err.name}: ${err.message}. ${hint}`,
      `STS refused ${operation} (${side.side})`,
      side.side
    );
  }
}
