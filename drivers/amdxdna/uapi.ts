/**
 * TypeScript mirror of include/uapi/drm/amdxdna_accel.h (AMD XDNA NPU,
 * drivers/accel/amdxdna, Linux 6.14+). Every struct and ioctl of the header
 * is declared once here; the C layout check compares them with the header of
 * each kernel version the project tracks. Debian's 6.12 linux-libc-dev has no
 * amdxdna_accel.h at all; 7.3's is the first the project sees (driver
 * version 0.10: WAIT_CMD, GET_ARRAY, the BO usage and telemetry queries are
 * all there). Structs ending in a flexible array (va_tbl, config_cu,
 * telemetry_header) are declared without it, as sizeof counts them.
 */
import { drmDriverIoctl } from '../../harness/uapi/drm';
import type { UapiHeader } from '../../harness/uapi/header';
import { array, s32, s64, s8, struct, u16, u32, u64, u8 } from '../../harness/uapi/layout';

/* enum amdxdna_drm_ioctl_id */
export const DRM_AMDXDNA_CREATE_HWCTX = 0;
export const DRM_AMDXDNA_DESTROY_HWCTX = 1;
export const DRM_AMDXDNA_CONFIG_HWCTX = 2;
export const DRM_AMDXDNA_CREATE_BO = 3;
export const DRM_AMDXDNA_GET_BO_INFO = 4;
export const DRM_AMDXDNA_SYNC_BO = 5;
export const DRM_AMDXDNA_EXEC_CMD = 6;
export const DRM_AMDXDNA_GET_INFO = 7;
export const DRM_AMDXDNA_SET_STATE = 8;
export const DRM_AMDXDNA_WAIT_CMD = 9;
export const DRM_AMDXDNA_GET_ARRAY = 10;

export const AMDXDNA_INVALID_ADDR = (1n << 64n) - 1n;
export const AMDXDNA_INVALID_CTX_HANDLE = 0;
export const AMDXDNA_INVALID_BO_HANDLE = 0;
export const AMDXDNA_INVALID_DOORBELL_OFFSET = 0xffffffff;

export const AMDXDNA_QOS_NORMAL_PRIORITY = 0x200;

/* enum amdxdna_drm_config_hwctx_param */
export const DRM_AMDXDNA_HWCTX_CONFIG_CU = 0;
export const DRM_AMDXDNA_HWCTX_ASSIGN_DBG_BUF = 1;
export const DRM_AMDXDNA_HWCTX_REMOVE_DBG_BUF = 2;

/* enum amdxdna_bo_type */
export const AMDXDNA_BO_INVALID = 0;
export const AMDXDNA_BO_SHARE = 1;
export const AMDXDNA_BO_DEV_HEAP = 2;
export const AMDXDNA_BO_DEV = 3;
export const AMDXDNA_BO_CMD = 4;

export const SYNC_DIRECT_TO_DEVICE = 0;
export const SYNC_DIRECT_FROM_DEVICE = 1;

/* enum amdxdna_cmd_type */
export const AMDXDNA_CMD_SUBMIT_EXEC_BUF = 0;
export const AMDXDNA_CMD_SUBMIT_DEPENDENCY = 1;
export const AMDXDNA_CMD_SUBMIT_SIGNAL = 2;

/* enum amdxdna_drm_get_param */
export const DRM_AMDXDNA_QUERY_AIE_STATUS = 0;
export const DRM_AMDXDNA_QUERY_AIE_METADATA = 1;
export const DRM_AMDXDNA_QUERY_AIE_VERSION = 2;
export const DRM_AMDXDNA_QUERY_CLOCK_METADATA = 3;
export const DRM_AMDXDNA_QUERY_SENSORS = 4;
export const DRM_AMDXDNA_QUERY_HW_CONTEXTS = 5;
export const DRM_AMDXDNA_QUERY_FIRMWARE_VERSION = 8;
export const DRM_AMDXDNA_GET_POWER_MODE = 9;
export const DRM_AMDXDNA_QUERY_TELEMETRY = 10;
export const DRM_AMDXDNA_GET_FORCE_PREEMPT_STATE = 11;
export const DRM_AMDXDNA_QUERY_RESOURCE_INFO = 12;
export const DRM_AMDXDNA_GET_FRAME_BOUNDARY_PREEMPT_STATE = 13;

/* Supported params of struct amdxdna_drm_get_array */
export const DRM_AMDXDNA_HW_CONTEXT_ALL = 0;
export const DRM_AMDXDNA_HW_LAST_ASYNC_ERR = 2;
export const DRM_AMDXDNA_BO_USAGE = 6;

