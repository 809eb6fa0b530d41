import { describe, expect, it } from '@jest/globals';
import { isAutomatedSnapshotId, parseArn, rdsIdentifierProblem, stripAutomatedPrefix, toRdsIdentifier } from '../src/rds-rules';

describe('rdsIdentifierProblem', () => {
  it.each([
    ['app-staging', undefined],
    ['a', undefined],
    ['a'.repeat(63), undefined],
    ['a'.repeat(64), 'is 64 characters long'],
    ['', 'is 0 characters long'],
    ['1app', 'does not start with a letter'],
    ['app_staging', 'contains a character other than a letter, digit or hyphen'],
    ['app--staging', 'contains two consecutive hyphens'],
    ['app-', 'ends with a hyphen']
  ])('%s -> %s', (id, problem) => {
    expect(rdsIdentifierProblem(id)).toBe(problem);
  });
});

describe('snapshot names', () => {
  it('strips the automated prefix', () => {
    expect(isAutomatedSnapshotId('rds:app-2026-11-28-03-10')).toBe(true);
    expect(stripAutomatedPrefix('rds:app-2026-11-28-03-10')).toBe('app-2026-11-28-03-10');
    expect(stripAutomatedPrefix('manual-1')).toBe('manual-1');
  });
  it('makes valid, deterministic identifiers', () => {
    const long = toRdsIdentifier('rcas', 'x'.repeat(80), '2026');
    expect(long.length).toBeLessThanOrEqual(63);
    expect(rdsIdentifierProblem(long)).toBeUndefined();
    expect(toRdsIdentifier('rcas', 'x'.repeat(80), '2026')).toBe(long);
    expect(toRdsIdentifier('9', 'A_b--c')).toBe('s-9-a-b-c');
  });
});

describe('parseArn', () => {
  it('parses a role ARN', () => {
    expect(parseArn('arn:aws:iam::123456789012:role/x')).toEqual({
      partition: 'aws',
      service: 'iam',
      region: '',
      accountId: '123456789012',
      resource: 'role/x'
    });
    expect(parseArn('not-an-arn')).toBeUndefined();
  });
});
