/**
 * The per-object and per-file state of sim:ivpu: struct ivpu_bo, struct
 * ivpu_file_priv with its MMU context's address allocator, struct ivpu_cmdq,
 * struct ivpu_job, and the part of a dma_resv BO_WAIT and SUBMIT look at.
 */
import type { DrmFile, GemObject } from '../../sim/kernel/drm/driver';
import type { DmaFence } from '../../sim/kernel/fence';
import { IVPU_MMU_CONT_PAGES_SIZE } from './hw';

export interface AddrRange {
  readonly start: bigint;
  readonly end: bigint;
}

/** drm_mm of one MMU context (ivpu_mmu_context.c ivpu_mmu_context_insert_node): best fit, aligned. */
export class VpuAddressSpace {
  /** Allocated nodes [start, end), sorted by start. */
  private nodes: AddrRange[] = [];

  /**
   * drm_mm_insert_node_in_range(..., DRM_MM_INSERT_BEST): the smallest hole of
   * `range` that fits; objects of 64 KiB or more try 64 KiB alignment first.
   * Null when nothing fits (-ENOSPC).
   */
  insert(range: AddrRange, size: bigint): bigint | null {
    if (size >= BigInt(IVPU_MMU_CONT_PAGES_SIZE)) {
      const at = this.bestFit(range, size, BigInt(IVPU_MMU_CONT_PAGES_SIZE));
      if (at !== null) return this.take(at, size);
    }
    const at = this.bestFit(range, size, 4096n);
    return at === null ? null : this.take(at, size);
  }

  remove(start: bigint): void {
    this.nodes = this.nodes.filter((n) => n.start !== start);
  }

  get count(): number {
    return this.nodes.length;
  }

  private take(start: bigint, size: bigint): bigint {
    this.nodes.push({ start, end: start + size });
    this.nodes.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    return start;
  }

  private bestFit(range: AddrRange, size: bigint, align: bigint): bigint | null {
    let best: { at: bigint; hole: bigint } | null = null;
    let cursor = range.start;
    const consider = (holeStart: bigint, holeEnd: bigint): void => {
      const at = ((holeStart + align - 1n) / align) * align;
      if (at + size > holeEnd) return;
      const hole = holeEnd - holeStart;
      if (!best || hole < best.hole) best = { at, hole };
    };
    for (const n of this.nodes) {
      if (n.end <= range.start || n.start >= range.end) continue;
      if (n.start > cursor) consider(cursor, n.start);
      if (n.end > cursor) cursor = n.end;
    }
    if (cursor < range.end) consider(cursor, range.end);
    return (best as { at: bigint } | null)?.at ?? null;
  }
}

export type FenceUsage = 'write' | 'bookkeep';

/**
 * The part of a dma_resv BO_WAIT (DMA_RESV_USAGE_READ) and SUBMIT's busy check
 * see: ivpu_job_prepare_bos_for_submit adds the job fence as WRITE to the
 * command buffer and as BOOKKEEP to the others, and READ waits only for
 * KERNEL, WRITE and READ fences. An import shares its exporter's (obj->resv = dma_buf->resv).
 */
export class Resv {
  private fences: { fence: DmaFence; usage: FenceUsage }[] = [];

  add(fence: DmaFence, usage: FenceUsage): void {
    this.fences = this.fences.filter((f) => !f.fence.signaled);
    this.fences.push({ fence, usage });
  }

  /** dma_resv_test_signaled(resv, DMA_RESV_USAGE_READ). */
  readSignaled(): boolean {
    return this.fences.every((f) => f.usage === 'bookkeep' || f.fence.signaled);
  }
}

export interface UserLimits {
  readonly uid: number;
  /** kref of struct ivpu_user_limits: one per file_priv alive. */
  ref: number;
  readonly maxCtx: number;
  readonly maxDb: number;
  dbCount: number;
}

/** struct ivpu_cmdq. */
export interface Cmdq {
  readonly id: number;
  readonly isLegacy: boolean;
  readonly priority: number;
  /** 0 while unregistered (ivpu_cmdq_register allocates one lazily at the first submit). */
  dbId: number;
  /** Jobs pushed and not yet taken by the firmware (job queue entries in use). */
  pending: number;
}

/** struct ivpu_file_priv and its MMU context. */
export class IvpuFile {
  /** kref: the open file plus one per job (ivpu_job_create takes ivpu_file_priv_get). */
  refs = 1;
  readonly cmdqs = new Map<number, Cmdq>();
  cmdqIdNext = 0;
  jobIdNext = 0;
  hasMmuFaults = false;
  aborted = false;
  bound = true;

  constructor(
    readonly drm: DrmFile,
    /** ctx.id: the SSID, from context_xa. */
    readonly ctxId: number,
    readonly limits: UserLimits,
    /** The MMU context's drm_mm (a device-wide one under the vpu-addr-shared defect). */
    readonly space: VpuAddressSpace,
  ) {}

  /** file_priv->job_limit: FIELD_PREP(IVPU_JOB_ID_CONTEXT_MASK, ctx.id - 1) | 0..255. */
  get jobIdMin(): number {
    return (this.ctxId - 1) << 8;
  }
}

/** struct ivpu_bo (driverPriv of the GEM object). */
export class IvpuBo {
  ctx: IvpuFile | null = null;
  vpuAddr = 0n;
  jobStatus = 0;
  mmuMapped = false;

  constructor(
    readonly obj: GemObject,
    public flags: number,
    readonly resv: Resv,
  ) {}
}

export function boOf(obj: GemObject): IvpuBo {
  const bo = obj.driverPriv;
  if (!(bo instanceof IvpuBo)) throw new Error('GEM object without ivpu_bo');
  return bo;
}

/** struct ivpu_job. */
export interface IvpuJob {
  readonly id: number;
  readonly file: IvpuFile;
  readonly cmdqId: number;
  /** One reference each, dropped at ivpu_job_destroy. */
  readonly bos: readonly GemObject[];
  /** Byte offset of the commands in bos[0]. */
  readonly cmdOffset: number;
  readonly fence: DmaFence;
  /** job->job_status: VPU_JSM_STATUS_SUCCESS until an engine error or the signal sets it. */
  status: number;
  /** The firmware already returned the job (a job-done message was sent for it). */
  fwDone: boolean;
}
