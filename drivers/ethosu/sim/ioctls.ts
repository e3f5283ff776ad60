/**
 * The ethosu ioctls on the simulated kernel, each the model of the kernel
 * function named beside it (drivers/accel/ethosu/ethosu_drv.c, ethosu_gem.c,
 * ethosu_job.c, ethosu_perfmon.c, Linux 7.3). Argument checks come in the
 * kernel's order with the kernel's errno; `data` is drm_ioctl's kernel copy,
 * copied back to user space after the call even when it fails, so a field
 * the kernel writes before failing is seen written (CMDSTREAM_BO_CREATE's
 * flags).
 */
import { SysError } from '../../../harness/sys/errno';
import type { DrmFile, IoctlContext, IoctlReturn } from '../../sim/kernel/drm/driver';
import type { GemObject } from '../../sim/kernel/drm/driver';
import {
  DRM_ETHOSU_BO_NO_MMAP,
  DRM_ETHOSU_DEV_QUERY_NPU_INFO,
  DRM_ETHOSU_MAX_PERF_EVENT_COUNTERS,
  DRM_ETHOSU_PERFMON_CLEAR_GLOBAL,
  drm_ethosu_bo_create,
  drm_ethosu_bo_mmap_offset,
  drm_ethosu_bo_wait,
  drm_ethosu_cmdstream_bo_create,
  drm_ethosu_dev_query,
  drm_ethosu_job,
  drm_ethosu_npu_info,
  drm_ethosu_perfmon_create,
  drm_ethosu_perfmon_destroy,
  drm_ethosu_perfmon_get_values,
  drm_ethosu_perfmon_set_global,
  drm_ethosu_submit,
  type EthosuIoctlName,
} from '../uapi';
import { ETHOSU_SRAM_REGION, NPU_BASEP_REGION_MAX } from '../cmdstream';
import { boOf, type EthosuDevice, type EthosuFile, type EthosuBo, type EthosuJob, type Perfmon } from './device';
import { copyAndValidate } from './validate';

type Handler = (dev: EthosuDevice, data: Buffer, file: DrmFile, ctx: IoctlContext) => IoctlReturn;

const fail = (code: 'EINVAL' | 'ENOENT' | 'ENOMEM' | 'EFAULT' | 'EOVERFLOW' | 'EBUSY' | 'ETIME', why: string): never => {
  throw SysError.of(code, 'ioctl', why);
};

const fileOf = (file: DrmFile): EthosuFile => file.driverPriv as EthosuFile;

/** Bytes kvmalloc refuses outright (mm/slub.c __kvmalloc_node_noprof: "Don't even allow crazy sizes", size > INT_MAX). */
const KVMALLOC_MAX = 0x7fffffff;
const U64_MAX = (1n << 64n) - 1n;

/** ethosu_gem_funcs: a DMA object whose .mmap refuses DRM_ETHOSU_BO_NO_MMAP objects (ethosu_gem_mmap). */
function createBo(dev: EthosuDevice, size: number, bo: EthosuBo): GemObject {
  const obj = dev.drm.gemObjectCreate(size, {
    mmap: (o) => {
      if (boOf(o).flags & DRM_ETHOSU_BO_NO_MMAP && !dev.has('no-mmap-ignored')) fail('EINVAL', 'DRM_ETHOSU_BO_NO_MMAP object');
      // The defect maps a snapshot of the pages instead of the pages (drm_gem_dma_object_mmap maps the object itself).
      return dev.has('mmap-copy') ? Buffer.from(o.memory) : undefined;
    },
  });
  obj.driverPriv = bo;
  // __drm_gem_dma_create creates the fake offset at allocation (drm_gem_create_mmap_offset).
  dev.drm.gemMmapOffset(obj);
  return obj;
}

/** A u64 size as a byte count the core can allocate; larger ones fail the DMA allocation (ENOMEM). */
function dmaSize(size: bigint): number {
  if (size > BigInt(Number.MAX_SAFE_INTEGER)) fail('ENOMEM', 'drm_gem_dma_create: allocation failed');
  return Number(size);
}

