/**
 * Runs a fuzz program on one device through the project's ioctl library and
 * records every op (./record.ts). The same code drives any `Sys`: the
 * simulated kernel or a real one (the reference module in the kernel lane).
 *
 * Only deterministic outcomes may be compared, so the executor settles the
 * device (waits for every job queued and not yet waited) before any op whose
 * result could depend on how far the jobs got: closes, CPU access to memory,
 * map/unmap, a queue on another file, a dequeue (its out_sync may name any
 * job of the file, whatever job the program meant), STATE.
 * Jobs of one file still run back to back in flight; the order between files
 * is the scheduler's choice and is left to guest/stress.js. STATE after a
 * crash or a timeout also waits out the firmware's recovery.
 */
import {
  APU_CMD_CHECKSUM, APU_CMD_COPY, APU_CMD_CRASH, APU_CMD_FILL, APU_CMD_HANG, APU_CMD_NOP,
  DRM_IOCTL_APU_GEM_DEQUEUE, DRM_IOCTL_APU_GEM_IOMMU_MAP, DRM_IOCTL_APU_GEM_IOMMU_UNMAP, DRM_IOCTL_APU_GEM_NEW,
  DRM_IOCTL_APU_GEM_QUEUE, DRM_IOCTL_APU_STATE, apu_cmd_checksum, apu_cmd_checksum_out, apu_cmd_copy, apu_cmd_fill,
  drm_apu_gem_dequeue, drm_apu_gem_iommu_map, drm_apu_gem_new, drm_apu_gem_queue, drm_apu_state,
} from '../../drivers/apu/uapi';
import { isSysError } from '../sys/errno';
import { MAP_SHARED, O_CLOEXEC, O_RDWR, PROT_READ, PROT_WRITE } from '../sys/constants';
import type { Mapping, PeerProcess, Sys, UserMemory } from '../sys/types';
import {
  DRM_IOCTL_GEM_CLOSE, DRM_IOCTL_PRIME_FD_TO_HANDLE, DRM_IOCTL_PRIME_HANDLE_TO_FD, DRM_IOCTL_SYNCOBJ_CREATE,
  drm_gem_close, drm_prime_handle, drm_syncobj_create,
} from '../uapi/drm';
import { syncobjWait } from '../ioctl';
import type { AddrRef, HandleRef, JobCmd, Op, Proc, Program } from './program';
import { type OpRecord, Renamer, type Value, rle } from './record';

/** A device as the executor needs it: the kernel it lives on and its node. */
export interface FuzzDevice {
  readonly sys: Sys;
  readonly devnode: string;
}

/** Deadline of every wait: far beyond any job timeout, so a wait never expires on a working driver. */
export const WAIT_DEADLINE_MS = 10_000;
/** How long STATE waits after a crash or a timeout: above every model's recovery (firmware reboot, reset). */
export const RECOVERY_MS = 100;
/** open() keeps retrying EAGAIN (a context being torn down) this long, as tests/lib/device.ts openRetry does. */
const OPEN_RETRY_MS = 5000;

interface FdEntry { readonly fd: number; readonly proc: Proc; readonly file: number; readonly gen: number; open: boolean }
interface JobEntry { readonly fd: number; readonly file: number; readonly syncobj: number; pending: boolean; readonly disruptive: boolean }

interface Peer { readonly proc: PeerProcess; readonly sock: number; readonly peerSock: number }

interface Outcome { readonly result: string; readonly arg?: Buffer }

class SkipOp extends Error {}

const errnoOf = (e: unknown): string => {
  if (isSysError(e)) return e.code;
  throw e;
};

/** One device's executor; keeps its peer process between programs (spawning one is slow on a real machine). */
export class Executor {
  private peer: Peer | null = null;
  /** Bumped when the peer exits: fds of an older generation are gone with it. */
  private peerGen = 0;
  private fds = new Map<number, FdEntry>();
  private jobs = new Map<number, JobEntry>();
  private handles = new Map<number, number>();
  private offsets = new Map<number, bigint>();
  /** Per gem-new op: the file and handle its object was made with, until that handle is closed. */
  private made = new Map<number, { readonly file: number; readonly handle: number; closed: boolean }>();
  private addrs = new Map<number, bigint[]>();
  private maps = new Map<number, Mapping>();
  private nextFile = 0;
  private recoveryDue = false;
  private names = new Renamer();

