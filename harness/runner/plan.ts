/**
 * Which tests run: every subtest of every family, narrowed by -t, -x,
 * --test-list and the drm-ci skips list, in declaration order (or the test
 * list's order). Pure: it only reads the families.
 */
import type { Family } from '../testing/define';
import { fullName } from '../testing/define';
import type { GlobList } from './glob';
import { globMatchesTest } from './glob';

export interface PlannedTest {
  readonly name: string;
  readonly family: string;
  readonly subtest: string;
  readonly description: string;
  readonly reference: string;
  readonly destructive: boolean;
  readonly timeoutMs?: number;
  /** Job timeouts the test waits out in a row (Subtest.jobTimeouts). */
  readonly jobTimeouts?: number;
  /** What the test needs (Subtest.requires), for --describe and the reports. */
  readonly requires: readonly string[];
  /** A driver family's drivers (Family.drivers): the test is planned only on their devices. */
  readonly drivers?: readonly string[];
}

export interface Selection {
  readonly include?: GlobList;
  readonly exclude?: GlobList;
  /** Names from --test-list, in the list's order. */
  readonly testList?: readonly string[];
  /** drm-ci skips: never run. */
  readonly skips?: readonly RegExp[];
}

export function allTests(families: readonly Family[]): PlannedTest[] {
  return families.flatMap((f) =>
    f.subtests.map((s) => ({
      name: fullName(f.name, s.name),
      family: f.name,
      subtest: s.name,
      description: s.description,
      reference: s.reference,
      destructive: s.destructive === true,
      requires: s.requires ?? [],
      ...(s.timeoutMs !== undefined ? { timeoutMs: s.timeoutMs } : {}),
      ...(s.jobTimeouts !== undefined ? { jobTimeouts: s.jobTimeouts } : {}),
      ...(f.drivers ? { drivers: f.drivers } : {}),
    })),
  );
}

/** Whether a test is planned on a device its driver drives: generic tests everywhere, a driver family's on its drivers only. */
export function appliesToDriver(test: PlannedTest, driver: string): boolean {
  return test.drivers === undefined || test.drivers.includes(driver);
}

export function selectTests(families: readonly Family[], sel: Selection): PlannedTest[] {
  let tests = allTests(families);
  if (sel.testList) {
    const byName = new Map(tests.map((t) => [t.name, t]));
    const seen = new Set<string>();
    tests = [];
    for (const n of sel.testList) {
      const t = byName.get(n);
      if (t && !seen.has(n)) tests.push(t);
      seen.add(n);
    }
  }
  return tests.filter(
    (t) =>
      (!sel.include || globMatchesTest(sel.include, t.family, t.subtest)) &&
      !(sel.exclude && sel.exclude.patterns.length > 0 && excluded(sel.exclude, t)) &&
      !(sel.skips ?? []).some((re) => re.test(t.name)),
  );
}

/** -x patterns remove what they match; a `!` inside -x keeps it (IGT's semantics). */
function excluded(list: GlobList, t: PlannedTest): boolean {
  return globMatchesTest(list, t.family, t.subtest);
}
