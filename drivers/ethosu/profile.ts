/**
 * Profile of ethosu, the Arm Ethos-U65/U85 NPU driver (drivers/accel/ethosu,
 * Linux 6.19+; read at 7.3):
 * - any number of files may be open: ethosu_open (ethosu_drv.c) only takes a
 *   module reference and sets up the file's scheduler entity;
 * - no IOMMU: buffers are contiguous DMA memory (drm_gem_dma_create) and the
 *   NPU sees physical addresses; isolation is the command stream validator
 *   (ethosu_gem.c ethosu_gem_cmdstream_copy_and_validate) plus SUBMIT's check
 *   of each region against its BO (ethosu_job.c ethosu_ioctl_submit_job);
 * - drm_sched with a 500 ms timeout (ethosu_job.c JOB_TIMEOUT_MS), no karma
 *   ban (the driver never raises a job's karma), reset by runtime-PM
 *   suspend/resume (ethosu_job_timedout);
 * - no syncobj (driver_features DRIVER_COMPUTE_ACCEL | DRIVER_GEM only);
 * - PRIME: drm_getcap reports import|export for every driver since 6.6, and
 *   export works through the GEM helpers; import of another device's buffer
 *   is refused (no gem_prime_import_sg_table), see the shipped expectations.
 */
import type { DriverProfile } from '../profile';
import type { Sys } from '../../harness/sys/types';

export const ETHOSU_DRIVER = 'ethosu';
export const ETHOSU_MODULE = 'ethosu';
export const ETHOSU_ADAPTER_NAME = 'ethosu';
/** ethosu_job.c JOB_TIMEOUT_MS. */
export const ETHOSU_JOB_TIMEOUT_MS = 500;

export function ethosuProfile(_sys: Sys): DriverProfile {
  return {
    driver: ETHOSU_DRIVER,
    openPolicy: 'shared',
    openPolicySource: 'declared',
    controlNode: false,
    jobTimeoutMs: ETHOSU_JOB_TIMEOUT_MS,
    iommu: 'none',
    prime: true,
    foreignImportRefused: {
      errno: 'EINVAL',
      reference: 'ethosu_drv.c ethosu_drm_driver has no gem_prime_import_sg_table: drm_prime.c drm_gem_prime_import_dev returns -EINVAL',
    },
    syncobj: false,
    // No live-object count in debugfs: the core has name, clients and gem_names (drm_debugfs.c drm_debugfs_list).
    adapter: ETHOSU_ADAPTER_NAME,
  };
}
