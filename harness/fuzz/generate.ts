/**
 * The program generator: from one seed, a program of open/dup/send/close
 * across two processes, GEM create/close/mmap/write/read, PRIME export and
 * import, the APU's map/unmap, jobs (NOP, FILL, COPY, CHECKSUM, faults,
 * crashes, rarely hangs) with waits and dequeues, and garbage arguments
 * (unknown handles, bad flags and sizes, wrong counts). It keeps a model of
 * what the program has made so that most ops are meaningful and some are not.
 */
import { APU_BO_DEVICE_RO, APU_MAX_BO_HANDLES, APU_PAGE_SIZE } from '../../drivers/apu/uapi';
import { APU_DRIVERS } from '../../drivers/apu/profile';
import { DRM_CLOEXEC, DRM_RDWR } from '../uapi/drm';
import { Prng } from './prng';
import type { AddrRef, HandleRef, JobCmd, Op, OpBody, Proc, Program } from './program';

export interface GenerateOptions {
  /** Largest number of ops (default 40). */
  readonly maxOps?: number;
  /** Probability that a program may contain HANG jobs: each costs the driver's timeout in wall time (default 0.05). */
  readonly hangRate?: number;
  /** Whether jobs may hang or crash the device (default true; false on real hardware without --allow-destructive). */
  readonly destructive?: boolean;
  /** Probability that a program may end its peer process: a new one costs a process start (default 0.03). */
  readonly peerExitRate?: number;
}

interface FdSlot { readonly id: number; readonly proc: Proc; readonly file: number; readonly dmabuf: boolean; open: boolean }
interface HandleSlot { readonly id: number; readonly file: number; readonly pages: number; readonly fromNew: boolean }
/** A CPU mapping of the object GEM_NEW op `obj` made. */
interface MapSlot { readonly id: number; readonly obj: number; readonly pages: number; live: boolean }
/** A device address of a map op; `obj` is the GEM_NEW op of its object when it was made by one. */
interface AddrSlot { readonly of: number; readonly index: number; readonly file: number; readonly pages: number; readonly obj?: number }
interface JobSlot { readonly id: number; readonly file: number; waited: boolean; readonly checksum: boolean }

const GARBAGE_HANDLES = [0, 0x7fffffff, 0xffffffff, 4096];
/**
 * Raw device addresses of jobs: outside the aperture of every model (the
 * module's and sim:apu's [0x10000000, 0x40000000), sim:mt8183's
 * [0x60000000, 0x70000000)). An address inside one is a value the uAPI
 * leaves to the driver: 0x10000000 is the module's first mapping and no
 * mapping at all on sim:mt8183, a difference of aperture, not of behaviour.
 */
const RAW_ADDRESSES = ['0', '4096', '2147483648', '18446744073709547520'];
const PAGE = APU_PAGE_SIZE;

class Builder {
  readonly ops: Op[] = [];
  readonly fds: FdSlot[] = [];
  readonly handles: HandleSlot[] = [];
  readonly maps: MapSlot[] = [];
  readonly addrs: AddrSlot[] = [];
  readonly jobs: JobSlot[] = [];
  /** Handles named by map ops, per file (an unmap mostly names one of them). */
  readonly mapped: { readonly file: number; readonly handle: HandleRef }[] = [];
  private nextFile = 0;
  peerAlive = true;

  constructor(
    readonly rng: Prng,
    hangs: boolean,
    readonly peerExits: boolean,
    readonly destructive: boolean,
  ) {
    this.hangs = hangs && destructive;
  }

  readonly hangs: boolean;

  emit(body: OpBody): number {
    const id = this.ops.length;
    this.ops.push({ ...body, id } as Op);
    return id;
  }

  liveFds(pred: (f: FdSlot) => boolean = () => true): FdSlot[] {
    return this.fds.filter((f) => f.open && pred(f) && (f.proc === 'main' || this.peerAlive));
  }

