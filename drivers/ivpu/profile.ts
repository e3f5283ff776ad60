/**
 * Profile of intel_vpu (drivers/accel/ivpu), every fact cited to the 7.3
 * source. What a module parameter changes (tdr_timeout_ms, sched_mode) is read
 * back from /sys/module/intel_vpu/parameters through the Sys file view, so the
 * profile tells what the running driver does, simulated or real.
 */
import { readModuleParam } from '../module-param';
import type { Sys } from '../../harness/sys/types';
import type { DriverProfile } from '../profile';

/** ivpu_drv.h DRIVER_NAME: DRM_IOCTL_VERSION's name and the sysfs driver (the PCI driver is KBUILD_MODNAME). */
export const IVPU_DRIVER = 'intel_vpu';
/** The module (intel_vpu.ko): /sys/module/intel_vpu/parameters. */
export const IVPU_MODULE = 'intel_vpu';
export const IVPU_ADAPTER_NAME = 'ivpu';

/** ivpu_hw.c timeouts_init: vdev->timeout.tdr on silicon (FPGA 30000, simics 10000). */
export const IVPU_DEFAULT_TDR_MS = 2000;
/** ivpu_hw.c timeouts_init: vdev->timeout.inference on silicon, the heartbeat retry budget. */
export const IVPU_DEFAULT_INFERENCE_MS = 60000;

/** vpu_boot_api.h VPU_SCHEDULING_MODE_OS / _HW; ivpu_drv.h IVPU_SCHED_MODE_AUTO (-1). */
export type IvpuSchedMode = 'os' | 'hw';

/** Reads one integer module parameter of intel_vpu; null when absent or unreadable. */
export function readIvpuParam(sys: Sys, param: string): number | null {
  return readModuleParam(sys, IVPU_MODULE, param);
}

/**
 * ivpu_pm.c ivpu_start_job_timeout_detection: the TDR period is the
 * tdr_timeout_ms parameter, or vdev->timeout.tdr when it is 0 (the default).
 */
export function ivpuTdrMs(sys: Sys): number {
  const p = readIvpuParam(sys, 'tdr_timeout_ms');
  return p !== null && p > 0 ? p : IVPU_DEFAULT_TDR_MS;
}

/** ivpu_drv.h IVPU_HW_IP_60XX: from this generation on the OS scheduler is gone. */
export const IVPU_HW_IP_60XX = 60;

/** ivpu_drv.h ivpu_hw_ip_gen: the NPU IP generation of a PCI device id; null for an id 7.3 does not list. */
export function ivpuHwIpGen(deviceId: number): number | null {
  switch (deviceId) {
    case 0x7d1d: // PCI_DEVICE_ID_MTL
    case 0xad1d: // PCI_DEVICE_ID_ARL
      return 37;
    case 0x643e: // PCI_DEVICE_ID_LNL
      return 40;
    case 0xb03e: // PCI_DEVICE_ID_PTL_P
    case 0xfd3e: // PCI_DEVICE_ID_WCL
      return 50;
    case 0xd71d: // PCI_DEVICE_ID_NVL
      return IVPU_HW_IP_60XX;
    default:
      return null;
  }
}

/** vpu_boot_api.h VPU_SCHEDULING_MODE_OS (0); ivpu_drv.h IVPU_SCHED_MODE_AUTO (-1). */
const SCHED_MODE_OS = 0;
const SCHED_MODE_AUTO = -1;

/**
 * ivpu_fw.c ivpu_fw_sched_mode_select: on IVPU_HW_IP_60XX and later the OS
 * scheduler does not exist ("OS sched mode is not supported, using HW mode");
 * otherwise an explicit sched_mode wins, and auto (-1) is HW for firmware whose
 * JSM API (api_version[VPU_JSM_API_VER_INDEX], major << 16 | minor) is 3.24 or
 * newer. `jsmApi` null: the firmware header is not readable from user space;
 * every firmware shipped for 7.3 is newer than 3.24, so auto is HW.
 */
