/**
 * results.json in the IGT/piglit results format (results_version 10), so
 * piglit summary, IGT's tools and CI dashboards that read IGT runs read ours.
 */
import { STATUSES, type Status, type Totals } from '../runner/status';
import type { DeviceReport, ReportTest, RunReport } from './model';

interface TimeAttribute {
  readonly __type__: 'TimeAttribute';
  readonly start: number;
  readonly end: number;
}

export interface PiglitTest {
  readonly result: string;
  readonly out: string;
  readonly err: string;
  readonly dmesg: string;
  readonly time: TimeAttribute;
  readonly command?: string;
  readonly pid?: readonly number[];
  /** Our status when `result` had to be one piglit knows (abort). */
  readonly 'accel-status'?: Status;
  readonly 'accel-verdict': string;
  readonly 'accel-message'?: string;
  /** What the test requires of the device and its adapter (docs/adapters.md). */
  readonly 'accel-requires'?: readonly string[];
}

export interface PiglitResults {
  readonly __type__: 'TestrunResult';
  readonly results_version: 10;
  readonly name: string;
  readonly uname: string;
  readonly time_elapsed: TimeAttribute;
  readonly tests: Record<string, PiglitTest>;
  readonly totals: Record<string, PiglitTotals>;
  readonly runtimes: Record<string, number>;
  readonly options: Record<string, unknown>;
  readonly info: Record<string, unknown>;
}

function time(start: number, end: number): TimeAttribute {
  return { __type__: 'TimeAttribute', start, end };
}

/** Counts under piglit's status names (no `abort`: see piglitResult). */
export type PiglitTotals = Record<string, number>;

function piglitTotals(): PiglitTotals {
  const t: PiglitTotals = {};
  for (const s of STATUSES) if (piglitResult(s) === s) t[s] = 0;
  return t;
}

/** piglit keeps totals for the root ('' and 'root') and for every group prefix. */
function totals(tests: Iterable<readonly [string, Status]>): Record<string, PiglitTotals> {
  const out: Record<string, PiglitTotals> = { '': piglitTotals(), root: piglitTotals() };
  for (const [name, status] of tests) {
    const parts = name.split('@');
    const r = piglitResult(status);
    out[''][r]++;
    out.root[r]++;
    for (let i = 1; i < parts.length; i++) {
      const g = parts.slice(0, i).join('@');
      (out[g] ??= piglitTotals())[r]++;
    }
  }
  return out;
}

/**
 * IGT's convention: `out` is the test's log (stdout), `err` carries the
 * reason a test did not pass (failure message, stack, skip reason, or the
 * runner's explanation of a crash, timeout or notrun) before the worker's
 * stderr, so igt_results, piglit summary and dashboards show why.
 */
export function errText(t: ReportTest): string {
  const head = [t.message, t.details, t.note ? `[${t.note}]` : undefined].filter((x): x is string => !!x).join('\n');
  return [head, t.err].filter((x) => x !== '').join('\n');
}

/**
 * piglit knows every status of ours but `abort`, and refuses a whole file
 * with one ("Unknown status"). IGT's runner writes its igt@runner@aborted
 * entry as `fail`; so do we, keeping ours in `accel-status`.
 */
export function piglitResult(s: Status): string {
  return s === 'abort' ? 'fail' : s;
}

interface PiglitPart {
  readonly tests: Record<string, PiglitTest>;
  readonly runtimes: Record<string, number>;
  readonly statuses: [string, Status][];
}

function piglitTests(d: DeviceReport, key: (name: string) => string): PiglitPart {
  const tests: Record<string, PiglitTest> = {};
  const runtimes: Record<string, number> = {};
  const statuses: [string, Status][] = [];
  for (const t of d.tests) {
    statuses.push([key(t.name), t.status]);
    tests[key(t.name)] = {
      result: piglitResult(t.status),
      ...(piglitResult(t.status) !== t.status ? { 'accel-status': t.status } : {}),
      out: t.out,
      err: errText(t),
      dmesg: t.dmesg,
      time: time(t.start, t.end),
      'accel-verdict': t.verdict,
      ...(t.requires ? { 'accel-requires': t.requires } : {}),
      ...(t.message !== undefined || t.note !== undefined ? { 'accel-message': [t.message, t.note].filter(Boolean).join('; ') } : {}),
    };
    runtimes[key(t.name)] = Math.max(0, t.end - t.start);
  }
  return { tests, runtimes, statuses };
}

