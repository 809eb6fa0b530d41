/** The emulator's own policy evaluator, from tables. */
import { describe, expect, it } from '@jest/globals';
import { conditionHolds, evaluate, principalMatch, wildcardMatch, type PolicyDocument } from '../../emulator/iam';

const policy = (...Statement: PolicyDocument['Statement'][]): PolicyDocument => ({ Version: '2012-10-17', Statement: Statement.flat() });

describe('evaluate', () => {
  const rdsRead = policy({ Effect: 'Allow', Action: 'rds:Describe*', Resource: '*' });
  const notDelete = policy({ Effect: 'Allow', NotAction: 'rds:Delete*', Resource: 'arn:aws:rds:*:111111111111:cluster:app-*' });
  const denyProd = policy({ Effect: 'Deny', Action: '*', Resource: 'arn:aws:rds:*:*:cluster:app-production' });
  const notResource = policy({ Effect: 'Allow', Action: 'rds:*', NotResource: 'arn:aws:rds:*:*:cluster:app-production' });

  it.each([
    ['wildcard action', [rdsRead], 'rds:DescribeDBClusters', 'arn:aws:rds:ap-northeast-1:1:cluster:x', 'allow'],
    ['actions are case-insensitive', [rdsRead], 'RDS:describedbclusters', 'arn:x', 'allow'],
    ['no statement matches', [rdsRead], 'rds:DeleteDBCluster', 'arn:x', 'implicit-deny'],
    ['NotAction allows others', [notDelete], 'rds:ModifyDBCluster', 'arn:aws:rds:ap-northeast-1:111111111111:cluster:app-staging', 'allow'],
    ['NotAction excludes', [notDelete], 'rds:DeleteDBCluster', 'arn:aws:rds:ap-northeast-1:111111111111:cluster:app-staging', 'implicit-deny'],
    ['resource wildcard misses', [notDelete], 'rds:ModifyDBCluster', 'arn:aws:rds:ap-northeast-1:111111111111:cluster:web', 'implicit-deny'],
    ['explicit deny wins', [rdsRead, denyProd], 'rds:DescribeDBClusters', 'arn:aws:rds:ap-northeast-1:1:cluster:app-production', 'explicit-deny'],
    ['NotResource', [notResource], 'rds:DeleteDBCluster', 'arn:aws:rds:ap-northeast-1:1:cluster:app-production', 'implicit-deny'],
    ['NotResource others', [notResource], 'rds:DeleteDBCluster', 'arn:aws:rds:ap-northeast-1:1:cluster:app-staging', 'allow']
  ])('%s', (_name, policies, action, resource, expected) => {
    expect(evaluate(policies as PolicyDocument[], { action: action as string, resource: resource as string })).toBe(expected);
  });
});

describe('conditions', () => {
  const ctx = { 'kms:ViaService': 'rds.ap-northeast-1.amazonaws.com', 'kms:GrantIsForAWSResource': true, 'aws:TagKeys': ['a', 'b'] };
  it.each([
    ['StringEquals', 'kms:viaservice', 'rds.ap-northeast-1.amazonaws.com', true],
    ['StringEquals', 'kms:ViaService', 'ec2.ap-northeast-1.amazonaws.com', false],
    ['StringLike', 'kms:ViaService', 'rds.*.amazonaws.com', true],
    ['StringNotEquals', 'kms:ViaService', 'rds.ap-northeast-1.amazonaws.com', false],
    ['Bool', 'kms:GrantIsForAWSResource', 'true', true],
    ['Bool', 'kms:GrantIsForAWSResource', 'false', false],
    ['Bool', 'aws:SecureTransport', 'true', false],
    ['BoolIfExists', 'aws:SecureTransport', 'true', true],
    ['Null', 'aws:SecureTransport', 'true', true],
    ['ForAnyValue:StringEquals', 'aws:TagKeys', ['b', 'z'], true],
    ['ForAllValues:StringEquals', 'aws:TagKeys', ['a'], false],
    ['ArnLike', 'kms:ViaService', 'arn:*', false],
    ['NumericLessThan', 'kms:ViaService', '1', false]
  ])('%s %s %j -> %s', (op, key, expected, holds) => {
    expect(conditionHolds(op as string, key as string, expected as string, ctx)).toBe(holds);
  });
});

describe('principals and wildcards', () => {
  const who = { account: '222222222222', identityArn: 'arn:aws:iam::222222222222:role/r', sessionArn: 'arn:aws:sts::222222222222:assumed-role/r/s' };
  it.each([
    [{ AWS: 'arn:aws:iam::222222222222:role/r' }, 'direct'],
    [{ AWS: ['x', 'arn:aws:iam::222222222222:root'] }, 'account'],
    [{ AWS: '222222222222' }, 'account'],
    [{ AWS: 'arn:aws:iam::111111111111:root' }, undefined],
    ['*', 'direct'],
    [{ Service: 'rds.amazonaws.com' }, undefined]
  ])('%j admits %s', (principal, expected) => {
    expect(principalMatch({ Effect: 'Allow', Principal: principal as '*', Action: '*' }, who)).toBe(expected);
  });

  it.each([
    ['repo:example-org/app:*', 'repo:example-org/app:ref:refs/heads/main', true],
    ['repo:example-org/app:*', 'repo:example-org/application:ref', false],
    ['rds:?', 'rds:x', true],
    ['a.b', 'axb', false]
  ])('%s ~ %s = %s', (p, v, r) => {
    expect(wildcardMatch(p, v)).toBe(r);
  });
});
