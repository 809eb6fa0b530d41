/**
 * The bundled action as its own process, the way the runner starts it: refusals
 * happen before any network request, errors are annotations with titles, and
 * the post step with nothing saved does nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { runAction, runnerFiles } from '../../tools/local-runner';
import { VALID_INPUTS as good } from '../../tools/test-inputs';

let server: Server;
let url: string;
const requests: string[] = [];

beforeAll(async () => {
  // Stands in for both AWS and the OIDC token service: it records every request it gets.
  server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(500).end();
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>(r => server.close(() => r())));

function env() {
  return {
    AWS_ENDPOINT_URL: url,
    ACTIONS_ID_TOKEN_REQUEST_URL: `${url}/token?api-version=2.0`,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token'
  };
}

describe('the bundled action refuses bad inputs before any request', () => {
  it.each<[string, Record<string, string>]>([
    ['source-role-arn', { 'source-role-arn': 'arn:aws:iam::1111:role/x' }],
    ['target-account-id', { 'target-account-id': '2222' }],
    ['aws-region', { 'aws-region': 'Tokyo' }],
    ['target-cluster', { 'target-cluster': 'app--staging' }],
    ['kms-key-id', { 'kms-key-id': 'alias/rds-share' }],
    ['target-cluster', { 'target-role-arn': 'arn:aws:iam::111111111111:role/x', 'target-cluster': 'app-production' }]
  ])('%s', async (input, overrides) => {
    const before = requests.length;
    const run = await runAction({ inputs: { ...good, ...overrides }, env: env() });
    expect(run.code).toBe(1);
    expect(run.errors[0].title).toBe(`Invalid input: ${input}`);
    expect(run.errors[0].message).toContain(`Input '${input}'`);
    expect(requests.length).toBe(before);
    expect(run.summary).toContain('Failed');
  });
});

describe('credentials', () => {
  it('tells a job without id-token: write exactly that, and asks nothing of AWS', async () => {
    const before = requests.length;
    const run = await runAction({
      inputs: good,
      env: { AWS_ENDPOINT_URL: url, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined }
    });
    expect(run.code).toBe(1);
    expect(run.errors[0].title).toBe('Missing permissions: id-token: write');
    expect(run.errors[0].message).toContain("'permissions: id-token: write'");
    expect(requests.length).toBe(before);
  });
});

describe('post step', () => {
  it('does nothing harmful when the main step saved no state', async () => {
    // The main step marks itself (isPost) first thing; nothing else was saved.
    const files = runnerFiles();
    writeFileSync(files.state, 'isPost=true\n');
    const run = await runAction({ inputs: good, env: env(), post: true, files });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('nothing to clean up');
  });
});
