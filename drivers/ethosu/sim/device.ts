/**
 * The simulated Ethos-U NPU behind sim:ethosu: struct ethosu_device of
 * drivers/accel/ethosu/ethosu_device.h, its drm_sched scheduler
 * (ethosu_job.c ethosu_job_init: one run queue, credit_limit 1, 500 ms
 * JOB_TIMEOUT_MS) and the hardware at the uAPI boundary only. The NPU never
 * executes a command stream here: like the register-window NPU of the kernel
 * lane, it either raises its completion interrupt for every job
 * ('completing') or never does ('silent', every job is cancelled by the
 * timeout and the device is reset). Data written by a real NPU is not
 * modelled.
 */
import type { DrmDevice, GemObject } from '../../sim/kernel/drm/driver';
import { GpuScheduler, type SchedEntity, type SchedJob } from '../../sim/kernel/sched';
import type { ValidatedStream } from './validate';

/** ethosu_job.c JOB_TIMEOUT_MS. */
export const JOB_TIMEOUT_MS = 500;
const ECANCELED = 125;

export type NpuPersonality = 'completing' | 'silent';

/** struct drm_ethosu_npu_info, as ethosu_init reads it from the ID/CONFIG/PMCR registers. */
export interface NpuInfo {
  readonly id: number;
  readonly config: number;
  readonly sramSize: number;
  readonly pmuCounters: number;
}

/** struct ethosu_gem_object's driver part: the creation flags and, for a command stream BO, its validated extents. */
export interface EthosuBo {
  readonly flags: number;
  /** Set once ethosu_gem_cmdstream_copy_and_validate accepted the stream. */
  info: ValidatedStream | null;
}

/** struct ethosu_perfmon. */
export interface Perfmon {
  readonly counters: readonly number[];
  /** ncounters + 1: the cycle counter is the last. */
  readonly values: bigint[];
}

/** struct ethosu_file_priv. */
export interface EthosuFile {
  readonly entity: SchedEntity;
  readonly perfmons: Map<number, Perfmon>;
}

/** struct ethosu_job: the BOs it holds and the regions they are bound to. */
export interface EthosuJob {
  readonly cmdBo: GemObject;
  readonly regions: readonly { readonly region: number; readonly bo: GemObject }[];
  /** ethosu_perfmon_find(perfmon_id): null when the id names none (not an error). */
  readonly perfmon: Perfmon | null;
}

export function boOf(obj: GemObject): EthosuBo {
  return obj.driverPriv as EthosuBo;
}

export class EthosuDevice {
  readonly sched: GpuScheduler<EthosuJob>;
  /** ethosu_device.global_perfmon. */
  globalPerfmon: Perfmon | null = null;
  /** The driver has drm_sched_backend_ops.cancel_job (model parameter cancel_job=1; 7.3's ethosu has not). */
  cancelJob = false;
  /** Set at the first open (only the open-once defect looks at it). */
  openedOnce = false;
  /** perfmon_state.active: the perfmon programmed in the PMU, until another job switches it or it is stopped. */
  activePerfmon: Perfmon | null = null;

  constructor(
    readonly drm: DrmDevice,
    readonly npu: NpuInfo,
    readonly personality: NpuPersonality,
    readonly defects: ReadonlySet<string>,
  ) {
    this.sched = new GpuScheduler<EthosuJob>(
      drm.clock,
      {
        name: 'ethosu-npu',
        timeoutNs: GpuScheduler.msToNs(JOB_TIMEOUT_MS),
        // ethosu never calls drm_sched_increase_karma: no entity is ever banned.
        hangLimit: 0,
        // ethosu_job_timedout: pm_runtime_force_suspend/resume re-runs ethosu_reset, a register poll.
        resetNs: 1_000_000n,
        // ethosu_job_timedout restarts with drm_sched_start(&dev->sched, 0).
        timeoutErrno: ECANCELED,
      },
      {
        runJob: (job, done) => {
          // ethosu_switch_perfmon: the global perfmon, else the job's, becomes the active one.
          const perfmon = this.globalPerfmon ?? job.payload.perfmon;
          if (perfmon !== this.activePerfmon) this.activePerfmon = perfmon;
          // ethosu_job_hw_submit starts the NPU; only its IRQ (ethosu_job_handle_irq) ends the job.
          if (this.personality === 'completing') done({ result: 0 });
          return { stop: () => undefined };
        },
        freeJob: (job) => {
          // ethosu_job_err_cleanup: the job's BO references go.
          for (const r of job.payload.regions) r.bo.put();
          job.payload.cmdBo.put();
        },
      },
    );
  }

  /** ethosu_is_u65: arch major 1 in the ID register. */
  get isU65(): boolean {
    return this.npu.id >>> 28 === 1;
  }

  has(defect: string): boolean {
    return this.defects.has(defect);
  }

  /** ethosu_job_push + ethosu_attach_object_fences: the finished fence goes on every output region's BO as a WRITE fence. */
  push(file: EthosuFile, job: EthosuJob): SchedJob<EthosuJob> {
    const info = boOf(job.cmdBo).info;
    const sj = this.sched.push(file.entity, job);
    for (const r of job.regions) {
      if (info?.outputRegion[r.region]) r.bo.resv.add(sj.fence, 'write');
    }
    return sj;
  }
}
