/**
 * The device state of sim:ivpu (struct ivpu_device) and the kernel paths
 * that act on it: contexts and per-uid limits (ivpu_drv.c), BO binding
 * (ivpu_gem.c), command queues, job submission and completion, context
 * abort (ivpu_job.c), the heartbeat TDR and full recovery (ivpu_pm.c). No
 * drm_sched: ivpu has none. The firmware below the job queue is the
 * stand-in of ./firmware.ts, modelled at the uAPI boundary only.
 */
import { SysError, type ErrnoName } from '../../../harness/sys/errno';
import { DRM_IVPU_BO_DMA_MEM, DRM_IVPU_BO_SHAVE_MEM, DRM_IVPU_JOB_STATUS_ABORTED } from '../uapi';
import type { DrmDevice, DrmFile, GemObject, GemObjectFuncs } from '../../sim/kernel/drm/driver';
import type { Timer } from '../../sim/kernel/clock';
import { DmaFence } from '../../sim/kernel/fence';
import type { IvpuDefect } from './defects';
import { SIM_FW_NAME, SIM_HEARTBEAT_NS, SIM_JOB_NS, SIM_RECOVERY_NS, fwOutcome } from './firmware';
import {
  IVPU_CMDQ_ENTRIES,
  IVPU_CMDQ_MAX_ID,
  IVPU_CMDQ_MIN_ID,
  IVPU_CONTEXT_COUNT,
  IVPU_CONTEXT_MM,
  IVPU_DOORBELL_COUNT,
  IVPU_JOBS_PER_CONTEXT,
  IVPU_MAX_DB,
  IVPU_MIN_DB,
  IVPU_SHAVE_RANGE,
  IVPU_USER_CONTEXT_MAX_SSID,
  IVPU_USER_CONTEXT_MIN_SSID,
  IVPU_USER_RANGE,
  VPU_JSM_STATUS_ABORTED,
  VPU_JSM_STATUS_ENGINE_RESET_REQUIRED_MAX,
  VPU_JSM_STATUS_ENGINE_RESET_REQUIRED_MIN,
  VPU_JSM_STATUS_MVNCI_CONTEXT_VIOLATION_HW,
  VPU_JSM_STATUS_PROCESSING_ERR,
  VPU_JSM_STATUS_SUCCESS,
} from './hw';
import { type Cmdq, IvpuBo, IvpuFile, type IvpuJob, Resv, type UserLimits, VpuAddressSpace, boOf } from './objects';
import type { IvpuParams } from './params';

export const fail = (name: ErrnoName, ioctl: string, detail: string): SysError =>
  SysError.of(name, ioctl === 'open' ? 'open' : 'ioctl', ioctl === 'open' ? detail : `DRM_IOCTL_IVPU_${ioctl}: ${detail}`);

/** Lowest free id >= next in [min, max], wrapping (xa_alloc_cyclic); null when full. */
function allocCyclic(used: (id: number) => boolean, min: number, max: number, next: number): number | null {
  const span = max - min + 1;
  const start = next < min || next > max ? min : next;
  for (let i = 0; i < span; i++) {
    const id = min + ((start - min + i) % span);
    if (!used(id)) return id;
  }
  return null;
}

export class IvpuDevice {
  /** vdev->context_xa: file_priv by SSID. */
  readonly contexts = new Map<number, IvpuFile>();
  /** vdev->user_limits, by uid. */
  private readonly limits = new Map<number, UserLimits>();
  /** vdev->db_xa and db_next. */
  private readonly doorbells = new Set<number>();
  private dbNext = IVPU_MIN_DB;
  /** vdev->bo_list. */
  readonly bos = new Set<IvpuBo>();
  /** vdev->submitted_jobs_xa. */
  readonly submitted = new Map<number, IvpuJob>();
  /** One device-wide MMU address space: the vpu-addr-shared defect only. */
  private readonly sharedSpace = new VpuAddressSpace(IVPU_CONTEXT_MM);

  /* The firmware stand-in. */
  private readonly engineQueue: IvpuJob[] = [];
  private running: { job: IvpuJob; timer: Timer | null } | null = null;
  private hung = false;
  private fwAlive = true;
  /** The firmware has beaten once by the time it reports ready (ivpu_boot). */
  private hbBase = 1n;
  private hbSince: bigint | null;

