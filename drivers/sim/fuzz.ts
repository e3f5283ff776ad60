/**
 * Property-based fuzz of the simulated machine through `Sys`: random
 * sequences of open/close/dup/mmap/ioctl/wait/sleep with random requests,
 * sizes and contents against the bundled drivers (no defects). After each
 * sequence:
 *
 *  - nothing but SysError was ever thrown by a system call;
 *  - no file sees a GEM handle it does not own (probed with GEM_IOMMU_UNMAP,
 *    whose handle lookup answers ENOENT before anything else);
 *  - once every fd is closed and virtual time has let teardown finish, the
 *    kernel holds no file, object, dma-buf, syncobj, fence or mapping;
 *  - the kernel recorded no refcount underflow or use after free.
 */
import fc from 'fast-check';
import { isSysError } from '../../harness/sys/errno';
import { MAP_SHARED, O_CLOEXEC, O_NONBLOCK, O_RDWR, PROT_READ, PROT_WRITE } from '../../harness/sys/constants';
import type { Mapping, Sys, UserMemory } from '../../harness/sys/types';
import { DRM_IOCTL_BASE_CODE } from '../../harness/uapi/drm';
import * as drm from '../../harness/uapi/drm';
import * as apu from '../apu/uapi';
import { DMA_BUF_IOCTLS, DMA_BUF_IOCTL_SYNC } from '../../harness/uapi/dma-buf';
import type { StructLayout } from '../../harness/uapi/layout';
import { IOC, decodeIoctl } from '../../harness/uapi/ioctl';
import { bootSimMachine } from './machine';
import { COMMAND_SIZES } from '../apu/sim/firmware';
import type { SimKernel } from './kernel/kernel';

/** One 8-byte word of an ioctl argument or of scratch user memory. */
export type Word =
  | { readonly k: 'small'; readonly v: number }
  | { readonly k: 'pair'; readonly a: number; readonly b: number }
  | { readonly k: 'big'; readonly v: bigint }
  | { readonly k: 'ptr'; readonly off: number }
  | { readonly k: 'iova'; readonly page: number; readonly mt: boolean };

export type Op =
  | { readonly t: 'open'; readonly dev: number; readonly nonblock: boolean }
  | { readonly t: 'close'; readonly slot: number }
  | { readonly t: 'dup'; readonly slot: number }
  | { readonly t: 'ioctl'; readonly slot: number; readonly req: number; readonly words: readonly Word[]; readonly size: number | null }
  /** A known request with each struct field drawn from a pool of likely values for its name. */
  | { readonly t: 'call'; readonly slot: number; readonly req: number; readonly picks: readonly number[] }
  | { readonly t: 'mmap'; readonly slot: number; readonly handleSlot: number; readonly pages: number }
  | { readonly t: 'munmap'; readonly slot: number }
  | { readonly t: 'wait'; readonly slot: number; readonly sync: number; readonly ms: number }
  | { readonly t: 'sleep'; readonly ms: number };

export interface Program {
  readonly specs: readonly string[];
  readonly scratch: readonly Word[];
  readonly ops: readonly Op[];
}

const KNOWN_REQUESTS: readonly number[] = [
  apu.DRM_IOCTL_APU_STATE,
  apu.DRM_IOCTL_APU_GEM_NEW,
  apu.DRM_IOCTL_APU_GEM_QUEUE,
  apu.DRM_IOCTL_APU_GEM_DEQUEUE,
  apu.DRM_IOCTL_APU_GEM_IOMMU_MAP,
  apu.DRM_IOCTL_APU_GEM_IOMMU_UNMAP,
  drm.DRM_IOCTL_VERSION,
  drm.DRM_IOCTL_GET_CAP,
  drm.DRM_IOCTL_GEM_CLOSE,
  drm.DRM_IOCTL_PRIME_HANDLE_TO_FD,
  drm.DRM_IOCTL_PRIME_FD_TO_HANDLE,
  drm.DRM_IOCTL_SYNCOBJ_CREATE,
  drm.DRM_IOCTL_SYNCOBJ_DESTROY,
  drm.DRM_IOCTL_SYNCOBJ_WAIT,
  drm.DRM_IOCTL_SYNCOBJ_RESET,
  drm.DRM_IOCTL_SYNCOBJ_SIGNAL,
  drm.DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD,
  drm.DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE,
  drm.DRM_IOCTL_SET_MASTER,
  drm.DRM_IOCTL_MODE_CREATE_DUMB,
  DMA_BUF_IOCTL_SYNC,
];

