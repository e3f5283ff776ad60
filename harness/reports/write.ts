/**
 * Writes every report of a results directory from its run.json and
 * journal: results.json (one device) or results-<label>.json per device,
 * index.json, junit.xml, report.html, and the --junit/--tap copies asked for.
 * Each file is written whole to a temporary name and renamed, so a reader
 * never sees half a report.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SavedRun } from '../runner/run-config';
import { buildReport } from './build';
import { htmlReport } from './html';
import { junitXml } from './junit';
import type { RunReport } from './model';
import { deviceFileName, deviceResults, resultsIndex } from './results-json';
import { tapReport } from './tap';

export interface Written {
  readonly report: RunReport;
  readonly files: readonly string[];
  /** TAP text when --tap - asked for it on stdout. */
  readonly tapToStdout?: string;
}

function put(file: string, text: string): string {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
  return file;
}

export function writeReports(dir: string, saved: SavedRun): Written {
  const report = buildReport(dir, saved);
  const files: string[] = [];
  const json = (v: unknown): string => JSON.stringify(v, null, 1) + '\n';
  if (report.devices.length === 1) {
    files.push(put(join(dir, 'results.json'), json(deviceResults(report, report.devices[0]))));
  } else {
    for (const d of report.devices) files.push(put(join(dir, deviceFileName(d.meta.label)), json(deviceResults(report, d))));
  }
  files.push(put(join(dir, 'index.json'), json(resultsIndex(report))));
  const xml = junitXml(report);
  files.push(put(join(dir, 'junit.xml'), xml));
  if (saved.outputs.junit) files.push(put(saved.outputs.junit, xml));
  files.push(put(join(dir, 'report.html'), htmlReport(report)));
  let tapToStdout: string | undefined;
  if (saved.outputs.tap) {
    const tap = tapReport(report, saved.outputs.ktap ? 'ktap' : 'tap');
    if (saved.outputs.tap === '-') tapToStdout = tap;
    else files.push(put(saved.outputs.tap, tap));
  }
  return { report, files, ...(tapToStdout !== undefined ? { tapToStdout } : {}) };
}
