// Rewrites the inputs and outputs tables of README.md from action.yml (between the marker comments).
// Usage: node scripts/docs-tables.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';

const action = parse(readFileSync('action.yml', 'utf8'));
const cell = s => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ').trim();
const inputs = [
  '| Input | Default | Description |',
  '| --- | --- | --- |',
  ...Object.entries(action.inputs).map(([name, i]) => `| \`${name}\` | ${i.required ? '**required**' : i.default ? `\`${i.default}\`` : '(empty)'} | ${cell(i.description)} |`)
].join('\n');
const outputs = ['| Output | Description |', '| --- | --- |', ...Object.entries(action.outputs).map(([name, o]) => `| \`${name}\` | ${cell(o.description)} |`)].join('\n');

let readme = readFileSync('README.md', 'utf8');
const replace = (text, marker, body) => text.replace(new RegExp(`(<!-- ${marker}:start -->)[\\s\\S]*?(<!-- ${marker}:end -->)`), `$1\n${body}\n$2`);
readme = replace(readme, 'inputs', inputs);
readme = replace(readme, 'outputs', outputs);
writeFileSync('README.md', readme);
