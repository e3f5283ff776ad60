/**
 * The qaic ioctls on the simulated kernel, each the model of the kernel
 * function named beside it (drivers/accel/qaic/qaic_data.c and
 * qaic_control.c, Linux 7.3). Argument checks come in the kernel's order with
 * the kernel's errno; `data` is drm_ioctl's kernel copy, copied back only for
 * the _IOWR ioctls (CREATE_BO, MMAP_BO, PERF_STATS_BO, MANAGE: manage.ts). Where an
 * ioctl needs the firmware (a channel activated through MANAGE, the control
 * channel's answers), the model stops at the check that the firmware's
 * absence makes fail, with that check's errno; see device.ts.
 */
import { SysError } from '../../../harness/sys/errno';
import type { DrmFile, GemObject, IoctlContext, IoctlReturn } from '../../sim/kernel/drm/driver';
import {
  DMA_FROM_DEVICE,
  DMA_TO_DEVICE,
  QAIC_SEM_INSYNCFENCE,
  QAIC_SEM_OUTSYNCFENCE,
  QAIC_SEM_WAIT_GT_0,
  qaic_attach_slice,
  qaic_attach_slice_entry,
  qaic_create_bo,
  qaic_detach_slice,
  qaic_execute,
  qaic_execute_entry,
  qaic_mmap_bo,
  qaic_partial_execute_entry,
  qaic_perf_stats,
  qaic_perf_stats_entry,
  qaic_wait,
  type QaicIoctlName,
} from '../uapi';
import type { QaicBo, QaicDevice, QaicUser } from './device';
import { manage } from './manage';
import type { ValueOfStruct } from '../../../harness/uapi/layout';

type Handler = (dev: QaicDevice, data: Buffer, file: DrmFile, ctx: IoctlContext) => IoctlReturn;
type Errno = 'EINVAL' | 'ENOENT' | 'ENOMEM' | 'EFAULT' | 'ENODEV' | 'EPERM' | 'EPIPE' | 'EOVERFLOW';

const fail = (code: Errno, why: string): never => {
  throw SysError.of(code, 'ioctl', why);
};

const PAGE_SIZE = 4096n;
const U64 = (1n << 64n) - 1n;
/** KMALLOC_MAX_SIZE on x86-64 (PAGE_SIZE << MAX_PAGE_ORDER, order 10): larger memdup_user copies fail with ENOMEM. */
const KMALLOC_MAX_SIZE = 4096 << 10;
/** qaic_data.c SEM_VAL_MASK, SEM_INDEX_MASK. */
const SEM_VAL_MASK = 0xfff;
const SEM_INDEX_MASK = 0x1f;

const userOf = (file: DrmFile): QaicUser => file.driverPriv as QaicUser;
const boOf = (obj: GemObject): QaicBo => obj.driverPriv as QaicBo;

/** The srcu-protected "still there and QAIC_ONLINE" checks every ioctl makes first after its own argument checks. */
function requireOnline(dev: QaicDevice): void {
  if (!dev.online) fail('ENODEV', 'device not QAIC_ONLINE');
}

/** memdup_user: ENOMEM for what kmalloc refuses, then EFAULT for unreadable bytes (mm/util.c). */
function memdupUser(ctx: IoctlContext, address: bigint, length: number): Buffer {
  if (length > KMALLOC_MAX_SIZE) fail('ENOMEM', 'memdup_user: kmalloc refused');
  return length === 0 ? Buffer.alloc(0) : ctx.copyFromUser(address, length);
}

/** PAGE_ALIGN on a size_t: wraps to 0 for sizes in the last page below 2^64. */
export function pageAlign(size: bigint): bigint {
  return (size + PAGE_SIZE - 1n) & ~(PAGE_SIZE - 1n) & U64;
}

type SliceEntry = ValueOfStruct<typeof qaic_attach_slice_entry>;
type Sem = SliceEntry['sem0'];

