// One plain summary line, "jest: N passed, N failed, N skipped", for a CI that reads the closing lines
// of the log (jest's own summary is not in that form). Printed after the run, and also written to
// $JEST_SUMMARY_FILE when set, so .ci/run can print it as the very last line.
const { writeFileSync } = require('node:fs');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `jest: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`;
    process.stderr.write(line);
    if (process.env.JEST_SUMMARY_FILE) writeFileSync(process.env.JEST_SUMMARY_FILE, line);
  }
}
module.exports = SummaryReporter;
