/**
 * Every kind of KMS diagnosis, proven against the emulator: the broken setup is
 * staged, preflight (the real code, real SDK clients over HTTP, the emulator's
 * own key-policy and IAM evaluation) blocks it, the test applies exactly the JSON
 * (or command) the annotation offers, and then preflight passes and the source
 * and target sides run: the copy, the share and the restore succeed.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { CreateKeyCommand, DisableKeyCommand, EnableKeyCommand, GetKeyPolicyCommand, KMSClient, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { DescribeDBClustersCommand, RDSClient } from '@aws-sdk/client-rds';
import { STSClient } from '@aws-sdk/client-sts';
import type { RunningEmulator } from '../../emulator/index';
import type { PolicyDocument } from '../../emulator/iam';
import type { Account } from '../../src/accounts';
import type { Context } from '../../src/context';
import { preflight } from '../../src/diagnostics/preflight';
import { DiagnosedError } from '../../src/errors';
import { sharedEncrypted } from '../../src/plan/source';
import { planSource } from '../../src/transfer/snapshot';
import { planTarget } from '../../src/target';
import { Report, type Diagnostic } from '../../src/report';
import { kindFromInputs, readSettings } from '../../src/settings';
import { runSource } from '../../src/source';
import { StateStore } from '../../src/state';
import { runTarget } from '../../src/target';
import { assumeViaOidc, PROD, scenario, start, STG } from '../emulator/harness';
import { quietStdout } from '../helpers/stdout';
import { testClock } from '../fixtures/clock';

quietStdout();

const REGION = 'ap-northeast-1';
const SHARE_KEY = `arn:aws:kms:${REGION}:${PROD}:key/0d2c6a8e-1111-4a5b-9c3d-000000000001`;
const STAGING_KEY = `arn:aws:kms:${REGION}:${STG}:key/5e7f9a1b-2222-4c6d-8e0f-000000000002`;
const STAGING_ROLE = `arn:aws:iam::${STG}:role/rds-sync-staging`;
const ADMIN = { Version: '2012-10-17', Statement: [{ Effect: 'Allow' as const, Action: '*', Resource: '*' }] };
const ROOT_ADMIN = { Sid: 'Admin', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${PROD}:root` }, Action: 'kms:*', Resource: '*' };

let emu: RunningEmulator;
afterEach(async () => {
  await emu?.close();
});

/** A production administrator (static keys) who applies key-policy fixes through the KMS API, as a person would. */
function prodAdmin(): KMSClient {
  emu.world.credentials.set('AKIAPRODADMIN0000001', {
    accessKeyId: 'AKIAPRODADMIN0000001',
    secretAccessKey: 'admin-secret',
    principal: { kind: 'user', account: PROD, identityArn: `arn:aws:iam::${PROD}:user/admin`, callerArn: `arn:aws:iam::${PROD}:user/admin`, userId: 'AIDAADMIN', policies: [ADMIN] }
  });
  return new KMSClient({ region: REGION, endpoint: emu.url, credentials: { accessKeyId: 'AKIAPRODADMIN0000001', secretAccessKey: 'admin-secret' }, maxAttempts: 1 });
}

function setKeyPolicy(keyArn: string, policy: unknown): void {
  const [, account, id] = /:(\d{12}):key\/(.+)$/.exec(keyArn)!;
  emu.world.account(account!)!.keys.get(id!)!.policy = JSON.stringify(policy);
}

function stagingRolePolicies(): PolicyDocument[] {
  return emu.world.account(STG)!.roles.get('rds-sync-staging')!.policies;
}