/** qaic_data.c invalid_sem. */
function invalidSem(s: Sem): boolean {
  return (
    (s.val & ~SEM_VAL_MASK) !== 0 ||
    (s.index & ~SEM_INDEX_MASK) !== 0 ||
    !(s.presync === 0 || s.presync === 1) ||
    s.pad !== 0 ||
    (s.flags & ~(QAIC_SEM_INSYNCFENCE | QAIC_SEM_OUTSYNCFENCE)) !== 0 ||
    s.cmd > QAIC_SEM_WAIT_GT_0
  );
}

/**
 * qaic_data.c qaic_validate_req: every entry's doorbell length and
 * semaphores, and offset + size within the BO, the sum checked for overflow
 * (check_add_overflow since "accel/qaic: Fix integer overflow in
 * qaic_validate_req()"; `wrap` re-creates the wrapping sum of the bug).
 * Exported for the model's spec: ATTACH_SLICE_BO reaches it, but its verdict
 * is only visible on a channel the caller owns (see device.ts), so it is not
 * a defect of the catalogue: no uAPI test could show it.
 */
export function validateReq(entries: readonly SliceEntry[], totalSize: bigint, wrap = false): boolean {
  for (const e of entries) {
    if (!(e.db_len === 32 || e.db_len === 16 || e.db_len === 8 || e.db_len === 0)) return false;
    if (invalidSem(e.sem0) || invalidSem(e.sem1) || invalidSem(e.sem2) || invalidSem(e.sem3)) return false;
    const sum = e.offset + e.size;
    if (!wrap && sum > U64) return false;
    if ((sum & U64) > totalSize) return false;
  }
  return true;
}

/**
 * qaic_gem_funcs.mmap (qaic_gem_object_mmap): refuses an imported object
 * (drm_gem_is_imported -> EINVAL). drm_gem_mmap reaches it for an imported
 * object only with the imported-offset defect: the kernel never gives one an
 * mmap offset (see mmapBo).
 */
function boMmap(dev: QaicDevice, obj: GemObject): Buffer | undefined {
  if (obj.imported) fail('EINVAL', 'qaic_gem_object_mmap: imported BO');
  // The defect maps a snapshot of the pages instead of the pages (remap_pfn_range maps the BO's own pages).
  return dev.has('mmap-copy') ? Buffer.from(obj.memory) : undefined;
}

/** qaic_create_bo_ioctl. */
const createBo: Handler = (dev, data, file) => {
  const a = qaic_create_bo.decode(data);
  if (a.pad !== 0 && !dev.has('create-bo-pad-ignored')) fail('EINVAL', 'pad');
  const size = pageAlign(a.size);
  if (size === 0n) fail('EINVAL', 'PAGE_ALIGN(size) is 0');
  requireOnline(dev);
  // create_sgt: alloc_pages of the whole size; a size beyond 2^53 is far past any machine's memory (ENOMEM).
  if (size > BigInt(Number.MAX_SAFE_INTEGER)) fail('ENOMEM', 'create_sgt: allocation failed');
  const obj = dev.drm.gemObjectCreate(Number(size), { mmap: (o) => boMmap(dev, o) });
  obj.driverPriv = { sliced: false } satisfies QaicBo;
  try {
    // create_sgt allocates every page now (alloc_pages): what the simulated shmem cannot back fails ENOMEM here.
    void obj.memory;
    dev.drm.gemMmapOffset(obj);
    const handle = dev.drm.gemHandleCreate(file, obj);
    // Only args->handle is written: args->size stays what the caller asked for.
    qaic_create_bo.write(data, 0, { ...a, handle, size: dev.has('create-bo-size-written') ? size : a.size });
  } finally {
    obj.put();
  }
  return 0;
};

