/**
 * The per-device state of an APU model: its scheduler, its firmware, its
 * open policy lock and its contexts. Ops (./ops.ts) act on it; plugins and
 * defects (./defects.ts) replace ops and scheduler hooks but share this state.
 */
import { ERRNO, type ErrnoName, SysError } from '../../../harness/sys/errno';
import type { DrmDevice, DrmFile } from '../../sim/kernel/drm/driver';
import { GpuScheduler, type HwRun, type SchedJob, type SchedState } from '../../sim/kernel/sched';
import { ApuContext, type ApuJob } from './context';
import type { ApuModelConfig, ApuParams } from './config';
import type { ApuDriverOps } from './ops';

type LockState = { readonly file: DrmFile; phase: 'open' | 'teardown' } | null;

export class ApuDevice {
  readonly sched: GpuScheduler<ApuJob>;
  readonly contexts = new Set<ApuContext>();
  /** Exclusive policy: the file holding the device, or being torn down. */
  private lock: LockState = null;
  /** Contexts released but still tearing down (their jobs being stopped). */
  tearingDown = 0;

  constructor(
    readonly drm: DrmDevice,
    readonly model: ApuModelConfig,
    readonly params: ApuParams,
    readonly defects: ReadonlySet<string>,
    /** The ops table in force (bundled, or with a plugin's or defects' replacements). */
    readonly ops: ApuDriverOps,
  ) {
    this.sched = new GpuScheduler<ApuJob>(
      drm.clock,
      {
        name: `${model.driverName}.${drm.accelIndex}`,
        timeoutNs: GpuScheduler.msToNs(params.timeoutMs),
        hangLimit: params.banAfter,
        resetNs: model.resetNs,
      },
      { runJob: (job, done) => this.runJob(job, done), freeJob: (job) => this.freeJob(job) },
    );
  }

  get state(): SchedState {
    return this.sched.state;
  }

  get exclusive(): boolean {
    return this.params.exclusive;
  }

  /** EBUSY while another file holds an exclusive device, EAGAIN while it is torn down. */
  acquire(file: DrmFile): void {
    if (!this.exclusive) return;
    if (this.lock?.phase === 'open') throw sysErr('EBUSY', 'open');
    if (this.lock?.phase === 'teardown') throw sysErr('EAGAIN', 'open');
    this.lock = { file, phase: 'open' };
  }

  /** Drops the lock held by `file` at once (a driver that releases it early). */
  dropLock(file: DrmFile): void {
    if (this.lock?.file === file) this.lock = null;
  }

  createContext(file: DrmFile): ApuContext {
    const mappings = this.ops.createMappings(this, file, {});
    const ctx = new ApuContext(file, this.sched.createEntity(`client${file.clientId}`), mappings);
    this.contexts.add(ctx);
    return ctx;
  }

  /**
   * drm_driver.postclose: drop every mapping, stop the context's jobs and
   * idle the firmware (model.teardownNs), then let the next user in.
   */
  destroyContext(ctx: ApuContext): void {
    ctx.closed = true;
    this.contexts.delete(ctx);
    for (const obj of ctx.mappedRefs) obj.put();
    ctx.mappedRefs.clear();
    // The context's own mappings go; a domain other contexts share keeps theirs.
    ctx.mappings.clear();
    ctx.jobs.clear();
    if (this.lock?.file === ctx.file) this.lock.phase = 'teardown';
    this.tearingDown++;
    this.sched.killEntity(ctx.entity, this.model.teardownNs, () => {
      this.tearingDown--;
      if (this.lock?.file === ctx.file) this.lock = null;
      this.drm.clock.kick();
    });
  }

  private runJob(job: SchedJob<ApuJob>, done: (c: { result: number; recoveryNs?: bigint }) => void): HwRun {
    const exec = this.ops.executeJob(this, job.payload);
    const timer = this.drm.clock.after(exec.durationNs, () => {
      const out = exec.run(job.payload.ctx.mappings.domain);
      if (out.kind === 'hang') return;
      if (out.kind === 'crash') {
        done({ result: ERRNO.EIO, recoveryNs: this.model.crashRecoveryNs });
        return;
      }
      job.payload.output = out.output;
      done({ result: out.result });
    });
    return { stop: () => timer.cancel() };
  }

  private freeJob(job: SchedJob<ApuJob>): void {
    for (const bo of job.payload.bos) bo.put();
  }
}

export function sysErr(name: ErrnoName, call: string, detail?: string): SysError {
  return SysError.of(name, call, detail);
}
