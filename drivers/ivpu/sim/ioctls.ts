/**
 * The ioctls of sim:ivpu, each validating exactly as the 7.3 function it
 * names (same checks, same order, same errno, output fields written only
 * where the kernel writes them). drm_ioctl copies `data` back even on error,
 * so a field written before a failure would reach user space: none is.
 */
import {
  DRM_IVPU_BO_CACHE_MASK,
  DRM_IVPU_BO_CACHED,
  DRM_IVPU_BO_FLAGS,
  DRM_IVPU_BO_MAPPABLE,
  DRM_IVPU_BO_WC,
  DRM_IVPU_CAP_BO_CREATE_FROM_USERPTR,
  DRM_IVPU_CAP_DMA_MEMORY_RANGE,
  DRM_IVPU_CAP_METRIC_STREAMER,
  DRM_IVPU_CAP_MANAGE_CMDQ,
  DRM_IVPU_ENGINE_COMPUTE,
  DRM_IVPU_JOB_PRIORITY_DEFAULT,
  DRM_IVPU_JOB_PRIORITY_REALTIME,
  DRM_IVPU_PARAM_CAPABILITIES,
  DRM_IVPU_PARAM_CONTEXT_BASE_ADDRESS,
  DRM_IVPU_PARAM_CONTEXT_ID,
  DRM_IVPU_PARAM_CORE_CLOCK_RATE,
  DRM_IVPU_PARAM_DEVICE_ID,
  DRM_IVPU_PARAM_DEVICE_REVISION,
  DRM_IVPU_PARAM_ENGINE_HEARTBEAT,
  DRM_IVPU_PARAM_FW_API_VERSION,
  DRM_IVPU_PARAM_NUM_CONTEXTS,
  DRM_IVPU_PARAM_PLATFORM_TYPE,
  DRM_IVPU_PARAM_PREEMPT_BUFFER_SIZE,
  DRM_IVPU_PARAM_SKU,
  DRM_IVPU_PARAM_TILE_CONFIG,
  DRM_IVPU_PARAM_UNIQUE_INFERENCE_ID,
  drm_ivpu_bo_create,
  drm_ivpu_bo_info,
  drm_ivpu_bo_wait,
  drm_ivpu_cmdq_create,
  drm_ivpu_cmdq_destroy,
  drm_ivpu_cmdq_submit,
  drm_ivpu_param,
  drm_ivpu_submit,
} from '../uapi';
import type { DrmFile, GemObject, IoctlContext, IoctlReturn } from '../../sim/kernel/drm/driver';
import { PAGE_SIZE } from '../../sim/kernel/drm/driver';
import { type IvpuDevice, fail, fileOf, newJobFence } from './device';
import { IVPU_CMDQ_MAX_ID, IVPU_CMDQ_MIN_ID, IVPU_USER_RANGE, JIFFY_NS, JOB_MAX_BUFFER_COUNT, SIM_IVPU_IDENTITY, VPU_FW_API_VER_NUM } from './hw';
import { msGetData, msGetInfo, msStart, msStop } from './metrics';
import { type IvpuBo, type IvpuFile, Resv, boOf } from './objects';
import { boCreateFromUserptr } from './userptr';

export type IvpuIoctl = (dev: IvpuDevice, data: Buffer, file: DrmFile, ctx: IoctlContext) => IoctlReturn;

/** ivpu_drv.c ivpu_is_capable. */
function isCapable(dev: IvpuDevice, cap: number): boolean {
  switch (cap) {
    case DRM_IVPU_CAP_METRIC_STREAMER:
    case DRM_IVPU_CAP_BO_CREATE_FROM_USERPTR:
      return !dev.has('caps-unclaimed');
    case DRM_IVPU_CAP_DMA_MEMORY_RANGE:
      return true;
    case DRM_IVPU_CAP_MANAGE_CMDQ:
      return dev.hwSched;
    default:
      return false;
  }
}