  devFds(proc?: Proc): FdSlot[] {
    return this.liveFds((f) => !f.dmabuf && (proc === undefined || f.proc === proc));
  }

  newFile(): number {
    return this.nextFile++;
  }

  /** A handle of `file` (mostly), of another file, or a raw garbage number. */
  handleFor(file: number, garbage = 0.06): HandleRef {
    const own = this.handles.filter((h) => h.file === file);
    if (this.rng.chance(garbage) || this.handles.length === 0) return { raw: this.rng.pick(GARBAGE_HANDLES) };
    if (own.length > 0 && !this.rng.chance(0.08)) return { of: this.rng.pick(own).id };
    return { of: this.rng.pick(this.handles).id };
  }

  /** A device address of `file` (mostly), a little past an object's end, or raw garbage. */
  addrFor(file: number, len: number): AddrRef {
    const own = this.addrs.filter((a) => a.file === file);
    if (own.length === 0 || this.rng.chance(0.05)) return { raw: this.rng.pick(RAW_ADDRESSES) };
    const a = this.rng.pick(own);
    const size = a.pages * PAGE;
    const offset = this.rng.chance(0.08) ? size - this.rng.int(0, 8) : this.rng.int(0, Math.max(0, size - len));
    return { of: a.of, index: a.index, offset };
  }
}

/**
 * Timeouts in a row that ban a context with the default ban_after of every
 * APU driver (the module's apu_timedout_job, drivers/apu/kernel/apu_job.c;
 * both models share the default): a streak of this many HANGs makes the next
 * job of the context end with ECANCELED instead of running.
 */
const BAN_AFTER = Math.max(...APU_DRIVERS.map((d) => d.defaultBanAfter));

const SIZES = [1, 100, PAGE, PAGE + 1, 2 * PAGE, 3 * PAGE, 4 * PAGE];
const GARBAGE_SIZES = [0, (64 << 20) + 1, 0xffffffff];
const pagesOf = (size: number): number => Math.max(1, Math.ceil(size / PAGE));

function jobLen(rng: Prng): number {
  return rng.weighted<number>([
    [rng.int(1, 64), 5],
    [rng.int(65, 2 * PAGE), 3],
    [0, 1],
  ]);
}

type Kind =
  | 'open' | 'dup' | 'send' | 'close' | 'peer-exit' | 'gem-new' | 'gem-close' | 'export' | 'import'
  | 'mmap' | 'munmap' | 'write' | 'read' | 'map' | 'unmap' | 'queue' | 'wait' | 'dequeue' | 'state';

const WEIGHTS: readonly (readonly [Kind, number])[] = [
  ['open', 3], ['dup', 2], ['send', 2], ['close', 3], ['peer-exit', 2],
  ['gem-new', 10], ['gem-close', 3], ['export', 3], ['import', 3],
  ['mmap', 4], ['munmap', 1], ['write', 4], ['read', 4],
  ['map', 6], ['unmap', 3], ['queue', 12], ['wait', 6], ['dequeue', 5], ['state', 1],
];

