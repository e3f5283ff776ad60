/**
 * The simulated RK3588 NPU behind sim:rocket: struct rocket_device of
 * drivers/accel/rocket/rocket_device.h with one core (rknn core 0; the
 * RK3588's three cores would each run a job at once, which no test looks
 * at), its drm_sched scheduler (rocket_job.c rocket_job_init: credit_limit
 * 1, 500 ms JOB_TIMEOUT_MS) and the hardware at the uAPI boundary only. The
 * NPU never executes a register command list here: it either raises its DPU
 * interrupt after every task ('completing', TASK_NS of virtual time per task)
 * or never does ('silent': every job is ended by the timeout and the core is
 * reset). Data written by a real NPU is not modelled.
 */
import type { DrmDevice, GemObject } from '../../sim/kernel/drm/driver';
import { GpuScheduler, type SchedEntity, type SchedJob } from '../../sim/kernel/sched';
import { ROCKET_JOB_TIMEOUT_MS } from '../profile';

const ECANCELED = 125;
/** Virtual time one task takes on a completing NPU: long enough for a PREP_BO poll right after SUBMIT to see the job busy. */
export const TASK_NS = 100_000n;
export const PAGE_SIZE = 4096;
/** rockchip-iommu.c rk_iommu_domain_alloc_paging: aperture_start 0, aperture_end DMA_BIT_MASK(32). */
export const APERTURE_START = 0n;
export const APERTURE_SIZE = 1n << 32n;

export type NpuPersonality = 'completing' | 'silent';

/** struct drm_mm over one domain's aperture, as rocket_ioctl_create_bo uses it (DRM_MM_INSERT_BEST, PAGE_SIZE alignment). */
export class DrmMm {
  private readonly nodes: { start: bigint; size: bigint }[] = [];

  constructor(
    readonly start: bigint,
    readonly size: bigint,
  ) {}

  /**
   * drm_mm_insert_node_generic(mm, node, size, align, 0, DRM_MM_INSERT_BEST):
   * the smallest hole the aligned node fits in, placed at that hole's low end;
   * ENOSPC (null here) for size 0 or when no hole fits.
   */
  insert(size: bigint, align: bigint): bigint | null {
    if (size === 0n) return null;
    const holes: { start: bigint; end: bigint }[] = [];
    let at = this.start;
    for (const n of [...this.nodes].sort((a, b) => (a.start < b.start ? -1 : 1))) {
      if (n.start > at) holes.push({ start: at, end: n.start });
      at = n.start + n.size;
    }
    const end = this.start + this.size;
    if (end > at) holes.push({ start: at, end });
    holes.sort((a, b) => (a.end - a.start < b.end - b.start ? -1 : a.end - a.start > b.end - b.start ? 1 : a.start < b.start ? -1 : 1));
    for (const h of holes) {
      const s = ((h.start + align - 1n) / align) * align;
      if (s + size <= h.end) {
        this.nodes.push({ start: s, size });
        return s;
      }
    }
    return null;
  }

  /** drm_mm_remove_node. */
  remove(start: bigint): void {
    const i = this.nodes.findIndex((n) => n.start === start);
    if (i >= 0) this.nodes.splice(i, 1);
  }
}

/** struct rocket_file_priv: the file's IOMMU domain (as its drm_mm) and scheduler entity. */
export interface RocketFile {
  readonly mm: DrmMm;
  readonly entity: SchedEntity;
}

/** struct rocket_gem_object's driver part: where the BO is mapped in its file's domain. */
export interface RocketBo {
  readonly mm: DrmMm;
  readonly dmaAddress: bigint;
}

/** struct rocket_job: the tasks and the BO references it holds. */
export interface RocketJob {
  readonly tasks: readonly { readonly regcmd: number; readonly regcmdCount: number }[];
  readonly inBos: readonly GemObject[];
  readonly outBos: readonly GemObject[];
}

export class RocketDevice {
  readonly sched: GpuScheduler<RocketJob>;
  /** One drm_mm for every file: only the mm-global defect uses it. */
  readonly globalMm = new DrmMm(APERTURE_START, APERTURE_SIZE);

  constructor(
    readonly drm: DrmDevice,
    readonly personality: NpuPersonality,
    readonly defects: ReadonlySet<string>,
  ) {
    this.sched = new GpuScheduler<RocketJob>(
      drm.clock,
      {
        name: 'rocket-npu',
        timeoutNs: GpuScheduler.msToNs(ROCKET_JOB_TIMEOUT_MS),
        // rocket never calls drm_sched_increase_karma: no entity is ever banned.
        hangLimit: 0,
        // rocket_core_reset: reset_control_bulk_assert, udelay(10), deassert.
        resetNs: 10_000n,
        // rocket_reset restarts with drm_sched_start(&core->sched, 0): the stopped job ends with -ECANCELED.
        timeoutErrno: ECANCELED,
      },
      {
        runJob: (job, done) => {
          // rocket_job_hw_submit starts task 0; rocket_job_handle_irq starts the next one per DPU
          // interrupt and signals the job's fence after the last.
          if (this.personality !== 'completing') return { stop: () => undefined };
          const timer = drm.clock.after(TASK_NS * BigInt(job.payload.tasks.length), () => done({ result: 0 }));
          return { stop: () => timer.cancel() };
        },
        freeJob: (job) => {
          // rocket_job_cleanup: the job's BO references go.
          for (const o of job.payload.inBos) o.put();
          for (const o of job.payload.outBos) o.put();
        },
      },
    );
  }

  has(defect: string): boolean {
    return this.defects.has(defect);
  }

  /** rocket_job_push + rocket_attach_object_fences: the job's finished fence goes on every out BO as a WRITE fence. */
  push(file: RocketFile, job: RocketJob): SchedJob<RocketJob> {
    const sj = this.sched.push(file.entity, job);
    if (!this.has('out-bo-unfenced')) for (const o of job.outBos) o.resv.add(sj.fence, 'write');
    return sj;
  }
}
