/**
 * The result statuses, as IGT's runner (and piglit before it) names them,
 * so that existing result tooling reads ours unchanged.
 */
export const STATUSES = [
  'pass',
  'fail',
  'skip',
  'timeout',
  'crash',
  'incomplete',
  'abort',
  'notrun',
  'dmesg-warn',
  'dmesg-fail',
] as const;

export type Status = (typeof STATUSES)[number];

export function isStatus(s: unknown): s is Status {
  return typeof s === 'string' && (STATUSES as readonly string[]).includes(s);
}

/** Statuses that mean the device or the driver did something wrong. */
const FAILING: ReadonlySet<Status> = new Set<Status>([
  'fail',
  'timeout',
  'crash',
  'incomplete',
  'abort',
  'dmesg-warn',
  'dmesg-fail',
]);

export function isFailing(s: Status): boolean {
  return FAILING.has(s);
}

/**
 * piglit's ordering (framework/status.py): a move up the list is a
 * regression, down is a fix. skip and notrun sit outside it because a test
 * that did not run says nothing about the driver.
 */
const SEVERITY: Readonly<Record<Status, number>> = {
  notrun: -2,
  skip: -1,
  pass: 0,
  'dmesg-warn': 1,
  fail: 2,
  'dmesg-fail': 3,
  timeout: 4,
  crash: 5,
  incomplete: 6,
  abort: 7,
};

export function severity(s: Status): number {
  return SEVERITY[s];
}

/** Counts per status, every status present (reports show zeros). */
export type Totals = Record<Status, number>;

export function emptyTotals(): Totals {
  const t = {} as Totals;
  for (const s of STATUSES) t[s] = 0;
  return t;
}
