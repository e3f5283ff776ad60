/**
 * Profile of rocket, the Rockchip RK3588 NPU driver (drivers/accel/rocket,
 * Linux 6.18+; read at 7.3):
 * - any number of files may be open, each with its own IOMMU domain:
 *   rocket_open (rocket_drv.c) calls rocket_iommu_domain_create, so a file's
 *   DMA addresses (drm_mm over the domain's aperture) are private to it; an
 *   open fails when the core has no IOMMU (iommu_paging_domain_alloc);
 * - drm_sched with a 500 ms timeout (rocket_job.c JOB_TIMEOUT_MS), no karma
 *   ban (the driver never raises a job's karma), a core reset on timeout
 *   (rocket_job_timedout -> rocket_reset -> rocket_core_reset);
 * - no syncobj (driver_features DRIVER_COMPUTE_ACCEL | DRIVER_GEM only);
 * - PRIME: drm_getcap reports import|export for every driver since 6.6;
 *   export works through the GEM helpers, import of the driver's own buffer
 *   gives back the same object, another device's is refused (no
 *   gem_prime_import_sg_table in rocket_drm_driver).
 * The driver has no module parameters.
 */
import type { DriverProfile } from '../profile';
import type { Sys } from '../../harness/sys/types';

export const ROCKET_DRIVER = 'rocket';
export const ROCKET_MODULE = 'rocket';
export const ROCKET_ADAPTER_NAME = 'rocket';
/** rocket_job.c JOB_TIMEOUT_MS. */
export const ROCKET_JOB_TIMEOUT_MS = 500;

export function rocketProfile(_sys: Sys): DriverProfile {
  return {
    driver: ROCKET_DRIVER,
    openPolicy: 'shared',
    openPolicySource: 'declared',
    controlNode: false,
    jobTimeoutMs: ROCKET_JOB_TIMEOUT_MS,
    iommu: 'per-context',
    prime: true,
    foreignImportRefused: {
      errno: 'EINVAL',
      reference: 'rocket_drv.c rocket_drm_driver has no gem_prime_import_sg_table: drm_prime.c drm_gem_prime_import_dev returns -EINVAL',
    },
    syncobj: false,
    adapter: ROCKET_ADAPTER_NAME,
  };
}