  constructor(private readonly dev: FuzzDevice) {}

  private get sys(): Sys {
    return this.dev.sys;
  }

  async run(program: Program): Promise<OpRecord[]> {
    this.reset();
    const records: OpRecord[] = [];
    try {
      for (const op of program.ops) records.push(await this.step(op));
    } finally {
      await this.cleanup();
    }
    return records;
  }

  /** Ends the peer process; the executor can still be used (a new peer is started when needed). */
  async dispose(): Promise<void> {
    await this.endPeer();
  }

  private reset(): void {
    this.fds = new Map();
    this.jobs = new Map();
    this.handles = new Map();
    this.offsets = new Map();
    this.made = new Map();
    this.addrs = new Map();
    this.maps = new Map();
    // recoveryDue stays: a crash at the end of one program is still recovering when the next one asks STATE.
    this.names = new Renamer();
  }

  private async step(op: Op): Promise<OpRecord> {
    try {
      await this.settleFor(op);
      return { id: op.id, op: op.op, ...(await this.apply(op)) };
    } catch (e) {
      if (e instanceof SkipOp) return { id: op.id, op: op.op, result: `skipped (${e.message})` };
      throw e;
    }
  }

  /** Waits for the jobs in flight unless `op` cannot observe how far they got. */
  private async settleFor(op: Op): Promise<void> {
    switch (op.op) {
      case 'open': case 'dup': case 'send': case 'gem-new': case 'gem-close': case 'export': case 'import': case 'wait':
        return;
      case 'queue': {
        const file = this.fds.get(op.fd)?.file;
        if ([...this.jobs.values()].every((j) => !j.pending || j.file === file)) return;
        break;
      }
      default:
        break;
    }
    await this.settle();
  }

  private async settle(): Promise<void> {
    for (const job of this.jobs.values()) {
      if (!job.pending) continue;
      job.pending = false;
      try {
        await syncobjWait(this.sys, job.fd, job.syncobj, WAIT_DEADLINE_MS);
      } catch (e) {
        errnoOf(e);
        // A wait that fails here is one the program did not ask for: the job's own wait op (if any) records it.
      }
      if (job.disruptive) this.recoveryDue = true;
    }
  }

  // --- resolution of symbolic references -------------------------------------------

  /** The live fd an op refers to; a closed fd (or one of an exited peer) is never issued: its number may be reused. */
  private fd(id: number): FdEntry {
    const f = this.fds.get(id);
    if (!f) throw new SkipOp(`op ${id} made no fd`);
    if (!f.open) throw new SkipOp(`fd of op ${id} is closed`);
    if (f.proc === 'peer' && f.gen !== this.peerGen) throw new SkipOp(`fd of op ${id} went with its process`);
    return f;
  }

  private handle(r: HandleRef): number {
    // A failed creation leaves no handle: 0, which no idr hands out, stands in on both sides.
    return 'raw' in r ? r.raw : (this.handles.get(r.of) ?? 0);
  }

  private addr(r: AddrRef): bigint {
    if ('raw' in r) return BigInt(r.raw);
    const base = this.addrs.get(r.of)?.[r.index] ?? 0n;
    return BigInt.asUintN(64, base + BigInt(r.offset));
  }

  private addFd(id: number, fd: number, proc: Proc, file: number): void {
    this.fds.set(id, { fd, proc, file, gen: this.peerGen, open: true });
  }

  // --- issuing -------------------------------------------------------------------------

  private async ioctl(f: FdEntry, request: number, arg: Buffer): Promise<Outcome> {
    if (f.proc === 'main') {
      try {
        this.sys.ioctl(f.fd, request, arg);
        return { result: 'ok', arg };
      } catch (e) {
        // The struct as the kernel left it: drm_ioctl() copies it back whatever the handler returned (drm_ioctl.c).
        return { result: errnoOf(e), arg };
      }
    }
    const peer = await this.ensurePeer();
    try {
      const r = await peer.proc.ioctl(f.fd, request, arg);
      return { result: 'ok', arg: r.arg };
    } catch (e) {
      // The peer protocol returns no struct on error.
      return { result: errnoOf(e) };
    }
  }

