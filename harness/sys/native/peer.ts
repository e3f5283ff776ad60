/**
 * PeerProcess on a real machine: a child node process running peer-agent,
 * started with some of this process's fds kept open, spoken to over its
 * stdin/stdout with the JSON-lines protocol of ./peer-protocol.
 */
import { spawn as spawnChild, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { PeerProcess, SpawnOptions, Sys } from '../types';
import { SysError } from '../errno';
import { FD_CLOEXEC, F_GETFD, F_SETFD } from '../constants';
import type { PeerHello, PeerRequestBody, PeerResponse } from './peer-protocol';

const READY_TIMEOUT_MS = 15_000;
const EXIT_GRACE_MS = 2_000;
/** Inherited fds sit right after stdin/stdout/stderr in the child. */
const FIRST_CHILD_FD = 3;
const STDERR_KEEP = 4096;

type Success = Extract<PeerResponse, { ok: true }>;

export class NativePeer implements PeerProcess {
  readonly pid: number;
  readonly inherited: ReadonlyMap<number, number>;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Success) => void; reject: (e: Error) => void }>();
  private exited: Error | undefined;
  private stderrTail = '';

  constructor(
    private readonly child: ChildProcess,
    pid: number,
    inherited: ReadonlyMap<number, number>,
    lines: readline.Interface,
  ) {
    this.pid = pid;
    this.inherited = inherited;
    lines.on('line', (text) => this.onLine(text));
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-STDERR_KEEP);
    });
    child.on('exit', (code, signal) => {
      this.exited = new Error(`peer ${pid} exited (${signal ?? `code ${code}`})${this.stderrSuffix()}`);
      for (const p of this.pending.values()) p.reject(this.exited);
      this.pending.clear();
    });
    this.setActive(false);
  }

  private stderrSuffix(): string {
    const tail = this.stderrTail.trim().split('\n').slice(-3).join(' | ');
    return tail ? `: ${tail}` : '';
  }

  /**
   * An idle peer must not keep this process alive (a forgotten peer would hang
   * the runner), but one with a call in flight must, or node would exit with
   * the call's promise unsettled.
   */
  private setActive(active: boolean): void {
    const handles = [this.child, this.child.stdout, this.child.stderr, this.child.stdin];
    for (const h of handles) {
      if (h && 'ref' in h && typeof h.ref === 'function' && typeof h.unref === 'function') {
        if (active) h.ref();
        else h.unref();
      }
    }
  }

  private onLine(text: string): void {
    let msg: PeerResponse;
    try {
      msg = JSON.parse(text) as PeerResponse;
    } catch {
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (this.pending.size === 0) this.setActive(false);
    if (msg.ok) p.resolve(msg);
    else if ('errno' in msg) p.reject(new SysError(msg.errno, msg.syscall, msg.detail ?? `in peer ${this.pid}`));
    else p.reject(new Error(`peer ${this.pid}: ${msg.error}`));
  }

  private call(body: PeerRequestBody): Promise<Success> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.setActive(true);
      this.child.stdin?.write(`${JSON.stringify({ id, ...body })}\n`);
    });
  }

  async open(path: string, flags: number): Promise<number> {
    return Number((await this.call({ op: 'open', path, flags })).value);
  }

  async close(fd: number): Promise<void> {
    await this.call({ op: 'close', fd });
  }

  async ioctl(fd: number, request: number, arg: Buffer): Promise<{ ret: number; arg: Buffer }> {
    const r = await this.call({ op: 'ioctl', fd, request, arg: arg.toString('hex') });
    return { ret: Number(r.value), arg: Buffer.from(r.data ?? '', 'hex') };
  }

  async recvFd(sock: number): Promise<number> {
    return Number((await this.call({ op: 'recvFd', sock })).value);
  }

  /** Not part of PeerProcess: lets self-tests see the shared file description from the child. */
  async read(fd: number, length: number): Promise<Buffer> {
    return Buffer.from((await this.call({ op: 'read', fd, length })).data ?? '', 'hex');
  }

  async write(fd: number, data: Buffer): Promise<number> {
    return Number((await this.call({ op: 'write', fd, data: data.toString('hex') })).value);
  }

  async lseek(fd: number, offset: bigint, whence: number): Promise<bigint> {
    return BigInt((await this.call({ op: 'lseek', fd, offset: offset.toString(), whence })).value);
  }

  async exit(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.setActive(true);
    this.call({ op: 'exit' }).catch(() => undefined);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), EXIT_GRACE_MS);
    await gone;
    clearTimeout(timer);
  }
}

