/**
 * The vgem adapter: buffers only. vgem has no driver ioctl to create an
 * object; userspace makes them as dumb buffers (DRM_IOCTL_MODE_CREATE_DUMB,
 * handled by drm_gem_shmem_dumb_create through DRM_GEM_SHMEM_DRIVER_OPS) and
 * gets the fake mmap offset with DRM_IOCTL_MODE_MAP_DUMB. Both ioctls are
 * declared without DRM_RENDER_ALLOW in drm_ioctl.c's table (6.12), so the
 * adapter works on vgem's primary node (/dev/dri/cardN), not on renderD*.
 */
import type { AdapterCapability, BufferObject, DeviceState, DriverAdapter, JobResult, SubmittedJob } from '../adapter';
import { MAP_SHARED, PROT_READ, PROT_WRITE } from '../../harness/sys/constants';
import type { Mapping, Sys } from '../../harness/sys/types';
import { DRM_IOCTL_MODE_CREATE_DUMB, DRM_IOCTL_MODE_MAP_DUMB, drm_mode_create_dumb, drm_mode_map_dumb } from '../../harness/uapi/drm';
import { VGEM_ADAPTER_NAME } from './profile';

/** One row of 4096 one-byte pixels per page: the dumb buffer's size is then `height` pages exactly. */
const ROW_BYTES = 4096;

class VgemAdapter implements DriverAdapter {
  readonly name = VGEM_ADAPTER_NAME;
  readonly capabilities: ReadonlySet<AdapterCapability> = new Set<AdapterCapability>(['buffers']);

  constructor(private readonly sys: Sys) {}

  createBuffer(fd: number, size: number, opts?: { readonly deviceReadOnly?: boolean }): BufferObject {
    // Not a capability of this adapter; tests ask for 'device-ro-buffers' first.
    if (opts?.deviceReadOnly) throw new Error('vgem has no device-read-only buffers');
    // drm_mode_create_dumb rejects height 0 (EINVAL); size 0 is passed through so the kernel answers.
    const height = Math.ceil(size / ROW_BYTES);
    const arg = drm_mode_create_dumb.encode({ width: ROW_BYTES, height, bpp: 8 });
    this.sys.ioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, arg);
    const out = drm_mode_create_dumb.decode(arg);
    const map = drm_mode_map_dumb.encode({ handle: out.handle });
    this.sys.ioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, map);
    // The kernel's size (page aligned by drm_gem_shmem_dumb_create), not the request.
    return { handle: out.handle, size: Number(out.size), mmapOffset: drm_mode_map_dumb.decode(map).offset };
  }

  mmapBuffer(fd: number, bo: BufferObject): Mapping {
    return this.sys.mmap(fd, bo.size, PROT_READ | PROT_WRITE, MAP_SHARED, bo.mmapOffset);
  }

  mapToDevice(): bigint[] {
    return unsupported('device mappings (vgem has no IOMMU)');
  }

  unmapFromDevice(): void {
    unsupported('device mappings (vgem has no IOMMU)');
  }

  submit(): SubmittedJob {
    return unsupported('jobs (vgem has no engine)');
  }

  wait(): Promise<JobResult> {
    return Promise.reject(new Error('vgem adapter: jobs are not supported (vgem has no engine)'));
  }

  deviceState(): DeviceState {
    return unsupported('a device state (vgem has no hardware)');
  }
}

function unsupported(what: string): never {
  throw new Error(`vgem adapter: ${what} not supported; tests check the capabilities first`);
}

export function createVgemAdapter(sys: Sys): DriverAdapter {
  return new VgemAdapter(sys);
}
