/**
 * Sync objects (drivers/gpu/drm/drm_syncobj.c): a per-file handle table of
 * containers for one dma_fence, exportable as syncobj fds or sync_files.
 * Timeline points exist as far as a driver adds them (drm_syncobj_add_point,
 * as amdxdna does per command) and DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT waits on
 * them; the other timeline ioctls (QUERY, TRANSFER, TIMELINE_SIGNAL, point
 * import/export) are not modelled.
 */
import { SysError } from '../../../../harness/sys/errno';
import { O_RDONLY, S_IFREG } from '../../../../harness/sys/constants';
import {
  DRM_SYNCOBJ_CREATE_SIGNALED,
  DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE,
  DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_TIMELINE,
  DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE,
  DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
  drm_syncobj_array,
  drm_syncobj_create,
  drm_syncobj_destroy,
  drm_syncobj_handle_current as k_drm_syncobj_handle,
  drm_syncobj_wait_current as k_drm_syncobj_wait,
  drm_syncobj_timeline_wait_current as k_drm_syncobj_timeline_wait,
} from '../../../../harness/uapi/drm';
import { DmaFence } from '../dma-buf/dma-fence';
import type { KernelServices } from '../services';
import { syncFileCreate, syncFileGetFence } from '../dma-buf/sync-file';
import { anonInode } from '../vfs/anon';
import type { FileOperations, KFile } from '../vfs/file';
import type { IoctlCtx } from './ctx';
import type { DrmDeviceImpl } from './device';
import type { DrmSyncobj } from './driver';
import { DRIVER_SYNCOBJ, DRIVER_SYNCOBJ_TIMELINE } from './driver';
import type { DrmFileImpl } from './file';

let syncobjSeq = 0;
let chainContextSeq = 0;

/**
 * One link of a dma_fence_chain (drivers/dma-buf/dma-fence-chain.c): the
 * point's own fence, and the chain fence that signals once it and every
 * earlier link signalled (dma_fence_chain_signaled walks the whole chain).
 */
interface ChainLink {
  readonly seqno: bigint;
  readonly prevSeqno: bigint;
  /** dma_fence_chain_init: links of one timeline share a context; an unordered point starts a new one. */
  readonly context: number;
  readonly prev: ChainLink | null;
  readonly chain: DmaFence;
}

export class DrmSyncobjImpl implements DrmSyncobj {
  readonly id = ++syncobjSeq;
  private count = 1;
  private current: DmaFence | null = null;
  /** The chain link `current` is, when the last fence came from drm_syncobj_add_point. */
  private head: ChainLink | null = null;
  private freed = false;
  /** syncobj->cb_list: WAIT_FOR_SUBMIT waiters learning of a new fence. */
  readonly watchers = new Set<() => void>();
  /** The fence callback that lets waiters re-check; one per syncobj rather than one per fence. */
  private readonly kickClock = (): void => this.k.clock.kick();

  constructor(private readonly k: KernelServices) {
    k.acct.add('syncobj', this);
  }

  get fence(): DmaFence | null {
    return this.current;
  }

  /** drm_syncobj_replace_fence. */
  replaceFence(fence: DmaFence | null): void {
    this.head = null;
    this.setCurrent(fence);
  }

  /**
   * drm_syncobj_add_point: a new chain link for `point` over the current
   * fence (dma_fence_chain_init: same context and prev_seqno when `point` is
   * later than the current link, else a new context with seqno
   * max(prev, point)), made the syncobj's fence.
   */
  addPoint(fence: DmaFence, point: bigint): void {
    const prev = this.head;
    const ordered = prev !== null && point > prev.seqno;
    const chain = new DmaFence('dma_fence_chain');
    const link: ChainLink = {
      seqno: ordered || prev === null ? point : prev.seqno > point ? prev.seqno : point,
      prevSeqno: ordered && prev ? prev.seqno : 0n,
      context: ordered && prev ? prev.context : ++chainContextSeq,
      prev,
      chain,
    };
    // The chain fence signals when the point's fence and every earlier link did.
    const settle = (): void => {
      if (fence.signaled && (!prev || prev.chain.signaled)) chain.signal();
    };
    fence.onSignal(settle);
    prev?.chain.onSignal(settle);
    // The link first: waiters woken by setCurrent resolve their points against it.
    this.head = link;
    this.setCurrent(chain);
  }