  /* ivpu_pm.c state. */
  private lastHeartbeat = 0n;
  private jobTimeoutCounter = 0;
  private tdrTimer: Timer | null = null;
  private jobTimeoutDetected = false;
  private contextAbortQueued = false;
  /** pm->reset_pending: a recovery is queued or running. */
  resetPending = false;
  /** pm->reset_lock held for write (ivpu_pm_reset_begin .. ivpu_pm_reset_complete): SUBMIT waits. */
  resetInProgress = false;
  resetCounter = 0;
  /** vdev->unique_id_counter (DRM_IVPU_PARAM_UNIQUE_INFERENCE_ID). */
  uniqueIdCounter = 0n;
  engineResetCounter = 0;
  /** The close-unplugs defect: drm_dev_enter fails from the first release on. */
  private unplugged = false;
  /** kobject_uevent_env(KOBJ_CHANGE, "IVPU_PM_EVENT=IVPU_RECOVER") sent so far, oldest first. */
  readonly uevents: string[] = [];

  constructor(
    readonly drm: DrmDevice,
    readonly params: IvpuParams,
    private readonly defects: ReadonlySet<string>,
  ) {
    this.hbSince = drm.clock.nowNs();
  }

  has(defect: IvpuDefect): boolean {
    return this.defects.has(defect);
  }

  get hwSched(): boolean {
    return this.params.schedMode === 'hw';
  }

  get fwName(): string {
    return SIM_FW_NAME;
  }

  /* ---- contexts (ivpu_drv.c) ---- */

  /** ivpu_drv.c ivpu_user_limits_get / ivpu_user_limits_alloc: root may use every context, others half. */
  private limitsGet(uid: number): UserLimits {
    const have = this.limits.get(uid);
    if (have) {
      if (have.ref >= have.maxCtx && !this.has('no-user-context-limit')) throw fail('EMFILE', 'open', `uid ${uid} at its ${have.maxCtx} contexts`);
      have.ref++;
      return have;
    }
    const whole = uid === 0 || this.has('no-user-context-limit');
    const l: UserLimits = {
      uid,
      ref: 1,
      maxCtx: this.has('context-limit-one') ? 1 : whole ? IVPU_CONTEXT_COUNT : Math.floor(IVPU_CONTEXT_COUNT / 2),
      maxDb: whole ? IVPU_DOORBELL_COUNT : Math.floor(IVPU_DOORBELL_COUNT / 2),
      dbCount: 0,
    };
    this.limits.set(uid, l);
    return l;
  }

  private limitsPut(l: UserLimits): void {
    if (this.has('user-limit-leak')) return;
    if (--l.ref === 0) this.limits.delete(l.uid);
  }

  /** ivpu_drv.c ivpu_open: the user limit (EMFILE), then an SSID from context_xa (xa_alloc: EBUSY when full). */
  open(drm: DrmFile, uid: number): IvpuFile {
    if (this.unplugged) throw fail('ENODEV', 'open', 'device unplugged (drm_dev_enter)');
    const limits = this.limitsGet(uid);
    let ssid = 0;
    for (let id = IVPU_USER_CONTEXT_MIN_SSID; id <= IVPU_USER_CONTEXT_MAX_SSID; id++) {
      if (!this.contexts.has(id)) {
        ssid = id;
        break;
      }
    }
    if (ssid === 0) {
      this.limitsPut(limits);
      throw fail('EBUSY', 'open', 'no free context id (context_xa full)');
    }
    const file = new IvpuFile(drm, ssid, limits, this.has('vpu-addr-shared') ? this.sharedSpace : new VpuAddressSpace(IVPU_CONTEXT_MM));
    this.contexts.set(ssid, file);
    drm.driverPriv = file;
    return file;
  }

  /** ivpu_drv.c ivpu_file_priv_put: the last reference (file closed, no job left) releases the context. */
  filePut(file: IvpuFile): void {
    if (--file.refs > 0) return;
    // file_priv_release -> file_priv_unbind
    if (file.bound) {
      for (const cmdq of [...file.cmdqs.values()]) this.cmdqDestroy(file, cmdq);
      for (const bo of this.bos) if (bo.ctx === file) this.unbind(bo);
      file.bound = false;
      this.contexts.delete(file.ctxId);
    }
    this.limitsPut(file.limits);
    if (this.has('close-unplugs')) this.unplugged = true;
  }

