/**
 * TypeScript mirror of include/uapi/drm/qaic_accel.h (Qualcomm Cloud AI 100,
 * drivers/accel/qaic). Every struct and ioctl of the header is declared once
 * here; the C layout check compares them with the header of each kernel
 * version the project tracks. 6.12.117 and 7.3.4 declare the same structs and
 * ioctls (the only difference is a typo fixed in a comment), so nothing here
 * carries a `since`.
 */
import { drmDriverIoctl } from '../../harness/uapi/drm';
import type { UapiHeader } from '../../harness/uapi/header';
import { struct, u16, u32, u64, u8 } from '../../harness/uapi/layout';

/* The length (4K) includes the len and count fields of qaic_manage_msg. */
export const QAIC_MANAGE_MAX_MSG_LENGTH = 4096;

/* semaphore flags */
export const QAIC_SEM_INSYNCFENCE = 2;
export const QAIC_SEM_OUTSYNCFENCE = 1;
/* semaphore commands */
export const QAIC_SEM_NOP = 0;
export const QAIC_SEM_INIT = 1;
export const QAIC_SEM_INC = 2;
export const QAIC_SEM_DEC = 3;
export const QAIC_SEM_WAIT_EQUAL = 4;
export const QAIC_SEM_WAIT_GT_EQ = 5;
export const QAIC_SEM_WAIT_GT_0 = 6;

/* MANAGE transaction types */
export const QAIC_TRANS_UNDEFINED = 0;
export const QAIC_TRANS_PASSTHROUGH_FROM_USR = 1;
export const QAIC_TRANS_PASSTHROUGH_TO_USR = 2;
export const QAIC_TRANS_PASSTHROUGH_FROM_DEV = 3;
export const QAIC_TRANS_PASSTHROUGH_TO_DEV = 4;
export const QAIC_TRANS_DMA_XFER_FROM_USR = 5;
export const QAIC_TRANS_DMA_XFER_TO_DEV = 6;
export const QAIC_TRANS_ACTIVATE_FROM_USR = 7;
export const QAIC_TRANS_ACTIVATE_FROM_DEV = 8;
export const QAIC_TRANS_ACTIVATE_TO_DEV = 9;
export const QAIC_TRANS_DEACTIVATE_FROM_USR = 10;
export const QAIC_TRANS_DEACTIVATE_FROM_DEV = 11;
export const QAIC_TRANS_STATUS_FROM_USR = 12;
export const QAIC_TRANS_STATUS_TO_USR = 13;
export const QAIC_TRANS_STATUS_FROM_DEV = 14;
export const QAIC_TRANS_STATUS_TO_DEV = 15;
export const QAIC_TRANS_TERMINATE_FROM_DEV = 16;
export const QAIC_TRANS_TERMINATE_TO_DEV = 17;
export const QAIC_TRANS_DMA_XFER_CONT = 18;
export const QAIC_TRANS_VALIDATE_PARTITION_FROM_DEV = 19;
export const QAIC_TRANS_VALIDATE_PARTITION_TO_DEV = 20;

/* enum dma_data_direction (include/linux/dma-direction.h): ATTACH_SLICE_BO's dir. */
export const DMA_TO_DEVICE = 1;
export const DMA_FROM_DEVICE = 2;

/* DRM_QAIC_* command numbers */
export const DRM_QAIC_MANAGE = 0x00;
export const DRM_QAIC_CREATE_BO = 0x01;
export const DRM_QAIC_MMAP_BO = 0x02;
export const DRM_QAIC_ATTACH_SLICE_BO = 0x03;
export const DRM_QAIC_EXECUTE_BO = 0x04;
export const DRM_QAIC_PARTIAL_EXECUTE_BO = 0x05;
export const DRM_QAIC_WAIT_BO = 0x06;
export const DRM_QAIC_PERF_STATS_BO = 0x07;
export const DRM_QAIC_DETACH_SLICE_BO = 0x08;

