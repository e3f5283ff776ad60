/**
 * Process exit codes of every command. Scripts and CI branch on these, so
 * they are part of the interface: docs/discovery.md and `--help` list them.
 */
export const EXIT = {
  /** Everything ran and nothing failed unexpectedly (a listing succeeded). */
  OK: 0,
  /** At least one test failed in a way the expectations did not allow. */
  FAILURES: 1,
  /** Misuse or bad configuration: unknown option, malformed or unmatched filter, unusable root, missing backend. */
  USAGE: 2,
  /** The command stopped before finishing: interrupted, watchdog, or an internal error. */
  ABORTED: 3,
  /** The test selection matched no test. */
  NO_TESTS: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODES_HELP = [
  'Exit codes:',
  `  ${EXIT.OK}  no unexpected failure`,
  `  ${EXIT.FAILURES}  unexpected test failures`,
  `  ${EXIT.USAGE}  usage or configuration error (bad option, bad or unmatched --device filter)`,
  `  ${EXIT.ABORTED}  aborted (interrupted, or an internal error)`,
  `  ${EXIT.NO_TESTS}  no test matched the selection`,
].join('\n');