  /* ---- BOs (ivpu_gem.c) ---- */

  /** The drm_gem_object_funcs of every ivpu BO (ivpu_gem.c ivpu_gem_funcs: open, free). */
  readonly boFuncs: GemObjectFuncs = {
    open: (obj, file) => this.boOpen(boOf(obj), file),
    free: (obj) => this.boFree(boOf(obj)),
    mmap: (obj) => {
      const bo = boOf(obj);
      // drm_gem_shmem_mmap of an import -> dma_buf_mmap(obj->dma_buf): NULL for a userptr BO (EINVAL).
      if (bo.userptr) throw SysError.of('EINVAL', 'mmap', 'a userptr BO has no dma-buf to map');
      bo.mmaps++;
    },
    vmClose: (obj) => {
      boOf(obj).mmaps--;
    },
  };

  /** ivpu_gem.c ivpu_bo_alloc's bookkeeping: the object joins vdev->bo_list. */
  track(obj: GemObject, flags: number, resv: Resv): IvpuBo {
    const bo = new IvpuBo(obj, flags, resv);
    obj.driverPriv = bo;
    this.bos.add(bo);
    return bo;
  }

  /** ivpu_gem.c ivpu_gem_prime_import: a new BO over the dma-buf's pages, sharing the exporter's reservation object. */
  importBo(obj: GemObject, exporter: GemObject): void {
    const src = exporter.dev === this.drm && exporter.driverPriv instanceof IvpuBo ? exporter.driverPriv : null;
    this.track(obj, 0, src ? src.resv : new Resv());
  }

  /**
   * ivpu_gem.c ivpu_gem_bo_open: a BO belongs to one context; its NPU address
   * comes from the range its flags pick (ivpu_bo_alloc_vpu_addr).
   */
  private boOpen(bo: IvpuBo, drm: DrmFile): void {
    const file = drm.driverPriv as IvpuFile;
    if (bo.ctx) throw SysError.of('EALREADY', 'ioctl', `BO already in context ${bo.ctx.ctxId}`);
    const range = bo.flags & DRM_IVPU_BO_SHAVE_MEM ? IVPU_SHAVE_RANGE : bo.flags & DRM_IVPU_BO_DMA_MEM ? IVPU_USER_RANGE : IVPU_USER_RANGE;
    const at = file.space.insert(range, BigInt(bo.obj.size));
    if (at === null) throw SysError.of('ENOSPC', 'ioctl', 'NPU address range full');
    bo.ctx = file;
    bo.ctxId = file.ctxId;
    bo.vpuAddr = at;
  }

  /** ivpu_gem.c ivpu_bo_unbind_locked: unmap, give the address back. */
  private unbind(bo: IvpuBo): void {
    bo.mmuMapped = false;
    if (bo.ctx) {
      bo.ctx.space.remove(bo.vpuAddr);
      bo.ctx = null;
    }
  }

  /** ivpu_gem.c ivpu_gem_bo_free: off the list and unbound, under bo_list_lock. */
  private boFree(bo: IvpuBo): void {
    this.bos.delete(bo);
    this.unbind(bo);
  }

  /** ivpu_gem.c ivpu_bo_bind: pin the pages, map into the BO's own context. */
  bind(bo: IvpuBo): void {
    if (!bo.imported) {
      // drm_gem_shmem_get_pages_sgt: every page now (ENOMEM for what cannot be backed).
      void bo.obj.memory;
      bo.pagesPinned = true;
    }
    if (bo.ctx) bo.mmuMapped = true;
  }

  /* ---- command queues (ivpu_job.c) ---- */

  /** ivpu_job.c ivpu_cmdq_create: an id from cmdq_xa (xa_alloc_cyclic in 1..255); null when none is free. */
  cmdqCreate(file: IvpuFile, priority: number, legacy: boolean): Cmdq | null {
    const id = allocCyclic((i) => file.cmdqs.has(i), IVPU_CMDQ_MIN_ID, IVPU_CMDQ_MAX_ID, file.cmdqIdNext);
    if (id === null) return null;
    file.cmdqIdNext = id + 1;
    const cmdq: Cmdq = { id, isLegacy: legacy, priority, dbId: 0, pending: 0 };
    file.cmdqs.set(id, cmdq);
    return cmdq;
  }

