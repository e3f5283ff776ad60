/**
 * The simulated XDNA NPU behind sim:amdxdna: struct amdxdna_dev with one
 * AIE2 device of the NPU4 kind (PCI 1022:17f0 rev 0x10, npu4_regs.c), its
 * clients (struct amdxdna_client, one per open file), their BOs and hardware
 * contexts (struct amdxdna_hwctx with the aie2 private part, aie2_ctx.c).
 *
 * The firmware is modelled at the uAPI boundary only. A context's commands
 * go to the firmware as aie2_sched_job_run posts them (credit_limit and
 * job_sem are HWCTX_MAX_CMDS = 4, so every accepted command is on the
 * firmware at once) and the firmware runs them in order; what a compute unit
 * does is decided by the PDI it was configured with, which the model cannot
 * execute: it knows the modelled PDIs of drivers/amdxdna/pdi.ts (one that
 * completes, one that never does) and answers an error status for any other.
 */
import type { DrmDevice, DrmFile, DrmSyncobj, GemObject } from '../../sim/kernel/drm/driver';
import { DmaFence } from '../../sim/kernel/dma-buf/dma-fence';
import type { Timer } from '../../sim/kernel/clock';
import { AMDXDNA_INVALID_ADDR, amdxdna_qos_info } from '../uapi';
import { classifyPdi, type PdiKind } from '../pdi';

/** npu4_regs.c / aie2_pci.h facts of the modelled device. */
export const NPU4 = {
  /** AIE2_DEVM_BASE: device address of the first heap byte. */
  devMemBase: 0x4000000n,
  /** AIE2_DEVM_SIZE: a heap BO's size must be a multiple of it. */
  devMemSize: 64 * 1024 * 1024,
  /** AIE2_DEVM_MAX_SIZE: a client's heaps together (npu4 dev_heap_max_size). */
  devHeapMaxSize: 512 * 1024 * 1024,
  /** dev_mem_buf_shift 15: DEV BOs are 32 KiB aligned. */
  devMemBufShift: 15,
  /** first_col. */
  firstCol: 0,
  /** hwctx_limit. */
  hwctxLimit: 16,
  /** Firmware facts (AIE metadata): columns, core rows. Modelled values, as an NPU4's firmware reports them. */
  cols: 8,
  coreRows: 4,
} as const;

/** aie2_pci.h HWCTX_MAX_CMDS: job_sem and the scheduler's credit limit. */
export const HWCTX_MAX_CMDS = 4;
/** aie2_msg_priv.h MAX_CHAIN_CMDBUF_SIZE: each of a context's four command buffers (DEV BOs). */
export const MAX_CHAIN_CMDBUF_SIZE = 4096;
/** amdxdna_ctx.c MAX_HWCTX_ID, MAX_ARG_COUNT. */
export const MAX_HWCTX_ID = 255;
export const MAX_ARG_COUNT = 4095;
/** aie2_msg_priv.h MAX_NUM_CUS. */
export const MAX_NUM_CUS = 32;
/** How long the modelled firmware takes for a command that completes. */
export const FW_EXEC_NS = 10_000n;
/** aie2_hwctx_wait_for_idle: destroy waits at most this for the last command. */
export const IDLE_WAIT_NS = 2_000_000_000n;
/**
 * One jiffy at Debian's HZ=250: the TDR work never runs before its expiry
 * and the timer wheel runs it at least a tick later, which is why
 * aie2_tdr_detect's strict time_after() sees the expired window.
 */
export const JIFFY_NS = 4_000_000n;

/* amdxdna_ctx.h: command header and states. */
export const ERT_START_CU = 0;
export const ERT_START_DPU = 18;
export const ERT_CMD_CHAIN = 19;
export const ERT_START_NPU = 20;
export const ERT_CMD_STATE_NEW = 1;
export const ERT_CMD_STATE_COMPLETED = 4;
export const ERT_CMD_STATE_ERROR = 5;
export const ERT_CMD_STATE_ABORT = 6;
export const ERT_CMD_STATE_TIMEOUT = 8;

export type XdnaBoType = 'share' | 'dev-heap' | 'dev';

/** struct amdxdna_gem_obj's driver part. */
export interface XdnaBo {
  readonly type: XdnaBoType;
  /** BO usage: CMD and heap BOs are internal (amdxdna_drm_create_share_bo). */
  readonly internal: boolean;
  /** abo->client: set at the first handle (amdxdna_gem_obj_open), always for DEV BOs. */
  client: XdnaClient | null;
  /** Heap BO: its device address (dev_mem_base + the client's heap total before it). */
  devAddr: bigint;
  /** DEV BO: its range in the client's heap allocator. */
  node: { readonly start: bigint; readonly size: number } | null;
  /** DEV BO: the heap it lives in (one heap: the model never spans heaps). */
  heap: GemObject | null;
  /** abo->mem.uva: where user space mapped it, AMDXDNA_INVALID_ADDR until then. */
  uva: bigint;
  /** Live user mappings (amdxdna_umap entries). */
  maps: number;
  /** Made by amdxdna_gem_prime_import. */
  readonly imported: boolean;
  /** abo->assigned_hwctx (debug BOs). */
  assignedHwctx: number;
}

