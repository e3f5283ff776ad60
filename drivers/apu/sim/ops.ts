/**
 * The APU driver's ops table. The bundled drivers use `defaultApuOps`; a
 * plugin (drivers/sim/plugin-api.ts) may replace any entry, receiving the
 * bundled one to wrap.
 */
import type { CloseContext, DrmFile, GemObject, IoctlContext, IoctlReturn, OpenContext, VmArea } from '../../sim/kernel/drm/driver';
import { type ContextIommuOptions, ContextMappings, IommuDomain, type MapError } from '../../sim/kernel/iommu';
import type { HookTable } from '../../sim/kernel/hooks';
import type { SchedHooks, SchedJob } from '../../sim/kernel/sched';
import type { ApuDefectTarget, ApuOpsOverrides, SchedHookOverrides } from '../../sim/plugin-api';
import { type ApuContext, type ApuJob, apuBoOf, contextOf } from './context';
import type { ApuDevice } from './device';
import { type Execution, plan } from './firmware';
import { APU_IOCTL_HANDLERS, type ApuIoctlName } from './ioctls';

export type ApuIoctlHandler = (dev: ApuDevice, data: Buffer, file: DrmFile, ctx: IoctlContext) => IoctlReturn;

export interface ApuDriverOps {
  /** drm_driver.open: open policy, then a new context in file.driverPriv. Throws SysError to refuse. */
  open(dev: ApuDevice, file: DrmFile, ctx: OpenContext): void;
  /** drm_driver.postclose, at the last release of the file. */
  release(dev: ApuDevice, file: DrmFile): void;
  /** file_operations.flush: every close() of an fd of the file, by the closing task. */
  flush(dev: ApuDevice, file: DrmFile, closer: CloseContext): void;
  readonly ioctls: Readonly<Record<ApuIoctlName, ApuIoctlHandler>>;
  /** The firmware: what a queued command does and how long it takes. */
  executeJob(dev: ApuDevice, job: ApuJob): Execution;
  /** Maps objects into the context's IO page table (all or nothing): addresses, or an errno name. */
  iommuMap(dev: ApuDevice, ctx: ApuContext, objs: readonly GemObject[]): bigint[] | MapError;
  /** Drops one mapping reference per object (all or nothing): null, or an errno name. */
  iommuUnmap(dev: ApuDevice, ctx: ApuContext, objs: readonly GemObject[]): MapError | null;
  /**
   * The IO address space of a new context: by default a domain of its own
   * over the model's aperture (a per-context IOMMU), refcounted mappings.
   */
  createMappings(dev: ApuDevice, file: DrmFile, options: ApuMappingOptions): ContextMappings<GemObject>;
  /** GEM_DEQUEUE's lookup of a job by out_sync: the file's own jobs only. */
  findJob(dev: ApuDevice, ctx: ApuContext, outSync: number): FoundJob | null;
  /** file_operations.mmap of the node: the core's drm_gem_mmap (DrmDevice.gemMmap). */
  mmap(dev: ApuDevice, file: DrmFile, vma: VmArea): void;
}

/** How createMappings builds a context's mappings: a domain to use (else a new one) and the mapping helper's options. */
export interface ApuMappingOptions extends ContextIommuOptions {
  readonly domain?: IommuDomain;
}

export interface FoundJob {
  /** The context whose list holds the job. */
  readonly owner: ApuContext;
  readonly job: SchedJob<ApuJob>;
}

/**
 * Takes or drops the context's object references so that it holds one per
 * mapped object: what an iommuMap / iommuUnmap replacement calls after
 * changing ctx.mappings.
 */
export function syncMappedRefs(ctx: ApuContext, objs: readonly GemObject[]): void {
  for (const obj of new Set(objs)) {
    const mapped = ctx.mappings.lookup(obj) !== undefined;
    if (mapped && !ctx.mappedRefs.has(obj)) {
      obj.get();
      ctx.mappedRefs.add(obj);
    } else if (!mapped && ctx.mappedRefs.has(obj)) {
      ctx.mappedRefs.delete(obj);
      obj.put();
    }
  }
}