  /**
   * drm_syncobj_fence_get + dma_fence_chain_find_seqno: the fence to wait on
   * for `point` (0: the current fence), null when there is no fence or the
   * point was not added yet (the kernel's -EINVAL).
   */
  fenceForPoint(point: bigint): DmaFence | null {
    if (point === 0n) return this.current;
    const head = this.head;
    if (!head || head.seqno < point) return null;
    // dma_fence_chain_for_each from the head: stop at the first link of another context or with prev_seqno < point.
    let link: ChainLink = head;
    while (link.context === head.context && link.prevSeqno >= point && link.prev) link = link.prev;
    return link.chain;
  }

  private setCurrent(fence: DmaFence | null): void {
    this.current = fence;
    // A copy: a watcher removes itself while being called.
    if (this.watchers.size > 0) for (const w of [...this.watchers]) w();
    if (fence) fence.onSignal(this.kickClock);
    this.k.clock.kick();
  }

  get(): void {
    if (this.freed) {
      this.k.acct.bug(`drm_syncobj_get on freed syncobj #${this.id}`);
      return;
    }
    this.count++;
  }

  put(): void {
    if (this.freed || this.count <= 0) {
      this.k.acct.bug(`drm_syncobj_put underflow on syncobj #${this.id}`);
      return;
    }
    if (--this.count > 0) return;
    this.freed = true;
    this.current = null;
    this.k.acct.remove('syncobj', this);
  }
}

/** drm_syncobj_file_fops: the file of a syncobj fd holds one reference. */
const syncobjFileOps: FileOperations = {
  kind: 'syncobj',
  release(file) {
    (file.privateData as DrmSyncobjImpl).put();
  },
};

function needSyncobj(dev: DrmDeviceImpl): void {
  if (!(dev.driver.features & DRIVER_SYNCOBJ)) throw SysError.of('EOPNOTSUPP', 'ioctl', 'driver has no DRIVER_SYNCOBJ');
}

/** drm_syncobj_find: a new reference, or null. */
export function syncobjFind(file: DrmFileImpl, handle: number): DrmSyncobjImpl | null {
  const s = file.syncobjIdr.find(handle);
  if (!s) return null;
  s.get();
  return s;
}

/** drm_syncobj_release: at drm_file_free every handle drops its reference. */
export function syncobjReleaseFile(file: DrmFileImpl): void {
  for (const [h, s] of file.syncobjIdr.entries()) {
    file.syncobjIdr.remove(h);
    s.put();
  }
}

export function syncobjCreateIoctl(dev: DrmDeviceImpl, data: Buffer, file: DrmFileImpl, ctx: IoctlCtx): number {
  needSyncobj(dev);
  const a = drm_syncobj_create.decode(data);
  if (a.flags & ~DRM_SYNCOBJ_CREATE_SIGNALED) throw SysError.of('EINVAL', 'ioctl', 'SYNCOBJ_CREATE flags');
  const s = new DrmSyncobjImpl(ctx.kernel);
  // drm_syncobj_assign_null_handle: an already signalled stub fence.
  if (a.flags & DRM_SYNCOBJ_CREATE_SIGNALED) s.replaceFence(DmaFence.signaled('syncobj'));
  const handle = file.syncobjIdr.alloc(s);
  data.writeUInt32LE(handle, drm_syncobj_create.offsets.handle);
  return 0;
}

export function syncobjDestroyIoctl(dev: DrmDeviceImpl, data: Buffer, file: DrmFileImpl): number {
  needSyncobj(dev);
  const a = drm_syncobj_destroy.decode(data);
  if (a.pad) throw SysError.of('EINVAL', 'ioctl', 'pad');
  const s = file.syncobjIdr.remove(a.handle);
  if (!s) throw SysError.of('EINVAL', 'ioctl', `no syncobj handle ${a.handle}`);
  s.put();
  return 0;
}

