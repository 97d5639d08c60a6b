// Prints "N passed, N failed" from vitest's JSON results. When the results are
// missing (the typecheck before vitest failed, or vitest crashed), the run
// counts as one failure so CI never reads a failed run as green.
import { existsSync, readFileSync } from 'node:fs';

const [file, statusArg] = process.argv.slice(2);
const status = Number(statusArg ?? 1);
let passed = 0;
let failed = 0;
if (file && existsSync(file)) {
  const results = JSON.parse(readFileSync(file, 'utf8'));
  passed = results.numPassedTests ?? 0;
  failed = (results.numFailedTests ?? 0) + (results.numRuntimeErrorTestSuites ?? 0);
  // A suite that failed to load has no tests but still fails the run.
  for (const suite of results.testResults ?? []) if (suite.status === 'failed' && suite.assertionResults?.length === 0) failed += 1;
} else {
  console.error(`no test results at ${file}: the typecheck or the test runner failed before any test ran`);
}
if (status !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(status === 0 && failed === 0 ? 0 : 1);
