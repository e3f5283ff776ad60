/**
 * mocha's dot reporter plus one closing line in the plain form CI systems
 * read ("tests: N passed, N failed, N skipped"), since mocha's own summary
 * ("N passing") is not a form they recognise.
 */
import Mocha from 'mocha';

const { Dot } = Mocha.reporters;
const { EVENT_RUN_END, EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING } = Mocha.Runner.constants;

class SummaryReporter extends Dot {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    runner.on(EVENT_TEST_PASS, () => void passed++);
    runner.on(EVENT_TEST_FAIL, () => void failed++);
    runner.on(EVENT_TEST_PENDING, () => void skipped++);
    runner.once(EVENT_RUN_END, () => {
      process.stdout.write(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
    });
  }
}

export = SummaryReporter;
