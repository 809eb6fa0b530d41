// Prints one plain closing line, "jest: N passed, N failed, N skipped", so that a CI reading the
// last lines of the log sees how many tests ran (jest's own summary is not in that plain form).
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stderr.write(`jest: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`);
  }
}
module.exports = SummaryReporter;
