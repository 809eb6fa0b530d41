import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { readSettings } from '../../src/settings';
import { ROOT } from '../../tools/local-runner';

interface ActionYml {
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string }>;
  runs: { using: string; main: string; post?: string; 'post-if'?: string };
}

const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as ActionYml;
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap(f => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('action.yml', () => {
  it('runs the bundle on node24 with a post step that always runs', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js', post: 'dist/index.js', 'post-if': 'always()' });
  });

  it('declares kebab-case inputs, each described, optional ones with a default', () => {
    for (const [name, input] of Object.entries(action.inputs)) {
      expect(name).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(input.description.length).toBeGreaterThan(10);
      if (!input.required) expect(typeof input.default).toBe('string');
    }
  });

  it('declares every input the settings module reads, and the README documents each with its default', () => {
    const read = new Set<string>();
    const defaults: Record<string, string> = {
      'aws-region': 'ap-northeast-1',
      'source-cluster': 'a',
      'target-cluster': 'b'
    };
    readSettings(name => {
      read.add(name);
      return defaults[name] ?? action.inputs[name]?.default ?? '';
    });
    for (const name of read) expect(Object.keys(action.inputs)).toContain(name);
    for (const [name, input] of Object.entries(action.inputs)) {
      const row = readme.split('\n').find(l => l.startsWith(`| \`${name}\` |`));
      expect(row).toBeDefined();
      if (input.default) expect(row).toContain(`\`${input.default}\``);
    }
  });

  it('declares every output the code sets, and the README lists each', () => {
    const set = new Set<string>();
    for (const file of sources(join(ROOT, 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:\.output|setOutput)\(\s*'([a-z-]+)'/g)) set.add(m[1]);
    }
    expect(set.size).toBeGreaterThan(0);
    for (const name of set) expect(Object.keys(action.outputs)).toContain(name);
    for (const name of Object.keys(action.outputs)) expect(readme).toContain(`| \`${name}\` |`);
  });
});
