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

/** The key of the head node's hole in VpuAddressSpace.holeSeq (no node starts below 0). */
const HEAD = -1n;

/** A hole of a drm_mm: the free space after the node starting at `owner` (HEAD: before the first node). */
interface Hole {
  readonly owner: bigint;
  readonly start: bigint;
  readonly end: bigint;
  /** When drm_mm.c add_hole last inserted it into holes_size: ties in size are walked newest first. */
  readonly seq: number;
}

/**
 * drm_mm of one MMU context (ivpu_mmu_context.c ivpu_mmu_context_init: one
 * drm_mm over [min(user.start, shave.start), max(user.end, dma.end)), so the
 * SHAVE and user ranges share its holes; ivpu_mmu_context_insert_node picks
 * the range).
 */
export class VpuAddressSpace {
  /** Allocated nodes [start, end), sorted by start. */
  private nodes: AddrRange[] = [];
  /** holes_size: the add_hole sequence number of the hole following each node start (-1n: the head node). */
  private readonly holeSeq = new Map<bigint, number>();
  private seq = 0;

  constructor(private readonly mm: AddrRange) {
    this.holeSeq.set(HEAD, ++this.seq);
  }

  /**
   * ivpu_mmu_context.c ivpu_mmu_context_insert_node: objects of
   * IVPU_MMU_CONT_PAGES_SIZE or more try that alignment first, then 4 KiB,
   * each a drm_mm_insert_node_in_range(..., DRM_MM_INSERT_BEST) in `range`.
   * Null when nothing fits (-ENOSPC).
   */
  insert(range: AddrRange, size: bigint): bigint | null {
    if (size >= BigInt(IVPU_MMU_CONT_PAGES_SIZE)) {
      const at = this.insertInRange(range, size, BigInt(IVPU_MMU_CONT_PAGES_SIZE));
      if (at !== null) return at;
    }
    return this.insertInRange(range, size, 4096n);
  }

  /** drm_mm.c drm_mm_remove_node: the node's own hole and its predecessor's merge into one, added anew. */
  remove(start: bigint): void {
    const i = this.nodes.findIndex((n) => n.start === start);
    if (i < 0) return;
    const prev = i === 0 ? HEAD : (this.nodes[i - 1] as AddrRange).start;
    this.nodes.splice(i, 1);
    this.holeSeq.delete(start);
    this.holeSeq.set(prev, ++this.seq);
  }

  get count(): number {
    return this.nodes.length;
  }

  /** Every non-empty hole of the mm (drm_mm_hole_follows). */
  private holes(): Hole[] {
    const out: Hole[] = [];
    let owner = HEAD;
    let cursor = this.mm.start;
    const push = (end: bigint): void => {
      if (end > cursor) out.push({ owner, start: cursor, end, seq: this.holeSeq.get(owner) ?? 0 });
    };
    for (const n of this.nodes) {
      push(n.start);
      owner = n.start;
      cursor = n.end;
    }
    push(this.mm.end);
    return out;
  }

  /**
   * drm_mm.c drm_mm_insert_node_in_range, DRM_MM_INSERT_BEST: best_hole()
   * starts at the smallest hole whose FULL size fits (holes_size is ordered by
   * hole_size, equal sizes newest first), next_hole() walks to larger ones;
   * only then is each hole clipped to the range and aligned.
   */
  private insertInRange(range: AddrRange, size: bigint, align: bigint): bigint | null {
    if (size === 0n || range.end - range.start < size) return null;
    const holes = this.holes();
    if (!holes.some((h) => h.end - h.start >= size)) return null;
    const walk = holes
      .filter((h) => h.end - h.start >= size)
      .sort((a, b) => {
        const d = a.end - a.start - (b.end - b.start);
        return d < 0n ? -1 : d > 0n ? 1 : b.seq - a.seq;
      });
    for (const h of walk) {
      const lo = h.start > range.start ? h.start : range.start;
      const hi = h.end < range.end ? h.end : range.end;
      if (hi <= lo || hi - lo < size) continue;
      const rem = lo % align;
      const at = rem ? lo - rem + align : lo;
      if (hi - at < size) continue;
      this.take(h, at, size);
      return at;
    }
    return null;
  }

  /** The tail of drm_mm_insert_node_in_range: rm_hole(hole), add_hole(hole) if space is left before, add_hole(node) if after. */
  private take(hole: Hole, start: bigint, size: bigint): void {
    this.holeSeq.delete(hole.owner);
    if (start > hole.start) this.holeSeq.set(hole.owner, ++this.seq);
    if (start + size < hole.end) this.holeSeq.set(start, ++this.seq);
    this.nodes.push({ start, end: start + size });
    this.nodes.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  }
}

/** struct ivpu_ms_instance, with the stand-in firmware's view of it. */
export interface MsInstance {
  readonly mask: bigint;
  readonly periodNs: bigint;
  readonly sampleSize: number;
  /** ms->buff_size: half the BO. */
  readonly buffSize: number;
  /** When the firmware started filling the active buffer (START or the last swap). */
  activeSinceNs: bigint;
  /** Sequence number of the next sample the firmware writes. */
  nextSample: bigint;
  /** ms->leftover_bytes at ms->leftover_addr: what the last swap returned and user space has not read. */
  leftover: Buffer;
}

/** file_priv->ms_instance_list and ms_info_bo. */
export class IvpuMetrics {
  readonly instances = new Map<bigint, MsInstance>();

  /** ivpu_ms.c ivpu_ms_cleanup: at postclose and (ivpu_ms_cleanup_all) at recovery, every instance goes. */
  clear(): void {
    this.instances.clear();
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
  /** The metric streamer instances of this file (ivpu_ms.c). */
  readonly metrics = new IvpuMetrics();

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
let boSerial = 0;

export class IvpuBo {
  /** Stands in for the struct's address where debugfs prints %p. */
  readonly serial = ++boSerial;
  ctx: IvpuFile | null = null;
  /** bo->ctx_id: set with the NPU address, kept after unbind (ivpu_gem.c ivpu_bo_alloc_vpu_addr). */
  ctxId = 0;
  vpuAddr = 0n;
  jobStatus = 0;
  mmuMapped = false;
  /** drm_gem_shmem_get_pages_sgt at ivpu_bo_bind: the pages stay until the BO is freed (ivpu_bo_unbind_locked frees only the sgt). */
  pagesPinned = false;
  /** Mappings alive: drm_gem_shmem_mmap gets the pages, drm_gem_shmem_vm_close puts them. */
  mmaps = 0;
  /** Made by BO_CREATE_FROM_USERPTR: pinned user pages behind a private dma-buf, imported. */
  userptr = false;

  constructor(
    readonly obj: GemObject,
    public flags: number,
    readonly resv: Resv,
  ) {}

  /** drm_gem_is_imported: a PRIME import or a userptr BO (both come through ivpu_gem_prime_import). */
  get imported(): boolean {
    return this.obj.imported || this.userptr;
  }
}

/** bo->base.pages != NULL: what debugfs bo_list prints as has_pages (never for an import, whose pages are the exporter's sgt). */
export function boHasPages(bo: IvpuBo): boolean {
  return !bo.imported && (bo.pagesPinned || bo.mmaps > 0);
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
