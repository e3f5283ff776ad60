/**
 * results.json in the IGT/piglit results format (results_version 10), so
 * piglit summary, IGT's tools and CI dashboards that read IGT runs read ours.
 */
import { STATUSES, emptyTotals, type Totals } from '../runner/status';
import type { DeviceReport, RunReport } from './model';

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
  readonly 'accel-verdict': string;
  readonly 'accel-message'?: string;
}

export interface PiglitResults {
  readonly __type__: 'TestrunResult';
  readonly results_version: 10;
  readonly name: string;
  readonly uname: string;
  readonly time_elapsed: TimeAttribute;
  readonly tests: Record<string, PiglitTest>;
  readonly totals: Record<string, Totals>;
  readonly runtimes: Record<string, number>;
  readonly options: Record<string, unknown>;
  readonly info: Record<string, unknown>;
}

function time(start: number, end: number): TimeAttribute {
  return { __type__: 'TimeAttribute', start, end };
}

/** piglit keeps totals for the root ('' and 'root') and for every group prefix. */
function totals(d: DeviceReport): Record<string, Totals> {
  const out: Record<string, Totals> = { '': emptyTotals(), root: emptyTotals() };
  for (const t of d.tests) {
    const parts = t.name.split('@');
    out[''][t.status]++;
    out.root[t.status]++;
    for (let i = 1; i < parts.length; i++) {
      const g = parts.slice(0, i).join('@');
      (out[g] ??= emptyTotals())[t.status]++;
    }
  }
  return out;
}

export function deviceResults(run: RunReport, d: DeviceReport): PiglitResults {
  const tests: Record<string, PiglitTest> = {};
  const runtimes: Record<string, number> = {};
  for (const t of d.tests) {
    tests[t.name] = {
      result: t.status,
      out: t.out,
      err: t.err,
      dmesg: t.dmesg,
      time: time(t.start, t.end),
      'accel-verdict': t.verdict,
      ...(t.message !== undefined || t.note !== undefined ? { 'accel-message': [t.message, t.note].filter(Boolean).join('; ') } : {}),
    };
    runtimes[t.name] = Math.max(0, t.end - t.start);
  }
  return {
    __type__: 'TestrunResult',
    results_version: 10,
    name: `${run.name} ${d.meta.label}`,
    uname: run.uname,
    time_elapsed: time(d.start, d.end),
    tests,
    totals: totals(d),
    runtimes,
    options: { ...run.options, argv: run.argv, statuses: STATUSES },
    info: {
      device: d.meta,
      run_id: run.id,
      host: run.host,
      aborted: d.aborted ?? run.aborted ?? null,
      expectations: run.expectationSources,
      unexpected: d.unexpected,
    },
  };
}

export function deviceFileName(label: string): string {
  return `results-${label.replace(/[^A-Za-z0-9._-]+/g, '_')}.json`;
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
