/**
 * `merge DIR... --into OUT`: one results directory from the directories of
 * many shards or machines, with a run.json and a journal of its own, so
 * every report (results.json, JUnit, TAP/KTAP, HTML), `compare` and the
 * expectations work on it exactly as on a single run.
 *
 * What would make the merged run lie is refused, with one line and exit 2,
 * before anything is written: runs of different suites (or versions of one),
 * a test that two inputs both ran on the same device (overlapping shards,
 * the same run given twice), inputs judged by different expectation files
 * (unless merge is given its own), and a directory a live harness is still
 * writing. The inputs are only read.
 */
import { closeSync, existsSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DeviceMeta } from '../reports/model';
import { ConfigError } from './config-error';
import { loadExpectations } from './expectation-files';
import { JOURNAL_FILE, readJournal, replay, type JournalRecord, type JournalState } from './journal';
import { acquireLock, liveHolder, type RunLock } from './lock';
import { mkdirs } from './prepare';
import { readSavedRun, writeSavedRun, RUN_FILE, type MergedSource, type SavedRun } from './run-config';
import { formatShard } from './shard';

export interface MergeRequest {
  readonly inputs: readonly string[];
  readonly into: string;
  /** Judge the merged run by these files instead of the inputs' own. */
  readonly expectations?: string;
  readonly flakes?: string;
  readonly junit?: string;
  /** Default: `<into>/results.tap` (or `.ktap`), so the directory has every format. */
  readonly tap?: string;
  readonly ktap: boolean;
  readonly tapFlat?: boolean;
  readonly argv: readonly string[];
}

interface Input {
  readonly dir: string;
  readonly saved: SavedRun;
  readonly state: JournalState;
  readonly damaged: number;
  /** The input's device label -> the merged run's label. */
  readonly labels: Map<string, string>;
}

function inputName(i: { dir: string; saved: SavedRun }): string {
  return `${i.dir} (${i.saved.host}${i.saved.shard ? `, shard ${formatShard(i.saved.shard)}` : ''})`;
}

function readInput(dir: string): Omit<Input, 'labels'> {
  const abs = resolve(dir);
  const pid = liveHolder(abs);
  if (pid !== null) {
    throw new ConfigError(`${abs} is still being written by a live run (pid ${pid === -1 ? 'unknown' : pid}): merge it once that run has finished`);
  }
  const saved = readSavedRun(abs);
  const { records, damaged } = readJournal(join(abs, JOURNAL_FILE));
  return { dir: abs, saved, state: replay(records), damaged };
}

function sameDevice(a: DeviceMeta, b: DeviceMeta): boolean {
  const key = (m: DeviceMeta): string => JSON.stringify([m.driver, m.simulated, m.pciId ?? null, m.version ?? null, m.simSpec ?? null, m.jobTimeoutMs]);
  return key(a) === key(b);
}

function expectationKey(s: SavedRun): string {
  const e = s.expectations;
  return JSON.stringify([e.fails?.text ?? null, e.flakes?.text ?? null, e.skips?.text ?? null]);
}

/**
 * Devices are joined by label: the same label with the same device (driver,
 * PCI id, version) is one device whose tests were sharded; the same label
 * for a different device (accel0 on two machines of two generations) is
 * kept apart as `<host>/<label>`.
 */
function mapDevices(inputs: readonly Omit<Input, 'labels'>[]): { devices: DeviceMeta[]; labels: Map<string, string>[] } {
  const devices = new Map<string, DeviceMeta>();
  const labels = inputs.map((input) => {
    const map = new Map<string, string>();
    for (const meta of input.saved.devices) {
      let label = meta.label;
      const seen = devices.get(label);
      if (seen && !sameDevice(seen, meta)) {
        label = `${input.saved.host}/${meta.label}`;
        const again = devices.get(label);
        if (again && !sameDevice(again, meta)) {
          throw new ConfigError(`cannot merge ${inputName(input)}: device ${meta.label} is a different device from another input's ${meta.label} on the same host`);
        }
      }
      if (!devices.has(label)) devices.set(label, { ...meta, label });
      map.set(meta.label, label);
    }
    return map;
  });
  return { devices: [...devices.values()], labels };
}

