/**
 * The kernel lane's differential check: per test, the status on the real
 * kernel module must equal the status on the simulated driver that models
 * it (module with default parameters <-> sim:apu, module with exclusive=1
 * timeout_ms=200 <-> sim:mt8183). Every difference, including a test
 * present on one side only, is reported: conformance tests are about
 * drivers, so each runs the same way on both (the simulator's own rules are
 * specs of drivers/sim, not tests).
 *
 * Also the lane's other verdicts on result files: a run with no failing
 * result and at least N passes (vgem), and the `list --json` of the guest.
 */
import { readFileSync } from 'node:fs';
import { isFailing, isStatus, type Status } from '../runner/status';

export interface TestOutcome {
  readonly status: Status;
  /** The runner's message (skip reason, failure) or, failing that, the first line of stderr. */
  readonly message?: string;
}

/** Results of one device in one run, by full test name. */
export type RunResults = ReadonlyMap<string, TestOutcome>;

export interface Difference {
  readonly test: string;
  /** Undefined when the test is missing from that side. */
  readonly kernel?: TestOutcome;
  readonly sim?: TestOutcome;
}

export interface DifferentialReport {
  /** Tests present on both sides. */
  readonly compared: number;
  readonly differences: readonly Difference[];
}

export function diffKernelAndSim(kernel: RunResults, sim: RunResults): DifferentialReport {
  const differences: Difference[] = [];
  let compared = 0;
  const names = [...new Set([...kernel.keys(), ...sim.keys()])].sort();
  for (const test of names) {
    const k = kernel.get(test);
    const s = sim.get(test);
    if (k && s) compared++;
    if (k && s && k.status === s.status) continue;
    differences.push({ test, ...(k ? { kernel: k } : {}), ...(s ? { sim: s } : {}) });
  }
  return { compared, differences };
}

function describe(o: TestOutcome | undefined): string {
  if (!o) return 'missing';
  return o.message ? `${o.status} (${o.message})` : o.status;
}

export function formatReport(label: string, r: DifferentialReport): string {
  const lines = [`${label}: ${r.compared} tests compared, ${r.differences.length} difference(s)`];
  for (const d of r.differences) {
    lines.push(`  DIFFERENT ${d.test}`, `    kernel: ${describe(d.kernel)}`, `    sim:    ${describe(d.sim)}`);
  }
  return lines.join('\n');
}

interface PiglitTestJson {
  readonly result?: unknown;
  /** Our status where `result` is piglit's (abort is written fail): harness/reports/results-json.ts. */
  readonly 'accel-status'?: unknown;
  readonly err?: unknown;
  readonly 'accel-message'?: unknown;
}

/** Reads one device's IGT results.json (harness/reports/results-json.ts). */
export function parseResults(text: string, what: string): Map<string, TestOutcome> {
  const v = JSON.parse(text) as { tests?: Record<string, PiglitTestJson> };
  if (typeof v.tests !== 'object' || v.tests === null) throw new Error(`${what}: not an IGT results file (no 'tests')`);
  const out = new Map<string, TestOutcome>();
  for (const [name, t] of Object.entries(v.tests)) {
    const status = isStatus(t['accel-status']) ? t['accel-status'] : t.result;
    if (!isStatus(status)) throw new Error(`${what}: ${name} has no known result (${String(t.result)})`);
    const msg = typeof t['accel-message'] === 'string' && t['accel-message'] !== '' ? t['accel-message'] : firstLine(t.err);
    out.set(name, { status, ...(msg !== undefined ? { message: msg } : {}) });
  }
  return out;
}

function firstLine(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const line = v.split('\n').find((l) => l.trim() !== '');
  return line?.trim();
}

export function loadResults(file: string): Map<string, TestOutcome> {
  return parseResults(readFileSync(file, 'utf8'), file);
}

export interface CleanRunVerdict {
  readonly passes: number;
  readonly skips: number;
  /** Failing results (fail, crash, timeout, ...) and skips without a reason. */
  readonly problems: readonly string[];
}

/**
 * A run that must have passes and reasoned skips only (vgem): every failing
 * status is a problem, a skip without a reason too, and fewer than
 * `minPasses` passes (a run that silently skipped everything passes nothing).
 */
export function judgeCleanRun(results: RunResults, minPasses: number, mustPass: readonly string[] = []): CleanRunVerdict {
  const problems: string[] = [];
  let passes = 0;
  let skips = 0;
  for (const [name, o] of [...results].sort(([a], [b]) => a.localeCompare(b))) {
    if (o.status === 'pass') passes++;
    else if (o.status === 'skip') {
      skips++;
      if (!o.message) problems.push(`${name}: skip without a reason`);
    } else if (isFailing(o.status) || o.status === 'notrun') problems.push(`${name}: ${describe(o)}`);
  }
  if (passes < minPasses) problems.push(`${passes} pass(es), fewer than the ${minPasses} required`);
  for (const name of mustPass) {
    const o = results.get(name);
    if (o?.status !== 'pass') problems.push(`${name} must pass: ${describe(o)}`);
  }
  return { passes, skips, problems };
}

interface ListedDevice {
  readonly name?: unknown;
  readonly driver?: unknown;
  readonly bus?: unknown;
  readonly parent?: unknown;
}

/** The guest's `list --json` must show the module's device, bound to driver `apu` on the platform bus. */
export function checkListJson(text: string, driver: string, bus: string): string[] {
  const v = JSON.parse(text) as { devices?: unknown };
  if (!Array.isArray(v.devices)) return ['list --json: no devices array'];
  const devices = v.devices as ListedDevice[];
  const hit = devices.find((d) => d.driver === driver && d.bus === bus && typeof d.parent === 'string');
  if (hit) return [];
  const seen = devices.map((d) => `${String(d.name)} driver=${String(d.driver)} bus=${String(d.bus)}`).join('; ') || 'none';
  return [`list --json: no device with driver '${driver}' on bus '${bus}' with a parent (devices: ${seen})`];
}
