/**
 * Parses GitHub workflow files and action.yml with GitHub's own parser
 * (@actions/workflow-parser: the workflow and action schemas, expressions,
 * and the conversion the Actions service does) and prints what it refuses.
 *
 *   tsx tools/check-workflows.ts [--json] [FILE...]
 * Default files: every .github/workflows/*.yml and action.yml. Exit code 1 when
 * any file has an error. Runs under tsx, not in jest's module VM: the parser
 * imports its JSON schemas without import attributes, which bundlers and tsx
 * accept and jest deprecates.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { parseAction } from '@actions/workflow-parser/actions/action-parser';

const ROOT = join(import.meta.dirname, '..');

export async function fileErrors(file: string): Promise<string[]> {
  const name = relative(ROOT, file) || basename(file);
  const content = readFileSync(file, 'utf8');
  if (/^action\.ya?ml$/.test(basename(file))) {
    return parseAction({ name, content }, new NoOperationTraceWriter())
      .context.errors.getErrors()
      .map(e => e.message);
  }
  const result = parseWorkflow({ name, content }, new NoOperationTraceWriter());
  const errors = result.context.errors.getErrors().map(e => e.message);
  if (errors.length) return errors;
  if (!result.value) return [`${name}: not a workflow`];
  const template = await convertWorkflowTemplate(result.context, result.value);
  return (template.errors ?? []).map(e => e.Message);
}

const { values, positionals } = parseArgs({ options: { json: { type: 'boolean', default: false } }, allowPositionals: true });
const workflows = join(ROOT, '.github', 'workflows');
const files = positionals.length
  ? positionals
  : [
      ...readdirSync(workflows)
        .filter(f => /\.ya?ml$/.test(f))
        .sort()
        .map(f => join(workflows, f)),
      join(ROOT, 'action.yml')
    ];
const report: Record<string, string[]> = {};
for (const f of files) report[relative(ROOT, f) || f] = await fileErrors(f);
if (values.json) console.log(JSON.stringify(report));
else for (const [f, errors] of Object.entries(report)) console.log(errors.length ? `${f}:\n  ${errors.join('\n  ')}` : `${f}: ok`);
process.exitCode = Object.values(report).some(e => e.length) ? 1 : 0;