/** One op of kind `k` if the program's state allows it; false when it does not. */
function step(b: Builder, k: Kind): boolean {
  const r = b.rng;
  switch (k) {
    case 'open': {
      const proc: Proc = b.peerAlive && r.chance(0.25) ? 'peer' : 'main';
      const id = b.emit({ op: 'open', proc });
      b.fds.push({ id, proc, file: b.newFile(), dmabuf: false, open: true });
      return true;
    }
    case 'dup': {
      const fds = b.liveFds((f) => f.proc === 'main');
      if (fds.length === 0) return false;
      const f = r.pick(fds);
      const id = b.emit({ op: 'dup', fd: f.id });
      b.fds.push({ id, proc: 'main', file: f.file, dmabuf: f.dmabuf, open: true });
      return true;
    }
    case 'send': {
      const fds = b.liveFds((f) => f.proc === 'main');
      if (fds.length === 0 || !b.peerAlive) return false;
      const f = r.pick(fds);
      const id = b.emit({ op: 'send', fd: f.id });
      b.fds.push({ id, proc: 'peer', file: f.file, dmabuf: f.dmabuf, open: true });
      return true;
    }
    case 'close': {
      const fds = b.liveFds();
      if (fds.length === 0) return false;
      const f = r.pick(fds);
      b.emit({ op: 'close', fd: f.id });
      f.open = false;
      return true;
    }
    case 'peer-exit': {
      if (!b.peerExits || !b.peerAlive || !b.fds.some((f) => f.proc === 'peer' && f.open)) return false;
      b.emit({ op: 'peer-exit' });
      b.peerAlive = false;
      return true;
    }
    case 'gem-new': {
      const fds = b.devFds();
      if (fds.length === 0) return false;
      const f = r.pick(fds);
      const size = r.chance(0.06) ? r.pick(GARBAGE_SIZES) : r.pick(SIZES);
      const flags = r.weighted<number>([[0, 8], [APU_BO_DEVICE_RO, 2], [r.pick([2, 0x80000000]), 0.3]]);
      const id = b.emit({ op: 'gem-new', fd: f.id, size, flags });
      b.handles.push({ id, file: f.file, pages: pagesOf(size), fromNew: f.proc === 'main' });
      return true;
    }
    case 'gem-close': {
      const fds = b.devFds();
      if (fds.length === 0) return false;
      const f = r.pick(fds);
      b.emit({ op: 'gem-close', fd: f.id, handle: b.handleFor(f.file, 0.1) });
      return true;
    }
    case 'export': {
      const fds = b.devFds();
      if (fds.length === 0) return false;
      const f = r.pick(fds);
      const flags = r.weighted<number>([[DRM_CLOEXEC | DRM_RDWR, 6], [DRM_CLOEXEC, 2], [0x1, 0.4]]);
      const id = b.emit({ op: 'export', fd: f.id, handle: b.handleFor(f.file), flags });
      b.fds.push({ id, proc: f.proc, file: b.newFile(), dmabuf: true, open: true });
      return true;
    }
    case 'import': {
      const fds = b.devFds();
      if (fds.length === 0) return false;
      const f = r.pick(fds);
      const bufs = b.liveFds((d) => d.proc === f.proc && d.dmabuf);
      // Mostly a dma-buf of this process; sometimes the device fd itself (not a dma-buf) or -1.
      let dmabuf: number | { raw: number };
      if (bufs.length > 0 && !r.chance(0.1)) dmabuf = r.pick(bufs).id;
      else if (r.chance(0.5)) dmabuf = f.id;
      else dmabuf = { raw: -1 };
      const id = b.emit({ op: 'import', fd: f.id, dmabuf });
      // An import's object size is the exported one's; the generator only needs a plausible page count.
      b.handles.push({ id, file: f.file, pages: 1, fromNew: false });
      return true;
    }
    case 'mmap': {
      const fds = b.devFds('main');
      const news = b.handles.filter((h) => h.fromNew);
      if (fds.length === 0 || news.length === 0) return false;
      const h = r.pick(news);
      const f = r.pick(fds);
      const pages = r.chance(0.08) ? h.pages + 1 : h.pages;
      const id = b.emit({ op: 'mmap', fd: f.id, newOp: h.id, pages });
      b.maps.push({ id, obj: h.id, pages, live: true });
      return true;
    }
    case 'munmap': {
      const maps = b.maps.filter((m) => m.live);
      if (maps.length === 0) return false;
      const m = r.pick(maps);
      b.emit({ op: 'munmap', map: m.id });
      m.live = false;
      return true;
    }
    case 'write':
    case 'read': {
      const maps = b.maps.filter((m) => m.live);
      if (maps.length === 0) return false;
      const m = r.pick(maps);
      const size = m.pages * PAGE;
      const offset = r.int(0, size - 1);
      const len = r.int(1, Math.min(size - offset, r.chance(0.2) ? size : 256));
      // Half the stores are ramps: uniform memory hides a byte taken from the wrong place.
      if (k === 'write') b.emit({ op: 'write', map: m.id, offset, len, value: r.int(0, 255), ...(r.chance(0.5) ? { step: r.int(1, 255) } : {}) });
      else b.emit({ op: 'read', map: m.id, offset, len });
      return true;
    }
    case 'map':
    case 'unmap': {
      const fds = b.devFds('main');
      if (fds.length === 0) return false;
      const f = r.pick(fds);
      if (k === 'unmap' && r.chance(0.2) && unmapThenProbe(b, f)) return true;
      const n = r.weighted<number>([[1, 6], [2, 3], [3, 1]]);
      const handles: HandleRef[] = [];
      // An unmap mostly names what a map of this file named: unmapping what is not mapped is the rarer garbage.
      const mapped = b.mapped.filter((m) => m.file === f.file);
      for (let i = 0; i < n; i++) {
        handles.push(k === 'unmap' && mapped.length > 0 && r.chance(0.75) ? r.pick(mapped).handle : b.handleFor(f.file));
      }
      if (n > 1 && r.chance(0.05)) handles[1] = handles[0] as HandleRef; // the same object twice
      const count = r.chance(0.04) ? r.pick([0, APU_MAX_BO_HANDLES + 1]) : undefined;
      const id = b.emit({ op: k, fd: f.id, handles, ...(count !== undefined ? { count } : {}) });
      if (k === 'map') {
        for (const h of handles) b.mapped.push({ file: f.file, handle: h });
        handles.forEach((h, index) => {
          const slot = 'of' in h ? b.handles.find((s) => s.id === h.of) : undefined;
          b.addrs.push({ of: id, index, file: f.file, pages: slot?.pages ?? 1, ...(slot?.fromNew ? { obj: slot.id } : {}) });
        });
      }
      return true;
    }
    case 'queue': {
      const fds = b.devFds('main');
      if (fds.length === 0) return false;
      const f = r.pick(fds);
      const kind = r.weighted<JobCmd['kind']>([
        ['nop', 3], ['fill', 4], ['copy', 3], ['checksum', 4], ['crash', b.destructive ? 0.4 : 0], ['hang', b.hangs ? 1 : 0], ['unknown', 0.2],
      ]);
      // A quarter of the hangs are a streak that bans the context; some COPYs overlap over a ramp and are read back.
      if (kind === 'hang' && r.chance(0.25)) return hangStreak(b, f);
      if (kind === 'copy' && r.chance(0.3) && overlappingCopy(b, f)) return true;
      // Half the crashes are waited for and dequeued at once: EIO is only seen in a dequeued result.
      if (kind === 'crash' && r.chance(0.5)) {
        collect(b, f, plainJob(b, f, { kind: 'crash' }), 0);
        return true;
      }
      let cmd: JobCmd;
      const len = jobLen(r);
      const pad = r.chance(0.04) ? 1 : 0;
      switch (kind) {
        case 'fill': cmd = { kind, dst: b.addrFor(f.file, len), len, value: r.int(0, 0x1ff) }; break;
        case 'copy': cmd = { kind, src: b.addrFor(f.file, len), dst: b.addrFor(f.file, len), len, pad }; break;
        case 'checksum': cmd = { kind, src: b.addrFor(f.file, len), len, pad }; break;
        case 'unknown': cmd = { kind, cmd: r.pick([6, 0xffffffff]) }; break;
        default: cmd = { kind };
      }
      const handles: HandleRef[] = [];
      const nbo = r.weighted<number>([[0, 4], [1, 3], [2, 1]]);
      for (let i = 0; i < nbo; i++) handles.push(b.handleFor(f.file));
      const own = b.jobs.filter((j) => j.file === f.file);
      const extra: Partial<Extract<OpBody, { op: 'queue' }>> = {};
      const g = r.below(100);
      if (g === 0) Object.assign(extra, { sizeIn: r.pick([1, 24]) });
      else if (g === 1) Object.assign(extra, { sizeOut: 8 });
      else if (g === 2) Object.assign(extra, { device: 1 });
      else if (g === 3) Object.assign(extra, { count: APU_MAX_BO_HANDLES + 1 });
      else if (g < 7 && own.length > 0) Object.assign(extra, { reuseSync: r.pick(own).id });
      const id = b.emit({ op: 'queue', fd: f.id, cmd, handles, ...extra });
      b.jobs.push({ id, file: f.file, waited: false, checksum: kind === 'checksum' });
      return true;
    }
    case 'wait': {
      const jobs = b.jobs.filter((j) => !j.waited);
      if (jobs.length === 0) return false;
      const j = r.pick(jobs);
      b.emit({ op: 'wait', job: j.id });
      j.waited = true;
      return true;
    }
    case 'dequeue': {
      const jobs = b.jobs.filter((j) => j.waited);
      if (jobs.length === 0) return false;
      const j = r.pick(jobs);
      const fds = b.devFds('main');
      if (fds.length === 0) return false;
      const same = fds.filter((f) => f.file === j.file);
      const f = same.length > 0 && !r.chance(0.08) ? r.pick(same) : r.pick(fds);
      const size = j.checksum && r.chance(0.9) ? 8 : r.pick([0, 4, 8, 16]);
      b.emit({ op: 'dequeue', fd: f.id, job: j.id, size, data: r.chance(0.85) });
      return true;
    }
    case 'state': {
      const fds = b.devFds();
      if (fds.length === 0) return false;
      b.emit({ op: 'state', fd: r.pick(fds).id, device: r.chance(0.1) ? 1 : 0 });
      return true;
    }
  }
}

