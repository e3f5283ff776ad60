/**
 * What the runner needs from the rest of the project, behind one small
 * interface so the runner can be proven on fixture families and a fake
 * session. A suite module (the real one is ./real-suite) exports `suite`.
 * The parent loads it to plan; each worker child loads it again to run,
 * because devices (a Sys, a simulated kernel) cannot cross a process boundary.
 */
import type { DeviceUnderTest, Family, RunOptions, Subtest } from '../testing/define';
import type { SubtestResult } from '../testing/execute';

export interface OpenedSession {
  readonly devices: readonly DeviceUnderTest[];
  /** Said once to the user, e.g. "no accel device found: running sim:apu;sim:mt8183". */
  readonly notice?: string;
  close?(): Promise<void> | void;
}

export interface RunSubtestRequest {
  readonly family: Family;
  readonly subtest: Subtest;
  readonly dev: DeviceUnderTest;
  readonly others: readonly DeviceUnderTest[];
  readonly options: RunOptions;
}

/** drm-ci expectation files a suite ships for a device's driver (absolute paths). */
export interface ShippedFiles {
  /** The driver name the files are for. */
  readonly driver: string;
  readonly fails?: string;
  readonly flakes?: string;
  readonly skips?: string;
}

export interface SuiteProvider {
  readonly families: readonly Family[];
  openSession(device: string | undefined): Promise<OpenedSession>;
  runSubtest(req: RunSubtestRequest): Promise<SubtestResult>;
  /**
   * Loads driver plugins (docs/adapters.md) into this process before a
   * session opens; a bad one throws ConfigError. Absent: the suite takes none.
   */
  loadDriverPlugins?(paths: readonly string[]): void;
  /** The expectation files shipped for the device's driver, if any. */
  shippedExpectations?(dev: DeviceUnderTest): ShippedFiles | undefined;
}

/** The module a `suiteModule` path points at. */
export interface SuiteModule {
  readonly suite: SuiteProvider;
}

function isSuiteModule(m: unknown): m is SuiteModule {
  if (typeof m !== 'object' || m === null || !('suite' in m)) return false;
  const s = (m as { suite: unknown }).suite;
  return typeof s === 'object' && s !== null && 'families' in s && 'openSession' in s && 'runSubtest' in s;
}

export function loadSuite(modulePath: string): SuiteProvider {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const m: unknown = require(modulePath);
  if (!isSuiteModule(m)) throw new Error(`${modulePath} does not export a 'suite' (SuiteProvider)`);
  return m.suite;
}