/** ethosu_ioctl_dev_query. */
const devQuery: Handler = (dev, data, _file, ctx) => {
  const a = drm_ethosu_dev_query.decode(data);
  if (a.type !== DRM_ETHOSU_DEV_QUERY_NPU_INFO) fail('EINVAL', 'unknown query type');
  if (a.pointer === 0n) {
    drm_ethosu_dev_query.write(data, 0, { ...a, size: drm_ethosu_npu_info.size });
    return 0;
  }
  // offsetofend(struct drm_ethosu_npu_info, sram_size)
  if (a.size < drm_ethosu_npu_info.offsets.sram_size + 4) fail('EINVAL', 'size below sram_size');
  const info = drm_ethosu_npu_info.encode({
    id: dev.npu.id,
    config: dev.npu.config,
    sram_size: dev.npu.sramSize,
    pmu_counters: dev.npu.pmuCounters,
  });
  // copy_struct_to_user: a larger user struct has its tail zeroed first, then min(usize, ksize) bytes are copied.
  const size = Math.min(a.size, info.length);
  for (let off = size; off < a.size; off += 65536) {
    ctx.copyToUser(a.pointer + BigInt(off), Buffer.alloc(Math.min(65536, a.size - off)));
  }
  ctx.copyToUser(a.pointer, info.subarray(0, size));
  return 0;
};

/** ethosu_ioctl_bo_create -> ethosu_gem_create_with_handle. */
const boCreate: Handler = (dev, data, file) => {
  const a = drm_ethosu_bo_create.decode(data);
  if (a.size === 0n || (a.flags & ~DRM_ETHOSU_BO_NO_MMAP && !dev.has('bo-create-bad-flags-ok'))) fail('EINVAL', 'size 0 or unknown flags');
  const obj = createBo(dev, dmaSize(a.size), { flags: a.flags, info: null });
  try {
    const handle = dev.drm.gemHandleCreate(file, obj);
    drm_ethosu_bo_create.write(data, 0, { ...a, handle, size: BigInt(obj.size) });
  } finally {
    obj.put();
  }
  return 0;
};

/** ethosu_ioctl_bo_wait -> drm_gem_dma_resv_wait(file, handle, true, drm_timeout_abs_to_jiffies(timeout_ns)). */
const boWait: Handler = (dev, data, file, ctx) => {
  const a = drm_ethosu_bo_wait.decode(data);
  if (a.pad !== 0) fail('EINVAL', 'pad');
  const obj = dev.drm.gemObjectLookup(file, a.handle);
  if (!obj) fail('EINVAL', 'no such BO');
  const bo = obj as GemObject;
  bo.put();
  // Every fence (dma_resv_usage_rw(true) = READ); a cancelled job's fence counts as signalled: 0, not its error.
  const fences = bo.resv.fences('read');
  const kick = (): void => ctx.clock.kick();
  for (const f of fences) f.onSignal(kick);
  const now = ctx.clock.nowNs();
  // drm_timeout_abs_to_jiffies: 0, or an absolute time already past, is a poll.
  const deadline = a.timeout_ns <= now ? now : a.timeout_ns;
  return ctx.sleep(() => fences.every((f) => f.signaled), deadline, (ok) => {
    if (!ok) fail('ETIME', 'BO still busy');
    return 0;
  });
};

/** ethosu_ioctl_bo_mmap_offset. */
const boMmapOffset: Handler = (dev, data, file) => {
  const a = drm_ethosu_bo_mmap_offset.decode(data);
  if (a.pad !== 0) fail('EINVAL', 'pad');
  const obj = dev.drm.gemObjectLookup(file, a.handle);
  if (!obj) fail('ENOENT', 'no such BO');
  const o = obj as GemObject;
  drm_ethosu_bo_mmap_offset.write(data, 0, { ...a, offset: dev.drm.gemMmapOffset(o) });
  o.put();
  return 0;
};

/** ethosu_ioctl_cmdstream_bo_create -> ethosu_gem_cmdstream_create. */
const cmdstreamBoCreate: Handler = (dev, data, file, ctx) => {
  const a = drm_ethosu_cmdstream_bo_create.decode(data);
  if (a.size === 0 || a.data === 0n || a.pad !== 0 || a.flags !== 0) fail('EINVAL', 'size, data, pad or flags');
  // args->flags |= DRM_ETHOSU_BO_NO_MMAP before anything can fail: user space sees it even on error.
  const flags = a.flags | DRM_ETHOSU_BO_NO_MMAP;
  drm_ethosu_cmdstream_bo_create.write(data, 0, { ...a, flags });
  // drm_gem_dma_create first (its ENOMEM comes before any validation), then the copy into it.
  const bo: EthosuBo = { flags, info: null };
  const obj = createBo(dev, a.size, bo);
  try {
    const info = copyAndValidate(
      a.size,
      (i) => ctx.copyFromUser(a.data + BigInt(i * 4), 4).readUInt32LE(0),
      (i, w) => obj.memory.writeUInt32LE(w, i * 4),
      dev.isU65,
      {
        stateZeroed: dev.has('cmdstream-state-zeroed'),
        overflowUnchecked: dev.has('cmdstream-overflow-unchecked'),
        stopAnywhere: dev.has('cmdstream-stop-anywhere'),
      regionUnmasked: dev.has('region-index-unmasked'),
      },
    );
    if (typeof info === 'string') fail(info, 'command stream refused');
    bo.info = info as Exclude<typeof info, string>;
    const handle = dev.drm.gemHandleCreate(file, obj);
    drm_ethosu_cmdstream_bo_create.write(data, 0, { ...a, flags, handle });
  } finally {
    // The creation reference: the handle holds its own; on failure this frees the object.
    obj.put();
  }
  return 0;
};

