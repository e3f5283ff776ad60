/**
 * `compare A B`: what changed between two runs, per device, in piglit's
 * summary categories: fixes, regressions, other changes, new and removed
 * tests. A move between skip/notrun and a real result is "enabled" or
 * "disabled", not a fix or regression, as piglit has it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../runner/config-error';
import { isStatus, severity, type Status } from '../runner/status';

export interface TestChange {
  readonly name: string;
  readonly before?: Status;
  readonly after?: Status;
}

export interface DeviceComparison {
  readonly label: string;
  readonly fixes: TestChange[];
  readonly regressions: TestChange[];
  readonly changes: TestChange[];
  readonly enabled: TestChange[];
  readonly disabled: TestChange[];
  readonly added: TestChange[];
  readonly removed: TestChange[];
}

type DeviceResults = Map<string, Map<string, Status>>;

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(`cannot read ${file}: ${(e as Error).message}`);
  }
}

function testsOf(file: string): Map<string, Status> {
  const v = readJson(file) as { tests?: Record<string, { result?: unknown; 'accel-status'?: unknown }> };
  if (typeof v.tests !== 'object' || v.tests === null) throw new ConfigError(`${file} is not a piglit/IGT results file (no 'tests')`);
  const out = new Map<string, Status>();
  for (const [name, t] of Object.entries(v.tests)) {
    // IGT's own results also use 'warn'; count it with dmesg-warn for ordering.
    // Ours: the status piglit could not be given (abort, written as IGT does as fail).
    const r = isStatus(t['accel-status']) ? t['accel-status'] : t.result === 'warn' ? 'dmesg-warn' : t.result;
    if (isStatus(r)) out.set(name, r);
  }
  return out;
}

/** Reads a results dir (ours: index.json; or any dir or file with an IGT results.json). */
export function loadResults(path: string): DeviceResults {
  if (!existsSync(path)) throw new ConfigError(`${path} does not exist`);
  const index = join(path, 'index.json');
  if (existsSync(index)) {
    const v = readJson(index) as { devices?: { label: string; file: string }[] };
    const out: DeviceResults = new Map();
    for (const d of v.devices ?? []) out.set(d.label, testsOf(join(path, d.file)));
    return out;
  }
  const file = existsSync(join(path, 'results.json')) ? join(path, 'results.json') : path;
  return new Map([['(run)', testsOf(file)]]);
}

function compareTests(label: string, a: Map<string, Status>, b: Map<string, Status>): DeviceComparison {
  const c: DeviceComparison = { label, fixes: [], regressions: [], changes: [], enabled: [], disabled: [], added: [], removed: [] };
  const idle = (s: Status): boolean => s === 'skip' || s === 'notrun';
  for (const [name, before] of a) {
    const after = b.get(name);
    if (after === undefined) {
      c.removed.push({ name, before });
      continue;
    }
    if (after === before) continue;
    const ch = { name, before, after };
    if (idle(before) && !idle(after)) c.enabled.push(ch);
    else if (!idle(before) && idle(after)) c.disabled.push(ch);
    else if (severity(after) < severity(before)) c.fixes.push(ch);
    else if (severity(after) > severity(before)) c.regressions.push(ch);
    c.changes.push(ch);
  }
  for (const [name, after] of b) if (!a.has(name)) c.added.push({ name, after });
  return c;
}

export function compareRuns(a: DeviceResults, b: DeviceResults): DeviceComparison[] {
  // Two single-device runs compare even when the device's label changed.
  if (a.size === 1 && b.size === 1) {
    const [[la, ta]] = [...a];
    const [[lb, tb]] = [...b];
    return [compareTests(la === lb ? la : `${la} -> ${lb}`, ta, tb)];
  }
  const labels = [...new Set([...a.keys(), ...b.keys()])];
  return labels.map((l) => compareTests(l, a.get(l) ?? new Map(), b.get(l) ?? new Map()));
}

export function formatComparison(list: readonly DeviceComparison[]): string {
  const lines: string[] = [];
  const section = (title: string, items: readonly TestChange[]): void => {
    lines.push(`  ${title}: ${items.length}`);
    for (const i of items) lines.push(`    ${i.name}: ${i.before ?? '-'} -> ${i.after ?? '-'}`);
  };
  for (const c of list) {
    lines.push(`${c.label}`);
    section('fixes', c.fixes);
    section('regressions', c.regressions);
    section('enabled', c.enabled);
    section('disabled', c.disabled);
    section('new', c.added);
    section('removed', c.removed);
    lines.push(`  changes: ${c.changes.length}`);
  }
  return lines.join('\n') + '\n';
}