/** DRM nrs that create or delete GEM handles: only their exact requests are used, so the model can track handles. */
const HANDLE_NRS = new Set([0x09, 0x0a, 0x0b, 0x2d, 0x2e, 0xb2, 0xb3, 0xb4, 0x40 + apu.DRM_APU_GEM_NEW]);

/** Struct layouts of the known requests (SET_MASTER takes none), from their declarations. */
const LAYOUTS = new Map<number, StructLayout<Record<string, unknown>>>(
  [...Object.values(apu.APU_IOCTLS), ...Object.values(drm.DRM_CORE_IOCTLS), ...Object.values(DMA_BUF_IOCTLS)]
    .filter((d) => KNOWN_REQUESTS.includes(d.request) && d.struct !== null)
    .map((d) => [d.request, d.struct as unknown as StructLayout<Record<string, unknown>>]),
);

const POINTER_FIELDS = /^(handles|bo_handles|data|bo_device_addresses|name|date|desc)$|_ptr$/;

/** Likely values per field name; `pick` chooses one (garbage included). */
function fieldValue(name: string, pick: number, world: World): number | bigint {
  const choose = <T>(xs: readonly T[]): T => xs[pick % xs.length] as T;
  if (POINTER_FIELDS.test(name)) {
    // Blocks of fillScratch: 4k handles, 4k+1 FILL, 4k+2 COPY, 4k+3 CHECKSUM arguments.
    const block = (kind: number): bigint => world.scratch.address + BigInt((((pick >>> 4) % 256) * 4 + kind) * 64);
    const good =
      name === 'handles' || name === 'bo_handles' ? block(0) : name === 'data' ? block(1 + ((pick >>> 12) % 3)) : block((pick >>> 12) % 4);
    return choose([good, good, good, good, good, 0n, 0x1000n, world.scratch.address + 65530n]);
  }
  switch (name) {
    case 'handle':
    case 'out_sync':
      return choose([1, 2, 3, 1, 2, 4, 0, 0xffffffff]);
    case 'size':
      return choose([4096, 1, 8, 8192, 0, 12288, (64 << 20) + 1, 0xffff]);
    case 'size_in':
    case 'size_out':
      return choose([0, 16, 24, 8, 0, 16, 3]);
    case 'cmd':
      return choose([0, 1, 2, 3, 4, 5, 0, 1, 6, 0xffffffff]);
    case 'device':
      return choose([0, 0, 0, 1]);
    case 'flags':
      return choose([0, 0, 1, drm.DRM_CLOEXEC | drm.DRM_RDWR, 2, 0x80000000]);
    case 'fd':
      return choose([3, 4, 5, 6, 7, 8, 9, -1, 0]);
    case 'count_handles':
    case 'bo_handle_count':
      return choose([1, 1, 2, 3, 0, 1025]);
    case 'timeout_nsec':
      return choose([0n, world.sys.monotonicNs() + 1_000_000n, world.sys.monotonicNs() + 600_000_000n, (1n << 63n) - 1n]);
    case 'capability':
      return choose([0x5n, 0x13n, 0x14n, 0x1n, 0x6n, 0x99n]);
    case 'name_len':
    case 'date_len':
    case 'desc_len':
      return choose([0n, 16n, 64n, 1n << 40n]);
    default:
      return pick % 4;
  }
}

