/**
 * A GPU scheduler on the virtual clock, modelled on drm_sched
 * (drivers/gpu/drm/scheduler/sched_main.c, sched_entity.c):
 *
 * - one run queue per device, FIFO across entities (drm_sched_rq_select_entity_fifo),
 *   and one job on the hardware at a time (hw_submission_limit = 1);
 * - the timeout (TDR) timer is armed when a job reaches the hardware
 *   (drm_sched_job_begin -> drm_sched_start_timeout) and cancelled when it
 *   signals (drm_sched_get_cleanup_job);
 * - on expiry drm_sched_job_timedout calls the driver's timedout_job, which
 *   stops the scheduler (drm_sched_stop), blames the job (karma), resets the
 *   hardware and restarts the queue (drm_sched_start); jobs of other
 *   entities queued behind are untouched and run afterwards;
 * - an entity whose jobs hang `hangLimit` times in a row is guilty: its later
 *   jobs are popped with -ECANCELED set on their finished fence and never
 *   reach the hardware (drm_sched_entity_pop_job, "skip jobs from entity that
 *   marked guilty"; drm_sched_increase_karma / hang_limit);
 * - an entity torn down with jobs still queued has them finished with -ESRCH
 *   (drm_sched_entity_kill).
 *
 * The "hardware" is a backend callback; the scheduler only ever sees a job
 * end, a timeout, or the backend asking for recovery time (a firmware crash).
 */
import type { Timer, VirtualClock } from './clock';
import { NS_PER_MS } from './clock';
import { DmaFence } from './dma-buf/dma-fence';
import { Hooks } from './hooks';

const ETIMEDOUT = 110;
const ECANCELED = 125;
const ESRCH = 3;

export type SchedState = 'online' | 'timedout' | 'crashed';

/** How a job ended on the hardware. */
export interface HwCompletion {
  /** 0 or a positive errno (the job result userspace sees). */
  readonly result: number;
  /** The device is down for this long before the next job (firmware crash reboot). */
  readonly recoveryNs?: bigint;
}

/** What the hardware returns for a started job: a way to stop it at reset. */
export interface HwRun {
  stop(): void;
}

export interface SchedBackend<P> {
  /**
   * Starts `job` on the hardware (drm_sched_backend_ops.run_job). The backend
   * calls `done` at most once when the job ends by itself; a job that hangs
   * never calls it and is stopped through the returned handle at reset.
   */
  runJob(job: SchedJob<P>, done: (c: HwCompletion) => void): HwRun;
  /** Called when a job finishes for any reason, run or not (free_job). */
  freeJob?(job: SchedJob<P>): void;
}

export interface SchedOptions {
  readonly name: string;
  /** Job timeout; null disables the TDR (MAX_SCHEDULE_TIMEOUT). */
  readonly timeoutNs: bigint | null;
  /** Consecutive timeouts before an entity is banned; 0 never bans. */
  readonly hangLimit: number;
  /** Virtual time a reset after a timeout takes (STATE shows TIMEDOUT meanwhile). */
  readonly resetNs: bigint;
  /**
   * The error a timed-out job's finished fence carries (positive errno).
   * ETIMEDOUT by default; a driver whose timedout_job stops the scheduler and
   * restarts it with drm_sched_start(sched, 0) leaves the job with
   * -ECANCELED instead (sched_main.c drm_sched_start: no parent fence ->
   * drm_sched_job_done(s_job, errno ?: -ECANCELED)).
   */
  readonly timeoutErrno?: number;
}

/**
 * The scheduler's hooks (../hooks.ts): its decisions a driver or a defect
 * may change, as drm_sched_backend_ops lets a driver.
 */
export interface SchedHooks<P> {
  /** drm_sched_start_timeout: the TDR timeout of a job reaching the hardware (null: never). Default: SchedOptions.timeoutNs. */
  jobTimeout(job: SchedJob<P>, timeoutNs: bigint | null): bigint | null;
  /**
   * drm_sched_backend_ops.timedout_job, after the guilty job was stopped,
   * blamed and finished with ETIMEDOUT: reset the device and restart the
   * queue. Default: `reset.recover(reset.resetNs)`, other jobs untouched.
   */
  timedOut(guilty: SchedJob<P>, reset: SchedReset<P>): void;
}

