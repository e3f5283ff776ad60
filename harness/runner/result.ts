import type { Status } from './status';

/** One finished test on one device, as the journal keeps it. */
export interface TestResult {
  readonly device: string;
  /** `accel@<family>@<subtest>` */
  readonly name: string;
  readonly status: Status;
  /** The test's log and the worker's stdout while it ran. */
  readonly out: string;
  /** The worker's stderr while it ran (a crash's last words). */
  readonly err: string;
  /** Kernel log lines captured while it ran ('' when not captured). */
  readonly dmesg: string;
  /** Failure message, skip reason, or why the runner gave this status. */
  readonly message?: string;
  /** Stack trace or further detail of a failure. */
  readonly details?: string;
  /** Wall clock, seconds since the epoch (piglit's TimeAttribute unit). */
  readonly start: number;
  readonly end: number;
  /** Milliseconds the test itself reported, when the worker lived to say. */
  readonly testMs?: number;
}

export function splitName(name: string): { family: string; subtest: string } {
  const [, family = '', subtest = ''] = name.split('@');
  return { family, subtest };
}
