/**
 * TypeScript mirror of include/uapi/drm/ivpu_accel.h (Intel NPU, intel_vpu.ko),
 * declared once: structs, ioctls, params, flags. The C layout check compares
 * this with the real header of Debian's linux-libc-dev.
 *
 * Per-version differences (linux-libc-dev 6.12.117 vs 7.3.4):
 *   - 6.12 lacks DRM_IVPU_CMDQ_CREATE (0x0b), CMDQ_DESTROY (0x0c), CMDQ_SUBMIT
 *     (0x0d), BO_CREATE_FROM_USERPTR (0x0e) and their structs
 *     (drm_ivpu_cmdq_create, drm_ivpu_cmdq_destroy, drm_ivpu_cmdq_submit,
 *     drm_ivpu_bo_create_from_userptr);
 *   - 6.12 lacks DRM_IVPU_PARAM_PREEMPT_BUFFER_SIZE (14), DRM_IVPU_CAP_MANAGE_CMDQ (3),
 *     DRM_IVPU_CAP_BO_CREATE_FROM_USERPTR (4) and DRM_IVPU_BO_READ_ONLY (0x8),
 *     so its DRM_IVPU_BO_FLAGS is 0x30007 where 7.3's is 0x3000f;
 *   - 6.12 still defines DRM_IVPU_DRIVER_MAJOR 1 / DRM_IVPU_DRIVER_MINOR 0 (dropped later).
 * Every struct common to both has the same layout in both.
 */
import { drmDriverIoctl } from '../../harness/uapi/drm';
import type { UapiHeader } from '../../harness/uapi/header';
import type { IoctlDecl } from '../../harness/uapi/ioctl';
import type { StructLayout } from '../../harness/uapi/layout';
import { s64, struct, u32, u64 } from '../../harness/uapi/layout';


export const DRM_IVPU_GET_PARAM = 0x00;
export const DRM_IVPU_SET_PARAM = 0x01;
export const DRM_IVPU_BO_CREATE = 0x02;
export const DRM_IVPU_BO_INFO = 0x03;
export const DRM_IVPU_SUBMIT = 0x05;
export const DRM_IVPU_BO_WAIT = 0x06;
export const DRM_IVPU_METRIC_STREAMER_START = 0x07;
export const DRM_IVPU_METRIC_STREAMER_STOP = 0x08;
export const DRM_IVPU_METRIC_STREAMER_GET_DATA = 0x09;
export const DRM_IVPU_METRIC_STREAMER_GET_INFO = 0x0a;
/** 7.3 only (not in 6.12's header). */
export const DRM_IVPU_CMDQ_CREATE = 0x0b;
export const DRM_IVPU_CMDQ_DESTROY = 0x0c;
export const DRM_IVPU_CMDQ_SUBMIT = 0x0d;
export const DRM_IVPU_BO_CREATE_FROM_USERPTR = 0x0e;

export const DRM_IVPU_PARAM_DEVICE_ID = 0;
export const DRM_IVPU_PARAM_DEVICE_REVISION = 1;
export const DRM_IVPU_PARAM_PLATFORM_TYPE = 2;
export const DRM_IVPU_PARAM_CORE_CLOCK_RATE = 3;
export const DRM_IVPU_PARAM_NUM_CONTEXTS = 4;
export const DRM_IVPU_PARAM_CONTEXT_BASE_ADDRESS = 5;
/** Deprecated: ivpu_get_param_ioctl has no case for it (EINVAL). */
export const DRM_IVPU_PARAM_CONTEXT_PRIORITY = 6;
export const DRM_IVPU_PARAM_CONTEXT_ID = 7;
export const DRM_IVPU_PARAM_FW_API_VERSION = 8;
export const DRM_IVPU_PARAM_ENGINE_HEARTBEAT = 9;
export const DRM_IVPU_PARAM_UNIQUE_INFERENCE_ID = 10;
export const DRM_IVPU_PARAM_TILE_CONFIG = 11;
export const DRM_IVPU_PARAM_SKU = 12;
export const DRM_IVPU_PARAM_CAPABILITIES = 13;
/** 7.3 only. */
export const DRM_IVPU_PARAM_PREEMPT_BUFFER_SIZE = 14;

