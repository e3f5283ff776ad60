/** The qaic ioctls as calls, for the adapter, the family and the model's spec. */
import type { Sys } from '../../harness/sys/types';
import { QAIC_IOCTL, qaic_create_bo, qaic_mmap_bo } from './uapi';

/** DRM_IOCTL_QAIC_CREATE_BO: the handle (args->size is left as given; the BO is PAGE_ALIGN(size) bytes). */
export function createBo(sys: Sys, fd: number, size: number | bigint): number {
  const arg = qaic_create_bo.encode({ size: BigInt(size) });
  sys.ioctl(fd, QAIC_IOCTL.CREATE_BO.request, arg);
  return qaic_create_bo.decode(arg).handle;
}

/** DRM_IOCTL_QAIC_MMAP_BO: the fake offset to mmap the BO on this file. */
export function mmapBoOffset(sys: Sys, fd: number, handle: number): bigint {
  const arg = qaic_mmap_bo.encode({ handle });
  sys.ioctl(fd, QAIC_IOCTL.MMAP_BO.request, arg);
  return qaic_mmap_bo.decode(arg).offset;
}

/** PAGE_ALIGN: the size qaic_create_bo_ioctl gives the BO. */
export function pageAligned(size: number): number {
  return Math.ceil(size / 4096) * 4096;
}
