/**
 * The six habanalabs ioctls, open/release and mmap, on the simulated DRM
 * core. Each handler names the kernel function it models and checks its
 * arguments in the kernel's order, with its errno, writing the output fields
 * the kernel writes (also on error: drm_ioctl copies the struct back).
 */
import { SysError } from '../../../harness/sys/errno';
import type { DrmDevice, DrmFile, IoctlContext, IoctlReturn, OpenContext, VmArea } from '../../sim/kernel/drm/driver';
import { PAGE_SIZE } from '../../sim/kernel/drm/driver';
import {
  HL_CB_FLAGS_GET_DEVICE_VA,
  HL_CB_FLAGS_MAP,
  HL_CB_OP_CREATE,
  HL_CB_OP_DESTROY,
  HL_CB_OP_INFO,
  HL_CS_CHUNK_FLAGS_USER_ALLOC_CB,
  HL_CS_FLAGS_COLLECTIVE_WAIT,
  HL_CS_FLAGS_CUSTOM_TIMEOUT,
  HL_CS_FLAGS_ENCAP_SIGNALS,
  HL_CS_FLAGS_ENGINE_CORE_COMMAND,
  HL_CS_FLAGS_ENGINES_COMMAND,
  HL_CS_FLAGS_FLUSH_PCI_HBW_WRITES,
  HL_CS_FLAGS_RESERVE_SIGNALS_ONLY,
  HL_CS_FLAGS_SIGNAL,
  HL_CS_FLAGS_SKIP_RESET_ON_TIMEOUT,
  HL_CS_FLAGS_STAGED_SUBMISSION,
  HL_CS_FLAGS_TIMESTAMP,
  HL_CS_FLAGS_UNRESERVE_SIGNALS_ONLY,
  HL_CS_FLAGS_WAIT,
  HL_DEBUG_OP_SET_MODE,
  HL_DEBUG_OP_TIMESTAMP,
  HL_INFO_DEVICE_STATUS,
  HL_INFO_DRAM_USAGE,
  HL_INFO_HW_IDLE,
  HL_INFO_HW_IP_INFO,
  HL_INFO_OPEN_STATS,
  HL_INFO_RESET_COUNT,
  HL_INFO_CS_TIMEOUT_EVENT,
  HL_MAX_CB_SIZE,
  HL_MAX_JOBS_PER_CS,
  HL_MEM_OP_ALLOC,
  HL_MEM_OP_EXPORT_DMABUF_FD,
  HL_MEM_OP_FREE,
  HL_MEM_OP_MAP,
  HL_MEM_OP_UNMAP,
  HL_MMAP_TYPE_CB,
  HL_MMAP_TYPE_MASK,
  HL_MMAP_TYPE_TS_BUFF,
  HL_WAIT_CS_FLAGS_INTERRUPT,
  HL_WAIT_CS_FLAGS_MULTI_CS,
  HL_WAIT_CS_STATUS_ABORTED,
  HL_WAIT_CS_STATUS_BUSY,
  HL_WAIT_CS_STATUS_COMPLETED,
  HL_WAIT_CS_STATUS_FLAG_GONE,
  HL_WAIT_CS_STATUS_FLAG_TIMESTAMP_VLD,
  HL_WAIT_CS_STATUS_TIMEDOUT,
  hl_cb_in,
  hl_cb_out,
  hl_cs_chunk,
  hl_cs_in,
  hl_cs_out,
  hl_debug_args,
  hl_info_args,
  hl_info_cs_timeout_event,
  hl_info_device_status,
  hl_info_dram_usage,
  hl_info_hw_idle,
  hl_info_hw_ip_info,
  hl_info_reset_count,
  hl_mem_in,
  hl_mem_out,
  hl_open_stats_info,
  hl_wait_cs_in,
  hl_wait_cs_out,
  HL_CS_FLAGS_FORCE_RESTORE,
} from '../uapi';
import { DRAM_KMD_SIZE, DRAM_PAGE_SIZE, DRAM_SIZE, DMMU_VA_BASE, MAX_QUEUES, PCI_IDS_GAUDI2, QUEUE_ID_CPU_PQ } from './config';
import { type HlContext, type HlCs, HlDevice } from './device';

