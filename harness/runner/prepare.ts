/**
 * Everything checked before a single test runs: globs, test list,
 * expectation files, that some test matches, that the results directory
 * and report files can be written, that the session has devices. A mistake
 * here is a ConfigError (exit 2) or NoTestMatched (exit 4), and no results
 * directory is left half made.
 */
import { randomBytes } from 'node:crypto';
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, rmSync, statSync, type Stats } from 'node:fs';
import { availableParallelism, hostname, machine, release, type as osType, version } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { DeviceMeta } from '../reports/model';
import type { DeviceUnderTest } from '../testing/define';
import { ConfigError } from './config-error';
import { loadExpectations, readShipped, type SavedExpectationInput } from './expectation-files';
import { checkFailNames, parseRegexList } from './expectations';
import { GlobError, parseGlobs } from './glob';
import { JOURNAL_FILE } from './journal';
import { acquireLock, type RunLock } from './lock';
import { allTests, appliesToDriver, selectTests, type PlannedTest } from './plan';
import { suiteIdentity, writeSavedRun, type SavedRun, type ShippedSaved } from './run-config';
import { formatShard, readDurations, selectShard, type ShardSpec } from './shard';
import { loadSuite, type SuiteProvider } from './suite';
import { readTestList } from './test-list';

export class NoTestMatched extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoTestMatched';
  }
}

export interface RunRequest {
  readonly suiteModule: string;
  readonly device?: string;
  readonly jobs?: number;
  readonly perTestTimeoutS?: number;
  readonly overallTimeoutS?: number;
  readonly maxTimeoutsInRow: number;
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  readonly testList?: string;
  readonly expectations?: string;
  readonly flakes?: string;
  readonly skips?: string;
  /** Driver plugins (--driver-plugin, ACCEL_DRIVER_PLUGINS), as given. */
  readonly driverPlugins?: readonly string[];
  /** --no-shipped-expectations gives false: only the user's files judge. Default true. */
  readonly shippedExpectations?: boolean;
  readonly allowDestructive: boolean;
  readonly jobTimeoutMs?: number;
  readonly resultsDir?: string;
  readonly junit?: string;
  readonly tap?: string;
  readonly ktap: boolean;
  /** `--tap-flat`: TAP 13 with one line per test, no nesting. */
  readonly tapFlat?: boolean;
  readonly kernelLog: 'auto' | 'on' | 'off';
  readonly killGraceMs: number;
  readonly recoveryMs: number;
  readonly startupMs: number;
  readonly argv: readonly string[];
  /** `--shard K/N`, already parsed (harness/runner/shard.ts). */
  readonly shard?: ShardSpec;
  /** `--shard-durations DIR`: a previous run whose durations balance the shards. */
  readonly shardDurations?: string;
}

export function unameString(): string {
  return `${osType()} ${hostname()} ${release()} ${version()} ${machine()}`;
}

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

function globs(values: readonly string[], option: string): ReturnType<typeof parseGlobs> | undefined {
  if (values.length === 0) return undefined;
  try {
    return parseGlobs(values);
  } catch (e) {
    if (e instanceof GlobError) throw new ConfigError(`${option}: ${e.message}`);
    throw e;
  }
}

/**
 * An output file must be writable before anything runs: finding out after
 * an hour of tests loses the report. access(W_OK) alone is not enough (root
 * passes it on /proc), so the parent directory gets a real probe file.
 */
