/**
 * The driver-facing interface of the simulated DRM core: what a bundled
 * driver (drivers/apu/sim) declares and what it may call. It mirrors
 * include/drm/drm_drv.h (struct drm_driver, enum drm_driver_feature),
 * include/drm/drm_ioctl.h (struct drm_ioctl_desc, enum drm_ioctl_flags),
 * include/drm/drm_gem.h, include/drm/drm_syncobj.h and include/drm/drm_file.h.
 *
 * Stable contract: drivers are written against this file only (plus
 * ../clock.ts and ../fence.ts). The core implements it in drm/*.ts.
 */
import { DRM_COMMAND_BASE, DRM_COMMAND_END, DRM_IOCTL_BASE_CODE } from '../../../../harness/uapi/drm';
import type { IoctlDecl } from '../../../../harness/uapi/ioctl';
import type { KernelLogBuffer } from '../printk';
import type { VirtualClock } from '../clock';
import type { DrmCoreHookInstaller } from './core-hooks';
import type { DmaFence } from '../dma-buf/dma-fence';
import type { DmaResv } from '../dma-buf/dma-resv';

/* enum drm_driver_feature (include/drm/drm_drv.h). */
export const DRIVER_GEM = 1 << 0;
export const DRIVER_MODESET = 1 << 1;
export const DRIVER_RENDER = 1 << 3;
export const DRIVER_ATOMIC = 1 << 4;
export const DRIVER_SYNCOBJ = 1 << 5;
export const DRIVER_SYNCOBJ_TIMELINE = 1 << 6;
export const DRIVER_COMPUTE_ACCEL = 1 << 7;
export const DRIVER_GEM_GPUVA = 1 << 8;
export const DRIVER_CURSOR_HOTSPOT = 1 << 9;

/* enum drm_ioctl_flags (include/drm/drm_ioctl.h). */
export const DRM_AUTH = 1 << 0;
export const DRM_MASTER = 1 << 1;
export const DRM_ROOT_ONLY = 1 << 2;
export const DRM_RENDER_ALLOW = 1 << 5;
/**
 * DRM_CONTROL_ALLOW (BIT(3)) of kernels that still had control minors: the
 * only ioctls a control-node file may run (drm_ioctl_permit, "Control clients
 * must be explicitly allowed"). Mainline dropped it with the control minors;
 * the simulator keeps it for models that declare a control node
 * (DrmRegisterOptions.controlNode).
 */
export const DRM_CONTROL_ALLOW = 1 << 3;

/** The kernel's page size: GEM sizes and mmap offsets are in these units. */
export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12n;

/**
 * What an ioctl handler returns: 0, or (async mode only, through
 * IoctlContext.sleep) a promise of 0. Failures are thrown as SysError, never
 * returned, and never any other exception.
 */
export type IoctlReturn = number | Promise<number>;

/**
 * drm_ioctl_t. `data` is the kernel copy of the argument, exactly the size of
 * the kernel struct (`_IOC_SIZE(desc.cmd)`): the core copied in what user
 * space gave and zero-filled the rest, and copies `data` back out after the
 * handler (even when it throws, as drm_ioctl does).
 */
export type DrmIoctlFunc = (dev: DrmDevice, data: Buffer, file: DrmFile, ctx: IoctlContext) => IoctlReturn;

/** struct drm_ioctl_desc, as DRM_IOCTL_DEF_DRV builds it. */
export interface DrmIoctlDesc {
  /** Index in the driver range: the ioctl's _IOC_NR minus DRM_COMMAND_BASE. */
  readonly nr: number;
  readonly name: string;
  /**
   * The full request number the kernel declares (DRM_IOWR(DRM_COMMAND_BASE + nr, struct)):
   * its size is the kernel struct size and its direction bits decide which
   * copies happen (drm_ioctl: `cmd & ioctl->cmd & IOC_IN`).
   */
  readonly cmd: number;
  /** DRM_AUTH | DRM_MASTER | DRM_ROOT_ONLY | DRM_RENDER_ALLOW. */
  readonly flags: number;
  readonly func: DrmIoctlFunc;
}

/**
 * DRM_IOCTL_DEF_DRV: a driver's table entry from the ioctl's one
 * declaration (drmDriverIoctl: index, and the request number with the
 * kernel's struct size), the permission flags and the handler.
 */