  private withMemory<T>(size: number, fn: (m: UserMemory) => T): T {
    const m = this.sys.alloc(Math.max(1, size));
    try {
      return fn(m);
    } finally {
      this.sys.free(m);
    }
  }

  private async apply(op: Op): Promise<Omit<OpRecord, 'id' | 'op'>> {
    const n = this.names;
    switch (op.op) {
      case 'open': {
        const file = this.nextFile++;
        const r = await this.open(op.proc);
        if (typeof r === 'string') return { result: r };
        this.addFd(op.id, r, op.proc, file);
        return { result: 'ok', out: { fd: n.name(op.proc === 'main' ? 'fd' : 'peer-fd', r) } };
      }
      case 'dup': {
        const f = this.fd(op.fd);
        try {
          const fd = this.sys.dup(f.fd);
          this.addFd(op.id, fd, 'main', f.file);
          return { result: 'ok', out: { fd: n.name('fd', fd) } };
        } catch (e) {
          return { result: errnoOf(e) };
        }
      }
      case 'send': {
        const f = this.fd(op.fd);
        const peer = await this.ensurePeer();
        try {
          this.sys.sendFd(peer.sock, f.fd);
          const fd = await peer.proc.recvFd(peer.peerSock);
          this.addFd(op.id, fd, 'peer', f.file);
          return { result: 'ok', out: { fd: n.name('peer-fd', fd) } };
        } catch (e) {
          return { result: errnoOf(e) };
        }
      }
      case 'close': {
        const f = this.fd(op.fd);
        f.open = false;
        try {
          if (f.proc === 'main') this.sys.close(f.fd);
          else await (await this.ensurePeer()).proc.close(f.fd);
          return { result: 'ok' };
        } catch (e) {
          return { result: errnoOf(e) };
        }
      }
      case 'peer-exit': {
        if (!this.peer) throw new SkipOp('no peer');
        await this.endPeer();
        return { result: 'ok' };
      }
      case 'gem-new': {
        const o = await this.ioctl(this.fd(op.fd), DRM_IOCTL_APU_GEM_NEW, drm_apu_gem_new.encode({ size: op.size, flags: op.flags }));
        if (!o.arg) return { result: o.result };
        const v = drm_apu_gem_new.decode(o.arg);
        if (o.result === 'ok') {
          this.handles.set(op.id, v.handle);
          this.offsets.set(op.id, v.offset);
          this.made.set(op.id, { file: this.fd(op.fd).file, handle: v.handle, closed: false });
        }
        return { result: o.result, out: { handle: v.handle, offset: offsetValue(v.offset), size: v.size, flags: v.flags } };
      }
      case 'gem-close': {
        const f = this.fd(op.fd);
        const handle = this.handle(op.handle);
        const o = await this.ioctl(f, DRM_IOCTL_GEM_CLOSE, drm_gem_close.encode({ handle }));
        if (o.result === 'ok') for (const m of this.made.values()) if (m.file === f.file && m.handle === handle) m.closed = true;
        return { result: o.result };
      }
      case 'export': {
        const f = this.fd(op.fd);
        const o = await this.ioctl(f, DRM_IOCTL_PRIME_HANDLE_TO_FD, drm_prime_handle.encode({ handle: this.handle(op.handle), flags: op.flags }));
        if (!o.arg) return { result: o.result };
        const v = drm_prime_handle.decode(o.arg);
        if (o.result === 'ok') this.addFd(op.id, v.fd, f.proc, this.nextFile++);
        return { result: o.result, out: { fd: n.name(f.proc === 'main' ? 'fd' : 'peer-fd', v.fd), handle: v.handle, flags: v.flags } };
      }
      case 'import': {
        const f = this.fd(op.fd);
        let dmabuf: number;
        if (typeof op.dmabuf === 'number') {
          const d = this.fd(op.dmabuf);
          if (d.proc !== f.proc) throw new SkipOp('dma-buf fd of another process');
          dmabuf = d.fd;
        } else dmabuf = op.dmabuf.raw;
        const o = await this.ioctl(f, DRM_IOCTL_PRIME_FD_TO_HANDLE, drm_prime_handle.encode({ fd: dmabuf }));
        if (!o.arg) return { result: o.result };
        const v = drm_prime_handle.decode(o.arg);
        if (o.result === 'ok') this.handles.set(op.id, v.handle);
        return { result: o.result, out: { handle: v.handle, flags: v.flags } };
      }
      case 'mmap': {
        const f = this.fd(op.fd);
        if (f.proc !== 'main') throw new SkipOp('mmap in the peer');
        if (!this.handleLives(op.newOp)) throw new SkipOp('the handle of the object is gone: its offset may be reused');
        try {
          const m = this.sys.mmap(f.fd, op.pages * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, this.offsets.get(op.newOp) ?? 0n);
          this.maps.set(op.id, m);
          return { result: 'ok' };
        } catch (e) {
          return { result: errnoOf(e) };
        }
      }
      case 'munmap': {
        const m = this.mapping(op.map);
        this.maps.delete(op.map);
        this.sys.munmap(m);
        return { result: 'ok' };
      }
      case 'write': {
        const m = this.mapping(op.map);
        if (op.offset + op.len > m.length) throw new SkipOp('outside the mapping');
        const step = op.step ?? 0;
        if (step === 0) m.bytes.fill(op.value & 0xff, op.offset, op.offset + op.len);
        else for (let i = 0; i < op.len; i++) m.bytes[op.offset + i] = (op.value + i * step) & 0xff;
        return { result: 'ok' };
      }
      case 'read': {
        const m = this.mapping(op.map);
        if (op.offset + op.len > m.length) throw new SkipOp('outside the mapping');
        return { result: 'ok', data: rle(m.bytes.subarray(op.offset, op.offset + op.len)) };
      }
      case 'map':
      case 'unmap':
        return this.mapOrUnmap(op);
      case 'queue':
        return this.queue(op);
      case 'wait': {
        const job = this.jobs.get(op.job);
        if (!job) throw new SkipOp(`op ${op.job} made no syncobj`);
        const f = this.liveFdOfFile(job.file);
        job.pending = false;
        try {
          await syncobjWait(this.sys, f.fd, job.syncobj, WAIT_DEADLINE_MS);
          if (job.disruptive) this.recoveryDue = true;
          return { result: 'ok' };
        } catch (e) {
          return { result: errnoOf(e) };
        }
      }
      case 'dequeue': {
        const job = this.jobs.get(op.job);
        const f = this.fd(op.fd);
        if (f.proc !== 'main') throw new SkipOp('dequeue in the peer');
        return this.withMemory(op.size, (mem) => {
          const arg = drm_apu_gem_dequeue.encode({ out_sync: job?.syncobj ?? 0, size: op.size, data: op.data ? mem.address : 0n });
          let result = 'ok';
          try {
            this.sys.ioctl(f.fd, DRM_IOCTL_APU_GEM_DEQUEUE, arg);
          } catch (e) {
            result = errnoOf(e);
          }
          const v = drm_apu_gem_dequeue.decode(arg);
          const out: Record<string, Value> = { out_sync: v.out_sync, result: v.result, size: v.size };
          return { result, out, ...(op.data && op.size > 0 ? { data: rle(mem.bytes.subarray(0, op.size)) } : {}) };
        });
      }
      case 'state': {
        if (this.recoveryDue) {
          await this.sys.sleepMs(RECOVERY_MS);
          this.recoveryDue = false;
        }
        const o = await this.ioctl(this.fd(op.fd), DRM_IOCTL_APU_STATE, drm_apu_state.encode({ device: op.device }));
        if (!o.arg) return { result: o.result };
        const v = drm_apu_state.decode(o.arg);
        return { result: o.result, out: { device: v.device, flags: v.flags } };
      }
    }
  }

