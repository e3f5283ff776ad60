/**
 * `run --shard K/N`: which of the selected tests this machine runs when N
 * machines share a run (deqp-runner's --fraction, IGT's split test lists).
 *
 * Every machine must compute the same split without talking to the others,
 * and adding a test must not move the others between shards (or a CI's
 * per-shard history becomes noise). So by default a test's shard is a hash
 * of its full name alone. With the durations of a previous run
 * (--shard-durations DIR), the tests that run recorded are dealt greedily,
 * longest first, to the least loaded shard (ties: name, then lowest shard),
 * which balances wall time; tests that run did not have still go by hash.
 * Both depend only on the names and the recorded numbers, never on the
 * machine, so every shard agrees.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from './config-error';

export interface ShardSpec {
  /** 1-based, as written on the command line (GitLab's CI_NODE_INDEX is 1-based too). */
  readonly index: number;
  readonly count: number;
}

export function formatShard(s: ShardSpec): string {
  return `${s.index}/${s.count}`;
}

/** `K/N` with 1 <= K <= N; anything else is a usage error (exit 2). */
export function parseShardSpec(text: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const bad = (why: string): never => {
    throw new ConfigError(`--shard ${text}: ${why} (expected K/N with 1 <= K <= N, e.g. 2/4)`);
  };
  if (!m) return bad('not of the form K/N');
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(count)) return bad('number too large');
  if (count < 1) return bad('N must be at least 1');
  if (index < 1 || index > count) return bad(`K must be between 1 and ${count}`);
  return { index, count };
}

/** The 0-based shard a test goes to by name alone: the first 48 bits of its SHA-256, mod N. */
export function hashBucket(name: string, count: number): number {
  const h = createHash('sha256').update(name).digest();
  return h.readUIntBE(0, 6) % count;
}

/**
 * The 0-based shard of every name. `durations` (seconds, by full test name)
 * switches on the greedy balance for the names it has.
 */
export function assignShards(names: readonly string[], count: number, durations?: ReadonlyMap<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  const timed = durations ? names.filter((n) => durations.has(n)) : [];
  const load = new Array<number>(count).fill(0);
  // Longest first; equal durations in name order, so the deal never depends on input order.
  const order = [...new Set(timed)].sort((a, b) => durations!.get(b)! - durations!.get(a)! || (a < b ? -1 : a > b ? 1 : 0));
  for (const n of order) {
    let best = 0;
    for (let i = 1; i < count; i++) if (load[i] < load[best]) best = i;
    out.set(n, best);
    load[best] += durations!.get(n)!;
  }
  for (const n of names) if (!out.has(n)) out.set(n, hashBucket(n, count));
  return out;
}

/** The names of shard `spec`, in the order given. */
export function selectShard<T extends { readonly name: string }>(tests: readonly T[], spec: ShardSpec, durations?: ReadonlyMap<string, number>): T[] {
  const shards = assignShards(tests.map((t) => t.name), spec.count, durations);
  return tests.filter((t) => shards.get(t.name) === spec.index - 1);
}

interface RuntimesFile {
  readonly runtimes?: Record<string, unknown>;
}

function readRuntimes(file: string): Record<string, unknown> {
  let v: RuntimesFile;
  try {
    v = JSON.parse(readFileSync(file, 'utf8')) as RuntimesFile;
  } catch (e) {
    throw new ConfigError(`--shard-durations: cannot read ${file}: ${(e as Error).message}`);
  }
  if (typeof v.runtimes !== 'object' || v.runtimes === null) {
    throw new ConfigError(`--shard-durations: ${file} has no 'runtimes' (not a piglit/IGT results file)`);
  }
  return v.runtimes;
}

/**
 * Recorded seconds per test name from a results directory (ours, merged or
 * not, or a bare IGT results.json). Several devices: the longest, since the
 * slowest device decides a shard's wall time. A device prefix
 * (`sim_apu@accel@...` in a combined file) is dropped.
 */
export function readDurations(path: string): Map<string, number> {
  if (!existsSync(path)) throw new ConfigError(`--shard-durations: ${path} does not exist`);
  const files: string[] = [];
  const index = join(path, 'index.json');
  if (existsSync(index)) {
    let v: { devices?: { file?: unknown }[] };
    try {
      v = JSON.parse(readFileSync(index, 'utf8')) as typeof v;
    } catch (e) {
      throw new ConfigError(`--shard-durations: cannot read ${index}: ${(e as Error).message}`);
    }
    for (const d of v.devices ?? []) if (typeof d.file === 'string') files.push(join(path, d.file));
  } else {
    files.push(existsSync(join(path, 'results.json')) ? join(path, 'results.json') : path);
  }
  const out = new Map<string, number>();
  for (const f of files) {
    for (const [key, secs] of Object.entries(readRuntimes(f))) {
      if (typeof secs !== 'number' || !Number.isFinite(secs) || secs < 0) continue;
      const at = key.indexOf('accel@');
      const name = at > 0 ? key.slice(at) : key;
      out.set(name, Math.max(out.get(name) ?? 0, secs));
    }
  }
  return out;
}
