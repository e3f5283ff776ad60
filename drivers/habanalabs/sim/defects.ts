/**
 * The habanalabs model's own defects (`sim:habanalabs?defect=NAME`). Those
 * marked `upstream` re-create a bug fixed in the kernel; the others break one
 * rule the suite checks so that every test running on the model can be shown
 * to fail.
 */
import type { DefectInfo } from '../../sim/defects';

export const HABANALABS_DEFECTS = {
  'hl-second-open-allowed': {
    layer: 'driver',
    rule: 'hl_device_open lets a second compute user in while one is active (no EBUSY)',
  },
  'hl-release-on-second-close': {
    layer: 'driver',
    rule: 'the compute context is released at the file\'s second close() (flush), as if a file could have at most two fds',
  },
  'hl-release-on-foreign-close': {
    layer: 'driver',
    rule: 'the compute context is released when a process other than the opener closes its fd of the file',
  },
  'hl-info-stale-bytes': {
    layer: 'driver',
    rule: 'INFO copies kernel bytes the reply never set into the user buffer (upstream: "accel/habanalabs: fix information leak in sec_attest_info()")',
  },
  'hl-info-pad-unchecked': { layer: 'driver', rule: '_hl_info_ioctl accepts a nonzero pad' },
  'hl-cs-no-reset-on-timeout': { layer: 'driver', rule: 'a timed-out CS does not reset the device (cs_timedout skips hl_device_cond_reset)' },
  'hl-cs-double-reset': { layer: 'driver', rule: 'one timed-out CS resets the device twice' },
  'hl-cs-chunks-unbounded': { layer: 'driver', rule: 'hl_cs_copy_chunk_array accepts more than HL_MAX_JOBS_PER_CS chunks' },
  'hl-cs-queue-unchecked': { layer: 'driver', rule: 'validate_queue_index accepts a queue index at or beyond max_queues' },
  'hl-cs-seq-skips': { layer: 'driver', rule: 'allocate_cs hands out every other sequence number (ctx->cs_sequence += 2)' },
  'hl-gem-feature': { layer: 'driver', rule: 'hl_driver declares DRIVER_GEM, so the core runs GEM ioctls on a driver with no GEM objects' },
  'hl-tdr-late': { layer: 'driver', rule: 'the TDR of a CS fires at twice its timeout' },
  'hl-reset-stuck': { layer: 'driver', rule: 'a hard reset never finishes: the device stays IN_RESET' },
  'hl-export-unaligned': {
    layer: 'driver',
    rule: 'HL_MEM_OP_EXPORT_DMABUF_FD accepts a size or offset that is not a multiple of PAGE_SIZE (upstream: "accel/habanalabs: export dma-buf only if size/offset multiples of PAGE_SIZE")',
  },
  'hl-export-no-file-ref': { layer: 'driver', rule: 'an exported dma-buf does not hold the compute file: closing the device frees it while the dma-buf lives' },
  'hl-wait-early-complete': { layer: 'driver', rule: 'WAIT_CS reports COMPLETED for a CS still running' },
  'hl-wait-future-seq': { layer: 'driver', rule: 'WAIT_CS on a sequence never submitted reports COMPLETED instead of EINVAL' },
  'hl-cb-mmap-twice': { layer: 'driver', rule: 'hl_mem_mgr_mmap lets one CB be mapped twice' },
  'hl-cb-destroy-twice': { layer: 'driver', rule: 'hl_cb_destroy succeeds for a handle it no longer knows (a second destroy)' },
  'hl-mem-free-mapped': { layer: 'driver', rule: 'free_device_memory frees an allocation that is still mapped' },
  'hl-control-any-ioctl': { layer: 'driver', rule: 'hl_ioctl_control runs ioctls other than INFO on the control node' },
  'hl-control-single-open': { layer: 'driver', rule: 'hl_device_open_ctrl refuses a second open of the control node' },
} as const satisfies Readonly<Record<string, DefectInfo>>;

export type HabanalabsDefect = keyof typeof HABANALABS_DEFECTS;

/** The defects active on one device, typed to the catalogue. */
export class SimModelDefects {
  constructor(private readonly active: ReadonlySet<string>) {}

  has(d: HabanalabsDefect): boolean {
    return this.active.has(d);
  }
}