  /**
   * Whether the object of gem-new op `id` still has the handle it was made
   * with. Once that goes, the object may be freed (or not: a job, a dma-buf
   * or a mapping may hold it), and a freed object's offset may be handed to
   * any later object (drm_mm best fit over the device's whole history): an
   * mmap at the old offset would compare timing and history, not the driver.
   */
  private handleLives(id: number): boolean {
    const m = this.made.get(id);
    if (!m) return true; // never made: mmap at offset 0, EINVAL everywhere
    if (m.closed) return false;
    for (const f of this.fds.values()) {
      if (f.file === m.file && f.open && (f.proc === 'main' || f.gen === this.peerGen)) return true;
    }
    return false;
  }

  private mapping(id: number): Mapping {
    const m = this.maps.get(id);
    if (!m) throw new SkipOp(`no mapping of op ${id}`);
    return m;
  }

  /** Any open fd of the main process on `file` (the job's own fd may be closed while a dup keeps the file). */
  private liveFdOfFile(file: number): FdEntry {
    for (const f of this.fds.values()) if (f.open && f.proc === 'main' && f.file === file) return f;
    throw new SkipOp('the file of the job is closed');
  }

  private mapOrUnmap(op: Extract<Op, { op: 'map' | 'unmap' }>): Omit<OpRecord, 'id' | 'op'> {
    const f = this.fd(op.fd);
    if (f.proc !== 'main') throw new SkipOp(`${op.op} in the peer`);
    const handles = op.handles.map((h) => this.handle(h));
    const hm = this.sys.alloc(Math.max(1, handles.length * 4));
    const am = this.sys.alloc(Math.max(1, handles.length * 8));
    try {
      handles.forEach((h, i) => hm.bytes.writeUInt32LE(h >>> 0, i * 4));
      am.bytes.fill(0);
      const count = op.count ?? handles.length;
      const arg = drm_apu_gem_iommu_map.encode({ bo_handles: hm.address, bo_handle_count: count, bo_device_addresses: am.address });
      let result = 'ok';
      try {
        this.sys.ioctl(f.fd, op.op === 'map' ? DRM_IOCTL_APU_GEM_IOMMU_MAP : DRM_IOCTL_APU_GEM_IOMMU_UNMAP, arg);
      } catch (e) {
        result = errnoOf(e);
      }
      const addrs = handles.map((_, i) => am.bytes.readBigUInt64LE(i * 8));
      if (op.op === 'map' && result === 'ok') this.addrs.set(op.id, addrs);
      const out: Record<string, Value> = {};
      if (op.op === 'map') addrs.forEach((a, i) => (out[`addr${i}`] = this.names.name('addr', a)));
      return { result, out };
    } finally {
      this.sys.free(hm);
      this.sys.free(am);
    }
  }

