/**
 * TypeScript mirror of include/uapi/drm/ethosu_accel.h (Arm Ethos-U, Linux
 * 6.19+). Every struct and ioctl of the header is declared once here; the C
 * layout check compares them with the header of each kernel version the
 * project tracks. The PERFMON ioctls came with the header's first release in
 * Debian's 7.x packages; 6.12 has no ethosu_accel.h at all.
 */
import { drmDriverIoctl } from '../../harness/uapi/drm';
import type { UapiHeader } from '../../harness/uapi/header';
import { array, s64, struct, u16, u32, u64 } from '../../harness/uapi/layout';

/* enum drm_ethosu_ioctl_id */
export const DRM_ETHOSU_DEV_QUERY = 0;
export const DRM_ETHOSU_BO_CREATE = 1;
export const DRM_ETHOSU_BO_WAIT = 2;
export const DRM_ETHOSU_BO_MMAP_OFFSET = 3;
export const DRM_ETHOSU_CMDSTREAM_BO_CREATE = 4;
export const DRM_ETHOSU_SUBMIT = 5;
export const DRM_ETHOSU_PERFMON_CREATE = 6;
export const DRM_ETHOSU_PERFMON_DESTROY = 7;
export const DRM_ETHOSU_PERFMON_GET_VALUES = 8;
export const DRM_ETHOSU_PERFMON_SET_GLOBAL = 9;

/* enum drm_ethosu_dev_query_type */
export const DRM_ETHOSU_DEV_QUERY_NPU_INFO = 0;
/* enum drm_ethosu_bo_flags */
export const DRM_ETHOSU_BO_NO_MMAP = 1 << 0;
export const ETHOSU_MAX_REGIONS = 8;
export const DRM_ETHOSU_MAX_PERF_EVENT_COUNTERS = 8;
export const DRM_ETHOSU_MAX_PERF_COUNTERS = DRM_ETHOSU_MAX_PERF_EVENT_COUNTERS + 1;
export const DRM_ETHOSU_PERFMON_CLEAR_GLOBAL = 0x0001;

export const drm_ethosu_npu_info = struct('drm_ethosu_npu_info', { id: u32, config: u32, sram_size: u32, pmu_counters: u32 });
export const drm_ethosu_dev_query = struct('drm_ethosu_dev_query', { type: u32, size: u32, pointer: u64 });
export const drm_ethosu_bo_create = struct('drm_ethosu_bo_create', { size: u64, flags: u32, handle: u32 });
export const drm_ethosu_bo_mmap_offset = struct('drm_ethosu_bo_mmap_offset', { handle: u32, pad: u32, offset: u64 });
export const drm_ethosu_bo_wait = struct('drm_ethosu_bo_wait', { handle: u32, pad: u32, timeout_ns: s64 });
export const drm_ethosu_cmdstream_bo_create = struct('drm_ethosu_cmdstream_bo_create', {
  size: u32,
  flags: u32,
  data: u64,
  handle: u32,
  pad: u32,
});
export const drm_ethosu_job = struct('drm_ethosu_job', {
  cmd_bo: u32,
  sram_size: u32,
  region_bo_handles: array(u32, ETHOSU_MAX_REGIONS),
});
export const drm_ethosu_submit = struct('drm_ethosu_submit', { jobs: u64, job_count: u32, perfmon_id: u32 });
export const drm_ethosu_perfmon_create = struct('drm_ethosu_perfmon_create', {
  id: u32,
  ncounters: u32,
  counters: array(u16, DRM_ETHOSU_MAX_PERF_EVENT_COUNTERS),
});
export const drm_ethosu_perfmon_destroy = struct('drm_ethosu_perfmon_destroy', { id: u32, pad: u32 });
export const drm_ethosu_perfmon_get_values = struct('drm_ethosu_perfmon_get_values', { id: u32, pad: u32, values_ptr: u64 });
export const drm_ethosu_perfmon_set_global = struct('drm_ethosu_perfmon_set_global', { flags: u32, id: u32 });

export const ETHOSU_IOCTL = {
  DEV_QUERY: drmDriverIoctl('DRM_IOCTL_ETHOSU_DEV_QUERY', 'IOWR', DRM_ETHOSU_DEV_QUERY, drm_ethosu_dev_query),
  BO_CREATE: drmDriverIoctl('DRM_IOCTL_ETHOSU_BO_CREATE', 'IOWR', DRM_ETHOSU_BO_CREATE, drm_ethosu_bo_create),
  BO_WAIT: drmDriverIoctl('DRM_IOCTL_ETHOSU_BO_WAIT', 'IOWR', DRM_ETHOSU_BO_WAIT, drm_ethosu_bo_wait),
  BO_MMAP_OFFSET: drmDriverIoctl('DRM_IOCTL_ETHOSU_BO_MMAP_OFFSET', 'IOWR', DRM_ETHOSU_BO_MMAP_OFFSET, drm_ethosu_bo_mmap_offset),
  CMDSTREAM_BO_CREATE: drmDriverIoctl(
    'DRM_IOCTL_ETHOSU_CMDSTREAM_BO_CREATE',
    'IOWR',
    DRM_ETHOSU_CMDSTREAM_BO_CREATE,
    drm_ethosu_cmdstream_bo_create,
  ),
  SUBMIT: drmDriverIoctl('DRM_IOCTL_ETHOSU_SUBMIT', 'IOWR', DRM_ETHOSU_SUBMIT, drm_ethosu_submit),
  PERFMON_CREATE: drmDriverIoctl('DRM_IOCTL_ETHOSU_PERFMON_CREATE', 'IOWR', DRM_ETHOSU_PERFMON_CREATE, drm_ethosu_perfmon_create),
  PERFMON_DESTROY: drmDriverIoctl('DRM_IOCTL_ETHOSU_PERFMON_DESTROY', 'IOWR', DRM_ETHOSU_PERFMON_DESTROY, drm_ethosu_perfmon_destroy),
  PERFMON_GET_VALUES: drmDriverIoctl(
    'DRM_IOCTL_ETHOSU_PERFMON_GET_VALUES',
    'IOWR',
    DRM_ETHOSU_PERFMON_GET_VALUES,
    drm_ethosu_perfmon_get_values,
  ),
  PERFMON_SET_GLOBAL: drmDriverIoctl(
    'DRM_IOCTL_ETHOSU_PERFMON_SET_GLOBAL',
    'IOWR',
    DRM_ETHOSU_PERFMON_SET_GLOBAL,
    drm_ethosu_perfmon_set_global,
  ),
} as const;

export type EthosuIoctlName = keyof typeof ETHOSU_IOCTL;

export const ETHOSU_UAPI: UapiHeader = {
  include: 'drm/ethosu_accel.h',
  source: { kind: 'kernel', since: '6.19' },
  enumIoctls: true,
  ioctls: Object.values(ETHOSU_IOCTL),
  structs: [
    drm_ethosu_npu_info,
    drm_ethosu_dev_query,
    drm_ethosu_bo_create,
    drm_ethosu_bo_mmap_offset,
    drm_ethosu_bo_wait,
    drm_ethosu_cmdstream_bo_create,
    drm_ethosu_job,
    drm_ethosu_submit,
    drm_ethosu_perfmon_create,
    drm_ethosu_perfmon_destroy,
    drm_ethosu_perfmon_get_values,
    drm_ethosu_perfmon_set_global,
  ] as readonly { readonly size: number; readonly name: string }[] as UapiHeader['structs'],
};