/** ethosu_ioctl_submit_job: one job, all its BO references taken or none. */
function submitJob(dev: EthosuDevice, file: DrmFile, job: ReturnType<typeof drm_ethosu_job.decode>, perfmonId: number): void {
  const handles = job.region_bo_handles;
  // BO region 2 is reserved if SRAM is used.
  if (handles[ETHOSU_SRAM_REGION] && job.sram_size) fail('EINVAL', 'region 2 BO given with SRAM');
  if (dev.npu.sramSize < job.sram_size) fail('EINVAL', 'sram_size above the NPU SRAM');
  const held: GemObject[] = [];
  const release = (): void => {
    for (const o of held) o.put();
  };
  try {
    const cmdBo = dev.drm.gemObjectLookup(file, job.cmd_bo);
    if (!cmdBo) fail('ENOENT', 'no such command stream BO');
    const cmd = cmdBo as GemObject;
    held.push(cmd);
    const info = boOf(cmd).info;
    if (!info) fail('EINVAL', 'cmd_bo is not a command stream BO');
    const stream = info as NonNullable<typeof info>;
    const regions: { region: number; bo: GemObject }[] = [];
    for (let i = 0; i < NPU_BASEP_REGION_MAX; i++) {
      const used = (stream.regionSize[i] as bigint) !== 0n;
      const handle = handles[i] as number;
      if (!handle) {
        if (!used) continue;
        if (i === ETHOSU_SRAM_REGION) {
          if ((stream.regionSize[i] as bigint) <= BigInt(job.sram_size)) continue;
          fail('EINVAL', `region ${i} needs more than the job's SRAM`);
        }
      }
      if (handle && !used) fail('EINVAL', `BO given for unused region ${i}`);
      const gem = dev.drm.gemObjectLookup(file, handle);
      if (!gem) fail('ENOENT', `no BO ${handle} for region ${i}`);
      const g = gem as GemObject;
      held.push(g);
      regions.push({ region: i, bo: g });
      if (boOf(g).info && !dev.has('cmdstream-bo-as-region-ok')) fail('EINVAL', `command stream BO used for region ${i}`);
      // Verify the command stream doesn't have accesses outside the BO.
      if ((stream.regionSize[i] as bigint) > BigInt(g.size) && !dev.has('region-size-unchecked')) {
        fail('EOVERFLOW', `region ${i} extends beyond its BO`);
      }
    }
    const payload: EthosuJob = { cmdBo: cmd, regions, perfmon: perfmonId ? fileOf(file).perfmons.get(perfmonId) ?? null : null };
    held.length = 0; // the job owns the references now (freed by freeJob)
    dev.push(fileOf(file), payload);
  } finally {
    release();
  }
}

/** ethosu_ioctl_submit: jobs run in order until one fails; earlier ones stay submitted. */
const submit: Handler = (dev, data, file, ctx) => {
  const a = drm_ethosu_submit.decode(data);
  const bytes = a.job_count * drm_ethosu_job.size;
  // kvmalloc_objs(*jobs, job_count): above INT_MAX bytes kvmalloc refuses (and WARNs once: a kernel log
  // entry the simulator has no log for; the kernel lane sees it).
  if (bytes > KVMALLOC_MAX) fail('ENOMEM', 'job array too large for kvmalloc');
  const raw = bytes === 0 ? Buffer.alloc(0) : ctx.copyFromUser(a.jobs, bytes);
  for (let i = 0; i < a.job_count; i++) {
    submitJob(dev, file, drm_ethosu_job.decode(raw.subarray(i * drm_ethosu_job.size, (i + 1) * drm_ethosu_job.size)), a.perfmon_id);
  }
  return 0;
};

