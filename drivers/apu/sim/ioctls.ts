/**
 * The APU ioctls, with exactly the argument checks and errnos of
 * docs/uapi-apu.md. Every handler validates before it changes anything, so a
 * failing call leaves no trace (GEM_NEW leaves handle/offset 0, MAP/UNMAP are
 * all or nothing).
 */
import { type ErrnoName, SysError } from '../../../harness/sys/errno';
import {
  APU_MAX_BO_HANDLES,
  APU_BO_DEVICE_RO,
  APU_BO_FLAGS,
  APU_CRASHED,
  APU_ONLINE,
  APU_TIMEDOUT,
  drm_apu_gem_dequeue,
  drm_apu_gem_iommu_map,
  drm_apu_gem_new,
  drm_apu_gem_queue,
  drm_apu_state,
  type ApuIoctlName,
} from '../uapi';
import { type DrmFile, type GemObject, type IoctlContext, PAGE_SIZE } from '../../sim/kernel/drm/driver';
import { type ApuBo, type ApuContext, type ApuJob, contextOf } from './context';
import type { ApuDevice } from './device';
import { COMMAND_SIZES, NO_BYTES, argsPadsZero, isKnownCommand } from './firmware';

export type { ApuIoctlName } from '../uapi';

/** Largest bo_handle_count of QUEUE, MAP and UNMAP (apu_drm.h APU_MAX_BO_HANDLES). */
export const MAX_BO_HANDLES = APU_MAX_BO_HANDLES;

const fail = (name: ErrnoName, ioctl: string, detail: string): SysError =>
  SysError.of(name, 'ioctl', `DRM_IOCTL_APU_${ioctl}: ${detail}`);

function contextFor(file: DrmFile, ioctl: string): ApuContext {
  const ctx = contextOf(file);
  if (!ctx || ctx.closed) throw fail('EINVAL', ioctl, 'file has no APU context');
  return ctx;
}

/** copy_from_user of a __u32 handle array. */
function readHandles(ctx: IoctlContext, address: bigint, count: number): number[] {
  const raw = ctx.copyFromUser(address, count * 4);
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(raw.readUInt32LE(i * 4));
  return out;
}

/** Looks up every handle (new references) or puts the ones taken and throws ENOENT. */
function lookupAll(dev: ApuDevice, file: DrmFile, handles: readonly number[], ioctl: string): GemObject[] {
  const objs: GemObject[] = [];
  for (const h of handles) {
    const obj = dev.drm.gemObjectLookup(file, h);
    if (!obj) {
      for (const o of objs) o.put();
      throw fail('ENOENT', ioctl, `unknown handle ${h}`);
    }
    objs.push(obj);
  }
  return objs;
}

function state(dev: ApuDevice, data: Buffer): number {
  const a = drm_apu_state.decode(data);
  if (a.device !== 0) throw fail('EINVAL', 'STATE', `device ${a.device}`);
  const s = dev.state;
  const flags = s === 'online' ? APU_ONLINE : s === 'crashed' ? APU_CRASHED : APU_TIMEDOUT;
  drm_apu_state.member.flags.set(data, flags);
  return 0;
}

/*
 * GEM_NEW, GEM_QUEUE and GEM_DEQUEUE read their few fields in place rather
 * than through struct decode: they run for every buffer and every job.
 */
const NEW = drm_apu_gem_new.member;
const QUEUE = drm_apu_gem_queue.member;
const DEQUEUE = drm_apu_gem_dequeue.member;

