/**
 * `npm run demo`: the action end to end against the local AWS emulator.
 * Starts the emulator with the seed scenario (or --scenario FILE), a stand-in
 * for the runner's OIDC token service, runs dist/index.js the way a runner does
 * (main step, then post step), prints its log and job summary as GitHub shows
 * them (tools/runner-view.ts: groups as headers, masked values as ***,
 * annotations as `Error: <title>` lines, debug lines only with RUNNER_DEBUG=1,
 * the summary as text tables), stops everything it started and removes its
 * runner folder (which holds the outputs, among them the master password).
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startEmulator } from '../emulator/index';
import { ROOT, runnerFiles, simulatedClockEnv, startAction } from '../tools/local-runner';
import { LogView, summaryText } from '../tools/runner-view';
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

async function main(): Promise<number> {
  const emulator = await startEmulator({ scenario: values.scenario! });
  const oidc = await startOidcServer();
  const files = runnerFiles();
  const debug = process.env.RUNNER_DEBUG === '1';
  const env = {
    AWS_ENDPOINT_URL: emulator.url,
    ACTIONS_ID_TOKEN_REQUEST_URL: oidc.url,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: oidc.requestToken,
    // As on GitHub when a run is re-run with debug logging: the action's core.isDebug() sees it too.
    ...(debug ? { RUNNER_DEBUG: '1' } : {})
  };
  const inputs = { ...DEMO_INPUTS, mode: values.mode! };
  // One view for both steps: values masked in the main step stay masked in the post step, as in one job.
  const view = new LogView({
    debug,
    write: text => {
      if (!values.quiet) process.stdout.write(text);
    }
  });
  const width = Math.max(60, Math.min(process.stdout.columns ?? 120, 160));
  try {
    console.log(`emulator: ${emulator.url} (scenario ${values.scenario})`);
    console.log('== main step');
    // The action's process runs on the emulator's simulated clock (its sessions expire on it).
    const clockEnv = simulatedClockEnv(emulator.world.clock);
    const main = await startAction({ inputs, env: { ...env, ...clockEnv }, files, onStdout: chunk => view.push(chunk) }).done;
    view.end();
    console.log(`== main step exited ${main.code}`);
    console.log('== post step');
    const post = await startAction({ inputs, env: { ...env, ...clockEnv }, files, post: true, onStdout: chunk => view.push(chunk) }).done;
    view.end();
    console.log(`== post step exited ${post.code}`);
    console.log('== job summary');
    console.log(view.mask(summaryText(readFileSync(files.summary, 'utf8'), width)));
    console.log('== outputs');
    for (const [k, v] of Object.entries(main.outputs)) {
      const shown = view.mask(v);
      console.log(`${k}=${shown.length > 200 ? shown.slice(0, 200) + '…' : shown}`);
    }
    const state = emulator.state() as { counts?: Record<string, number> };
    console.log('== AWS calls made (emulator request log)');
    for (const [op, n] of Object.entries(state.counts ?? {}).sort()) console.log(`${String(n).padStart(4)}  ${op}`);
    return main.code ?? 1;
  } finally {
    await oidc.close();
    await emulator.close();
    rmSync(files.dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
