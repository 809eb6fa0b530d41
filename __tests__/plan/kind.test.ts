/** The pure decisions for RDS DB instances, from tables: kind, staging copy, option groups, names. */
import { describe, expect, it } from '@jest/globals';
import { decideKind, type KindFacts } from '../../src/plan/kind';
import { decideCopy, optionGroupShareCheck } from '../../src/plan/source';
import { decideTargetCopy, targetCopyIdentifier } from '../../src/plan/target';

const REGION = 'ap-northeast-1';
const none = { cluster: false, instance: false };
const cluster = { cluster: true, instance: false };
const instance = { cluster: false, instance: true };
const both = { cluster: true, instance: true };

function facts(over: { source?: Partial<KindFacts['source']>; target?: Partial<KindFacts['target']>; snapshotKind?: 'cluster' | 'instance' }): KindFacts {
  return {
    source: { identifier: 'prod', input: 'source-db', ...over.source },
    target: { identifier: 'stg', input: 'target-db', ...over.target },
    snapshotKind: over.snapshotKind,
    sourceAccountId: '111111111111',
    region: REGION
  };
}

describe('decideKind', () => {
  it.each([
    ['source-instance says instance', facts({ source: { input: 'source-instance', kind: 'instance' } }), 'instance'],
    ['source-cluster says cluster', facts({ source: { input: 'source-cluster', kind: 'cluster' } }), 'cluster'],
    ['target-instance decides for source-db', facts({ target: { input: 'target-instance', kind: 'instance' } }), 'instance'],
    ['a snapshot ARN decides', facts({ snapshotKind: 'instance' }), 'instance'],
    ['detected instance, target absent', facts({ source: { found: instance }, target: { found: none } }), 'instance'],
    ['detected cluster, target a cluster', facts({ source: { found: cluster }, target: { found: cluster } }), 'cluster'],
    ['detected instance, target both kinds (the instance is meant)', facts({ source: { found: instance }, target: { found: both } }), 'instance'],
    ['detected instance; clusters may not be described', facts({ source: { found: { ...instance, denied: ['rds:DescribeDBClusters'] } } }), 'instance']
  ])('%s', (_name, f, kind) => {
    const d = decideKind(f);
    expect('kind' in d && d.kind).toBe(kind);
  });

  it.each([
    ['nothing under that name', facts({ source: { found: none } }), /Production database not found/],
    ['both kinds under that name', facts({ source: { found: both } }), /both a DB cluster and a DB instance/],
    ['production an instance, staging a cluster', facts({ source: { found: instance }, target: { found: cluster } }), /target-db is a DB cluster, the production database a DB instance/],
    ['source-instance, but target-db names a cluster', facts({ source: { kind: 'instance', input: 'source-instance' }, target: { found: cluster } }), /target-db is a DB cluster/]
  ])('refuses: %s', (_name, f, title) => {
    const d = decideKind(f);
    expect('refuse' in d).toBe(true);
    if ('refuse' in d) {
      expect(d.refuse.title).toMatch(title);
      expect(d.refuse.fix).toBeTruthy();
    }
  });

  it('names the describe call the role may not make when nothing was found', () => {
    const d = decideKind(facts({ source: { found: { ...none, denied: ['rds:DescribeDBInstances'] } } }));
    expect('refuse' in d && d.refuse.message).toMatch(/may not call rds:DescribeDBInstances/);
  });
});

describe('decideTargetCopy', () => {
  const shared = { identifier: 'rcas-app-production-pg-2026-11-28', arn: 'arn:aws:rds:ap-northeast-1:111111111111:snapshot:rcas-app-production-pg-2026-11-28', encrypted: true };
  const KEY = 'arn:aws:kms:ap-northeast-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  it.each([
    ['cluster, encrypted', 'cluster', true, KEY, false, undefined],
    ['cluster, unencrypted', 'cluster', false, undefined, false, undefined],
    ['instance, encrypted, staging key', 'instance', true, KEY, true, KEY],
    ['instance, encrypted, no staging key: aws/rds of staging', 'instance', true, undefined, true, 'alias/aws/rds'],
    ['instance, unencrypted, staging key: the copy encrypts', 'instance', false, KEY, true, KEY],
    ['instance, unencrypted, no staging key: restored directly', 'instance', false, undefined, false, undefined]
  ] as const)('%s', (_name, kind, encrypted, targetKeyArn, needed, key) => {
    const c = decideTargetCopy({ kind, target: 'app-staging-pg', shared: { ...shared, encrypted }, targetKeyArn });
    expect(c.needed).toBe(needed);
    expect(c.reason).toBeTruthy();
    if (c.needed) {
      expect(c.kmsKeyId).toBe(key);
      expect(c.sourceArn).toBe(shared.arn);
      expect(c.identifier).toBe('app-staging-pg-copy-app-production-pg-2026-11-28');
    }
  });

  it('names the copy deterministically and validly, also for long names', () => {
    expect(targetCopyIdentifier('app-staging-pg', 'rcas-x-1')).toBe(targetCopyIdentifier('app-staging-pg', 'rcas-x-1'));
    const long = targetCopyIdentifier('a'.repeat(60), `rcas-${'b'.repeat(60)}`);
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[a-z][a-z0-9-]*[a-z0-9]$/);
    expect(targetCopyIdentifier('stg', 'rds:prod-2026')).toBe('stg-copy-prod-2026');
  });
});

