/**
 * `run`: runs the conformance tests on the session's devices, each device's
 * tests in worker children under a watchdog, journals every result and
 * writes results.json, junit.xml, report.html (docs/runner.md, docs/reports.md).
 * `--list-subtests` and `--describe` need no device.
 */
import { resolve } from 'node:path';
import type { Argv, Arguments } from 'yargs';
import { booleanArg, CliError, type CliCommand, type CliIo, stringArg, stringArgs } from '../command';
import { EXIT, type ExitCode } from '../exit-codes';
import { RUNNER_DEFAULTS } from '../../runner/defaults';
import type { RunRequest } from '../../runner/prepare';
import { DEVICE_OPTION, DRIVER_PLUGIN_OPTION, driverPluginPaths } from './list';
import { TEST_TIMEOUT_RULE } from '../../runner/timeouts';

function positive(args: Arguments, key: string, integer: boolean): number | undefined {
  const raw = stringArg(args, key);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new CliError(`--${key} needs a ${integer ? 'positive whole number' : 'positive number'}, got '${raw}'`);
  }
  return n;
}

function oneOf<T extends string>(args: Arguments, key: string, choices: readonly T[], dflt: T): T {
  const raw = stringArg(args, key);
  if (raw === undefined) return dflt;
  const hit = choices.find((c) => c === raw);
  if (!hit) throw new CliError(`--${key} must be one of ${choices.join(', ')}, got '${raw}'`);
  return hit;
}

export function runnerBuilder(y: Argv): Argv {
  const g1 = 'Devices and timeouts:';
  const g2 = 'Choosing tests:';
  const g3 = 'Reports:';
  return y
    .option('device', { ...DEVICE_OPTION, group: g1 })
    .option('driver-plugin', { ...DRIVER_PLUGIN_OPTION, group: g1 })
    .option('jobs', { alias: 'j', type: 'string', requiresArg: true, group: g1, describe: 'devices run in parallel (one worker each)', defaultDescription: 'one per core' })
    .option('per-test-timeout', { type: 'string', requiresArg: true, group: g1, describe: 'seconds before a test is killed and recorded timeout', defaultDescription: TEST_TIMEOUT_RULE })
    .option('overall-timeout', { type: 'string', requiresArg: true, group: g1, describe: 'seconds for the whole run; the test in flight is recorded timeout, the rest notrun, and the run aborted (exit 3)' })
    .option('max-timeouts-in-row', { type: 'string', requiresArg: true, group: g1, describe: 'timeouts in a row after which a device counts as wedged', defaultDescription: '3' })
    .option('kill-grace', { type: 'string', requiresArg: true, group: g1, describe: 'seconds between SIGTERM and SIGKILL of a hung worker', defaultDescription: '2' })
    .option('recovery-timeout', { type: 'string', requiresArg: true, group: g1, describe: 'seconds a device may take to be ONLINE again after a test', defaultDescription: '2' })
    .option('allow-destructive', { type: 'boolean', group: g1, describe: 'let hang/reset/crash tests run on real devices' })
    .option('job-timeout-ms', { type: 'string', requiresArg: true, group: g1, describe: "override the driver's scheduler job timeout the tests expect" })
    .option('kernel-log', { type: 'string', requiresArg: true, group: g1, choices: ['auto', 'on', 'off'], describe: 'capture /dev/kmsg per test (dmesg-warn/dmesg-fail)', defaultDescription: 'auto: on for real devices' })
    .option('list-subtests', { type: 'boolean', group: g2, describe: 'print every selected accel@family@subtest and exit (no device needed)' })
    .option('describe', { type: 'string', group: g2, describe: 'print descriptions and references of the tests matching GLOB (all if none) and exit' })
    .option('run-subtest', { alias: 't', type: 'string', requiresArg: true, group: g2, describe: "run only tests matching GLOB (repeatable, comma lists, '*', '?', '!' excludes)" })
    .option('exclude', { alias: 'x', type: 'string', requiresArg: true, group: g2, describe: 'do not run tests matching GLOB (repeatable, comma lists)' })
    .option('test-list', { type: 'string', requiresArg: true, group: g2, describe: "run the tests named in FILE, one a line, '#' comments" })
    .option('expectations', { type: 'string', requiresArg: true, group: g2, describe: 'drm-ci fails file (name,Status lines): listed results are expected' })
    .option('flakes', { type: 'string', requiresArg: true, group: g2, describe: 'drm-ci flakes file (regexes): any result is expected' })
    .option('skips', { type: 'string', requiresArg: true, group: g2, describe: 'drm-ci skips file (regexes): never run' })
    .option('shard', { type: 'string', requiresArg: true, group: g2, describe: 'run only shard K of N of the selected tests (K/N, 1-based; the same split on every machine)' })
    .option('shard-durations', { type: 'string', requiresArg: true, group: g2, describe: 'balance --shard by the test durations of a previous results directory (or merged one)' })
    .option('shipped-expectations', { type: 'boolean', default: true, group: g2, describe: "judge each device by the expectation files shipped for its driver too (--no-shipped-expectations: only your own)" })
    .option('suite', { type: 'string', requiresArg: true, hidden: true, describe: 'module exporting `suite` (self-tests, out-of-tree families)' })
    .option('results-dir', { type: 'string', requiresArg: true, group: g3, describe: 'where the journal and reports go', defaultDescription: 'reports/<date>-<host>-<id>' })
    .option('junit', { type: 'string', requiresArg: true, group: g3, describe: 'also write the JUnit XML to FILE' })
    .option('tap', { type: 'string', requiresArg: true, group: g3, describe: "write TAP 13 to FILE ('-' for stdout)" })
    .option('ktap', { type: 'boolean', group: g3, describe: 'write --tap as KTAP version 1' })
    .option('tap-flat', { type: 'boolean', group: g3, describe: 'write --tap as one TAP 13 line per test, not nested (for tap-junit and other top-level readers)' })
    .option('quiet', { alias: 'q', type: 'boolean', group: g3, describe: 'print only the summary' })
    .example('$0 run', 'every test on every accel device (or the simulated drivers)')
    .example("$0 run --device sim:apu -t 'gem@*' --junit junit.xml", 'the gem family on the simulated APU')
    .example('$0 run --shard 2/4 --shard-durations last-merged/', 'the second of four machines, balanced by the last run')
    .example('$0 run --expectations xfails/board-fails.txt --flakes xfails/board-flakes.txt', 'gate CI on unexpected results only');
}

