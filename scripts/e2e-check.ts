/**
 * For .github/workflows/e2e.yml: after `uses: ./` ran the seed story against
 * the emulator, checks its outputs (OUTPUTS: the step's outputs as JSON) and
 * what the emulator (AWS_ENDPOINT_URL) now holds: staging refreshed under
 * staging's key, in its old place, the old cluster gone, the data masked and
 * the new master password the only one that opens it. Each check prints one
 * line; a failed one is an `::error` annotation, and the exit code is 1.
 *
 *   OUTPUTS='{"db-identifier": ...}' AWS_ENDPOINT_URL=http://127.0.0.1:PORT tsx scripts/e2e-check.ts
 */
import pg from 'pg';
import type { ClusterView } from '../emulator/state';

const SOURCE = '111111111111';
const TARGET = '222222222222';
const SHARE_KEY = `arn:aws:kms:ap-northeast-1:${SOURCE}:key/0d2c6a8e-1111-4a5b-9c3d-000000000001`;
const STAGING_KEY = `arn:aws:kms:ap-northeast-1:${TARGET}:key/5e7f9a1b-2222-4c6d-8e0f-000000000002`;

interface State {
  accounts: Array<{ id: string; clusters: ClusterView[] }>;
}

let failed = 0;
function check(what: string, ok: boolean, got?: unknown): void {
  if (ok) console.log(`ok: ${what}`);
  else {
    failed++;
    console.log(`::error title=e2e check failed::${what} (got ${JSON.stringify(got)})`);
  }
}

const outputs = JSON.parse(process.env.OUTPUTS ?? '{}') as Record<string, string>;
const endpoint = process.env.AWS_ENDPOINT_URL;
if (!endpoint) throw new Error('AWS_ENDPOINT_URL is not set: the emulator step must run first.');

check('db-identifier is app-staging', outputs['db-identifier'] === 'app-staging', outputs['db-identifier']);
check('db-kind is cluster', outputs['db-kind'] === 'cluster', outputs['db-kind']);
check('cluster-identifier is app-staging', outputs['cluster-identifier'] === 'app-staging', outputs['cluster-identifier']);
check('snapshot-copied is true (production is on aws/rds)', outputs['snapshot-copied'] === 'true', outputs['snapshot-copied']);
check('kms-key-arn is the shared CMK', outputs['kms-key-arn'] === SHARE_KEY, outputs['kms-key-arn']);
check('source-snapshot is an automated snapshot of app-production', /^rds:app-production-/.test(outputs['source-snapshot'] ?? ''), outputs['source-snapshot']);
check('snapshot-arn is the copy in production', new RegExp(`^arn:aws:rds:ap-northeast-1:${SOURCE}:cluster-snapshot:rcas-app-production-`).test(outputs['snapshot-arn'] ?? ''), outputs['snapshot-arn']);
check('writer-endpoint is set', (outputs['writer-endpoint'] ?? '') !== '', outputs['writer-endpoint']);
check('master-password is set', (outputs['master-password'] ?? '').length >= 16, '(length) ' + (outputs['master-password'] ?? '').length);
check('duration-seconds is a number', /^\d+(\.\d+)?$/.test(outputs['duration-seconds'] ?? ''), outputs['duration-seconds']);

// Let the emulator's clock run until the old cluster's deletion is through.
await fetch(`${endpoint}/_emulator/advance?seconds=3600`, { method: 'POST' });
const state = (await (await fetch(`${endpoint}/_emulator/state`)).json()) as State;
const staging = state.accounts.find(a => a.id === TARGET)?.clusters ?? [];
check(
  'staging holds one cluster, app-staging (the old one was deleted)',
  staging.map(c => c.id).join() === 'app-staging',
  staging.map(c => c.id)
);
const refreshed = staging.find(c => c.id === 'app-staging');
check('app-staging is available', refreshed?.status === 'available', refreshed?.status);
check("app-staging is encrypted under staging's key", refreshed?.kmsKeyId === STAGING_KEY, refreshed?.kmsKeyId);
check('app-staging has its old security group, not the isolation group', refreshed?.securityGroups.join() === 'sg-0stg00000000000b', refreshed?.securityGroups);
check('app-staging kept deletion protection', refreshed?.deletionProtection === true, refreshed?.deletionProtection);
check('no lock tag is left', !refreshed?.tags.some(t => t.Key === 'rds-cross-account-sync:lock'), refreshed?.tags);

const db = refreshed?.database;
if (db && 'host' in db) {
  const client = new pg.Client({ host: db.host, port: db.port, user: 'app_admin', password: outputs['master-password'], database: 'app' });
  await client.connect();
  try {
    const users = await client.query<{ n: string; left: string }>("SELECT count(*) AS n, count(*) FILTER (WHERE email LIKE '%@example.com') AS left FROM users");
    check('users were kept, and no production e-mail address is left', Number(users.rows[0]!.n) > 0 && Number(users.rows[0]!.left) === 0, users.rows[0]);
  } finally {
    await client.end();
  }
  const old = new pg.Client({ host: db.host, port: db.port, user: 'app_admin', password: 'production-secret-password', database: 'app' });
  const refused = await old.connect().then(
    () => false,
    () => true
  );
  if (!refused) await old.end();
  check("production's master password no longer opens the database", refused);
} else check('app-staging has a database the runner can reach', false, db);

console.log(failed ? `${failed} check(s) failed` : 'every check passed');
process.exitCode = failed ? 1 : 0;