/** A valid job on `f` with no objects attached; its queue op's id. */
function plainJob(b: Builder, f: FdSlot, cmd: JobCmd): number {
  const id = b.emit({ op: 'queue', fd: f.id, cmd, handles: [] });
  b.jobs.push({ id, file: f.file, waited: false, checksum: cmd.kind === 'checksum' });
  return id;
}

/** Waits for job `job` and dequeues it through `f`: its result (and a CHECKSUM's output) is recorded. */
function collect(b: Builder, f: FdSlot, job: number, size: number): void {
  b.emit({ op: 'wait', job });
  const j = b.jobs.find((x) => x.id === job);
  if (j) j.waited = true;
  b.emit({ op: 'dequeue', fd: f.id, job, size, data: true });
}

/**
 * BAN_AFTER HANGs in a row on one file, then a NOP whose result is dequeued:
 * ECANCELED once the context is banned (the module's apu_hw_submit skips the
 * jobs of a banned context). Single hangs rarely line up into a streak.
 */
function hangStreak(b: Builder, picked: FdSlot): true {
  // On the oldest file: on an exclusive device (sim:mt8183) a later open fails with EBUSY and its ops are skipped.
  const f = b.devFds('main').reduce((oldest, x) => (x.file < oldest.file ? x : oldest), picked);
  for (let i = 0; i < BAN_AFTER; i++) plainJob(b, f, { kind: 'hang' });
  collect(b, f, plainJob(b, f, { kind: 'nop' }), 0);
  return true;
}