const err = (name: Parameters<typeof SysError.of>[0], why: string): SysError => SysError.of(name, 'ioctl', why);
const ULLONG_MAX = (1n << 64n) - 1n;
const ERRNO_EBADF = 9;
/** errno values as hl_cs_ioctl stores them in out.status (`args->out.status = rc`, a negative int in a u32). */
const negErrno = (e: SysError): number => -e.errno >>> 0;

function hlCtx(file: DrmFile): HlContext {
  const ctx = file.driverPriv as HlContext | null;
  if (!ctx) throw new Error('habanalabs model: a compute file without its context');
  return ctx;
}

/* ---------------- open / release (habanalabs_drv.c, device.c) ---------------- */

/** hl_device_open: EAGAIN/EPERM when not operational, EAGAIN while the last user is released, EBUSY while one is active. */
export function hlDeviceOpen(dev: HlDevice, file: DrmFile, _ctx: OpenContext): void {
  if (!dev.operational()) {
    const s = dev.status();
    throw SysError.of(dev.inReset || dev.inResetAfterRelease ? 'EAGAIN' : 'EPERM', 'open', `device status ${s}`);
  }
  if (dev.computeCtxInRelease) throw SysError.of('EAGAIN', 'open', 'another user is still releasing the device');
  if (dev.ctx && !dev.defects.has('hl-second-open-allowed')) throw SysError.of('EBUSY', 'open', 'another user is working on the device');
  const ctx = dev.newContext(file);
  // hl_ctx_create -> hl_ctx_init: the new context is THE compute context.
  dev.ctx = ctx;
  file.driverPriv = ctx;
  dev.openCounter++;
}

/** hl_device_release: the context goes when its last CS is done (hpriv refcount), EAGAIN for new opens until then. */
export function hlDeviceRelease(dev: HlDevice, file: DrmFile): void {
  const ctx = file.driverPriv as HlContext | null;
  if (!ctx) return;
  if (ctx.liveExports > 0 && !dev.defects.has('hl-export-no-file-ref')) {
    // export_dmabuf took a reference on the compute file (get_file): it is not released
    // before its last dma-buf (hl_release_dmabuf's fput), so the device stays in use.
    ctx.fileHeld = true;
    return;
  }
  ctx.released = true;
  if (dev.ctx !== ctx) return;
  dev.computeCtxInRelease = true;
  if (dev.inFlight(ctx).length === 0) dev.releaseContext(ctx);
}

/* ---------------- INFO (habanalabs_ioctl.c) ---------------- */

/**
 * The INFO reply: copy_to_user(out, &reply, min(return_size, sizeof(reply))).
 * With hl-info-stale-bytes the reply is not zeroed first, as sec_attest_info
 * was before "fix information leak in sec_attest_info()" (kmalloc, not kzalloc):
 * the bytes no field sets carry whatever the allocation held.
 */
function copyReply(dev: HlDevice, ctx: IoctlContext, pointer: bigint, returnSize: number, reply: Buffer): void {
  if (dev.defects.has('hl-info-stale-bytes')) {
    const stale = Buffer.alloc(reply.length, 0x6b);
    for (let i = 0; i < reply.length; i++) if (reply[i] !== 0) stale[i] = reply[i] as number;
    reply = stale;
  }
  ctx.copyToUser(pointer, reply.subarray(0, Math.min(returnSize, reply.length)));
}

/** hw_ip_info: the fields the driver fills from asic_prop (no firmware value: cpucp_version and card_name stay zero). */
function hwIpInfo(): Buffer {
  return hl_info_hw_ip_info.encode({
    device_id: PCI_IDS_GAUDI2,
    // dram_supports_virtual_memory: the DMMU's start; the size in whole DRAM pages.
    dram_base_address: DMMU_VA_BASE,
    dram_size: ((DRAM_SIZE - DRAM_KMD_SIZE) / DRAM_PAGE_SIZE) * DRAM_PAGE_SIZE,
    dram_enabled: 1,
    dram_page_size: DRAM_PAGE_SIZE,
    device_mem_alloc_default_page_size: DRAM_PAGE_SIZE,
  });
}

