/**
 * The emulator's key-policy principals: NotPrincipal with AWS's documented
 * meaning for assumed-role sessions, and role unique ids (a policy that named a
 * deleted role names its AROA id, which a re-created role does not have).
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { DescribeKeyCommand, GetKeyPolicyCommand } from '@aws-sdk/client-kms';
import type { RunningEmulator } from '../../emulator/index';
import { createRole, deleteRole } from '../../emulator/iam';
import { assumeViaOidc, clients, failure, PROD, scenario, start, STG, stgRole } from './harness';

let emu: RunningEmulator;
afterEach(async () => {
  await emu?.close();
});

const keyId = '0d2c6a8e-1111-4a5b-9c3d-000000000001';
const keyArn = `arn:aws:kms:ap-northeast-1:${PROD}:key/${keyId}`;
const session = `arn:aws:sts::${STG}:assumed-role/rds-sync-staging/github-actions`;
const allowStaging = { Sid: 'Staging', Effect: 'Allow', Principal: { AWS: stgRole }, Action: 'kms:DescribeKey', Resource: '*' };

function setPolicy(statements: unknown[]): void {
  emu.world.account(PROD)!.keys.get(keyId)!.policy = JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

async function staging() {
  return clients(emu, await assumeViaOidc(emu, stgRole));
}

describe('NotPrincipal in a Deny', () => {
  it.each<[string, string[], 'allowed' | 'denied']>([
    ['session, role and account listed: spared', [session, stgRole, `arn:aws:iam::${STG}:root`], 'allowed'],
    ['role and account, not the session: denied', [stgRole, `arn:aws:iam::${STG}:root`], 'denied'],
    ['session and role, not the account: denied', [session, stgRole], 'denied'],
    ['only the account: denied', [`arn:aws:iam::${STG}:root`], 'denied'],
    ['another principal only: denied', [`arn:aws:iam::${PROD}:root`], 'denied']
  ])('%s', async (_name, listed, outcome) => {
    emu = await start(scenario());
    setPolicy([allowStaging, { Sid: 'OnlyListed', Effect: 'Deny', NotPrincipal: { AWS: listed }, Action: 'kms:*', Resource: '*' }]);
    const call = (await staging()).kms.send(new DescribeKeyCommand({ KeyId: keyArn }));
    if (outcome === 'allowed') await expect(call).resolves.toBeDefined();
    else expect((await failure(call)).name).toBe('AccessDeniedException');
  });

  it('an Allow with NotPrincipal admits whoever it does not list', async () => {
    emu = await start(scenario());
    setPolicy([{ Effect: 'Allow', NotPrincipal: { AWS: `arn:aws:iam::999999999999:root` }, Action: 'kms:DescribeKey', Resource: '*' }]);
    await expect((await staging()).kms.send(new DescribeKeyCommand({ KeyId: keyArn }))).resolves.toBeDefined();
  });
});

describe('role unique ids', () => {
  it('a deleted role leaves its AROA id in the key policy; the role created again is not admitted', async () => {
    emu = await start(scenario());
    setPolicy([{ Sid: 'Admin', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${PROD}:root` }, Action: 'kms:*', Resource: '*' }, allowStaging]);
    await expect((await staging()).kms.send(new DescribeKeyCommand({ KeyId: keyArn }))).resolves.toBeDefined();

    const old = emu.world.account(STG)!.roles.get('rds-sync-staging')!;
    deleteRole(emu.world, stgRole);
    const prod = clients(emu, await assumeViaOidc(emu, `arn:aws:iam::${PROD}:role/rds-sync-production`));
    const policy = (await prod.kms.send(new GetKeyPolicyCommand({ KeyId: keyId }))).Policy!;
    expect(policy).toContain(`"${old.id}"`);
    expect(policy).not.toContain(stgRole);

    const again = createRole(emu.world, STG, { name: old.name, trust: old.trust, policies: old.policies });
    expect(again.id).toMatch(/^AROA[A-Z2-7]{17}$/);
    expect(again.id).not.toBe(old.id);
    expect((await failure((await staging()).kms.send(new DescribeKeyCommand({ KeyId: keyArn })))).name).toBe('AccessDeniedException');
  });
});