export function drmIoctlDef(decl: IoctlDecl, flags: number, func: DrmIoctlFunc): DrmIoctlDesc {
  if (decl.type !== DRM_IOCTL_BASE_CODE || decl.nr < DRM_COMMAND_BASE || decl.nr >= DRM_COMMAND_END) {
    throw new RangeError(`${decl.name} is not a DRM driver ioctl (DRM_COMMAND_BASE..DRM_COMMAND_END)`);
  }
  return { nr: decl.nr - DRM_COMMAND_BASE, name: decl.name, cmd: decl.kernelRequest, flags, func };
}

/** A read-only debugfs file under /sys/kernel/debug/accel/<unique>/ (unique: the parent device's name). */
export interface DebugfsFile {
  readonly name: string;
  show(dev: DrmDevice): string;
}

/** What open() tells the driver about the opener. */
export interface OpenContext {
  readonly pid: number;
  readonly uid: number;
  /** open(2) flags (O_NONBLOCK, O_EXCL, ...). */
  readonly flags: number;
}

/** The task closing an fd (flush runs as current). */
export interface CloseContext {
  readonly pid: number;
  readonly uid: number;
}

/** struct drm_driver: the ops table a driver registers. */
export interface DrmDriver {
  readonly name: string;
  readonly desc: string;
  /** Kept for older kernels; mainline DRM_IOCTL_VERSION reports "0" (see docs/simulator.md). */
  readonly date: string;
  readonly major: number;
  readonly minor: number;
  readonly patchlevel: number;
  /** DRIVER_* bits. */
  readonly features: number;
  /** Driver ioctls; a hole in `nr` is an empty slot (EINVAL, as a NULL func in drm_ioctl). */
  readonly ioctls: readonly DrmIoctlDesc[];
  /**
   * drm_driver.open: called from drm_open_helper for each new open file
   * description, after the core set up the DrmFile. Throwing a SysError
   * (EBUSY, EAGAIN, ...) fails the open(2) with it; postclose is then not called.
   */
  open?(dev: DrmDevice, file: DrmFile, ctx: OpenContext): void;
  /**
   * drm_driver.postclose: called from drm_file_free when the LAST reference to
   * the open file description drops (close of the last fd, exit, last
   * in-flight SCM_RIGHTS copy gone), after the core released the file's
   * syncobjs and GEM handles.
   */
  postclose?(dev: DrmDevice, file: DrmFile): void;
  /**
   * file_operations.flush of a driver with its own fops: runs at every
   * close(2) of an fd of the file (fs/open.c filp_close), not only the last,
   * in the context of the closing task (`closer`: current, which may not be the opener).
   */
  flush?(dev: DrmDevice, file: DrmFile, closer: CloseContext): void;
  /**
   * False for a driver with no drm_driver.gem_prime_import_sg_table (nor its
   * own gem_prime_import): drm_gem_prime_import_dev then answers a dma-buf of
   * another device with EINVAL, while its own buffers still import as the
   * same object. Default: foreign dma-bufs are attached.
   */
  readonly primeImportForeign?: boolean;
  /** Extra debugfs files beside the core's name, clients and gem_objects. */
  readonly debugfs?: readonly DebugfsFile[];
  /**
   * Replaces the core's drm_gem_mmap for mmap(2) of the device node (a
   * driver's own file_operations.mmap). Must set `vma.memory` or throw;
   * DrmDevice.gemObjectByOffset and gemFileHoldsHandle give what drm_gem_mmap uses.
   */
  mmap?(dev: DrmDevice, file: DrmFile, vma: VmArea): void;
  /**
   * drm_driver.gem_prime_import of a driver that imports every dma-buf as a
   * new object, its own device's too (ivpu_gem_prime_import has no
   * self-import shortcut, unlike drm_gem_prime_import_dev). The core wraps
   * the exporter's pages in a new object (import_attach set) and calls this
   * before the object gets a handle, with the exporting object (dmabuf->priv,
   * whose reservation object an import shares: obj->resv = dma_buf->resv); it
   * returns the new object's funcs and may set driverPriv. Without it, a
   * dma-buf of this device gives back the exporting object itself.
   */
  gemPrimeImport?(dev: DrmDevice, obj: GemObject, exporter: GemObject): GemObjectFuncs | undefined;
  /**
   * drm_driver.prime_handle_to_fd's own checks before drm_gem_prime_handle_to_fd
   * runs (after drm_prime_handle_to_fd_ioctl checked the flags): throw a
   * SysError to refuse the export of `obj` (ivpu_gem_prime_handle_to_fd:
   * EOPNOTSUPP for an imported object).
   */
  primeHandleToFd?(dev: DrmDevice, obj: GemObject): void;
}

