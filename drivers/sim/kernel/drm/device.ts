/**
 * struct drm_device (drm_drv.c, drm_gem.c): the device a driver registered,
 * with its GEM bookkeeping (object names, fake offsets), its open files
 * (dev->filelist) and the hooks in force (./core-hooks.ts).
 */
import { SysError } from '../../../../harness/sys/errno';
import type { Accounting } from '../accounting';
import type { VirtualClock } from '../clock';
import type { KernelServices } from '../services';
import type { CoreIoctlFunc } from './core-ioctls';
import type { DrmCoreHooks } from './core-hooks';
import type { DriverDmaBufExport, DrmDevice, DrmDriver, DrmFile, DrmIoctlDesc, DrmSyncobj, GemObject, GemObjectFuncs, IoctlContext, VmArea } from './driver';
import { PAGE_SHIFT, PAGE_SIZE } from './driver';
import { DrmFileImpl } from './file';
import { GemObjectImpl, drmGemMmap, gemHandleCreateTail, gemHandleDelete, gemLookup, gemSize } from './gem';
import { O_CLOEXEC } from '../../../../harness/sys/constants';
import { IoctlCtx } from './ctx';
import { dmaBufExport } from './prime';
import { Idr } from './idr';
import type { Dispatch } from './ioctl';
import { DrmSyncobjImpl, syncobjFind } from './syncobj';
import { VmaOffsetManager, type VmaNode } from './vma-manager';

/**
 * include/linux/fs.h MAX_LFS_FILESIZE on 64-bit is LLONG_MAX (2^63 - 1):
 * mm/shmem.c __shmem_file_setup refuses larger sizes with EINVAL. Sizes here
 * are page multiples held in doubles (exact below 2^65), so "above it" is ">= 2^63".
 */
export const MAX_LFS_FILESIZE_EXCLUSIVE = 2 ** 63;

/** What registration fixes about a device: the DrmDevice fields set once at drm_dev_init. */
export type DrmDeviceSetup = Pick<DrmDevice, 'driver' | 'accelIndex' | 'module' | 'parentName' | 'params' | 'defects'>;

export class DrmDeviceImpl implements DrmDevice {
  readonly driver: DrmDriver;
  readonly accelIndex: number;
  readonly module: string;
  readonly parentName: string;
  readonly params: Readonly<Record<string, string>>;
  readonly defects: ReadonlySet<string>;
  devPrivate: unknown = null;
  /** Minor of the render node registered by the render-node defect, else null. */
  renderIndex: number | null = null;

  readonly vmaManager = new VmaOffsetManager();
  readonly objectByVmaNode = new Map<VmaNode, GemObjectImpl>();
  /** dev->object_name_idr: flink names. */
  readonly objectNames = new Idr<GemObjectImpl>();
  readonly fileList: DrmFileImpl[] = [];
  readonly objects = new Set<GemObjectImpl>();
  private nextClientId = 1;
  /** drm_driver.ioctls indexed by nr; holes are undefined (NULL func). */
  readonly ioctlTable: (DrmIoctlDesc | undefined)[] = [];
  /** drm_ioctl's decoding of each request number seen, cached (see ioctl.ts dispatch). */
  readonly ioctlDispatch = new Map<number, Dispatch>();

  constructor(
    setup: DrmDeviceSetup,
    readonly kernel: KernelServices,
    /** The core's hooks in force for this device (defaults plus what defects and plugins installed). */
    readonly hooks: Readonly<DrmCoreHooks>,
    /** Core ioctls replaced by name (DrmCoreHookSet.overrideIoctl). */
    readonly coreIoctls: ReadonlyMap<string, CoreIoctlFunc>,
  ) {
    this.driver = setup.driver;
    this.accelIndex = setup.accelIndex;
    this.module = setup.module;
    this.parentName = setup.parentName;
    this.params = { ...setup.params };
    this.defects = new Set(setup.defects);
    for (const d of setup.driver.ioctls) this.ioctlTable[d.nr] = d;
  }

  get clock(): VirtualClock {
    return this.kernel.clock;
  }

  get acct(): Accounting {
    return this.kernel.acct;
  }

  private onIdle: (() => void) | null = null;

  /** Runs `fn` now if no file is open, else at the last file's release (drm_dev_put's last reference). */
  releaseWhenIdle(fn: () => void): void {
    if (this.fileList.length === 0) fn();
    else this.onIdle = fn;
  }

  /** drm_file_free's end: the file dropped its device reference. */
  fileReleased(): void {
    if (this.fileList.length > 0 || !this.onIdle) return;
    const fn = this.onIdle;
    this.onIdle = null;
    fn();
  }

  allocClientId(): number {
    return this.nextClientId++;
  }

  files(): readonly DrmFile[] {
    return [...this.fileList];
  }

