/**
 * Runner benchmark: the whole suite on both bundled simulated drivers
 * through the real runner (worker children, journal, reports), and the
 * harness's overhead per test: total wall time minus the time inside
 * tests, divided by the number of tests. Because that includes start-up
 * (loading the suite, booting a simulated machine in each worker), the
 * steady-state figure is given too: the time each device was busy between
 * its first test's start and its last test's end, minus the time inside
 * tests, per test. Prints its figures; `npm run bench` calls it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { writeReports } from '../reports/write';
import { RUNNER_DEFAULTS } from './defaults';
import { SILENT } from './events';
import { prepareRun } from './prepare';
import { runSession } from './session-run';

export interface RunnerBench {
  readonly tests: number;
  readonly devices: readonly string[];
  /** Wall time of the run: planning, every test on every device, the reports. */
  readonly wallMs: number;
  /** Of which planning (loading the suite, opening the session, run.json). */
  readonly planMs: number;
  /** Of which writing the reports. */
  readonly reportsMs: number;
  /** Sum of the time the tests themselves reported. */
  readonly insideTestsMs: number;
  /** (wall - inside tests) / tests. */
  readonly overheadPerTestMs: number;
  /** (device busy time - inside tests) / tests: worker IPC, journal fsync, health checks, no start-up. */
  readonly steadyOverheadPerTestMs: number;
}

/** `device` is the run's --device (default: both bundled APU models in one run). */
export async function benchRunner(opts: { readonly print?: boolean; readonly device?: string } = {}): Promise<RunnerBench> {
  const dir = mkdtempSync(join(tmpdir(), 'accel-bench-'));
  try {
    const t0 = performance.now();
    const { dir: results, saved, lock } = await prepareRun({
      suiteModule: join(__dirname, `real-suite${extname(__filename)}`),
      device: opts.device ?? 'sim:apu;sim:mt8183',
      maxTimeoutsInRow: RUNNER_DEFAULTS.maxTimeoutsInRow,
      include: [],
      exclude: [],
      allowDestructive: false,
      ktap: false,
      kernelLog: 'off',
      killGraceMs: RUNNER_DEFAULTS.killGraceMs,
      recoveryMs: RUNNER_DEFAULTS.recoveryMs,
      startupMs: RUNNER_DEFAULTS.startupMs,
      argv: ['bench'],
      resultsDir: join(dir, 'run'),
    });
    const p0 = performance.now();
    let report: ReturnType<typeof writeReports>['report'];
    let r0: number;
    try {
      await runSession(results, saved, false, { events: SILENT });
      r0 = performance.now();
      report = writeReports(results, saved).report;
    } finally {
      lock.release();
    }
    const t1 = performance.now();
    const ran = report.devices.flatMap((d) => d.tests.filter((t) => t.status !== 'notrun'));
    const inside = ran.reduce((s, t) => s + (t.testMs ?? 0), 0);
    const busy = report.devices.reduce((s, d) => s + (d.end - d.start) * 1000, 0);
    const bench: RunnerBench = {
      tests: ran.length,
      devices: report.devices.map((d) => d.meta.label),
      wallMs: t1 - t0,
      planMs: p0 - t0,
      reportsMs: t1 - r0,
      insideTestsMs: inside,
      overheadPerTestMs: ran.length ? (t1 - t0 - inside) / ran.length : 0,
      steadyOverheadPerTestMs: ran.length ? (busy - inside) / ran.length : 0,
    };
    if (opts.print !== false) {
      const f = (n: number): string => n.toFixed(1);
      process.stdout.write(
        `runner: ${bench.tests} tests on ${bench.devices.join(', ')}: wall ${f(bench.wallMs)} ms ` +
          `(planning ${f(bench.planMs)} ms, reports ${f(bench.reportsMs)} ms), inside tests ${f(bench.insideTestsMs)} ms, ` +
          `harness overhead ${f(bench.overheadPerTestMs)} ms/test (${f(bench.steadyOverheadPerTestMs)} ms/test of device busy time once workers run)\n`,
      );
    }
    return bench;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchRunner().catch((e: unknown) => {
    process.stderr.write(`bench failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
