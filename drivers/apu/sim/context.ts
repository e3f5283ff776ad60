/**
 * One APU context: the driver state of one open file description. Its own
 * scheduler entity, its own IO page table (unless the shared-iommu defect is
 * on) and its own list of jobs not yet dequeued, keyed by out_sync handle.
 */
import type { DrmFile, GemObject } from '../../sim/kernel/drm/driver';
import type { ContextMappings } from '../../sim/kernel/iommu';
import type { SchedEntity, SchedJob } from '../../sim/kernel/sched';

/** A queued firmware command, as the scheduler carries it. */
export interface ApuJob {
  readonly ctx: ApuContext;
  readonly cmd: number;
  /** Arguments copied at queue time (size_in bytes). */
  readonly args: Buffer;
  readonly sizeOut: number;
  /** Objects kept alive until the job ends (one reference each). */
  readonly bos: readonly GemObject[];
  /** Result bytes, set when the job completes (size_out bytes, else empty). */
  output: Buffer;
}

export class ApuContext {
  /** Jobs queued by this file and not yet dequeued, by out_sync handle. */
  readonly jobs = new Map<number, SchedJob<ApuJob>>();
  /** Objects this context holds a reference on because they are mapped. */
  readonly mappedRefs = new Set<GemObject>();
  closed = false;

  constructor(
    readonly file: DrmFile,
    readonly entity: SchedEntity,
    readonly mappings: ContextMappings<GemObject>,
  ) {}
}

/** Per-object driver data (the APU's container of drm_gem_object). */
export interface ApuBo {
  readonly deviceReadOnly: boolean;
}

export function apuBoOf(obj: GemObject): ApuBo | null {
  const p = obj.driverPriv;
  return typeof p === 'object' && p !== null && 'deviceReadOnly' in p ? (p as ApuBo) : null;
}

export function contextOf(file: DrmFile): ApuContext | null {
  return file.driverPriv instanceof ApuContext ? file.driverPriv : null;
}
