/**
 * GEM objects and per-file handles (drivers/gpu/drm/drm_gem.c).
 *
 * References on an object: the creator's, one for all handles together
 * (taken when handle_count goes 0 -> 1, drm_gem_handle_create_tail), one per
 * exported dma-buf (drm_gem_dmabuf_export), one per mapping
 * (drm_gem_mmap_obj), and whatever drivers take for jobs in flight.
 */
import { constants as bufferConstants } from 'node:buffer';
import { SysError } from '../../../../harness/sys/errno';
import { MAP_SHARED } from '../../../../harness/sys/constants';
import type { GemObject, GemObjectFuncs } from './driver';
import { drm_gem_close, drm_gem_flink, drm_gem_open } from '../../../../harness/uapi/drm';
import type { CoreIoctlFunc } from './core-ioctls';
import { DRIVER_GEM, PAGE_SIZE } from './driver';
import { VmaNode } from './vma-manager';
import { DmaResv } from '../dma-buf/dma-resv';
import type { DrmDeviceImpl } from './device';
import type { DrmFileImpl, HandleEntry } from './file';
import type { DmaBuf } from '../dma-buf/dma-buf';
import type { VmaRequest } from '../vfs/file';

let gemSeq = 0;

/** The most bytes of pages one simulated object can get: one host Buffer (node:buffer constants.MAX_LENGTH). */
export const SIM_SHMEM_OBJECT_PAGES_MAX = bufferConstants.MAX_LENGTH;

export class GemObjectImpl implements GemObject {
  readonly id = ++gemSeq;
  private count = 1;
  handleCount = 0;
  /** Flink name (obj->name), 0 when none. */
  name = 0;
  /** obj->dma_buf: the dma-buf exported from (or imported into) this object while it has handles. */
  dmaBuf: DmaBuf | null = null;
  /** obj->import_attach->dmabuf: the foreign dma-buf this object wraps (holds a reference). */
  importAttach: DmaBuf | null = null;
  readonly vmaNode = new VmaNode();
  private readonly ownResv = new DmaResv();
  driverPriv: unknown = null;
  freed = false;
  /** Created without pages (shmem, allocated at first touch), not over someone else's. */
  private readonly ownsPages: boolean;

  constructor(
    readonly dev: DrmDeviceImpl,
    readonly size: number,
    /** The pages, or null for shmem pages not touched yet (see `memory`). */
    private pages: Buffer | null,
    /** Set once more by a driver's gem_prime_import for the objects it imports (DrmDriver.gemPrimeImport). */
    public funcs: GemObjectFuncs | undefined,
  ) {
    this.ownsPages = pages === null;
  }

  /**
   * The backing store. shmem_file_setup reserves no pages: they come when
   * something gets them (drm_gem_get_pages at mmap, a driver's pin or bind,
   * an export's attachment), so here at first touch, zeroed. Creating and
   * closing an object nobody maps or runs a job on allocates nothing. One
   * object's pages are one host Buffer: an object larger than a Buffer can
   * be cannot get its pages, and fails as a machine out of memory does
   * (shmem_read_folio_gfp -> ENOMEM) at that touch, not at creation.
   */
  get memory(): Buffer {
    if (this.pages === null) {
      if (this.size > SIM_SHMEM_OBJECT_PAGES_MAX) throw SysError.of('ENOMEM', 'drm_gem_get_pages', `${this.size} bytes of pages for one object`);
      this.pages = Buffer.alloc(this.size);
    }
    return this.pages;
  }

  /**
   * Zeroes the pages at release, if any were ever allocated (untouched ones
   * read as zero anyway) and they are the object's own: pages it wraps
   * (pinned user memory) go back to their owner as they are.
   */
  zeroPages(): void {
    if (this.ownsPages) this.pages?.fill(0);
  }

  get refcount(): number {
    return this.count;
  }

  get imported(): boolean {
    return this.importAttach !== null;
  }

  get resv(): DmaResv {
    return this.importAttach ? this.importAttach.obj.resv : this.ownResv;
  }