/** What timedOut may do to the scheduler. */
export interface SchedReset<P> {
  /** Jobs waiting for the hardware, in order. */
  readonly queued: readonly SchedJob<P>[];
  /** SchedOptions.resetNs. */
  readonly resetNs: bigint;
  /** Removes the queued jobs `which` picks without ever signalling them (lost jobs). */
  lose(which: (job: SchedJob<P>) => boolean): void;
  /** Finishes the queued jobs `which` picks with `errno` (their fences signal with -errno). */
  cancel(which: (job: SchedJob<P>) => boolean, errno: number): void;
  /** The reset takes `ns` (state 'timedout'), then the device is online and the queue runs. */
  recover(ns: bigint): void;
  /** The reset never ends: the device stays 'timedout'. */
  stayDown(): void;
}

/**
 * Scheduler misbehaviour by name, for callers that predate SchedHooks; each
 * is installed as a timedOut hook (see faultHooks).
 */
export interface SchedFaults {
  /** Jobs queued when a timeout fires are dropped and never signalled. */
  dropQueuedAfterHang?: boolean;
  /** A reset also fails the queued jobs of other entities. */
  resetKillsInnocent?: boolean;
  /** After a reset the device never comes back online. */
  noRecovery?: boolean;
}

/** Per-context queue state (drm_sched_entity). */
export class SchedEntity {
  consecutiveTimeouts = 0;
  banned = false;
  killed = false;
  /** Its file was closed; its queued jobs still go to the hardware (closeEntity). */
  closed = false;
  constructor(readonly id: number, readonly label: string) {}
}

export class SchedJob<P> {
  /** drm_sched_fence.finished: signalled when the job ends, error set on failure. */
  readonly fence: DmaFence;
  /** 0 or positive errno once finished; null while pending or running. */
  result: number | null = null;
  startedNs: bigint | null = null;
  finishedNs: bigint | null = null;

  constructor(readonly entity: SchedEntity, readonly payload: P, timeline: string) {
    this.fence = new DmaFence(timeline);
  }

  get finished(): boolean {
    return this.result !== null;
  }
}

/** The hardware handle of a slot whose run_job has not returned yet. */
const NOT_STARTED: HwRun = { stop: () => undefined };

interface Running<P> {
  job: SchedJob<P>;
  hw: HwRun;
  /** When the TDR fires for this job (null: no timeout). */
  deadline: bigint | null;
}

export class GpuScheduler<P> {
  private queue: SchedJob<P>[] = [];
  private running: Running<P> | null = null;
  private stateValue: SchedState = 'online';
  private recoveryTimer: Timer | null = null;
  /**
   * The one pending TDR timer (sched->work_tdr). Like a delayed work that is
   * re-queued rather than cancelled, it is armed once and, when it fires
   * early for a later job, re-armed for that job's deadline; so a stream of
   * short jobs leaves no pile of cancelled timers on the clock.
   */
  private tdrTimer: Timer | null = null;
  /** Dispatch paused while a killed context's running job is being stopped. */
  private parked = false;
  /** Dispatch stopped for good. */
  private wedged = false;
  private entitySeq = 0;
  /** Every job pushed and not yet finished or dropped; for leak checks. */
  private live = new Set<SchedJob<P>>();

  /** The hooks in force (defaults: mainline drm_sched); override them before the first job. */
  readonly hooks = new Hooks<SchedHooks<P>>({
    jobTimeout: (_job, timeoutNs) => timeoutNs,
    timedOut: (_guilty, reset) => reset.recover(reset.resetNs),
  });

  constructor(
    private readonly clock: VirtualClock,
    private readonly opts: SchedOptions,
    private readonly backend: SchedBackend<P>,
    faults: SchedFaults = {},
  ) {
    installFaults(this.hooks, faults);
  }

  static msToNs(ms: number): bigint {
    return BigInt(Math.round(ms * 1000)) * (NS_PER_MS / 1000n);
  }

  get state(): SchedState {
    return this.stateValue;
  }

