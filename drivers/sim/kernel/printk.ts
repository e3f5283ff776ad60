/**
 * The simulated kernel's log and taint (kernel/printk/printk.c,
 * kernel/panic.c): printk records with a sequence number and a timestamp on
 * the virtual clock, /dev/kmsg with devkmsg_read's one-record-per-read
 * format, and /proc/sys/kernel/tainted. WARN() logs what __warn prints and
 * sets TAINT_WARN, so a test or the runner reading the log sees a simulated
 * driver's warning exactly as it sees a real one (harness/runner/kmsg.ts).
 */
import { SEEK_END, SEEK_SET, O_NONBLOCK } from '../../../harness/sys/constants';
import { SysError } from '../../../harness/sys/errno';
import type { VirtualClock } from './clock';
import type { FileOperations } from './vfs/file';

/** include/linux/kern_levels.h */
export const KERN_ERR = 3;
export const KERN_WARNING = 4;
export const KERN_INFO = 6;
/** include/linux/panic.h TAINT_WARN: bit 9, "W". */
export const TAINT_WARN = 9;
/** include/uapi/linux/fs.h SEEK_DATA: devkmsg_llseek's "after the last clear". */
const SEEK_DATA = 3;

export interface PrintkRecord {
  readonly seq: number;
  readonly level: number;
  readonly usec: number;
  readonly text: string;
}

export class KernelLogBuffer {
  private readonly records: PrintkRecord[] = [];
  private nextSeq = 0;
  /** /proc/sys/kernel/tainted. */
  taint = 0;

  constructor(private readonly clock: VirtualClock) {}

  /** printk at `level`; one record per line, as vprintk_store splits them. */
  printk(level: number, text: string): void {
    const usec = Number(this.clock.nowNs() / 1000n);
    for (const line of text.split('\n')) this.records.push({ seq: this.nextSeq++, level, usec, text: line });
  }

  /** dev_warn: "<driver> <device>: <text>". */
  devWarn(driver: string, device: string, text: string): void {
    this.printk(KERN_WARNING, `${driver} ${device}: ${text}`);
  }

  /**
   * WARN(cond, fmt) (kernel/panic.c __warn): the cut-here line, the message,
   * "WARNING: <file>:<line> at <function>", then TAINT_WARN. Register dumps
   * and the call trace are not simulated.
   */
  warn(where: { file: string; line: number; func: string }, message: string, comm: string): void {
    this.printk(KERN_WARNING, '------------[ cut here ]------------');
    this.printk(KERN_WARNING, message);
    this.printk(KERN_WARNING, `WARNING: ${where.file}:${where.line} at ${where.func}, CPU#0: ${comm}`);
    this.printk(KERN_WARNING, '---[ end trace 0000000000000000 ]---');
    this.taint |= 1 << TAINT_WARN;
  }

  /** The record with sequence number >= seq, or null. */
  at(seq: number): PrintkRecord | null {
    const first = this.records.length > 0 ? this.records[0].seq : this.nextSeq;
    return this.records[Math.max(0, seq - first)] ?? null;
  }

  get endSeq(): number {
    return this.nextSeq;
  }
}

/** devkmsg_read's record: "<prio>,<seq>,<usec>,-;<text>\n" (facility 0: kernel). */
export function formatKmsgRecord(r: PrintkRecord): Buffer {
  return Buffer.from(`${r.level},${r.seq},${r.usec},-;${r.text}\n`);
}

/** /dev/kmsg (printk.c devkmsg_fops): the file's position is the next sequence number to read. */
export function kmsgFops(log: KernelLogBuffer): FileOperations {
  return {
    kind: 'kmsg',
    read(file, length) {
      const r = log.at(Number(file.pos));
      if (!r) {
        // devkmsg_read: no record yet is EAGAIN with O_NONBLOCK; the simulator never blocks.
        if (file.flags & O_NONBLOCK) throw SysError.of('EAGAIN', 'read', '/dev/kmsg');
        throw SysError.of('EAGAIN', 'read', '/dev/kmsg: a blocking read would wait forever in the simulator');
      }
      const out = formatKmsgRecord(r);
      if (out.length > length) throw SysError.of('EINVAL', 'read', '/dev/kmsg: buffer smaller than the record');
      file.pos = BigInt(r.seq + 1);
      return out;
    },
    write(_file, data) {
      // devkmsg_write: user space may log a record (the lane's markers do).
      log.printk(KERN_INFO, data.toString('utf8').replace(/\n$/, ''));
      return data.length;
    },
    llseek(file, offset, whence) {
      // devkmsg_llseek: only offset 0; SEEK_SET the oldest record, SEEK_END past the newest.
      if (offset !== 0n) throw SysError.of('ESPIPE', 'lseek');
      if (whence === SEEK_SET) file.pos = BigInt(log.at(0)?.seq ?? log.endSeq);
      else if (whence === SEEK_END || whence === SEEK_DATA) file.pos = BigInt(log.endSeq);
      else throw SysError.of('EINVAL', 'lseek');
      return 0n;
    },
  };
}
