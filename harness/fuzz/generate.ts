/**
 * The program generator: from one seed, a program of open/dup/send/close
 * across two processes, GEM create/close/mmap/write/read, PRIME export and
 * import, the APU's map/unmap, jobs (NOP, FILL, COPY, CHECKSUM, faults,
 * crashes, rarely hangs) with waits and dequeues, and garbage arguments
 * (unknown handles, bad flags and sizes, wrong counts). It keeps a model of
 * what the program has made so that most ops are meaningful and some are not.
 */
import { APU_BO_DEVICE_RO, APU_MAX_BO_HANDLES, APU_PAGE_SIZE } from '../../drivers/apu/uapi';
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
interface MapSlot { readonly id: number; readonly pages: number; live: boolean }
interface AddrSlot { readonly of: number; readonly index: number; readonly file: number; readonly pages: number }
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
      b.maps.push({ id, pages, live: true });
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
      if (k === 'write') b.emit({ op: 'write', map: m.id, offset, len, value: r.int(0, 255) });
      else b.emit({ op: 'read', map: m.id, offset, len });
      return true;
    }
    case 'map':
    case 'unmap': {
      const fds = b.devFds('main');
      if (fds.length === 0) return false;
      const f = r.pick(fds);
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
          b.addrs.push({ of: id, index, file: f.file, pages: slot?.pages ?? 1 });
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
      let cmd: JobCmd;
      const len = jobLen(r);
      const pad = r.chance(0.04) ? 1 : 0;
      switch (kind) {
        case 'fill': cmd = { kind, dst: b.addrFor(f.file, len), len, value: r.int(0, 0x1ff) }; break;
        case 'copy': {
          const src = b.addrFor(f.file, len);
          // Overlapping ranges of one object now and then: COPY has memmove semantics.
          const dst = 'of' in src && r.chance(0.3) ? { ...src, offset: Math.max(0, src.offset + r.int(-32, 32)) } : b.addrFor(f.file, len);
          cmd = { kind, src, dst, len, pad };
          break;
        }
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