/** ivpu_drv.c ivpu_get_param_ioctl: `value` written only for a known parameter. */
const getParam: IvpuIoctl = (dev, data, drm) => {
  const file = fileOf(drm);
  const a = drm_ivpu_param.decode(data);
  const put = (v: bigint | number): number => {
    data.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v)), drm_ivpu_param.offsets.value);
    return 0;
  };
  switch (a.param) {
    case DRM_IVPU_PARAM_DEVICE_ID:
      return put(SIM_IVPU_IDENTITY.deviceId);
    case DRM_IVPU_PARAM_DEVICE_REVISION:
      return put(SIM_IVPU_IDENTITY.revision);
    case DRM_IVPU_PARAM_PLATFORM_TYPE:
      return put(SIM_IVPU_IDENTITY.platform);
    case DRM_IVPU_PARAM_CORE_CLOCK_RATE:
      return put(SIM_IVPU_IDENTITY.coreClockHz);
    case DRM_IVPU_PARAM_NUM_CONTEXTS:
      return put(file.limits.maxCtx);
    case DRM_IVPU_PARAM_CONTEXT_BASE_ADDRESS:
      return put(IVPU_USER_RANGE.start);
    case DRM_IVPU_PARAM_CONTEXT_ID:
      return put(file.ctxId);
    case DRM_IVPU_PARAM_FW_API_VERSION:
      if (a.index >= VPU_FW_API_VER_NUM) throw fail('EINVAL', 'GET_PARAM', `FW_API_VERSION index ${a.index}`);
      return put(SIM_IVPU_IDENTITY.fwApiVersions[a.index] ?? 0n);
    case DRM_IVPU_PARAM_ENGINE_HEARTBEAT:
      // ivpu_jsm_msg.c ivpu_jsm_get_heartbeat: only VPU_ENGINE_COMPUTE (0).
      if (a.index !== 0) throw fail('EINVAL', 'GET_PARAM', `ENGINE_HEARTBEAT engine ${a.index}`);
      return put(dev.heartbeat());
    case DRM_IVPU_PARAM_UNIQUE_INFERENCE_ID:
      return put(++dev.uniqueIdCounter);
    case DRM_IVPU_PARAM_TILE_CONFIG:
      return put(SIM_IVPU_IDENTITY.tileConfig);
    case DRM_IVPU_PARAM_SKU:
      return put(SIM_IVPU_IDENTITY.sku);
    case DRM_IVPU_PARAM_CAPABILITIES:
      return put(isCapable(dev, a.index) ? 1 : 0);
    case DRM_IVPU_PARAM_PREEMPT_BUFFER_SIZE:
      // ivpu_fw.h ivpu_fw_preempt_buf_size: the simulated firmware asks for no preemption buffers.
      return put(0);
    default:
      if (dev.has('param-unknown-ok')) return put(0);
      throw fail('EINVAL', 'GET_PARAM', `unknown param ${a.param}`);
  }
};

/** ivpu_drv.c ivpu_set_param_ioctl: no parameter is settable. */
const setParam: IvpuIoctl = (dev, data) => {
  if (dev.has('set-param-accepts')) return 0;
  throw fail('EINVAL', 'SET_PARAM', `param ${drm_ivpu_param.decode(data).param}`);
};

const CREATE = drm_ivpu_bo_create.offsets;

/**
 * ivpu_gem.c ivpu_bo_create_ioctl: flags (EINVAL), PAGE_ALIGN(size) == 0
 * (EINVAL), ivpu_bo_alloc's cache mode (EINVAL for UNCACHED), then
 * drm_gem_shmem_create: the object without pages (drm_gem_object_init ->
 * shmem_file_setup: EINVAL above MAX_LFS_FILESIZE) and its fake mmap offset
 * (__drm_gem_shmem_init -> drm_gem_create_mmap_offset: ENOSPC beyond the ~1 TiB
 * offset space); then the handle, whose gem open gives the NPU address
 * (ivpu_mmu_context_insert_node: ENOSPC beyond the 256 GiB user range). No
 * size limit of its own: nothing is allocated until the BO is mapped or bound.
 * handle and vpu_addr are written only on success.
 */