  /** ivpu_job.c ivpu_cmdq_register -> ivpu_register_db: a doorbell, within the uid's share (EBUSY). */
  cmdqRegister(file: IvpuFile, cmdq: Cmdq): void {
    if (cmdq.dbId) return;
    if (file.limits.dbCount + 1 > file.limits.maxDb) throw fail('EBUSY', 'SUBMIT', `uid ${file.limits.uid} has all its doorbells`);
    const db = allocCyclic((i) => this.doorbells.has(i), IVPU_MIN_DB, IVPU_MAX_DB, this.dbNext);
    if (db === null) throw fail('EBUSY', 'SUBMIT', 'no free doorbell');
    this.dbNext = db + 1;
    this.doorbells.add(db);
    file.limits.dbCount++;
    cmdq.dbId = db;
  }

  /**
   * ivpu_job.c ivpu_cmdq_unregister: the doorbell goes; the firmware drops the
   * queue (ivpu_jsm_hws_destroy_cmdq under the HW scheduler), its running job included.
   */
  private cmdqUnregister(file: IvpuFile, cmdq: Cmdq): void {
    if (!cmdq.dbId) return;
    this.fwDropQueue(file, cmdq.id);
    this.doorbells.delete(cmdq.dbId);
    file.limits.dbCount--;
    cmdq.dbId = 0;
  }

  /** ivpu_job.c ivpu_cmdq_destroy. */
  cmdqDestroy(file: IvpuFile, cmdq: Cmdq): void {
    this.cmdqUnregister(file, cmdq);
    file.cmdqs.delete(cmdq.id);
  }

  /** ivpu_job.c ivpu_cmdq_abort_all_jobs: the destroyed queue's jobs end ABORTED. */
  cmdqAbortAllJobs(file: IvpuFile, cmdqId: number): void {
    if (this.has('cmdq-destroy-keeps-jobs')) return;
    for (const job of [...this.submitted.values()]) {
      if (job.file === file && job.cmdqId === cmdqId) this.signalAndDestroy(job.id, DRM_IVPU_JOB_STATUS_ABORTED);
    }
  }

  /* ---- jobs (ivpu_job.c) ---- */

  /**
   * ivpu_job.c ivpu_job_submit after the BOs are ready: the queue (the legacy
   * one of this priority for SUBMIT, an explicit one for CMDQ_SUBMIT: EINVAL
   * when unknown), its doorbell, a job id (EBUSY past 256 per context), a
   * queue entry (EBUSY when full), the TDR, the doorbell ring.
   */
  jobSubmit(file: IvpuFile, job: Omit<IvpuJob, 'id' | 'cmdqId'>, priority: number, cmdqId: number, ioctl: string): IvpuJob {
    let cmdq: Cmdq | null | undefined;
    if (cmdqId === 0) {
      cmdq = [...file.cmdqs.values()].find((q) => q.isLegacy && q.priority === priority);
      if (!cmdq) cmdq = this.cmdqCreate(file, priority, true);
    } else {
      cmdq = file.cmdqs.get(cmdqId);
    }
    if (!cmdq) throw fail(cmdqId === 0 ? 'EINVAL' : 'EINVAL', ioctl, cmdqId === 0 ? 'no command queue id left' : `no command queue ${cmdqId}`);
    this.cmdqRegister(file, cmdq);
    const min = file.jobIdMin;
    const id = allocCyclic((i) => this.submitted.has(i), min, min + IVPU_JOBS_PER_CONTEXT - 1, file.jobIdNext);
    if (id === null) throw fail('EBUSY', ioctl, `too many active jobs in context ${file.ctxId}`);
    if (cmdq.pending + 1 >= IVPU_CMDQ_ENTRIES) throw fail('EBUSY', ioctl, 'job queue full');
    file.jobIdNext = id + 1;
    const full: IvpuJob = { ...job, id, cmdqId: cmdq.id };
    this.submitted.set(id, full);
    cmdq.pending++;
    this.startJobTimeoutDetection();
    // ivpu_cmdq_ring_db: the firmware sees the entry.
    this.engineQueue.push(full);
    this.drm.clock.after(0n, () => this.engineKick());
    return full;
  }