async function context(extra: Record<string, string> = {}): Promise<Context> {
  const inputs: Record<string, string> = {
    'aws-region': REGION,
    'source-role-arn': `arn:aws:iam::${PROD}:role/rds-sync-production`,
    'target-role-arn': STAGING_ROLE,
    'source-cluster': 'app-production',
    'target-cluster': 'app-staging',
    'kms-key-id': SHARE_KEY,
    'target-kms-key-id': STAGING_KEY,
    mode: 'preflight',
    ...extra
  };
  const account = async (side: 'source' | 'target', accountId: string, role: string): Promise<Account> => {
    const credentials = await assumeViaOidc(emu, `arn:aws:iam::${accountId}:role/${role}`);
    const config = { region: REGION, endpoint: emu.url, credentials, maxAttempts: 1 };
    return {
      side,
      accountId,
      region: REGION,
      partition: 'aws',
      principalArn: `arn:aws:iam::${accountId}:role/${role}`,
      callerArn: `arn:aws:sts::${accountId}:assumed-role/${role}/github-actions`,
      via: 'oidc',
      rds: new RDSClient(config),
      kms: new KMSClient(config),
      sts: new STSClient(config)
    };
  };
  return {
    settings: kindFromInputs(readSettings(n => inputs[n] ?? '')),
    accounts: { source: await account('source', PROD, 'rds-sync-production'), target: await account('target', STG, 'rds-sync-staging') },
    report: new Report(),
    state: new StateStore({ runId: '13-1' }),
    runId: '13-1',
    clock: testClock({ start: Date.UTC(2026, 10, 28), emulator: emu })
  };
}

/** Plan and preflight as the action does them: the blocking diagnostics, or [] when preflight passes. */
async function check(extra: Record<string, string> = {}): Promise<{ errors: Diagnostic[]; ctx: Context }> {
  const ctx = await context(extra);
  try {
    const plan = await planSource(ctx);
    await preflight(ctx, plan);
    return { errors: [], ctx };
  } catch (e) {
    if (e instanceof DiagnosedError) return { errors: e.diagnostics, ctx };
    throw e;
  }
}

/** After the fix: preflight passes, then the copy, the share and the restore run to the end. */
async function passesAndRestores(extra: Record<string, string> = {}): Promise<Context> {
  const ctx = await context(extra);
  const sourcePlan = await planSource(ctx);
  await preflight(ctx, sourcePlan);
  expect(ctx.report.facts).toContainEqual(['Preflight', 'KMS access checked: nothing blocks the run']);
  const targetPlan = await planTarget(ctx, { identifier: sourcePlan.shared.identifier, arn: sourcePlan.shared.arn, encrypted: sharedEncrypted(sourcePlan) });
  const shared = await runSource(ctx, sourcePlan);
  const result = await runTarget(ctx, targetPlan, shared);
  expect(result.identifier).toBe('app-staging');
  const after = (await ctx.accounts.target.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'app-staging' }))).DBClusters![0]!;
  expect(after).toMatchObject({ Status: 'available', KmsKeyId: STAGING_KEY });
  expect(emu.state().counts['rds:RestoreDBClusterFromSnapshot']).toBe(1);
  return ctx;
}

/** The JSON values a fix text shows, in order (objects and arrays at the start of a line). */
function jsonBlocks(text: string): unknown[] {
  const out: unknown[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^[[{]/.test(lines[i]!)) continue;
    for (let j = i; j < lines.length; j++) {
      if (!/^[\]}]/.test(lines[j]!)) continue;
      try {
        out.push(JSON.parse(lines.slice(i, j + 1).join('\n')));
        i = j;
        break;
      } catch {
        // not the end of this value yet
      }
    }
  }
  return out;
}

async function currentPolicy(admin: KMSClient, keyArn: string): Promise<{ Statement: unknown[] }> {
  return JSON.parse((await admin.send(new GetKeyPolicyCommand({ KeyId: keyArn, PolicyName: 'default' }))).Policy!);
}

/** The staging key-use statements of the seed policy, naming `principal`. */
function stagingStatements(principal: unknown) {
  return [
    { Sid: 'AllowUseOfTheKey', Effect: 'Allow', Principal: principal, Action: ['kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Encrypt', 'kms:DescribeKey', 'kms:Decrypt', 'kms:CreateGrant'], Resource: '*' },
    {
      Sid: 'AllowAttachmentOfPersistentResources',
      Effect: 'Allow',
      Principal: principal,
      Action: ['kms:RevokeGrant', 'kms:ListGrants', 'kms:CreateGrant'],
      Resource: '*',
      Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } }
    }
  ];
}

