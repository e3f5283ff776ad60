/**
 * Thin wrappers of the DRM core ioctls the families share. Each one asserts
 * success with doIoctl (so a failure names the ioctl and the errno) and
 * returns what the kernel wrote back.
 */
import { doIoctl } from '../../harness/testing/assert';
import type { Sys, UserMemory } from '../../harness/sys/types';
import {
  DRM_CLOEXEC,
  DRM_IOCTL_GEM_CLOSE,
  DRM_IOCTL_GET_CAP,
  DRM_IOCTL_PRIME_FD_TO_HANDLE,
  DRM_IOCTL_PRIME_HANDLE_TO_FD,
  DRM_IOCTL_SYNCOBJ_WAIT,
  DRM_IOCTL_VERSION,
  DRM_RDWR,
  drm_gem_close,
  drm_get_cap,
  drm_prime_handle,
  drm_syncobj_wait,
  drm_version,
} from '../../harness/uapi/drm';

export interface Version {
  readonly major: number;
  readonly minor: number;
  readonly patchlevel: number;
  readonly name: string;
  readonly date: string;
  readonly desc: string;
}

/** Runs `fn` with user memory of the given sizes, freed afterwards. */
export function withUserMemory<T>(sys: Sys, sizes: readonly number[], fn: (mems: UserMemory[]) => T): T {
  const mems: UserMemory[] = [];
  try {
    for (const s of sizes) mems.push(sys.alloc(Math.max(1, s)));
    return fn(mems);
  } finally {
    for (const m of mems) sys.free(m);
  }
}

/** DRM_IOCTL_VERSION the way libdrm's drmGetVersion does it: lengths first, then the strings. */
export function getVersion(sys: Sys, fd: number): Version {
  const probe = drm_version.encode({});
  doIoctl(sys, fd, DRM_IOCTL_VERSION, probe);
  const lens = drm_version.decode(probe);
  const nameLen = Number(lens.name_len);
  const dateLen = Number(lens.date_len);
  const descLen = Number(lens.desc_len);
  return withUserMemory(sys, [nameLen, dateLen, descLen], ([name, date, desc]) => {
    const n = name as UserMemory;
    const d = date as UserMemory;
    const s = desc as UserMemory;
    const arg = drm_version.encode({
      name_len: BigInt(nameLen),
      name: n.address,
      date_len: BigInt(dateLen),
      date: d.address,
      desc_len: BigInt(descLen),
      desc: s.address,
    });
    doIoctl(sys, fd, DRM_IOCTL_VERSION, arg);
    const v = drm_version.decode(arg);
    const str = (m: UserMemory, len: bigint): string => m.bytes.subarray(0, Number(len)).toString('utf8');
    return {
      major: v.version_major,
      minor: v.version_minor,
      patchlevel: v.version_patchlevel,
      name: str(n, v.name_len),
      date: str(d, v.date_len),
      desc: str(s, v.desc_len),
    };
  });
}

export function getCap(sys: Sys, fd: number, capability: bigint): bigint {
  const arg = drm_get_cap.encode({ capability });
  doIoctl(sys, fd, DRM_IOCTL_GET_CAP, arg);
  return drm_get_cap.decode(arg).value;
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
