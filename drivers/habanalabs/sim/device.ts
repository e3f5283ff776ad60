/**
 * State of one simulated habanalabs device (struct hl_device) and of its one
 * compute context (struct hl_ctx / hl_fpriv): status and resets (device.c),
 * command buffers (command_buffer.c, memory_mgr.c), device memory
 * (memory.c) and command submissions with their fences
 * (command_submission.c). The ioctl handlers are in ioctls.ts.
 *
 * Modelled at the uAPI boundary only (the kernel leaves it to the ASIC):
 * what a queue does with a CB. The model's QMAN fetches the CB at the
 * chunk's device VA; a NOP packet (gaudi2_packets.h PACKET_NOP) takes
 * PACKET_NS; a FENCE packet waits on a fence counter that nothing in the
 * model ever increments (an endless job); any other opcode, or a VA that is
 * not a mapped CB, stops the queue (what an undefined opcode or an MMU page
 * fault does to a real one): the CS never completes, so the TDR fires.
 *
 * Simplification: a hard reset does not SIGKILL the processes holding the
 * device (device.c device_kill_open_processes); their context survives.
 */
import type { Timer } from '../../sim/kernel/clock';
import type { DrmDevice, DrmFile } from '../../sim/kernel/drm/driver';
import { PAGE_SIZE } from '../../sim/kernel/drm/driver';
import {
  HL_DEVICE_STATUS_IN_RESET,
  HL_DEVICE_STATUS_IN_RESET_AFTER_DEVICE_RELEASE,
  HL_DEVICE_STATUS_NEEDS_RESET,
  HL_DEVICE_STATUS_OPERATIONAL,
  HL_MMAP_TYPE_CB,
} from '../uapi';
import { CB_VA_BASE, HARD_RESET_NS, MAX_PENDING_CS, PACKET_NS, type HabanalabsParams } from './config';

/** gaudi2_packets.h: enum packet_id and GAUDI2_PKT_CTL_OPCODE_SHIFT/MASK of the ctl word (bytes 4-7 of a packet). */
export const PACKET_FENCE = 0x8;
export const PACKET_NOP = 0xa;
export const PKT_CTL_OPCODE_SHIFT = 24;
export const PKT_CTL_OPCODE_MASK = 0x1f000000;

/** A command buffer (struct hl_cb in a struct hl_mmap_mem_buf). */
export interface HlCb {
  readonly id: number;
  /** buf->handle: (id | HL_MMAP_TYPE_CB >> PAGE_SHIFT) << PAGE_SHIFT, the mmap offset too. */
  readonly handle: bigint;
  readonly size: number;
  readonly memory: Buffer;
  /** The device VA when created with HL_CB_FLAGS_MAP, else null. */
  readonly deviceVa: bigint | null;
  /** atomic cs_cnt: CSs that used it. */
  csCnt: number;
  handleDestroyed: boolean;
  mapped: boolean;
  /** kref: the handle's, each mapping's. */
  refs: number;
}

/** An allocation of device memory (struct hl_vm_phys_pg_pack). */
export interface HlPhysPack {
  readonly handle: number;
  readonly totalSize: bigint;
  mappingCnt: number;
}

/** A device VA mapping of device memory (struct hl_vm_hash_node). */
export interface HlMapping {
  readonly pack: HlPhysPack;
  /** hnode->export_cnt: dma-bufs exported from it (it cannot be unmapped meanwhile). */
  exportCnt: number;
}

export type CsOutcome = 'completed' | 'timedout' | 'aborted';

/** A command submission and its fence (struct hl_cs, struct hl_fence). */
export interface HlCs {
  readonly seq: bigint;
  readonly timestamp: boolean;
  readonly skipResetOnTimeout: boolean;
  outcome: CsOutcome | null;
  completedAtNs: bigint | null;
  doneTimer: Timer | null;
  tdrTimer: Timer | null;
}