describe('mode: plan', () => {
  it('analyses the key policies and creates nothing: no CreateGrant', async () => {
    emu = await start(scenario());
    setKeyPolicy(SHARE_KEY, { Version: '2012-10-17', Statement: [ROOT_ADMIN] });
    const { errors } = await check({ mode: 'plan' });
    // The analysis alone finds the missing statements ...
    expect(errors.map(e => e.title)).toEqual([`Key policy of the shared snapshot key does not admit ${STAGING_ROLE} for kms:DescribeKey, kms:CreateGrant, kms:Decrypt`]);
    const healthy = await context({ mode: 'plan' });
    setKeyPolicy(SHARE_KEY, { Version: '2012-10-17', Statement: [ROOT_ADMIN, ...stagingStatements({ AWS: STAGING_ROLE })] });
    await preflight(healthy, await planSource(healthy));
    expect(healthy.report.facts).toContainEqual(['Preflight', 'Key policies analysed (mode: plan: no probe, no CreateGrant): nothing blocks the run']);
    // ... and no call of either run created a grant (or made any other KMS change).
    const kmsCalls = (emu.state() as unknown as { requests: Array<{ service: string; operation: string }> }).requests.filter(r => r.service === 'kms').map(r => r.operation);
    expect(kmsCalls.length).toBeGreaterThan(0);
    expect(kmsCalls.filter(op => !['DescribeKey', 'GetKeyPolicy'].includes(op))).toEqual([]);
  });
});