export function syncobjHandleToFdIoctl(dev: DrmDeviceImpl, data: Buffer, file: DrmFileImpl, ctx: IoctlCtx): number {
  needSyncobj(dev);
  const a = k_drm_syncobj_handle.decode(data);
  if (a.pad) throw SysError.of('EINVAL', 'ioctl', 'pad');
  if (a.flags & ~(DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE | DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE)) {
    throw SysError.of('EINVAL', 'ioctl', 'SYNCOBJ_HANDLE_TO_FD flags');
  }
  const point = a.flags & DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE ? a.point : 0n;
  let fd: number;
  if (a.flags & DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE) {
    if (point !== 0n) throw SysError.of('EINVAL', 'ioctl', 'timeline points are not modelled');
    // drm_syncobj_export_sync_file -> drm_syncobj_find_fence: ENOENT, then EINVAL without a fence.
    const s = syncobjFind(file, a.handle);
    if (!s) throw SysError.of('ENOENT', 'ioctl', `no syncobj handle ${a.handle}`);
    const fence = s.fence;
    s.put();
    if (!fence) throw SysError.of('EINVAL', 'ioctl', 'syncobj has no fence');
    fd = ctx.task.files.install(syncFileCreate(ctx.kernel, fence), true, 'ioctl');
  } else {
    if (a.point) throw SysError.of('EINVAL', 'ioctl', 'point without TIMELINE');
    // drm_syncobj_handle_to_fd: EINVAL for an unknown handle; the fd is always O_CLOEXEC.
    const s = syncobjFind(file, a.handle);
    if (!s) throw SysError.of('EINVAL', 'ioctl', `no syncobj handle ${a.handle}`);
    const f = ctx.kernel.newFile(syncobjFileOps, anonInode(S_IFREG | 0o600), O_RDONLY);
    f.privateData = s;
    fd = ctx.task.files.install(f, true, 'ioctl');
  }
  data.writeInt32LE(fd, k_drm_syncobj_handle.offsets.fd);
  return 0;
}

export function syncobjFdToHandleIoctl(dev: DrmDeviceImpl, data: Buffer, file: DrmFileImpl, ctx: IoctlCtx): number {
  needSyncobj(dev);
  const a = k_drm_syncobj_handle.decode(data);
  if (a.pad) throw SysError.of('EINVAL', 'ioctl', 'pad');
  if (a.flags & ~(DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_TIMELINE | DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE)) {
    throw SysError.of('EINVAL', 'ioctl', 'SYNCOBJ_FD_TO_HANDLE flags');
  }
  const point = a.flags & DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_TIMELINE ? a.point : 0n;
  const f: KFile | null = ctx.task.files.has(a.fd) ? ctx.task.files.lookup(a.fd, 'ioctl') : null;
  if (a.flags & DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE) {
    if (point !== 0n) throw SysError.of('EINVAL', 'ioctl', 'timeline points are not modelled');
    // drm_syncobj_import_sync_file_fence: EINVAL for a non-sync_file, then ENOENT.
    const fence = f ? syncFileGetFence(f) : null;
    if (!fence) throw SysError.of('EINVAL', 'ioctl', 'not a sync_file');
    const s = syncobjFind(file, a.handle);
    if (!s) throw SysError.of('ENOENT', 'ioctl', `no syncobj handle ${a.handle}`);
    s.replaceFence(fence);
    s.put();
    return 0;
  }
  if (a.point) throw SysError.of('EINVAL', 'ioctl', 'point without TIMELINE');
  // drm_syncobj_fd_to_handle: fdget failure and a foreign file are both EINVAL.
  if (!f || f.fop !== syncobjFileOps) throw SysError.of('EINVAL', 'ioctl', 'not a syncobj fd');
  const s = f.privateData as DrmSyncobjImpl;
  s.get();
  data.writeUInt32LE(file.syncobjIdr.alloc(s), k_drm_syncobj_handle.offsets.handle);
  return 0;
}

/** drm_syncobj_array_find: EFAULT for the handle array, ENOENT for any unknown handle. */
function arrayFind(file: DrmFileImpl, ctx: IoctlCtx, ptr: bigint, count: number): DrmSyncobjImpl[] {
  const handles = ctx.task.mm.copyU32sFromUser(ptr, count);
  const out: DrmSyncobjImpl[] = [];
  for (let i = 0; i < count; i++) {
    const s = syncobjFind(file, handles[i] as number);
    if (!s) {
      for (const o of out) o.put();
      throw SysError.of('ENOENT', 'ioctl', 'unknown syncobj handle');
    }
    out.push(s);
  }
  return out;
}

/**
 * drm_syncobj_wait_ioctl + drm_syncobj_array_wait_timeout. Timeouts are
 * absolute CLOCK_MONOTONIC ns (drm_timeout_abs_to_jiffies: 0 or a time not
 * after now means poll). ETIME on expiry; EINVAL when an entry has no fence
 * and WAIT_FOR_SUBMIT is not set; first_signaled only written on success.
 */