  /** ivpu_job.c ivpu_job_handle_engine_error: statuses that need an engine reset kill the job's context. */
  private handleEngineError(id: number, status: number): boolean {
    const resetRange = this.has('ctx-violation-completes')
      ? false
      : this.has('engine-error-range-ignored')
        ? status === VPU_JSM_STATUS_MVNCI_CONTEXT_VIOLATION_HW
        : status === VPU_JSM_STATUS_PROCESSING_ERR ||
          (status >= VPU_JSM_STATUS_ENGINE_RESET_REQUIRED_MIN && status <= VPU_JSM_STATUS_ENGINE_RESET_REQUIRED_MAX);
    if (!resetRange) return false;
    const job = this.submitted.get(id);
    if (!job) return false;
    job.status = status;
    if (job.file.hasMmuFaults) return false;
    job.file.hasMmuFaults = true;
    this.queueContextAbort();
    return true;
  }

  /** ivpu_job.c ivpu_job_signal + ivpu_job_destroy: the status lands in the command buffer, the fence signals. */
  signalAndDestroy(id: number, status: number): boolean {
    const job = this.submitted.get(id);
    if (!job) return false;
    this.submitted.delete(id);
    if (job.status === VPU_JSM_STATUS_SUCCESS) job.status = job.file.hasMmuFaults ? DRM_IVPU_JOB_STATUS_ABORTED : status;
    boOf(job.bos[0] as GemObject).jobStatus = job.status;
    job.fence.signal();
    this.drm.clock.kick();
    this.stopJobTimeoutDetection();
    if (this.submitted.size > 0) this.startJobTimeoutDetection();
    // ivpu_job_destroy
    for (const obj of job.bos) obj.put();
    this.filePut(job.file);
    return true;
  }

  /** ivpu_job.c ivpu_job_done_callback: a job-done message from the firmware. */
  private jobDone(id: number, status: number): void {
    const job = this.submitted.get(id);
    if (job) job.fwDone = true;
    if (!this.handleEngineError(id, status)) this.signalAndDestroy(id, status);
  }

  /** ivpu_job.c ivpu_jobs_abort_all (full recovery). */
  private jobsAbortAll(): void {
    for (const id of [...this.submitted.keys()]) this.signalAndDestroy(id, DRM_IVPU_JOB_STATUS_ABORTED);
  }

  /* ---- the firmware stand-in ---- */

  /** The engine heartbeat (VPU_JSM_MSG_QUERY_ENGINE_HB): it counts while the firmware runs and the engine is not stuck. */
  heartbeat(): bigint {
    if (this.hbSince === null) return this.hbBase;
    return this.hbBase + (this.drm.clock.nowNs() - this.hbSince) / SIM_HEARTBEAT_NS;
  }

  private freezeHeartbeat(): void {
    this.hbBase = this.heartbeat();
    this.hbSince = null;
  }

  private resumeHeartbeat(): void {
    if (this.hbSince === null) this.hbSince = this.drm.clock.nowNs();
  }

  /** Runs the next job a registered queue holds, one at a time on the one compute engine. */
  private engineKick(): void {
    if (this.running || this.hung || !this.fwAlive) return;
    for (;;) {
      const job = this.engineQueue.shift();
      if (!job) return;
      const cmdq = job.file.cmdqs.get(job.cmdqId);
      if (cmdq) cmdq.pending = Math.max(0, cmdq.pending - 1);
      if (!this.submitted.has(job.id) || !cmdq || !cmdq.dbId || job.file.aborted || job.file.hasMmuFaults) continue;
      const run: { job: IvpuJob; timer: Timer | null } = { job, timer: null };
      this.running = run;
      run.timer = this.drm.clock.after(SIM_JOB_NS, () => this.engineRun(run));
      return;
    }
  }

