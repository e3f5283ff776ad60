/**
 * What the user sees while a run goes: one line per finished test; on a
 * terminal (and not in CI) also one live status line under them, redrawn
 * as tests start and end and every second (devices with test N/M and the
 * test in flight, elapsed time, failures so far). In CI (CI set) or when
 * the output is not a terminal there is no status line and no escape
 * sequence; with --quiet nothing until the summary. Notices and device
 * aborts are always said, on their own line.
 */
import type { RunEvents } from './events';
import type { Classified } from './expectations';
import type { TestResult } from './result';
import { isFailing } from './status';

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

export interface ConsoleClock {
  /** Milliseconds, for the elapsed time (Date.now). */
  now(): number;
  /** Redraws the status line every second while tests run; returns its stopper. */
  every(ms: number, tick: () => void): () => void;
}

const REAL_CLOCK: ConsoleClock = {
  now: () => Date.now(),
  every: (ms, tick) => {
    const t = setInterval(tick, ms);
    t.unref();
    return () => clearInterval(t);
  },
};

/** `m:ss`, or `h:mm:ss` past an hour. */
export function elapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const two = (n: number): string => String(n).padStart(2, '0');
  return s >= 3600 ? `${Math.floor(s / 3600)}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}` : `${Math.floor(s / 60)}:${two(s % 60)}`;
}

export class ConsoleEvents implements RunEvents {
  private done = new Map<string, number>();
  private current = new Map<string, string>();
  private failures = 0;
  private unexpected = 0;
  private lineShown = false;
  private readonly started: number;
  private stopTicking: (() => void) | null = null;

  constructor(
    private readonly out: Out,
    private readonly mode: ConsoleMode,
    private readonly totals: ReadonlyMap<string, number>,
    private readonly clock: ConsoleClock = REAL_CLOCK,
  ) {
    this.started = clock.now();
  }

  onTestStart(device: string, name: string): void {
    this.current.set(device, name);
    if (this.mode === 'progress' && this.stopTicking === null) this.stopTicking = this.clock.every(1000, () => this.redraw());
    this.redraw();
  }

  onTestEnd(r: TestResult, c: Classified): void {
    this.done.set(r.device, (this.done.get(r.device) ?? 0) + 1);
    if (isFailing(r.status)) this.failures++;
    if (c.verdict === 'unexpected') this.unexpected++;
    this.current.delete(r.device);
    if (this.mode !== 'quiet') {
      const n = `${this.done.get(r.device)}/${this.totals.get(r.device) ?? '?'}`;
      const mark = c.verdict === 'unexpected' ? ' [unexpected]' : '';
      const why = r.status !== 'pass' && r.message ? `: ${r.message.split('\n')[0]}` : '';
      this.say(`[${r.device} ${n}] ${r.name} ${r.status} (${(r.end - r.start).toFixed(2)} s)${mark}${why}`);
      return;
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
    this.stopTicking?.();
    this.stopTicking = null;
    if (this.lineShown) this.out.write('\r\x1b[K');
    this.lineShown = false;
  }

  /** A line that stays: the status line is wiped first and drawn again under it. */
  private say(line: string): void {
    if (this.mode === 'progress' && this.lineShown) this.out.write('\r\x1b[K');
    this.out.write(`${line}\n`);
    this.lineShown = false;
    this.redraw();
  }

  /** The status line's text (no escapes), cut to the terminal's width. */
  statusLine(): string {
    const devices = [...this.totals.keys()].map((d) => {
      const cur = this.current.get(d);
      return `${d} ${this.done.get(d) ?? 0}/${this.totals.get(d)}${cur ? ` ${cur}` : ''}`;
    });
    const done = [...this.done.values()].reduce((a, b) => a + b, 0);
    const total = [...this.totals.values()].reduce((a, b) => a + b, 0);
    // Totals first: a narrow terminal cuts the line's end, the test names.
    let line = `[${elapsed(this.clock.now() - this.started)}] ${done}/${total} failures ${this.failures} (unexpected ${this.unexpected}) | ${devices.join(' | ')}`;
    const width = (this.out.columns ?? 100) - 1;
    if (line.length > width) line = line.slice(0, width - 1) + '…';
    return line;
  }

  private redraw(): void {
    if (this.mode !== 'progress') return;
    this.out.write(`\r\x1b[K${this.statusLine()}`);
    this.lineShown = true;
  }
}
