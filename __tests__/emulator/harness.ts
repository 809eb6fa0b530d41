/** Starts the emulator in-process on the seed scenario and hands out real SDK clients. */
import { KMSClient } from '@aws-sdk/client-kms';
import { RDSClient } from '@aws-sdk/client-rds';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { resolve } from 'node:path';
import { startEmulator, type RunningEmulator } from '../../emulator/index';
import { loadScenarioFile, mergeScenario, type ScenarioObject } from '../../emulator/scenario';

export const PROD = '111111111111';
export const STG = '222222222222';
export const region = 'ap-northeast-1';
export const prodRole = `arn:aws:iam::${PROD}:role/rds-sync-production`;
export const stgRole = `arn:aws:iam::${STG}:role/rds-sync-staging`;

export function scenario(file = 'seed.yaml', overrides: unknown = {}): ScenarioObject {
  const base = loadScenarioFile(resolve('emulator/scenarios', file));
  // Real time = simulated time: nothing moves unless the test advances the clock.
  return mergeScenario(base, { timings: { timeScale: 1 }, ...(overrides as object) }) as ScenarioObject;
}

export async function start(s: ScenarioObject = scenario()): Promise<RunningEmulator> {
  return startEmulator({ scenario: s, databases: null });
}

export function jwt(claims: Record<string, unknown>): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims)}.c2lnbmF0dXJl`;
}

export const githubClaims = {
  iss: 'https://token.actions.githubusercontent.com',
  aud: 'sts.amazonaws.com',
  sub: 'repo:example-org/app:ref:refs/heads/main',
  repository: 'example-org/app'
};

export interface Clients {
  sts: STSClient;
  rds: RDSClient;
  kms: KMSClient;
}

export type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

export function clients(emu: RunningEmulator, credentials: Creds, extra: { maxAttempts?: number } = {}): Clients {
  const config = { region, endpoint: emu.url, credentials, maxAttempts: extra.maxAttempts ?? 1 };
  return { sts: new STSClient(config), rds: new RDSClient(config), kms: new KMSClient(config) };
}

export async function assumeViaOidc(emu: RunningEmulator, roleArn: string, claims = githubClaims): Promise<Creds> {
  const sts = new STSClient({ region, endpoint: emu.url, credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, maxAttempts: 1 });
  const out = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'github-actions', WebIdentityToken: jwt(claims) }));
  return { accessKeyId: out.Credentials!.AccessKeyId!, secretAccessKey: out.Credentials!.SecretAccessKey!, sessionToken: out.Credentials!.SessionToken! };
}

export async function sides(emu: RunningEmulator, opts: { maxAttempts?: number } = {}): Promise<{ prod: Clients; stg: Clients }> {
  return {
    prod: clients(emu, await assumeViaOidc(emu, prodRole), opts),
    stg: clients(emu, await assumeViaOidc(emu, stgRole), opts)
  };
}

/** The error an SDK call rejects with (fails the test when it resolves). */
export async function failure(p: Promise<unknown>): Promise<Error & { name: string; $metadata?: { httpStatusCode?: number; attempts?: number } }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { name: string };
  }
  throw new Error('expected the call to fail, it succeeded');
}