  /** drm_gem_mmap_obj -> obj->funcs->mmap: the memory the mapping shows. */
  driverMmap(): Buffer {
    return this.funcs?.mmap?.(this) ?? this.memory;
  }

  /** drm_gem_object_get. */
  get(): void {
    if (this.freed || this.count <= 0) {
      this.dev.acct.bug(`drm_gem_object_get on freed object #${this.id}`);
      return;
    }
    this.count++;
  }

  /** kref_get_unless_zero. */
  tryGet(): boolean {
    if (this.freed || this.count <= 0) return false;
    this.count++;
    return true;
  }

  /** drm_gem_object_put: the last reference frees (drm_gem_object_free -> funcs->free -> drm_gem_object_release). */
  put(): void {
    if (this.freed || this.count <= 0) {
      this.dev.acct.bug(`drm_gem_object_put underflow on object #${this.id}`);
      return;
    }
    if (--this.count > 0) return;
    this.freed = true;
    try {
      this.funcs?.free?.(this);
    } finally {
      this.dev.gemObjectRelease(this);
    }
  }
}

/** Rounds to pages as drm_gem_object_init requires (it BUGs on unaligned sizes; the shmem helper rounds). */
export function gemSize(size: number): number {
  return Math.ceil(size / PAGE_SIZE) * PAGE_SIZE;
}

/**
 * drm_gem_handle_create_tail: lowest free handle >= 1 (idr_alloc), the
 * handle reference, and permission to mmap (drm_vma_node_allow).
 */
export function gemHandleCreateTail(file: DrmFileImpl, obj: GemObjectImpl): number {
  if (obj.handleCount++ === 0) obj.get();
  const entry: HandleEntry = { obj, owner: file };
  const handle = file.objectIdr.alloc(entry);
  obj.vmaNode.allow(file);
  if (obj.funcs?.open) {
    try {
      obj.funcs.open(obj, file);
    } catch (e) {
      // err_revoke / err_remove: the handle goes again before the error returns.
      obj.vmaNode.revoke(file);
      file.objectIdr.remove(handle);
      gemHandlePut(obj);
      throw e;
    }
  }
  return handle;
}

/** drm_gem_object_handle_put_unlocked: the last handle drops the flink name and the export cache. */
export function gemHandlePut(obj: GemObjectImpl): void {
  if (obj.handleCount <= 0) {
    obj.dev.acct.bug(`handle_count underflow on object #${obj.id}`);
    return;
  }
  if (--obj.handleCount === 0) {
    // drm_gem_object_handle_free
    if (obj.name) {
      obj.dev.objectNames.remove(obj.name);
      obj.name = 0;
    }
    // drm_gem_object_exported_dma_buf_free
    const d = obj.dmaBuf;
    obj.dmaBuf = null;
    if (d) d.put();
    obj.put();
  }
}

/** drm_gem_object_release_handle: prime cache entry, mmap permission, handle reference. */
export function gemReleaseHandle(file: DrmFileImpl, handle: number, obj: GemObjectImpl): void {
  file.prime.removeByHandle(handle);
  obj.vmaNode.revoke(file);
  gemHandlePut(obj);
}

/** drm_gem_handle_delete: EINVAL for a handle this file does not hold (idr_replace gives NULL or -ENOENT). */
export function gemHandleDelete(file: DrmFileImpl, handle: number, syscall: string): void {
  const e = file.objectIdr.find(handle);
  if (!e) throw SysError.of('EINVAL', syscall, `no GEM handle ${handle}`);
  file.objectIdr.remove(handle);
  gemReleaseHandle(e.owner, handle, e.obj);
}

/** drm_gem_object_lookup: a new reference, or null. */
export function gemLookup(file: DrmFileImpl, handle: number): GemObjectImpl | null {
  const e = file.objectIdr.find(handle);
  if (!e) return null;
  e.obj.get();
  return e.obj;
}

