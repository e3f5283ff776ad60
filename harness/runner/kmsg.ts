/**
 * Kernel log capture: the records of /dev/kmsg that appeared while a test
 * ran, and the kernel's taint before and after; of the machine's kernel
 * (read by the runner) or of a simulated one (read through its Sys by the
 * worker, drivers/sim/kernel/printk.ts).
 * Reads are non-blocking and start from the log's current end, so a
 * long-running machine's old warnings are never blamed on a test.
 */
import { closeSync, constants, openSync, readFileSync, readSync } from 'node:fs';
import { O_CLOEXEC, O_NONBLOCK, O_RDONLY } from '../sys/constants';
import { isSysError } from '../sys/errno';
import type { Sys } from '../sys/types';

export interface KmsgRecord {
  readonly seq: number;
  /** syslog level 0 (emerg) .. 7 (debug). */
  readonly level: number;
  readonly usec: number;
  readonly text: string;
}

export interface KernelLogPaths {
  readonly kmsg: string;
  readonly tainted: string;
}

export const DEFAULT_PATHS: KernelLogPaths = { kmsg: '/dev/kmsg', tainted: '/proc/sys/kernel/tainted' };

export interface Mark {
  readonly seq: number;
  readonly taint: number | null;
}

export interface Captured {
  readonly records: readonly KmsgRecord[];
  readonly taintBefore: number | null;
  readonly taintAfter: number | null;
}

/** Warnings a driver maintainer must look at (IGT's runner flags the same kinds). */
const ALARM = /\b(WARNING:|BUG:|kernel BUG|Oops|general protection fault|Call Trace|UBSAN:|KASAN:|possible circular locking|refcount_t:|list_add corruption|INFO: task .* blocked)/;

const KEEP = 20000;

export function parseRecord(raw: string): KmsgRecord | null {
  const semi = raw.indexOf(';');
  if (semi < 0) return null;
  const [prio, seq, usec] = raw.slice(0, semi).split(',');
  const body = raw.slice(semi + 1).split('\n')[0];
  const text = body.replace(/\\x([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  const p = Number(prio);
  if (!Number.isFinite(p)) return null;
  return { seq: Number(seq), level: p & 7, usec: Number(usec), text };
}

/** Where records come from: /dev/kmsg through node (the runner) or through a Sys (a test, a simulated kernel). */
interface KmsgSource {
  /** One record into `buf`: its length, 'again' when none is left, 'lost' when records were overwritten (EPIPE). */
  read(buf: Buffer): number | 'again' | 'lost';
  taint(): number | null;
  close(): void;
}

function nodeSource(fd: number, paths: KernelLogPaths): KmsgSource {
  let open = true;
  return {
    read(buf) {
      try {
        return readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') return 'lost';
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return 'again';
        throw e;
      }
    },
    taint() {
      try {
        return Number(readFileSync(paths.tainted, 'utf8').trim());
      } catch {
        return null;
      }
    },
    close() {
      if (open) closeSync(fd);
      open = false;
    },
  };
}

function sysSource(sys: Sys, fd: number, paths: KernelLogPaths): KmsgSource {
  let open = true;
  return {
    read(buf) {
      try {
        const got = sys.read(fd, buf.length);
        got.copy(buf);
        return got.length;
      } catch (e) {
        if (isSysError(e, 'EPIPE')) return 'lost';
        if (isSysError(e, 'EAGAIN')) return 'again';
        throw e;
      }
    },
    taint() {
      try {
        return Number(sys.fs.readFile(paths.tainted).toString('utf8').trim());
      } catch {
        return null;
      }
    },
    close() {
      if (open) sys.close(fd);
      open = false;
    },
  };
}

export class KernelLog {
  private readonly records: KmsgRecord[] = [];
  private lastSeq = -1;
  private readonly buf = Buffer.alloc(8192);

  private constructor(private readonly source: KmsgSource) {
    this.drain();
    this.records.length = 0;
  }

  /** Opens the log, or says why not (once, to the user: usually EACCES or dmesg_restrict). */
  static open(paths: KernelLogPaths = DEFAULT_PATHS): { log: KernelLog } | { problem: string } {
    try {
      const fd = openSync(paths.kmsg, constants.O_RDONLY | constants.O_NONBLOCK);
      return { log: new KernelLog(nodeSource(fd, paths)) };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'error';
      return { problem: `cannot read the kernel log ${paths.kmsg} (${code}): dmesg-warn/dmesg-fail will not be reported` };
    }
  }

  /** The same log read through a Sys: a real kernel's from a test, or a simulated kernel's. */
  static openSys(sys: Sys, paths: KernelLogPaths = DEFAULT_PATHS): { log: KernelLog } | { problem: string } {
    try {
      const fd = sys.open(paths.kmsg, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
      return { log: new KernelLog(sysSource(sys, fd, paths)) };
    } catch (e) {
      return { problem: `cannot read the kernel log ${paths.kmsg} (${e instanceof Error ? e.message : String(e)})` };
    }
  }

  private drain(): void {
    for (;;) {
      const n = this.source.read(this.buf);
      if (n === 'lost') continue; // records were overwritten before we read them
      if (n === 'again' || n <= 0) return;
      const rec = parseRecord(this.buf.toString('utf8', 0, n));
      if (!rec || rec.seq <= this.lastSeq) continue;
      this.lastSeq = rec.seq;
      this.records.push(rec);
    }
  }

  mark(): Mark {
    this.drain();
    if (this.records.length > KEEP) this.records.splice(0, this.records.length - KEEP);
    return { seq: this.lastSeq, taint: this.source.taint() };
  }

  since(mark: Mark): Captured {
    this.drain();
    return { records: this.records.filter((r) => r.seq > mark.seq), taintBefore: mark.taint, taintAfter: this.source.taint() };
  }

  close(): void {
    this.source.close();
  }
}

export interface DmesgVerdict {
  readonly flagged: boolean;
  readonly reason?: string;
  readonly text: string;
}

export function judge(c: Captured): DmesgVerdict {
  const text = c.records.map((r) => `<${r.level}>[${(r.usec / 1e6).toFixed(6)}] ${r.text}`).join('\n');
  const alarm = c.records.find((r) => ALARM.test(r.text));
  if (alarm) return { flagged: true, reason: `kernel log: ${alarm.text}`, text };
  if (c.taintBefore !== null && c.taintAfter !== null && c.taintAfter !== c.taintBefore) {
    return { flagged: true, reason: `kernel taint changed from ${c.taintBefore} to ${c.taintAfter}`, text };
  }
  return { flagged: false, text };
}
