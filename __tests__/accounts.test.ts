import { describe, expect, it } from '@jest/globals';
import { AssumeRoleCommand, AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSServiceException } from '@aws-sdk/client-sts';
import { connectAccounts, CredentialsError } from '../src/accounts';
import { readSettings } from '../src/settings';
import { ROLE_INPUTS, roleSettings, stsCredentials, useMockedSts } from './fixtures/sts';

const m = useMockedSts();
const { sts, withOidc, answerCallerIdentity } = m;
const inputs = ROLE_INPUTS;
const settings = roleSettings;
const creds = (side: string) => stsCredentials(side);

describe('connectAccounts', () => {
  it('OIDC: one token, AssumeRoleWithWebIdentity per side, each confirmed, every secret masked', async () => {
    withOidc();
    sts.on(AssumeRoleWithWebIdentityCommand, { RoleArn: inputs['source-role-arn'] }).resolves({ Credentials: creds('source') });
    sts.on(AssumeRoleWithWebIdentityCommand, { RoleArn: inputs['target-role-arn'] }).resolves({ Credentials: creds('target') });
    answerCallerIdentity();
    const before = m.oidc().requests.length;

    const accounts = await connectAccounts(settings({ audience: 'sts.amazonaws.com' }));

    expect(accounts.source.accountId).toBe('111111111111');
    expect(accounts.target.accountId).toBe('222222222222');
    expect(accounts.source.via).toBe('oidc');
    expect(accounts.target.principalArn).toBe(inputs['target-role-arn']);
    const calls = sts.commandCalls(AssumeRoleWithWebIdentityCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0].args[0].input.WebIdentityToken).toMatch(/^ey/);
    expect(calls[0].args[0].input.RoleSessionName).toBe('rds-cross-account-sync-source');
    expect(m.oidc().requests.slice(before)).toEqual([{ audience: 'sts.amazonaws.com', authorized: true }]);
    const masked = m
      .stdout()
      .filter(l => l.startsWith('::add-mask::'))
      .join('');
    for (const side of ['source', 'target']) {
      expect(masked).toContain(creds(side).SecretAccessKey);
      expect(masked).toContain(creds(side).SessionToken);
      expect(masked).toContain(creds(side).AccessKeyId);
    }
    expect(masked).toContain(calls[0].args[0].input.WebIdentityToken);
    // Each side's clients carry that side's credentials; nothing went to the environment.
    expect((await accounts.source.rds.config.credentials()).accessKeyId).toBe('ASIASOURCEKEY');
    expect((await accounts.target.kms.config.credentials()).accessKeyId).toBe('ASIATARGETKEY');
    expect(process.env.AWS_ACCESS_KEY_ID).toBeUndefined();
  });

  it('chains from ambient credentials with AssumeRole when the job has no OIDC', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIAAMBIENT';
    process.env.AWS_SECRET_ACCESS_KEY = 'ambient-secret';
    sts.on(AssumeRoleCommand, { RoleArn: inputs['source-role-arn'] }).resolves({ Credentials: creds('source') });
    sts.on(AssumeRoleCommand, { RoleArn: inputs['target-role-arn'] }).resolves({ Credentials: creds('target') });
    answerCallerIdentity();

    const accounts = await connectAccounts(settings());

    expect(accounts.source.via).toBe('assume-role');
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
    expect(sts.commandCalls(AssumeRoleWithWebIdentityCommand)).toHaveLength(0);
  });

  it('tells a job without id-token permission exactly that', async () => {
    const e = await connectAccounts(settings()).catch(x => x);
    expect(e).toBeInstanceOf(CredentialsError);
    expect(e.title).toBe('Missing permissions: id-token: write');
    expect(e.message).toContain('permissions: id-token: write');
    expect(sts.calls()).toHaveLength(0);
  });

  it('turns an STS refusal into an error naming the side, the role and the trust policy to check', async () => {
    withOidc();
    sts.on(AssumeRoleWithWebIdentityCommand).rejects(new STSServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: {}, message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity' }));
    const e = await connectAccounts(settings()).catch(x => x);
    expect(e).toBeInstanceOf(CredentialsError);
    expect(e.title).toBe('STS refused AssumeRoleWithWebIdentity (source)');
    expect(e.message).toContain('arn:aws:iam::111111111111:role/rds-sync-production');
    expect(e.message).toContain("'sub' claim");
    expect(e.message).toContain('AccessDenied');
  });

  it('refuses a role whose account differs from the ARN', async () => {
    withOidc();
    sts.on(AssumeRoleWithWebIdentityCommand, { RoleArn: inputs['source-role-arn'] }).resolves({ Credentials: creds('source') });
    sts.on(AssumeRoleWithWebIdentityCommand, { RoleArn: inputs['target-role-arn'] }).resolves({ Credentials: creds('target') });
    answerCallerIdentity({ target: '333333333333' });
    const e = await connectAccounts(settings()).catch(x => x);
    expect(e).toBeInstanceOf(CredentialsError);
    expect(e.title).toBe('Wrong target account');
    expect(e.message).toContain('account 333333333333');
  });

  it("refuses ambient credentials that turn out to be the production cluster's own account and name", async () => {
    process.env.AWS_ACCESS_KEY_ID = 'ASIASOURCEKEY';
    process.env.AWS_SECRET_ACCESS_KEY = 'x';
    sts.on(GetCallerIdentityCommand).resolves({ Account: '111111111111', Arn: 'arn:aws:sts::111111111111:assumed-role/r/s' });
    const e = await connectAccounts(readSettings(n => ({ 'aws-region': 'ap-northeast-1', 'source-cluster': 'app', 'target-cluster': 'app' })[n] ?? '')).catch(x => x);
    expect(e).toBeInstanceOf(CredentialsError);
    expect(e.title).toBe('Target is the production database');
  });
});