/** The part of a vm_area_struct an mmap op sees and fills. */
export interface VmArea {
  /** mmap length in bytes (a multiple of PAGE_SIZE after rounding). */
  readonly length: number;
  /** vm_pgoff: the mmap offset in pages. */
  readonly pgoff: bigint;
  readonly prot: number;
  readonly flags: number;
  /** Set by the mmap op: the memory the mapping shows (a live view, `length` bytes). */
  memory: Buffer | null;
  /** Set by the mmap op: vm_ops->close, run at munmap or exit (drops what the op took). */
  close: (() => void) | null;
  /**
   * Set by the mmap op that needs vma->vm_start (known to the kernel before
   * the op; here only once the region is placed): called with the start.
   */
  mapped?: ((start: bigint) => void) | null;
}

/** Per-object ops (struct drm_gem_object_funcs). */
export interface GemObjectFuncs {
  /** drm_gem_object_funcs.free: the last reference dropped; the core then releases the object. */
  free?(obj: GemObject): void;
  /**
   * drm_gem_object_funcs.open: drm_gem_handle_create_tail calls it for every
   * new handle, after the handle exists; a thrown SysError removes the handle
   * again and fails the call with it (e.g. ivpu_gem_bo_open's EALREADY).
   */
  open?(obj: GemObject, file: DrmFile): void;
  /**
   * drm_gem_object_funcs.mmap, called by drm_gem_mmap_obj once the core's
   * checks passed: throwing a SysError fails mmap(2) with it (e.g. an object
   * the driver created unmappable). It may return the memory the mapping
   * shows instead of the object's pages (a driver that maps something else).
   */
  mmap?(obj: GemObject): Buffer | void;
  /** vm_operations_struct.close of a mapping mmap set up (drm_gem_shmem_vm_close puts the pages the mmap got). */
  vmClose?(obj: GemObject): void;
}

/**
 * struct drm_gem_object. Refcounted: the creator holds one reference, each
 * handle one, each exported dma-buf one, each mapping one; drivers take more
 * with get() (e.g. for a job in flight) and drop them with put().
 */
export interface GemObject {
  readonly dev: DrmDevice;
  /** Size in bytes (a multiple of PAGE_SIZE). */
  readonly size: number;
  /** The live backing store (shmem pages), zeroed; allocated at first touch, which fails ENOMEM (SysError) for an object too large to back. */
  readonly memory: Buffer;
  readonly refcount: number;
  readonly handleCount: number;
  /** True when the object wraps a dma-buf of another device (obj->import_attach). */
  readonly imported: boolean;
  /** obj->resv: the implicit fences (an imported object shares its exporter's, as dma_buf->resv). */
  readonly resv: DmaResv;
  /** Driver-private data (the driver's container_of). */
  driverPriv: unknown;
  get(): void;
  put(): void;
}

/** struct drm_syncobj. */
export interface DrmSyncobj {
  readonly fence: DmaFence | null;
  /** drm_syncobj_replace_fence: waiters on the syncobj see the new fence. */
  replaceFence(fence: DmaFence | null): void;
  /** drm_syncobj_add_point: `fence` becomes timeline point `point` (a dma_fence_chain link over the current fence). */
  addPoint(fence: DmaFence, point: bigint): void;
  get(): void;
  put(): void;
}

/** struct drm_file: one per open file description of a device node. */
export interface DrmFile {
  /** drm_file.client_id: unique per device lifetime, from 1. */
  readonly clientId: number;
  /** pid of the process that opened it. */
  readonly pid: number;
  /** The node it was opened through. */
  readonly minorType: 'accel' | 'render' | 'primary' | 'control';
  /** driver_priv: set in open, owned by the driver. */
  driverPriv: unknown;
}

/**
 * Everything a handler needs from the calling process and the clock. Valid
 * only during the call it was passed to.
 */