const boCreate: IvpuIoctl = (dev, data, drm) => {
  const size = data.readBigUInt64LE(CREATE.size);
  const flags = data.readUInt32LE(CREATE.flags);
  if (dev.has('bo-create-dirty-output')) {
    data.writeUInt32LE(1, CREATE.handle);
    data.writeBigUInt64LE(0x1_0000_0000n, CREATE.vpu_addr);
  }
  if (flags & ~DRM_IVPU_BO_FLAGS && !dev.has('bo-create-any-flags')) throw fail('EINVAL', 'BO_CREATE', `flags 0x${flags.toString(16)}`);
  const aligned = BigInt.asUintN(64, (size + BigInt(PAGE_SIZE - 1)) & ~BigInt(PAGE_SIZE - 1));
  if (aligned === 0n) throw fail('EINVAL', 'BO_CREATE', `size ${size}`);
  const cache = flags & DRM_IVPU_BO_CACHE_MASK;
  if (cache !== DRM_IVPU_BO_CACHED && cache !== DRM_IVPU_BO_WC) throw fail('EINVAL', 'BO_CREATE', `cache mode 0x${cache.toString(16)}`);
  // A page multiple below 2^65 is exact as a double; the core refuses >= 2^63 (EINVAL).
  const obj = dev.drm.gemObjectCreate(Number(aligned), dev.boFuncs);
  // Listed at once: an ioctl is atomic here, and a failure below frees it again (ivpu_gem_bo_free).
  const bo = dev.track(obj, flags, new Resv());
  let handle: number;
  try {
    dev.drm.gemMmapOffset(obj);
    handle = dev.drm.gemHandleCreate(drm, obj);
  } finally {
    obj.put();
  }
  data.writeUInt32LE(handle, CREATE.handle);
  data.writeBigUInt64LE(bo.vpuAddr, CREATE.vpu_addr);
  return 0;
};

const INFO = drm_ivpu_bo_info.offsets;

/** ivpu_gem.c ivpu_bo_info_ioctl: ENOENT for an unknown handle, nothing written. */
const boInfo: IvpuIoctl = (dev, data, drm) => {
  const handle = data.readUInt32LE(INFO.handle);
  if (dev.has('bo-info-dirty-output')) data.writeBigUInt64LE(0x1_0000_0000n, INFO.vpu_addr);
  const obj = dev.drm.gemObjectLookup(drm, handle);
  if (!obj) throw fail('ENOENT', 'BO_INFO', `no handle ${handle}`);
  try {
    const bo = boOf(obj);
    data.writeUInt32LE(bo.flags, INFO.flags);
    data.writeBigUInt64LE(dev.drm.gemMmapOffset(obj) + (dev.has('bo-info-wrong-offset') ? BigInt(PAGE_SIZE) : 0n), INFO.mmap_offset);
    data.writeBigUInt64LE(bo.vpuAddr, INFO.vpu_addr);
    data.writeBigUInt64LE(BigInt(obj.size), INFO.size);
  } finally {
    obj.put();
  }
  return 0;
};

const WAIT = drm_ivpu_bo_wait.offsets;

/**
 * drm_syncobj.c drm_timeout_abs_to_jiffies plus ivpu's extra jiffy, as the
 * absolute time the wait gives up: schedule_timeout(n) returns at the n-th
 * jiffy boundary from now, which the extra jiffy keeps at or after timeout_ns.
 */
function waitDeadline(dev: IvpuDevice, timeoutNs: bigint, now: bigint): bigint {
  let jiffies = 0n;
  if (timeoutNs !== 0n && timeoutNs > now) jiffies = (timeoutNs - now) / JIFFY_NS + 1n;
  if (!dev.has('bo-wait-early')) jiffies += 1n;
  return (now / JIFFY_NS + jiffies) * JIFFY_NS;
}

