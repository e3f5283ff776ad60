/**
 * Typed wrappers of the DRM core ioctls, as IGT's lib/ioctl_wrappers.c and
 * libdrm's drmPrime*, drmSyncobj* have them: each fills the declared struct,
 * issues the request and returns what the kernel wrote back. `issue` decides
 * what a failure is: by default the SysError itself (adapters, bench, fuzz),
 * or doIoctl's TestFailure naming the ioctl (tests).
 */
import type { Sys } from '../sys/types';
import { DRM_CLOEXEC, DRM_CORE_IOCTLS as D, DRM_RDWR } from '../uapi/drm';
import type { IoctlDecl } from '../uapi/ioctl';
import type { StructLayout } from '../uapi/layout';

/** How a wrapper issues a request: sys.ioctl by default, doIoctl in tests. */
export type IoctlIssue = (sys: Sys, fd: number, request: number, arg: Buffer) => number;

export const rawIoctl: IoctlIssue = (sys, fd, request, arg) => sys.ioctl(fd, request, arg);

/** Encodes `value` into the ioctl's struct, issues it, and decodes what the kernel left. */
export function ioctlStruct<V>(
  sys: Sys,
  fd: number,
  decl: IoctlDecl<StructLayout<V>>,
  value: Partial<V>,
  issue: IoctlIssue = rawIoctl,
): V {
  const arg = decl.struct.encode(value);
  issue(sys, fd, decl.request, arg);
  return decl.struct.decode(arg);
}

/** DRM_IOCTL_GET_CAP. */
export function getCap(sys: Sys, fd: number, capability: bigint, issue?: IoctlIssue): bigint {
  return ioctlStruct(sys, fd, D.GET_CAP, { capability }, issue).value;
}

/** DRM_IOCTL_GEM_CLOSE. */
export function gemClose(sys: Sys, fd: number, handle: number, issue?: IoctlIssue): void {
  ioctlStruct(sys, fd, D.GEM_CLOSE, { handle }, issue);
}

/** DRM_IOCTL_PRIME_HANDLE_TO_FD; the dma-buf fd is the caller's to close. */
export function primeHandleToFd(sys: Sys, fd: number, handle: number, flags: number = DRM_CLOEXEC | DRM_RDWR, issue?: IoctlIssue): number {
  return ioctlStruct(sys, fd, D.PRIME_HANDLE_TO_FD, { handle, flags }, issue).fd;
}

/** DRM_IOCTL_PRIME_FD_TO_HANDLE. */
export function primeFdToHandle(sys: Sys, fd: number, dmabuf: number, issue?: IoctlIssue): number {
  return ioctlStruct(sys, fd, D.PRIME_FD_TO_HANDLE, { fd: dmabuf }, issue).handle;
}

/** DRM_IOCTL_SYNCOBJ_CREATE: a new syncobj handle of the file. */
export function syncobjCreate(sys: Sys, fd: number, flags = 0, issue?: IoctlIssue): number {
  return ioctlStruct(sys, fd, D.SYNCOBJ_CREATE, { flags }, issue).handle;
}

/** DRM_IOCTL_SYNCOBJ_DESTROY. */
export function syncobjDestroy(sys: Sys, fd: number, handle: number, issue?: IoctlIssue): void {
  ioctlStruct(sys, fd, D.SYNCOBJ_DESTROY, { handle }, issue);
}

/**
 * DRM_IOCTL_SYNCOBJ_WAIT on one syncobj with an absolute CLOCK_MONOTONIC
 * deadline `timeoutMs` from now (as the kernel takes it), through
 * ioctlAsync: a blocking wait. Expiry throws the SysError ETIME.
 */
export async function syncobjWait(sys: Sys, fd: number, handle: number, timeoutMs: number, flags = 0): Promise<void> {
  const mem = sys.alloc(4);
  try {
    mem.bytes.writeUInt32LE(handle, 0);
    const deadline = sys.monotonicNs() + BigInt(Math.max(0, Math.round(timeoutMs))) * 1_000_000n;
    const arg = D.SYNCOBJ_WAIT.struct.encode({ handles: mem.address, timeout_nsec: deadline, count_handles: 1, flags });
    await sys.ioctlAsync(fd, D.SYNCOBJ_WAIT.request, arg);
  } finally {
    sys.free(mem);
  }
}
