/**
 * The DRM core ioctls the families share: the project's ioctl library
 * (harness/ioctl), each asserting success with doIoctl (so a failure names
 * the ioctl and the errno) and returning what the kernel wrote back.
 */
import { readDrmVersion } from '../../harness/discovery/drm-version';
import type { DrmVersionInfo } from '../../harness/discovery/types';
import { doIoctl } from '../../harness/testing/assert';
import { TestFailure } from '../../harness/testing/define';
import { SysError } from '../../harness/sys/errno';
import type { Sys } from '../../harness/sys/types';
import * as lib from '../../harness/ioctl';
import { DRM_CLOEXEC, DRM_RDWR } from '../../harness/uapi/drm';

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

/* The DRM wrappers of the project's ioctl library, failing the test with doIoctl's message. */
const asserted: lib.IoctlIssue = (sys, fd, request, arg) => doIoctl(sys, fd, request, arg);

export const getCap = (sys: Sys, fd: number, capability: bigint): bigint => lib.getCap(sys, fd, capability, asserted);

/** DRM_IOCTL_SYNCOBJ_CREATE: a new, unsignalled syncobj handle of the file. */
export const syncobjCreate = (sys: Sys, fd: number): number => lib.syncobjCreate(sys, fd, 0, asserted);

export const gemClose = (sys: Sys, fd: number, handle: number): void => lib.gemClose(sys, fd, handle, asserted);

/** PRIME export; the dma-buf fd is the caller's to close. */
export const primeExport = (sys: Sys, fd: number, handle: number, flags: number = DRM_CLOEXEC | DRM_RDWR): number =>
  lib.primeHandleToFd(sys, fd, handle, flags, asserted);

export const primeImport = (sys: Sys, fd: number, dmabuf: number): number => lib.primeFdToHandle(sys, fd, dmabuf, asserted);

/**
 * Waits for a syncobj's fence without consuming the job's result, so another
 * file can then be shown it has no access to it. Expiry throws the SysError ETIME.
 */
export const syncobjWait = (sys: Sys, fd: number, handle: number, timeoutMs: number): Promise<void> =>
  lib.syncobjWait(sys, fd, handle, timeoutMs);