export const AMDXDNA_HWCTX_STATE_IDLE = 0;
export const AMDXDNA_HWCTX_STATE_ACTIVE = 1;

/* enum amdxdna_drm_set_param */
export const DRM_AMDXDNA_SET_POWER_MODE = 0;
export const DRM_AMDXDNA_WRITE_AIE_MEM = 1;
export const DRM_AMDXDNA_WRITE_AIE_REG = 2;
export const DRM_AMDXDNA_SET_FORCE_PREEMPT = 3;
export const DRM_AMDXDNA_SET_FRAME_BOUNDARY_PREEMPT = 4;

/* enum amdxdna_power_mode_type */
export const POWER_MODE_DEFAULT = 0;
export const POWER_MODE_TURBO = 4;

export const amdxdna_qos_info = struct('amdxdna_qos_info', {
  gops: u32,
  fps: u32,
  dma_bandwidth: u32,
  latency: u32,
  frame_exec_time: u32,
  priority: u32,
});
export const amdxdna_drm_create_hwctx = struct('amdxdna_drm_create_hwctx', {
  ext: u64,
  ext_flags: u64,
  qos_p: u64,
  umq_bo: u32,
  log_buf_bo: u32,
  max_opc: u32,
  num_tiles: u32,
  mem_size: u32,
  umq_doorbell: u32,
  handle: u32,
  syncobj_handle: u32,
});
export const amdxdna_drm_destroy_hwctx = struct('amdxdna_drm_destroy_hwctx', { handle: u32, pad: u32 });
export const amdxdna_cu_config = struct('amdxdna_cu_config', { cu_bo: u32, cu_func: u8, pad: array(u8, 3) });
/** Without its flexible cu_configs[] (num_cus entries of amdxdna_cu_config follow). */
export const amdxdna_hwctx_param_config_cu = struct('amdxdna_hwctx_param_config_cu', { num_cus: u16, pad: array(u16, 3) });
export const amdxdna_drm_config_hwctx = struct('amdxdna_drm_config_hwctx', {
  handle: u32,
  param_type: u32,
  param_val: u64,
  param_val_size: u32,
  pad: u32,
});
export const amdxdna_drm_va_entry = struct('amdxdna_drm_va_entry', { vaddr: u64, len: u64 });
/** Without its flexible va_entries[]. */
export const amdxdna_drm_va_tbl = struct('amdxdna_drm_va_tbl', { dmabuf_fd: s32, num_entries: u32 });
export const amdxdna_drm_create_bo = struct('amdxdna_drm_create_bo', { flags: u64, vaddr: u64, size: u64, type: u32, handle: u32 });
export const amdxdna_drm_get_bo_info = struct('amdxdna_drm_get_bo_info', {
  ext: u64,
  ext_flags: u64,
  handle: u32,
  pad: u32,
  map_offset: u64,
  vaddr: u64,
  xdna_addr: u64,
});
export const amdxdna_drm_sync_bo = struct('amdxdna_drm_sync_bo', { handle: u32, direction: u32, offset: u64, size: u64 });
export const amdxdna_drm_exec_cmd = struct('amdxdna_drm_exec_cmd', {
  ext: u64,
  ext_flags: u64,
  hwctx: u32,
  type: u32,
  cmd_handles: u64,
  args: u64,
  cmd_count: u32,
  arg_count: u32,
  seq: u64,
});
export const amdxdna_drm_wait_cmd = struct('amdxdna_drm_wait_cmd', { hwctx: u32, timeout: u32, seq: u64 });
export const amdxdna_drm_query_aie_status = struct('amdxdna_drm_query_aie_status', { buffer: u64, buffer_size: u32, cols_filled: u32 });
export const amdxdna_drm_query_aie_version = struct('amdxdna_drm_query_aie_version', { major: u32, minor: u32 });
export const amdxdna_drm_query_aie_tile_metadata = struct('amdxdna_drm_query_aie_tile_metadata', {
  row_count: u16,
  row_start: u16,
  dma_channel_count: u16,
  lock_count: u16,
  event_reg_count: u16,
  pad: array(u16, 3),
});
export const amdxdna_drm_query_aie_metadata = struct('amdxdna_drm_query_aie_metadata', {
  col_size: u32,
  cols: u16,
  rows: u16,
  version: amdxdna_drm_query_aie_version,
  core: amdxdna_drm_query_aie_tile_metadata,
  mem: amdxdna_drm_query_aie_tile_metadata,
  shim: amdxdna_drm_query_aie_tile_metadata,
});
export const amdxdna_drm_query_clock = struct('amdxdna_drm_query_clock', { name: array(u8, 16), freq_mhz: u32, pad: u32 });
export const amdxdna_drm_query_clock_metadata = struct('amdxdna_drm_query_clock_metadata', {
  mp_npu_clock: amdxdna_drm_query_clock,
  h_clock: amdxdna_drm_query_clock,
});
export const amdxdna_drm_query_sensor = struct('amdxdna_drm_query_sensor', {
  label: array(u8, 64),
  input: u32,
  max: u32,
  average: u32,
  highest: u32,
  status: array(u8, 64),
  units: array(u8, 16),
  unitm: s8,
  type: u8,
  pad: array(u8, 6),
});
export const amdxdna_drm_query_hwctx = struct('amdxdna_drm_query_hwctx', {
  context_id: u32,
  start_col: u32,
  num_col: u32,
  pad: u32,
  pid: s64,
  command_submissions: u64,
  command_completions: u64,
  migrations: u64,
  preemptions: u64,
  errors: u64,
});
export const amdxdna_drm_get_power_mode = struct('amdxdna_drm_get_power_mode', { power_mode: u8, pad: array(u8, 7) });
export const amdxdna_drm_query_firmware_version = struct('amdxdna_drm_query_firmware_version', { major: u32, minor: u32, patch: u32, build: u32 });
export const amdxdna_drm_get_resource_info = struct('amdxdna_drm_get_resource_info', {
  npu_clk_max: u64,
  npu_tops_max: u64,
  npu_task_max: u64,
  npu_tops_curr: u64,
  npu_task_curr: u64,
});
export const amdxdna_drm_attribute_state = struct('amdxdna_drm_attribute_state', { state: u8, pad: array(u8, 7) });
/** Without its flexible map[]. */
export const amdxdna_drm_query_telemetry_header = struct('amdxdna_drm_query_telemetry_header', {
  major: u32,
  minor: u32,
  type: u32,
  map_num_elements: u32,
});
export const amdxdna_drm_get_info = struct('amdxdna_drm_get_info', { param: u32, buffer_size: u32, buffer: u64 });
export const amdxdna_drm_hwctx_entry = struct('amdxdna_drm_hwctx_entry', {
  context_id: u32,
  start_col: u32,
  num_col: u32,
  hwctx_id: u32,
  pid: s64,
  command_submissions: u64,
  command_completions: u64,
  migrations: u64,
  preemptions: u64,
  errors: u64,
  priority: u64,
  heap_usage: u64,
  suspensions: u64,
  state: u32,
  pasid: u32,
  gops: u32,
  fps: u32,
  dma_bandwidth: u32,
  latency: u32,
  frame_exec_time: u32,
  txn_op_idx: u32,
  ctx_pc: u32,
  fatal_error_type: u32,
  fatal_error_exception_type: u32,
  fatal_error_exception_pc: u32,
  fatal_error_app_module: u32,
  pad: u32,
});
export const amdxdna_async_error = struct('amdxdna_async_error', { err_code: u64, ts_us: u64, ex_err_code: u64 });
export const amdxdna_drm_bo_usage = struct('amdxdna_drm_bo_usage', { pid: s64, total_usage: u64, internal_usage: u64, heap_usage: u64 });
export const amdxdna_drm_get_array = struct('amdxdna_drm_get_array', { param: u32, element_size: u32, num_element: u32, pad: u32, buffer: u64 });
export const amdxdna_drm_set_state = struct('amdxdna_drm_set_state', { param: u32, buffer_size: u32, buffer: u64 });
export const amdxdna_drm_set_power_mode = struct('amdxdna_drm_set_power_mode', { power_mode: u8, pad: array(u8, 7) });

