/**
 * Profile of qaic, the Qualcomm Cloud AI 100 driver (drivers/accel/qaic; read
 * at 7.3):
 * - any number of files may be open: qaic_open (qaic_drv.c) only requires the
 *   device to be QAIC_ONLINE (ENODEV otherwise) and adds a struct qaic_user;
 * - no per-file address space: BOs are mapped for the PCI device with
 *   dma_map_sgtable when a slice is attached (qaic_data.c
 *   qaic_prepare_export_bo), into whatever DMA domain the platform gives the
 *   device, shared by every user; isolation is per DMA bridge channel
 *   (dbc->usr, EPERM/EINVAL for a file that did not activate it);
 * - no drm_sched and no job timeout: EXECUTE_BO queues to the DBC ring and
 *   WAIT_BO waits with a relative timeout in ms, 0 meaning the module's
 *   wait_exec_default_timeout_ms (qaic_data.c qaic_wait_bo_ioctl);
 * - no syncobj (driver_features DRIVER_GEM | DRIVER_COMPUTE_ACCEL only);
 * - PRIME: drm_getcap reports import|export for every driver since 6.6;
 *   export is the core's over qaic_get_sg_table, import is the driver's own
 *   (qaic_gem_prime_import), which wraps any dma-buf of nonzero size.
 */
import type { DriverProfile } from '../profile';
import type { Sys } from '../../harness/sys/types';
import { readModuleParam } from '../module-param';

export const QAIC_DRIVER = 'qaic';
export const QAIC_MODULE = 'qaic';
export const QAIC_ADAPTER_NAME = 'qaic';
/** qaic_data.c wait_exec_default_timeout_ms: WAIT_BO's timeout when the caller passes 0. */
export const QAIC_WAIT_DEFAULT_MS = 5000;

/** wait_exec_default_timeout_ms as the running module has it (0600: root may change it at run time). */
export function qaicWaitDefaultMs(sys: Sys): number {
  const n = readModuleParam(sys, QAIC_MODULE, 'wait_exec_default_timeout_ms');
  return n !== null && n >= 0 ? n : QAIC_WAIT_DEFAULT_MS;
}

export function qaicProfile(_sys: Sys): DriverProfile {
  return {
    driver: QAIC_DRIVER,
    openPolicy: 'shared',
    openPolicySource: 'declared',
    controlNode: false,
    // No drm_sched: nothing times a job out; WAIT_BO's own timeout is qaicWaitDefaultMs.
    jobTimeoutMs: null,
    iommu: 'shared',
    prime: true,
    syncobj: false,
    adapter: QAIC_ADAPTER_NAME,
  };
}
