/**
 * Helpers the APU specs share: raw ioctls as a user program issues them,
 * through `Sys` only (never into the simulated kernel).
 */
import { O_CLOEXEC, O_RDWR } from '../../../harness/sys/constants';
import type { Sys } from '../../../harness/sys/types';
import {
  DRM_IOCTL_APU_GEM_DEQUEUE,
  DRM_IOCTL_APU_GEM_IOMMU_MAP,
  DRM_IOCTL_APU_GEM_NEW,
  DRM_IOCTL_APU_GEM_QUEUE,
  DRM_IOCTL_APU_STATE,
  drm_apu_gem_dequeue,
  drm_apu_gem_iommu_map,
  drm_apu_gem_new,
  drm_apu_gem_queue,
  drm_apu_state,
} from '../uapi';
import { syncobjCreate } from '../../../harness/ioctl';

export const openDev = (sys: Sys, minor = 0): number => sys.open(`/dev/accel/accel${minor}`, O_RDWR | O_CLOEXEC);

/** The ioctl library's errnoOf: the errno name a call fails with, or 'ok'. */
export { errnoOf } from '../../../harness/ioctl';

export function gemNew(sys: Sys, fd: number, size: number, flags = 0): { handle: number; offset: bigint; arg: Buffer } {
  const arg = drm_apu_gem_new.encode({ size, flags });
  sys.ioctl(fd, DRM_IOCTL_APU_GEM_NEW, arg);
  const v = drm_apu_gem_new.decode(arg);
  return { handle: v.handle, offset: v.offset, arg };
}

export function stateFlags(sys: Sys, fd: number): number {
  const arg = drm_apu_state.encode({ device: 0 });
  sys.ioctl(fd, DRM_IOCTL_APU_STATE, arg);
  return drm_apu_state.decode(arg).flags;
}

export const syncobj = (sys: Sys, fd: number): number => syncobjCreate(sys, fd);

export function mapRaw(sys: Sys, fd: number, handles: readonly number[]): bigint[] {
  const hm = sys.alloc(Math.max(4, handles.length * 4));
  const am = sys.alloc(Math.max(8, handles.length * 8));
  try {
    handles.forEach((h, i) => hm.bytes.writeUInt32LE(h, i * 4));
    sys.ioctl(
      fd,
      DRM_IOCTL_APU_GEM_IOMMU_MAP,
      drm_apu_gem_iommu_map.encode({ bo_handles: hm.address, bo_handle_count: handles.length, bo_device_addresses: am.address }),
    );
    return handles.map((_, i) => am.bytes.readBigUInt64LE(i * 8));
  } finally {
    sys.free(hm);
    sys.free(am);
  }
}

export function queueRaw(sys: Sys, fd: number, fields: Partial<ReturnType<typeof drm_apu_gem_queue.decode>>, args?: Buffer): void {
  const dm = args && args.length > 0 ? sys.alloc(args.length) : null;
  try {
    if (dm && args) args.copy(dm.bytes);
    sys.ioctl(
      fd,
      DRM_IOCTL_APU_GEM_QUEUE,
      drm_apu_gem_queue.encode({ size_in: args?.length ?? 0, ...(dm ? { data: dm.address } : {}), ...fields }),
    );
  } finally {
    if (dm) sys.free(dm);
  }
}

export function dequeueRaw(sys: Sys, fd: number, outSync: number, size = 0, withData = false): { result: number; size: number; data: Buffer } {
  const m = withData ? sys.alloc(Math.max(1, size)) : null;
  try {
    const arg = drm_apu_gem_dequeue.encode({ out_sync: outSync, size, data: m ? m.address : 0n });
    sys.ioctl(fd, DRM_IOCTL_APU_GEM_DEQUEUE, arg);
    const v = drm_apu_gem_dequeue.decode(arg);
    return { result: v.result, size: v.size, data: m ? Buffer.from(m.bytes.subarray(0, size)) : Buffer.alloc(0) };
  } finally {
    if (m) sys.free(m);
  }
}
