/**
 * The firmware stand-in of sim:ivpu, at the uAPI boundary only. What a
 * real NPU does with a command buffer is firmware-private: the kernel tree
 * publishes the job queue (vpu_jsm_api.h struct vpu_job_queue_entry:
 * batch_buf_addr, job_id, flags) and the job statuses, not the batch-buffer
 * command format. So the simulated firmware reads one u32 at the job's
 * commands_offset in its command buffer, in this model's OWN convention
 * (not Intel's), to decide how the job ends:
 *
 *   SIM_FW_NOP            completes with VPU_JSM_STATUS_SUCCESS, as every job
 *                          does under IVPU_TEST_MODE_NULL_SUBMISSION
 *                          (ivpu_job.c ivpu_cmdq_push_job); any value not below
 *                          completes this way too;
 *   SIM_FW_HANG           the engine stops and its heartbeat freezes
 *                          (what ivpu_pm.c ivpu_job_timeout_work detects);
 *   SIM_FW_MMU_FAULT      an MMU event on the job's SSID (ivpu_mmu.c
 *                          ivpu_mmu_irq_evtq_handler);
 *   SIM_FW_CTX_VIOLATION  the job ends with VPU_JSM_STATUS_MVNCI_CONTEXT_VIOLATION_HW;
 *   SIM_FW_PROCESSING_ERR the job ends with VPU_JSM_STATUS_PROCESSING_ERR.
 */
export const SIM_FW_NOP = 0;
export const SIM_FW_HANG = 0x474e4148; // 'HANG'
export const SIM_FW_MMU_FAULT = 0x544c5546; // 'FULT'
export const SIM_FW_CTX_VIOLATION = 0x4c4f4956; // 'VIOL'
export const SIM_FW_PROCESSING_ERR = 0x52524550; // 'PERR'

/** Name the simulated firmware reports in debugfs fw_name (ivpu_debugfs.c fw_name_show prints the file name). */
export const SIM_FW_NAME = 'sim-ivpu-fw.bin';

/** Virtual time one job takes on the engine. */
export const SIM_JOB_NS = 50_000n;
/** Virtual time between firmware heartbeats while the engine is alive. */
export const SIM_HEARTBEAT_NS = 1_000_000n;
/** Virtual time of a full recovery (ivpu_pm.c ivpu_pm_recovery_work: power down, cold boot). */
export const SIM_RECOVERY_NS = 20_000_000n;

export type FwOutcome =
  | { readonly kind: 'done'; readonly status: number }
  | { readonly kind: 'hang' }
  | { readonly kind: 'mmu-fault' };

/** How the firmware stand-in ends a job whose command word is `word`. */
export function fwOutcome(word: number): FwOutcome {
  switch (word) {
    case SIM_FW_HANG:
      return { kind: 'hang' };
    case SIM_FW_MMU_FAULT:
      return { kind: 'mmu-fault' };
    case SIM_FW_CTX_VIOLATION:
      return { kind: 'done', status: 0xe };
    case SIM_FW_PROCESSING_ERR:
      return { kind: 'done', status: 0x2 };
    default:
      return { kind: 'done', status: 0 };
  }
}