export interface IoctlContext {
  /** True for ioctlAsync: the handler may return a promise (through sleep). */
  readonly async: boolean;
  readonly pid: number;
  readonly uid: number;
  /** capable(CAP_SYS_ADMIN): uid 0 in the simulator. */
  readonly admin: boolean;
  readonly clock: VirtualClock;
  /** copy_from_user: EFAULT (SysError) when any byte is not mapped in the caller. */
  copyFromUser(address: bigint, length: number): Buffer;
  /** copy_to_user: EFAULT (SysError) when any byte is not mapped writable in the caller. */
  copyToUser(address: bigint, data: Buffer): void;
  /**
   * pin_user_pages_fast(FOLL_LONGTERM, plus FOLL_WRITE when `write`): a live
   * view of the caller's anonymous memory; EFAULT (SysError) for unmapped,
   * non-anonymous or (for `write`) read-only bytes.
   */
  pinUserPages(address: bigint, length: number, write: boolean): Buffer;
  /**
   * Blocks until `done()` holds or the clock reaches `deadlineNs` (absolute
   * CLOCK_MONOTONIC ns; null = no deadline), then returns `then(done())`.
   * Sync mode (Sys.ioctl): advances the virtual clock synchronously, firing
   * timers in order, and returns the value itself. That is faithful: nothing
   * else in the simulated machine can run while a synchronous call blocks.
   * Async mode (Sys.ioctlAsync): returns a promise; other work may run.
   * When no timer is left that could satisfy `done` and there is no deadline,
   * it gives up and calls then(false) rather than hang the run.
   */
  sleep<T>(done: () => boolean, deadlineNs: bigint | null, then: (satisfied: boolean) => T): T | Promise<T>;
}

/** struct drm_device, as a driver sees it. */
export interface DrmDevice {
  readonly driver: DrmDriver;
  /** The accel minor index (accelN). */
  readonly accelIndex: number;
  readonly clock: VirtualClock;
  readonly module: string;
  readonly parentName: string;
  /** Module parameters, as given at registration (also in /sys/module/<module>/parameters). */
  readonly params: Readonly<Record<string, string>>;
  readonly defects: ReadonlySet<string>;
  /** dev->dev_private. */
  devPrivate: unknown;
  /** Open files of the device (dev->filelist), oldest first. */
  files(): readonly DrmFile[];

  /**
   * drm_gem_object_init + shmem: a zeroed object of `size` bytes rounded up
   * to PAGE_SIZE, refcount 1 (owned by the caller), no pages until first
   * touched. EINVAL for size 0 and above MAX_LFS_FILESIZE; nothing else: a
   * driver's own limits are its to check.
   */
  gemObjectCreate(size: number, funcs?: GemObjectFuncs): GemObject;
  /** A GEM object over pages it does not own (a driver's import of pinned user pages), refcount 1 for the caller. */
  gemObjectWrap(size: number, memory: Buffer, funcs?: GemObjectFuncs): GemObject;
  /**
   * drm_gem_handle_create: a new handle in `file` (lowest free from 1, see
   * docs/simulator.md); the handle holds its own reference, the caller keeps
   * (and usually then puts) its own.
   */
  gemHandleCreate(file: DrmFile, obj: GemObject): number;
  /** drm_gem_object_lookup: the object with a NEW reference (put it), or null. */
  gemObjectLookup(file: DrmFile, handle: number): GemObject | null;
  /** drm_gem_handle_delete: EINVAL (SysError) for an unknown handle. */
  gemHandleDelete(file: DrmFile, handle: number): void;
  /**
   * drm_gem_create_mmap_offset + drm_vma_node_offset_addr: the fake mmap
   * offset in bytes (idempotent). Only files holding a handle may map it.
   */
  gemMmapOffset(obj: GemObject): bigint;

  /**
   * drm_vma_offset_exact_lookup_locked + kref_get_unless_zero, for a driver's
   * mmap op: the object whose fake offset starts exactly at `pgoff` (pages) and
   * spans at least `length` bytes, with a NEW reference (put it), or null.
   */
  gemObjectByOffset(pgoff: bigint, length: number): GemObject | null;
  /** drm_vma_node_is_allowed: whether `file` holds a handle to `obj` (and so may map it). */
  gemFileHoldsHandle(file: DrmFile, obj: GemObject): boolean;
  /**
   * drm_gem_mmap, the core's mmap of a fake offset (what a driver's own mmap
   * op calls for the plain case, as real drivers put drm_gem_mmap in their fops).
   */
  gemMmap(file: DrmFile, vma: VmArea): void;

  /** drm_syncobj_find: the syncobj with a NEW reference (put it), or null (drivers answer ENOENT). */
  syncobjFind(file: DrmFile, handle: number): DrmSyncobj | null;
  /**
   * drm_syncobj_create(flags 0, no fence) + drm_syncobj_get_handle: a new
   * syncobj with a handle in `file` (the handle holds one reference, the
   * returned syncobj the caller's: drop it with put()), as a driver making one
   * for user space (amdxdna's per-context syncobj, aie2_ctx_syncobj_create).
   */
  syncobjCreate(file: DrmFile): { readonly handle: number; readonly syncobj: DrmSyncobj };

