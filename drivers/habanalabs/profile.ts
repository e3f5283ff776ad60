/**
 * What the habanalabs driver (drivers/accel/habanalabs, 7.3) is, each fact
 * with the kernel code that makes it so.
 */
import type { Sys } from '../../harness/sys/types';
import { readModuleParam } from '../module-param';
import type { DriverProfile } from '../profile';
import { HABANALABS_ADAPTER_NAME } from './adapter';

export const HABANALABS_DRIVER = {
  /** habanalabs.h HL_NAME: the drm_driver name and the PCI driver name. */
  driver: 'habanalabs',
  module: 'habanalabs',
} as const;

/** habanalabs_drv.c HL_DEFAULT_TIMEOUT_LOCKED (s); fixup_device_params_per_asic raises Gaudi1's default to 600 s. */
export const HL_DEFAULT_TIMEOUT_LOCKED_S = 30;

export function habanalabsProfile(sys: Sys): DriverProfile {
  // timeout_locked (module_param 0444, seconds): fixup_device_params turns 0 into MAX_SCHEDULE_TIMEOUT.
  const timeoutS = readModuleParam(sys, HABANALABS_DRIVER.module, 'timeout_locked') ?? HL_DEFAULT_TIMEOUT_LOCKED_S;
  return {
    driver: HABANALABS_DRIVER.driver,
    // hl_device_open: one compute context per device; EBUSY while it is active,
    // EAGAIN while it is being released (compute_ctx_in_release) or a reset runs.
    openPolicy: 'exclusive',
    openPolicySource: 'declared',
    // device.c cdev_sysfs_debugfs_add: a char device accel_controlD<N> (class accel,
    // the driver's own major) whose hl_ioctl_control runs HL_INFO only (ENOTTY otherwise).
    controlNode: true,
    // hl_ioctl_control: `if (nr == _IOC_NR(DRM_IOCTL_HL_INFO)) ... else return -ENOTTY`; VERSION (nr 0) included.
    controlNodeRules: { refusal: 'ENOTTY', versionAllowed: false },
    // command_submission.c: each CS's TDR fires after its timeout (HL_CS_FLAGS_CUSTOM_TIMEOUT, else timeout_locked).
    jobTimeoutMs: timeoutS === 0 ? null : timeoutS * 1000,
    // Each compute context has its own ASID in the device MMU (context.c hl_ctx_init, asid.c).
    iommu: 'per-context',
    // GET_CAP(PRIME) says import|export for every driver since 6.6, but without DRIVER_GEM PRIME
    // converts no handle; dma-bufs come from HL_MEM_OP_EXPORT_DMABUF_FD (memory.c export_dmabuf).
    prime: false,
    // hl_driver.driver_features = DRIVER_COMPUTE_ACCEL: no DRIVER_SYNCOBJ.
    syncobj: false,
    adapter: HABANALABS_ADAPTER_NAME,
  };
}