const SCRATCH_BYTES = 64 * 1024;

/**
 * User memory the pointer fields point into, 64-byte blocks in turn: a handle
 * array, FILL, COPY and CHECKSUM arguments at the start of either aperture.
 */
function fillScratch(b: Buffer): void {
  for (let off = 0, k = 0; off + 64 <= b.length; off += 64, k++) {
    const base = k % 8 < 4 ? 0x10000000n : 0x60000000n;
    switch (k % 4) {
      case 0:
        [1, 2, 3, 1, 2, 4, 1, 1].forEach((h, i) => b.writeUInt32LE(h, off + i * 4));
        break;
      case 1:
        apu.apu_cmd_fill.write(b, off, { dst: base + 16n, len: 64, value: 0x5a });
        break;
      case 2:
        apu.apu_cmd_copy.write(b, off, { src: base, dst: base + 4096n, len: 100, pad: 0 });
        break;
      case 3:
        apu.apu_cmd_checksum.write(b, off, { src: base, len: 64, pad: 0 });
        break;
    }
  }
}

const smallArb = fc.oneof(
  fc.integer({ min: 0, max: 8 }),
  fc.constantFrom(4096, 4095, 8192, 1, 16, 24, 64 << 20, (64 << 20) + 1, 0xffffffff, 0x80000000, 1024, 1025),
);

export const wordArb: fc.Arbitrary<Word> = fc.oneof(
  { weight: 5, arbitrary: smallArb.map((v): Word => ({ k: 'small', v })) },
  { weight: 3, arbitrary: fc.tuple(smallArb, smallArb).map(([a, b]): Word => ({ k: 'pair', a, b })) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((v): Word => ({ k: 'big', v })) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: SCRATCH_BYTES / 8 - 1 }).map((w): Word => ({ k: 'ptr', off: w * 8 })) },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.integer({ min: 0, max: 40 }), fc.boolean()).map(([page, mt]): Word => ({ k: 'iova', page, mt })),
  },
);

const requestArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...KNOWN_REQUESTS) },
  {
    weight: 2,
    arbitrary: fc
      .record({ dir: fc.integer({ min: 0, max: 3 }), nr: fc.integer({ min: 0, max: 0xff }), size: fc.integer({ min: 0, max: 80 }) })
      .map(({ dir, nr, size }) => IOC(dir, DRM_IOCTL_BASE_CODE, nr, size)),
  },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffffffff }) },
).map((req) => {
  const f = decodeIoctl(req);
  return f.type === DRM_IOCTL_BASE_CODE && HANDLE_NRS.has(f.nr) && !KNOWN_REQUESTS.includes(req) ? drm.DRM_IOCTL_VERSION : req;
});

const slotArb = fc.integer({ min: 0, max: 7 });

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ t: fc.constant('open' as const), dev: fc.integer({ min: 0, max: 1 }), nonblock: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('close' as const), slot: slotArb }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('dup' as const), slot: slotArb }) },
  {
    weight: 14,
    arbitrary: fc.record({
      t: fc.constant('ioctl' as const),
      slot: slotArb,
      req: requestArb,
      words: fc.array(wordArb, { maxLength: 8 }),
      size: fc.option(fc.integer({ min: 0, max: 80 }), { freq: 5 }),
    }),
  },
  {
    weight: 20,
    arbitrary: fc.record({
      t: fc.constant('call' as const),
      slot: slotArb,
      req: fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(apu.DRM_IOCTL_APU_GEM_QUEUE, apu.DRM_IOCTL_APU_GEM_DEQUEUE, apu.DRM_IOCTL_APU_GEM_IOMMU_MAP) },
        { weight: 4, arbitrary: fc.constantFrom(...LAYOUTS.keys()) },
      ),
      picks: fc.array(fc.nat(), { minLength: 9, maxLength: 9 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('mmap' as const), slot: slotArb, handleSlot: slotArb, pages: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('munmap' as const), slot: slotArb }) },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant('wait' as const), slot: slotArb, sync: fc.integer({ min: 0, max: 4 }), ms: fc.integer({ min: 0, max: 700 }) }),
  },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('sleep' as const), ms: fc.integer({ min: 0, max: 700 }) }) },
);