/**
 * qaic_mmap_bo_ioctl: no pad check; ENOENT for an unknown handle; the offset
 * is drm_vma_node_offset_addr of the object's node, which only
 * qaic_create_bo_ioctl allocates (drm_gem_create_mmap_offset):
 * qaic_gem_prime_import only does drm_gem_private_object_init, so an imported
 * BO's offset is 0, which drm_gem_mmap (drm_gem_object_lookup_at_offset)
 * refuses with EINVAL. The defect gives it a real offset.
 */
const mmapBo: Handler = (dev, data, file) => {
  const a = qaic_mmap_bo.decode(data);
  requireOnline(dev);
  const obj = dev.drm.gemObjectLookup(file, a.handle);
  if (!obj) fail('ENOENT', 'no such BO');
  const o = obj as GemObject;
  const offset = o.imported && !dev.has('mmap-bo-imported-offset') ? 0n : dev.drm.gemMmapOffset(o);
  qaic_mmap_bo.write(data, 0, { ...a, offset });
  o.put();
  return 0;
};

/** qaic_attach_slice_bo_ioctl, up to the channel ownership check (no channel has an owner without firmware). */
const attachSliceBo: Handler = (dev, data, file, ctx) => {
  const a = qaic_attach_slice.decode(data);
  if (a.hdr.count === 0) fail('EINVAL', 'count 0');
  // check_mul_overflow in unsigned long: a u32 count times 56 never overflows on 64-bit.
  const argSize = a.hdr.count * qaic_attach_slice_entry.size;
  if (!(a.hdr.dir === DMA_TO_DEVICE || a.hdr.dir === DMA_FROM_DEVICE) && !dev.has('attach-dir-unchecked')) fail('EINVAL', 'dir');
  if (a.data === 0n) fail('EINVAL', 'data NULL');
  requireOnline(dev);
  const copyFirst = dev.has('attach-copy-before-checks');
  const raw = copyFirst ? memdupUser(ctx, a.data, argSize) : null;
  if (a.hdr.dbc_id >= dev.dbc.length) fail('EINVAL', 'dbc_id');
  const bytes = raw ?? memdupUser(ctx, a.data, argSize);
  const obj = dev.drm.gemObjectLookup(file, a.hdr.handle);
  if (!obj) fail('ENOENT', 'no such BO');
  const o = obj as GemObject;
  try {
    const entries = Array.from({ length: a.hdr.count }, (_, i) => qaic_attach_slice_entry.decode(bytes.subarray(i * qaic_attach_slice_entry.size)));
    if (!validateReq(entries, BigInt(o.size), false)) fail('EINVAL', 'qaic_validate_req');
    if (boOf(o).sliced) fail('EINVAL', 'BO already sliced');
    const dbc = dev.dbc[a.hdr.dbc_id];
    if (dbc.usr !== userOf(file)) fail('EINVAL', 'channel not activated by this file');
    if (dbc.id === dev.ssrDbc) fail('EPIPE', 'subsystem restart on this channel');
    // Unreachable in the model: slicing (qaic_prepare_bo, qaic_attach_slicing_bo) needs an activated channel.
    fail('EINVAL', 'sim:qaic has no activated channel');
  } finally {
    o.put();
  }
  return 0;
};

/** __qaic_execute_bo_ioctl: the entries are copied before any device check; EPERM for a channel the caller does not own. */
function executeBo(partial: boolean): Handler {
  return (dev, data, file, ctx) => {
    const a = qaic_execute.decode(data);
    const size = partial ? qaic_partial_execute_entry.size : qaic_execute_entry.size;
    if (a.hdr.count === 0) fail('EINVAL', 'count 0');
    memdupUser(ctx, a.data, a.hdr.count * size);
    requireOnline(dev);
    if (a.hdr.dbc_id >= dev.dbc.length) fail('EINVAL', 'dbc_id');
    const dbc = dev.dbc[a.hdr.dbc_id];
    if (!dev.has('execute-unowned-ok')) {
      if (!dbc.usr || dbc.usr.handle !== userOf(file).handle) fail('EPERM', 'channel not activated by this file');
      if (dbc.id === dev.ssrDbc) fail('EPIPE', 'subsystem restart on this channel');
    }
    // The defect queues on a channel nobody activated (send_bo_list_to_device is not modelled further).
    return 0;
  };
}