export const qaic_manage_trans_hdr = struct('qaic_manage_trans_hdr', { type: u32, len: u32 });
/** Followed by a flexible `__u8 data[]` the layout does not size. */
export const qaic_manage_trans_passthrough = struct('qaic_manage_trans_passthrough', { hdr: qaic_manage_trans_hdr });
export const qaic_manage_trans_dma_xfer = struct('qaic_manage_trans_dma_xfer', {
  hdr: qaic_manage_trans_hdr,
  tag: u32,
  pad: u32,
  addr: u64,
  size: u64,
});
export const qaic_manage_trans_activate_to_dev = struct('qaic_manage_trans_activate_to_dev', {
  hdr: qaic_manage_trans_hdr,
  queue_size: u32,
  eventfd: u32,
  options: u32,
  pad: u32,
});
export const qaic_manage_trans_activate_from_dev = struct('qaic_manage_trans_activate_from_dev', {
  hdr: qaic_manage_trans_hdr,
  status: u32,
  dbc_id: u32,
  options: u64,
});
export const qaic_manage_trans_deactivate = struct('qaic_manage_trans_deactivate', { hdr: qaic_manage_trans_hdr, dbc_id: u32, pad: u32 });
export const qaic_manage_trans_status_to_dev = struct('qaic_manage_trans_status_to_dev', { hdr: qaic_manage_trans_hdr });
export const qaic_manage_trans_status_from_dev = struct('qaic_manage_trans_status_from_dev', {
  hdr: qaic_manage_trans_hdr,
  major: u16,
  minor: u16,
  status: u32,
  status_flags: u64,
});
export const qaic_manage_msg = struct('qaic_manage_msg', { len: u32, count: u32, data: u64 });
export const qaic_create_bo = struct('qaic_create_bo', { size: u64, handle: u32, pad: u32 });
export const qaic_mmap_bo = struct('qaic_mmap_bo', { handle: u32, pad: u32, offset: u64 });
export const qaic_sem = struct('qaic_sem', { val: u16, index: u8, presync: u8, cmd: u8, flags: u8, pad: u16 });
export const qaic_attach_slice_entry = struct('qaic_attach_slice_entry', {
  size: u64,
  sem0: qaic_sem,
  sem1: qaic_sem,
  sem2: qaic_sem,
  sem3: qaic_sem,
  dev_addr: u64,
  db_addr: u64,
  db_data: u32,
  db_len: u32,
  offset: u64,
});
export const qaic_attach_slice_hdr = struct('qaic_attach_slice_hdr', { count: u32, dbc_id: u32, handle: u32, dir: u32, size: u64 });
export const qaic_attach_slice = struct('qaic_attach_slice', { hdr: qaic_attach_slice_hdr, data: u64 });
export const qaic_execute_entry = struct('qaic_execute_entry', { handle: u32, dir: u32 });
export const qaic_partial_execute_entry = struct('qaic_partial_execute_entry', { handle: u32, dir: u32, resize: u64 });
export const qaic_execute_hdr = struct('qaic_execute_hdr', { count: u32, dbc_id: u32 });
export const qaic_execute = struct('qaic_execute', { hdr: qaic_execute_hdr, data: u64 });
export const qaic_wait = struct('qaic_wait', { handle: u32, timeout: u32, dbc_id: u32, pad: u32 });
export const qaic_perf_stats_hdr = struct('qaic_perf_stats_hdr', { count: u16, pad: u16, dbc_id: u32 });
export const qaic_perf_stats = struct('qaic_perf_stats', { hdr: qaic_perf_stats_hdr, data: u64 });
export const qaic_perf_stats_entry = struct('qaic_perf_stats_entry', {
  handle: u32,
  queue_level_before: u32,
  num_queue_element: u32,
  submit_latency_us: u32,
  device_latency_us: u32,
  pad: u32,
});
export const qaic_detach_slice = struct('qaic_detach_slice', { handle: u32, pad: u32 });