export const DRM_IVPU_PLATFORM_TYPE_SILICON = 0;

export const DRM_IVPU_CONTEXT_PRIORITY_IDLE = 0;
export const DRM_IVPU_CONTEXT_PRIORITY_NORMAL = 1;
export const DRM_IVPU_CONTEXT_PRIORITY_FOCUS = 2;
export const DRM_IVPU_CONTEXT_PRIORITY_REALTIME = 3;

export const DRM_IVPU_JOB_PRIORITY_DEFAULT = 0;
export const DRM_IVPU_JOB_PRIORITY_IDLE = 1;
export const DRM_IVPU_JOB_PRIORITY_NORMAL = 2;
export const DRM_IVPU_JOB_PRIORITY_FOCUS = 3;
export const DRM_IVPU_JOB_PRIORITY_REALTIME = 4;

export const DRM_IVPU_CAP_METRIC_STREAMER = 1;
export const DRM_IVPU_CAP_DMA_MEMORY_RANGE = 2;
/** 7.3 only. */
export const DRM_IVPU_CAP_MANAGE_CMDQ = 3;
/** 7.3 only. */
export const DRM_IVPU_CAP_BO_CREATE_FROM_USERPTR = 4;

export const DRM_IVPU_BO_SHAVE_MEM = 0x00000001;
export const DRM_IVPU_BO_HIGH_MEM = DRM_IVPU_BO_SHAVE_MEM;
export const DRM_IVPU_BO_MAPPABLE = 0x00000002;
export const DRM_IVPU_BO_DMA_MEM = 0x00000004;
/** 7.3 only. */
export const DRM_IVPU_BO_READ_ONLY = 0x00000008;
export const DRM_IVPU_BO_CACHED = 0x00000000;
export const DRM_IVPU_BO_UNCACHED = 0x00010000;
export const DRM_IVPU_BO_WC = 0x00020000;
export const DRM_IVPU_BO_CACHE_MASK = 0x00030000;
/** 7.3's mask; 6.12's lacks DRM_IVPU_BO_READ_ONLY (0x30007). */
export const DRM_IVPU_BO_FLAGS = DRM_IVPU_BO_HIGH_MEM | DRM_IVPU_BO_MAPPABLE | DRM_IVPU_BO_DMA_MEM | DRM_IVPU_BO_READ_ONLY | DRM_IVPU_BO_CACHE_MASK;
export const DRM_IVPU_BO_FLAGS_6_12 = DRM_IVPU_BO_HIGH_MEM | DRM_IVPU_BO_MAPPABLE | DRM_IVPU_BO_DMA_MEM | DRM_IVPU_BO_CACHE_MASK;

export const DRM_IVPU_ENGINE_COMPUTE = 0;
/** Deprecated: ivpu_submit_ioctl rejects it (EINVAL). */
export const DRM_IVPU_ENGINE_COPY = 1;

export const DRM_IVPU_JOB_STATUS_SUCCESS = 0;
export const DRM_IVPU_JOB_STATUS_ABORTED = 256;

export const DRM_IVPU_CMDQ_FLAG_TURBO = 0x00000001;