/**
 * ivpu_gem.c ivpu_bo_wait_ioctl: EINVAL (not ENOENT) for an unknown handle;
 * waits for the BO's WRITE fences (a command buffer's job); ETIMEDOUT leaves
 * job_status untouched, success writes the BO's job_status.
 */
const boWait: IvpuIoctl = (dev, data, drm, ctx) => {
  const handle = data.readUInt32LE(WAIT.handle);
  const timeoutNs = data.readBigInt64LE(WAIT.timeout_ns);
  const deadline = waitDeadline(dev, timeoutNs, ctx.clock.nowNs());
  const obj = dev.drm.gemObjectLookup(drm, handle);
  if (!obj) throw fail(dev.has('bo-wait-unknown-enoent') ? 'ENOENT' : 'EINVAL', 'BO_WAIT', `no handle ${handle}`);
  const bo = boOf(obj);
  return ctx.sleep(
    () => bo.resv.readSignaled(),
    deadline,
    (done) => {
      obj.put();
      if (!done) throw fail('ETIMEDOUT', 'BO_WAIT', `handle ${handle} still busy`);
      data.writeUInt32LE(bo.jobStatus, WAIT.job_status);
      return 0;
    },
  );
};

/** copy_from_user of the u32 handle array (ivpu_job.c ivpu_submit). */
function readHandles(ctx: IoctlContext, address: bigint, count: number): number[] {
  const raw = ctx.copyFromUser(address, count * 4);
  return Array.from({ length: count }, (_, i) => raw.readUInt32LE(i * 4));
}

interface SubmitArgs {
  readonly ioctl: string;
  readonly cmdqId: number;
  readonly count: number;
  readonly buffersPtr: bigint;
  readonly cmdsOffset: number;
  readonly preemptIndex: number;
  readonly priority: number;
}

/**
 * ivpu_job.c ivpu_submit -> ivpu_job_prepare_bos_for_submit -> ivpu_job_submit:
 * handles copied (EFAULT), each looked up (ENOENT) and bound, the command
 * buffer idle (EBUSY) and the offset inside it (EINVAL), a preemption buffer
 * not mappable (EINVAL), the job fence added (command buffer WRITE, others
 * BOOKKEEP); then, under reset_lock (a recovery in progress makes it wait),
 * the queue.
 */
function submit(dev: IvpuDevice, file: IvpuFile, a: SubmitArgs, ctx: IoctlContext): IoctlReturn {
  const handles = readHandles(ctx, a.buffersPtr, a.count);
  const objs: GemObject[] = [];
  const fence = newJobFence(dev);
  // err_signal_fence / ivpu_job_destroy: the fence signals, the BO references go.
  const undo = (): void => {
    fence.signal();
    for (const o of objs) o.put();
  };
  try {
    for (const h of handles) {
      const obj = dev.drm.gemObjectLookup(file.drm, h);
      if (!obj) throw fail('ENOENT', a.ioctl, `no handle ${h}`);
      objs.push(obj);
      dev.bind(boOf(obj));
    }
    const cmd = boOf(objs[0] as GemObject);
    if (!cmd.resv.readSignaled()) throw fail('EBUSY', a.ioctl, 'command buffer in use by another job');
    if (a.cmdsOffset >= cmd.obj.size) throw fail('EINVAL', a.ioctl, `commands_offset ${a.cmdsOffset} past the buffer`);
    if (a.preemptIndex) {
      const pre = boOf(objs[a.preemptIndex] as GemObject);
      if (pre.flags & DRM_IVPU_BO_MAPPABLE) throw fail('EINVAL', a.ioctl, 'preemption buffer is mappable');
    }
    objs.forEach((o, i) => boOf(o).resv.add(fence, i === 0 ? 'write' : 'bookkeep'));
  } catch (e) {
    undo();
    throw e;
  }
  return ctx.sleep(
    () => !dev.resetInProgress,
    null,
    () => {
      file.refs++;
      try {
        dev.jobSubmit(file, { file, bos: objs, cmdOffset: a.cmdsOffset, fence, status: 0, fwDone: false }, a.priority, a.cmdqId, a.ioctl);
      } catch (e) {
        undo();
        dev.filePut(file);
        throw e;
      }
      return 0;
    },
  );
}

