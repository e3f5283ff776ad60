/**
 * DRM_IOCTL_VERSION with the two-call protocol of drm_version() in
 * drivers/gpu/drm/drm_ioctl.c: a first call with zero lengths returns the
 * string lengths, a second call with user buffers of those lengths fills them.
 */
import type { Sys, UserMemory } from '../sys/types';
import { DRM_IOCTL_VERSION, drm_version } from '../uapi/drm';
import type { DrmVersionInfo } from './types';

/** Longer strings mean a broken driver; capping keeps a bad length from exhausting memory. */
export const MAX_VERSION_STRING = 4096;

export function readDrmVersion(sys: Sys, fd: number): DrmVersionInfo {
  const probe = drm_version.encode();
  sys.ioctl(fd, DRM_IOCTL_VERSION, probe);
  const lengths = drm_version.decode(probe);
  const sizes = {
    name: capLength(lengths.name_len, 'name'),
    date: capLength(lengths.date_len, 'date'),
    desc: capLength(lengths.desc_len, 'desc'),
  };
  const held: UserMemory[] = [];
  try {
    // alloc(0) is not portable across backends; one spare byte also gives room for a terminating NUL.
    const mem = (n: number): UserMemory => {
      const m = sys.alloc(n + 1);
      held.push(m);
      return m;
    };
    const name = mem(sizes.name);
    const date = mem(sizes.date);
    const desc = mem(sizes.desc);
    const arg = drm_version.encode({
      name_len: BigInt(sizes.name),
      name: name.address,
      date_len: BigInt(sizes.date),
      date: date.address,
      desc_len: BigInt(sizes.desc),
      desc: desc.address,
    });
    sys.ioctl(fd, DRM_IOCTL_VERSION, arg);
    const v = drm_version.decode(arg);
    return {
      major: v.version_major,
      minor: v.version_minor,
      patchlevel: v.version_patchlevel,
      name: text(name, v.name_len, sizes.name),
      date: text(date, v.date_len, sizes.date),
      desc: text(desc, v.desc_len, sizes.desc),
    };
  } finally {
    for (const m of held) sys.free(m);
  }
}

function capLength(len: bigint, field: string): number {
  if (len > BigInt(MAX_VERSION_STRING)) {
    throw new Error(`DRM_IOCTL_VERSION: ${field}_len ${len} exceeds ${MAX_VERSION_STRING}`);
  }
  return Number(len);
}

/** The kernel copies min(our length, its length) bytes and writes back its full length; it does not add a NUL. */
function text(mem: UserMemory, reported: bigint, room: number): string {
  const n = Math.min(Number(reported), room);
  const raw = mem.bytes.subarray(0, n).toString('utf8');
  const nul = raw.indexOf('\0');
  return nul >= 0 ? raw.slice(0, nul) : raw;
}