export const defaultApuOps: ApuDriverOps = {
  open(dev, file) {
    dev.acquire(file);
    file.driverPriv = dev.createContext(file);
  },
  release(dev, file) {
    const ctx = contextOf(file);
    file.driverPriv = null;
    if (ctx && dev.contexts.has(ctx)) dev.destroyContext(ctx);
  },
  flush() {
    // The exclusive lock belongs to the file, not to an fd: nothing to do at close().
  },
  ioctls: APU_IOCTL_HANDLERS,
  executeJob(_dev, job) {
    return plan(job.cmd, job.args);
  },
  iommuMap(_dev, ctx, objs) {
    const r = ctx.mappings.mapAll(
      objs.map((obj) => ({ key: obj, memory: obj.memory, writable: !(apuBoOf(obj)?.deviceReadOnly ?? false) })),
    );
    if (Array.isArray(r)) syncMappedRefs(ctx, objs);
    return r;
  },
  iommuUnmap(_dev, ctx, objs) {
    const r = ctx.mappings.unmapAll(objs);
    if (r === null) syncMappedRefs(ctx, objs);
    return r;
  },
  createMappings(dev, file, options) {
    return new ContextMappings<GemObject>(options.domain ?? new IommuDomain(dev.model.aperture, `ctx${file.clientId}`), options);
  },
  findJob(_dev, ctx, outSync) {
    const job = ctx.jobs.get(outSync);
    return job ? { owner: ctx, job } : null;
  },
  mmap(dev, file, vma) {
    dev.drm.gemMmap(file, vma);
  },
};

/** Something that changes one APU device as it is probed: a defect, or a plugin's own hooks. */
export type ApuInstaller = (target: ApuDefectTarget) => void;

/** Applies replacements on top of an ops table; each receives the op it replaces. */
export function overrideOps(base: ApuDriverOps, o: ApuOpsOverrides = {}): ApuDriverOps {
  const ioctls = { ...base.ioctls };
  for (const [name, fn] of Object.entries(o.ioctls ?? {}) as [ApuIoctlName, NonNullable<ApuOpsOverrides['ioctls']>[ApuIoctlName]][]) {
    if (!fn) continue;
    const prev = base.ioctls[name];
    ioctls[name] = (dev, data, file, ctx) => fn(dev, data, file, ctx, prev);
  }
  const { open, release, flush, executeJob, iommuMap, iommuUnmap, createMappings, findJob, mmap } = o;
  return {
    open: open ? (d, f, c) => open(d, f, c, base.open) : base.open,
    release: release ? (d, f) => release(d, f, base.release) : base.release,
    flush: flush ? (d, f, c) => flush(d, f, c, base.flush) : base.flush,
    ioctls,
    executeJob: executeJob ? (d, j) => executeJob(d, j, base.executeJob) : base.executeJob,
    iommuMap: iommuMap ? (d, c, objs) => iommuMap(d, c, objs, base.iommuMap) : base.iommuMap,
    iommuUnmap: iommuUnmap ? (d, c, objs) => iommuUnmap(d, c, objs, base.iommuUnmap) : base.iommuUnmap,
    createMappings: createMappings ? (d, f, opts) => createMappings(d, f, opts, base.createMappings) : base.createMappings,
    findJob: findJob ? (d, c, n) => findJob(d, c, n, base.findJob) : base.findJob,
    mmap: mmap ? (d, f, v) => mmap(d, f, v, base.mmap) : base.mmap,
  };
}

/** Applies scheduler hook replacements. */
export function overrideSched(hooks: HookTable<SchedHooks<ApuJob>>, o: SchedHookOverrides): void {
  if (o.jobTimeout) hooks.override('jobTimeout', o.jobTimeout);
  if (o.timedOut) hooks.override('timedOut', o.timedOut);
}
