/**
 * `npm run demo`: the action end to end against the local AWS emulator.
 * Starts the emulator with the seed scenario (or --scenario FILE), a stand-in
 * for the runner's OIDC token service, runs dist/index.js the way a runner does
 * (main step, then post step), prints its log and job summary, and stops
 * everything it started.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startEmulator } from '../emulator/index';
import { ROOT, runnerFiles, simulatedClockEnv, startAction } from '../tools/local-runner';
import { startOidcServer } from '../tools/oidc-server';
import { seedInputs } from '../__tests__/e2e/harness';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: join(ROOT, 'emulator', 'scenarios', 'seed.yaml') },
    mode: { type: 'string', default: 'sync' },
    quiet: { type: 'boolean', default: false }
  }
});

/** The e2e tests' inputs for the seed scenario (see emulator/scenarios/seed.yaml), with its masking rules. */
const DEMO_INPUTS: Record<string, string> = seedInputs({
  'masking-rules': join(ROOT, 'emulator', 'scenarios', 'seed-masking.yml'),
  'masking-salt': 'demo-salt-not-a-secret',
  'masking-tls': 'disable'
});

/** The job summary is HTML for GitHub's page; in a terminal, show it as text. */
function summaryAsText(html: string): string {
  return html
    .replace(/<h(\d)>(.*?)<\/h\d>/g, (_m, level: string, text: string) => `\n${'#'.repeat(Number(level))} ${text}\n`)
    .replace(/<\/tr>/g, '\n')
    .replace(/<t[hd][^>]*>/g, ' | ')
    .replace(/<\/?(table|tr|p|b|pre|code)[^>]*>/g, '')
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

async function main(): Promise<number> {
  const emulator = await startEmulator({ scenario: values.scenario! });
  const oidc = await startOidcServer();
  const files = runnerFiles();
  const env = {
    AWS_ENDPOINT_URL: emulator.url,
    ACTIONS_ID_TOKEN_REQUEST_URL: oidc.url,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: oidc.requestToken
  };
  const inputs = { ...DEMO_INPUTS, mode: values.mode! };
  const echo = (chunk: string) => {
    if (!values.quiet) process.stdout.write(chunk);
  };
  try {
    console.log(`emulator: ${emulator.url} (scenario ${values.scenario})`);
    console.log('== main step');
    // The action's process runs on the emulator's simulated clock (its sessions expire on it).
    const main = await startAction({ inputs, env: { ...env, ...simulatedClockEnv(emulator.world.clock) }, files, onStdout: echo }).done;
    console.log(`== main step exited ${main.code}`);
    console.log('== post step');
    const post = await startAction({ inputs, env: { ...env, ...simulatedClockEnv(emulator.world.clock) }, files, post: true, onStdout: echo }).done;
    console.log(`== post step exited ${post.code}`);
    console.log('== job summary');
    console.log(summaryAsText(readFileSync(files.summary, 'utf8')));
    console.log('== outputs');
    for (const [k, v] of Object.entries(main.outputs)) console.log(`${k}=${v.length > 200 ? v.slice(0, 200) + '…' : v}`);
    const state = emulator.state() as { counts?: Record<string, number> };
    console.log('== AWS calls made (emulator request log)');
    for (const [op, n] of Object.entries(state.counts ?? {}).sort()) console.log(`${String(n).padStart(4)}  ${op}`);
    return main.code ?? 1;
  } finally {
    await oidc.close();
    await emulator.close();
  }
}

process.exitCode = await main();
