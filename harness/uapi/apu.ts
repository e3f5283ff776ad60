/**
 * TypeScript mirror of drivers/apu/uapi/apu_drm.h, the reference APU uAPI.
 * The C layout check compiles that header and compares every size, offset and
 * ioctl number with these declarations.
 */
import { DRM_COMMAND_BASE, DRM_IOCTL_BASE } from './drm';
import { IOWR } from './ioctl';
import { ptr, struct, u16, u32, u64 } from './layout';

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

const d = DRM_IOCTL_BASE;
export const DRM_IOCTL_APU_STATE = IOWR(d, DRM_COMMAND_BASE + DRM_APU_STATE, drm_apu_state.size);
export const DRM_IOCTL_APU_GEM_NEW = IOWR(d, DRM_COMMAND_BASE + DRM_APU_GEM_NEW, drm_apu_gem_new.size);
export const DRM_IOCTL_APU_GEM_QUEUE = IOWR(d, DRM_COMMAND_BASE + DRM_APU_GEM_QUEUE, drm_apu_gem_queue.size);
export const DRM_IOCTL_APU_GEM_DEQUEUE = IOWR(d, DRM_COMMAND_BASE + DRM_APU_GEM_DEQUEUE, drm_apu_gem_dequeue.size);
export const DRM_IOCTL_APU_GEM_IOMMU_MAP = IOWR(d, DRM_COMMAND_BASE + DRM_APU_GEM_IOMMU_MAP, drm_apu_gem_iommu_map.size);
export const DRM_IOCTL_APU_GEM_IOMMU_UNMAP = IOWR(d, DRM_COMMAND_BASE + DRM_APU_GEM_IOMMU_UNMAP, drm_apu_gem_iommu_map.size);

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

export const APU_IOCTL_NAMES: ReadonlyMap<number, string> = new Map([
  [DRM_IOCTL_APU_STATE, 'DRM_IOCTL_APU_STATE'],
  [DRM_IOCTL_APU_GEM_NEW, 'DRM_IOCTL_APU_GEM_NEW'],
  [DRM_IOCTL_APU_GEM_QUEUE, 'DRM_IOCTL_APU_GEM_QUEUE'],
  [DRM_IOCTL_APU_GEM_DEQUEUE, 'DRM_IOCTL_APU_GEM_DEQUEUE'],
  [DRM_IOCTL_APU_GEM_IOMMU_MAP, 'DRM_IOCTL_APU_GEM_IOMMU_MAP'],
  [DRM_IOCTL_APU_GEM_IOMMU_UNMAP, 'DRM_IOCTL_APU_GEM_IOMMU_UNMAP'],
]);