/** qaic_wait_bo_ioctl: EPERM for a channel the caller does not own, checked before the handle. */
const waitBo: Handler = (dev, data, file) => {
  const a = qaic_wait.decode(data);
  if (a.pad !== 0) fail('EINVAL', 'pad');
  requireOnline(dev);
  if (a.dbc_id >= dev.dbc.length) fail('EINVAL', 'dbc_id');
  const dbc = dev.dbc[a.dbc_id];
  const skipOwner = dev.has('wait-unowned-ok');
  if (dbc.usr !== userOf(file) && !skipOwner) fail('EPERM', 'channel not activated by this file');
  if (dbc.id === dev.ssrDbc) fail('EPIPE', 'subsystem restart on this channel');
  const obj = dev.drm.gemObjectLookup(file, a.handle);
  if (!obj) fail('ENOENT', 'no such BO');
  (obj as GemObject).put();
  // xfer_done starts completed (qaic_init_bo: complete_all), so a BO never queued is waited for at once;
  // then the channel is checked again: no owner is EPERM, a subsystem restart on it EPIPE (the later wins).
  if (dbc.id === dev.ssrDbc) fail('EPIPE', 'subsystem restart on this channel');
  if (!dbc.usr && !skipOwner) fail('EPERM', 'channel lost its owner');
  return 0;
};

/** qaic_perf_stats_bo_ioctl: each entry's BO must be sliced on this channel. */
const perfStatsBo: Handler = (dev, data, file, ctx) => {
  const a = qaic_perf_stats.decode(data);
  requireOnline(dev);
  if (a.hdr.dbc_id >= dev.dbc.length) fail('EINVAL', 'dbc_id');
  const raw = memdupUser(ctx, a.data, a.hdr.count * qaic_perf_stats_entry.size);
  for (let i = 0; i < a.hdr.count; i++) {
    const e = qaic_perf_stats_entry.decode(raw.subarray(i * qaic_perf_stats_entry.size));
    const obj = dev.drm.gemObjectLookup(file, e.handle);
    if (!obj) fail('ENOENT', 'no such BO');
    const bo = boOf(obj as GemObject);
    (obj as GemObject).put();
    // No BO is ever sliced in the model (see attachSliceBo), so the channel check is not reached.
    if (!bo.sliced) fail('EINVAL', 'BO not sliced');
    if (bo.dbcId !== a.hdr.dbc_id) fail('EINVAL', 'BO sliced on another channel');
  }
  if (a.hdr.count > 0) ctx.copyToUser(a.data, raw);
  return 0;
};

/** qaic_detach_slice_bo_ioctl. */
const detachSliceBo: Handler = (dev, data, file) => {
  const a = qaic_detach_slice.decode(data);
  if (a.pad !== 0) fail('EINVAL', 'pad');
  requireOnline(dev);
  const obj = dev.drm.gemObjectLookup(file, a.handle);
  if (!obj) fail('ENOENT', 'no such BO');
  const o = obj as GemObject;
  try {
    if (!boOf(o).sliced && !dev.has('detach-unsliced-ok')) fail('EINVAL', 'BO not sliced');
  } finally {
    o.put();
  }
  return 0;
};

export const QAIC_HANDLERS: Readonly<Record<QaicIoctlName, Handler>> = {
  MANAGE: (dev, data, file, ctx) => manage(dev, data, userOf(file), ctx),
  CREATE_BO: createBo,
  MMAP_BO: mmapBo,
  ATTACH_SLICE_BO: attachSliceBo,
  EXECUTE_BO: executeBo(false),
  PARTIAL_EXECUTE_BO: executeBo(true),
  WAIT_BO: waitBo,
  PERF_STATS_BO: perfStatsBo,
  DETACH_SLICE_BO: detachSliceBo,
};
