/**
 * Profile of amdxdna, the AMD XDNA (Ryzen AI) NPU driver (drivers/accel/amdxdna,
 * Linux 6.14+; read at 7.3, AIE2 devices NPU1/4/5/6 through aie2_ops):
 * - any number of files may be open; amdxdna_drm_open (amdxdna_pci_drv.c)
 *   binds each to the opener's address space (iommu_sva_bind_device: the
 *   NPU reaches a process's memory through its PASID) and gives it its own
 *   device-heap allocator (drm_mm dev_heap_mm) and hardware-context table;
 * - hardware contexts are per file (xa_alloc_cyclic in client->hwctx_xa,
 *   amdxdna_ctx.c amdxdna_drm_create_hwctx_ioctl), each with its own
 *   drm_sched whose TDR is the tdr_timeout_ms module parameter, 2000 ms by
 *   default (aie2_ctx.c aie2_hwctx_init; 0 disables it);
 * - the only accel driver with syncobj: DRIVER_SYNCOBJ | DRIVER_SYNCOBJ_TIMELINE
 *   (amdxdna_drm_drv); every context owns a timeline syncobj whose point
 *   `seq` is the command EXEC_CMD returned (aie2_ctx.c aie2_cmd_submit:
 *   drm_syncobj_add_point);
 * - PRIME: export through amdxdna_gem_prime_export, import through
 *   amdxdna_gem_prime_import, which attaches any dma-buf (another device's
 *   too) and always makes a new object.
 */
import type { DriverProfile } from '../profile';
import type { Sys } from '../../harness/sys/types';
import { readModuleParam } from '../module-param';

/** amdxdna_drm_drv.name, as DRM_IOCTL_VERSION and the accel class report it. */
export const AMDXDNA_DRIVER = 'amdxdna_accel_driver';
export const AMDXDNA_MODULE = 'amdxdna';
export const AMDXDNA_ADAPTER_NAME = 'amdxdna';
/** aie2_ctx.c tdr_timeout_ms default. */
export const AMDXDNA_TDR_TIMEOUT_MS = 2000;

/** The TDR the running driver uses: tdr_timeout_ms (0400), null when 0 disables it (MAX_SCHEDULE_TIMEOUT). */
export function amdxdnaTdrMs(sys: Sys): number | null {
  const ms = readModuleParam(sys, AMDXDNA_MODULE, 'tdr_timeout_ms') ?? AMDXDNA_TDR_TIMEOUT_MS;
  return ms === 0 ? null : ms;
}

export function amdxdnaProfile(sys: Sys): DriverProfile {
  return {
    driver: AMDXDNA_DRIVER,
    openPolicy: 'shared',
    openPolicySource: 'declared',
    controlNode: false,
    jobTimeoutMs: amdxdnaTdrMs(sys),
    // Each open file is its own device address space: the process's PASID for host memory,
    // the file's own dev-heap range for DEV BOs (amdxdna_drm_open).
    iommu: 'per-context',
    prime: true,
    syncobj: true,
    // aie2_sched_job_timedout restarts the context and never raises karma: no ban.
    banAfterHangs: 0,
    adapter: AMDXDNA_ADAPTER_NAME,
  };
}