/** _hl_info_ioctl (hl_info_ioctl on the accel node, hl_info_ioctl_control on the control node). */
export function hlInfo(dev: HlDevice, data: Buffer, ctx: IoctlContext, hpriv: HlContext | null): number {
  const a = hl_info_args.decode(data);
  if (a.pad !== 0 && !dev.defects.has('hl-info-pad-unchecked')) throw err('EINVAL', 'Padding bytes must be 0');
  const need = (): void => {
    // Every reply op: `if ((!size) || (!out)) return -EINVAL`.
    if (a.return_size === 0 || a.return_pointer === 0n) throw err('EINVAL', 'no return buffer');
  };
  const reply = (b: Buffer): number => {
    need();
    copyReply(dev, ctx, a.return_pointer, a.return_size, b);
    return 0;
  };
  // Answered even when the device is disabled or in reset.
  switch (a.op) {
    case HL_INFO_HW_IP_INFO:
      return reply(hwIpInfo());
    case HL_INFO_DEVICE_STATUS:
      return reply(hl_info_device_status.encode({ status: dev.status() }));
    case HL_INFO_RESET_COUNT:
      return reply(hl_info_reset_count.encode({ hard_reset_cnt: dev.hardResetCnt, soft_reset_cnt: dev.computeResetCnt }));
    case HL_INFO_OPEN_STATS:
      return reply(
        hl_open_stats_info.encode({
          open_counter: BigInt(dev.openCounter),
          is_compute_ctx_active: dev.ctx ? 1 : 0,
          compute_ctx_in_release: dev.computeCtxInRelease ? 1 : 0,
        }),
      );
    case HL_INFO_CS_TIMEOUT_EVENT: {
      // cs_timeout_info: the first timeout captured since the last open.
      const t = dev.lastCsTimeout;
      return reply(hl_info_cs_timeout_event.encode({ timestamp: t ? t.atNs : 0n, seq: t ? t.seq : 0n }));
    }
    case HL_INFO_DRAM_USAGE:
      return reply(
        hl_info_dram_usage.encode({
          dram_free_mem: DRAM_SIZE - DRAM_KMD_SIZE - dev.dramUsed,
          ctx_dram_mem: hpriv ? [...new Set(dev.physPacks.values())].reduce((s, p) => s + p.totalSize, 0n) : 0n,
        }),
      );
    default:
      break;
  }
  if (!dev.operational()) throw err('EBUSY', "Device is not operational. Can't execute INFO IOCTL");
  switch (a.op) {
    case HL_INFO_HW_IDLE: {
      const idle = !dev.ctx || dev.inFlight(dev.ctx).length === 0;
      return reply(hl_info_hw_idle.encode({ is_idle: idle ? 1 : 0, busy_engines_mask: idle ? 0 : 1, busy_engines_mask_ext: [idle ? 0n : 1n] }));
    }
    default:
      // The other opcodes ask the firmware (CPUCP) or the ASIC's counters: not modelled.
      throw err('EINVAL', `INFO op ${a.op} is not modelled (firmware) or invalid`);
  }
}

/* ---------------- CB (command_buffer.c) ---------------- */

