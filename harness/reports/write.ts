/**
 * Writes every report of a results directory from its run.json and
 * journal: results.json (one device) or results-<label>.json per device,
 * (plus a combined results.json), index.json, junit.xml, report.html, and the --junit/--tap copies asked for.
 * Each file is written whole to a temporary name and renamed, so a reader
 * never sees half a report.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SavedRun } from '../runner/run-config';
import { buildReport } from './build';
import { htmlReport } from './html';
import { junitXml } from './junit';
import type { RunReport } from './model';
import { combinedResults, deviceFileName, deviceResults, resultsIndex } from './results-json';
import { tapReport } from './tap';

export interface Written {
  readonly report: RunReport;
  readonly files: readonly string[];
  /** Reports that could not be written, one line each naming the file: the others still were. */
  readonly failed: readonly string[];
  /** TAP text when --tap - asked for it on stdout. */
  readonly tapToStdout?: string;
}

function put(file: string, text: string): string {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  return file;
}

/**
 * Results already gathered must never be lost to one bad output path (a
 * --junit file whose directory vanished during the run): each report is
 * written on its own, and a failure is reported, not thrown.
 */
export function writeReports(dir: string, saved: SavedRun): Written {
  const report = buildReport(dir, saved);
  const files: string[] = [];
  const failed: string[] = [];
  const write = (file: string, text: () => string): void => {
    try {
      files.push(put(file, text()));
    } catch (e) {
      failed.push(`cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  };
  const json = (v: unknown): string => JSON.stringify(v, null, 1) + '\n';
  if (report.devices.length === 1) {
    write(join(dir, 'results.json'), () => json(deviceResults(report, report.devices[0])));
  } else {
    // IGT tools look for results.json: several devices get one combined file too (docs/reports.md).
    write(join(dir, 'results.json'), () => json(combinedResults(report)));
    for (const d of report.devices) write(join(dir, deviceFileName(d.meta.label)), () => json(deviceResults(report, d)));
  }
  write(join(dir, 'index.json'), () => json(resultsIndex(report)));
  const xml = junitXml(report);
  write(join(dir, 'junit.xml'), () => xml);
  if (saved.outputs.junit) write(saved.outputs.junit, () => xml);
  write(join(dir, 'report.html'), () => htmlReport(report));
  let tapToStdout: string | undefined;
  if (saved.outputs.tap) {
    const tap = tapReport(report, saved.outputs.ktap ? 'ktap' : 'tap', saved.outputs.tapFlat === true ? 'flat' : 'nested');
    if (saved.outputs.tap === '-') tapToStdout = tap;
    else write(saved.outputs.tap, () => tap);
  }
  return { report, files, failed, ...(tapToStdout !== undefined ? { tapToStdout } : {}) };
}
