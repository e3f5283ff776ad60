/**
 * The child side of NativePeer: a process started by `NativeSys.spawn`, running
 * requests from its parent with the same native backend, one at a time in
 * arrival order, so the parent sees its calls happen in the order it made them.
 */
import * as readline from 'node:readline';
import { isSysError } from '../errno';
import { NativeSys } from './native-sys';
import type { PeerHello, PeerRequest, PeerResponse } from './peer-protocol';

/** How long the child waits for an fd its parent has not sent yet. */
const RECV_WAIT_MS = 10_000;
const napCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * recvFd is non-blocking (MSG_DONTWAIT); the child may be asked before its
 * parent has sent, so it retries, sleeping synchronously so that requests
 * stay strictly in arrival order. Blocking is harmless here: this process
 * serves one parent and has nothing else to do.
 */
function recvFdWaiting(sys: NativeSys, sock: number): number {
  const deadline = Date.now() + RECV_WAIT_MS;
  for (;;) {
    try {
      return sys.recvFd(sock);
    } catch (e) {
      if (!isSysError(e, 'EAGAIN') || Date.now() >= deadline) throw e;
      Atomics.wait(napCell, 0, 0, 1);
    }
  }
}

function run(sys: NativeSys, req: PeerRequest): PeerResponse {
  switch (req.op) {
    case 'open':
      return { id: req.id, ok: true, value: sys.open(req.path, req.flags) };
    case 'close':
      sys.close(req.fd);
      return { id: req.id, ok: true, value: 0 };
    case 'ioctl': {
      const arg = Buffer.from(req.arg, 'hex');
      const ret = sys.ioctl(req.fd, req.request, arg);
      return { id: req.id, ok: true, value: ret, data: arg.toString('hex') };
    }
    case 'recvFd':
      return { id: req.id, ok: true, value: recvFdWaiting(sys, req.sock) };
    case 'read': {
      const data = sys.read(req.fd, req.length);
      return { id: req.id, ok: true, value: data.length, data: data.toString('hex') };
    }
    case 'write':
      return { id: req.id, ok: true, value: sys.write(req.fd, Buffer.from(req.data, 'hex')) };
    case 'lseek':
      return { id: req.id, ok: true, value: sys.lseek(req.fd, BigInt(req.offset), req.whence).toString() };
    case 'exit':
      return { id: req.id, ok: true, value: 0 };
  }
}

function respond(line: PeerResponse | PeerHello): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function main(): void {
  const sys = new NativeSys();
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  lines.on('line', (text) => {
    let req: PeerRequest;
    try {
      req = JSON.parse(text) as PeerRequest;
    } catch {
      process.stderr.write(`peer-agent: ignoring a line that is not JSON: ${text.slice(0, 80)}\n`);
      return;
    }
    try {
      respond(run(sys, req));
    } catch (e) {
      if (isSysError(e)) {
        const detail = e.message.match(/\((.*)\)$/)?.[1];
        respond({ id: req.id, ok: false, errno: e.errno, syscall: e.syscall, ...(detail ? { detail } : {}) });
      } else {
        respond({ id: req.id, ok: false, error: e instanceof Error ? e.message : String(e) });
      }
    }
    // The parent counts an exit as done when this process is gone: its fds then close as any exit closes them.
    if (req.op === 'exit') process.exit(0);
  });
  // A parent that went away without asking leaves no reason to stay.
  lines.on('close', () => process.exit(0));
  respond({ ready: true, pid: process.pid });
}

main();