/** hl_cb_ioctl. */
export function hlCb(dev: HlDevice, data: Buffer, file: DrmFile): number {
  const ctx = hlCtx(file);
  if (!dev.operational()) throw err('EBUSY', "Can't execute CB IOCTL");
  const a = hl_cb_in.decode(data);
  switch (a.op) {
    case HL_CB_OP_CREATE: {
      let handle = 0n;
      let failure: SysError | null = null;
      if (a.cb_size > HL_MAX_CB_SIZE) failure = err('EINVAL', `CB size ${a.cb_size} above HL_MAX_CB_SIZE`);
      else {
        // hl_cb_mmap_mem_alloc: "Minimum allocation must be PAGE SIZE".
        const size = Math.max(a.cb_size, PAGE_SIZE);
        const id = dev.allocCbId(ctx);
        let deviceVa: bigint | null = null;
        if (a.flags & HL_CB_FLAGS_MAP) {
          // cb_map_mem: a VA from ctx->cb_va_pool, rounded up to the PMMU page (4 KiB).
          deviceVa = ctx.nextCbVa;
          ctx.nextCbVa += BigInt(Math.ceil(size / PAGE_SIZE) * PAGE_SIZE);
        }
        handle = dev.cbHandle(id);
        const memory = Buffer.alloc(Math.ceil(size / PAGE_SIZE) * PAGE_SIZE);
        ctx.cbs.set(id, { id, handle, size, memory, deviceVa, csCnt: 0, handleDestroyed: false, mapped: false, refs: 1 });
      }
      // memset(args, 0, sizeof(*args)); args->out.cb_handle = handle; (also on error).
      data.fill(0);
      hl_cb_out.write(data, 0, { cb_handle: handle });
      if (failure) throw failure;
      return 0;
    }
    case HL_CB_OP_DESTROY: {
      // hl_cb_destroy: EINVAL for an unknown handle and for a second destroy.
      const cb = dev.cbLookup(ctx, a.cb_handle);
      if (!cb) {
        if (dev.defects.has('hl-cb-destroy-twice')) return 0;
        throw err('EINVAL', 'no CB for the handle');
      }
      if (cb.handleDestroyed) throw err('EINVAL', 'CB handle already destroyed');
      cb.handleDestroyed = true;
      dev.cbPut(ctx, cb);
      return 0;
    }
    case HL_CB_OP_INFO: {
      const cb = dev.cbLookup(ctx, a.cb_handle);
      if (!cb) throw err('EINVAL', 'CB info: no match to handle');
      if (a.flags & HL_CB_FLAGS_GET_DEVICE_VA) {
        if (cb.deviceVa === null) throw err('EINVAL', 'CB is not mapped to the device MMU');
        hl_cb_out.write(data, 0, { cb_handle: cb.deviceVa });
      } else {
        hl_cb_out.write(data, 0, { cb_handle: BigInt(cb.csCnt) });
      }
      return 0;
    }
    default:
      throw err('EINVAL', `CB op ${a.op}`);
  }
}

/** hl_mmap -> __hl_mmap -> hl_mem_mgr_mmap for HL_MMAP_TYPE_CB. */
export function hlMmap(dev: HlDevice, file: DrmFile, vma: VmArea): void {
  const ctx = hlCtx(file);
  const offset = vma.pgoff << 12n;
  const type = offset & HL_MMAP_TYPE_MASK;
  if (type !== HL_MMAP_TYPE_CB && type !== HL_MMAP_TYPE_TS_BUFF) throw SysError.of('EINVAL', 'mmap', 'not a CB or TS buffer offset');
  const cb = dev.cbLookup(ctx, offset);
  if (!cb) throw SysError.of('EINVAL', 'mmap', 'no buffer for the handle');
  // "mmap VM size != allocated physical mem size".
  if (vma.length !== cb.memory.length) throw SysError.of('EINVAL', 'mmap', `mmap size ${vma.length} != CB size ${cb.memory.length}`);
  if (cb.mapped && !dev.defects.has('hl-cb-mmap-twice')) throw SysError.of('EINVAL', 'mmap', 'already mapped to user');
  cb.mapped = true;
  cb.refs++;
  vma.memory = cb.memory;
  vma.close = () => {
    cb.mapped = false;
    dev.cbPut(ctx, cb);
  };
}

/* ---------------- CS (command_submission.c) ---------------- */

const CS_TYPE_MASK =
  HL_CS_FLAGS_SIGNAL |
  HL_CS_FLAGS_WAIT |
  HL_CS_FLAGS_COLLECTIVE_WAIT |
  HL_CS_FLAGS_RESERVE_SIGNALS_ONLY |
  HL_CS_FLAGS_UNRESERVE_SIGNALS_ONLY |
  HL_CS_FLAGS_ENGINE_CORE_COMMAND |
  HL_CS_FLAGS_ENGINES_COMMAND |
  HL_CS_FLAGS_FLUSH_PCI_HBW_WRITES;

/** hl_cs_sanity_checks. */
function csSanity(dev: HlDevice, a: ReturnType<typeof hl_cs_in.decode>): void {
  if (a.pad.some((b) => b !== 0)) throw err('EINVAL', 'Padding bytes must be 0');
  if (!dev.operational()) throw err('EBUSY', 'device not operational');
  // Gaudi2 sets supports_staged_submission.
  const type = a.cs_flags & CS_TYPE_MASK;
  if (type !== 0 && (type & (type - 1)) !== 0) throw err('EINVAL', 'CS type flags are mutually exclusive');
  if (type === 0 && a.num_chunks_execute === 0) throw err('EINVAL', 'execute CS with 0 chunks');
}

