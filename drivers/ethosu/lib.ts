/**
 * User-space calls of the ethosu uAPI, shared by the adapter, the driver
 * family and the model's specs (as IGT's per-driver helpers sit beside
 * lib/ioctl_wrappers.c): each issues one ioctl and returns what the kernel
 * wrote back.
 */
import type { Sys } from '../../harness/sys/types';
import {
  DRM_ETHOSU_DEV_QUERY_NPU_INFO,
  ETHOSU_IOCTL,
  ETHOSU_MAX_REGIONS,
  drm_ethosu_bo_create,
  drm_ethosu_bo_mmap_offset,
  drm_ethosu_bo_wait,
  drm_ethosu_cmdstream_bo_create,
  drm_ethosu_dev_query,
  drm_ethosu_job,
  drm_ethosu_npu_info,
  drm_ethosu_submit,
} from './uapi';

export interface EthosuBoInfo {
  readonly handle: number;
  readonly size: number;
}

export function boCreate(sys: Sys, fd: number, size: number | bigint, flags = 0): EthosuBoInfo {
  const arg = drm_ethosu_bo_create.encode({ size: BigInt(size), flags });
  sys.ioctl(fd, ETHOSU_IOCTL.BO_CREATE.request, arg);
  const out = drm_ethosu_bo_create.decode(arg);
  return { handle: out.handle, size: Number(out.size) };
}

export function boMmapOffset(sys: Sys, fd: number, handle: number): bigint {
  const arg = drm_ethosu_bo_mmap_offset.encode({ handle });
  sys.ioctl(fd, ETHOSU_IOCTL.BO_MMAP_OFFSET.request, arg);
  return drm_ethosu_bo_mmap_offset.decode(arg).offset;
}

/** BO_WAIT with an absolute CLOCK_MONOTONIC deadline (0: poll). */
export function boWaitAsync(sys: Sys, fd: number, handle: number, deadlineNs: bigint): Promise<number> {
  return sys.ioctlAsync(fd, ETHOSU_IOCTL.BO_WAIT.request, drm_ethosu_bo_wait.encode({ handle, timeout_ns: deadlineNs }));
}

/** CMDSTREAM_BO_CREATE from 32-bit words; returns the handle and the struct as the kernel left it. */
export function cmdstreamCreate(sys: Sys, fd: number, words: Uint32Array, opts: { size?: number } = {}): number {
  const bytes = Buffer.from(words.buffer, words.byteOffset, words.byteLength);
  const mem = sys.alloc(Math.max(bytes.length, 4));
  try {
    bytes.copy(mem.bytes);
    const arg = drm_ethosu_cmdstream_bo_create.encode({ size: opts.size ?? bytes.length, data: mem.address });
    sys.ioctl(fd, ETHOSU_IOCTL.CMDSTREAM_BO_CREATE.request, arg);
    return drm_ethosu_cmdstream_bo_create.decode(arg).handle;
  } finally {
    sys.free(mem);
  }
}

export interface EthosuJobArgs {
  readonly cmdBo: number;
  readonly sramSize?: number;
  /** BO handle per region index (0 = none). */
  readonly regions?: Readonly<Record<number, number>>;
}

export function jobStruct(j: EthosuJobArgs): Buffer {
  const handles = Array.from({ length: ETHOSU_MAX_REGIONS }, (_, i) => j.regions?.[i] ?? 0);
  return drm_ethosu_job.encode({ cmd_bo: j.cmdBo, sram_size: j.sramSize ?? 0, region_bo_handles: handles });
}

/** SUBMIT of the given jobs, in order. */
export function submit(sys: Sys, fd: number, jobs: readonly EthosuJobArgs[], perfmonId = 0): void {
  const raw = Buffer.concat(jobs.map(jobStruct));
  const mem = sys.alloc(Math.max(raw.length, 8));
  try {
    raw.copy(mem.bytes);
    sys.ioctl(fd, ETHOSU_IOCTL.SUBMIT.request, drm_ethosu_submit.encode({ jobs: mem.address, job_count: jobs.length, perfmon_id: perfmonId }));
  } finally {
    sys.free(mem);
  }
}

export interface NpuInfoValue {
  readonly id: number;
  readonly config: number;
  readonly sram_size: number;
  readonly pmu_counters: number;
}

export function npuInfo(sys: Sys, fd: number): NpuInfoValue {
  const mem = sys.alloc(drm_ethosu_npu_info.size);
  try {
    const arg = drm_ethosu_dev_query.encode({ type: DRM_ETHOSU_DEV_QUERY_NPU_INFO, size: drm_ethosu_npu_info.size, pointer: mem.address });
    sys.ioctl(fd, ETHOSU_IOCTL.DEV_QUERY.request, arg);
    return drm_ethosu_npu_info.decode(Buffer.from(mem.bytes));
  } finally {
    sys.free(mem);
  }
}