/**
 * COPY within one object between ranges `d` bytes apart (0 < d < len, the
 * destination above or below the source), over a ramp the CPU wrote first,
 * then the destination read back through the CPU mapping or checksummed:
 * COPY has memmove semantics (docs/uapi-apu.md), and only non-uniform
 * source bytes show a copy that runs in the wrong direction. False when no
 * mapped object of the file has room for it.
 */
function overlappingCopy(b: Builder, f: FdSlot): boolean {
  const r = b.rng;
  const own = b.addrs.filter((a) => a.file === f.file && a.obj !== undefined);
  if (own.length === 0) return false;
  const a = r.pick(own);
  const size = a.pages * PAGE;
  // At most 512 bytes: a ramp read back is recorded byte by byte (./record.ts rle), and d is at most 64.
  const len = r.int(2, Math.min(size - 1, 512));
  const d = r.int(1, Math.min(len - 1, 64));
  if (len + d > size) return false;
  const low = r.int(0, size - len - d);
  const [srcOff, dstOff] = r.chance(0.7) ? [low, low + d] : [low + d, low];
  let map = b.maps.find((m) => m.live && m.obj === a.obj && m.pages * PAGE >= size);
  // Mapped on a file that holds the object's handle: drm_gem_mmap refuses any other (drm_vma_node_is_allowed).
  const holder = b.handles.find((h) => h.id === a.obj);
  const fds = b.devFds('main').filter((x) => x.file === holder?.file);
  if (!map && fds.length > 0 && r.chance(0.8)) {
    const id = b.emit({ op: 'mmap', fd: r.pick(fds).id, newOp: a.obj as number, pages: a.pages });
    map = { id, obj: a.obj as number, pages: a.pages, live: true };
    b.maps.push(map);
  }
  if (map) b.emit({ op: 'write', map: map.id, offset: srcOff, len, value: r.int(0, 255), step: r.int(1, 255) });
  const at = (offset: number): AddrRef => ({ of: a.of, index: a.index, offset });
  const job = plainJob(b, f, { kind: 'copy', src: at(srcOff), dst: at(dstOff), len, pad: 0 });
  if (map && r.chance(0.6)) {
    b.emit({ op: 'wait', job });
    const j = b.jobs.find((x) => x.id === job);
    if (j) j.waited = true;
    b.emit({ op: 'read', map: map.id, offset: dstOff, len });
  } else {
    collect(b, f, plainJob(b, f, { kind: 'checksum', src: at(dstOff), len, pad: 0 }), 8);
  }
  return true;
}

