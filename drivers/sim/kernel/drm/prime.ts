/**
 * PRIME: GEM handles <-> dma-buf fds (drivers/gpu/drm/drm_prime.c).
 */
import { SysError } from '../../../../harness/sys/errno';
import { drm_prime_handle, DRM_CLOEXEC, DRM_RDWR } from '../../../../harness/uapi/drm';
import type { IoctlCtx } from './ctx';
import type { DrmDeviceImpl } from './device';
import { DmaBuf, dmaBufExport, isDmaBufFile } from './dma-buf';
import type { DrmFileImpl } from './file';
import { GemObjectImpl, gemHandleCreateTail, gemLookup } from './gem';

/**
 * drm_gem_prime_handle_to_dmabuf: one dma-buf per object while it has
 * handles (obj->dma_buf), the per-file cache first, the foreign dma-buf of an
 * imported object re-exported as is. Returns a new dma-buf reference.
 */
function handleToDmaBuf(file: DrmFileImpl, handle: number, flags: number, ctx: IoctlCtx): DmaBuf {
  const noCache = file.dev.defects.has('no-prime-cache');
  const obj = gemLookup(file, handle);
  if (!obj) throw SysError.of('ENOENT', 'ioctl', `no GEM handle ${handle}`);
  try {
    const cached = noCache ? null : file.prime.lookupByHandle(handle);
    if (cached) {
      cached.get();
      return cached;
    }
    let dmabuf: DmaBuf;
    if (obj.importAttach) {
      dmabuf = obj.importAttach;
      dmabuf.get();
    } else if (obj.dmaBuf && !noCache) {
      dmabuf = obj.dmaBuf;
      dmabuf.get();
    } else {
      // export_and_register_object: the object keeps a reference in obj->dma_buf.
      dmabuf = dmaBufExport(ctx.kernel, obj, flags);
      if (!obj.dmaBuf) {
        obj.dmaBuf = dmabuf;
        dmabuf.get();
      }
    }
    file.prime.add(dmabuf, handle);
    return dmabuf;
  } finally {
    obj.put();
  }
}

/* Struct fields are read in place (no decode object): these run on every PRIME call. */
const PRIME = drm_prime_handle.offsets;

export function primeHandleToFdIoctl(dev: DrmDeviceImpl, data: Buffer, file: DrmFileImpl, ctx: IoctlCtx): number {
  const flags = data.readUInt32LE(PRIME.flags);
  // drm_prime_handle_to_fd_ioctl: "check flags are valid".
  if (flags & ~(DRM_CLOEXEC | DRM_RDWR) && !dev.defects.has('prime-flags-unchecked')) {
    throw SysError.of('EINVAL', 'ioctl', 'PRIME_HANDLE_TO_FD flags');
  }
  const handle = data.readUInt32LE(PRIME.handle);
  const driverCheck = dev.driver.primeHandleToFd;
  if (driverCheck) {
    const obj = gemLookup(file, handle);
    if (!obj) throw SysError.of('ENOENT', 'ioctl', `no GEM handle ${handle}`);
    try {
      driverCheck(dev, obj);
    } finally {
      obj.put();
    }
  }
  const dmabuf = handleToDmaBuf(file, handle, flags, ctx);
  // get_unused_fd_flags(flags) + fd_install: the fd takes the reference.
  const fd = ctx.task.files.install(dmabuf.file, (flags & DRM_CLOEXEC) !== 0, 'ioctl');
  data.writeInt32LE(fd, PRIME.fd);
  return 0;
}

/**
 * drm_gem_prime_import_dev: a dma-buf this device exported gives back the
 * object itself (a new object reference); any other becomes a new object of
 * this device over the same pages, holding a dma-buf reference
 * (dma_buf_attach + get_dma_buf; released by drm_prime_gem_destroy).
 */
function primeImport(dev: DrmDeviceImpl, dmabuf: DmaBuf): GemObjectImpl {
  const obj = dmabuf.obj;
  const driverImport = dev.driver.gemPrimeImport;
  if (obj.dev === dev && !driverImport && obj.tryGet()) return obj;
  // drm_gem_prime_import_dev: a driver without gem_prime_import_sg_table cannot attach a foreign buffer.
  if (dev.driver.primeImportForeign === false) throw SysError.of('EINVAL', 'ioctl', 'driver cannot import foreign dma-bufs');
  const imported = dev.gemObjectWrap(dmabuf.size, obj.memory);
  dmabuf.get();
  imported.importAttach = dmabuf;
  if (driverImport) imported.funcs = driverImport(dev, imported, obj);
  return imported;
}

export function primeFdToHandleIoctl(dev: DrmDeviceImpl, data: Buffer, file: DrmFileImpl, ctx: IoctlCtx): number {
  // dma_buf_get: EBADF for a closed fd, EINVAL for a file that is not a dma-buf.
  const f = ctx.task.files.lookup(data.readInt32LE(PRIME.fd), 'ioctl');
  let handle: number;
  if (!isDmaBufFile(f)) {
    if (!dev.defects.has('prime-import-any-fd')) throw SysError.of('EINVAL', 'ioctl', 'fd is not a dma-buf');
    const junk = dev.gemObjectCreate(4096);
    handle = gemHandleCreateTail(file, junk);
    junk.put();
  } else {
    const dmabuf = f.privateData as DmaBuf;
    dmabuf.get();
    try {
      const known = dev.defects.has('no-prime-cache') ? null : file.prime.lookupByBuf(dmabuf);
      if (known !== null) {
        handle = known;
      } else {
        const obj = primeImport(dev, dmabuf);
        if (!obj.dmaBuf) {
          obj.dmaBuf = dmabuf;
          dmabuf.get();
        }
        handle = gemHandleCreateTail(file, obj);
        obj.put();
        file.prime.add(dmabuf, handle);
      }
    } finally {
      dmabuf.put();
    }
  }
  data.writeUInt32LE(handle, PRIME.handle);
  return 0;
}