/** ivpu_job.c ivpu_job_to_jsm_priority. */
const jsmPriority = (p: number): number => (p === DRM_IVPU_JOB_PRIORITY_DEFAULT ? 1 : p - 1);

/** The EBADFD of a faulted context, the last check before the work (ivpu_submit_ioctl, ivpu_cmdq_submit_ioctl). */
function checkContext(dev: IvpuDevice, file: IvpuFile, ioctl: string): void {
  if (file.hasMmuFaults && !dev.has('fault-context-lives')) throw fail('EBADFD', ioctl, `context ${file.ctxId} has MMU faults`);
}

/** ivpu_job.c ivpu_submit_ioctl: engine, priority, buffer_count, 8-byte offset (EINVAL), faulted context (EBADFD). */
const submitIoctl: IvpuIoctl = (dev, data, drm, ctx) => {
  const file = fileOf(drm);
  const a = drm_ivpu_submit.decode(data);
  const lax = dev.has('submit-bad-args-ok');
  if (a.engine !== DRM_IVPU_ENGINE_COMPUTE && !lax) throw fail('EINVAL', 'SUBMIT', `engine ${a.engine}`);
  if (a.priority > DRM_IVPU_JOB_PRIORITY_REALTIME && !lax) throw fail('EINVAL', 'SUBMIT', `priority ${a.priority}`);
  if (a.buffer_count === 0 || a.buffer_count > JOB_MAX_BUFFER_COUNT) throw fail('EINVAL', 'SUBMIT', `buffer_count ${a.buffer_count}`);
  if (a.commands_offset % 8 !== 0 && !lax) throw fail('EINVAL', 'SUBMIT', `commands_offset ${a.commands_offset} not 8-byte aligned`);
  checkContext(dev, file, 'SUBMIT');
  return submit(
    dev,
    file,
    {
      ioctl: 'SUBMIT',
      cmdqId: 0,
      count: a.buffer_count,
      buffersPtr: a.buffers_ptr,
      cmdsOffset: a.commands_offset,
      preemptIndex: 0,
      priority: jsmPriority(a.priority) & 0xff,
    },
    ctx,
  );
};

/** ivpu_job.c ivpu_cmdq_submit_ioctl: ENODEV without HW scheduling, then cmdq_id, count, preemption index, offset, EBADFD. */
const cmdqSubmit: IvpuIoctl = (dev, data, drm, ctx) => {
  const file = fileOf(drm);
  const a = drm_ivpu_cmdq_submit.decode(data);
  if (!isCapable(dev, DRM_IVPU_CAP_MANAGE_CMDQ)) throw fail('ENODEV', 'CMDQ_SUBMIT', 'command queue management needs the HW scheduler');
  if (a.cmdq_id < IVPU_CMDQ_MIN_ID || a.cmdq_id > IVPU_CMDQ_MAX_ID) throw fail('EINVAL', 'CMDQ_SUBMIT', `cmdq_id ${a.cmdq_id}`);
  if (a.buffer_count === 0 || a.buffer_count > JOB_MAX_BUFFER_COUNT) throw fail('EINVAL', 'CMDQ_SUBMIT', `buffer_count ${a.buffer_count}`);
  if (a.preempt_buffer_index >= a.buffer_count) throw fail('EINVAL', 'CMDQ_SUBMIT', `preempt_buffer_index ${a.preempt_buffer_index}`);
  if (a.commands_offset % 8 !== 0) throw fail('EINVAL', 'CMDQ_SUBMIT', `commands_offset ${a.commands_offset} not 8-byte aligned`);
  checkContext(dev, file, 'CMDQ_SUBMIT');
  return submit(
    dev,
    file,
    {
      ioctl: 'CMDQ_SUBMIT',
      cmdqId: a.cmdq_id,
      count: a.buffer_count,
      buffersPtr: a.buffers_ptr,
      cmdsOffset: a.commands_offset,
      preemptIndex: a.preempt_buffer_index,
      priority: 0,
    },
    ctx,
  );
};

