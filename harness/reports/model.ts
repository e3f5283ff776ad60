/**
 * The report model every format is written from: one run, its devices,
 * every planned test's result (notrun included) and whether it was expected.
 */
import type { Verdict } from '../runner/expectations';
import type { TestResult } from '../runner/result';
import type { Totals } from '../runner/status';

export interface DeviceMeta {
  readonly label: string;
  readonly driver: string | null;
  readonly simulated: boolean;
  readonly devnode: string;
  readonly bus: string | null;
  readonly pciSlot?: string;
  readonly pciId?: string;
  /** DRM_IOCTL_VERSION: `name major.minor.patch (date)`. */
  readonly version?: string;
  readonly jobTimeoutMs: number | null;
  readonly simSpec?: string;
}

export interface ReportTest extends TestResult {
  readonly family: string;
  readonly subtest: string;
  readonly verdict: Verdict;
  /** What the expectation files said about it. */
  readonly note?: string;
  /** What the test requires of the device and its adapter (Subtest.requires). */
  readonly requires?: readonly string[];
}

export interface DeviceReport {
  readonly meta: DeviceMeta;
  readonly tests: readonly ReportTest[];
  /** Why the device's remaining tests were not run. */
  readonly aborted?: string;
  readonly totals: Totals;
  readonly unexpected: number;
  readonly start: number;
  readonly end: number;
}

export interface RunReport {
  readonly name: string;
  readonly id: string;
  readonly host: string;
  readonly uname: string;
  readonly start: number;
  readonly end: number;
  readonly argv: readonly string[];
  readonly options: Readonly<Record<string, string | number | boolean | null>>;
  readonly devices: readonly DeviceReport[];
  /** Why the whole run stopped early (overall timeout, interrupt). */
  readonly aborted?: string;
  readonly expectationSources: readonly string[];
  readonly notices: readonly string[];
}

export const ABORT_PSEUDO_TEST = 'accel@runner@aborted';