/** validate_queue_index for Gaudi2's queue table (gaudi2_set_fixed_properties). */
function validateQueue(dev: HlDevice, chunk: ReturnType<typeof hl_cs_chunk.decode>): void {
  if (chunk.queue_index >= MAX_QUEUES && !dev.defects.has('hl-cs-queue-unchecked')) throw err('EINVAL', `queue index ${chunk.queue_index} invalid`);
  if (chunk.queue_index === QUEUE_ID_CPU_PQ) throw err('EINVAL', 'queue restricted for the kernel driver');
  // QUEUE_TYPE_HW with CB_ALLOC_USER only.
  if (chunk.queue_index < QUEUE_ID_CPU_PQ && !(chunk.cs_chunk_flags & HL_CS_CHUNK_FLAGS_USER_ALLOC_CB)) {
    throw err('EINVAL', `queue ${chunk.queue_index} doesn't support kernel CB`);
  }
}

/** cs_ioctl_default for a CS of user CBs on HW queues; returns the new sequence. */
function csDefault(dev: HlDevice, ctx: HlContext, a: ReturnType<typeof hl_cs_in.decode>, ictx: IoctlContext): bigint {
  const n = a.num_chunks_execute;
  // hl_cs_copy_chunk_array.
  if (n > HL_MAX_JOBS_PER_CS && !dev.defects.has('hl-cs-chunks-unbounded')) throw err('EINVAL', `more than ${HL_MAX_JOBS_PER_CS} chunks`);
  const raw = ictx.copyFromUser(a.chunks_execute, n * hl_cs_chunk.size);
  const chunks = Array.from({ length: n }, (_, i) => hl_cs_chunk.decode(raw.subarray(i * hl_cs_chunk.size)));
  // allocate_cs: the fence slot must be free ("too many in-flights CS": EAGAIN).
  const slot = Number(ctx.csSequence & 63n);
  const other = ctx.pending[slot];
  if (other && other.outcome === null) throw err('EAGAIN', 'too many CSs in flight');
  const seq = ctx.csSequence;
  ctx.csSequence += dev.defects.has('hl-cs-seq-skips') ? 2n : 1n;
  const cs: HlCs = {
    seq,
    timestamp: (a.cs_flags & HL_CS_FLAGS_TIMESTAMP) !== 0,
    skipResetOnTimeout: (a.cs_flags & HL_CS_FLAGS_SKIP_RESET_ON_TIMEOUT) !== 0,
    outcome: null,
    completedAtNs: null,
    doneTimer: null,
    tdrTimer: null,
  };
  ctx.pending[slot] = cs;
  // Validate ALL chunks before submitting. A failure rolls the CS back (cs_rollback): the
  // caller gets seq ULLONG_MAX and the fence completes unsubmitted (error -EBUSY, which
  // hl_wait_for_fence reports as COMPLETED).
  let total: bigint | null = 0n;
  for (const chunk of chunks) {
    try {
      validateQueue(dev, chunk);
    } catch (e) {
      cs.outcome = 'completed';
      cs.completedAtNs = dev.drm.clock.nowNs();
      throw e;
    }
    const t = dev.runTime(ctx, chunk.cb_handle, chunk.cb_size);
    total = total === null || t === null ? null : total + t;
  }
  const clock = dev.drm.clock;
  if (total !== null) cs.doneTimer = clock.after(total, () => dev.finish(ctx, cs, 'completed'));
  // hl_hw_queue_schedule_cs: the TDR, unless timeout_locked=0 (MAX_SCHEDULE_TIMEOUT).
  const timeoutS = a.cs_flags & HL_CS_FLAGS_CUSTOM_TIMEOUT ? a.timeout : dev.params.timeoutLockedS;
  const tdrNs = BigInt(timeoutS) * 1_000_000_000n * (dev.defects.has('hl-tdr-late') ? 2n : 1n);
  if (dev.params.timeoutLockedS !== 0) cs.tdrTimer = clock.after(tdrNs, () => dev.csTimedOut(ctx, cs));
  return seq;
}