/**
 * GEM_IOMMU_UNMAP of an object of several pages that a map op of the file
 * mapped, then a CHECKSUM on its last page at the old address, dequeued: the
 * last unmap of an object removes every page of it (the module's
 * apu_ioctl_iommu_unmap -> apu_mapping_free -> apu_mapping_depopulate,
 * drivers/apu/kernel/apu_mmu.c), so the job faults unless the object is
 * still mapped (another map took a reference) or the address was reused.
 * A random job rarely lands on a page beyond an unmapped object's first.
 */
function unmapThenProbe(b: Builder, f: FdSlot): boolean {
  const r = b.rng;
  const wide = b.addrs.filter((a) => a.file === f.file && a.pages >= 2 && a.obj !== undefined);
  if (wide.length === 0) return false;
  const a = r.pick(wide);
  b.emit({ op: 'unmap', fd: f.id, handles: [{ of: a.obj as number }] });
  const offset = (a.pages - 1) * PAGE + r.int(0, PAGE - 16);
  collect(b, f, plainJob(b, f, { kind: 'checksum', src: { of: a.of, index: a.index, offset }, len: r.int(1, 16), pad: 0 }), 8);
  return true;
}

/** The program of `seed`: the same seed gives the same program, everywhere. */
export function generateProgram(seed: number, options: GenerateOptions = {}): Program {
  const rng = new Prng(seed);
  const b = new Builder(rng, rng.chance(options.hangRate ?? 0.05), rng.chance(options.peerExitRate ?? 0.03), options.destructive ?? true);
  const maxOps = options.maxOps ?? 40;
  const target = rng.int(Math.min(6, maxOps), maxOps);
  step(b, 'open');
  let attempts = 0;
  while (b.ops.length < target && attempts++ < target * 20) {
    // Early on, make things; the table's weights take over once there is something to use.
    const k = b.handles.length === 0 && rng.chance(0.6) ? 'gem-new' : rng.weighted(WEIGHTS);
    step(b, k);
  }
  return { seed, ops: b.ops };
}