  /**
   * A driver's own dma-buf exporter (dma_buf_export with its dma_buf_ops, then
   * get_unused_fd_flags(flags) + fd_install), as habanalabs' export_dmabuf: a
   * dma-buf over `obj`'s pages (it takes an object reference), f_flags from
   * `flags` (O_ACCMODE), close-on-exec with O_CLOEXEC. Returns the fd.
   */
  dmaBufExportFd(obj: GemObject, flags: number, ops: DriverDmaBufExport, ctx: IoctlContext): number;
}

/** The exporter's dma_buf_ops a driver gives dmaBufExportFd. */
export interface DriverDmaBufExport {
  /** It has an mmap op (without one, mmap of the dma-buf is EINVAL). */
  readonly mmap: boolean;
  /** dma_buf_ops.release, at the last reference to the dma-buf file. */
  release(): void;
}

/** kernel.registerDrmDriver options. */
export interface DrmRegisterOptions {
  /** Module name: /sys/module/<module>/parameters/. */
  readonly module: string;
  readonly params: Readonly<Record<string, string>>;
  /** Name of the platform parent device: /sys/devices/platform/<parentName>. */
  readonly parentName: string;
  /**
   * Defect names (drivers/sim/defects.ts) active on this device; the core
   * installs the hooks of the 'core' ones (./defects.ts) and ignores the rest.
   */
  readonly defects: ReadonlySet<string>;
  /**
   * Installers of the core's hooks for this device (./core-hooks.ts), run
   * after the core defects' and before the device exists: a plugin's own
   * misbehaviour of the DRM core. See docs/plugins.md.
   */
  readonly hooks?: readonly DrmCoreHookInstaller[];
  /**
   * Also register a control minor (controlD<64 + accel index>, 226:64+) beside the
   * accel node. Mainline never does for an accel device: drm_dev_init allocates
   * no DRM_MINOR_CONTROL (create_compat_control_link only adds a controlD sysfs
   * link for DRIVER_MODESET drivers). It exists so that the suite's control-node
   * rule (open beside, no allocation, no submission) can run on a model that has one.
   */
  readonly controlNode?: boolean;
}

/**
 * A char device a driver adds itself (cdev_init + cdev_device_add) beside its
 * DRM minors, in the accel class with no parent device, under a major of its
 * own (alloc_chrdev_region): e.g. habanalabs' accel_controlD<N>
 * (drivers/accel/habanalabs/common/device.c cdev_sysfs_debugfs_add). It shows
 * up as /sys/devices/virtual/accel/<name>, /sys/class/accel/<name> and
 * /dev/accel/<name> (accel_devnode names it "accel/%s").
 */
export interface DriverCdev {
  readonly name: string;
  /** The chrdev region (alloc_chrdev_region name): one dynamic major per region. */
  readonly region: string;
  readonly minor: number;
  /** file_operations.open: a SysError fails open(2). */
  open(ctx: OpenContext): DriverCdevFile;
}

/** An open file of a DriverCdev: its unlocked_ioctl (raw user argument) and release. */
export interface DriverCdevFile {
  ioctl(cmd: number, arg: bigint, ctx: IoctlContext): IoctlReturn;
  release(): void;
}

/** What the simulated kernel offers drivers at registration (implemented by SimKernel). */
export interface DrmRegistrar {
  /**
   * Adds a driver-owned char device (see DriverCdev); returns its major.
   * EBUSY when the name or the (major, minor) is taken.
   */
  addDriverCdev(cdev: DriverCdev): number;
  readonly clock: VirtualClock;
  /**
   * drm_dev_alloc + drm_dev_register on a new platform device: EINVAL
   * (SysError) for DRIVER_COMPUTE_ACCEL with DRIVER_RENDER or DRIVER_MODESET
   * (drm_dev_init), EBUSY when the 256 accel minors are used up (xa_alloc
   * in drm_minor_alloc).
   */
  registerDrmDriver(driver: DrmDriver, options: DrmRegisterOptions): DrmDevice;
  /** drm_dev_unregister (a driver's remove): the device's nodes go; open files keep it. */
  unregisterDrmDevice(dev: DrmDevice): void;
  /** The devres drm_dev_put at the end of an unbind (devm_drm_dev_alloc): released once no file is open. */
  putDrmDevice(dev: DrmDevice): void;
  /** The kernel log a driver's dev_warn/WARN writes to. */
  readonly log: KernelLogBuffer;
}
