/**
 * TypeScript mirror of drivers/apu/uapi/apu_drm.h, the reference APU uAPI:
 * each ioctl declared once (APU_IOCTLS). The C layout check compiles that
 * header and compares every size, offset, constant and ioctl number with
 * these declarations (APU_UAPI).
 */
import { drmDriverIoctl } from '../../harness/uapi/drm';
import type { UapiHeader } from '../../harness/uapi/header';
import { ioctlNameMap } from '../../harness/uapi/ioctl';
import { ptr, struct, u16, u32, u64 } from '../../harness/uapi/layout';

export const APU_ONLINE = 1 << 0;
export const APU_CRASHED = 1 << 1;
export const APU_TIMEDOUT = 1 << 2;

export const APU_BO_DEVICE_RO = 1 << 0;
export const APU_BO_FLAGS = APU_BO_DEVICE_RO;
export const APU_PAGE_SIZE = 4096;
/** Most handles one GEM_QUEUE, GEM_IOMMU_MAP or GEM_IOMMU_UNMAP may name. */
export const APU_MAX_BO_HANDLES = 1024;

export const drm_apu_state = struct('drm_apu_state', { device: u32, flags: u32 });
export const drm_apu_gem_new = struct('drm_apu_gem_new', { size: u32, flags: u32, handle: u32, offset: u64 });
export const drm_apu_gem_queue = struct('drm_apu_gem_queue', {
  device: u32,
  cmd: u32,
  out_sync: u32,
  bo_handles: ptr,
  bo_handle_count: u32,
  size_in: u16,
  size_out: u16,
  data: ptr,
});
export const drm_apu_gem_dequeue = struct('drm_apu_gem_dequeue', { out_sync: u32, result: u16, size: u16, data: ptr });
export const drm_apu_gem_iommu_map = struct('drm_apu_gem_iommu_map', {
  bo_handles: ptr,
  bo_handle_count: u32,
  bo_device_addresses: ptr,
});

export const DRM_APU_STATE = 0x00;
export const DRM_APU_GEM_NEW = 0x01;
export const DRM_APU_GEM_QUEUE = 0x02;
export const DRM_APU_GEM_DEQUEUE = 0x03;
export const DRM_APU_GEM_IOMMU_MAP = 0x04;
export const DRM_APU_GEM_IOMMU_UNMAP = 0x05;
export const DRM_APU_NUM_IOCTLS = 0x06;

/** Every APU ioctl, keyed by the name the simulated driver's handlers use. */
export const APU_IOCTLS = {
  STATE: drmDriverIoctl('DRM_IOCTL_APU_STATE', 'IOWR', DRM_APU_STATE, drm_apu_state),
  GEM_NEW: drmDriverIoctl('DRM_IOCTL_APU_GEM_NEW', 'IOWR', DRM_APU_GEM_NEW, drm_apu_gem_new),
  GEM_QUEUE: drmDriverIoctl('DRM_IOCTL_APU_GEM_QUEUE', 'IOWR', DRM_APU_GEM_QUEUE, drm_apu_gem_queue),
  GEM_DEQUEUE: drmDriverIoctl('DRM_IOCTL_APU_GEM_DEQUEUE', 'IOWR', DRM_APU_GEM_DEQUEUE, drm_apu_gem_dequeue),
  GEM_IOMMU_MAP: drmDriverIoctl('DRM_IOCTL_APU_GEM_IOMMU_MAP', 'IOWR', DRM_APU_GEM_IOMMU_MAP, drm_apu_gem_iommu_map),
  GEM_IOMMU_UNMAP: drmDriverIoctl('DRM_IOCTL_APU_GEM_IOMMU_UNMAP', 'IOWR', DRM_APU_GEM_IOMMU_UNMAP, drm_apu_gem_iommu_map),
} as const;
export type ApuIoctlName = keyof typeof APU_IOCTLS;

export const DRM_IOCTL_APU_STATE = APU_IOCTLS.STATE.request;
export const DRM_IOCTL_APU_GEM_NEW = APU_IOCTLS.GEM_NEW.request;
export const DRM_IOCTL_APU_GEM_QUEUE = APU_IOCTLS.GEM_QUEUE.request;
export const DRM_IOCTL_APU_GEM_DEQUEUE = APU_IOCTLS.GEM_DEQUEUE.request;
export const DRM_IOCTL_APU_GEM_IOMMU_MAP = APU_IOCTLS.GEM_IOMMU_MAP.request;
export const DRM_IOCTL_APU_GEM_IOMMU_UNMAP = APU_IOCTLS.GEM_IOMMU_UNMAP.request;

export const APU_CMD_NOP = 0;
export const APU_CMD_FILL = 1;
export const APU_CMD_COPY = 2;
export const APU_CMD_CHECKSUM = 3;
export const APU_CMD_HANG = 4;
export const APU_CMD_CRASH = 5;
export const APU_CMD_COUNT = 6;

export const apu_cmd_fill = struct('apu_cmd_fill', { dst: u64, len: u32, value: u32 });
export const apu_cmd_copy = struct('apu_cmd_copy', { src: u64, dst: u64, len: u32, pad: u32 });
export const apu_cmd_checksum = struct('apu_cmd_checksum', { src: u64, len: u32, pad: u32 });
export const apu_cmd_checksum_out = struct('apu_cmd_checksum_out', { checksum: u32, pad: u32 });

/** 32-bit FNV-1a, the reference firmware's CHECKSUM. */
export function fnv1a32(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i] as number;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export const APU_IOCTL_NAMES: ReadonlyMap<number, string> = ioctlNameMap(Object.values(APU_IOCTLS));

/** apu_drm.h, this project's header: every ioctl, struct and constant must be in it. */
export const APU_UAPI: UapiHeader = {
  include: 'apu_drm.h',
  source: { kind: 'project', path: 'drivers/apu/uapi/apu_drm.h' },
  ioctls: Object.values(APU_IOCTLS),
  structs: [
    drm_apu_state, drm_apu_gem_new, drm_apu_gem_queue, drm_apu_gem_dequeue, drm_apu_gem_iommu_map,
    apu_cmd_fill, apu_cmd_copy, apu_cmd_checksum, apu_cmd_checksum_out,
  ],
  constants: {
    APU_ONLINE, APU_CRASHED, APU_TIMEDOUT, APU_BO_DEVICE_RO, APU_BO_FLAGS, APU_PAGE_SIZE, APU_MAX_BO_HANDLES,
    DRM_APU_STATE, DRM_APU_GEM_NEW, DRM_APU_GEM_QUEUE, DRM_APU_GEM_DEQUEUE, DRM_APU_GEM_IOMMU_MAP,
    DRM_APU_GEM_IOMMU_UNMAP, DRM_APU_NUM_IOCTLS,
    APU_CMD_NOP, APU_CMD_FILL, APU_CMD_COPY, APU_CMD_CHECKSUM, APU_CMD_HANG, APU_CMD_CRASH, APU_CMD_COUNT,
  },
};