describe('each KMS diagnosis, and its fix applied to the emulator', () => {
  it('the key policy admits only the staging account root and the role lacks the IAM half: the IAM statement (JSON + Terraform) fixes it', async () => {
    emu = await start(scenario());
    setKeyPolicy(SHARE_KEY, { Version: '2012-10-17', Statement: [ROOT_ADMIN, ...stagingStatements({ AWS: `arn:aws:iam::${STG}:root` })] });
    // The staging role's KMS statements cover only its own key.
    for (const doc of stagingRolePolicies()) for (const st of (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]).filter(s => String(s.Action).includes('kms:'))) st.Resource = STAGING_KEY;

    const { errors } = await check();
    expect(errors.map(e => e.title)).toEqual([`The IAM policy of ${STAGING_ROLE} does not allow kms:DescribeKey, kms:CreateGrant on the shared snapshot key`]);
    // The emulator's refusal names the resource-based policy; the verdict follows the analysis, not that wording.
    expect(errors[0]!.message).toContain('no resource-based policy allows');
    expect(errors[0]!.fix).toContain('resource "aws_iam_role_policy" "rds_cross_account_sync_kms"');
    expect(errors[0]!.fix).not.toContain('key policy');

    const [iam] = jsonBlocks(errors[0]!.fix!) as [PolicyDocument];
    expect(iam.Statement).toEqual([{ Sid: 'RdsCrossAccountSyncKeyUse', Effect: 'Allow', Action: ['kms:DescribeKey', 'kms:CreateGrant', 'kms:Decrypt'], Resource: SHARE_KEY }]);
    stagingRolePolicies().push(iam);
    await passesAndRestores();
  });

  it('the key policy does not admit the staging principal: least-privilege key-policy statements fix it', async () => {
    emu = await start(scenario());
    setKeyPolicy(SHARE_KEY, { Version: '2012-10-17', Statement: [ROOT_ADMIN] });
    const { errors } = await check();
    expect(errors.map(e => e.title)).toEqual([`Key policy of the shared snapshot key does not admit ${STAGING_ROLE} for kms:DescribeKey, kms:CreateGrant, kms:Decrypt`]);
    const statements = jsonBlocks(errors[0]!.fix!)[0] as unknown[];
    expect(JSON.stringify(statements)).not.toContain('kms:*');

    const admin = prodAdmin();
    const policy = await currentPolicy(admin, SHARE_KEY);
    policy.Statement.push(...statements);
    await admin.send(new PutKeyPolicyCommand({ KeyId: SHARE_KEY, PolicyName: 'default', Policy: JSON.stringify(policy) }));
    const ctx = await passesAndRestores();
    // CreateGrant is given only for AWS resources: the direct probe is refused, as the notice says, and RDS's grant works.
    expect(ctx.report.diagnostics.map(d => d.title)).toContain('Probe CreateGrant refused as expected on the shared snapshot key');
  });

  it('a near-miss role name in the key policy is pointed at, and the offered statements fix it', async () => {
    emu = await start(scenario());
    setKeyPolicy(SHARE_KEY, { Version: '2012-10-17', Statement: [ROOT_ADMIN, ...stagingStatements({ AWS: `arn:aws:iam::${STG}:role/rds-sync_staging` })] });
    const { errors } = await check();
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain(`The key policy names arn:aws:iam::${STG}:role/rds-sync_staging (statement "AllowUseOfTheKey"), the role is ${STAGING_ROLE}`);
    const admin = prodAdmin();
    const policy = await currentPolicy(admin, SHARE_KEY);
    policy.Statement.push(...(jsonBlocks(errors[0]!.fix!)[0] as unknown[]));
    await admin.send(new PutKeyPolicyCommand({ KeyId: SHARE_KEY, PolicyName: 'default', Policy: JSON.stringify(policy) }));
    await passesAndRestores();
  });

  it('a Deny on kms:Decrypt outside production: the narrowed Deny (never an Allow) fixes it', async () => {
    emu = await start(scenario());
    const deny = { Sid: 'DenyOutsideProduction', Effect: 'Deny', Principal: '*', Action: 'kms:Decrypt', Resource: '*', Condition: { StringNotEquals: { 'aws:PrincipalAccount': PROD } } };
    setKeyPolicy(SHARE_KEY, { Version: '2012-10-17', Statement: [ROOT_ADMIN, ...stagingStatements({ AWS: STAGING_ROLE }), deny] });
    const { errors } = await check();
    expect(errors.map(e => e.title)).toEqual(['A Deny in the key policy of the shared snapshot key refuses kms:Decrypt']);
    const [now, narrowed] = jsonBlocks(errors[0]!.fix!) as [typeof deny, typeof deny];
    expect(now).toEqual(deny);
    expect(narrowed).toEqual({ ...deny, Condition: { StringNotEquals: { 'aws:PrincipalAccount': [PROD, STG] } } });
    expect(errors[0]!.fix).not.toContain('"Effect": "Allow"');

    const admin = prodAdmin();
    const policy = await currentPolicy(admin, SHARE_KEY);
    expect(errors[0]!.fix).toContain('statement #4');
    policy.Statement[3] = narrowed;
    await admin.send(new PutKeyPolicyCommand({ KeyId: SHARE_KEY, PolicyName: 'default', Policy: JSON.stringify(policy) }));
    await passesAndRestores();
  });

  it('a condition the analysis cannot judge (aws:SourceIp) refuses the probe: the condition is named, and the rescoped statement fixes it', async () => {
    emu = await start(scenario());
    const ipBound = {
      Sid: 'StagingFromTheOffice',
      Effect: 'Allow',
      Principal: { AWS: STAGING_ROLE },
      Action: ['kms:DescribeKey', 'kms:Decrypt', 'kms:CreateGrant', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
      Resource: '*',
      Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }
    };
    setKeyPolicy(SHARE_KEY, { Version: '2012-10-17', Statement: [ROOT_ADMIN, ipBound] });
    const { errors } = await check();
    expect(errors.map(e => e.title)).toEqual(['KMS refused DescribeKey on the shared snapshot key: likely the condition IpAddress aws:SourceIp']);
    expect(errors[0]!.message).toContain('that condition is the likely cause');
    const [replacement] = jsonBlocks(errors[0]!.fix!) as [Record<string, unknown>];
    expect(replacement).toMatchObject({ Sid: 'StagingFromTheOffice', Condition: { StringEquals: { 'kms:ViaService': `rds.${REGION}.amazonaws.com` } } });

    const admin = prodAdmin();
    const policy = await currentPolicy(admin, SHARE_KEY);
    policy.Statement[1] = replacement;
    await admin.send(new PutKeyPolicyCommand({ KeyId: SHARE_KEY, PolicyName: 'default', Policy: JSON.stringify(policy) }));
    await passesAndRestores();
  });

  it('a key policy granting exactly what the restore needs (Principal "*" + kms:CallerAccount) passes: ListGrants / RevokeGrant are a notice', async () => {
    emu = await start(scenario());
    setKeyPolicy(SHARE_KEY, {
      Version: '2012-10-17',
      Statement: [
        ROOT_ADMIN,
        { Sid: 'StagingAccount', Effect: 'Allow', Principal: '*', Action: ['kms:DescribeKey', 'kms:CreateGrant', 'kms:Decrypt'], Resource: '*', Condition: { StringEquals: { 'kms:CallerAccount': STG } } }
      ]
    });
    const ctx = await passesAndRestores();
    const notice = ctx.report.diagnostics.find(d => d.title.includes('kms:ListGrants, kms:RevokeGrant not allowed (not needed by this run)'));
    expect(notice?.severity).toBe('notice');
    expect(notice?.fix).toContain('"kms:ListGrants"');
  });

  it('aws/rds without kms-key-id: the annotation carries the CMK key policy; creating the key with it fixes the run', async () => {
    emu = await start(scenario());
    const { errors, ctx } = await check({ 'kms-key-id': '' });
    expect(errors).toHaveLength(1);
    const [d] = errors;
    const awsRds = [...emu.world.account(PROD)!.keys.values()].find(k => k.manager === 'AWS')!;
    expect(d!.message).toContain(awsRds.arn);
    expect(d!.message).toContain(STAGING_ROLE);
    expect(d!.fix).toContain('resource "aws_kms_key"');
    const [policy] = jsonBlocks(d!.fix!) as [unknown];
    expect(ctx.accounts.target.kms).toBeDefined();

    const created = await prodAdmin().send(new CreateKeyCommand({ Policy: JSON.stringify(policy), Description: 'rds-cross-account-sync shared snapshots' }));
    await passesAndRestores({ 'kms-key-id': created.KeyMetadata!.Arn! });
  });

  it('a disabled key is named with its state and command, and the rest of the analysis still runs', async () => {
    emu = await start(scenario());
    setKeyPolicy(SHARE_KEY, { Version: '2012-10-17', Statement: [ROOT_ADMIN, ...stagingStatements({ AWS: `arn:aws:iam::${STG}:role/rds-sync_staging` })] });
    const key = emu.world.account(PROD)!.keys.get('0d2c6a8e-1111-4a5b-9c3d-000000000001')!;
    key.enabled = false;
    const { errors } = await check();
    expect(errors.map(e => e.title)).toEqual(['The shared snapshot key is Disabled', `The key policy of the shared snapshot key names a principal close to ${STAGING_ROLE}, not it`]);
    expect(errors[0]!.fix).toBe(`aws kms enable-key --key-id ${SHARE_KEY}`);
  });

  it('a key disabled through KMS: the offered enable-key, run through KMS, lets preflight pass and the restore succeed', async () => {
    emu = await start(scenario());
    setKeyPolicy(SHARE_KEY, { Version: '2012-10-17', Statement: [ROOT_ADMIN, ...stagingStatements({ AWS: STAGING_ROLE })] });
    const admin = prodAdmin();
    await admin.send(new DisableKeyCommand({ KeyId: SHARE_KEY }));
    const { errors } = await check();
    expect(errors.map(e => e.title)).toEqual(['The shared snapshot key is Disabled']);
    const [, keyId] = /^aws kms enable-key --key-id (\S+)$/.exec(errors[0]!.fix!)!;
    await admin.send(new EnableKeyCommand({ KeyId: keyId }));
    await passesAndRestores();
  });
});