export const drm_ivpu_param = struct('drm_ivpu_param', { param: u32, index: u32, value: u64 });
export const drm_ivpu_bo_create = struct('drm_ivpu_bo_create', { size: u64, flags: u32, handle: u32, vpu_addr: u64 });
export const drm_ivpu_bo_create_from_userptr = struct('drm_ivpu_bo_create_from_userptr', {
  user_ptr: u64,
  size: u64,
  flags: u32,
  handle: u32,
  vpu_addr: u64,
});
export const drm_ivpu_bo_info = struct('drm_ivpu_bo_info', { handle: u32, flags: u32, vpu_addr: u64, mmap_offset: u64, size: u64 });
export const drm_ivpu_submit = struct('drm_ivpu_submit', {
  buffers_ptr: u64,
  buffer_count: u32,
  engine: u32,
  flags: u32,
  commands_offset: u32,
  priority: u32,
});
export const drm_ivpu_cmdq_submit = struct('drm_ivpu_cmdq_submit', {
  buffers_ptr: u64,
  buffer_count: u32,
  cmdq_id: u32,
  flags: u32,
  commands_offset: u32,
  preempt_buffer_index: u32,
  reserved: u32,
});
export const drm_ivpu_bo_wait = struct('drm_ivpu_bo_wait', { handle: u32, flags: u32, timeout_ns: s64, job_status: u32, pad: u32 });
export const drm_ivpu_metric_streamer_start = struct('drm_ivpu_metric_streamer_start', {
  metric_group_mask: u64,
  sampling_period_ns: u64,
  read_period_samples: u32,
  sample_size: u32,
  max_data_size: u32,
});
export const drm_ivpu_metric_streamer_get_data = struct('drm_ivpu_metric_streamer_get_data', {
  metric_group_mask: u64,
  buffer_ptr: u64,
  buffer_size: u64,
  data_size: u64,
});
export const drm_ivpu_cmdq_create = struct('drm_ivpu_cmdq_create', { cmdq_id: u32, priority: u32, flags: u32 });
export const drm_ivpu_cmdq_destroy = struct('drm_ivpu_cmdq_destroy', { cmdq_id: u32 });
export const drm_ivpu_metric_streamer_stop = struct('drm_ivpu_metric_streamer_stop', { metric_group_mask: u64 });

export const DRM_IOCTL_IVPU_GET_PARAM = drmDriverIoctl('DRM_IOCTL_IVPU_GET_PARAM', 'IOWR', DRM_IVPU_GET_PARAM, drm_ivpu_param);
export const DRM_IOCTL_IVPU_SET_PARAM = drmDriverIoctl('DRM_IOCTL_IVPU_SET_PARAM', 'IOW', DRM_IVPU_SET_PARAM, drm_ivpu_param);
export const DRM_IOCTL_IVPU_BO_CREATE = drmDriverIoctl('DRM_IOCTL_IVPU_BO_CREATE', 'IOWR', DRM_IVPU_BO_CREATE, drm_ivpu_bo_create);
export const DRM_IOCTL_IVPU_BO_INFO = drmDriverIoctl('DRM_IOCTL_IVPU_BO_INFO', 'IOWR', DRM_IVPU_BO_INFO, drm_ivpu_bo_info);
export const DRM_IOCTL_IVPU_SUBMIT = drmDriverIoctl('DRM_IOCTL_IVPU_SUBMIT', 'IOW', DRM_IVPU_SUBMIT, drm_ivpu_submit);
export const DRM_IOCTL_IVPU_BO_WAIT = drmDriverIoctl('DRM_IOCTL_IVPU_BO_WAIT', 'IOWR', DRM_IVPU_BO_WAIT, drm_ivpu_bo_wait);
export const DRM_IOCTL_IVPU_METRIC_STREAMER_START = drmDriverIoctl(
  'DRM_IOCTL_IVPU_METRIC_STREAMER_START',
  'IOWR',
  DRM_IVPU_METRIC_STREAMER_START,
  drm_ivpu_metric_streamer_start,
);
export const DRM_IOCTL_IVPU_METRIC_STREAMER_STOP = drmDriverIoctl(
  'DRM_IOCTL_IVPU_METRIC_STREAMER_STOP',
  'IOW',
  DRM_IVPU_METRIC_STREAMER_STOP,
  drm_ivpu_metric_streamer_stop,
);
export const DRM_IOCTL_IVPU_METRIC_STREAMER_GET_DATA = drmDriverIoctl(
  'DRM_IOCTL_IVPU_METRIC_STREAMER_GET_DATA',
  'IOWR',
  DRM_IVPU_METRIC_STREAMER_GET_DATA,
  drm_ivpu_metric_streamer_get_data,
);
/** The header declares GET_INFO with struct drm_ivpu_metric_streamer_get_data, as here. */
export const DRM_IOCTL_IVPU_METRIC_STREAMER_GET_INFO = drmDriverIoctl(
  'DRM_IOCTL_IVPU_METRIC_STREAMER_GET_INFO',
  'IOWR',
  DRM_IVPU_METRIC_STREAMER_GET_INFO,
  drm_ivpu_metric_streamer_get_data,
);
export const DRM_IOCTL_IVPU_CMDQ_CREATE = drmDriverIoctl('DRM_IOCTL_IVPU_CMDQ_CREATE', 'IOWR', DRM_IVPU_CMDQ_CREATE, drm_ivpu_cmdq_create);
export const DRM_IOCTL_IVPU_CMDQ_DESTROY = drmDriverIoctl('DRM_IOCTL_IVPU_CMDQ_DESTROY', 'IOW', DRM_IVPU_CMDQ_DESTROY, drm_ivpu_cmdq_destroy);
export const DRM_IOCTL_IVPU_CMDQ_SUBMIT = drmDriverIoctl('DRM_IOCTL_IVPU_CMDQ_SUBMIT', 'IOW', DRM_IVPU_CMDQ_SUBMIT, drm_ivpu_cmdq_submit);
export const DRM_IOCTL_IVPU_BO_CREATE_FROM_USERPTR = drmDriverIoctl(
  'DRM_IOCTL_IVPU_BO_CREATE_FROM_USERPTR',
  'IOWR',
  DRM_IVPU_BO_CREATE_FROM_USERPTR,
  drm_ivpu_bo_create_from_userptr,
);

