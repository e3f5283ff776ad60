/**
 * The vgem adapter: buffers only. vgem has no driver ioctl to create an
 * object; userspace makes them as dumb buffers (DRM_IOCTL_MODE_CREATE_DUMB,
 * handled by drm_gem_shmem_dumb_create through DRM_GEM_SHMEM_DRIVER_OPS) and
 * gets the fake mmap offset with DRM_IOCTL_MODE_MAP_DUMB. Both ioctls are
 * declared without DRM_RENDER_ALLOW in drm_ioctl.c's table (6.12), so the
 * adapter works on vgem's primary node (/dev/dri/cardN), not on renderD*.
 */
import type { BufferCapability, BufferObject, DriverAdapter } from '../adapter';
import { MAP_SHARED, PROT_READ, PROT_WRITE } from '../../harness/sys/constants';
import type { Sys } from '../../harness/sys/types';
import {
  DRM_IOCTL_GEM_CLOSE,
  DRM_IOCTL_MODE_CREATE_DUMB,
  DRM_IOCTL_MODE_MAP_DUMB,
  drm_gem_close,
  drm_mode_create_dumb,
  drm_mode_map_dumb,
} from '../../harness/uapi/drm';
import { VGEM_ADAPTER_NAME } from './profile';

/** One row of 4096 one-byte pixels per page: the dumb buffer's size is then `height` pages exactly. */
const ROW_BYTES = 4096;

/**
 * Buffers only: vgem has no engine (no jobs), no IOMMU (no device map), no
 * hardware state, and no device-read-only objects. dma-buf goes through the
 * PRIME core ioctls, the default.
 */
export function createVgemAdapter(sys: Sys): DriverAdapter {
  const buffers: BufferCapability = {
    handles: 'gem',
    create(fd: number, size: number): BufferObject {
      // drm_mode_create_dumb rejects height 0 (EINVAL); size 0 is passed through so the kernel answers.
      const height = Math.ceil(size / ROW_BYTES);
      const arg = drm_mode_create_dumb.encode({ width: ROW_BYTES, height, bpp: 8 });
      sys.ioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, arg);
      const out = drm_mode_create_dumb.decode(arg);
      const map = drm_mode_map_dumb.encode({ handle: out.handle });
      sys.ioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, map);
      // The kernel's size (page aligned by drm_gem_shmem_dumb_create), not the request.
      return { handle: out.handle, size: Number(out.size), mmapOffset: drm_mode_map_dumb.decode(map).offset };
    },
    mmap(fd, bo) {
      if (bo.mmapOffset === undefined) throw new Error(`vgem adapter: handle ${bo.handle} has no mmap offset`);
      return sys.mmap(fd, bo.size, PROT_READ | PROT_WRITE, MAP_SHARED, bo.mmapOffset);
    },
    close(fd, handle) {
      sys.ioctl(fd, DRM_IOCTL_GEM_CLOSE, drm_gem_close.encode({ handle }));
    },
  };
  return { name: VGEM_ADAPTER_NAME, buffers };
}
