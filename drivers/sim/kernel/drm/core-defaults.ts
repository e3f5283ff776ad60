/**
 * The mainline behaviour behind each hook of ./core-hooks.ts. The core only
 * ever passes its own objects, so the defaults take the implementation
 * types (hook parameters are bivariant method parameters).
 */
import { SysError } from '../../../../harness/sys/errno';
import { O_EXCL, SEEK_END, SEEK_SET } from '../../../../harness/sys/constants';
import { DMA_BUF_SYNC_RW, DMA_BUF_SYNC_VALID_FLAGS_MASK } from '../../../../harness/uapi/dma-buf';
import type { DrmCoreHooks, DrmKernelHooks, GemHandleEntry } from './core-hooks';
import type { DmaBuf } from '../dma-buf/dma-buf';
import {
  DRIVER_COMPUTE_ACCEL,
  DRIVER_MODESET,
  DRIVER_RENDER,
  DRM_AUTH,
  DRM_CONTROL_ALLOW,
  DRM_MASTER,
  DRM_RENDER_ALLOW,
  DRM_ROOT_ONLY,
  type DrmDriver,
  type IoctlContext,
  type OpenContext,
} from './driver';
import type { DrmFileImpl } from './file';
import type { GemObjectImpl } from './gem';
import { Idr } from './idr';

export const KERNEL_HOOK_DEFAULTS: DrmKernelHooks = {
  devInit(features: number): void {
    if (features & DRIVER_COMPUTE_ACCEL && features & (DRIVER_RENDER | DRIVER_MODESET)) {
      throw SysError.of('EINVAL', 'drm_dev_init', 'DRIVER_COMPUTE_ACCEL with DRIVER_RENDER or DRIVER_MODESET');
    }
  },
};

export const CORE_HOOK_DEFAULTS: DrmCoreHooks = {
  driver: (driver: DrmDriver) => driver,
  minors: (_dev, requested) => requested,
  sysfsDevMinor: (_dev, _type, minor) => minor,
  openPermit(_dev, ctx: OpenContext) {
    if (ctx.flags & O_EXCL) throw SysError.of('EBUSY', 'open', 'DRM nodes refuse O_EXCL');
  },
  /**
   * drm_ioctl_permit. Accel files are neither render clients nor masters;
   * `authenticated` is capable(CAP_SYS_ADMIN) at open (drm_file_alloc), so
   * DRM_AUTH ioctls are root-only on accel nodes and DRM_MASTER ones always
   * EACCES. DRM_RENDER_ALLOW only matters on render nodes.
   */
  ioctlPermit(file: DrmFileImpl, flags: number, ctx: IoctlContext) {
    const render = file.minorType === 'render';
    if (flags & DRM_ROOT_ONLY && !ctx.admin) throw SysError.of('EACCES', 'ioctl', 'DRM_ROOT_ONLY');
    if (flags & DRM_AUTH && !render && !file.authenticated) throw SysError.of('EACCES', 'ioctl', 'DRM_AUTH: not authenticated');
    if (flags & DRM_MASTER) throw SysError.of('EACCES', 'ioctl', 'DRM_MASTER: not master');
    if (!(flags & DRM_RENDER_ALLOW) && render) throw SysError.of('EACCES', 'ioctl', 'not DRM_RENDER_ALLOW');
    // Kernels with control minors (torvalds/linux 012c6741c6aa drm_ioctl.c drm_ioctl_permit):
    // "Control clients must be explicitly allowed" -> -EACCES. Only files of a declared control node get here.
    if (file.minorType === 'control' && !(flags & DRM_CONTROL_ALLOW)) {
      throw SysError.of('EACCES', 'ioctl', 'control node: not DRM_CONTROL_ALLOW');
    }
  },
  unknownIoctl: () => 'EINVAL',
  handleIdr: () => new Idr<GemHandleEntry>(),
  fileHandles: (_file, fresh) => fresh(),
  gemRelease: (_file, releaseAll) => releaseAll(),
  mmapPermit: (file: DrmFileImpl, obj: GemObjectImpl) => obj.vmaNode.isAllowed(file),
  objectHold(obj) {
    obj.get();
    return () => obj.put();
  },
  primeReuse: (file: DrmFileImpl, handle: number, obj: GemObjectImpl) => file.prime.lookupByHandle(handle) ?? obj.dmaBuf,
  primeKnownHandle: (file: DrmFileImpl, dmabuf: DmaBuf) => file.prime.lookupByBuf(dmabuf),
  dmabufLlseek(dmabuf, offset, whence) {
    let base: bigint;
    if (whence === SEEK_END) base = BigInt(dmabuf.size);
    else if (whence === SEEK_SET) base = 0n;
    else throw SysError.of('EINVAL', 'lseek');
    if (offset !== 0n) throw SysError.of('EINVAL', 'lseek');
    return base;
  },
  dmabufSync(_dmabuf, flags) {
    if (flags & ~DMA_BUF_SYNC_VALID_FLAGS_MASK) throw SysError.of('EINVAL', 'ioctl', 'DMA_BUF_IOCTL_SYNC flags');
    // The direction must be READ, WRITE or both (dma_buf_ioctl: default -> EINVAL).
    if ((flags & DMA_BUF_SYNC_RW) === 0n) throw SysError.of('EINVAL', 'ioctl', 'DMA_BUF_IOCTL_SYNC direction');
    // begin/end_cpu_access: the DRM GEM exporter has no such ops: nothing to do.
  },
};