/** One open compute file: hl_fpriv with its hl_ctx. */
export interface HlContext {
  readonly file: DrmFile;
  /** ctx->cs_sequence: the next sequence number, from 1. */
  csSequence: bigint;
  /** ctx->cs_pending: fences by seq & (MAX_PENDING_CS - 1). */
  readonly pending: (HlCs | null)[];
  /** hpriv->mem_mgr: CBs by idr id. */
  readonly cbs: Map<number, HlCb>;
  /** ctx->cb_va_pool: next free VA. */
  nextCbVa: bigint;
  /** ctx->mem_hash: device VAs of MEMORY MAP. */
  readonly mappings: Map<bigint, HlMapping>;
  /** dma-bufs exported from the context and not yet released (each holds the compute file). */
  liveExports: number;
  /** The file was closed while dma-bufs held it: its release waits for the last one. */
  fileHeld: boolean;
  nextDramVa: bigint;
  released: boolean;
}

export class HlDevice {
  /** hdev->is_compute_ctx_active / compute_ctx_in_release. */
  ctx: HlContext | null = null;
  computeCtxInRelease = false;
  /** reset_info.in_reset (hard reset running) and needs_reset. */
  inReset = false;
  inResetAfterRelease = false;
  needsReset = false;
  hardResetCnt = 0;
  computeResetCnt = 0;
  openCounter = 0;
  /** hdev->in_debug. */
  inDebug = false;
  dramUsed = 0n;
  /** vm->phys_pg_pack_handles: device-wide, from 1. */
  readonly physPacks = new Map<number, HlPhysPack>();
  nextPhysHandle = 1;
  /** Control-node files open (hdev->fpriv_ctrl_list). */
  controlOpens = 0;
  /** The last CS that timed out (captured_err_info.cs_timeout). */
  lastCsTimeout: { seq: bigint; atNs: bigint } | null = null;

  constructor(
    readonly drm: DrmDevice,
    readonly params: HabanalabsParams,
  ) {}

  get defects(): HabanalabsParams['defects'] {
    return this.params.defects;
  }

  /** hl_device_status (device.c). */
  status(): number {
    if (this.inResetAfterRelease) return HL_DEVICE_STATUS_IN_RESET_AFTER_DEVICE_RELEASE;
    if (this.inReset) return HL_DEVICE_STATUS_IN_RESET;
    if (this.needsReset) return HL_DEVICE_STATUS_NEEDS_RESET;
    return HL_DEVICE_STATUS_OPERATIONAL;
  }

  /** hl_device_operational: OPERATIONAL and IN_DEVICE_CREATION are. */
  operational(): boolean {
    return this.status() === HL_DEVICE_STATUS_OPERATIONAL;
  }

  newContext(file: DrmFile): HlContext {
    return {
      file,
      csSequence: 1n,
      pending: Array.from({ length: MAX_PENDING_CS }, () => null),
      cbs: new Map(),
      nextCbVa: CB_VA_BASE,
      mappings: new Map(),
      liveExports: 0,
      fileHeld: false,
      nextDramVa: 0n,
      released: false,
    };
  }

  /** hl_mmap_mem_buf_alloc: idr_alloc(&mmg->handles, buf, 1, 0): lowest free id from 1. */
  allocCbId(ctx: HlContext): number {
    let id = 1;
    while (ctx.cbs.has(id)) id++;
    return id;
  }

  cbHandle(id: number): bigint {
    return BigInt(id) * BigInt(PAGE_SIZE) | HL_MMAP_TYPE_CB;
  }

  /** hl_mmap_mem_buf_get: idr_find on lower_32_bits(handle >> PAGE_SHIFT). */
  cbLookup(ctx: HlContext, handle: bigint): HlCb | null {
    const id = Number(BigInt.asUintN(32, handle >> 12n));
    return ctx.cbs.get(id) ?? null;
  }

  /** hl_mmap_mem_buf_put: the buffer goes with its last reference. */
  cbPut(ctx: HlContext, cb: HlCb): void {
    cb.refs--;
    if (cb.refs <= 0 && ctx.cbs.get(cb.id) === cb) ctx.cbs.delete(cb.id);
  }

  /** The CB a queue fetches from `va` (the context's MMU), or null: a page fault. */
  cbAtVa(ctx: HlContext, va: bigint, size: number): HlCb | null {
    for (const cb of ctx.cbs.values()) {
      if (cb.deviceVa !== null && va >= cb.deviceVa && va + BigInt(size) <= cb.deviceVa + BigInt(cb.memory.length)) return cb;
    }
    return null;
  }