  private queue(op: Extract<Op, { op: 'queue' }>): Omit<OpRecord, 'id' | 'op'> {
    const f = this.fd(op.fd);
    if (f.proc !== 'main') throw new SkipOp('queue in the peer');
    let syncobj: number;
    const out: Record<string, Value> = {};
    if (op.reuseSync !== undefined) {
      syncobj = this.jobs.get(op.reuseSync)?.syncobj ?? 0;
    } else {
      const s = drm_syncobj_create.encode({});
      try {
        this.sys.ioctl(f.fd, DRM_IOCTL_SYNCOBJ_CREATE, s);
      } catch (e) {
        return { result: `syncobj ${errnoOf(e)}` };
      }
      syncobj = drm_syncobj_create.decode(s).handle;
      out['syncobj'] = syncobj;
    }
    const enc = encodeCmd(op.cmd, (r) => this.addr(r));
    const handles = op.handles.map((h) => this.handle(h));
    const bm = this.sys.alloc(Math.max(1, handles.length * 4));
    const dm = this.sys.alloc(Math.max(1, enc.args.length));
    try {
      handles.forEach((h, i) => bm.bytes.writeUInt32LE(h >>> 0, i * 4));
      enc.args.copy(dm.bytes);
      const arg = drm_apu_gem_queue.encode({
        device: op.device ?? 0,
        cmd: enc.cmd,
        out_sync: syncobj,
        bo_handles: handles.length > 0 ? bm.address : 0n,
        bo_handle_count: op.count ?? handles.length,
        size_in: op.sizeIn ?? enc.args.length,
        size_out: op.sizeOut ?? enc.sizeOut,
        data: enc.args.length > 0 ? dm.address : 0n,
      });
      let result = 'ok';
      try {
        this.sys.ioctl(f.fd, DRM_IOCTL_APU_GEM_QUEUE, arg);
      } catch (e) {
        result = errnoOf(e);
      }
      const disruptive = op.cmd.kind === 'hang' || op.cmd.kind === 'crash';
      // A failed queue leaves the syncobj without a fence: a wait on it answers at once (EINVAL).
      this.jobs.set(op.id, { fd: f.fd, file: f.file, syncobj, pending: result === 'ok', disruptive: disruptive && result === 'ok' });
      return { result, out };
    } finally {
      this.sys.free(bm);
      this.sys.free(dm);
    }
  }