function checkSuites(inputs: readonly Omit<Input, 'labels'>[]): void {
  const first = inputs[0];
  for (const i of inputs) {
    if (!i.saved.suite) throw new ConfigError(`cannot merge ${inputName(i)}: its run.json has no suite identity (written by an older accel-conformance); run it again`);
  }
  const s0 = first.saved.suite!;
  for (const i of inputs.slice(1)) {
    const s = i.saved.suite!;
    if (s.digest !== s0.digest) {
      throw new ConfigError(
        `cannot merge ${inputName(first)} and ${inputName(i)}: they ran different suites (${s0.name}, ${s0.tests} tests, ${s0.digest} vs ${s.name}, ${s.tests} tests, ${s.digest})`,
      );
    }
  }
}

/** Plans per merged device, refusing a test two inputs both planned on one device. */
function mergePlans(inputs: readonly Input[], devices: readonly DeviceMeta[]): Record<string, string[]> {
  const owner = new Map<string, Map<string, Input>>(devices.map((d) => [d.label, new Map()]));
  for (const input of inputs) {
    for (const [label, names] of Object.entries(input.saved.plan)) {
      const merged = input.labels.get(label);
      if (merged === undefined) continue;
      const seen = owner.get(merged)!;
      for (const n of names) {
        const other = seen.get(n);
        if (other) {
          throw new ConfigError(`cannot merge: ${n} on ${merged} is in both ${inputName(other)} and ${inputName(input)} (overlapping shards, or one run given twice)`);
        }
        seen.set(n, input);
      }
    }
  }
  // Shards interleave the suite's order; name order groups each family and is the same whatever order the inputs came in.
  return Object.fromEntries([...owner].map(([label, names]) => [label, [...names.keys()].sort()]));
}

/** The inputs' journals as one: their final states, device labels mapped, in time order. */
function mergedJournal(inputs: readonly Input[]): JournalRecord[] {
  const records: JournalRecord[] = [];
  let first = Infinity;
  let last = -Infinity;
  const aborts: string[] = [];
  for (const input of inputs) {
    const s = input.state;
    const label = (d: string): string => input.labels.get(d) ?? d;
    if (s.firstAt !== null) first = Math.min(first, s.firstAt);
    if (s.lastAt !== null) last = Math.max(last, s.lastAt);
    for (const r of s.results.values()) records.push({ type: 'result', ...r, device: label(r.device) });
    for (const f of s.inFlight) records.push({ type: 'start', device: label(f.device), name: f.name, at: f.at });
    for (const [d, reason] of s.deviceAborts) records.push({ type: 'device-abort', device: label(d), reason, at: s.lastAt ?? input.saved.createdAt });
    if (s.runAbort !== null) aborts.push(`${inputName(input)}: ${s.runAbort}`);
  }
  const at = (r: JournalRecord): number => (r.type === 'result' ? r.start : r.at);
  records.sort((a, b) => at(a) - at(b));
  const start = Number.isFinite(first) ? first : Math.min(...inputs.map((i) => i.saved.createdAt));
  const end = Number.isFinite(last) ? last : start;
  return [
    { type: 'session', at: start, resumed: false },
    ...records,
    ...(aborts.length > 0 ? [{ type: 'run-abort' as const, reason: aborts.join('; '), at: end }] : []),
    { type: 'session-end', at: end },
  ];
}

function shardNotice(inputs: readonly Input[]): string[] {
  const shards = inputs.map((i) => i.saved.shard).filter((s): s is NonNullable<SavedRun['shard']> => s !== undefined);
  if (shards.length === 0) return [];
  const counts = [...new Set(shards.map((s) => s.count))];
  if (counts.length !== 1) return [`the inputs were split into different numbers of shards (${counts.join(', ')}): some tests may be in no input`];
  const have = new Set(shards.map((s) => s.index));
  const missing = Array.from({ length: counts[0] }, (_, k) => k + 1).filter((k) => !have.has(k));
  return missing.length > 0 ? [`shard(s) ${missing.map((k) => `${k}/${counts[0]}`).join(', ')} missing from the merge: their tests are not in this run`] : [];
}