/** Ioctls and structs both headers have (6.12.117 and 7.3.4). */
const COMMON_IOCTLS: readonly IoctlDecl[] = [
  DRM_IOCTL_IVPU_GET_PARAM,
  DRM_IOCTL_IVPU_SET_PARAM,
  DRM_IOCTL_IVPU_BO_CREATE,
  DRM_IOCTL_IVPU_BO_INFO,
  DRM_IOCTL_IVPU_SUBMIT,
  DRM_IOCTL_IVPU_BO_WAIT,
  DRM_IOCTL_IVPU_METRIC_STREAMER_START,
  DRM_IOCTL_IVPU_METRIC_STREAMER_STOP,
  DRM_IOCTL_IVPU_METRIC_STREAMER_GET_DATA,
  DRM_IOCTL_IVPU_METRIC_STREAMER_GET_INFO,
];
/** Ioctls only 7.3's header has (the explicit command queues and userptr BOs). */
export const IVPU_IOCTLS_SINCE_7_3: readonly IoctlDecl[] = [
  DRM_IOCTL_IVPU_CMDQ_CREATE,
  DRM_IOCTL_IVPU_CMDQ_DESTROY,
  DRM_IOCTL_IVPU_CMDQ_SUBMIT,
  DRM_IOCTL_IVPU_BO_CREATE_FROM_USERPTR,
];
const COMMON_STRUCTS: readonly StructLayout<unknown>[] = [
  drm_ivpu_param,
  drm_ivpu_bo_create,
  drm_ivpu_bo_info,
  drm_ivpu_submit,
  drm_ivpu_bo_wait,
  drm_ivpu_metric_streamer_start,
  drm_ivpu_metric_streamer_get_data,
  drm_ivpu_metric_streamer_stop,
] as readonly StructLayout<unknown>[];
export const IVPU_STRUCTS_SINCE_7_3: readonly StructLayout<unknown>[] = [
  drm_ivpu_bo_create_from_userptr,
  drm_ivpu_cmdq_submit,
  drm_ivpu_cmdq_create,
  drm_ivpu_cmdq_destroy,
] as readonly StructLayout<unknown>[];

/**
 * drm/ivpu_accel.h. What 7.3.4's header adds to 6.12.117's (explicit command
 * queues, userptr BOs) is marked with the first version this project has
 * seen it in: it appeared after 6.12, in a release not pinned down here, so a
 * header older than 7.3 that lacks it is recorded, not a mismatch.
 */
export const IVPU_UAPI: UapiHeader = {
  include: 'drm/ivpu_accel.h',
  source: { kind: 'kernel', since: '6.12' },
  ioctls: [...COMMON_IOCTLS, ...IVPU_IOCTLS_SINCE_7_3],
  structs: [...COMMON_STRUCTS, ...IVPU_STRUCTS_SINCE_7_3],
  since: Object.fromEntries([...IVPU_IOCTLS_SINCE_7_3.map((d) => d.name), ...IVPU_STRUCTS_SINCE_7_3.map((st) => st.name)].map((n) => [n, '7.3'])),
};