export const programArb = (specSets: readonly (readonly string[])[]): fc.Arbitrary<Program> =>
  fc.record({
    specs: fc.constantFrom(...specSets),
    scratch: fc.array(wordArb, { maxLength: 64 }),
    ops: fc.array(opArb, { minLength: 1, maxLength: 60, size: 'max' }),
  });

/** Thrown when an invariant breaks; the message names it. */
export class FuzzInvariantError extends Error {
  override readonly name = 'FuzzInvariantError';
}

interface FileDesc {
  readonly id: number;
  readonly minor: number;
  readonly handles: Set<number>;
  /** out_sync handles of jobs queued and not yet dequeued. */
  readonly queued: Set<number>;
}

/** Calls per syscall or ioctl name, and how many succeeded: shows what a run exercised. */
export type Coverage = Record<string, { calls: number; ok: number }>;

function requestName(req: number): string {
  return apu.APU_IOCTL_NAMES.get(req) ?? drm.DRM_IOCTL_NAMES.get(req) ?? (req === DMA_BUF_IOCTL_SYNC ? 'DMA_BUF_IOCTL_SYNC' : 'other ioctl');
}

class World {
  readonly coverage: Coverage;
  readonly fds: { fd: number; desc: FileDesc | null }[] = [];
  readonly maps: Mapping[] = [];
  private descSeq = 0;
  /** Sizes of objects by (description, handle), for mmap lengths. */
  readonly sizes = new Map<string, { size: number; offset: bigint }>();

  constructor(readonly sys: Sys, readonly scratch: UserMemory, readonly minors: number, coverage: Coverage) {
    this.coverage = coverage;
  }

  count(name: string, ok: boolean): void {
    const c = (this.coverage[name] ??= { calls: 0, ok: 0 });
    c.calls++;
    if (ok) c.ok++;
  }

  newDesc(minor: number): FileDesc {
    return { id: ++this.descSeq, minor, handles: new Set(), queued: new Set() };
  }

  pick(slot: number): { fd: number; desc: FileDesc | null } | null {
    if (this.fds.length === 0) return null;
    return this.fds[slot % this.fds.length] ?? null;
  }

  descs(): FileDesc[] {
    const out = new Map<number, FileDesc>();
    for (const f of this.fds) if (f.desc) out.set(f.desc.id, f.desc);
    return [...out.values()];
  }
}

function wordBytes(w: Word, world: World): Buffer {
  const b = Buffer.alloc(8);
  switch (w.k) {
    case 'small':
      b.writeBigUInt64LE(BigInt(w.v >>> 0));
      break;
    case 'pair':
      b.writeUInt32LE(w.a >>> 0, 0);
      b.writeUInt32LE(w.b >>> 0, 4);
      break;
    case 'big':
      b.writeBigUInt64LE(w.v);
      break;
    case 'ptr':
      b.writeBigUInt64LE(world.scratch.address + BigInt(w.off));
      break;
    case 'iova':
      b.writeBigUInt64LE((w.mt ? 0x60000000n : 0x10000000n) + BigInt(w.page) * 4096n);
      break;
  }
  return b;
}

