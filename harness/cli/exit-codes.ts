/**
 * Process exit codes of every command. Scripts and CI branch on these, so
 * they are part of the interface: `--help`, README.md and docs/runner.md
 * give the same wording (the help lines below are the source of it).
 */
export const EXIT = {
  /** Everything ran and nothing failed unexpectedly (a listing succeeded). */
  OK: 0,
  /** At least one test failed in a way the expectations did not allow (`compare`: a regression). */
  FAILURES: 1,
  /** Misuse or bad configuration, found before anything ran. */
  USAGE: 2,
  /** Aborted: a device was given up on, the overall timeout expired, the run was interrupted, or an internal error. */
  ABORTED: 3,
  /** The test selection matched no test. */
  NO_TESTS: 4,
  /** The tests ran but a report file could not be written (the others were; the journal has every result). */
  REPORTS: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Word for word in README.md and docs/runner.md; a spec checks they agree. */
export const EXIT_MEANINGS: Readonly<Record<ExitCode, string>> = {
  [EXIT.OK]: 'no unexpected failure',
  [EXIT.FAILURES]: 'unexpected test failures (compare: a regression)',
  [EXIT.USAGE]:
    'usage or configuration error, found before anything ran (bad option or glob, bad or unmatched --device filter, unreadable or invalid test list or expectation file, results dir or report file not writable or in use by a live run)',
  [EXIT.ABORTED]:
    'aborted: a device was given up on (wedged or offline), the overall timeout expired, the run was interrupted (SIGINT/SIGTERM), or an internal error',
  [EXIT.NO_TESTS]: 'no test matched the selection',
  [EXIT.REPORTS]: 'the tests ran but a report file could not be written (the others were, the journal keeps every result)',
};

export const EXIT_CODES_HELP = [
  'Exit codes (3 wins over 5, 5 over 1):',
  ...Object.entries(EXIT_MEANINGS).map(([code, meaning]) => `  ${code}  ${meaning}`),
].join('\n');
