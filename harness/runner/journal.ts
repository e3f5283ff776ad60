/**
 * The run's journal: one JSON object a line, appended and fsync'd the
 * moment something finishes, so a `kill -9` of the harness (or a machine
 * that goes down with the driver) loses nothing that had finished.
 * A `start` record without a `result` after it is the test that was in
 * flight: it is reported `incomplete` and resume does not run it again
 * (as IGT does: it may be what took the machine down).
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { TestResult } from './result';
import { isStatus } from './status';

export type JournalRecord =
  | { readonly type: 'session'; readonly at: number; readonly resumed: boolean }
  | { readonly type: 'start'; readonly device: string; readonly name: string; readonly at: number; readonly pid?: number }
  | ({ readonly type: 'result' } & TestResult)
  | { readonly type: 'device-abort'; readonly device: string; readonly reason: string; readonly at: number }
  | { readonly type: 'run-abort'; readonly reason: string; readonly at: number }
  | { readonly type: 'session-end'; readonly at: number };

export const JOURNAL_FILE = 'journal.jsonl';

export class Journal {
  private fd: number | null;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
  }

  append(rec: JournalRecord): void {
    if (this.fd === null) throw new Error(`journal ${this.path} is closed`);
    writeSync(this.fd, JSON.stringify(rec) + '\n');
    fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

function isRecord(v: unknown): v is JournalRecord {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as { type?: unknown; status?: unknown; device?: unknown; name?: unknown };
  switch (r.type) {
    case 'result':
      return isStatus(r.status) && typeof r.device === 'string' && typeof r.name === 'string';
    case 'start':
      return typeof r.device === 'string' && typeof r.name === 'string';
    case 'session':
    case 'device-abort':
    case 'run-abort':
    case 'session-end':
      return true;
    default:
      return false;
  }
}

export interface JournalRead {
  readonly records: JournalRecord[];
  /** Lines that could not be read: a torn last line after a kill is expected. */
  readonly damaged: number;
}

export function readJournal(path: string): JournalRead {
  if (!existsSync(path)) return { records: [], damaged: 0 };
  const records: JournalRecord[] = [];
  let damaged = 0;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const v: unknown = JSON.parse(line);
      if (isRecord(v)) records.push(v);
      else damaged++;
    } catch {
      damaged++;
    }
  }
  return { records, damaged };
}

export function resultKey(device: string, name: string): string {
  return `${device}\u0000${name}`;
}

export interface JournalState {
  /** Last result per device and test. */
  readonly results: Map<string, TestResult>;
  /** Tests started but never finished (in flight when the harness died). */
  readonly inFlight: { device: string; name: string; at: number }[];
  readonly deviceAborts: Map<string, string>;
  readonly runAbort: string | null;
  readonly firstAt: number | null;
  readonly lastAt: number | null;
}

export function replay(records: readonly JournalRecord[]): JournalState {
  const results = new Map<string, TestResult>();
  const started = new Map<string, { device: string; name: string; at: number }>();
  const deviceAborts = new Map<string, string>();
  let runAbort: string | null = null;
  let firstAt: number | null = null;
  let lastAt: number | null = null;
  for (const r of records) {
    const at = r.type === 'result' ? r.end : r.at;
    firstAt = firstAt === null ? (r.type === 'result' ? r.start : at) : firstAt;
    lastAt = at;
    switch (r.type) {
      case 'session':
        // A new session (resume) clears the previous session's aborts: it was asked to go on.
        deviceAborts.clear();
        runAbort = null;
        break;
      case 'start':
        started.set(resultKey(r.device, r.name), { device: r.device, name: r.name, at: r.at });
        break;
      case 'result': {
        const { type: _t, ...res } = r;
        void _t;
        results.set(resultKey(r.device, r.name), res);
        started.delete(resultKey(r.device, r.name));
        break;
      }
      case 'device-abort':
        deviceAborts.set(r.device, r.reason);
        break;
      case 'run-abort':
        runAbort = r.reason;
        break;
      case 'session-end':
        break;
    }
  }
  return { results, inFlight: [...started.values()], deviceAborts, runAbort, firstAt, lastAt };
}