/**
 * `info` holds objects only: piglit's `summary html` prints each value of
 * `info` as a string or walks it as a mapping, and crashes on anything else
 * (a null, a number or a list at the top level), so ours are grouped here.
 */
export const RUN_INFO = 'accel-conformance';

export interface RunInfo {
  readonly run_id: string;
  readonly host: string;
  readonly aborted: string | null;
  readonly expectations: readonly string[];
  readonly unexpected: number;
}

function runInfo(run: RunReport, aborted: string | null, unexpected: number): RunInfo {
  return { run_id: run.id, host: run.host, aborted, expectations: run.expectationSources, unexpected };
}

export function deviceResults(run: RunReport, d: DeviceReport): PiglitResults {
  const { tests, runtimes, statuses } = piglitTests(d, (n) => n);
  return {
    __type__: 'TestrunResult',
    results_version: 10,
    name: `${run.name} ${d.meta.label}`,
    uname: run.uname,
    time_elapsed: time(d.start, d.end),
    tests,
    totals: totals(statuses),
    runtimes,
    options: { ...run.options, argv: run.argv, statuses: STATUSES },
    info: {
      device: d.meta,
      [RUN_INFO]: runInfo(run, d.aborted ?? run.aborted ?? null, d.unexpected),
    },
  };
}

/** The device label as a name component: no '@' (piglit's group separator) or other oddities. */
export function deviceKey(label: string): string {
  return label.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/**
 * Every device in one IGT results file, for tools that only read
 * results.json: each test's key is `<device>@accel@<family>@<subtest>`,
 * so the device is piglit's top group and names stay unique.
 */
export function combinedResults(run: RunReport): PiglitResults {
  const tests: Record<string, PiglitTest> = {};
  const runtimes: Record<string, number> = {};
  const statuses: [string, Status][] = [];
  for (const d of run.devices) {
    const part = piglitTests(d, (n) => `${deviceKey(d.meta.label)}@${n}`);
    Object.assign(tests, part.tests);
    Object.assign(runtimes, part.runtimes);
    statuses.push(...part.statuses);
  }
  return {
    __type__: 'TestrunResult',
    results_version: 10,
    name: run.name,
    uname: run.uname,
    time_elapsed: time(run.start, run.end),
    tests,
    totals: totals(statuses),
    runtimes,
    options: { ...run.options, argv: run.argv, statuses: STATUSES },
    info: {
      devices: Object.fromEntries(
        run.devices.map((d) => [deviceKey(d.meta.label), { ...d.meta, key: deviceKey(d.meta.label), aborted: d.aborted ?? null, unexpected: d.unexpected }]),
      ),
      [RUN_INFO]: runInfo(run, run.aborted ?? null, run.devices.reduce((n, d) => n + d.unexpected, 0)),
    },
  };
}

export function deviceFileName(label: string): string {
  return `results-${deviceKey(label)}.json`;
}

export interface ResultsIndex {
  readonly __type__: 'AccelConformanceIndex';
  readonly name: string;
  readonly id: string;
  readonly uname: string;
  readonly time_elapsed: TimeAttribute;
  readonly aborted: string | null;
  readonly devices: readonly { label: string; file: string; totals: Totals; unexpected: number; aborted: string | null }[];
}

export function resultsIndex(run: RunReport): ResultsIndex {
  return {
    __type__: 'AccelConformanceIndex',
    name: run.name,
    id: run.id,
    uname: run.uname,
    time_elapsed: time(run.start, run.end),
    aborted: run.aborted ?? null,
    devices: run.devices.map((d) => ({
      label: d.meta.label,
      // One device keeps the name IGT tools look for.
      file: run.devices.length === 1 ? 'results.json' : deviceFileName(d.meta.label),
      totals: d.totals,
      unexpected: d.unexpected,
      aborted: d.aborted ?? null,
    })),
  };
}
