/** src/context.ts: the run-url tag the restored database carries, within RDS's tag value rules. */
import { describe, expect, it } from '@jest/globals';
import { RUN_TAG, RUN_URL_TAG, runUrl, runUrlTag } from '../src/context';
import type { TargetPlan } from '../src/plan/target';
import { restoreTags } from '../src/steps/restore';

const env = (over: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => ({
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_REPOSITORY: 'example-org/app',
  ...over
});

describe('runUrlTag', () => {
  it("is the run attempt's page on GitHub", () => {
    expect(runUrlTag('8350-2', env())).toEqual({ [RUN_URL_TAG]: 'https://github.com/example-org/app/actions/runs/8350/attempts/2' });
    expect(runUrl('8350-2', env())).toBe('https://github.com/example-org/app/actions/runs/8350/attempts/2');
  });

  it('is absent outside GitHub Actions (a local run id, or no server or repository)', () => {
    expect(runUrlTag('local-1764400000000', env())).toEqual({});
    expect(runUrlTag('8350-1', env({ GITHUB_SERVER_URL: undefined }))).toEqual({});
    expect(runUrlTag('8350-1', env({ GITHUB_REPOSITORY: undefined }))).toEqual({});
  });

  it('is left out rather than refused by RDS: longer than 256 characters, or characters a tag value cannot hold', () => {
    // The longest GitHub names (owner 39, repository 100) on github.com still fit.
    const longest = runUrlTag('9999999999999-99', env({ GITHUB_REPOSITORY: `${'o'.repeat(39)}/${'r'.repeat(100)}` }))[RUN_URL_TAG];
    expect(longest?.length).toBeLessThanOrEqual(256);
    // A GitHub Enterprise Server host name long enough to push it past 256.
    expect(runUrlTag('8350-1', env({ GITHUB_SERVER_URL: `https://${'h'.repeat(150)}.example`, GITHUB_REPOSITORY: `${'o'.repeat(39)}/${'r'.repeat(60)}` }))).toEqual({});
    expect(runUrlTag('8350-1', env({ GITHUB_SERVER_URL: 'https://ghe.example/~ci' }))).toEqual({});
  });
});

describe('restoreTags', () => {
  it('gives the database that becomes staging the run-url tag when the runner says where the run is', () => {
    const plan = { target: 'app-staging', restore: { tags: { team: 'core' } } } as unknown as TargetPlan;
    const saved = { ...process.env };
    try {
      Object.assign(process.env, env());
      expect(restoreTags({ runId: '8350-2' }, plan, 'lock')).toMatchObject({ team: 'core', [RUN_TAG]: '8350-2', [RUN_URL_TAG]: 'https://github.com/example-org/app/actions/runs/8350/attempts/2' });
      delete process.env.GITHUB_SERVER_URL;
      expect(restoreTags({ runId: '8350-2' }, plan, 'lock')).not.toHaveProperty([RUN_URL_TAG]);
    } finally {
      process.env = saved;
    }
  });
});