/** ethosu_ioctl_perfmon_create: at most the NPU's event counters, events below the architecture's maximum. */
const perfmonCreate: Handler = (dev, data, file) => {
  const a = drm_ethosu_perfmon_create.decode(data);
  if (a.ncounters > dev.npu.pmuCounters && !dev.has('perfmon-ncounters-unchecked')) fail('EINVAL', 'ncounters above the PMU');
  const eventMax = dev.isU65 ? 433 : 671;
  // The kernel reads counters[i] for every i < ncounters, past the 8 the struct holds when the PMU
  // reports more (bytes of drm_ioctl's kernel buffer beyond the struct): the model reads them as 0.
  const counters = Array.from({ length: a.ncounters }, (_, i) => (i < DRM_ETHOSU_MAX_PERF_EVENT_COUNTERS ? (a.counters[i] as number) : 0));
  if (counters.some((c) => c > eventMax)) fail('EINVAL', 'unknown event');
  const f = fileOf(file);
  // xa_alloc on an XA_FLAGS_ALLOC1 array: the lowest free id from 1.
  let id = 1;
  while (f.perfmons.has(id)) id++;
  const perfmon: Perfmon = { counters, values: new Array<bigint>(a.ncounters + 1).fill(0n) };
  f.perfmons.set(id, perfmon);
  // req->ncounters++ (the cycle counter) is written back with the id.
  drm_ethosu_perfmon_create.write(data, 0, { ...a, ncounters: a.ncounters + 1, id });
  return 0;
};

/** ethosu_perfmon_delete: a global perfmon stops being global, an active one is stopped. */
export function perfmonDelete(dev: EthosuDevice, perfmon: Perfmon): void {
  if (dev.globalPerfmon === perfmon) dev.globalPerfmon = null;
  if (dev.activePerfmon === perfmon) dev.activePerfmon = null;
}

/** ethosu_ioctl_perfmon_destroy. */
const perfmonDestroy: Handler = (dev, data, file) => {
  const a = drm_ethosu_perfmon_destroy.decode(data);
  const f = fileOf(file);
  const perfmon = f.perfmons.get(a.id);
  if (!perfmon) fail('EINVAL', 'no such perfmon');
  f.perfmons.delete(a.id);
  perfmonDelete(dev, perfmon as Perfmon);
  return 0;
};

/** ethosu_ioctl_perfmon_get_values: ncounters + 1 u64 values (the fake PMU counts nothing). */
const perfmonGetValues: Handler = (dev, data, file, ctx) => {
  const a = drm_ethosu_perfmon_get_values.decode(data);
  if (a.pad !== 0) fail('EINVAL', 'pad');
  const perfmon = fileOf(file).perfmons.get(a.id);
  if (!perfmon) fail('EINVAL', 'no such perfmon');
  // ethosu_perfmon_stop(..., capture): reading stops the perfmon if it is the active one.
  if (dev.activePerfmon === perfmon) dev.activePerfmon = null;
  const values = Buffer.alloc((perfmon as Perfmon).values.length * 8);
  (perfmon as Perfmon).values.forEach((v, i) => values.writeBigUInt64LE(v & U64_MAX, i * 8));
  ctx.copyToUser(a.values_ptr, values);
  return 0;
};

/** ethosu_ioctl_perfmon_set_global. */
const perfmonSetGlobal: Handler = (dev, data, file) => {
  const a = drm_ethosu_perfmon_set_global.decode(data);
  if (a.flags & ~DRM_ETHOSU_PERFMON_CLEAR_GLOBAL) fail('EINVAL', 'flags');
  const perfmon = fileOf(file).perfmons.get(a.id);
  if (!perfmon) fail('EINVAL', 'no such perfmon');
  if (a.flags & DRM_ETHOSU_PERFMON_CLEAR_GLOBAL) {
    if (!dev.globalPerfmon) fail('EINVAL', 'no global perfmon');
    if (dev.activePerfmon === dev.globalPerfmon) dev.activePerfmon = null;
    dev.globalPerfmon = null;
    return 0;
  }
  if (dev.activePerfmon || dev.globalPerfmon) fail('EBUSY', 'a perfmon is active or global');
  dev.globalPerfmon = perfmon as Perfmon;
  return 0;
};

export const ETHOSU_HANDLERS: Readonly<Record<EthosuIoctlName, Handler>> = {
  DEV_QUERY: devQuery,
  BO_CREATE: boCreate,
  BO_WAIT: boWait,
  BO_MMAP_OFFSET: boMmapOffset,
  CMDSTREAM_BO_CREATE: cmdstreamBoCreate,
  SUBMIT: submit,
  PERFMON_CREATE: perfmonCreate,
  PERFMON_DESTROY: perfmonDestroy,
  PERFMON_GET_VALUES: perfmonGetValues,
  PERFMON_SET_GLOBAL: perfmonSetGlobal,
};