export const AMDXDNA_IOCTL = {
  CREATE_HWCTX: drmDriverIoctl('DRM_IOCTL_AMDXDNA_CREATE_HWCTX', 'IOWR', DRM_AMDXDNA_CREATE_HWCTX, amdxdna_drm_create_hwctx),
  DESTROY_HWCTX: drmDriverIoctl('DRM_IOCTL_AMDXDNA_DESTROY_HWCTX', 'IOWR', DRM_AMDXDNA_DESTROY_HWCTX, amdxdna_drm_destroy_hwctx),
  CONFIG_HWCTX: drmDriverIoctl('DRM_IOCTL_AMDXDNA_CONFIG_HWCTX', 'IOWR', DRM_AMDXDNA_CONFIG_HWCTX, amdxdna_drm_config_hwctx),
  CREATE_BO: drmDriverIoctl('DRM_IOCTL_AMDXDNA_CREATE_BO', 'IOWR', DRM_AMDXDNA_CREATE_BO, amdxdna_drm_create_bo),
  GET_BO_INFO: drmDriverIoctl('DRM_IOCTL_AMDXDNA_GET_BO_INFO', 'IOWR', DRM_AMDXDNA_GET_BO_INFO, amdxdna_drm_get_bo_info),
  SYNC_BO: drmDriverIoctl('DRM_IOCTL_AMDXDNA_SYNC_BO', 'IOWR', DRM_AMDXDNA_SYNC_BO, amdxdna_drm_sync_bo),
  EXEC_CMD: drmDriverIoctl('DRM_IOCTL_AMDXDNA_EXEC_CMD', 'IOWR', DRM_AMDXDNA_EXEC_CMD, amdxdna_drm_exec_cmd),
  GET_INFO: drmDriverIoctl('DRM_IOCTL_AMDXDNA_GET_INFO', 'IOWR', DRM_AMDXDNA_GET_INFO, amdxdna_drm_get_info),
  SET_STATE: drmDriverIoctl('DRM_IOCTL_AMDXDNA_SET_STATE', 'IOWR', DRM_AMDXDNA_SET_STATE, amdxdna_drm_set_state),
  // The only IOW of the header: nothing is copied back (amdxdna_drm_wait_cmd_ioctl writes no field).
  WAIT_CMD: drmDriverIoctl('DRM_IOCTL_AMDXDNA_WAIT_CMD', 'IOW', DRM_AMDXDNA_WAIT_CMD, amdxdna_drm_wait_cmd),
  GET_ARRAY: drmDriverIoctl('DRM_IOCTL_AMDXDNA_GET_ARRAY', 'IOWR', DRM_AMDXDNA_GET_ARRAY, amdxdna_drm_get_array),
} as const;

