/**
 * run.json: everything a results directory needs to be resumed or reported
 * again without the original command line: options, expectation file
 * contents, the devices and the resolved test plan per device.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, renameSync, fsyncSync, openSync, closeSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { DeviceMeta } from '../reports/model';
import type { RunOptions } from '../testing/define';
import { ConfigError } from './config-error';

export const RUN_FILE = 'run.json';

export interface SavedFile {
  readonly file: string;
  readonly text: string;
}

/**
 * Which suite a run ran: `merge` refuses to join runs of different suites
 * (or of two versions of one suite), which would report tests side by side
 * that were never the same test. The digest is over every test name of the
 * suite, selected or not, in declaration order.
 */
export interface SuiteIdentity {
  readonly name: string;
  readonly tests: number;
  readonly digest: string;
}

export function suiteIdentity(suiteModule: string, allNames: readonly string[]): SuiteIdentity {
  return {
    name: basename(suiteModule, extname(suiteModule)),
    tests: allNames.length,
    digest: createHash('sha256').update(allNames.join('\n')).digest('hex').slice(0, 16),
  };
}

/** `run --shard K/N` (harness/runner/shard.ts). */
export interface SavedShard {
  readonly index: number;
  readonly count: number;
  /** The results directory whose durations balanced the split. */
  readonly durationsFrom?: string;
}

/** One input of `merge` (harness/runner/merge.ts). */
export interface MergedSource {
  readonly dir: string;
  readonly id: string;
  readonly host: string;
  readonly shard?: SavedShard;
}

/** Expectation files shipped for one device's driver, with their text as read at the start. */
export interface ShippedSaved {
  readonly driver: string;
  readonly fails?: SavedFile;
  readonly flakes?: SavedFile;
  readonly skips?: SavedFile;
}

export interface SavedRun {
  readonly format: 'accel-conformance-run';
  readonly version: 1;
  readonly id: string;
  readonly name: string;
  readonly host: string;
  readonly uname: string;
  readonly createdAt: number;
  readonly argv: readonly string[];
  /** Absolute path of the suite module the workers load. */
  readonly suiteModule: string;
  readonly deviceFilter?: string;
  readonly jobs: number;
  readonly perTestTimeoutMs?: number;
  readonly overallTimeoutMs?: number;
  readonly maxTimeoutsInRow: number;
  readonly recoveryMs: number;
  readonly killGraceMs: number;
  readonly startupMs: number;
  /** 'auto': real devices only. */
  readonly kernelLog: 'auto' | 'on' | 'off';
  readonly runOptions: RunOptions;
  /** The user's own files (--expectations, --flakes, --skips): they apply to every device. */
  readonly expectations: { readonly fails?: SavedFile; readonly flakes?: SavedFile; readonly skips?: SavedFile };
  /**
   * The files shipped with the suite for each device's driver, by device
   * label: a device is judged by them plus the user's. Absent or empty when
   * none apply or --no-shipped-expectations turned them off.
   */
  readonly shippedExpectations?: Readonly<Record<string, ShippedSaved>>;
  /** What each planned test requires (Subtest.requires), for the reports; tests without any are left out. */
  readonly requirements?: Readonly<Record<string, readonly string[]>>;
  /** Driver plugins (absolute paths) each worker loads before opening its session. */
  readonly driverPlugins?: readonly string[];
  readonly outputs: { readonly junit?: string; readonly tap?: string; readonly ktap: boolean; readonly tapFlat?: boolean };
  readonly devices: readonly DeviceMeta[];
  /** Test names per device label, in run order. */
  readonly plan: Readonly<Record<string, readonly string[]>>;
  readonly notices: readonly string[];
  /** Absent in run.json files written before merge existed. */
  readonly suite?: SuiteIdentity;
  readonly shard?: SavedShard;
  /** Set on a directory written by `merge`: what it was made from (it cannot be resumed). */
  readonly mergedFrom?: readonly MergedSource[];
}

export function writeSavedRun(dir: string, run: SavedRun): void {
  const tmp = join(dir, `${RUN_FILE}.tmp`);
  writeFileSync(tmp, JSON.stringify(run, null, 2) + '\n');
  const fd = openSync(tmp, 'r');
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, join(dir, RUN_FILE));
}

export function readSavedRun(dir: string): SavedRun {
  const path = join(dir, RUN_FILE);
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ConfigError(`${dir} is not a results directory of accel-conformance: cannot read ${RUN_FILE} (${(e as Error).message})`);
  }
  const r = v as Partial<SavedRun>;
  if (r.format !== 'accel-conformance-run' || r.version !== 1 || typeof r.plan !== 'object' || !Array.isArray(r.devices)) {
    throw new ConfigError(`${path} is not a run description this version understands`);
  }
  return v as SavedRun;
}
