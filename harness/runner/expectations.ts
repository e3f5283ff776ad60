/**
 * Expected results in the kernel's drm-ci format
 * (drivers/gpu/drm/ci/xfails/<driver>-<board>-{fails,flakes,skips}.txt):
 *
 *  - fails: `test-name,Status` lines, Status one of drm-ci's Fail, Crash,
 *    Timeout, Warn, Skip, Pass (IGT status names are accepted too);
 *  - flakes: one regular expression a line; any result of a matching test
 *    is expected;
 *  - skips: one regular expression a line; matching tests are not run.
 *
 * Names may be written with or without the `accel@` prefix, as drm-ci's IGT
 * lists leave out `igt@`.
 */
import { ConfigError } from './config-error';
import { isFailing, isStatus, type Status } from './status';

/** drm-ci's vocabulary (deqp-runner's status names). */
export type CiStatus = 'Pass' | 'Fail' | 'Crash' | 'Timeout' | 'Warn' | 'Skip' | 'Missing';

const CI_STATUSES: readonly CiStatus[] = ['Pass', 'Fail', 'Crash', 'Timeout', 'Warn', 'Skip', 'Missing'];

export function toCiStatus(s: Status): CiStatus {
  switch (s) {
    case 'pass':
      return 'Pass';
    case 'fail':
    case 'dmesg-fail':
      return 'Fail';
    case 'dmesg-warn':
      return 'Warn';
    case 'skip':
      return 'Skip';
    case 'timeout':
      return 'Timeout';
    case 'crash':
    case 'incomplete':
    case 'abort':
      return 'Crash';
    case 'notrun':
      return 'Missing';
  }
}

export interface Expectations {
  /** Expected result by full test name. */
  readonly fails: ReadonlyMap<string, CiStatus>;
  readonly flakes: readonly RegExp[];
  readonly skips: readonly RegExp[];
  readonly sources: readonly string[];
  /**
   * Listed failures from the lists shipped per driver (not the user's): they
   * hold for every board of the driver, and where the test cannot run here (a
   * working NPU gives no never-completing job, no --allow-destructive) a skip
   * judges nothing. A user's own list is about this machine, so a skip of
   * one of its entries stays drm-ci's unexpected result.
   */
  readonly skipNotJudged?: ReadonlySet<string>;
}

/** `family@subtest` is shorthand for `accel@family@subtest` wherever a test is named. */
export function withPrefix(name: string): string {
  return name.startsWith('accel@') ? name : `accel@${name}`;
}

function contentLines(text: string): { line: string; no: number }[] {
  return text
    .split(/\r?\n/)
    .map((raw, i) => ({ line: raw.trim(), no: i + 1 }))
    .filter(({ line }) => line !== '' && !line.startsWith('#'));
}

export interface FailLine {
  readonly name: string;
  readonly status: CiStatus;
  readonly no: number;
}

export function parseFailLines(text: string, file: string): FailLine[] {
  return contentLines(text).map(({ line, no }) => {
    const m = /^([^,\s]+)\s*,\s*([A-Za-z-]+)$/.exec(line);
    if (!m) throw new ConfigError(`${file}:${no}: expected 'test-name,Status', got '${line}'`);
    const word = m[2];
    const ci = CI_STATUSES.find((c) => c.toLowerCase() === word.toLowerCase());
    const status: CiStatus | undefined = ci ?? (isStatus(word) ? toCiStatus(word) : undefined);
    if (!status) {
      throw new ConfigError(`${file}:${no}: unknown status '${word}' (one of ${CI_STATUSES.join(', ')})`);
    }
    return { name: withPrefix(m[1]), status, no };
  });
}

export function parseFails(text: string, file: string): Map<string, CiStatus> {
  return new Map(parseFailLines(text, file).map((l) => [l.name, l.status]));
}

/**
 * A fails line naming no test of the suite is a typo (or a renamed test):
 * it would silently expect nothing, so it is a configuration error.
 */
export function checkFailNames(text: string, file: string, known: ReadonlySet<string>): void {
  for (const l of parseFailLines(text, file)) {
    if (!known.has(l.name)) throw new ConfigError(`${file}:${l.no}: no test is named '${l.name}' (see --list-subtests)`);
  }
}

export function parseRegexList(text: string, file: string): RegExp[] {
  return contentLines(text).map(({ line, no }) => {
    try {
      // drm-ci matches these against the name without `igt@`; we accept both forms.
      return new RegExp(`^(?:accel@)?(?:${line})$`);
    } catch (e) {
      throw new ConfigError(`${file}:${no}: bad regular expression '${line}': ${(e as Error).message}`);
    }
  });
}

export type Verdict = 'expected' | 'unexpected';

export interface Classified {
  readonly verdict: Verdict;
  /** Why, when the expectation files changed the verdict. */
  readonly note?: string;
}

/**
 * A result is unexpected when it fails without being listed, when it is
 * listed with another result, or when a listed failure now passes (drm-ci's
 * UnexpectedPass: the list must be updated, so the run fails). A test of a
 * driver's shipped list that skips is expected (Expectations.skipNotJudged).
 */
export function classify(name: string, status: Status, exp: Expectations): Classified {
  if (exp.flakes.some((re) => re.test(name))) return { verdict: 'expected', note: 'listed as a flake' };
  const listed = exp.fails.get(name);
  const got = toCiStatus(status);
  if (listed !== undefined) {
    if (listed === got) return { verdict: 'expected', note: `expected ${listed}` };
    if (status === 'skip' && exp.skipNotJudged?.has(name)) {
      return { verdict: 'expected', note: `listed as ${listed} for the driver; skipped here, so not judged` };
    }
    if (status === 'pass') return { verdict: 'unexpected', note: `unexpected pass: listed as ${listed}, remove it` };
    return { verdict: 'unexpected', note: `expected ${listed}, got ${got}` };
  }
  return { verdict: isFailing(status) ? 'unexpected' : 'expected' };
}