  private async open(proc: Proc): Promise<number | string> {
    const deadline = this.sys.monotonicNs() + BigInt(OPEN_RETRY_MS) * 1_000_000n;
    for (;;) {
      try {
        if (proc === 'main') return this.sys.open(this.dev.devnode, O_RDWR | O_CLOEXEC);
        return await (await this.ensurePeer()).proc.open(this.dev.devnode, O_RDWR | O_CLOEXEC);
      } catch (e) {
        const code = errnoOf(e);
        if (code !== 'EAGAIN' || this.sys.monotonicNs() >= deadline) return code;
        await this.sys.sleepMs(5);
      }
    }
  }

  private async ensurePeer(): Promise<Peer> {
    if (this.peer) return this.peer;
    const [sock, theirs] = this.sys.socketpair();
    try {
      const proc = await this.sys.spawn({ inheritFds: [theirs] });
      const peerSock = proc.inherited.get(theirs);
      if (peerSock === undefined) throw new Error('the peer did not inherit its socket');
      this.peer = { proc, sock, peerSock };
      return this.peer;
    } finally {
      this.sys.close(theirs);
    }
  }

  private async endPeer(): Promise<void> {
    const p = this.peer;
    if (!p) return;
    this.peer = null;
    this.peerGen++;
    await p.proc.exit();
    this.sys.close(p.sock);
  }

  /** Leaves nothing of the program behind: jobs ended, mappings and files closed (in both processes). */
  private async cleanup(): Promise<void> {
    await this.settle();
    for (const m of this.maps.values()) this.sys.munmap(m);
    this.maps.clear();
    for (const f of this.fds.values()) {
      if (!f.open) continue;
      f.open = false;
      try {
        if (f.proc === 'main') this.sys.close(f.fd);
        else if (f.gen === this.peerGen && this.peer) await this.peer.proc.close(f.fd);
      } catch (e) {
        errnoOf(e);
      }
    }
  }
}

/**
 * A fake mmap offset is only checked for being written: its value is the
 * device's (one drm_vma_offset_manager per device, best-fit in a drm_mm), and
 * an object's offset goes back to it when the object is freed
 * (drm_gem_free_mmap_offset from drm_gem_object_release), which for an object
 * a job holds happens in drm_sched's free_job work, after the job's fence has
 * signalled: whether a new object reuses it is timing. mmap at the offset is
 * what the program checks.
 */
function offsetValue(offset: bigint): Value {
  return offset === 0n ? 0 : 'offset';
}

/** GEM_QUEUE's cmd, argument bytes and result size for a job command. */
export function encodeCmd(c: JobCmd, addr: (r: AddrRef) => bigint): { cmd: number; args: Buffer; sizeOut: number } {
  switch (c.kind) {
    case 'nop': return { cmd: APU_CMD_NOP, args: Buffer.alloc(0), sizeOut: 0 };
    case 'hang': return { cmd: APU_CMD_HANG, args: Buffer.alloc(0), sizeOut: 0 };
    case 'crash': return { cmd: APU_CMD_CRASH, args: Buffer.alloc(0), sizeOut: 0 };
    case 'unknown': return { cmd: c.cmd, args: Buffer.alloc(0), sizeOut: 0 };
    case 'fill':
      return { cmd: APU_CMD_FILL, args: apu_cmd_fill.encode({ dst: addr(c.dst), len: c.len, value: c.value }), sizeOut: 0 };
    case 'copy':
      return { cmd: APU_CMD_COPY, args: apu_cmd_copy.encode({ src: addr(c.src), dst: addr(c.dst), len: c.len, pad: c.pad }), sizeOut: 0 };
    case 'checksum':
      return {
        cmd: APU_CMD_CHECKSUM,
        args: apu_cmd_checksum.encode({ src: addr(c.src), len: c.len, pad: c.pad }),
        sizeOut: apu_cmd_checksum_out.size,
      };
  }
}
