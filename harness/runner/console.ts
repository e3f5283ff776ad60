/**
 * What the user sees while a run goes: on a terminal one live progress
 * line; in CI (CI set, or output not a terminal) one line per finished
 * test; with --quiet nothing until the summary. Notices and device aborts
 * are always said, on their own line.
 */
import type { RunEvents } from './events';
import type { Classified } from './expectations';
import type { TestResult } from './result';
import type { Status } from './status';

export type ConsoleMode = 'progress' | 'lines' | 'quiet';

export interface Out {
  write(s: string): void;
  readonly columns?: number;
}

export function consoleMode(opts: { quiet: boolean; isTTY: boolean; env: NodeJS.ProcessEnv }): ConsoleMode {
  if (opts.quiet) return 'quiet';
  const ci = opts.env.CI !== undefined && opts.env.CI !== '' && opts.env.CI !== 'false' && opts.env.CI !== '0';
  return opts.isTTY && !ci ? 'progress' : 'lines';
}

export class ConsoleEvents implements RunEvents {
  private done = new Map<string, number>();
  private current = new Map<string, string>();
  private counts = new Map<Status, number>();
  private lineShown = false;

  constructor(
    private readonly out: Out,
    private readonly mode: ConsoleMode,
    private readonly totals: ReadonlyMap<string, number>,
  ) {}

  onTestStart(device: string, name: string): void {
    this.current.set(device, name);
    this.redraw();
  }

  onTestEnd(r: TestResult, c: Classified): void {
    this.done.set(r.device, (this.done.get(r.device) ?? 0) + 1);
    this.counts.set(r.status, (this.counts.get(r.status) ?? 0) + 1);
    this.current.delete(r.device);
    if (this.mode === 'lines') {
      const n = `${this.done.get(r.device)}/${this.totals.get(r.device) ?? '?'}`;
      const mark = c.verdict === 'unexpected' ? ' [unexpected]' : '';
      const why = r.status !== 'pass' && r.message ? `: ${r.message.split('\n')[0]}` : '';
      this.out.write(`[${r.device} ${n}] ${r.name} ${r.status} (${(r.end - r.start).toFixed(2)} s)${mark}${why}\n`);
    }
    this.redraw();
  }

  onDeviceAbort(device: string, reason: string): void {
    this.say(`${device}: aborting its remaining tests: ${reason}`);
  }

  onNotice(message: string): void {
    this.say(message);
  }

  /** Ends the live line before the summary is printed. */
  finish(): void {
    if (this.lineShown) this.out.write('\r\x1b[K');
    this.lineShown = false;
  }

  private say(line: string): void {
    if (this.mode === 'progress' && this.lineShown) this.out.write('\r\x1b[K');
    this.out.write(`${line}\n`);
    this.lineShown = false;
    this.redraw();
  }

  private redraw(): void {
    if (this.mode !== 'progress') return;
    const devices = [...this.totals.keys()].map((d) => {
      const cur = this.current.get(d);
      return `${d} ${this.done.get(d) ?? 0}/${this.totals.get(d)}${cur ? ` ${cur}` : ''}`;
    });
    const counts = [...this.counts].map(([s, n]) => `${s} ${n}`).join(' ');
    const done = [...this.done.values()].reduce((a, b) => a + b, 0);
    const total = [...this.totals.values()].reduce((a, b) => a + b, 0);
    // Totals first: a narrow terminal cuts the line's end, the test names.
    let line = `${done}/${total} [${counts}] ${devices.join(' | ')}`;
    const width = (this.out.columns ?? 100) - 1;
    if (line.length > width) line = line.slice(0, width - 1) + '…';
    this.out.write(`\r\x1b[K${line}`);
    this.lineShown = true;
  }
}
