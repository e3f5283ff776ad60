/**
 * The file_operations of DRM nodes (DRM_ACCEL_FOPS in drm_accel.h,
 * DRM_GEM_FOPS): open (accel_open / drm_open -> drm_open_helper ->
 * drm_file_alloc), release (drm_release -> drm_file_free, at the LAST
 * reference), unlocked_ioctl (drm_ioctl), mmap (drm_gem_mmap), poll/read
 * (drm_poll / drm_read: no events are ever queued), llseek (noop_llseek).
 */
import { SysError } from '../../../../harness/sys/errno';
import type { Task } from '../task';
import type { KernelServices } from '../services';
import type { FileOperations, InodeInfo, KFile } from '../vfs/file';
import { IoctlCtx } from './ctx';
import type { DrmDeviceImpl } from './device';
import { DRIVER_GEM, DRIVER_SYNCOBJ } from './driver';
import { DrmFileImpl, type MinorType } from './file';
import { drmGemMmap, gemReleaseFile } from './gem';
import { drmIoctl } from './ioctl';
import { syncobjReleaseFile } from './syncobj';

/** drm_file_free: syncobjs, then GEM handles, then the driver's postclose. */
function drmFileFree(file: DrmFileImpl): void {
  const dev = file.dev;
  const i = dev.fileList.indexOf(file);
  if (i >= 0) dev.fileList.splice(i, 1);
  if (dev.driver.features & DRIVER_SYNCOBJ) syncobjReleaseFile(file);
  if (dev.driver.features & DRIVER_GEM) gemReleaseFile(file);
  dev.acct.remove('drm_file', file);
  dev.driver.postclose?.(dev, file);
  dev.fileReleased();
}

export const drmFops: FileOperations = {
  kind: 'drm',
  release(kfile) {
    drmFileFree(kfile.privateData as DrmFileImpl);
  },
  flush(kfile, closer) {
    // DEFINE_DRM_ACCEL_FOPS has no .flush; a driver that defines its own
    // file_operations may add one, which the simulator routes to the driver.
    const file = kfile.privateData as DrmFileImpl;
    file.dev.driver.flush?.(file.dev, file, closer);
  },
  ioctl(kfile, cmd, arg, c) {
    const file = kfile.privateData as DrmFileImpl;
    return drmIoctl(file, cmd, arg, new IoctlCtx(c.task, file.dev.kernel, c.async));
  },
  mmap(kfile, vma) {
    const file = kfile.privateData as DrmFileImpl;
    const drvMmap = file.dev.driver.mmap;
    if (drvMmap) drvMmap(file.dev, file, vma);
    else drmGemMmap(file, vma);
    if (!vma.memory) throw SysError.of('EINVAL', 'mmap');
  },
  llseek(kfile) {
    return kfile.pos;
  },
  read() {
    throw SysError.of('EAGAIN', 'read', 'no DRM events pending');
  },
  poll() {
    return 0;
  },
};

/**
 * drm_open_helper: O_EXCL is refused ("No exclusive opens", DrmCoreHooks.openPermit), then
 * drm_file_alloc runs the driver's open; a failing driver open leaves no
 * file and calls no postclose.
 */
export function drmOpen(
  k: KernelServices,
  dev: DrmDeviceImpl,
  minorType: MinorType,
  inode: InodeInfo,
  task: Task,
  flags: number,
): KFile {
  const opener = { pid: task.pid, uid: task.cred.uid, flags };
  dev.hooks.openPermit(dev, opener);
  const file = new DrmFileImpl(dev, dev.allocClientId(), task.pid, minorType, task.admin);
  dev.driver.open?.(dev, file, opener);
  dev.fileList.push(file);
  dev.acct.add('drm_file', file);
  const kfile = k.newFile(drmFops, inode, flags);
  kfile.privateData = file;
  return kfile;
}