export function xdnaBo(obj: GemObject): XdnaBo {
  return obj.driverPriv as XdnaBo;
}

/** amdxdna_gem_dev_addr. */
export function devAddrOf(obj: GemObject): bigint {
  const bo = xdnaBo(obj);
  if (bo.type === 'dev-heap') return bo.devAddr;
  if (bo.type === 'dev') return bo.node?.start ?? AMDXDNA_INVALID_ADDR;
  // SHARE BOs are reached through the PASID: the device address is the user address (amdxdna_obj_dma_addr).
  return bo.uva;
}

/** struct amdxdna_cu_config as CONFIG_CU kept it. */
export interface CuConfig {
  readonly cuBo: number;
  readonly cuFunc: number;
}

/** One command (struct amdxdna_sched_job). */
export interface XdnaJob {
  readonly seq: bigint;
  readonly cmdBo: GemObject;
  readonly args: readonly GemObject[];
  /** job->out_fence: the scheduler's finished fence, what the syncobj point holds. */
  readonly fence: DmaFence;
  /** The CU the command starts, decided when it was posted. */
  readonly cu: number;
  /** job->job_timeout. */
  timedOut: boolean;
  done: boolean;
}

export type QosInfo = ReturnType<typeof amdxdna_qos_info.decode>;

/** struct amdxdna_hwctx + amdxdna_hwctx_priv. */
export interface XdnaHwctx {
  readonly id: number;
  readonly client: XdnaClient;
  readonly qos: QosInfo;
  readonly numTiles: number;
  readonly numCol: number;
  readonly startCol: number;
  readonly syncobj: DrmSyncobj;
  readonly syncobjHandle: number;
  readonly heap: GemObject;
  readonly cmdBufs: readonly GemObject[];
  cus: readonly CuConfig[] | null;
  /** What the firmware loaded for each CU at the last configuration (aie2_config_cu). */
  cuKinds: readonly PdiKind[];
  seq: bigint;
  completed: bigint;
  /** Commands on the firmware, oldest first. */
  readonly inflight: XdnaJob[];
  /** The firmware command running now, and its completion timer. */
  running: { readonly job: XdnaJob; readonly timer: Timer | null } | null;
  /** The scheduler's TDR timer (drm_sched_start_timeout). */
  tdr: Timer | null;
  /** While destroy holds dev_lock the timeout handler cannot run (aie2_sched_job_timedout takes it). */
  tdrHeld: boolean;
  destroyed: boolean;
  restarts: number;
}

/** struct amdxdna_client. */
export interface XdnaClient {
  readonly file: DrmFile;
  readonly pid: number;
  readonly hwctxs: Map<number, XdnaHwctx>;
  /** client->next_hwctxid (xa_alloc_cyclic). */
  nextHwctxId: number;
  /** dev_heap_xa, by heap id. */
  readonly heaps: GemObject[];
  totalHeapSize: number;
  /** dev_heap_mm: the DEV BO ranges in use, sorted. */
  readonly heapNodes: { start: bigint; size: number }[];
  heapUsage: number;
  totalBoUsage: number;
  totalIntBoUsage: number;
  closed: boolean;
}

export class XdnaDevice {
  readonly clients: XdnaClient[] = [];
  /** dev_handle->last_signal_ts: the last post or completion on ANY context (aie2_tdr_signal). */
  lastSignalNs = 0n;
  /** ndev->pw_mode (GET/SET_POWER_MODE). */
  powerMode = 0;
  forcePreempt = 0;
  frameBoundaryPreempt = 0;
  openedOnce = false;

  constructor(
    readonly drm: DrmDevice,
    /** tdr_timeout_ms in ns; null when 0 disables it. */
    readonly tdrNs: bigint | null,
    readonly defects: ReadonlySet<string>,
  ) {}

  has(defect: string): boolean {
    return this.defects.has(defect);
  }

  get now(): bigint {
    return this.drm.clock.nowNs();
  }

  /** amdxdna_cmd_set_state / amdxdna_cmd_set_error: the header's state bits; an error fills the payload with 0xff. */
  setCmdState(obj: GemObject, state: number, error: boolean): void {
    const mem = obj.memory;
    const header = mem.readUInt32LE(0);
    mem.writeUInt32LE(((header & ~0xf) | state) >>> 0, 0);
    if (error) mem.fill(0xff, 4);
  }