/** hl_cs_ioctl: out is memset and written on every result but EAGAIN. */
export function hlCs(dev: HlDevice, data: Buffer, file: DrmFile, ictx: IoctlContext): number {
  const ctx = hlCtx(file);
  const a = hl_cs_in.decode(data);
  let seq = ULLONG_MAX;
  let failure: SysError | null = null;
  try {
    csSanity(dev, a);
    // hl_cs_ctx_switch: Gaudi2 has no context switch; FORCE_RESTORE with restore chunks is not modelled.
    if (a.cs_flags & HL_CS_FLAGS_FORCE_RESTORE && a.num_chunks_restore !== 0) throw err('EINVAL', 'restore phase is not modelled');
    const type = a.cs_flags & CS_TYPE_MASK;
    if (type !== 0 || a.cs_flags & (HL_CS_FLAGS_STAGED_SUBMISSION | HL_CS_FLAGS_ENCAP_SIGNALS)) {
      // Sync-stream, signal reservation, engine and staged CSs drive the sync manager: not modelled.
      throw err('EINVAL', 'only default CSs are modelled');
    }
    seq = csDefault(dev, ctx, a, ictx);
  } catch (e) {
    if (!(e instanceof SysError)) throw e;
    failure = e;
  }
  if (failure?.code === 'EAGAIN') throw failure;
  data.fill(0);
  hl_cs_out.write(data, 0, { ...hl_cs_out.zero, seq, status: failure ? negErrno(failure) : 0 });
  if (failure) throw failure;
  return 0;
}

/* ---------------- WAIT_CS ---------------- */

/** hl_wait_ioctl -> hl_cs_wait_ioctl -> _hl_cs_wait_ioctl -> hl_wait_for_fence. */
export function hlWait(dev: HlDevice, data: Buffer, file: DrmFile, ictx: IoctlContext): IoctlReturn {
  const ctx = hlCtx(file);
  if (!dev.operational()) throw err('EBUSY', 'device not operational');
  const a = hl_wait_cs_in.decode(data);
  if (a.flags & (HL_WAIT_CS_FLAGS_INTERRUPT | HL_WAIT_CS_FLAGS_MULTI_CS)) throw err('EINVAL', 'interrupt and multi-CS waits are not modelled');
  const cs = dev.fence(ctx, a.seq);
  const write = (status: number, flags: number, ts: bigint): void => {
    data.fill(0);
    hl_wait_cs_out.write(data, 0, { status, flags, timestamp_nsec: ts, cs_completion_map: 0, pad: 0 });
  };
  if (cs === undefined) {
    if (dev.defects.has('hl-wait-future-seq')) {
      write(HL_WAIT_CS_STATUS_COMPLETED, 0, 0n);
      return 0;
    }
    // hl_wait_for_fence: IS_ERR(fence) returns before the memset: nothing written.
    throw err('EINVAL', `CS ${a.seq} was never submitted`);
  }
  if (cs === null) {
    write(HL_WAIT_CS_STATUS_COMPLETED, HL_WAIT_CS_STATUS_FLAG_GONE, 0n);
    return 0;
  }
  const report = (): number => {
    const early = dev.defects.has('hl-wait-early-complete');
    if (cs.outcome === 'timedout') {
      write(HL_WAIT_CS_STATUS_TIMEDOUT, 0, 0n);
      throw err('ETIMEDOUT', `CS ${cs.seq} timed out`);
    }
    if (cs.outcome === 'aborted') {
      write(HL_WAIT_CS_STATUS_ABORTED, 0, 0n);
      throw err('EIO', `CS ${cs.seq} aborted`);
    }
    if (cs.outcome === 'completed' || early) {
      const ts = cs.timestamp && cs.completedAtNs !== null ? cs.completedAtNs : 0n;
      write(HL_WAIT_CS_STATUS_COMPLETED, ts ? HL_WAIT_CS_STATUS_FLAG_TIMESTAMP_VLD : 0, ts);
      return 0;
    }
    write(HL_WAIT_CS_STATUS_BUSY, 0, 0n);
    return 0;
  };
  if (a.timeout_us === 0n || cs.outcome !== null || dev.defects.has('hl-wait-early-complete')) return report();
  const deadline = ictx.clock.nowNs() + a.timeout_us * 1000n;
  return ictx.sleep(() => cs.outcome !== null, deadline, () => report());
}