export const QAIC_IOCTL = {
  MANAGE: drmDriverIoctl('DRM_IOCTL_QAIC_MANAGE', 'IOWR', DRM_QAIC_MANAGE, qaic_manage_msg),
  CREATE_BO: drmDriverIoctl('DRM_IOCTL_QAIC_CREATE_BO', 'IOWR', DRM_QAIC_CREATE_BO, qaic_create_bo),
  MMAP_BO: drmDriverIoctl('DRM_IOCTL_QAIC_MMAP_BO', 'IOWR', DRM_QAIC_MMAP_BO, qaic_mmap_bo),
  ATTACH_SLICE_BO: drmDriverIoctl('DRM_IOCTL_QAIC_ATTACH_SLICE_BO', 'IOW', DRM_QAIC_ATTACH_SLICE_BO, qaic_attach_slice),
  EXECUTE_BO: drmDriverIoctl('DRM_IOCTL_QAIC_EXECUTE_BO', 'IOW', DRM_QAIC_EXECUTE_BO, qaic_execute),
  PARTIAL_EXECUTE_BO: drmDriverIoctl('DRM_IOCTL_QAIC_PARTIAL_EXECUTE_BO', 'IOW', DRM_QAIC_PARTIAL_EXECUTE_BO, qaic_execute),
  WAIT_BO: drmDriverIoctl('DRM_IOCTL_QAIC_WAIT_BO', 'IOW', DRM_QAIC_WAIT_BO, qaic_wait),
  PERF_STATS_BO: drmDriverIoctl('DRM_IOCTL_QAIC_PERF_STATS_BO', 'IOWR', DRM_QAIC_PERF_STATS_BO, qaic_perf_stats),
  DETACH_SLICE_BO: drmDriverIoctl('DRM_IOCTL_QAIC_DETACH_SLICE_BO', 'IOW', DRM_QAIC_DETACH_SLICE_BO, qaic_detach_slice),
} as const;

export type QaicIoctlName = keyof typeof QAIC_IOCTL;

export const QAIC_UAPI: UapiHeader = {
  include: 'drm/qaic_accel.h',
  source: { kind: 'kernel', since: '6.4' },
  ioctls: Object.values(QAIC_IOCTL),
  constants: {
    QAIC_SEM_INSYNCFENCE,
    QAIC_SEM_OUTSYNCFENCE,
    QAIC_SEM_NOP,
    QAIC_SEM_INIT,
    QAIC_SEM_INC,
    QAIC_SEM_DEC,
    QAIC_SEM_WAIT_EQUAL,
    QAIC_SEM_WAIT_GT_EQ,
    QAIC_SEM_WAIT_GT_0,
    QAIC_TRANS_UNDEFINED,
    QAIC_TRANS_PASSTHROUGH_FROM_USR,
    QAIC_TRANS_DMA_XFER_FROM_USR,
    QAIC_TRANS_ACTIVATE_FROM_USR,
    QAIC_TRANS_DEACTIVATE_FROM_USR,
    QAIC_TRANS_STATUS_FROM_USR,
    QAIC_TRANS_DMA_XFER_CONT,
    QAIC_TRANS_VALIDATE_PARTITION_TO_DEV,
    DRM_QAIC_MANAGE,
    DRM_QAIC_CREATE_BO,
    DRM_QAIC_MMAP_BO,
    DRM_QAIC_ATTACH_SLICE_BO,
    DRM_QAIC_EXECUTE_BO,
    DRM_QAIC_PARTIAL_EXECUTE_BO,
    DRM_QAIC_WAIT_BO,
    DRM_QAIC_PERF_STATS_BO,
    DRM_QAIC_DETACH_SLICE_BO,
  },
  structs: [
    qaic_manage_trans_hdr,
    qaic_manage_trans_passthrough,
    qaic_manage_trans_dma_xfer,
    qaic_manage_trans_activate_to_dev,
    qaic_manage_trans_activate_from_dev,
    qaic_manage_trans_deactivate,
    qaic_manage_trans_status_to_dev,
    qaic_manage_trans_status_from_dev,
    qaic_manage_msg,
    qaic_create_bo,
    qaic_mmap_bo,
    qaic_sem,
    qaic_attach_slice_entry,
    qaic_attach_slice_hdr,
    qaic_attach_slice,
    qaic_execute_entry,
    qaic_partial_execute_entry,
    qaic_execute_hdr,
    qaic_execute,
    qaic_wait,
    qaic_perf_stats_hdr,
    qaic_perf_stats,
    qaic_perf_stats_entry,
    qaic_detach_slice,
  ] as readonly { readonly size: number; readonly name: string }[] as UapiHeader['structs'],
};