  /**
   * aie2_cmd_submit after the checks: the job's out fence becomes point
   * `seq` of the context's syncobj and a WRITE fence of every argument BO,
   * then the scheduler runs it at once (credit_limit covers job_sem).
   */
  push(ctx: XdnaHwctx, cmdBo: GemObject, args: readonly GemObject[]): bigint {
    const seq = ctx.seq++;
    const fence = new DmaFence(`hwctx.${ctx.client.pid}.${ctx.id}`);
    for (const a of args) a.resv.add(fence, 'write');
    if (this.has('syncobj-point-missing')) ctx.syncobj.replaceFence(fence);
    else ctx.syncobj.addPoint(fence, seq);
    const job: XdnaJob = { seq, cmdBo, args, fence, cu: cuIndex(cmdBo), timedOut: false, done: false };
    ctx.inflight.push(job);
    this.runJob(ctx, job);
    return seq;
  }

  /** aie2_sched_job_run: NEW into the header, the command slot filled, posted to the mailbox. */
  private runJob(ctx: XdnaHwctx, job: XdnaJob): void {
    this.setCmdState(job.cmdBo, ERT_CMD_STATE_NEW, false);
    const refused = fillSlotError(job.cmdBo);
    if (refused !== 0) {
      // run_job returns ERR_PTR: drm_sched finishes the job with that error; the header stays NEW.
      job.fence.setError(-refused);
      this.finish(ctx, job);
      return;
    }
    // drm_sched_job_begin arms the timeout for the first job on the hardware.
    if (!ctx.tdr) this.armTdr(ctx);
    this.lastSignalNs = this.now;
    this.pumpFirmware(ctx);
  }

  /** The firmware runs a context's commands one after another. */
  private pumpFirmware(ctx: XdnaHwctx): void {
    if (ctx.running || ctx.destroyed) return;
    const job = ctx.inflight.find((j) => !j.done);
    if (!job) return;
    const kind: PdiKind | 'no-cu' = job.cu < ctx.cuKinds.length ? (ctx.cuKinds[job.cu] as PdiKind) : 'no-cu';
    if (kind === 'hang') {
      ctx.running = { job, timer: null };
      return;
    }
    const timer = this.drm.clock.after(FW_EXEC_NS, () => {
      ctx.running = null;
      // aie2_sched_cmdlist_resp_handler: success -> COMPLETED, a failed command -> ERROR.
      this.respond(ctx, job, kind === 'nop' ? 'ok' : 'error');
      this.pumpFirmware(ctx);
    });
    ctx.running = { job, timer };
  }

  /** The mailbox response handler of one command: data (ok/error) or none (the channel went away). */
  private respond(ctx: XdnaHwctx, job: XdnaJob, how: 'ok' | 'error' | 'released'): void {
    if (job.done) return;
    if (job.timedOut) {
      // aie2_set_cmd_timeout; before the Dec 2025 fix (defect) every command of the stopped channel said ABORT.
      this.setCmdState(job.cmdBo, this.has('timeout-state-abort') ? ERT_CMD_STATE_ABORT : ERT_CMD_STATE_TIMEOUT, true);
    } else if (how === 'released') this.setCmdState(job.cmdBo, ERT_CMD_STATE_ABORT, true);
    else if (how === 'ok') this.setCmdState(job.cmdBo, ERT_CMD_STATE_COMPLETED, false);
    else this.setCmdState(job.cmdBo, ERT_CMD_STATE_ERROR, true);
    // aie2_sched_notify.
    this.lastSignalNs = this.now;
    ctx.completed++;
    this.finish(ctx, job);
    // drm_sched_job_done -> the timeout restarts for the next pending job, or stops.
    ctx.tdr?.cancel();
    ctx.tdr = null;
    if (ctx.inflight.length > 0 && !ctx.destroyed) this.armTdr(ctx);
  }

  /** The finished fence signals, the job is freed (aie2_sched_job_free): BO references and job_sem back. */
  private finish(ctx: XdnaHwctx, job: XdnaJob): void {
    job.done = true;
    job.fence.signal();
    const i = ctx.inflight.indexOf(job);
    if (i >= 0) ctx.inflight.splice(i, 1);
    for (const a of job.args) a.put();
    job.cmdBo.put();
    this.drm.clock.kick();
  }

  private armTdr(ctx: XdnaHwctx): void {
    if (this.tdrNs === null || ctx.destroyed) return;
    ctx.tdr = this.drm.clock.after(this.tdrNs + JIFFY_NS, () => this.timedOut(ctx));
  }

