/** keyRemedy: the one builder of the statements a role needs on a key, from the run's facts, the key and its use. */
import { describe, expect, it } from '@jest/globals';
import { keyRemedy, type RemedyFacts } from '../../src/diagnostics/key-access';
import { KEY_REQUIREMENTS, type KeyUse } from '../../src/diagnostics/key-policy';
import { SECRET_KEY_ACTIONS } from '../../src/diagnostics/secret-policy';

const facts: RemedyFacts = {
  source: { principalArn: 'arn:aws:iam::111111111111:role/prod-sync', accountId: '111111111111' },
  target: { principalArn: 'arn:aws:iam::222222222222:role/staging-sync', accountId: '222222222222' },
  region: 'eu-west-1'
};
const SHARED = 'arn:aws:kms:eu-west-1:111111111111:key/11111111-1111-1111-1111-111111111111';
const STAGING = 'arn:aws:kms:eu-west-1:222222222222:key/22222222-2222-2222-2222-222222222222';
const actions = (s: { Action?: string | string[] }) => (Array.isArray(s.Action) ? s.Action : s.Action === undefined ? [] : [s.Action]);

describe('keyRemedy', () => {
  it.each<[KeyUse, string, string]>([
    ['shared-key', SHARED, 'staging-sync'],
    ['target-key', STAGING, 'staging-sync'],
    ['copy-key', SHARED, 'prod-sync']
  ])("%s: the use's required actions, for the role that uses the key, in both halves", (use, key, role) => {
    const r = keyRemedy(facts, key, use);
    const required = [...KEY_REQUIREMENTS[use].required].sort();
    expect(r.principalArn).toContain(role);
    expect(r.keyAccount).toBe(key.split(':')[4]);
    expect(r.keyPolicy.flatMap(actions).sort()).toEqual(required);
    expect(r.keyPolicy.every(s => JSON.stringify(s.Principal).includes(role))).toBe(true);
    expect(r.iam).toEqual([expect.objectContaining({ Resource: key })]);
    expect(r.iam.flatMap(actions).sort()).toEqual(required);
  });

  it('grant actions only for AWS resources; options narrow the key policy and name another principal and resource', () => {
    const r = keyRemedy(facts, '(the key named by kms-key-id)', 'shared-key', {
      keyAccount: '111111111111',
      keyPolicyActions: ['kms:CreateGrant'],
      principal: { principalArn: 'arn:aws:iam::333333333333:role/other', accountId: '333333333333' },
      iamResource: 'arn:aws:kms:eu-west-1:111111111111:key/*'
    });
    expect(r.keyAccount).toBe('111111111111');
    expect(r.principalAccount).toBe('333333333333');
    expect(r.keyPolicy).toEqual([expect.objectContaining({ Action: 'kms:CreateGrant', Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } })]);
    expect(r.iam[0]!.Resource).toBe('arn:aws:kms:eu-west-1:111111111111:key/*');
  });

  it('secret-key: the staging role through Secrets Manager in the region, in the staging account', () => {
    const r = keyRemedy(facts, STAGING, 'secret-key');
    expect(r.keyAccount).toBe('222222222222');
    expect(r.principalArn).toBe(facts.target.principalArn);
    expect(JSON.stringify(r.keyPolicy)).toContain('secretsmanager.eu-west-1.amazonaws.com');
    expect(r.iam.flatMap(actions).sort()).toEqual([...SECRET_KEY_ACTIONS].sort());
  });
});