  private engineRun(run: { job: IvpuJob; timer: Timer | null }): void {
    if (this.running !== run) return;
    run.timer = null;
    const { job } = run;
    const bo = boOf(job.bos[0] as GemObject);
    const word = job.cmdOffset + 4 <= bo.obj.size ? bo.obj.memory.readUInt32LE(job.cmdOffset) : 0;
    const outcome = fwOutcome(word);
    if (outcome.kind === 'hang') {
      this.hung = true;
      this.freezeHeartbeat();
      return;
    }
    this.running = null;
    if (outcome.kind === 'mmu-fault') {
      this.mmuEvent(job.file.ctxId);
    } else {
      this.jobDone(job.id, outcome.status);
    }
    this.engineKick();
  }

  /** The firmware forgets one queue (doorbell unregistered / HWS queue destroyed): a job of it on the engine stops. */
  private fwDropQueue(file: IvpuFile, cmdqId: number): void {
    for (let i = this.engineQueue.length - 1; i >= 0; i--) {
      const j = this.engineQueue[i] as IvpuJob;
      if (j.file === file && j.cmdqId === cmdqId) this.engineQueue.splice(i, 1);
    }
    const cmdq = file.cmdqs.get(cmdqId);
    if (cmdq) cmdq.pending = 0;
    if (this.running && this.running.job.file === file && this.running.job.cmdqId === cmdqId) {
      this.running.timer?.cancel();
      this.running = null;
      if (this.hung) {
        this.hung = false;
        this.resumeHeartbeat();
      }
      this.drm.clock.after(0n, () => this.engineKick());
    }
  }

  /**
   * ivpu_jsm_context_release (OS scheduler): the firmware returns every job of
   * the context it still holds, as VPU_JSM_STATUS_ABORTED job-done messages.
   */
  private fwContextRelease(file: IvpuFile): void {
    for (const q of file.cmdqs.values()) this.fwDropQueue(file, q.id);
    const held = [...this.submitted.values()].filter((j) => j.file === file && !j.fwDone);
    this.drm.clock.after(0n, () => {
      for (const j of held) this.jobDone(j.id, VPU_JSM_STATUS_ABORTED);
    });
  }

  /* ---- faults, TDR, recovery (ivpu_mmu.c, ivpu_job.c, ivpu_pm.c) ---- */

  /** ivpu_mmu.c ivpu_mmu_irq_evtq_handler: the faulting context is marked, the abort work queued. */
  private mmuEvent(ssid: number): void {
    if (this.has('fault-kills-all')) {
      this.triggerRecovery();
      return;
    }
    const file = this.contexts.get(ssid);
    if (file && !file.hasMmuFaults) file.hasMmuFaults = true;
    this.queueContextAbort();
  }

  private queueContextAbort(): void {
    if (this.contextAbortQueued) return;
    this.contextAbortQueued = true;
    this.drm.clock.after(0n, () => {
      this.contextAbortQueued = false;
      this.contextAbortWork();
    });
  }

  /**
   * ivpu_job.c ivpu_context_abort_work_fn: under the HW scheduler an engine
   * reset first (after a TDR it names the guilty contexts); every faulty
   * context is aborted (queues unregistered; ivpu_context_abort_locked), then
   * under the HW scheduler the engine resumes and their jobs end ABORTED.
   */
  private contextAbortWork(): void {
    if (this.hwSched) {
      if (!this.has('reset-uncounted')) this.engineResetCounter++;
      const guilty = this.hung && this.running ? this.running.job.file : null;
      if (this.hung) {
        this.running?.timer?.cancel();
        this.running = null;
        this.hung = false;
      }
      if (this.jobTimeoutDetected) {
        this.jobTimeoutDetected = false;
        // reset_engine_and_mark_faulty_contexts: no impacted context means no culprit: full recovery.
        if (!guilty) {
          this.triggerRecovery();
          return;
        }
        guilty.hasMmuFaults = true;
      }
    }
    for (const file of this.contexts.values()) {
      if (!file.hasMmuFaults || file.aborted) continue;
      for (const q of file.cmdqs.values()) this.cmdqUnregister(file, q);
      if (!this.hwSched) this.fwContextRelease(file);
      file.aborted = true;
    }
    if (!this.hwSched) return;
    this.resumeHeartbeat();
    for (const job of [...this.submitted.values()]) {
      if (job.file.aborted) this.signalAndDestroy(job.id, DRM_IVPU_JOB_STATUS_ABORTED);
    }
    this.engineKick();
  }