  /** drm_sched_job_timedout -> aie2_sched_job_timedout. */
  private timedOut(ctx: XdnaHwctx): void {
    ctx.tdr = null;
    if (ctx.destroyed) return;
    if (ctx.tdrHeld || this.tdrNs === null || this.now <= this.lastSignalNs + this.tdrNs) {
      // aie2_tdr_detect: something was posted or completed on the device within the window
      // (DRM_GPU_SCHED_STAT_NO_HANG): the scheduler re-arms the timeout.
      this.armTdr(ctx);
      return;
    }
    const guilty = ctx.inflight.find((j) => !j.done);
    if (!guilty) return;
    guilty.timedOut = true;
    ctx.restarts++;
    // aie2_hwctx_stop: aie2_destroy_context releases every message of the channel.
    this.stopFirmware(ctx);
    // aie2_hwctx_restart: a new firmware context with the same CUs; later commands run.
    this.armTdr(ctx);
    this.pumpFirmware(ctx);
  }

  /** xdna_mailbox_stop/free_channel: each pending message's handler runs with no data. */
  stopFirmware(ctx: XdnaHwctx): void {
    ctx.running?.timer?.cancel();
    ctx.running = null;
    for (const job of [...ctx.inflight]) this.respond(ctx, job, 'released');
  }

  /**
   * aie2_hwctx_fini after the idle wait: stop (every command still on the
   * firmware ends ABORT), the scheduler torn down, the syncobj reference
   * dropped (the handle stays the file's), the heap unpinned.
   */
  finiHwctx(ctx: XdnaHwctx): void {
    ctx.tdr?.cancel();
    ctx.tdr = null;
    if (this.has('destroy-keeps-pending')) {
      // The defect: the firmware context is not destroyed, its commands are dropped unanswered
      // (their headers keep the NEW that run_job wrote).
      ctx.destroyed = true;
      ctx.running?.timer?.cancel();
      ctx.running = null;
      for (const job of [...ctx.inflight]) this.finish(ctx, job);
    } else {
      this.stopFirmware(ctx);
      ctx.destroyed = true;
    }
    ctx.syncobj.put();
    for (const b of ctx.cmdBufs) b.put();
    ctx.heap.put();
  }
}

/** AMDXDNA_CMD_OPCODE of the header (bits 27-23). */
export function cmdOpcode(obj: GemObject): number {
  return (obj.memory.readUInt32LE(0) >>> 23) & 0x1f;
}

/** amdxdna_cmd_get_cu_idx: the first set bit of the CU masks; ~0 when none or a chain. */
export function cuIndex(obj: GemObject): number {
  const mem = obj.memory;
  if (cmdOpcode(obj) === ERT_CMD_CHAIN) return -1;
  const masks = 1 + ((mem.readUInt32LE(0) >>> 10) & 0x3);
  for (let i = 0; i < masks; i++) {
    const off = 4 + 4 * i;
    if (off + 4 > mem.length) break;
    const m = mem.readUInt32LE(off);
    if (m) return 31 - Math.clz32(m & -m);
  }
  return -1;
}

/**
 * aie2_cmdlist_single_execbuf -> aie2_cmdlist_fill_slot (force_cmdlist is
 * on by default): the errno run_job fails with, or 0. START_CU and
 * START_NPU need a CU in their masks (EINVAL); START_NPU a payload at least
 * struct amdxdna_cmd_start_npu (EINVAL); preemption opcodes need a firmware
 * feature the model's firmware lacks (EOPNOTSUPP), as every other opcode.
 * Chains (ERT_CMD_CHAIN) are not modelled: EOPNOTSUPP.
 */
export function fillSlotError(obj: GemObject): number {
  const EINVAL = 22;
  const EOPNOTSUPP = 95;
  const op = cmdOpcode(obj);
  if (op !== ERT_START_CU && op !== ERT_START_NPU) return EOPNOTSUPP;
  if (op === ERT_START_NPU) {
    const header = obj.memory.readUInt32LE(0);
    const count = (header >>> 12) & 0x7ff;
    const masks = 1 + ((header >>> 10) & 0x3);
    const payload = count > masks && count * 4 + 4 <= obj.size ? (count - masks) * 4 : 0;
    // sizeof(struct amdxdna_cmd_start_npu) = 16.
    if (payload < 16) return EINVAL;
  }
  return cuIndex(obj) < 0 ? EINVAL : 0;
}

/** The memory of a DEV BO: its range of the heap's pages (amdxdna_gem_dev_obj_vmap). */
export function devBoBytes(obj: GemObject): Buffer {
  const bo = xdnaBo(obj);
  if (!bo.heap || !bo.node) return obj.memory;
  const off = Number(bo.node.start - xdnaBo(bo.heap).devAddr);
  return bo.heap.memory.subarray(off, off + bo.node.size);
}

/** The PDI a configured CU runs, read from its DEV BO at configuration time (aie2_config_cu sends its address). */
export function pdiKindOf(cuBo: GemObject): PdiKind {
  return classifyPdi(devBoBytes(cuBo));
}