function gemNew(dev: ApuDevice, data: Buffer, file: DrmFile): number {
  const a = { size: NEW.size.get(data), flags: NEW.flags.get(data) };
  if (dev.has('gem-new-dirty-output')) {
    NEW.handle.set(data, 1);
    NEW.offset.set(data, 0x100000000n);
  }
  if (a.size === 0 && !dev.has('gem-new-size-zero-ok')) throw fail('EINVAL', 'GEM_NEW', 'size 0');
  if (a.size > dev.model.maxBoSize) throw fail('EINVAL', 'GEM_NEW', `size ${a.size} above max_bo_size`);
  if ((a.flags & ~APU_BO_FLAGS) !== 0 && !dev.has('gem-new-bad-flags-ok')) {
    throw fail('EINVAL', 'GEM_NEW', `flags 0x${a.flags.toString(16)}`);
  }
  const obj = dev.drm.gemObjectCreate(Math.max(a.size, PAGE_SIZE));
  const bo: ApuBo = { deviceReadOnly: (a.flags & APU_BO_DEVICE_RO) !== 0 };
  obj.driverPriv = bo;
  let handle: number;
  try {
    handle = dev.drm.gemHandleCreate(file, obj);
  } finally {
    // The handle holds its own reference; the creation reference goes either way.
    obj.put();
  }
  const offset = dev.drm.gemMmapOffset(obj);
  NEW.handle.set(data, handle);
  NEW.offset.set(data, offset);
  return 0;
}

function gemQueue(dev: ApuDevice, data: Buffer, file: DrmFile, ctx: IoctlContext): number {
  const actx = contextFor(file, 'GEM_QUEUE');
  const a = {
    device: QUEUE.device.get(data),
    cmd: QUEUE.cmd.get(data),
    out_sync: QUEUE.out_sync.get(data),
    bo_handle_count: QUEUE.bo_handle_count.get(data),
    size_in: QUEUE.size_in.get(data),
    size_out: QUEUE.size_out.get(data),
  };
  // The two user pointers are read only where they are used (NOP, HANG and CRASH take neither).
  if (a.device !== 0) throw fail('EINVAL', 'GEM_QUEUE', `device ${a.device}`);
  if (!isKnownCommand(a.cmd)) throw fail('EINVAL', 'GEM_QUEUE', `unknown cmd ${a.cmd}`);
  const sizes = COMMAND_SIZES[a.cmd] as { sizeIn: number; sizeOut: number };
  if (a.size_in !== sizes.sizeIn) throw fail('EINVAL', 'GEM_QUEUE', `size_in ${a.size_in}, cmd takes ${sizes.sizeIn}`);
  if (a.size_out !== sizes.sizeOut) throw fail('EINVAL', 'GEM_QUEUE', `size_out ${a.size_out}, cmd gives ${sizes.sizeOut}`);
  if (a.bo_handle_count > MAX_BO_HANDLES && !dev.has('queue-unbounded-handles')) {
    throw fail('EINVAL', 'GEM_QUEUE', `bo_handle_count ${a.bo_handle_count} above ${MAX_BO_HANDLES}`);
  }
  const args = a.size_in > 0 ? ctx.copyFromUser(QUEUE.data.get(data), a.size_in) : NO_BYTES;
  if (!argsPadsZero(a.cmd, args)) throw fail('EINVAL', 'GEM_QUEUE', 'non-zero pad');
  const handles = a.bo_handle_count > 0 ? readHandles(ctx, QUEUE.bo_handles.get(data), a.bo_handle_count) : [];
  const syncobj = dev.drm.syncobjFind(file, a.out_sync);
  if (!syncobj) throw fail('ENOENT', 'GEM_QUEUE', `unknown out_sync ${a.out_sync}`);
  try {
    if (actx.jobs.has(a.out_sync)) throw fail('EINVAL', 'GEM_QUEUE', `out_sync ${a.out_sync} belongs to a job not dequeued`);
    const bos = lookupAll(dev, file, handles, 'GEM_QUEUE');
    const payload: ApuJob = { ctx: actx, cmd: a.cmd, args, sizeOut: a.size_out, bos, output: NO_BYTES };
    const job = dev.sched.push(actx.entity, payload);
    actx.jobs.set(a.out_sync, job);
    syncobj.replaceFence(job.fence);
  } finally {
    syncobj.put();
  }
  return 0;
}