/** The agent module beside this file, with this file's extension (.ts under ts-node, .js in dist/). */
function agentCommand(): string[] {
  const ext = path.extname(__filename);
  const agent = path.join(__dirname, `peer-agent${ext}`);
  if (ext === '.ts') return ['-r', require.resolve('ts-node/register/transpile-only'), agent];
  return [agent];
}

/**
 * Runs `fn` (which forks) with FD_CLOEXEC set on every fd of this process that
 * is not to be inherited, then restores the flags: a child gets exactly the
 * fds asked for, not every fd that happens to lack O_CLOEXEC.
 */
function withOnlyInherited<T>(sys: Sys, keep: ReadonlySet<number>, fn: () => T): T {
  const changed: number[] = [];
  let names: string[];
  try {
    names = fs.readdirSync('/proc/self/fd');
  } catch {
    // Without /proc the fd table cannot be listed: the child then inherits every fd lacking O_CLOEXEC.
    return fn();
  }
  for (const name of names) {
    const fd = Number(name);
    if (fd <= 2 || keep.has(fd)) continue;
    let flags: number;
    try {
      flags = sys.fcntl(fd, F_GETFD);
    } catch {
      continue; // the directory fd readdir used, closed since
    }
    if ((flags & FD_CLOEXEC) === 0) {
      sys.fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
      changed.push(fd);
    }
  }
  try {
    return fn();
  } finally {
    for (const fd of changed) sys.fcntl(fd, F_SETFD, sys.fcntl(fd, F_GETFD) & ~FD_CLOEXEC);
  }
}

export async function spawnPeer(sys: Sys, options: SpawnOptions): Promise<NativePeer> {
  const inheritFds = [...new Set(options.inheritFds)];
  for (const fd of inheritFds) sys.fcntl(fd, F_GETFD); // EBADF here, not an obscure spawn failure
  const inherited = new Map(inheritFds.map((fd, i) => [fd, FIRST_CHILD_FD + i] as const));
  const child = withOnlyInherited(sys, new Set(inheritFds), () =>
    spawnChild(process.execPath, agentCommand(), {
      stdio: ['pipe', 'pipe', 'pipe', ...inheritFds],
      env: process.env,
    }),
  );
  const lines = readline.createInterface({ input: child.stdout as NodeJS.ReadableStream, crlfDelay: Infinity });
  let stderr = '';
  const onStderr = (chunk: Buffer): void => void (stderr = (stderr + chunk.toString()).slice(-STDERR_KEEP));
  child.stderr?.on('data', onStderr);

  const hello = await new Promise<PeerHello>((resolve, reject) => {
    const fail = (why: string): void => {
      cleanup();
      child.kill('SIGKILL');
      reject(new Error(`peer agent did not start: ${why}${stderr.trim() ? `: ${stderr.trim().slice(-400)}` : ''}`));
    };
    const onLine = (text: string): void => {
      try {
        const msg = JSON.parse(text) as Partial<PeerHello>;
        if (msg.ready === true && typeof msg.pid === 'number') {
          cleanup();
          resolve(msg as PeerHello);
        }
      } catch {
        // not the hello line
      }
    };
    const onExit = (code: number | null, signal: string | null): void => fail(`exited (${signal ?? `code ${code}`})`);
    const onError = (e: Error): void => fail(e.message);
    const timer = setTimeout(() => fail(`no answer within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
    const cleanup = (): void => {
      clearTimeout(timer);
      lines.off('line', onLine);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    lines.on('line', onLine);
    child.on('exit', onExit);
    child.on('error', onError);
  });
  child.stderr?.off('data', onStderr);
  return new NativePeer(child, hello.pid, inherited, lines);
}
