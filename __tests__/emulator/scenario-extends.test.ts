/** A scenario that extends another resolves each relative seedSql path against the folder of the file that wrote it. */
import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenarioFile } from '../../emulator/scenario';

describe('scenario extends:', () => {
  it("resolves relative seedSql paths against each file's own folder", () => {
    const root = mkdtempSync(join(tmpdir(), 'scenario-extends-'));
    mkdirSync(join(root, 'base'));
    mkdirSync(join(root, 'stories', 'mine'), { recursive: true });
    writeFileSync(
      join(root, 'base', 'base.yaml'),
      'accounts:\n  - id: "111111111111"\n    clusters:\n      - id: prod\n        seedSql: seed.sql\n      - id: other\n        seedSql: ./data/other.sql\n      - id: inline\n        seedSql: "CREATE TABLE t (i int);"\n'
    );
    writeFileSync(
      join(root, 'stories', 'mine', 'child.yaml'),
      'extends: ../../base/base.yaml\noverrides:\n  accounts:\n    - id: "111111111111"\n      clusters:\n        - id: prod\n          seedSql: my-seed.sql\n'
    );
    const s = loadScenarioFile(join(root, 'stories', 'mine', 'child.yaml')) as unknown as { accounts: Array<{ clusters: Array<{ id: string; seedSql: string }> }> };
    const seeds = Object.fromEntries(s.accounts[0]!.clusters.map(c => [c.id, c.seedSql]));
    expect(seeds).toEqual({
      prod: join(root, 'stories', 'mine', 'my-seed.sql'),
      other: join(root, 'base', 'data', 'other.sql'),
      inline: 'CREATE TABLE t (i int);'
    });
  });
});