export type AmdxdnaIoctlName = keyof typeof AMDXDNA_IOCTL;

export const AMDXDNA_UAPI: UapiHeader = {
  include: 'drm/amdxdna_accel.h',
  source: { kind: 'kernel', since: '6.14' },
  ioctls: Object.values(AMDXDNA_IOCTL),
  structs: [
    amdxdna_qos_info,
    amdxdna_drm_create_hwctx,
    amdxdna_drm_destroy_hwctx,
    amdxdna_cu_config,
    amdxdna_hwctx_param_config_cu,
    amdxdna_drm_config_hwctx,
    amdxdna_drm_va_entry,
    amdxdna_drm_va_tbl,
    amdxdna_drm_create_bo,
    amdxdna_drm_get_bo_info,
    amdxdna_drm_sync_bo,
    amdxdna_drm_exec_cmd,
    amdxdna_drm_wait_cmd,
    amdxdna_drm_query_aie_status,
    amdxdna_drm_query_aie_version,
    amdxdna_drm_query_aie_tile_metadata,
    amdxdna_drm_query_aie_metadata,
    amdxdna_drm_query_clock,
    amdxdna_drm_query_clock_metadata,
    amdxdna_drm_query_sensor,
    amdxdna_drm_query_hwctx,
    amdxdna_drm_get_power_mode,
    amdxdna_drm_query_firmware_version,
    amdxdna_drm_get_resource_info,
    amdxdna_drm_attribute_state,
    amdxdna_drm_query_telemetry_header,
    amdxdna_drm_get_info,
    amdxdna_drm_hwctx_entry,
    amdxdna_async_error,
    amdxdna_drm_bo_usage,
    amdxdna_drm_get_array,
    amdxdna_drm_set_state,
    amdxdna_drm_set_power_mode,
  ] as readonly { readonly size: number; readonly name: string }[] as UapiHeader['structs'],
  constants: {
    AMDXDNA_INVALID_CTX_HANDLE,
    AMDXDNA_INVALID_BO_HANDLE,
    AMDXDNA_INVALID_DOORBELL_OFFSET,
    AMDXDNA_QOS_NORMAL_PRIORITY,
    SYNC_DIRECT_TO_DEVICE,
    SYNC_DIRECT_FROM_DEVICE,
    DRM_AMDXDNA_HW_CONTEXT_ALL,
    DRM_AMDXDNA_HW_LAST_ASYNC_ERR,
    DRM_AMDXDNA_BO_USAGE,
    AMDXDNA_HWCTX_STATE_IDLE,
    AMDXDNA_HWCTX_STATE_ACTIVE,
  },
};
