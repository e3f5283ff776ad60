/**
 * The constants of the simulated NPU: what the 7.3 source fixes (limits,
 * address ranges, timeouts) with its citation, and the model's own identity
 * values where the kernel reads them from hardware.
 */

/** ivpu_drv.h IVPU_USER_CONTEXT_MIN_SSID / _MAX_SSID: the context_xa limit (ivpu_drv.c ivpu_dev_init). */
export const IVPU_USER_CONTEXT_MIN_SSID = 2;
export const IVPU_USER_CONTEXT_MAX_SSID = IVPU_USER_CONTEXT_MIN_SSID + 128;
/** ivpu_drv.h ivpu_get_context_count: max - min + 1. */
export const IVPU_CONTEXT_COUNT = IVPU_USER_CONTEXT_MAX_SSID - IVPU_USER_CONTEXT_MIN_SSID + 1;
/** ivpu_drv.h IVPU_MIN_DB / IVPU_MAX_DB: the doorbell xa limit. */
export const IVPU_MIN_DB = 1;
export const IVPU_MAX_DB = 255;
export const IVPU_DOORBELL_COUNT = IVPU_MAX_DB - IVPU_MIN_DB + 1;
/** ivpu_drv.h IVPU_CMDQ_MIN_ID / IVPU_CMDQ_MAX_ID. */
export const IVPU_CMDQ_MIN_ID = 1;
export const IVPU_CMDQ_MAX_ID = 255;
/** ivpu_drv.h IVPU_JOB_ID_JOB_MASK: 256 job ids per context (file_priv->job_limit). */
export const IVPU_JOBS_PER_CONTEXT = 256;
/** ivpu_job.c JOB_MAX_BUFFER_COUNT. */
export const JOB_MAX_BUFFER_COUNT = 65535;
/** vpu_boot_api.h VPU_BOOT_API_VER_INDEX / vpu_jsm_api.h VPU_JSM_API_VER_INDEX: where api_version[] keeps each API's version. */
export const VPU_BOOT_API_VER_INDEX = 0;
export const VPU_JSM_API_VER_INDEX = 4;
/** vpu_boot_api.h VPU_FW_API_VER_NUM: entries of the firmware header's api_version[]. */
export const VPU_FW_API_VER_NUM = 16;
/**
 * ivpu_job.c ivpu_cmdq_get_entry_count: a 4 KiB queue (ivpu_cmdq_alloc) minus
 * the 64-byte vpu_job_queue_header, in 64-byte slots (vpu_jsm_api.h).
 */
export const IVPU_CMDQ_ENTRIES = (4096 - 64) / 64;

/** ivpu_hw.c memory_ranges_init, NPU 40xx and later: the user range (DMA range equal to it). */
export const IVPU_USER_RANGE = { start: 0x1_0000_0000n, end: 0x1_0000_0000n + 256n * 1024n ** 3n } as const;
/** ivpu_hw.c memory_ranges_init: the global range, 256 MiB (what a metric streamer buffer must fit, ivpu_ms.c). */
export const IVPU_GLOBAL_RANGE_SIZE = 256n * 1024n * 1024n;
/** ivpu_hw.c memory_ranges_init, 40xx: the SHAVE range (DRM_IVPU_BO_SHAVE_MEM). */
export const IVPU_SHAVE_RANGE = { start: 0x8000_0000n, end: 0x8000_0000n + 2n * 1024n ** 3n } as const;
/**
 * ivpu_mmu_context.c ivpu_mmu_context_init: a user context's drm_mm spans
 * min(user.start, shave.start) .. max(user.end, dma.end), on 40xx the SHAVE
 * range and the user range (equal to the DMA range) back to back.
 */
export const IVPU_CONTEXT_MM = { start: IVPU_SHAVE_RANGE.start, end: IVPU_USER_RANGE.end } as const;
/** ivpu_mmu_context.c IVPU_MMU_CONT_PAGES_SIZE: objects this large are first placed 64 KiB aligned. */
export const IVPU_MMU_CONT_PAGES_SIZE = 0x10000;

/** vpu_jsm_api.h job status values the model returns. */
export const VPU_JSM_STATUS_SUCCESS = 0x0;
export const VPU_JSM_STATUS_PROCESSING_ERR = 0x2;
export const VPU_JSM_STATUS_ABORTED = 0x4;
export const VPU_JSM_STATUS_ENGINE_RESET_REQUIRED_MIN = 0xe;
export const VPU_JSM_STATUS_MVNCI_CONTEXT_VIOLATION_HW = 0xe;
export const VPU_JSM_STATUS_ENGINE_RESET_REQUIRED_MAX = 0x1f;

/** Debian's kernels are built with CONFIG_HZ=250: one jiffy is 4 ms (BO_WAIT rounds to jiffies). */
export const JIFFY_NS = 4_000_000n;

/** The model's identity (read from PCI config space and fuses by the real driver): a Lunar Lake NPU (40xx). */
export const SIM_IVPU_IDENTITY = {
  /** ivpu_drv.h PCI_DEVICE_ID_LNL. */
  deviceId: 0x643e,
  revision: 4,
  /** DRM_IVPU_PLATFORM_TYPE_SILICON. */
  platform: 0,
  coreClockHz: 1_400_000_000n,
  tileConfig: 0x7n,
  sku: 0x1n,
  /**
   * api_version[] of the simulated firmware header (major << 16 | minor):
   * VPU_BOOT_API_VER_INDEX 0 is BOOT 3.22, VPU_JSM_API_VER_INDEX 4 is JSM 3.30
   * (ivpu_fw.c ivpu_fw_sched_mode_select: 3.24 or newer allows the HW
   * scheduler); the other entries are 0.
   */
  fwApiVersions: [0x0003_0016n, 0n, 0n, 0n, 0x0003_001en] as readonly bigint[],
} as const;