export function syncobjWaitIoctl(dev: DrmDeviceImpl, data: Buffer, file: DrmFileImpl, ctx: IoctlCtx): number | Promise<number> {
  needSyncobj(dev);
  // Fields read in place rather than through a decoded object: every job wait comes here.
  const W = k_drm_syncobj_wait.member;
  const a = { handles: W.handles.get(data), count_handles: W.count_handles.get(data), flags: W.flags.get(data) };
  const possible = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL | DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT | DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE;
  if (a.flags & ~possible) throw SysError.of('EINVAL', 'ioctl', 'SYNCOBJ_WAIT flags');
  // Mainline returns 0 for an empty wait (changed from EINVAL with the deadline series, 6.5).
  if (a.count_handles === 0) return 0;
  const syncobjs = arrayFind(file, ctx, a.handles, a.count_handles);
  const release = (): void => {
    for (const s of syncobjs) s.put();
  };
  const waitAll = (a.flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL) !== 0;
  const forSubmit = (a.flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT) !== 0;
  const entries: (DmaFence | null)[] = [];
  let first = 0xffffffff;
  let signaled = 0;
  for (let i = 0; i < syncobjs.length; i++) {
    const fence = (syncobjs[i] as DrmSyncobjImpl).fence;
    entries.push(fence);
    if (!fence) {
      if (forSubmit) continue;
      release();
      throw SysError.of('EINVAL', 'ioctl', 'syncobj has no fence (not WAIT_FOR_SUBMIT)');
    }
    if (fence.signaled) {
      if (signaled === 0) first = i;
      signaled++;
    }
  }
  const finish = (ok: boolean): number => {
    release();
    if (!ok) throw SysError.of('ETIME', 'ioctl', 'SYNCOBJ_WAIT timed out');
    W.first_signaled.set(data, first >>> 0);
    return 0;
  };
  if (signaled === syncobjs.length || (signaled > 0 && !waitAll)) return finish(true);

  // WAIT_FOR_SUBMIT: a fence-less entry takes the first fence its syncobj gets (syncobj_wait_syncobj_func).
  const unwatch: (() => void)[] = [];
  for (let i = 0; i < syncobjs.length; i++) {
    if (entries[i]) continue;
    const s = syncobjs[i] as DrmSyncobjImpl;
    const w = (): void => {
      if (!entries[i] && s.fence) {
        entries[i] = s.fence;
        s.watchers.delete(w);
      }
    };
    s.watchers.add(w);
    unwatch.push(() => s.watchers.delete(w));
  }
  const kick = (): void => ctx.clock.kick();
  for (const f of entries) f?.onSignal(kick);
  const done = (): boolean => {
    let count = 0;
    for (let i = 0; i < entries.length; i++) {
      const f = entries[i];
      if (!f || !f.signaled) continue;
      if (!waitAll) {
        first = i;
        return true;
      }
      count++;
    }
    return count === entries.length;
  };
  const now = ctx.clock.nowNs();
  const timeout = W.timeout_nsec.get(data);
  const deadline = timeout === 0n || timeout <= now ? now : timeout;
  return ctx.sleep(done, deadline, (ok) => {
    for (const u of unwatch) u();
    return finish(ok);
  });
}

/** DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE (include/uapi/drm/drm.h): wait for the point to exist, not to signal. */
const WAIT_AVAILABLE = 1 << 2;

/**
 * drm_syncobj_timeline_wait_ioctl + drm_syncobj_array_wait_timeout with
 * points: EOPNOTSUPP without DRIVER_SYNCOBJ_TIMELINE, EINVAL for unknown
 * flags, 0 for no handles, ENOENT / EFAULT from the handle array, EFAULT
 * from the points; an entry whose point is not there yet
 * (dma_fence_chain_find_seqno fails) is EINVAL unless WAIT_FOR_SUBMIT or
 * WAIT_AVAILABLE, which wait for it; WAIT_AVAILABLE counts an entry as done
 * once its point exists. Timeouts and first_signaled as SYNCOBJ_WAIT.
 */
