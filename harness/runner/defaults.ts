/** Defaults of the runner's knobs, in one place for the CLI, its help and the docs. */
export const RUNNER_DEFAULTS = {
  maxTimeoutsInRow: 3,
  /** SIGTERM to SIGKILL. */
  killGraceMs: 2000,
  /** For a device to be ONLINE again after a test. */
  recoveryMs: 2000,
  /** For a worker to open its session (a simulated machine boots in it). */
  startupMs: 60_000,
} as const;