function gemDequeue(dev: ApuDevice, data: Buffer, file: DrmFile, ctx: IoctlContext): number {
  const actx = contextFor(file, 'GEM_DEQUEUE');
  const a = {
    out_sync: DEQUEUE.out_sync.get(data),
    size: DEQUEUE.size.get(data),
    data: DEQUEUE.data.get(data),
  };
  const found = dev.findJob(actx, a.out_sync);
  if (!found) throw fail('ENOENT', 'GEM_DEQUEUE', `no job of this file with out_sync ${a.out_sync}`);
  const job = found.job;
  if (job.result === null) throw fail('EAGAIN', 'GEM_DEQUEUE', 'job not ended');
  const sizeOut = job.payload.sizeOut;
  if (a.data !== 0n) {
    if (a.size < sizeOut) throw fail('EINVAL', 'GEM_DEQUEUE', `size ${a.size} below output ${sizeOut}`);
    if (sizeOut > 0) {
      const out = Buffer.alloc(sizeOut);
      job.payload.output.copy(out, 0, 0, Math.min(sizeOut, job.payload.output.length));
      ctx.copyToUser(a.data, out);
    }
  }
  DEQUEUE.result.set(data, job.result & 0xffff);
  DEQUEUE.size.set(data, sizeOut);
  found.owner.jobs.delete(a.out_sync);
  return 0;
}

function checkCount(count: number, ioctl: string): void {
  if (count === 0 || count > MAX_BO_HANDLES) throw fail('EINVAL', ioctl, `bo_handle_count ${count}`);
}

function gemIommuMap(dev: ApuDevice, data: Buffer, file: DrmFile, ctx: IoctlContext): number {
  const actx = contextFor(file, 'GEM_IOMMU_MAP');
  const a = drm_apu_gem_iommu_map.decode(data);
  checkCount(a.bo_handle_count, 'GEM_IOMMU_MAP');
  const handles = readHandles(ctx, a.bo_handles, a.bo_handle_count);
  let objs: GemObject[];
  const unknown = new Set<number>();
  if (dev.has('map-unknown-ok')) {
    objs = [];
    handles.forEach((h, i) => {
      const o = dev.drm.gemObjectLookup(file, h);
      if (o) objs.push(o);
      else unknown.add(i);
    });
  } else {
    objs = lookupAll(dev, file, handles, 'GEM_IOMMU_MAP');
  }
  let addrs: bigint[];
  try {
    const r = objs.length > 0 ? dev.ops.iommuMap(dev, actx, objs) : [];
    if (!Array.isArray(r)) throw fail(r, 'GEM_IOMMU_MAP', r === 'ENOSPC' ? 'aperture full' : 'refused');
    addrs = r;
  } finally {
    for (const o of objs) o.put();
  }
  const out = Buffer.alloc(handles.length * 8);
  let k = 0;
  handles.forEach((_, i) => {
    out.writeBigUInt64LE(unknown.has(i) ? dev.model.aperture.start : (addrs[k++] as bigint), i * 8);
  });
  try {
    ctx.copyToUser(a.bo_device_addresses, out);
  } catch (e) {
    // All or nothing: undo the mapping when the addresses cannot be returned.
    if (objs.length > 0) dev.ops.iommuUnmap(dev, actx, objs);
    throw e;
  }
  return 0;
}

function gemIommuUnmap(dev: ApuDevice, data: Buffer, file: DrmFile, ctx: IoctlContext): number {
  const actx = contextFor(file, 'GEM_IOMMU_UNMAP');
  const a = drm_apu_gem_iommu_map.decode(data);
  checkCount(a.bo_handle_count, 'GEM_IOMMU_UNMAP');
  const handles = readHandles(ctx, a.bo_handles, a.bo_handle_count);
  const objs = lookupAll(dev, file, handles, 'GEM_IOMMU_UNMAP');
  try {
    const r = dev.ops.iommuUnmap(dev, actx, objs);
    if (r !== null) throw fail(r, 'GEM_IOMMU_UNMAP', 'object not mapped in this context');
  } finally {
    for (const o of objs) o.put();
  }
  return 0;
}

export const APU_IOCTL_HANDLERS = {
  STATE: (dev: ApuDevice, data: Buffer) => state(dev, data),
  GEM_NEW: (dev: ApuDevice, data: Buffer, file: DrmFile) => gemNew(dev, data, file),
  GEM_QUEUE: gemQueue,
  GEM_DEQUEUE: gemDequeue,
  GEM_IOMMU_MAP: gemIommuMap,
  GEM_IOMMU_UNMAP: gemIommuUnmap,
} as const satisfies Record<ApuIoctlName, (dev: ApuDevice, data: Buffer, file: DrmFile, ctx: IoctlContext) => number>;

