/**
 * How conformance tests are declared, in the spirit of IGT's
 * igt_main/igt_subtest: a family (one folder of tests/) is a list of
 * subtests, each with a one-line rule and the kernel (or documentation)
 * reference it checks. Full names are `accel@<family>@<subtest>`.
 */
import type { AccelDevice } from '../discovery/types';
import type { AdapterCapabilities, CapabilityGroup, DriverAdapter } from '../../drivers/adapter';
import type { DriverProfile } from '../../drivers/profile';
import type { Sys } from '../sys/types';
import { isRequirement, type Requirement } from './requirements';

export const SUBTEST_NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export interface DeviceUnderTest {
  /** Short label for reports (harness/discovery/find.ts deviceLabel): `accel0`, `card0`, `sim:apu`, or `sim:apu/accel1` for a spec given twice. */
  readonly label: string;
  readonly info: AccelDevice;
  readonly profile: DriverProfile;
  readonly sys: Sys;
  /** The adapter for this driver on this Sys, or null when none is known. */
  readonly adapter: DriverAdapter | null;
  readonly simulated: boolean;
}

export interface RunOptions {
  /** --job-timeout-ms: overrides the profile's scheduler timeout. */
  readonly jobTimeoutMs?: number;
  /** --allow-destructive: lets hang/reset/crash tests run on real devices. */
  readonly allowDestructive: boolean;
}

export interface TestContext {
  readonly dev: DeviceUnderTest;
  readonly sys: Sys;
  /** Other selected devices reachable through the same Sys (cross-device tests). */
  readonly others: readonly DeviceUnderTest[];
  readonly options: RunOptions;
  /** options.jobTimeoutMs, else the profile's timeout, else null. */
  readonly jobTimeoutMs: number | null;
  /** Opens the device node (default O_RDWR | O_CLOEXEC); closed after the test unless `close`d. */
  open(flags?: number, device?: DeviceUnderTest): number;
  /** Closes an fd from `open` and stops tracking it. */
  close(fd: number): void;
  /** The driver adapter, or SKIP naming the missing adapter. */
  adapter(device?: DeviceUnderTest): DriverAdapter;
  /**
   * One capability group of the adapter, or SKIP naming it. A test declares
   * what it needs in `requires`, so this only skips for a group the test
   * uses without declaring it.
   */
  capability<K extends CapabilityGroup>(group: K, device?: DeviceUnderTest): NonNullable<AdapterCapabilities[K]>;
  /** Runs after the test, last registered first, even when it fails. */
  defer(fn: () => void | Promise<void>): void;
  skip(reason: string): never;
  /**
   * Skips one part of the rule, with the reason (the device offers no way to
   * check it), and goes on: a test that passes says in its result message
   * which parts were not checked, instead of passing as if they were.
   */
  skipPart(what: string, reason: string): void;
  log(line: string): void;
}

export interface Subtest {
  readonly name: string;
  /** One line: the rule this subtest checks. */
  readonly description: string;
  /** Where the rule comes from: a kernel file (and function) or a documentation page. */
  readonly reference: string;
  /** Hangs, resets or crashes the device: real devices need --allow-destructive. */
  readonly destructive?: boolean;
  /** Per-test watchdog budget in ms of wall time, when the default does not fit. */
  readonly timeoutMs?: number;
  /**
   * Job timeouts the test waits out one after another (ten hangs: 10): the
   * watchdog then scales with the driver's timeout (a 30 s one included),
   * with `timeoutMs` as the floor.
   */
  readonly jobTimeouts?: number;
  /**
   * What the test needs of the device and its adapter (harness/testing/requirements.ts).
   * Checked before the body runs: the test skips naming every unmet one.
   */
  readonly requires?: readonly Requirement[];
  run(t: TestContext): Promise<void> | void;
}

/**
 * A subtest declared beside its body, as IGT's igt_subtest blocks are:
 * `const basicFoo = subtest({ name, description, reference, requires }, async (t) => { ... })`,
 * then listed in order in its family's defineFamily. Annotate the body's
 * parameter (`t: TestContext`): TypeScript narrows after `t.skip(...)` (a
 * `never` method) only through an explicitly typed reference.
 */
export function subtest(rule: Omit<Subtest, 'run'>, run: Subtest['run']): Subtest {
  return { ...rule, run };
}

export interface Family {
  readonly name: string;
  readonly description: string;
  readonly subtests: readonly Subtest[];
  /**
   * A driver's own family (accel@ivpu@...): the drivers (DriverProfile.driver)
   * whose devices it is planned on. Absent: a generic family, planned on every
   * device. Each such family's tests still skip by themselves on another
   * driver's device when run directly.
   */
  readonly drivers?: readonly string[];
}

export interface FamilyOptions {
  /** Family.drivers. */
  readonly drivers?: readonly string[];
}

export function fullName(family: string, subtest: string): string {
  return `accel@${family}@${subtest}`;
}

export function defineFamily(name: string, description: string, subtests: readonly Subtest[], options: FamilyOptions = {}): Family {
  if (!SUBTEST_NAME.test(name)) throw new Error(`family name '${name}' is not kebab-case`);
  const seen = new Set<string>();
  for (const s of subtests) {
    if (!SUBTEST_NAME.test(s.name)) throw new Error(`subtest '${name}@${s.name}' is not kebab-case`);
    if (seen.has(s.name)) throw new Error(`subtest '${name}@${s.name}' is declared twice`);
    if (!s.description.trim() || s.description.includes('\n')) {
      throw new Error(`subtest '${name}@${s.name}' needs a one-line description`);
    }
    if (!s.reference.trim()) throw new Error(`subtest '${name}@${s.name}' needs a reference`);
    for (const r of s.requires ?? []) {
      if (!isRequirement(r)) throw new Error(`subtest '${name}@${s.name}' requires '${String(r)}', which is no known requirement`);
    }
    seen.add(s.name);
  }
  if (options.drivers !== undefined && options.drivers.length === 0) throw new Error(`family '${name}' names an empty driver list`);
  return { name, description, subtests, ...(options.drivers ? { drivers: options.drivers } : {}) };
}

/** Thrown by `t.skip`: the test does not apply, with the reason. */
export class SkipError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'SkipError';
  }
}

/** Thrown by the assertion helpers: the device broke the rule. */
export class TestFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TestFailure';
  }
}