export function ivpuSchedModeSelect(gen: number | null, schedMode: number, jsmApi: bigint | null): IvpuSchedMode {
  if (gen !== null && gen >= IVPU_HW_IP_60XX && schedMode === SCHED_MODE_OS) return 'hw';
  if (schedMode !== SCHED_MODE_AUTO) return schedMode === SCHED_MODE_OS ? 'os' : 'hw';
  if (jsmApi === null) return 'hw';
  const major = Number((jsmApi >> 16n) & 0xffffn);
  const minor = Number(jsmApi & 0xffffn);
  return major < 3 || (major === 3 && minor < 24) ? 'os' : 'hw';
}

/** PCI device ids of the devices intel_vpu is bound to (/sys/bus/pci/drivers/intel_vpu/<bdf>/device). */
function boundDeviceIds(sys: Sys): number[] {
  const dir = `/sys/bus/pci/drivers/${IVPU_DRIVER}`;
  try {
    if (!sys.fs.exists(dir)) return [];
    return sys.fs
      .readdir(dir)
      .filter((d) => /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/.test(d))
      .map((d) => Number.parseInt(sys.fs.readFile(`${dir}/${d}/device`).toString('utf8').trim(), 16))
      .filter((n) => Number.isFinite(n));
  } catch {
    return [];
  }
}

/**
 * The scheduler intel_vpu runs with: ivpuSchedModeSelect over the sched_mode
 * parameter and the generation of the bound devices (all of them must be
 * 60xx+ for sched_mode=0 to mean HW; without PCI sysfs, as on the simulated
 * kernel whose sim:ivpu is a 40xx, the generation is unknown and 0 stays OS).
 */
export function ivpuSchedMode(sys: Sys): IvpuSchedMode {
  const gens = boundDeviceIds(sys).map(ivpuHwIpGen);
  const gen = gens.length > 0 && gens.every((g) => g !== null) ? Math.min(...(gens as number[])) : null;
  return ivpuSchedModeSelect(gen, readIvpuParam(sys, 'sched_mode') ?? SCHED_MODE_AUTO, null);
}

export function ivpuProfile(sys: Sys): DriverProfile {
  return {
    driver: IVPU_DRIVER,
    // ivpu_drv.c ivpu_open: every open gets its own context (file_priv, MMU
    // context, SSID) until the per-uid limit, then EMFILE: nothing exclusive.
    openPolicy: 'shared',
    openPolicySource: 'declared',
    // drm_dev_init allocates no control minor for DRIVER_COMPUTE_ACCEL (ivpu_drv.c driver.driver_features).
    controlNode: false,
    // ivpu_pm.c ivpu_job_timeout_work compares the heartbeat with the one of the
    // previous TDR tick (fw->last_heartbeat, 0 after boot): a hang on an idle
    // device is seen at the SECOND tick after submission, two TDR periods.
    jobTimeoutMs: 2 * ivpuTdrMs(sys),
    // ivpu_drv.c ivpu_open -> ivpu_mmu_context_init: one MMU context (page table, SSID) per file.
    iommu: 'per-context',
    // ivpu_drv.c driver: gem_prime_import = ivpu_gem_prime_import, prime_handle_to_fd wraps drm_gem_prime_handle_to_fd.
    prime: true,
    // ivpu_drv.c driver.driver_features = DRIVER_GEM | DRIVER_COMPUTE_ACCEL: no DRIVER_SYNCOBJ,
    // so every syncobj ioctl is EOPNOTSUPP (drm_syncobj.c); jobs are waited on with BO_WAIT.
    syncobj: false,
    // ivpu_job.c ivpu_submit_ioctl: after a fault or (HW scheduler) a hang the context answers
    // EBADFD for good (has_mmu_faults); under the OS scheduler a hang resets the device and no one is banned.
    banAfterHangs: ivpuSchedMode(sys) === 'hw' ? 1 : 0,
    // No count file: ivpu's debugfs bo_list (ivpu_gem.c ivpu_bo_list) lists objects, header first.
    adapter: IVPU_ADAPTER_NAME,
  };
}
