// One line per test of a results.json (piglit/IGT format, docs/reports.md):
// `<name> <pass|fail|skip>`, for lava-test-case. LAVA has no expected-failure
// result: a failure the expectation files allow is reported `skip`, so the
// LAVA job's failures are the unexpected results, as the CLI's exit code.
// Names keep only LAVA's characters [-_a-zA-Z0-9.]: `@` becomes `.`.
import { readFileSync } from 'node:fs';

const results = JSON.parse(readFileSync(process.argv[2], 'utf8'));
for (const [key, t] of Object.entries(results.tests)) {
  const status = t['accel-status'] ?? t.result;
  const result =
    status === 'pass' ? 'pass'
    : status === 'skip' || status === 'notrun' || t['accel-verdict'] === 'expected' ? 'skip'
    : 'fail';
  process.stdout.write(`${key.replace(/@/g, '.').replace(/[^-_a-zA-Z0-9.]/g, '_')} ${result}\n`);
}