function checkWritableFile(file: string, option: string): string {
  if (file === '-') return file;
  const abs = resolve(file);
  const fail = (why: string): never => {
    throw new ConfigError(`${option} ${file}: ${why}`);
  };
  let st: Stats | undefined;
  try {
    st = statSync(abs);
  } catch {
    st = undefined;
  }
  if (st?.isDirectory()) fail('is a directory');
  const dir = dirname(abs);
  if (!existsSync(dir)) fail(`directory ${dir} does not exist or is not writable`);
  if (st) {
    try {
      accessSync(abs, constants.W_OK);
    } catch {
      fail('exists and is not writable');
    }
  }
  const probe = join(dir, `.accel-conformance-probe-${process.pid}`);
  try {
    closeSync(openSync(probe, 'wx'));
  } catch (e) {
    fail(`directory ${dir} does not exist or is not writable (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  rmSync(probe, { force: true });
  return abs;
}

/**
 * mkdir -p, one level at a time: node's recursive mkdir never returns on
 * some pseudo file systems (/proc), and a hang is the worst answer to a typo.
 */
export function mkdirs(dir: string): void {
  const parent = dirname(dir);
  if (parent !== dir && !existsSync(parent)) mkdirs(parent);
  try {
    mkdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}

function makeResultsDir(requested: string | undefined, id: string, now: Date): { dir: string; lock: RunLock } {
  const dir = resolve(requested ?? join('reports', `${stamp(now)}-${hostname()}-${id}`));
  try {
    mkdirs(dir);
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new ConfigError(`results directory ${dir} cannot be written: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  // Locked first, so a directory a live harness is using says so rather than "resume it".
  const lock = acquireLock(dir);
  if (existsSync(join(dir, JOURNAL_FILE))) {
    lock.release();
    throw new ConfigError(`${dir} already holds a run: use 'accel-conformance resume ${dir}' or another --results-dir`);
  }
  return { dir, lock };
}

export function deviceMeta(d: DeviceUnderTest): DeviceMeta {
  const v = d.info.version;
  const pci = d.info.pci;
  const hex = (n: number): string => n.toString(16).padStart(4, '0');
  return {
    label: d.label,
    driver: d.info.driver ?? d.profile.driver,
    simulated: d.simulated,
    devnode: d.info.devnode,
    bus: d.info.bus,
    jobTimeoutMs: d.profile.jobTimeoutMs,
    ...(pci ? { pciSlot: pci.slot, pciId: `${hex(pci.vendor)}:${hex(pci.device)}` } : {}),
    ...(v ? { version: `${v.name} ${v.major}.${v.minor}.${v.patchlevel} (${v.date})` } : {}),
    ...(d.info.simSpec ? { simSpec: d.info.simSpec } : {}),
  };
}

/** Loads the suite and applies every test filter: no device needed. */
/** `what` names the selection in the no-match message when it did not come from -t/-x (--describe GLOB). */
export function planTests(
  suite: SuiteProvider,
  req: Pick<RunRequest, 'include' | 'exclude' | 'testList' | 'skips'>,
  skips: readonly RegExp[],
  what?: string,
): PlannedTest[] {
  const include = globs(req.include, '--run-subtest');
  const exclude = globs(req.exclude, '--exclude');
  const known = new Set(allTests(suite.families).map((t) => t.name));
  const testList = req.testList !== undefined ? readTestList(req.testList, known) : undefined;
  const tests = selectTests(suite.families, {
    ...(include ? { include } : {}),
    ...(exclude ? { exclude } : {}),
    ...(testList ? { testList } : {}),
    skips,
  });
  if (tests.length === 0) {
    const given = what ?? [
      ...req.include.map((g) => `-t ${g}`),
      ...req.exclude.map((g) => `-x ${g}`),
      ...(req.testList ? [`--test-list ${req.testList}`] : []),
      ...(req.skips ? [`--skips ${req.skips}`] : []),
    ].join(' ');
    throw new NoTestMatched(`no test matched ${given || 'the selection'} (see --list-subtests)`);
  }
  return tests;
}

/** Reads the expectation files the suite ships for each device's driver (by label). */
function shippedFor(suite: SuiteProvider, devices: readonly DeviceUnderTest[], known: ReadonlySet<string>): Record<string, ShippedSaved> {
  const out: Record<string, ShippedSaved> = {};
  for (const d of devices) {
    const files = suite.shippedExpectations?.(d);
    if (!files) continue;
    const saved = readShipped(files);
    if (saved.fails) checkFailNames(saved.fails.text, saved.fails.file, known);
    if (saved.flakes) parseRegexList(saved.flakes.text, saved.flakes.file);
    out[d.label] = saved;
  }
  return out;
}

export interface Prepared {
  readonly dir: string;
  readonly saved: SavedRun;
  /** Held until the session ends (docs/runner.md, "One harness per directory"). */
  readonly lock: RunLock;
}

export async function prepareRun(req: RunRequest, now = new Date()): Promise<Prepared> {
  const expectationInput: SavedExpectationInput = {
    ...(req.expectations ? { fails: req.expectations } : {}),
    ...(req.flakes ? { flakes: req.flakes } : {}),
    ...(req.skips ? { skips: req.skips } : {}),
  };
  const { saved: savedExpectations, parsed } = loadExpectations(expectationInput);
  const suite = loadSuite(req.suiteModule);
  const selected = planTests(suite, req, parsed.skips);
  if (req.shardDurations !== undefined && !req.shard) throw new ConfigError('--shard-durations needs --shard K/N');
  const tests = req.shard ? selectShard(selected, req.shard, req.shardDurations !== undefined ? readDurations(req.shardDurations) : undefined) : selected;
  if (tests.length === 0) {
    throw new NoTestMatched(`shard ${formatShard(req.shard!)} got none of the ${selected.length} selected test(s): use fewer shards`);
  }
  if (savedExpectations.fails) {
    checkFailNames(savedExpectations.fails.text, savedExpectations.fails.file, new Set(allTests(suite.families).map((t) => t.name)));
  }
  const junit = req.junit !== undefined ? checkWritableFile(req.junit, '--junit') : undefined;
  const tap = req.tap !== undefined ? checkWritableFile(req.tap, '--tap') : undefined;

  const driverPlugins = (req.driverPlugins ?? []).map((p) => resolve(p));
  if (driverPlugins.length > 0) {
    if (!suite.loadDriverPlugins) throw new ConfigError(`the suite module ${req.suiteModule} takes no driver plugins`);
    suite.loadDriverPlugins(driverPlugins);
  }

  const session = await suite.openSession(req.device);
  let devices: readonly DeviceUnderTest[];
  try {
    devices = session.devices;
  } finally {
    await session.close?.();
  }
  if (devices.length === 0) throw new ConfigError(`no device matched --device ${req.device ?? '(all)'}`);

  const id = randomBytes(3).toString('hex');
  const { dir, lock } = makeResultsDir(req.resultsDir, id, now);
  const known = new Set(allTests(suite.families).map((t) => t.name));
  const shipped = req.shippedExpectations === false ? {} : shippedFor(suite, devices, known);
  const notices = session.notice ? [session.notice] : [];
  const plan: Record<string, string[]> = {};
  let applies = false;
  for (const d of devices) {
    const s = shipped[d.label];
    const skips = s?.skips ? parseRegexList(s.skips.text, s.skips.file) : [];
    // Another driver's family says nothing about this device: it is not planned here (IGT's per-driver
    // binaries run on their driver only), and the results list what applies.
    const own = tests.filter((t) => appliesToDriver(t, d.profile.driver)).map((t) => t.name);
    applies ||= own.length > 0;
    plan[d.label] = own.filter((n) => !skips.some((re) => re.test(n)));
    const left = own.length - (plan[d.label]?.length ?? 0);
    if (left > 0 && s?.skips) notices.push(`${d.label}: ${left} test(s) not run, listed in ${s.skips.file} (shipped for ${s.driver})`);
    if (own.length === 0) notices.push(`${d.label}: none of the selected tests applies to its driver ${d.profile.driver} (they belong to other drivers' families)`);
  }
  if (!applies) {
    const families = [...new Set(tests.map((t) => t.family))].map((f) => `accel@${f}`).join(', ');
    const drivers = [...new Set(devices.map((d) => d.profile.driver))].join(', ');
    throw new NoTestMatched(`the selected tests (${families}) apply to none of the selected devices' drivers (${drivers})`);
  }
  const saved: SavedRun = {
    format: 'accel-conformance-run',
    version: 1,
    id,
    name: `accel-conformance ${stamp(now)} ${hostname()}${req.shard ? ` shard ${formatShard(req.shard)}` : ''}`,
    host: hostname(),
    uname: unameString(),
    createdAt: now.getTime() / 1000,
    argv: req.argv,
    suiteModule: req.suiteModule,
    ...(req.device !== undefined ? { deviceFilter: req.device } : {}),
    jobs: Math.max(1, Math.min(req.jobs ?? availableParallelism(), devices.length)),
    ...(req.perTestTimeoutS !== undefined ? { perTestTimeoutMs: Math.round(req.perTestTimeoutS * 1000) } : {}),
    ...(req.overallTimeoutS !== undefined ? { overallTimeoutMs: Math.round(req.overallTimeoutS * 1000) } : {}),
    maxTimeoutsInRow: req.maxTimeoutsInRow,
    recoveryMs: req.recoveryMs,
    killGraceMs: req.killGraceMs,
    startupMs: req.startupMs,
    kernelLog: req.kernelLog,
    runOptions: { allowDestructive: req.allowDestructive, ...(req.jobTimeoutMs !== undefined ? { jobTimeoutMs: req.jobTimeoutMs } : {}) },
    expectations: savedExpectations,
    ...(Object.keys(shipped).length > 0 ? { shippedExpectations: shipped } : {}),
    ...(driverPlugins.length > 0 ? { driverPlugins } : {}),
    requirements: Object.fromEntries(tests.filter((t) => t.requires.length > 0).map((t) => [t.name, t.requires])),
    outputs: { ...(junit ? { junit } : {}), ...(tap ? { tap } : {}), ktap: req.ktap, ...(req.tapFlat === true ? { tapFlat: true } : {}) },
    devices: devices.map(deviceMeta),
    plan,
    notices,
    suite: suiteIdentity(req.suiteModule, allTests(suite.families).map((t) => t.name)),
    ...(req.shard
      ? { shard: { ...req.shard, ...(req.shardDurations !== undefined ? { durationsFrom: resolve(req.shardDurations) } : {}) } }
      : {}),
  };
  try {
    writeSavedRun(dir, saved);
  } catch (e) {
    lock.release();
    if (!req.resultsDir) rmSync(dir, { recursive: true, force: true });
    throw new ConfigError(`results directory ${dir} cannot be written: ${(e as Error).message}`);
  }
  return { dir, saved, lock };
}

