/**
 * The APU driver's ops table. The bundled drivers use `defaultApuOps`; a
 * plugin (drivers/sim/plugin-api.ts) may replace any entry, receiving the
 * bundled one to wrap.
 */
import type { DrmFile, GemObject, IoctlContext, IoctlReturn, OpenContext } from '../../sim/kernel/drm/driver';
import type { MapError } from '../../sim/kernel/iommu';
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
  /** file_operations.flush: every close() of an fd of the file. */
  flush(dev: ApuDevice, file: DrmFile): void;
  readonly ioctls: Readonly<Record<ApuIoctlName, ApuIoctlHandler>>;
  /** The firmware: what a queued command does and how long it takes. */
  executeJob(dev: ApuDevice, job: ApuJob): Execution;
  /** Maps objects into the context's IO page table (all or nothing): addresses, or an errno name. */
  iommuMap(dev: ApuDevice, ctx: ApuContext, objs: readonly GemObject[]): bigint[] | MapError;
  /** Drops one mapping reference per object (all or nothing): null, or an errno name. */
  iommuUnmap(dev: ApuDevice, ctx: ApuContext, objs: readonly GemObject[]): MapError | null;
}

/** Takes or drops the context's object references so that it holds one per mapped object. */
function syncMappedRefs(ctx: ApuContext, objs: readonly GemObject[]): void {
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
  flush(dev, file) {
    if (dev.has('excl-release-on-close')) dev.dropLock(file);
  },
  ioctls: APU_IOCTL_HANDLERS,
  executeJob(dev, job) {
    return plan(job.cmd, job.args, {
      partialWriteOnFault: dev.has('fault-partial-write'),
      wrongChecksum: dev.has('checksum-wrong'),
    });
  },
  iommuMap(dev, ctx, objs) {
    const r = ctx.mappings.mapAll(
      objs.map((obj) => ({
        key: obj,
        memory: obj.memory,
        writable: !(apuBoOf(obj)?.deviceReadOnly ?? false) || dev.has('ro-ignored'),
      })),
    );
    if (Array.isArray(r)) syncMappedRefs(ctx, objs);
    return r;
  },
  iommuUnmap(_dev, ctx, objs) {
    const r = ctx.mappings.unmapAll(objs);
    if (r === null) syncMappedRefs(ctx, objs);
    return r;
  },
};