/** drm_gem_release: at drm_file_free, every handle of the file goes. */
export function gemReleaseFile(file: DrmFileImpl): void {
  file.dev.hooks.gemRelease(file, () => {
    for (const [handle, e] of file.objectIdr.entries()) {
      if (e.owner !== file) continue;
      file.objectIdr.remove(handle);
      gemReleaseHandle(file, handle, e.obj);
    }
  });
}

/**
 * drm_gem_mmap: the fake offset must be exactly an object's start and the
 * mapping no longer than the object (drm_vma_offset_exact_lookup_locked ->
 * EINVAL), the file must hold a handle (drm_vma_node_is_allowed -> EACCES);
 * the mapping holds a reference (drm_gem_mmap_obj), dropped at munmap
 * (drm_gem_vm_close). Private writable mappings are refused as
 * drm_gem_shmem_mmap does (is_cow_mapping -> EINVAL).
 */
export function drmGemMmap(file: DrmFileImpl, vma: VmaRequest): void {
  const dev = file.dev;
  const obj = dev.gemObjectByOffset(vma.pgoff, vma.length);
  if (!obj) throw SysError.of('EINVAL', 'mmap', 'no GEM object at this offset');
  try {
    if (!dev.hooks.mmapPermit(file, obj)) throw SysError.of('EACCES', 'mmap', 'file holds no handle to the object');
    if (!(vma.flags & MAP_SHARED)) throw SysError.of('EINVAL', 'mmap', 'copy-on-write mapping of a GEM object');
    // drm_gem_mmap_obj -> obj->funcs->mmap: may refuse (a SysError) or show other memory.
    vma.memory = obj.driverMmap().subarray(0, vma.length);
    const drop = dev.hooks.objectHold(obj, 'mmap');
    if (!drop) {
      vma.close = null;
      return;
    }
    dev.acct.add('vma', vma);
    vma.close = () => {
      dev.acct.remove('vma', vma);
      obj.funcs?.vmClose?.(obj);
      drop();
    };
  } finally {
    // The lookup's reference; the mapping holds its own (objectHold).
    obj.put();
  }
}

// ---- GEM ioctls (drm_gem.c) ----

function needGem(dev: DrmDeviceImpl): void {
  if (!(dev.driver.features & DRIVER_GEM)) throw SysError.of('EOPNOTSUPP', 'ioctl', 'driver has no DRIVER_GEM');
}

/** drm_gem_close_ioctl (the pad field is not checked). */
export const drmGemClose: CoreIoctlFunc = (dev, data, file) => {
  needGem(dev);
  gemHandleDelete(file, data.readUInt32LE(drm_gem_close.offsets.handle), 'ioctl');
  return 0;
};

/** drm_gem_flink_ioctl: ENOENT for an unknown handle; one name per object, lowest free from 1. */
export const drmGemFlink: CoreIoctlFunc = (dev, data, file) => {
  needGem(dev);
  const obj = gemLookup(file, drm_gem_flink.decode(data).handle);
  if (!obj) throw SysError.of('ENOENT', 'ioctl', 'no such GEM handle');
  try {
    if (obj.handleCount === 0) throw SysError.of('ENOENT', 'ioctl');
    if (!obj.name) obj.name = dev.objectNames.alloc(obj);
    data.writeUInt32LE(obj.name, drm_gem_flink.offsets.name);
  } finally {
    obj.put();
  }
  return 0;
};

/** drm_gem_open_ioctl: ENOENT for an unknown name; a new handle and the object size. */
export const drmGemOpen: CoreIoctlFunc = (dev, data, file) => {
  needGem(dev);
  const obj = dev.objectNames.find(drm_gem_open.decode(data).name);
  if (!obj || !obj.tryGet()) throw SysError.of('ENOENT', 'ioctl', 'no such GEM name');
  const handle = gemHandleCreateTail(file, obj);
  obj.put();
  data.writeUInt32LE(handle, drm_gem_open.offsets.handle);
  data.writeBigUInt64LE(BigInt(obj.size), drm_gem_open.offsets.size);
  return 0;
};