  private tdrNs(): bigint {
    return BigInt(this.params.tdrMs) * 1_000_000n;
  }

  /** ivpu_pm.c ivpu_start_job_timeout_detection: no-op while already queued. */
  private startJobTimeoutDetection(): void {
    if (this.tdrTimer || this.has('no-tdr')) return;
    this.tdrTimer = this.drm.clock.after(this.tdrNs(), () => {
      this.tdrTimer = null;
      this.jobTimeoutWork();
    });
  }

  /** ivpu_pm.c ivpu_stop_job_timeout_detection. */
  private stopJobTimeoutDetection(): void {
    this.tdrTimer?.cancel();
    this.tdrTimer = null;
    this.jobTimeoutCounter = 0;
  }

  /**
   * ivpu_pm.c ivpu_job_timeout_work: a heartbeat that has not moved since the
   * last check, or more checks than inference_timeout_ms allows, is a hang:
   * full recovery under the OS scheduler, an engine reset of the guilty
   * contexts under the HW scheduler.
   */
  private jobTimeoutWork(): void {
    const hb = this.heartbeat();
    const maxRetries = Math.ceil(this.params.inferenceMs / this.params.tdrMs);
    const stuck = hb <= this.lastHeartbeat || this.jobTimeoutCounter++ >= maxRetries;
    if (!stuck) {
      this.lastHeartbeat = hb;
      this.startJobTimeoutDetection();
      return;
    }
    this.jobTimeoutCounter = 0;
    if (!this.hwSched) {
      this.triggerRecovery();
      return;
    }
    this.jobTimeoutDetected = true;
    this.queueContextAbort();
  }

  /** ivpu_pm.c ivpu_pm_trigger_recovery: once at a time. */
  triggerRecovery(): void {
    if (this.resetPending) return;
    this.resetPending = true;
    this.drm.clock.after(0n, () => this.recoveryWork());
  }

  /**
   * ivpu_pm.c ivpu_pm_recovery_work: reset_counter counts it, the NPU goes
   * down, then ivpu_pm_reset_complete: doorbells of every context forgotten
   * (ivpu_cmdq_reset_all_contexts), every job ABORTED (ivpu_jobs_abort_all),
   * cold boot, and a KOBJ_CHANGE uevent IVPU_PM_EVENT=IVPU_RECOVER.
   */
  private recoveryWork(): void {
    if (!this.has('reset-uncounted')) this.resetCounter++;
    this.resetInProgress = true;
    this.fwAlive = false;
    this.running?.timer?.cancel();
    this.running = null;
    this.hung = false;
    this.engineQueue.length = 0;
    this.freezeHeartbeat();
    this.stopJobTimeoutDetection();
    this.drm.clock.after(SIM_RECOVERY_NS, () => {
      for (const file of this.contexts.values()) {
        for (const q of file.cmdqs.values()) {
          if (q.dbId) {
            this.doorbells.delete(q.dbId);
            file.limits.dbCount--;
            q.dbId = 0;
          }
          q.pending = 0;
        }
      }
      this.lastHeartbeat = 0n;
      this.jobsAbortAll();
      // ivpu_ms_cleanup_all: every file's metric streamers end with the recovery.
      for (const file of this.contexts.values()) file.metrics.clear();
      // Cold boot: a fresh firmware whose heartbeat starts again.
      this.fwAlive = true;
      this.hbBase = 1n;
      this.hbSince = this.drm.clock.nowNs();
      this.resetInProgress = false;
      this.resetPending = false;
      this.uevents.push('IVPU_PM_EVENT=IVPU_RECOVER');
      this.drm.clock.kick();
    });
  }
}

export function fileOf(drm: DrmFile): IvpuFile {
  const f = drm.driverPriv;
  if (!(f instanceof IvpuFile)) throw new Error('DRM file without ivpu_file_priv');
  return f;
}

/** A fresh done fence (ivpu_job.c ivpu_fence_create). */
export function newJobFence(dev: IvpuDevice): DmaFence {
  return new DmaFence(`intel_vpu.${dev.drm.accelIndex}`);
}