export async function runRun(args: Arguments, io: CliIo): Promise<ExitCode> {
  const [{ doRun, listSubtests, describeTests }, { defaultSuiteModule, toExitCode, mapErrors, processIo }] = await Promise.all([
    import('../../runner/actions'),
    import('./runner-glue'),
  ]);
  const given = stringArg(args, 'suite');
  // require() resolves relative to the requiring file: make it relative to where the user stands.
  const suiteModule = given !== undefined ? resolve(given) : defaultSuiteModule();
  const include = stringArgs(args, 'run-subtest') ?? [];
  const exclude = stringArgs(args, 'exclude') ?? [];
  const testList = stringArg(args, 'test-list');
  const skips = stringArg(args, 'skips');
  const selection = { include, exclude, ...(testList !== undefined ? { testList } : {}), ...(skips !== undefined ? { skips } : {}) };
  const rio = processIo(io);
  return mapErrors(async () => {
    const { parseShardSpec } = await import('../../runner/shard');
    const shardText = stringArg(args, 'shard');
    const shard = shardText !== undefined ? parseShardSpec(shardText) : undefined;
    const shardDurations = stringArg(args, 'shard-durations');
    const sharding = { ...(shard ? { shard } : {}), ...(shardDurations !== undefined ? { shardDurations } : {}) };
    if (booleanArg(args, 'list-subtests')) {
      listSubtests(suiteModule, { ...selection, ...sharding }, rio);
      return EXIT.OK;
    }
    const describe = stringArg(args, 'describe');
    if (describe !== undefined) {
      describeTests(suiteModule, describe === '' ? undefined : describe, rio);
      return EXIT.OK;
    }
    const d = RUNNER_DEFAULTS;
    const seconds = (key: string, dflt: number): number => {
      const v = positive(args, key, false);
      return v === undefined ? dflt : Math.round(v * 1000);
    };
    const device = stringArgs(args, 'device')?.join(';');
    const jobs = positive(args, 'jobs', true);
    const perTestTimeoutS = positive(args, 'per-test-timeout', false);
    const overallTimeoutS = positive(args, 'overall-timeout', false);
    const expectations = stringArg(args, 'expectations');
    const flakes = stringArg(args, 'flakes');
    const jobTimeoutMs = positive(args, 'job-timeout-ms', true);
    const resultsDir = stringArg(args, 'results-dir');
    const junit = stringArg(args, 'junit');
    const tap = stringArg(args, 'tap');
    const request: RunRequest = {
      suiteModule,
      ...selection,
      ...(device !== undefined ? { device } : {}),
      ...(jobs !== undefined ? { jobs } : {}),
      ...(perTestTimeoutS !== undefined ? { perTestTimeoutS } : {}),
      ...(overallTimeoutS !== undefined ? { overallTimeoutS } : {}),
      maxTimeoutsInRow: positive(args, 'max-timeouts-in-row', true) ?? d.maxTimeoutsInRow,
      ...(expectations !== undefined ? { expectations } : {}),
      ...(flakes !== undefined ? { flakes } : {}),
      driverPlugins: driverPluginPaths(args, io.env),
      shippedExpectations: args['shipped-expectations'] !== false,
      allowDestructive: booleanArg(args, 'allow-destructive'),
      ...(jobTimeoutMs !== undefined ? { jobTimeoutMs } : {}),
      ...(resultsDir !== undefined ? { resultsDir } : {}),
      ...(junit !== undefined ? { junit } : {}),
      ...(tap !== undefined ? { tap } : {}),
      ktap: booleanArg(args, 'ktap'),
      ...(booleanArg(args, 'tap-flat') ? { tapFlat: true } : {}),
      kernelLog: oneOf(args, 'kernel-log', ['auto', 'on', 'off'] as const, 'auto'),
      killGraceMs: seconds('kill-grace', d.killGraceMs),
      recoveryMs: seconds('recovery-timeout', d.recoveryMs),
      startupMs: d.startupMs,
      argv: ['accel-conformance', ...process.argv.slice(2)],
      ...sharding,
    };
    const outcome = await doRun(request, booleanArg(args, 'quiet'), rio);
    return toExitCode(outcome);
  });
}

export const runCommand: CliCommand = {
  command: 'run',
  describe: 'Run the conformance tests: watchdog per test, journal, results.json, JUnit, TAP, HTML (docs/runner.md)',
  builder: runnerBuilder,
  run: runRun,
};