  /**
   * The model's QMAN: the virtual time the packets of `size` bytes at `va`
   * take, or null when the queue never finishes them (see the file comment).
   */
  runTime(ctx: HlContext, va: bigint, size: number): bigint | null {
    const cb = this.cbAtVa(ctx, va, size);
    if (!cb || cb.deviceVa === null) return null;
    const start = Number(va - cb.deviceVa);
    let ns = 0n;
    for (let off = 0; off + 8 <= size; off += 8) {
      const ctl = cb.memory.readUInt32LE(start + off + 4);
      const opcode = (ctl & PKT_CTL_OPCODE_MASK) >>> PKT_CTL_OPCODE_SHIFT;
      if (opcode !== PACKET_NOP) return null;
      ns += PACKET_NS;
    }
    return ns;
  }

  /** The pending fence of `seq` (hl_ctx_get_fence_locked), undefined when never issued, null when gone. */
  fence(ctx: HlContext, seq: bigint): HlCs | null | undefined {
    if (seq >= ctx.csSequence) return undefined;
    if (seq + BigInt(MAX_PENDING_CS) < ctx.csSequence) return null;
    const cs = ctx.pending[Number(seq & BigInt(MAX_PENDING_CS - 1))] ?? null;
    return cs && cs.seq === seq ? cs : null;
  }

  inFlight(ctx: HlContext): HlCs[] {
    return ctx.pending.filter((c): c is HlCs => c !== null && c.outcome === null);
  }

  finish(ctx: HlContext, cs: HlCs, outcome: CsOutcome): void {
    if (cs.outcome !== null) return;
    cs.outcome = outcome;
    cs.completedAtNs = this.drm.clock.nowNs();
    cs.doneTimer?.cancel();
    cs.tdrTimer?.cancel();
    if (ctx.released && this.inFlight(ctx).length === 0) this.releaseContext(ctx);
  }

  /**
   * cs_timedout: with reset_on_lockup (default) a TDR hard reset
   * (hl_device_cond_reset(HL_DRV_RESET_TDR); Gaudi2 has no inference soft
   * reset, so it is hard); without it only needs_reset.
   */
  csTimedOut(ctx: HlContext, cs: HlCs): void {
    if (cs.outcome !== null) return;
    if (!this.lastCsTimeout) this.lastCsTimeout = { seq: cs.seq, atNs: this.drm.clock.nowNs() };
    if (cs.skipResetOnTimeout) return;
    this.finish(ctx, cs, 'timedout');
    if (this.defects.has('hl-cs-no-reset-on-timeout')) return;
    if (!this.params.resetOnLockup) {
      this.needsReset = true;
      return;
    }
    this.hardReset();
    if (this.defects.has('hl-cs-double-reset')) this.hardReset();
  }

  /** hl_device_reset(HL_DRV_RESET_HARD): every CS in flight is aborted (fence error -EIO), then IN_RESET for HARD_RESET_NS. */
  hardReset(): void {
    const ctx = this.ctx;
    if (ctx) for (const cs of this.inFlight(ctx)) this.finish(ctx, cs, 'aborted');
    this.inReset = true;
    this.needsReset = false;
    this.inDebug = false;
    if (this.defects.has('hl-reset-stuck')) return;
    this.drm.clock.after(HARD_RESET_NS, () => {
      this.inReset = false;
      this.hardResetCnt++;
    });
  }

  /** hl_release_dmabuf: the mapping's export count and the file reference go; the last one may release the file. */
  exportReleased(ctx: HlContext, m: HlMapping): void {
    m.exportCnt--;
    ctx.liveExports--;
    if (ctx.liveExports === 0 && ctx.fileHeld) {
      ctx.fileHeld = false;
      ctx.released = true;
      if (this.ctx !== ctx) return;
      this.computeCtxInRelease = true;
      if (this.inFlight(ctx).length === 0) this.releaseContext(ctx);
    }
  }

  /**
   * hpriv_release, once the last CS of a released file is done: Gaudi2
   * resets on every device release (reset_upon_device_release, a compute
   * reset not counted in compute_reset_cnt), then the device is free.
   */
  releaseContext(ctx: HlContext): void {
    if (this.ctx !== ctx) return;
    for (const m of ctx.mappings.values()) m.pack.mappingCnt = Math.max(0, m.pack.mappingCnt - 1);
    ctx.mappings.clear();
    ctx.cbs.clear();
    this.ctx = null;
    this.computeCtxInRelease = false;
    this.needsReset = false;
  }
}