describe('optionGroupShareCheck', () => {
  const base = { snapshot: 'rds:prod-1', accountId: '111111111111', region: REGION };
  const opt = (name: string, permanent = false, persistent = false) => ({ name, permanent, persistent });
  it.each([
    ['no option group', { engine: 'postgres' }, true],
    ['a default group without options', { engine: 'postgres', optionGroup: 'default:postgres-16', options: [] }, true],
    ['ordinary options', { engine: 'mysql', optionGroup: 'og', options: [opt('MARIADB_AUDIT_PLUGIN')] }, true],
    ['a persistent option', { engine: 'oracle-ee', optionGroup: 'og', options: [opt('TIMEZONE', false, true)] }, false],
    ['a permanent option', { engine: 'oracle-ee', optionGroup: 'og', options: [opt('TIMEZONE', true, false)] }, false],
    ['TDE on Oracle (flags missing)', { engine: 'oracle-ee', optionGroup: 'og', options: [opt('TDE')] }, false],
    ['TDE on SQL Server', { engine: 'sqlserver-ee', optionGroup: 'og', options: [opt('TDE', true, true)] }, false],
    ['an option named TDE on MySQL is not TDE', { engine: 'mysql', optionGroup: 'og', options: [opt('TDE')] }, true]
  ])('%s', (_name, f, shareable) => {
    const r = optionGroupShareCheck({ ...base, ...f });
    expect(r.shareable).toBe(shareable);
    if (!r.shareable) {
      expect(r.diagnostic.title).toMatch(/cannot be shared/);
      expect(r.diagnostic.message).toContain('og');
      expect(r.diagnostic.fix).toMatch(/describe-option-groups/);
    }
  });

  it('explains TDE with an export, persistent options with removing them', () => {
    const tde = optionGroupShareCheck({ ...base, engine: 'oracle-ee', optionGroup: 'og', options: [opt('TDE', true, true)] });
    const persistent = optionGroupShareCheck({ ...base, engine: 'oracle-se2', optionGroup: 'og', options: [opt('TIMEZONE', false, true)] });
    expect(!tde.shareable && tde.diagnostic.fix).toMatch(/Data Pump/);
    expect(!persistent.shareable && persistent.diagnostic.fix).toMatch(/remove-option-from-option-group/);
  });

  it('an unreadable option group is a note, not a refusal', () => {
    const r = optionGroupShareCheck({ ...base, engine: 'oracle-ee', optionGroup: 'og' });
    expect(r).toMatchObject({ shareable: true, note: expect.stringMatching(/could not be read/) });
  });
});

describe('decideCopy for an RDS DB instance', () => {
  it('shares an unencrypted manual DB snapshot as it is and says the staging copy can encrypt it', () => {
    const d = decideCopy({ type: 'manual', encrypted: false, targetAccountId: '222222222222', sourceAccountId: '111111111111', region: REGION, kind: 'instance' });
    expect(d.outcome).toBe('share-as-is');
    expect(d.outcome !== 'refuse' && d.notes.join(' ')).toMatch(/staging account copies it under that key/);
  });
});

describe('target warnings for an RDS DB instance', () => {
  it('says which Aurora-only inputs an instance does not use', async () => {
    const { targetWarnings } = await import('../../src/plan/target');
    const { readSettings } = await import('../../src/settings');
    const inputs: Record<string, string> = {
      'aws-region': REGION,
      'source-instance': 'p',
      'target-instance': 's',
      'engine-version': '16.6',
      'instance-count': '2',
      'isolation-security-group-ids': 'sg-0000000000000bbbb'
    };
    const w = targetWarnings(
      readSettings(n => inputs[n] ?? ''),
      undefined
    );
    expect(w.join('\n')).toMatch(/engine-version 16.6 is not used/);
    expect(w.join('\n')).toMatch(/instance-count applies to Aurora clusters only/);
    expect(w.join('\n')).toMatch(/the new instance takes the name/);
  });
});
