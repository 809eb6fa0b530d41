/**
 * Masking end to end: the bundled action restores the seed database through
 * the emulator, masks it over the PostgreSQL wire protocol, and only then swaps
 * it in. What staging ends with is read back through the `pg` driver.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { cluster, SCENARIOS, seedInputs, stage, stagingView, TARGET, type Stage } from './harness';

let s: Stage | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

const RULES = join(SCENARIOS, 'seed-masking.yml');
const masking = (rules = RULES) => ({ 'masking-rules': rules, 'masking-salt': 'e2e-salt', 'masking-tls': 'disable' });
const seedSql = readFileSync(join(SCENARIOS, 'seed.sql'), 'utf8');
const PRODUCTION_EMAILS = [...seedSql.matchAll(/'([a-z.]+@example\.com)'/g)].map(m => m[1]);
const PRODUCTION_PHONES = [...seedSql.matchAll(/'(0\d0-\d{4}-\d{4})'/g)].map(m => m[1]);
/** name, name_kana, address, postal_code of each seeded user, in id order. */
const PRODUCTION_PEOPLE = [...seedSql.matchAll(/'[a-z.]+@example\.com',\s*'([^']+)',\s*'([^']+)',\s*'[^']+',\s*'([^']+)',\s*'([^']+)'/g)].map(m => m.slice(1, 5));

function rulesFile(text: string): string {
  const f = join(mkdtempSync(join(tmpdir(), 'rcas-rules-')), 'masking.yml');
  writeFileSync(f, text);
  return f;
}

async function query(st: Stage, password: string, sql: string): Promise<Array<Record<string, unknown>>> {
  const db = cluster(st.emulator, TARGET, 'app-staging')!.database as { host: string; port: number };
  const client = new pg.Client({ host: db.host, port: db.port, user: 'app_admin', password, database: 'app' });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('masking through the emulator', () => {
  it('staging ends masked: no production e-mail, name or phone left, joins intact, production password refused', async () => {
    s = await stage('seed.yaml');
    const { main } = await s.job(seedInputs(masking()));
    expect(main.errors).toEqual([]);
    expect(main.code).toBe(0);
    expect(PRODUCTION_EMAILS.length).toBe(5);
    expect(PRODUCTION_PEOPLE.map(p => p.length)).toEqual([4, 4, 4, 4, 4]);

    const password = main.outputs['master-password'];
    expect(password).toBeTruthy();
    // The generated password was masked before anything printed it.
    expect(main.stdout).toContain(`::add-mask::${password}`);

    const users = await query(s, password, 'SELECT id, email, name, name_kana, phone, address, postal_code FROM users ORDER BY id');
    expect(users).toHaveLength(5);
    const dump = JSON.stringify(users);
    for (const email of PRODUCTION_EMAILS) expect(dump).not.toContain(email);
    for (const phone of PRODUCTION_PHONES) expect(dump).not.toContain(phone);
    // Masked names come from dictionaries that hold common surnames (山田 may well be a masked name): what must not
    // survive is the production value, whole, in any row; and no row may keep its own.
    for (const value of PRODUCTION_PEOPLE.flat()) expect(dump).not.toContain(value);
    users.forEach((u, i) => expect([u.name, u.name_kana, u.address, u.postal_code].some((v, k) => v === PRODUCTION_PEOPLE[i]![k])).toBe(false));
    expect(dump).not.toContain('千代田');
    expect(new Set(users.map(u => u.email)).size).toBe(5);

    // Orders still join their users; amounts are untouched.
    const orders = await query(s, password, 'SELECT o.total_yen, o.note FROM orders o JOIN users u ON u.id = o.user_id ORDER BY o.id');
    expect(orders.map(o => o.total_yen)).toEqual([12800, 3400, 56000, 9900, 1500, 22000]);
    expect(orders.every(o => o.note === null)).toBe(true);

    // Production's master password no longer opens the database.
    await expect(query(s, 'production-secret-password', 'SELECT 1')).rejects.toThrow(/password/i);
  });

  it('a verify query that finds rows vetoes the swap: staging stays as it was', async () => {
    s = await stage('seed.yaml');
    const before = stagingView(s.emulator);
    const rules = rulesFile(readFileSync(RULES, 'utf8') + '  - name: a check that cannot pass\n    sql: SELECT id FROM users\n');
    const { main, post } = await s.job(seedInputs(masking(rules)));
    expect(main.code).toBe(1);
    expect(main.errors.map(e => e.message).join('\n')).toContain('a check that cannot pass');
    expect(post.code).toBe(0);
    s.emulator.advance(3600);
    expect(stagingView(s.emulator)).toEqual(before);
  });

  it('strict scan: a personal column without a rule fails the run and names the rule to add', async () => {
    s = await stage('seed.yaml');
    const before = stagingView(s.emulator);
    const rules = rulesFile(readFileSync(RULES, 'utf8').replace('    phone: phone\n', ''));
    const { main } = await s.job(seedInputs(masking(rules)));
    expect(main.code).toBe(1);
    const text = main.errors.map(e => e.message).join('\n');
    expect(text).toContain('users.phone');
    s.emulator.advance(3600);
    expect(stagingView(s.emulator)).toEqual(before);
  });

  // The emulator's --postgres-url mode: every cluster is a database on a real server, and the action still connects as
  // the cluster's master user (app_admin) to its database (app), as on RDS.
  const superuser = process.env.TEST_POSTGRES_SUPERUSER_URL;
  (superuser ? it : it.skip)(
    'with a real PostgreSQL server behind the emulator (postgresUrl), masking runs end to end',
    async () => {
      s = await stage('seed.yaml', { postgresUrl: superuser });
      const { main } = await s.job(seedInputs(masking()));
      expect(main.errors).toEqual([]);
      expect(main.code).toBe(0);
      const password = main.outputs['master-password']!;
      const users = await query(s, password, 'SELECT email, name, phone, current_user AS login FROM users ORDER BY id');
      expect(users).toHaveLength(5);
      const dump = JSON.stringify(users);
      for (const email of PRODUCTION_EMAILS) expect(dump).not.toContain(email);
      for (const phone of PRODUCTION_PHONES) expect(dump).not.toContain(phone);
      // Served by the real server: the session runs as the cluster's derived role there.
      expect(String(users[0]!.login)).toMatch(/^emu_/);
    },
    120_000
  );
});