/* ---------------- MEMORY (memory.c) ---------------- */

/** hl_mem_ioctl for Gaudi2 (DRAM with virtual memory, an MMU): ALLOC, FREE, MAP of a DRAM handle, UNMAP. */
export function hlMemory(dev: HlDevice, data: Buffer, file: DrmFile, ictx: IoctlContext): number {
  const ctx = hlCtx(file);
  if (!dev.operational()) throw err('EBUSY', "Can't execute MEMORY IOCTL");
  const a = hl_mem_in.decode(data);
  const w0 = data.readBigUInt64LE(0);
  const w1 = data.readBigUInt64LE(8);
  switch (a.op) {
    case HL_MEM_OP_ALLOC: {
      if (w0 === 0n) throw err('EINVAL', 'alloc size must be larger than 0');
      // set_alloc_page_size: supports_user_set_page_size; 0 = the default page.
      let failure: SysError | null = null;
      let handle = 0;
      const page = w1 === 0n ? DRAM_PAGE_SIZE : w1;
      if (w1 !== 0n && (w1 & (w1 - 1n)) !== 0n) failure = err('EINVAL', 'user page size is not a power of 2');
      else {
        const total = ((w0 + page - 1n) / page) * page;
        if (total > DRAM_SIZE - DRAM_KMD_SIZE - dev.dramUsed) failure = err('ENOMEM', 'out of device memory');
        else {
          handle = dev.nextPhysHandle++;
          dev.physPacks.set(handle, { handle, totalSize: total, mappingCnt: 0 });
          dev.dramUsed += total;
        }
      }
      data.fill(0);
      hl_mem_out.write(data, 0, { handle: BigInt(handle), block_size: 0, pad: 0 });
      if (failure) throw failure;
      return 0;
    }
    case HL_MEM_OP_FREE: {
      // free_device_memory: u32 handle.
      const pack = dev.physPacks.get(Number(BigInt.asUintN(32, w0)));
      if (!pack) throw err('EINVAL', 'no match for handle');
      if (pack.mappingCnt > 0 && !dev.defects.has('hl-mem-free-mapped')) throw err('EINVAL', 'handle is mapped, cannot free');
      dev.physPacks.delete(pack.handle);
      dev.dramUsed -= pack.totalSize;
      return 0;
    }
    case HL_MEM_OP_MAP: {
      // map_device_va of a DRAM handle (map_device: {hint_addr, handle}); HL_MEM_USERPTR (host memory) is not modelled.
      let va = 0n;
      let failure: SysError | null = null;
      if (a.flags & 0x4) failure = err('EINVAL', 'host memory mapping is not modelled');
      else {
        const pack = dev.physPacks.get(Number(BigInt.asUintN(32, w1)));
        if (!pack) failure = err('EINVAL', 'no match for handle');
        else {
          va = DMMU_VA_BASE + ctx.nextDramVa;
          ctx.nextDramVa += pack.totalSize;
          pack.mappingCnt++;
          ctx.mappings.set(va, { pack, exportCnt: 0 });
        }
      }
      data.fill(0);
      hl_mem_out.write(data, 0, { handle: va, block_size: 0, pad: 0 });
      if (failure) throw failure;
      return 0;
    }
    case HL_MEM_OP_UNMAP: {
      // unmap_device_va: the exact VA of a mapping, not exported.
      const m = ctx.mappings.get(w0);
      if (!m) throw err('EINVAL', 'no mapping at the address');
      if (m.exportCnt > 0) throw err('EINVAL', 'memory is exported');
      ctx.mappings.delete(w0);
      m.pack.mappingCnt--;
      return 0;
    }
    case HL_MEM_OP_EXPORT_DMABUF_FD:
      return exportDmabuf(dev, ctx, data, a.flags as number, ictx);
    default:
      // MAP_BLOCK (hw block registers) and TS_ALLOC are not modelled; other ops are EINVAL in the kernel too.
      throw err('EINVAL', `MEMORY op ${a.op} is not modelled or unknown`);
  }
}

