/**
 * The ASIC the simulated habanalabs device stands for: Gaudi2 (PCI id
 * 0x1020, revision B), with the fixed properties the uAPI lets user space
 * observe. Every number is the one drivers/accel/habanalabs/gaudi2/gaudi2.c
 * gaudi2_set_fixed_properties() (and gaudi2P.h) sets, for a card with all
 * six HBMs functional.
 */
import type { SimModelDefects } from './defects';

/** gaudi2P.h GAUDI2_MAX_PENDING_CS: the ring of fences per context (a power of two). */
export const MAX_PENDING_CS = 64;
/** habanalabs_accel.h GAUDI2_QUEUE_ID_CPU_PQ: queues below it are QUEUE_TYPE_HW with CB_ALLOC_USER. */
export const QUEUE_ID_CPU_PQ = 260;
/** GAUDI2_QUEUE_ID_SIZE: prop->max_queues. */
export const MAX_QUEUES = 261;
/** First user queue (GAUDI2_QUEUE_ID_PDMA_0_0): what the adapter and family submit to. */
export const QUEUE_ID_PDMA_0_0 = 0;

/** GAUDI2_HBM_NUM * SZ_8M * GAUDI2_COMPENSATE_TLB_PAGE_SIZE_FACTOR (16): the DRAM allocation page. */
export const DRAM_PAGE_SIZE = 6n * 8n * 1024n * 1024n * 16n;
/** num_functional_hbms * SZ_16G. */
export const DRAM_SIZE = 6n * 16n * 1024n * 1024n * 1024n;
/** dram_user_base_address - dram_base_address: the first DRAM page is the driver's. */
export const DRAM_KMD_SIZE = DRAM_PAGE_SIZE;
/** include/gaudi2/gaudi2.h DRAM_PHYS_BASE. */
export const DRAM_PHYS_BASE = 0x1001_0000_0000_0000n;
/**
 * prop->dmmu.start_addr = dram_base_address + dram_page_size * DIV_ROUND_UP(dram_size, dram_page_size):
 * DRAM mappings (HL_MEM_OP_MAP) get virtual addresses from here (get_va_block, aligned to the DMMU page).
 */
export const DMMU_VA_BASE = DRAM_PHYS_BASE + DRAM_PAGE_SIZE * ((DRAM_SIZE + DRAM_PAGE_SIZE - 1n) / DRAM_PAGE_SIZE);
/**
 * The per-context CB VA pool (hl_cb_va_pool_init: CB_VA_POOL_SIZE = 4 GiB reserved in the host VA
 * range, gaudi2P.h VA_HOST_SPACE_PAGE_START); the model starts it at the range's base.
 */
export const CB_VA_BASE = 0xfff0_0000_0000_0000n;
/** habanalabs_drv.c HL_DEFAULT_TIMEOUT_LOCKED: seconds, the timeout_locked module parameter's default. */
export const DEFAULT_TIMEOUT_LOCKED_S = 30;
/** PCI device id of Gaudi2 (habanalabs_drv.c PCI_IDS_GAUDI2). */
export const PCI_IDS_GAUDI2 = 0x1020;

/**
 * Virtual time the model's queue spends per packet. The kernel does not know
 * it (the QMAN runs the CB); the model needs some, and a short one keeps a
 * 64-packet CS well under any timeout.
 */
export const PACKET_NS = 1_000n;
/** Virtual time of a hard reset (hl_device_reset with HL_DRV_RESET_HARD): the device is IN_RESET meanwhile. */
export const HARD_RESET_NS = 2_000_000_000n;

export interface HabanalabsParams {
  /** timeout_locked: seconds; 0 = no CS timeout (MAX_SCHEDULE_TIMEOUT). */
  readonly timeoutLockedS: number;
  /** reset_on_lockup: 1 resets on a CS timeout, 0 only marks the device as needing one. */
  readonly resetOnLockup: boolean;
  readonly defects: SimModelDefects;
}

/** The module parameters as /sys/module/habanalabs/parameters shows them (all 0444). */
export const DEFAULT_PARAMS: Readonly<Record<string, string>> = {
  timeout_locked: String(DEFAULT_TIMEOUT_LOCKED_S),
  reset_on_lockup: '1',
  memory_scrub: '0',
};

export function parseParams(params: Readonly<Record<string, string>>, defects: SimModelDefects): HabanalabsParams {
  const int = (name: string): number => {
    const text = params[name] ?? DEFAULT_PARAMS[name] ?? '0';
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`habanalabs: module parameter ${name}=${text} is not a non-negative integer`);
    return n;
  };
  return { timeoutLockedS: int('timeout_locked'), resetOnLockup: int('reset_on_lockup') !== 0, defects };
}