  /**
   * drm_gem_object_init -> shmem_file_setup: EINVAL above MAX_LFS_FILESIZE,
   * otherwise any size, with no pages yet (shmem reserves none, see
   * GemObjectImpl.memory): creating a huge object costs nothing until
   * something gets its pages. Driver-specific limits are the driver's to check.
   */
  gemObjectCreate(size: number, funcs?: GemObjectFuncs): GemObjectImpl {
    if (!Number.isInteger(size) || size <= 0) throw SysError.of('EINVAL', 'ioctl', `GEM object size ${size}`);
    const rounded = gemSize(size);
    if (rounded >= MAX_LFS_FILESIZE_EXCLUSIVE) throw SysError.of('EINVAL', 'ioctl', `GEM object size ${size} above MAX_LFS_FILESIZE`);
    return this.track(new GemObjectImpl(this, rounded, null, funcs));
  }

  /** An object over pages it does not own (a foreign dma-buf's for PRIME import, pinned user pages for a driver). */
  gemObjectWrap(size: number, memory: Buffer, funcs?: GemObjectFuncs): GemObjectImpl {
    return this.track(new GemObjectImpl(this, size, memory, funcs));
  }

  private track(obj: GemObjectImpl): GemObjectImpl {
    this.objects.add(obj);
    this.acct.add('gem', obj);
    return obj;
  }

  /**
   * drm_gem_object_release: the fake offset goes, an import drops its
   * dma-buf (drm_prime_gem_destroy) and the pages return to the system:
   * zeroed here, so a stale view (a mapping or dma-buf that took no reference) shows the loss.
   */
  gemObjectRelease(obj: GemObjectImpl): void {
    this.vmaManager.remove(obj.vmaNode);
    this.objectByVmaNode.delete(obj.vmaNode);
    this.objects.delete(obj);
    this.acct.remove('gem', obj);
    const attach = obj.importAttach;
    obj.importAttach = null;
    if (attach) attach.put();
    else obj.zeroPages();
  }

  gemHandleCreate(file: DrmFile, obj: GemObject): number {
    return gemHandleCreateTail(asFile(file), asObj(obj));
  }

  gemObjectLookup(file: DrmFile, handle: number): GemObjectImpl | null {
    return gemLookup(asFile(file), handle);
  }

  gemHandleDelete(file: DrmFile, handle: number): void {
    gemHandleDelete(asFile(file), handle, 'ioctl');
  }

  /** drm_gem_create_mmap_offset + drm_vma_node_offset_addr: ENOSPC when the fake-offset space has no hole that large (drm_mm_insert_node). */
  gemMmapOffset(obj: GemObject): bigint {
    const o = asObj(obj);
    const start = this.vmaManager.add(o.vmaNode, BigInt(o.size / 4096));
    this.objectByVmaNode.set(o.vmaNode, o);
    return start << PAGE_SHIFT;
  }

  /** drm_vma_offset_exact_lookup_locked + kref_get_unless_zero: a NEW reference (put it), or null. */
  gemObjectByOffset(pgoff: bigint, length: number): GemObjectImpl | null {
    const node = this.vmaManager.exactLookup(pgoff, BigInt(Math.ceil(length / PAGE_SIZE)));
    const obj = node ? this.objectByVmaNode.get(node) : undefined;
    return obj && obj.tryGet() ? obj : null;
  }

  /** drm_vma_node_is_allowed: whether `file` holds a handle to `obj` (may map it). */
  gemFileHoldsHandle(file: DrmFile, obj: GemObject): boolean {
    return asObj(obj).vmaNode.isAllowed(asFile(file));
  }

  gemMmap(file: DrmFile, vma: VmArea): void {
    drmGemMmap(asFile(file), vma);
  }

  syncobjFind(file: DrmFile, handle: number): DrmSyncobj | null {
    return syncobjFind(asFile(file), handle);
  }

  syncobjCreate(file: DrmFile): { readonly handle: number; readonly syncobj: DrmSyncobj } {
    const s = new DrmSyncobjImpl(this.kernel);
    // drm_syncobj_get_handle: the handle takes its own reference.
    s.get();
    return { handle: asFile(file).syncobjIdr.alloc(s), syncobj: s };
  }

  dmaBufExportFd(obj: GemObject, flags: number, ops: DriverDmaBufExport, ctx: IoctlContext): number {
    if (!(ctx instanceof IoctlCtx)) throw new TypeError('not an IoctlContext of the simulated DRM core');
    const dmabuf = dmaBufExport(this.kernel, asObj(obj), flags);
    dmabuf.driverOps = ops;
    // The fd takes the creation reference.
    return ctx.task.files.install(dmabuf.file, (flags & O_CLOEXEC) !== 0, 'ioctl');
  }
}

function asFile(f: DrmFile): DrmFileImpl {
  if (!(f instanceof DrmFileImpl)) throw new TypeError('not a DrmFile of the simulated DRM core');
  return f;
}

function asObj(o: GemObject): GemObjectImpl {
  if (!(o instanceof GemObjectImpl)) throw new TypeError('not a GemObject of the simulated DRM core');
  return o;
}