export function syncobjTimelineWaitIoctl(dev: DrmDeviceImpl, data: Buffer, file: DrmFileImpl, ctx: IoctlCtx): number | Promise<number> {
  if (!(dev.driver.features & DRIVER_SYNCOBJ_TIMELINE)) throw SysError.of('EOPNOTSUPP', 'ioctl', 'no DRIVER_SYNCOBJ_TIMELINE');
  const W = k_drm_syncobj_timeline_wait.member;
  const flags = W.flags.get(data);
  const possible = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL | DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT | WAIT_AVAILABLE | DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE;
  if (flags & ~possible) throw SysError.of('EINVAL', 'ioctl', 'SYNCOBJ_TIMELINE_WAIT flags');
  const count = W.count_handles.get(data);
  if (count === 0) return 0;
  const syncobjs = arrayFind(file, ctx, W.handles.get(data), count);
  const release = (): void => {
    for (const s of syncobjs) s.put();
  };
  let points: bigint[];
  try {
    const raw = ctx.task.mm.copyFromUser(W.points.get(data), 8 * count);
    points = Array.from({ length: count }, (_, i) => raw.readBigUInt64LE(8 * i));
  } catch (e) {
    release();
    throw e;
  }
  const waitAll = (flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL) !== 0;
  const available = (flags & WAIT_AVAILABLE) !== 0;
  const patient = (flags & (DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT | WAIT_AVAILABLE)) !== 0;
  const entries = syncobjs.map((s, i) => s.fenceForPoint(points[i] as bigint));
  if (!patient && entries.some((f) => f === null)) {
    release();
    throw SysError.of('EINVAL', 'ioctl', 'a point is not submitted (not WAIT_FOR_SUBMIT)');
  }
  let first = 0xffffffff;
  const isDone = (i: number): boolean => {
    const f = entries[i];
    return f !== null && f !== undefined && (available || f.signaled);
  };
  const done = (): boolean => {
    let n = 0;
    for (let i = 0; i < entries.length; i++) {
      if (!isDone(i)) continue;
      if (n === 0) first = i;
      n++;
      if (!waitAll) return true;
    }
    return n === entries.length;
  };
  const finish = (ok: boolean): number => {
    release();
    if (!ok) throw SysError.of('ETIME', 'ioctl', 'SYNCOBJ_TIMELINE_WAIT timed out');
    W.first_signaled.set(data, first >>> 0);
    return 0;
  };
  if (done()) return finish(true);
  // A point added later (syncobj_wait_syncobj_func): re-resolve the entries that had none.
  const unwatch: (() => void)[] = [];
  const kick = (): void => ctx.clock.kick();
  syncobjs.forEach((s, i) => {
    const w = (): void => {
      if (entries[i]) return;
      const f = s.fenceForPoint(points[i] as bigint);
      if (f) {
        entries[i] = f;
        f.onSignal(kick);
      }
    };
    s.watchers.add(w);
    unwatch.push(() => s.watchers.delete(w));
  });
  for (const f of entries) f?.onSignal(kick);
  const now = ctx.clock.nowNs();
  const timeout = W.timeout_nsec.get(data);
  const deadline = timeout <= now ? now : timeout;
  return ctx.sleep(done, deadline, (ok) => {
    for (const u of unwatch) u();
    return finish(ok);
  });
}

function arrayArgs(dev: DrmDeviceImpl, data: Buffer, file: DrmFileImpl, ctx: IoctlCtx): DrmSyncobjImpl[] {
  needSyncobj(dev);
  const a = drm_syncobj_array.decode(data);
  if (a.pad !== 0) throw SysError.of('EINVAL', 'ioctl', 'pad');
  if (a.count_handles === 0) throw SysError.of('EINVAL', 'ioctl', 'count_handles == 0');
  return arrayFind(file, ctx, a.handles, a.count_handles);
}

export function syncobjResetIoctl(dev: DrmDeviceImpl, data: Buffer, file: DrmFileImpl, ctx: IoctlCtx): number {
  for (const s of arrayArgs(dev, data, file, ctx)) {
    s.replaceFence(null);
    s.put();
  }
  return 0;
}

export function syncobjSignalIoctl(dev: DrmDeviceImpl, data: Buffer, file: DrmFileImpl, ctx: IoctlCtx): number {
  for (const s of arrayArgs(dev, data, file, ctx)) {
    s.replaceFence(DmaFence.signaled('syncobj'));
    s.put();
  }
  return 0;
}