  get name(): string {
    return this.opts.name;
  }

  /** Jobs queued or on the hardware. */
  get pendingJobs(): number {
    return this.live.size;
  }

  get busy(): boolean {
    return this.running !== null || this.queue.length > 0 || this.stateValue !== 'online';
  }

  createEntity(label: string): SchedEntity {
    return new SchedEntity(++this.entitySeq, label);
  }

  /** drm_sched_entity_push_job: the job waits its turn on the device queue. */
  push(entity: SchedEntity, payload: P): SchedJob<P> {
    const job = new SchedJob(entity, payload, this.opts.name);
    this.live.add(job);
    if (entity.killed) {
      this.finish(job, ESRCH);
      return job;
    }
    this.queue.push(job);
    this.pump();
    return job;
  }

  /**
   * drm_sched_entity_kill: queued jobs of the entity finish with ESRCH. A job of
   * the entity already on the hardware is stopped and finished with ESRCH too, and the
   * device restarts the queue after `stopNs` (the firmware idles the context).
   * Calls `onIdle` once nothing of the entity is left.
   */
  killEntity(entity: SchedEntity, stopNs: bigint, onIdle: () => void): void {
    entity.killed = true;
    const mine = this.queue.filter((j) => j.entity === entity);
    this.queue = this.queue.filter((j) => j.entity !== entity);
    for (const j of mine) this.finish(j, ESRCH);
    const r = this.running;
    if (r && r.job.entity === entity) {
      this.running = null;
      r.hw.stop();
      this.finish(r.job, ESRCH);
      this.parked = true;
      this.clock.after(stopNs, () => {
        this.parked = false;
        onIdle();
        this.pump();
      });
      return;
    }
    if (stopNs > 0n) this.clock.after(stopNs, onIdle);
    else onIdle();
  }

  /**
   * drm_sched_entity_destroy on a plain close (ethosu_job_close): nothing is
   * cancelled. drm_sched_entity_flush waits until the entity's queued jobs
   * have been handed to the hardware, and they then stay on the pending list
   * until they complete or time out. The simulated close does not block:
   * the entity's queued jobs still run in turn, and `fini` counts them as
   * pending, where the real close would have put them.
   */
  closeEntity(entity: SchedEntity): void {
    entity.closed = true;
  }

  /**
   * drm_sched_fini (scheduler/sched_main.c, 7.3): dispatch stops for good and
   * the timeout work is cancelled; with `cancelJob` (a driver that implements
   * drm_sched_backend_ops.cancel_job) the pending job is cancelled and freed
   * (drm_sched_cancel_remaining_jobs). Returns how many jobs are left on the
   * pending list: the caller warns "Tearing down scheduler while jobs are
   * pending!" as drm_sched_fini does, and their BO references leak.
   */
  fini(cancelJob: boolean): number {
    this.wedged = true;
    this.tdrTimer?.cancel();
    this.tdrTimer = null;
    this.recoveryTimer?.cancel();
    this.recoveryTimer = null;
    const r = this.running;
    const pending = [...(r ? [r.job] : []), ...this.queue.filter((j) => j.entity.closed)];
    if (!cancelJob) return pending.length;
    if (r) {
      this.running = null;
      r.hw.stop();
    }
    this.queue = this.queue.filter((j) => !pending.includes(j));
    for (const j of pending) this.finish(j, ECANCELED);
    return 0;
  }

  /** Stops dispatching for good (a wedged device). */
  wedge(): void {
    this.wedged = true;
  }

  private pump(): void {
    while (!this.running && !this.parked && !this.wedged && this.stateValue === 'online') {
      const job = this.queue.shift();
      if (!job) return;
      if (job.entity.banned) {
        // drm_sched_entity_pop_job: a guilty entity's job gets -ECANCELED and
        // the driver's run_job skips it.
        this.finish(job, ECANCELED);
        continue;
      }
      this.start(job);
    }
  }