/**
 * export_dmabuf_from_addr for a device with DRAM virtual memory (Gaudi2):
 * memhash_node_export_get (the exact VA of a mapping), validate_export_params
 * (addr, size and offset multiples of PAGE_SIZE, size nonzero, offset + size
 * within the allocation), then export_dmabuf: the dma-buf (no mmap op in
 * habanalabs_dmabuf_ops) holds the mapping (export_cnt) and the compute file
 * (get_file). hl_mem_ioctl writes out.fd, -EBADF on failure, over a zeroed union.
 */
function exportDmabuf(dev: HlDevice, ctx: HlContext, data: Buffer, flags: number, ictx: IoctlContext): number {
  const addr = data.readBigUInt64LE(0);
  const size = data.readBigUInt64LE(8);
  const offset = data.readBigUInt64LE(16);
  const page = BigInt(PAGE_SIZE);
  let fd = -ERRNO_EBADF;
  let failure: SysError | null = null;
  const m = ctx.mappings.get(addr);
  const loose = dev.defects.has('hl-export-unaligned');
  if (!m) failure = err('EINVAL', `map address 0x${addr.toString(16)} not found`);
  else if (addr % page !== 0n) failure = err('EINVAL', 'exported address not page aligned');
  else if (size === 0n || (size % page !== 0n && !loose)) failure = err('EINVAL', 'exported size is not a multiple of PAGE_SIZE');
  else if (offset % page !== 0n && !loose) failure = err('EINVAL', 'exported offset is not a multiple of PAGE_SIZE');
  else if (offset + size > m.pack.totalSize) failure = err('EINVAL', 'offset and size exceed the allocation');
  else {
    // Device memory as the importer sees it: an object of the exported size (its pages are allocated at first touch).
    const obj = dev.drm.gemObjectCreate(Number(size));
    m.exportCnt++;
    ctx.liveExports++;
    try {
      fd = dev.drm.dmaBufExportFd(obj, flags, { mmap: false, release: () => dev.exportReleased(ctx, m) }, ictx);
    } finally {
      obj.put();
    }
  }
  data.fill(0);
  data.writeInt32LE(fd, 0);
  if (failure) throw failure;
  return 0;
}

/* ---------------- DEBUG (habanalabs_ioctl.c hl_debug_ioctl) ---------------- */

export function hlDebug(dev: HlDevice, data: Buffer): number {
  if (!dev.operational()) throw err('EBUSY', "Can't execute DEBUG IOCTL");
  const a = hl_debug_args.decode(data);
  if (a.op <= HL_DEBUG_OP_TIMESTAMP) {
    if (!dev.inDebug) throw err('EFAULT', 'device not in debug mode');
    // debug_coresight programs the CoreSight blocks through the ASIC: not modelled.
    throw err('EINVAL', 'CoreSight configuration is not modelled');
  }
  if (a.op === HL_DEBUG_OP_SET_MODE) {
    // hl_device_set_debug_mode: EFAULT to leave a mode not entered, or to enter it twice.
    if (a.enable === 0) {
      if (!dev.inDebug) throw err('EFAULT', 'device was not in debug mode');
      dev.inDebug = false;
      return 0;
    }
    if (dev.inDebug) throw err('EFAULT', 'device already in debug mode');
    dev.inDebug = true;
    return 0;
  }
  throw err('EINVAL', `DEBUG op ${a.op}`);
}

export type HlHandler = (dev: HlDevice, data: Buffer, file: DrmFile, ctx: IoctlContext) => IoctlReturn;

export const HL_HANDLERS: Readonly<Record<'INFO' | 'CB' | 'CS' | 'WAIT_CS' | 'MEMORY' | 'DEBUG', HlHandler>> = {
  INFO: (dev, data, file, ctx) => hlInfo(dev, data, ctx, file.driverPriv as HlContext),
  CB: (dev, data, file) => hlCb(dev, data, file),
  CS: hlCs,
  WAIT_CS: hlWait,
  MEMORY: hlMemory,
  DEBUG: (dev, data) => hlDebug(dev, data),
};

export type { DrmDevice };
