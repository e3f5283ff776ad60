/**
 * Thin wrappers of the DRM core ioctls the families share. Each one asserts
 * success with doIoctl (so a failure names the ioctl and the errno) and
 * returns what the kernel wrote back.
 */
import { readDrmVersion } from '../../harness/discovery/drm-version';
import type { DrmVersionInfo } from '../../harness/discovery/types';
import { doIoctl } from '../../harness/testing/assert';
import { TestFailure } from '../../harness/testing/define';
import { SysError } from '../../harness/sys/errno';
import type { Sys } from '../../harness/sys/types';
import {
  DRM_CLOEXEC,
  DRM_IOCTL_GEM_CLOSE,
  DRM_IOCTL_GET_CAP,
  DRM_IOCTL_PRIME_FD_TO_HANDLE,
  DRM_IOCTL_PRIME_HANDLE_TO_FD,
  DRM_IOCTL_SYNCOBJ_CREATE,
  DRM_IOCTL_SYNCOBJ_WAIT,
  DRM_RDWR,
  drm_gem_close,
  drm_get_cap,
  drm_prime_handle,
  drm_syncobj_create,
  drm_syncobj_wait,
} from '../../harness/uapi/drm';

/** What DRM_IOCTL_VERSION reports (the same shape discovery reads). */
export type Version = DrmVersionInfo;

/**
 * DRM_IOCTL_VERSION with the two-call protocol (discovery's reader); a failed
 * call fails the test naming the ioctl, as doIoctl does.
 */
export function getVersion(sys: Sys, fd: number): Version {
  try {
    return readDrmVersion(sys, fd);
  } catch (e) {
    if (e instanceof SysError) throw new TestFailure(`DRM_IOCTL_VERSION failed with ${e.code}`);
    throw e;
  }
}

export function getCap(sys: Sys, fd: number, capability: bigint): bigint {
  const arg = drm_get_cap.encode({ capability });
  doIoctl(sys, fd, DRM_IOCTL_GET_CAP, arg);
  return drm_get_cap.decode(arg).value;
}

/** DRM_IOCTL_SYNCOBJ_CREATE: a new, unsignalled syncobj handle of the file. */
export function syncobjCreate(sys: Sys, fd: number): number {
  const arg = drm_syncobj_create.encode({});
  doIoctl(sys, fd, DRM_IOCTL_SYNCOBJ_CREATE, arg);
  return drm_syncobj_create.decode(arg).handle;
}

export function gemClose(sys: Sys, fd: number, handle: number): void {
  doIoctl(sys, fd, DRM_IOCTL_GEM_CLOSE, drm_gem_close.encode({ handle }));
}

/** PRIME export; the dma-buf fd is the caller's to close. */
export function primeExport(sys: Sys, fd: number, handle: number, flags: number = DRM_CLOEXEC | DRM_RDWR): number {
  const arg = drm_prime_handle.encode({ handle, flags });
  doIoctl(sys, fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, arg);
  return drm_prime_handle.decode(arg).fd;
}

export function primeImport(sys: Sys, fd: number, dmabuf: number): number {
  const arg = drm_prime_handle.encode({ fd: dmabuf });
  doIoctl(sys, fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, arg);
  return drm_prime_handle.decode(arg).handle;
}

/**
 * Waits for a syncobj's fence without consuming the job's result, so another
 * file can then be shown it has no access to it. Expiry throws the SysError ETIME.
 */
export async function syncobjWait(sys: Sys, fd: number, handle: number, timeoutMs: number): Promise<void> {
  const mem = sys.alloc(4);
  try {
    mem.bytes.writeUInt32LE(handle, 0);
    const deadline = sys.monotonicNs() + BigInt(Math.round(timeoutMs)) * 1_000_000n;
    const arg = drm_syncobj_wait.encode({ handles: mem.address, timeout_nsec: deadline, count_handles: 1 });
    await sys.ioctlAsync(fd, DRM_IOCTL_SYNCOBJ_WAIT, arg);
  } finally {
    sys.free(mem);
  }
}