  private start(job: SchedJob<P>): void {
    job.startedNs = this.clock.nowNs();
    const t = this.hooks.call.jobTimeout(job, this.opts.timeoutNs);
    const slot: Running<P> = { job, hw: NOT_STARTED, deadline: t === null ? null : job.startedNs + t };
    this.running = slot;
    this.armTdr();
    let sync: HwCompletion | null = null;
    let started = false;
    slot.hw = this.backend.runJob(job, (c) => {
      if (this.running !== slot) return;
      if (!started) {
        sync = c;
        return;
      }
      this.hwDone(slot, c);
    });
    started = true;
    if (sync !== null) this.hwDone(slot, sync);
  }

  private hwDone(slot: Running<P>, c: HwCompletion): void {
    if (this.running !== slot) return;
    this.running = null;
    // Only a hang counts against the entity; any job that ends by itself
    // clears the streak, as a fresh karma count per job does.
    slot.job.entity.consecutiveTimeouts = 0;
    this.finish(slot.job, c.result);
    const rec = c.recoveryNs ?? 0n;
    if (rec > 0n) this.recover('crashed', rec);
    else this.pump();
  }

  private armTdr(): void {
    const d = this.running?.deadline ?? null;
    if (d === null || (this.tdrTimer !== null && this.tdrTimer.at <= d)) return;
    this.tdrTimer?.cancel();
    this.tdrTimer = this.clock.at(d, () => {
      this.tdrTimer = null;
      const r = this.running;
      if (r && r.deadline !== null && this.clock.nowNs() >= r.deadline) this.timedOut(r);
      else this.armTdr();
    });
  }

  /** drm_sched_job_timedout -> timedout_job: stop, blame, reset, restart. */
  private timedOut(slot: Running<P>): void {
    if (this.running !== slot) return;
    this.running = null;
    slot.hw.stop();
    const entity = slot.job.entity;
    entity.consecutiveTimeouts++;
    if (this.opts.hangLimit > 0 && entity.consecutiveTimeouts >= this.opts.hangLimit) entity.banned = true;
    this.finish(slot.job, this.opts.timeoutErrno ?? ETIMEDOUT);
    this.hooks.call.timedOut(slot.job, this.resetControl());
  }

  private resetControl(): SchedReset<P> {
    const sched = this;
    return {
      get queued(): readonly SchedJob<P>[] {
        return sched.queue;
      },
      resetNs: this.opts.resetNs,
      lose: (which) => {
        const lost = this.queue.filter(which);
        this.queue = this.queue.filter((j) => !which(j));
        for (const j of lost) this.live.delete(j);
      },
      cancel: (which, errno) => {
        const gone = this.queue.filter(which);
        this.queue = this.queue.filter((j) => !which(j));
        for (const j of gone) this.finish(j, errno);
      },
      recover: (ns) => this.recover('timedout', ns),
      stayDown: () => {
        this.stateValue = 'timedout';
      },
    };
  }

  private recover(state: SchedState, ns: bigint): void {
    this.stateValue = state;
    this.recoveryTimer?.cancel();
    this.recoveryTimer = this.clock.after(ns, () => {
      this.recoveryTimer = null;
      this.stateValue = 'online';
      this.pump();
    });
  }

  private finish(job: SchedJob<P>, result: number): void {
    if (job.result !== null) return;
    job.result = result;
    job.finishedNs = this.clock.nowNs();
    this.live.delete(job);
    if (result !== 0) job.fence.setError(-result);
    this.backend.freeJob?.(job);
    job.fence.signal();
    this.clock.kick();
  }
}

/** SchedFaults as timedOut hooks: what each fault does to the queue and the reset. */
function installFaults<P>(hooks: Hooks<SchedHooks<P>>, faults: SchedFaults): void {
  if (faults.dropQueuedAfterHang) {
    hooks.override('timedOut', (guilty, reset, base) => {
      reset.lose(() => true);
      base(guilty, reset);
    });
  }
  if (faults.resetKillsInnocent) {
    hooks.override('timedOut', (guilty, reset, base) => {
      reset.cancel((j) => j.entity !== guilty.entity, ECANCELED);
      base(guilty, reset);
    });
  }
  if (faults.noRecovery) hooks.override('timedOut', (guilty, reset, base) => base(guilty, { ...reset, recover: () => reset.stayDown() }));
}
