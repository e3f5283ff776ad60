/**
 * Builds the report model from a results directory's run.json and journal:
 * the same code for a finished run, a resumed one, or one killed halfway.
 */
import { join } from 'node:path';
import { classify } from '../runner/expectations';
import { expectationsFor } from '../runner/expectation-files';
import { JOURNAL_FILE, readJournal, replay, resultKey } from '../runner/journal';
import { splitName, type TestResult } from '../runner/result';
import type { SavedRun } from '../runner/run-config';
import { emptyTotals } from '../runner/status';
import { ABORT_PSEUDO_TEST, type DeviceReport, type ReportTest, type RunReport } from './model';

export function buildReport(dir: string, saved: SavedRun): RunReport {
  const { records, damaged } = readJournal(join(dir, JOURNAL_FILE));
  const state = replay(records);
  const notices = [...saved.notices];
  if (damaged > 0) notices.push(`${damaged} unreadable journal line(s) ignored (a torn write at a kill)`);

  const devices: DeviceReport[] = saved.devices.map((meta) => {
    const exp = expectationsFor(saved, meta.label);
    const aborted = state.deviceAborts.get(meta.label) ?? undefined;
    const inFlight = new Map(state.inFlight.filter((f) => f.device === meta.label).map((f) => [f.name, f.at]));
    const notRunReason = aborted ?? state.runAbort ?? 'not run (the run was stopped before it)';
    const results: TestResult[] = (saved.plan[meta.label] ?? []).map((name) => {
      const r = state.results.get(resultKey(meta.label, name));
      if (r) return r;
      const at = inFlight.get(name);
      if (at !== undefined) {
        return { device: meta.label, name, status: 'incomplete', out: '', err: '', dmesg: '', message: 'in flight when the harness stopped', start: at, end: at };
      }
      const t = state.lastAt ?? saved.createdAt;
      return { device: meta.label, name, status: 'notrun', out: '', err: '', dmesg: '', message: notRunReason, start: t, end: t };
    });
    if (aborted) {
      const t = state.lastAt ?? saved.createdAt;
      // IGT's runner records an abort the same way, as igt@runner@aborted.
      results.push({ device: meta.label, name: ABORT_PSEUDO_TEST, status: 'abort', out: aborted, err: '', dmesg: '', message: aborted, start: t, end: t });
    }
    const tests: ReportTest[] = results.map((r) => {
      const c = classify(r.name, r.status, exp);
      const requires = saved.requirements?.[r.name];
      return {
        ...r,
        ...splitName(r.name),
        verdict: c.verdict,
        ...(c.note !== undefined ? { note: c.note } : {}),
        ...(requires && requires.length > 0 ? { requires } : {}),
      };
    });
    const totals = emptyTotals();
    for (const t of tests) totals[t.status]++;
    const starts = tests.filter((t) => t.status !== 'notrun').map((t) => t.start);
    const ends = tests.filter((t) => t.status !== 'notrun').map((t) => t.end);
    return {
      meta,
      tests,
      ...(aborted ? { aborted } : {}),
      totals,
      unexpected: tests.filter((t) => t.verdict === 'unexpected').length,
      start: starts.length ? Math.min(...starts) : saved.createdAt,
      end: ends.length ? Math.max(...ends) : saved.createdAt,
    };
  });

  return {
    name: saved.name,
    id: saved.id,
    host: saved.host,
    uname: saved.uname,
    start: state.firstAt ?? saved.createdAt,
    end: state.lastAt ?? saved.createdAt,
    argv: saved.argv,
    options: {
      device: saved.deviceFilter ?? null,
      jobs: saved.jobs,
      'per-test-timeout-ms': saved.perTestTimeoutMs ?? null,
      'overall-timeout-ms': saved.overallTimeoutMs ?? null,
      'max-timeouts-in-row': saved.maxTimeoutsInRow,
      'allow-destructive': saved.runOptions.allowDestructive,
      'job-timeout-ms': saved.runOptions.jobTimeoutMs ?? null,
    },
    devices,
    ...(state.runAbort ? { aborted: state.runAbort } : {}),
    // The user's files and every device's shipped ones, each once.
    expectationSources: [...new Set(saved.devices.flatMap((d) => expectationsFor(saved, d.label).sources))],
    notices,
  };
}

export type ExitReason = 'ok' | 'unexpected' | 'aborted';

/** 3 beats 1: an aborted run's failures are not the whole story. */
export function runVerdict(r: RunReport): ExitReason {
  if (r.aborted || r.devices.some((d) => d.aborted)) return 'aborted';
  if (r.devices.some((d) => d.unexpected > 0)) return 'unexpected';
  return 'ok';
}
