/**
 * For .github/workflows/e2e.yml: starts the local AWS emulator with a scenario
 * (default: the seed story) and the stand-in for the runner's OIDC token
 * service, writes `url=`, `oidc-url=`, `oidc-token=` and `clock=` lines to the file named
 * by --ready (the workflow appends them to $GITHUB_OUTPUT), and serves until it
 * gets SIGTERM or SIGINT (the runner ends it with the job, after the post step).
 *
 *   tsx scripts/e2e-services.ts --ready FILE [--scenario FILE]
 */
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startEmulator } from '../emulator/index';
import { ROOT, simulatedClockEnv } from '../tools/local-runner';
import { startOidcServer } from '../tools/oidc-server';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: join(ROOT, 'emulator', 'scenarios', 'seed.yaml') },
    ready: { type: 'string' }
  }
});
if (!values.ready) {
  console.error('usage: tsx scripts/e2e-services.ts --ready FILE [--scenario FILE]');
  process.exit(2);
}

const emulator = await startEmulator({ scenario: values.scenario! });
const oidc = await startOidcServer();
// Written whole, then renamed: a reader polling for the file never sees half of it.
// clock=: the emulator's simulated clock, for the action's process (tools/simulated-clock.mjs): its
// sessions expire on that clock, so the action must read the same time to renew them.
const clock = simulatedClockEnv(emulator.world.clock).RCAS_SIMULATED_CLOCK;
writeFileSync(`${values.ready}.tmp`, `url=${emulator.url}\noidc-url=${oidc.url}\noidc-token=${oidc.requestToken}\nclock=${clock}\n`);
renameSync(`${values.ready}.tmp`, values.ready);
console.log(`emulator: ${emulator.url} (scenario ${values.scenario}); OIDC stand-in: ${oidc.url}`);

const stop = async () => {
  await oidc.close();
  await emulator.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
