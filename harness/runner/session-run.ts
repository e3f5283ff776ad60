/**
 * One session of a run (the first, or a resume): replays the journal,
 * records the test that was in flight at a kill as `incomplete`, then runs
 * what is left, devices in parallel with at most one worker each.
 */
import { join } from 'node:path';
import { RunControl } from './control';
import { runDevice, type DeviceRunContext } from './device-runner';
import type { RunEvents } from './events';
import { expectationsFor } from './expectation-files';
import { Journal, JOURNAL_FILE, readJournal, replay, resultKey } from './journal';
import { KernelLog, type KernelLogPaths } from './kmsg';
import { allTests, type PlannedTest } from './plan';
import type { SavedRun } from './run-config';
import { loadSuite } from './suite';

export interface SessionHooks {
  readonly events: RunEvents;
  /** Lets the caller stop the run (signals); the overall timeout is armed here. */
  readonly control?: RunControl;
  /** Where the kernel log and taint are read (self-tests point these elsewhere). */
  readonly kernelLogPaths?: KernelLogPaths;
}

/** Runs what the journal says is left of the plan; the journal and results directory hold the outcome. */
export async function runSession(dir: string, saved: SavedRun, resumed: boolean, hooks: SessionHooks): Promise<void> {
  const journalPath = join(dir, JOURNAL_FILE);
  const state = replay(readJournal(journalPath).records);
  const journal = new Journal(journalPath);
  const control = hooks.control ?? new RunControl();
  const now = (): number => Date.now() / 1000;
  journal.append({ type: 'session', at: now(), resumed });

  for (const f of state.inFlight) {
    const at = now();
    journal.append({
      type: 'result',
      device: f.device,
      name: f.name,
      status: 'incomplete',
      out: '',
      err: '',
      dmesg: '',
      message: 'the harness stopped while this test ran (killed, or the machine went down); not run again on resume',
      start: f.at,
      end: at,
    });
    state.results.set(resultKey(f.device, f.name), {
      device: f.device, name: f.name, status: 'incomplete', out: '', err: '', dmesg: '', start: f.at, end: at,
    });
  }

  const suite = loadSuite(saved.suiteModule);
  const byName = new Map<string, PlannedTest>(allTests(suite.families).map((t) => [t.name, t]));
  const wantLog = saved.kernelLog === 'on' || (saved.kernelLog === 'auto' && saved.devices.some((d) => !d.simulated));
  let kernelLog: KernelLog | null = null;
  if (wantLog) {
    const opened = KernelLog.open(hooks.kernelLogPaths);
    if ('log' in opened) kernelLog = opened.log;
    else hooks.events.onNotice(opened.problem);
  }

  const ctx: DeviceRunContext = {
    settings: {
      suiteModule: saved.suiteModule,
      runOptions: saved.runOptions,
      ...(saved.driverPlugins ? { driverPlugins: saved.driverPlugins } : {}),
      maxTimeoutsInRow: saved.maxTimeoutsInRow,
      recoveryMs: saved.recoveryMs,
      timings: { killGraceMs: saved.killGraceMs, startupMs: saved.startupMs },
      ...(saved.deviceFilter !== undefined ? { deviceFilter: saved.deviceFilter } : {}),
      ...(saved.perTestTimeoutMs !== undefined ? { perTestTimeoutMs: saved.perTestTimeoutMs } : {}),
    },
    journal,
    events: hooks.events,
    control,
    expectationsFor: (label) => expectationsFor(saved, label),
  };

  const jobs = saved.devices.map((d) => ({
    label: d.label,
    jobTimeoutMs: d.jobTimeoutMs,
    kernelLog: saved.kernelLog === 'on' || !d.simulated ? kernelLog : null,
    tests: (saved.plan[d.label] ?? [])
      .filter((n) => !state.results.has(resultKey(d.label, n)))
      .map((n) => byName.get(n))
      .filter((t): t is PlannedTest => t !== undefined),
  }));

  const timer = saved.overallTimeoutMs !== undefined
    ? setTimeout(() => control.stop(`overall timeout of ${saved.overallTimeoutMs! / 1000} s reached`, 'overall-timeout'), saved.overallTimeoutMs)
    : undefined;
  try {
    const queue = jobs.filter((j) => j.tests.length > 0);
    const lanes = Array.from({ length: Math.min(saved.jobs, queue.length) }, async () => {
      for (let job = queue.shift(); job; job = queue.shift()) {
        if (control.reason !== null) return;
        await runDevice(job, ctx);
      }
    });
    await Promise.all(lanes);
  } finally {
    clearTimeout(timer);
    if (control.reason !== null) journal.append({ type: 'run-abort', reason: control.reason, at: now() });
    journal.append({ type: 'session-end', at: now() });
    journal.close();
    kernelLog?.close();
  }
}