function prepareOutput(into: string, inputs: readonly Input[]): { dir: string; lock: RunLock } {
  const dir = resolve(into);
  if (inputs.some((i) => i.dir === dir)) throw new ConfigError(`--into ${into} is one of the inputs: merge into a new directory`);
  try {
    mkdirs(dir);
  } catch (e) {
    throw new ConfigError(`--into ${into} cannot be written: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const lock = acquireLock(dir);
  if (existsSync(join(dir, RUN_FILE)) || existsSync(join(dir, JOURNAL_FILE))) {
    lock.release();
    throw new ConfigError(`--into ${into} already holds a run: merge into a new directory`);
  }
  return { dir, lock };
}

/** Written whole and fsync'd once: unlike a run's, this journal is not written while tests go. */
function writeJournal(path: string, records: readonly JournalRecord[]): void {
  const fd = openSync(path, 'wx');
  try {
    writeSync(fd, records.map((r) => JSON.stringify(r) + '\n').join(''));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export interface Merged {
  readonly dir: string;
  readonly saved: SavedRun;
  /** Held until the reports are written. */
  readonly lock: RunLock;
}

/** Checks every input, then writes OUT's run.json and journal (the reports are the caller's, as after a run). */
export function mergeRuns(req: MergeRequest): Merged {
  if (req.inputs.length === 0) throw new ConfigError('merge needs at least one results directory');
  const read = req.inputs.map(readInput);
  checkSuites(read);
  const { devices, labels } = mapDevices(read);
  const inputs: Input[] = read.map((r, i) => ({ ...r, labels: labels[i] }));
  const plan = mergePlans(inputs, devices);

  let expectations = inputs[0].saved.expectations;
  if (req.expectations !== undefined || req.flakes !== undefined) {
    expectations = loadExpectations({
      ...(req.expectations !== undefined ? { fails: req.expectations } : {}),
      ...(req.flakes !== undefined ? { flakes: req.flakes } : {}),
    }).saved;
  } else {
    const differs = inputs.find((i) => expectationKey(i.saved) !== expectationKey(inputs[0].saved));
    if (differs) {
      throw new ConfigError(`cannot merge: ${inputName(inputs[0])} and ${inputName(differs)} were judged by different expectation files; give merge --expectations/--flakes to judge them by one`);
    }
  }

  const { dir, lock } = prepareOutput(req.into, inputs);
  // The merged run has no shard of its own.
  const { shard: _shard, ...first } = inputs[0].saved;
  void _shard;
  const hosts = [...new Set(inputs.map((i) => i.saved.host))];
  const unames = [...new Set(inputs.map((i) => i.saved.uname))];
  const tap = req.tap !== undefined ? (req.tap === '-' ? '-' : resolve(req.tap)) : join(dir, req.ktap ? 'results.ktap' : 'results.tap');
  const sources: MergedSource[] = inputs.map((i) => ({ dir: i.dir, id: i.saved.id, host: i.saved.host, ...(i.saved.shard ? { shard: i.saved.shard } : {}) }));
  const damaged = inputs.filter((i) => i.damaged > 0).map((i) => `${inputName(i)}: ${i.damaged} unreadable journal line(s) ignored`);
  const saved: SavedRun = {
    ...first,
    id: inputs.map((i) => i.saved.id).join('+'),
    name: `accel-conformance merge of ${inputs.length} run(s) on ${hosts.join(', ')}`,
    host: hosts.join('+'),
    uname: unames.join(' | '),
    createdAt: Math.min(...inputs.map((i) => i.saved.createdAt)),
    argv: req.argv,
    expectations,
    outputs: { ...(req.junit !== undefined ? { junit: resolve(req.junit) } : {}), tap, ktap: req.ktap, ...(req.tapFlat === true ? { tapFlat: true } : {}) },
    devices,
    plan,
    notices: [
      ...new Set(inputs.flatMap((i) => i.saved.notices)),
      `merged from ${inputs.map(inputName).join(', ')}`,
      ...shardNotice(inputs),
      ...damaged,
    ],
    mergedFrom: sources,
  };
  try {
    writeSavedRun(dir, saved);
    writeJournal(join(dir, JOURNAL_FILE), mergedJournal(inputs));
  } catch (e) {
    lock.release();
    throw new ConfigError(`--into ${req.into} cannot be written: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return { dir, saved, lock };
}