/** ivpu_job.c ivpu_cmdq_create_ioctl: ENODEV, priority (EINVAL), ENOMEM when no id is left; cmdq_id written on success. */
const cmdqCreate: IvpuIoctl = (dev, data, drm) => {
  const file = fileOf(drm);
  const a = drm_ivpu_cmdq_create.decode(data);
  if (!isCapable(dev, DRM_IVPU_CAP_MANAGE_CMDQ)) throw fail('ENODEV', 'CMDQ_CREATE', 'command queue management needs the HW scheduler');
  if (a.priority > DRM_IVPU_JOB_PRIORITY_REALTIME) throw fail('EINVAL', 'CMDQ_CREATE', `priority ${a.priority}`);
  const cmdq = dev.cmdqCreate(file, jsmPriority(a.priority), false);
  if (!cmdq) throw fail('ENOMEM', 'CMDQ_CREATE', 'no command queue id left');
  data.writeUInt32LE(cmdq.id, drm_ivpu_cmdq_create.offsets.cmdq_id);
  return 0;
};

/** ivpu_job.c ivpu_cmdq_destroy_ioctl: ENODEV, ENOENT for an unknown or legacy queue; its pending jobs end ABORTED. */
const cmdqDestroy: IvpuIoctl = (dev, data, drm) => {
  const file = fileOf(drm);
  const { cmdq_id } = drm_ivpu_cmdq_destroy.decode(data);
  if (!isCapable(dev, DRM_IVPU_CAP_MANAGE_CMDQ)) throw fail('ENODEV', 'CMDQ_DESTROY', 'command queue management needs the HW scheduler');
  const cmdq = file.cmdqs.get(cmdq_id);
  if (!cmdq || cmdq.isLegacy) throw fail('ENOENT', 'CMDQ_DESTROY', `no command queue ${cmdq_id}`);
  dev.cmdqDestroy(file, cmdq);
  dev.cmdqAbortAllJobs(file, cmdq_id);
  return 0;
};

export type IvpuIoctlName =
  | 'GET_PARAM'
  | 'SET_PARAM'
  | 'BO_CREATE'
  | 'BO_INFO'
  | 'SUBMIT'
  | 'BO_WAIT'
  | 'METRIC_STREAMER_START'
  | 'METRIC_STREAMER_GET_DATA'
  | 'METRIC_STREAMER_STOP'
  | 'METRIC_STREAMER_GET_INFO'
  | 'CMDQ_CREATE'
  | 'CMDQ_DESTROY'
  | 'CMDQ_SUBMIT'
  | 'BO_CREATE_FROM_USERPTR';

export const IVPU_IOCTL_HANDLERS: Readonly<Record<IvpuIoctlName, IvpuIoctl>> = {
  GET_PARAM: getParam,
  SET_PARAM: setParam,
  BO_CREATE: boCreate,
  BO_INFO: boInfo,
  SUBMIT: submitIoctl,
  BO_WAIT: boWait,
  METRIC_STREAMER_START: msStart,
  METRIC_STREAMER_GET_DATA: msGetData,
  METRIC_STREAMER_STOP: msStop,
  METRIC_STREAMER_GET_INFO: msGetInfo,
  CMDQ_CREATE: cmdqCreate,
  CMDQ_DESTROY: cmdqDestroy,
  CMDQ_SUBMIT: cmdqSubmit,
  BO_CREATE_FROM_USERPTR: boCreateFromUserptr,
};

export type { IvpuBo };
