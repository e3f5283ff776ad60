/**
 * The fault-injection points of the simulated DRM core, as hook tables
 * (../hooks.ts). Each hook is a decision the kernel makes in one function;
 * its default is what mainline does there, cited below. The core defects
 * of the catalogue (./defects.ts) are written against these hooks only,
 * and so can a plugin's (DrmRegisterOptions.hooks; docs/plugins.md).
 */
import type { ErrnoName } from '../../../../harness/sys/errno';
import type { HookOverride, HookTable } from '../hooks';
import type { Idr } from './idr';
import type { DrmDevice, DrmDriver, DrmFile, DrmIoctlFunc, GemObject, IoctlContext, OpenContext } from './driver';

/** Minors beside the accel one that drm_dev_register may create. */
export type ExtraMinor = 'render' | 'control';

/** One entry of a file's GEM handle table (drm_file.object_idr). */
export interface GemHandleEntry {
  readonly obj: GemObject;
  /** The file that created the handle (another one only when a hook shares tables). */
  readonly owner: DrmFile;
}

/** A dma-buf exported by the DRM core (struct dma_buf whose priv is a GEM object). */
export interface DmaBufRef {
  readonly size: number;
  /** dmabuf->priv: the exporting object. */
  readonly obj: GemObject;
  get(): void;
  put(): void;
}

/** Who holds an object reference through objectHold. */
export type ObjectHolder = 'mmap' | 'dma-buf';

/** Per-device hooks of the DRM core. */
export interface DrmCoreHooks {
  /** drm_dev_init: the driver ops table the core records (default: as registered). */
  driver(driver: DrmDriver): DrmDriver;
  /**
   * drm_dev_register: the minors created beside the accel one. Default: a
   * control minor when DrmRegisterOptions.controlNode asks for one, nothing else
   * (drm_dev_init allocates only DRM_MINOR_ACCEL for DRIVER_COMPUTE_ACCEL).
   */
  minors(dev: DrmDevice, requested: readonly ExtraMinor[]): readonly ExtraMinor[];
  /** device_add -> dev_show: the minor number the class device's sysfs `dev` prints (default: the node's). */
  sysfsDevMinor(dev: DrmDevice, type: 'accel' | ExtraMinor, minor: number): number;
  /** drm_open_helper before drm_file_alloc: "No exclusive opens" (O_EXCL is EBUSY). */
  openPermit(dev: DrmDevice, ctx: OpenContext): void;
  /** drm_ioctl_permit: throws EACCES (SysError) when `file` may not run an ioctl declared with `flags`. */
  ioctlPermit(file: DrmFile, flags: number, ctx: IoctlContext): void;
  /** drm_ioctl: the errno of a request number with no handler (EINVAL). */
  unknownIoctl(dev: DrmDevice, cmd: number): ErrnoName;
  /** The idr a GEM handle table allocates from: idr_alloc(1, 0), lowest free from 1. */
  handleIdr(dev: DrmDevice): Idr<GemHandleEntry>;
  /** drm_file_alloc -> drm_gem_open: the handle table of a new file (default: `fresh()`, its own). */
  fileHandles(file: DrmFile, fresh: () => Idr<GemHandleEntry>): Idr<GemHandleEntry>;
  /** drm_file_free -> drm_gem_release: every handle the file holds goes (`releaseAll`). */
  gemRelease(file: DrmFile, releaseAll: () => void): void;
  /** drm_gem_mmap -> drm_vma_node_is_allowed: may `file` map `obj` (default: it holds a handle)? */
  mmapPermit(file: DrmFile, obj: GemObject): boolean;
  /**
   * The reference a mapping (drm_gem_mmap_obj) or an exported dma-buf
   * (drm_gem_dmabuf_export) takes on its object: returns what drops it, or
   * null when none was taken.
   */
  objectHold(obj: GemObject, holder: ObjectHolder): (() => void) | null;
  /**
   * drm_gem_prime_handle_to_dmabuf: the dma-buf to hand out again for
   * `handle` (the file's PRIME cache, then obj->dma_buf), without a new
   * reference; null exports a new one.
   */
  primeReuse(file: DrmFile, handle: number, obj: GemObject): DmaBufRef | null;
  /** drm_gem_prime_fd_to_handle: the handle this file already has for `dmabuf` (the PRIME cache), or null. */
  primeKnownHandle(file: DrmFile, dmabuf: DmaBufRef): number | null;
  /** dma_buf_llseek: SEEK_SET/SEEK_END with offset 0 only; the new position, or EINVAL. */
  dmabufLlseek(dmabuf: DmaBufRef, offset: bigint, whence: number): bigint;
  /** dma_buf_ioctl(DMA_BUF_IOCTL_SYNC): checks `flags` (EINVAL) and begins or ends CPU access. */
  dmabufSync(dmabuf: DmaBufRef, flags: bigint): void;
}

/** Kernel-wide hooks: code every driver shares (drm.ko), so a change stays for every later registration. */
export interface DrmKernelHooks {
  /** drm_dev_init: "DRM driver can't be both a compute acceleration and graphics driver" (EINVAL). */
  devInit(features: number): void;
}

/** What an installer (a core defect, or a plugin's DrmRegisterOptions.hooks entry) may change for one device. */
export interface DrmCoreHookSet extends HookTable<DrmCoreHooks> {
  /** Replaces a core ioctl by name (`VERSION`, `GEM_CLOSE`, `MODE_GETRESOURCES`, ...: coreIoctlNames). */
  overrideIoctl(name: string, fn: HookOverride<DrmIoctlFunc>): void;
  /** Names of the core ioctl table (drm_ioctls[]), without the DRM_IOCTL_ prefix. */
  readonly coreIoctlNames: readonly string[];
  /** The kernel-wide hooks. */
  readonly kernel: HookTable<DrmKernelHooks>;
}

export type DrmCoreHookInstaller = (hooks: DrmCoreHookSet) => void;
