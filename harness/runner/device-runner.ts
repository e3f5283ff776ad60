/**
 * Runs one device's tests, one worker child at a time: a hang is killed by
 * the watchdog and recorded `timeout`, a dead worker is recorded `crash`,
 * and a fresh worker goes on with the next test. A device that does not
 * come back ONLINE, or times out too often in a row, is given up on.
 */
import type { RunOptions } from '../testing/define';
import type { RunControl } from './control';
import type { RunEvents } from './events';
import { classify, type Expectations } from './expectations';
import type { Journal } from './journal';
import { judge, type KernelLog } from './kmsg';
import type { PlannedTest } from './plan';
import type { TestResult } from './result';
import type { Status } from './status';
import { testTimeoutMs } from './timeouts';
import { WorkerClient, type RunOutcome, type WorkerTimings } from './worker-client';

export interface DeviceRunSettings {
  readonly suiteModule: string;
  readonly deviceFilter?: string;
  readonly runOptions: RunOptions;
  /** Driver plugins each worker loads before opening its session. */
  readonly driverPlugins?: readonly string[];
  readonly perTestTimeoutMs?: number;
  readonly maxTimeoutsInRow: number;
  readonly recoveryMs: number;
  readonly timings: WorkerTimings;
}

export interface DeviceJob {
  readonly label: string;
  readonly tests: readonly PlannedTest[];
  /** --job-timeout-ms or the profile's: the base of the default watchdog budget. */
  readonly jobTimeoutMs: number | null;
  readonly kernelLog: KernelLog | null;
}

export interface DeviceRunContext {
  readonly settings: DeviceRunSettings;
  readonly journal: Journal;
  readonly events: RunEvents;
  readonly control: RunControl;
  /** The expectations a device is judged by (shipped for its driver plus the user's). */
  readonly expectationsFor: (label: string) => Expectations;
}

/** Applies IGT's dmesg rule: a flagged pass becomes dmesg-warn, a flagged fail dmesg-fail. */
export function withDmesg(status: Status, flagged: boolean): Status {
  if (!flagged) return status;
  if (status === 'pass') return 'dmesg-warn';
  if (status === 'fail') return 'dmesg-fail';
  return status;
}

function toResult(label: string, t: PlannedTest, o: RunOutcome, timeoutMs: number, start: number, control: RunControl): Omit<TestResult, 'dmesg'> {
  const end = Date.now() / 1000;
  const base = { device: label, name: t.name, start, end, err: o.err };
  switch (o.kind) {
    case 'result': {
      const out = [...o.outcome.log, ...(o.out ? [o.out.trimEnd()] : [])].join('\n');
      return {
        ...base,
        status: o.outcome.status,
        out,
        testMs: o.outcome.durationMs,
        ...(o.outcome.message !== undefined ? { message: o.outcome.message } : {}),
        ...(o.outcome.details !== undefined ? { details: o.outcome.details } : {}),
      };
    }
    case 'timeout':
      return { ...base, status: 'timeout', out: o.out, message: `no result within ${timeoutMs} ms: worker stopped with ${o.killedWith}` };
    case 'crash':
      return { ...base, status: 'crash', out: o.out, message: o.reason };
    case 'stopped':
      // The overall timeout is a watchdog too: what it cut short timed out (docs/runner.md, step 8).
      if (control.cause === 'overall-timeout') {
        return { ...base, status: 'timeout', out: o.out, message: `the overall timeout expired while this test ran (${o.reason}); worker stopped` };
      }
      return { ...base, status: 'incomplete', out: o.out, message: `stopped: ${o.reason}` };
  }
}

export async function runDevice(job: DeviceJob, ctx: DeviceRunContext): Promise<void> {
  const { settings, journal, events, control } = ctx;
  const expectations = ctx.expectationsFor(job.label);
  const init = {
    type: 'init' as const,
    suiteModule: settings.suiteModule,
    label: job.label,
    runOptions: settings.runOptions,
    recoveryMs: settings.recoveryMs,
    ...(settings.driverPlugins && settings.driverPlugins.length > 0 ? { driverPlugins: settings.driverPlugins } : {}),
    ...(settings.deviceFilter !== undefined ? { deviceFilter: settings.deviceFilter } : {}),
  };
  const abort = (reason: string): void => {
    journal.append({ type: 'device-abort', device: job.label, reason, at: Date.now() / 1000 });
    events.onDeviceAbort(job.label, reason);
  };

  let worker: WorkerClient | null = null;
  let timeoutsInRow = 0;
  let previous: string | null = null;
  try {
    for (const t of job.tests) {
      if (control.reason !== null) return;
      if (!worker) {
        try {
          const started = await WorkerClient.start(init, settings.timings);
          worker = started.worker;
          if (!started.health.online) {
            abort(`${job.label} is not ONLINE${previous ? ` after ${previous}` : ''} (${started.health.detail})`);
            return;
          }
        } catch (e) {
          abort((e as Error).message);
          return;
        }
        // Stopped while the worker started: the next test never began, so it is notrun.
        if (control.reason !== null) return;
      }
      const timeoutMs = testTimeoutMs({
        jobTimeoutMs: settings.runOptions.jobTimeoutMs ?? job.jobTimeoutMs,
        ...(settings.perTestTimeoutMs !== undefined ? { perTestTimeoutMs: settings.perTestTimeoutMs } : {}),
        ...(t.timeoutMs !== undefined ? { subtestTimeoutMs: t.timeoutMs } : {}),
        ...(t.jobTimeouts !== undefined ? { subtestJobTimeouts: t.jobTimeouts } : {}),
      });
      const start = Date.now() / 1000;
      journal.append({ type: 'start', device: job.label, name: t.name, at: start, ...(worker.pid !== undefined ? { pid: worker.pid } : {}) });
      events.onTestStart(job.label, t.name);
      const mark = job.kernelLog?.mark();
      const outcome = await worker.run(t.name, timeoutMs, control.stopped);
      const partial = toResult(job.label, t, outcome, timeoutMs, start, control);
      // A simulated device's log comes from its worker; a real one's from the machine's /dev/kmsg.
      const captured = outcome.kind === 'result' && outcome.kernelLog ? outcome.kernelLog : job.kernelLog && mark ? job.kernelLog.since(mark) : null;
      const dmesg = captured ? judge(captured) : { flagged: false, text: '' };
      const status = withDmesg(partial.status, dmesg.flagged);
      const message = dmesg.flagged && dmesg.reason ? [partial.message, dmesg.reason].filter(Boolean).join('; ') : partial.message;
      const result: TestResult = { ...partial, status, dmesg: dmesg.text, ...(message !== undefined ? { message } : {}) };
      journal.append({ type: 'result', ...result });
      events.onTestEnd(result, classify(result.name, result.status, expectations));
      previous = t.name;

      if (outcome.kind !== 'result') worker = null;
      timeoutsInRow = outcome.kind === 'timeout' ? timeoutsInRow + 1 : 0;
      if (outcome.kind === 'stopped') return;
      if (timeoutsInRow >= settings.maxTimeoutsInRow) {
        abort(`${timeoutsInRow} timeouts in a row (--max-timeouts-in-row ${settings.maxTimeoutsInRow}), last ${t.name}: the device looks wedged`);
        return;
      }
      if (outcome.kind === 'result' && !outcome.health.online) {
        abort(`${job.label} is not ONLINE after ${t.name} (${outcome.health.detail})`);
        return;
      }
    }
  } finally {
    await worker?.stop();
  }
}