/** Runs one call; any exception but SysError breaks the first invariant. */
function guard<T>(what: string, fn: () => T): T | null {
  try {
    return fn();
  } catch (e) {
    if (isSysError(e)) return null;
    throw new FuzzInvariantError(`${what} threw a non-SysError: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  }
}

async function guardAsync<T>(what: string, fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch (e) {
    if (isSysError(e)) return null;
    throw new FuzzInvariantError(`${what} threw a non-SysError: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  }
}

/** Keeps the model's view of each description's handles in step with successful calls. */
function trackHandles(req: number, arg: Buffer, desc: FileDesc | null, world: World): void {
  if (!desc) return;
  if (req === apu.DRM_IOCTL_APU_GEM_NEW) {
    const v = apu.drm_apu_gem_new.decode(arg);
    desc.handles.add(v.handle);
    world.sizes.set(`${desc.id}:${v.handle}`, { size: Math.max(4096, Math.ceil(v.size / 4096) * 4096), offset: v.offset });
  } else if (req === drm.DRM_IOCTL_PRIME_FD_TO_HANDLE) {
    desc.handles.add(drm.drm_prime_handle.decode(arg).handle);
  } else if (req === apu.DRM_IOCTL_APU_GEM_QUEUE) {
    desc.queued.add(apu.drm_apu_gem_queue.decode(arg).out_sync);
  } else if (req === apu.DRM_IOCTL_APU_GEM_DEQUEUE) {
    desc.queued.delete(apu.drm_apu_gem_dequeue.decode(arg).out_sync);
  } else if (req === drm.DRM_IOCTL_GEM_CLOSE) {
    desc.handles.delete(drm.drm_gem_close.decode(arg).handle);
  }
}

function ioctlStep(world: World, slot: number, req: number, arg: Buffer): void {
  const f = world.pick(slot);
  const fd = f ? f.fd : slot + 100;
  const ok = guard(`ioctl 0x${req.toString(16)}`, () => world.sys.ioctl(fd, req, arg));
  world.count(requestName(req), ok !== null);
  if (ok === null || arg.length < decodeIoctl(req).size) return;
  trackHandles(req, arg, f?.desc ?? null, world);
  // A new fd (dma-buf, syncobj or sync_file export) is the caller's to close.
  if (req === drm.DRM_IOCTL_PRIME_HANDLE_TO_FD) world.fds.push({ fd: drm.drm_prime_handle.decode(arg).fd, desc: null });
  if (req === drm.DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD) world.fds.push({ fd: drm.drm_syncobj_handle.decode(arg).fd, desc: null });
}

async function step(op: Op, world: World): Promise<void> {
  const { sys } = world;
  switch (op.t) {
    case 'open': {
      const minor = op.dev % world.minors;
      const fd = guard('open', () => sys.open(`/dev/accel/accel${minor}`, O_RDWR | O_CLOEXEC | (op.nonblock ? O_NONBLOCK : 0)));
      world.count('open', fd !== null);
      if (fd !== null) world.fds.push({ fd, desc: world.newDesc(minor) });
      return;
    }
    case 'close': {
      const f = world.pick(op.slot);
      if (!f) return;
      guard('close', () => sys.close(f.fd));
      world.fds.splice(world.fds.indexOf(f), 1);
      return;
    }
    case 'dup': {
      const f = world.pick(op.slot);
      if (!f) return;
      const fd = guard('dup', () => sys.dup(f.fd));
      if (fd !== null) world.fds.push({ fd, desc: f.desc });
      return;
    }
    case 'call': {
      const layout = LAYOUTS.get(op.req);
      if (!layout) return;
      const v: Record<string, unknown> = {};
      layout.fieldNames.forEach((name, i) => {
        const x = fieldValue(name, op.picks[i] ?? 0, world);
        v[name] = typeof layout.zero[name] === 'bigint' ? BigInt.asUintN(64, BigInt(x)) : Number(x);
      });
      if (op.req === apu.DRM_IOCTL_APU_GEM_QUEUE && (op.picks[0] ?? 0) % 4 !== 0) {
        // Mostly coherent sizes, so that jobs actually run.
        const sizes = COMMAND_SIZES[Number(v['cmd'])];
        if (sizes) {
          v['size_in'] = sizes.sizeIn;
          v['size_out'] = sizes.sizeOut;
        }
      }
      if (op.req === apu.DRM_IOCTL_APU_GEM_DEQUEUE && (op.picks[0] ?? 0) % 4 !== 0) {
        // Mostly a job this file queued, so that results are collected.
        const queued = world.pick(op.slot)?.desc?.queued;
        const last = queued ? [...queued].pop() : undefined;
        if (last !== undefined) v['out_sync'] = last;
      }
      return ioctlStep(world, op.slot, op.req, layout.encode(v));
    }
    case 'ioctl': {
      const size = op.size ?? decodeIoctl(op.req).size;
      const arg = Buffer.alloc(size);
      op.words.forEach((w, i) => wordBytes(w, world).copy(arg, i * 8));
      return ioctlStep(world, op.slot, op.req, arg);
    }
    case 'mmap': {
      const f = world.pick(op.slot);
      if (!f || !f.desc) return;
      const handles = [...f.desc.handles];
      const h = handles[op.handleSlot % Math.max(1, handles.length)];
      const info = h === undefined ? undefined : world.sizes.get(`${f.desc.id}:${h}`);
      const length = op.pages === 0 ? info?.size ?? 4096 : op.pages * 4096;
      const m = guard('mmap', () => sys.mmap(f.fd, length, PROT_READ | PROT_WRITE, MAP_SHARED, info?.offset ?? BigInt(op.handleSlot) << 12n));
      world.count('mmap', m !== null);
      if (m) world.maps.push(m);
      return;
    }
    case 'munmap': {
      const m = world.maps[op.slot % Math.max(1, world.maps.length)];
      if (!m) return;
      guard('munmap', () => sys.munmap(m));
      world.maps.splice(world.maps.indexOf(m), 1);
      return;
    }
    case 'wait': {
      const f = world.pick(op.slot);
      if (!f) return;
      const hm = sys.alloc(4);
      hm.bytes.writeUInt32LE(op.sync, 0);
      const arg = drm.drm_syncobj_wait.encode({
        handles: hm.address,
        count_handles: 1,
        timeout_nsec: sys.monotonicNs() + BigInt(op.ms) * 1_000_000n,
      });
      const r = await guardAsync('SYNCOBJ_WAIT', () => sys.ioctlAsync(f.fd, drm.DRM_IOCTL_SYNCOBJ_WAIT, arg));
      world.count('SYNCOBJ_WAIT (blocking)', r !== null);
      sys.free(hm);
      return;
    }
    case 'sleep':
      await sys.sleepMs(op.ms);
      return;
  }
}

/** No description may reach a handle number it does not own. */
function checkIsolation(world: World): void {
  const hm = world.sys.alloc(4);
  try {
    for (const f of world.fds) {
      const desc = f.desc;
      if (!desc) continue;
      for (let h = 1; h <= 8; h++) {
        if (desc.handles.has(h)) continue;
        hm.bytes.writeUInt32LE(h, 0);
        const arg = apu.drm_apu_gem_iommu_map.encode({ bo_handles: hm.address, bo_handle_count: 1 });
        let code = 'ok';
        try {
          world.sys.ioctl(f.fd, apu.DRM_IOCTL_APU_GEM_IOMMU_UNMAP, arg);
        } catch (e) {
          if (!isSysError(e)) throw new FuzzInvariantError(`isolation probe threw ${String(e)}`);
          code = e.code;
        }
        if (code !== 'ENOENT') {
          throw new FuzzInvariantError(`file ${desc.id} (fd ${f.fd}) sees handle ${h} it does not own (UNMAP gave ${code})`);
        }
      }
    }
  } finally {
    world.sys.free(hm);
  }
}

export interface LeakReport {
  readonly live: Readonly<Record<string, number>>;
  readonly bugs: readonly string[];
}

/** What the kernel still holds once no process holds anything (devices themselves excepted). */
export function leaks(kernel: SimKernel): LeakReport {
  const s = kernel.stats();
  const counts: Record<string, number> = {
    files: s.files,
    drmFiles: s.drmFiles,
    gemObjects: s.gemObjects,
    dmaBufs: s.dmaBufs,
    syncobjs: s.syncobjs,
    vmas: s.vmas,
  };
  s.devices.forEach((d) => {
    counts[`accel${d.accel}.files`] = d.files;
    counts[`accel${d.accel}.gemObjects`] = d.gemObjects;
    counts[`accel${d.accel}.mmapOffsets`] = d.mmapOffsets;
  });
  const live: Record<string, number> = {};
  for (const [k, v] of Object.entries(counts)) if (v > 0) live[k] = v;
  return { live, bugs: s.bugs };
}

export async function runProgram(p: Program, coverage: Coverage = {}): Promise<void> {
  const m = bootSimMachine([...p.specs]);
  const { sys } = m;
  const scratch = sys.alloc(SCRATCH_BYTES);
  const world = new World(sys, scratch, m.devices.length, coverage);
  fillScratch(scratch.bytes);
  p.scratch.forEach((w, i) => wordBytes(w, world).copy(scratch.bytes, (i * 8 * 37) % SCRATCH_BYTES));
  // A little state to start from: every device open, two objects and two syncobjs in each file.
  for (let minor = 0; minor < m.devices.length; minor++) await step({ t: 'open', dev: minor, nonblock: false }, world);
  for (let slot = 0; slot < m.devices.length; slot++) {
    for (const req of [apu.DRM_IOCTL_APU_GEM_NEW, apu.DRM_IOCTL_APU_GEM_NEW, drm.DRM_IOCTL_SYNCOBJ_CREATE, drm.DRM_IOCTL_SYNCOBJ_CREATE]) {
      await step({ t: 'call', slot, req, picks: [0, 0, 0, 0, 0, 0, 0, 0, 0] }, world);
    }
  }
  for (const op of p.ops) await step(op, world);
  checkIsolation(world);
  for (const mp of world.maps) guard('munmap', () => sys.munmap(mp));
  for (const f of world.fds) guard('close', () => sys.close(f.fd));
  // An ioctl whose output was not copied back (a write-only request number)
  // can still have installed an fd the program never learnt: close them all,
  // as the exit of the process would.
  // fds are allocated lowest-free and each step installs at most one, so none lies beyond this.
  const maxFd = 3 + 2 * (p.ops.length + 4 * m.devices.length + 2);
  for (let fd = 3; fd <= maxFd; fd++) guard('close', () => sys.close(fd));
  sys.free(scratch);
  // Teardown and hung jobs of closed files take virtual time.
  await sys.sleepMs(5000);
  const r = leaks(m.kernel);
  if (r.bugs.length > 0) throw new FuzzInvariantError(`kernel bugs: ${r.bugs.join('; ')}`);
  if (Object.keys(r.live).length > 0) throw new FuzzInvariantError(`leaked after every fd closed: ${JSON.stringify(r.live)}`);
}

export const DEFAULT_SPEC_SETS: readonly (readonly string[])[] = [['apu'], ['mt8183'], ['apu', 'mt8183'], ['apu?timeout_ms=20&ban_after=1']];

export interface FuzzOptions {
  readonly numRuns: number;
  readonly seed?: number;
  readonly specSets?: readonly (readonly string[])[];
}

/**
 * Runs the property; throws (with fast-check's counterexample report) on the
 * first broken invariant, else returns what the run exercised.
 */
export async function runFuzz(opts: FuzzOptions): Promise<Coverage> {
  const coverage: Coverage = {};
  await fc.assert(
    fc.asyncProperty(programArb(opts.specSets ?? DEFAULT_SPEC_SETS), (p) => runProgram(p, coverage)),
    { numRuns: opts.numRuns, ...(opts.seed !== undefined ? { seed: opts.seed } : {}) },
  );
  return coverage;
}
