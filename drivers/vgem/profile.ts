/**
 * Profile of vgem, the kernel's "Virtual GEM provider"
 * (drivers/gpu/drm/vgem/vgem_drv.c): a DRM driver nobody here wrote, used by
 * the kernel lane to run the DRM-core families (GEM handles, PRIME, dma-buf,
 * dup) on a second real driver. vgem_driver has DRIVER_GEM | DRIVER_RENDER
 * and no DRIVER_SYNCOBJ, no scheduler and no IOMMU; its objects are shmem
 * objects (DRM_GEM_SHMEM_DRIVER_OPS), exported and imported through the PRIME
 * helpers, and any number of files may be open (drm_open has no policy).
 */
import type { DriverProfile } from '../profile';

export const VGEM_DRIVER = 'vgem';
export const VGEM_ADAPTER_NAME = 'vgem';

export const VGEM_PROFILE: DriverProfile = {
  driver: VGEM_DRIVER,
  openPolicy: 'shared',
  openPolicySource: 'declared',
  controlNode: false,
  jobTimeoutMs: null,
  iommu: 'none',
  // drm_getcap answers DRM_CAP_PRIME with import | export for every driver.
  prime: true,
  syncobj: false,
  adapter: VGEM_ADAPTER_NAME,
};
