/**
 * The watchdog's budget for one test. A hang test waits out the driver's
 * job timeout a few times (submit, detect, reset), so the default is a
 * multiple of it with a fixed margin for process start and teardown.
 */
export const DEFAULT_TEST_TIMEOUT_MS = 60_000;
const JOB_TIMEOUT_FACTOR = 4;
const MARGIN_MS = 10_000;
const MIN_MS = DEFAULT_TEST_TIMEOUT_MS / 2;

/** The default of --per-test-timeout in words, from the numbers testTimeoutMs uses (`run --help` prints it). */
export const TEST_TIMEOUT_RULE =
  `the subtest's own, else ${JOB_TIMEOUT_FACTOR} x the driver's job timeout + ${MARGIN_MS / 1000} s ` +
  `(at least ${MIN_MS / 1000} s), or ${DEFAULT_TEST_TIMEOUT_MS / 1000} s for a driver without one`;

export interface TimeoutInputs {
  /** --per-test-timeout, in ms: wins over everything, it is the user's explicit choice. */
  readonly perTestTimeoutMs?: number;
  /** The subtest's own budget (Subtest.timeoutMs). */
  readonly subtestTimeoutMs?: number;
  /** --job-timeout-ms, else the profile's jobTimeoutMs. */
  readonly jobTimeoutMs: number | null;
  /** Job timeouts the subtest waits out one after another (Subtest.jobTimeouts). */
  readonly subtestJobTimeouts?: number;
}

export function testTimeoutMs(i: TimeoutInputs): number {
  if (i.perTestTimeoutMs !== undefined) return i.perTestTimeoutMs;
  if (i.subtestJobTimeouts !== undefined && i.jobTimeoutMs !== null) {
    // Ten hangs on a driver with a 30 s timeout need 10 x the budget of one, whatever fixed floor the subtest gives.
    const scaled = i.jobTimeoutMs * JOB_TIMEOUT_FACTOR * i.subtestJobTimeouts + MARGIN_MS;
    return Math.max(i.subtestTimeoutMs ?? DEFAULT_TEST_TIMEOUT_MS / 2, scaled);
  }
  if (i.subtestTimeoutMs !== undefined) return i.subtestTimeoutMs;
  if (i.jobTimeoutMs !== null) return Math.max(MIN_MS, i.jobTimeoutMs * JOB_TIMEOUT_FACTOR + MARGIN_MS);
  return DEFAULT_TEST_TIMEOUT_MS;
}
