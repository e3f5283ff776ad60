/**
 * The runner's side of one worker child: forks it, hands it one test at a
 * time and keeps the watchdog. The child is the compiled worker next to
 * this file; under ts-node (self-tests) it is the .ts file, loaded the same
 * way this one was.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { extname, join } from 'node:path';
import type { FromWorker, Health, WorkerInit } from './protocol';
import { isFromWorker, outputEndMarker } from './protocol';
import type { Captured } from './kmsg';
import type { SubtestResult } from '../testing/execute';

export type RunOutcome =
  | { readonly kind: 'result'; readonly outcome: SubtestResult; readonly health: Health; readonly out: string; readonly err: string; readonly kernelLog?: Captured }
  | { readonly kind: 'timeout'; readonly out: string; readonly err: string; readonly killedWith: NodeJS.Signals }
  | { readonly kind: 'crash'; readonly reason: string; readonly out: string; readonly err: string }
  | { readonly kind: 'stopped'; readonly reason: string; readonly out: string; readonly err: string };

export interface WorkerTimings {
  /** Between SIGTERM and SIGKILL. */
  readonly killGraceMs: number;
  /** For the child to open its session and answer `ready`. */
  readonly startupMs: number;
}

/** Resolves the worker module beside this file, with this file's extension. */
export function workerEntry(): { path: string; execArgv: string[] } {
  const ext = extname(__filename);
  const path = join(__dirname, `worker${ext}`);
  // Resolved here, not by the child from its working directory: a run started from elsewhere (a CI job's build dir) must find it too.
  return { path, execArgv: ext === '.ts' ? ['-r', require.resolve('ts-node/register/transpile-only')] : [] };
}

const OUTPUT_CAP = 1 << 20;
/** A test's output is on its way when its result arrives; this long at most. */
const OUTPUT_DRAIN_MS = 2000;

export class WorkerClient {
  private readonly child: ChildProcess;
  private out = '';
  private err = '';
  private exited: Promise<string>;
  private dead = false;

  private constructor(private readonly timings: WorkerTimings) {
    const entry = workerEntry();
    this.child = fork(entry.path, [], {
      execArgv: entry.execArgv,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
      // Its own process group: a Ctrl-C at the terminal stops the run through
      // the runner (in-flight test incomplete), instead of killing workers (crash).
      detached: true,
    });
    this.child.stdout?.setEncoding('utf8').on('data', (d: string) => (this.out = cap(this.out + d)));
    this.child.stderr?.setEncoding('utf8').on('data', (d: string) => (this.err = cap(this.err + d)));
    this.exited = new Promise((resolve) => {
      // 'close' comes after the pipes drain, so a crash's last words are kept.
      this.child.once('close', (code, signal) => {
        this.dead = true;
        resolve(signal ? `killed by ${signal}` : `exited with status ${code ?? '?'}`);
      });
      this.child.once('error', (e) => {
        this.dead = true;
        resolve(`could not run: ${e.message}`);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Forks a worker and waits for it to open its device; rejects with the reason it could not. */
  static async start(init: WorkerInit, timings: WorkerTimings): Promise<{ worker: WorkerClient; health: Health }> {
    const w = new WorkerClient(timings);
    w.child.send(init);
    const r = await w.await<Health>((m) => (m.type === 'ready' ? m.health : undefined), timings.startupMs);
    if (r.kind === 'ok') return { worker: w, health: r.value };
    const why = r.kind === 'timeout' ? `did not start within ${timings.startupMs} ms` : r.reason;
    await w.stop();
    throw new Error(`worker for ${init.label} ${why}${w.err ? `: ${lastLines(w.err)}` : ''}`);
  }

  /**
   * Runs one test under a watchdog. `stop` aborts it from outside (overall
   * timeout, Ctrl-C). After any outcome but `result` the worker is gone.
   */
  async run(name: string, timeoutMs: number, stop: Promise<string>): Promise<RunOutcome> {
    this.out = '';
    this.err = '';
    this.child.send({ type: 'run', name });
    const r = await this.await((m) => (m.type === 'result' && m.name === name ? m : undefined), timeoutMs, stop);
    if (r.kind === 'ok') {
      const marker = outputEndMarker(name);
      await this.outputUpTo(marker);
      const upTo = (s: string): string => (s.includes(marker) ? s.slice(0, s.indexOf(marker)) : s);
      const log = r.value.kernelLog;
      return { kind: 'result', outcome: r.value.outcome, health: r.value.health, out: upTo(this.out), err: upTo(this.err), ...(log ? { kernelLog: log } : {}) };
    }
    if (r.kind === 'timeout') {
      const killedWith = await this.stop();
      return { kind: 'timeout', out: this.out, err: this.err, killedWith };
    }
    if (r.kind === 'stopped') {
      await this.stop();
      return { kind: 'stopped', reason: r.reason, out: this.out, err: this.err };
    }
    await this.stop();
    return { kind: 'crash', reason: r.reason, out: this.out, err: this.err };
  }

  /** Waits (briefly) until both pipes have delivered the worker's end-of-test marker. */
  private async outputUpTo(marker: string): Promise<void> {
    const deadline = Date.now() + OUTPUT_DRAIN_MS;
    while (!(this.out.includes(marker) && this.err.includes(marker)) && !this.dead && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  /** SIGTERM, then SIGKILL after the grace period; resolves with the signal that did it. */
  async stop(): Promise<NodeJS.Signals> {
    if (this.dead) return 'SIGTERM';
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const graced = await Promise.race([
      this.exited.then(() => true),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), this.timings.killGraceMs))),
    ]);
    clearTimeout(timer);
    if (graced) return 'SIGTERM';
    this.child.kill('SIGKILL');
    await this.exited;
    return 'SIGKILL';
  }

  private await<T>(
    pick: (m: FromWorker) => T | undefined,
    timeoutMs: number,
    stop?: Promise<string>,
  ): Promise<{ kind: 'ok'; value: T } | { kind: 'timeout' } | { kind: 'died'; reason: string } | { kind: 'stopped'; reason: string }> {
    return new Promise((resolve) => {
      let settled = false;
      const finish = (v: Parameters<typeof resolve>[0]): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.child.off('message', onMessage);
        resolve(v);
      };
      const onMessage = (m: unknown): void => {
        if (!isFromWorker(m)) return;
        if (m.type === 'fatal') {
          finish({ kind: 'died', reason: `worker failed: ${m.message}` });
          return;
        }
        const v = pick(m);
        if (v !== undefined) finish({ kind: 'ok', value: v });
      };
      const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
      this.child.on('message', onMessage);
      // Output still in the pipes when the child dies belongs to its last test.
      this.exited.then((reason) => setImmediate(() => finish({ kind: 'died', reason: `worker ${reason}` })));
      stop?.then((reason) => finish({ kind: 'stopped', reason }));
    });
  }
}

function cap(s: string): string {
  return s.length > OUTPUT_CAP ? `[... earlier output cut ...]\n${s.slice(-OUTPUT_CAP)}` : s;
}

function lastLines(s: string): string {
  return s.trim().split('\n').slice(-3).join(' | ');
}
