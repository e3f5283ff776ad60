/** Script entry: `node dist/harness/uapi/layout-check/main.js`; exit 1 on any mismatch, 2 when it cannot run. */
import { LayoutCheckSetupError, formatLayoutReport, runLayoutCheck } from './check';

function main(): number {
  try {
    const result = runLayoutCheck();
    console.log(formatLayoutReport(result));
    return result.mismatches.length === 0 ? 0 : 1;
  } catch (e) {
    if (e instanceof LayoutCheckSetupError) {
      console.error(e.message);
      return 2;
    }
    throw e;
  }
}

if (require.main === module) process.exitCode = main();
