/**
 * DRM_IOCTL_VERSION as drm_version()/drm_copy_field() in drm_ioctl.c answer
 * it: copy min(user length, string length) bytes if a buffer is given, then
 * write the full string length back. Memory is looked up in FakeUserMemory.
 */
import { SysError } from '../../sys/errno';
import { DRM_IOCTL_VERSION, drm_version } from '../../uapi/drm';
import type { FakeUserMemory } from './fs-sys';

export interface VersionAnswer {
  readonly major: number;
  readonly minor: number;
  readonly patchlevel: number;
  readonly name: string;
  readonly date: string;
  readonly desc: string;
}

export interface ScriptedIoctl {
  (fd: number, request: number, arg?: Buffer | number | bigint): number;
  readonly calls: { name_len: bigint; name: bigint }[];
}

export function versionIoctl(memory: FakeUserMemory, answer: VersionAnswer): ScriptedIoctl {
  const calls: { name_len: bigint; name: bigint }[] = [];
  const fn = (_fd: number, request: number, arg?: Buffer | number | bigint): number => {
    if (request !== DRM_IOCTL_VERSION || !Buffer.isBuffer(arg)) throw SysError.of('ENOTTY', 'ioctl');
    const v = drm_version.decode(arg);
    calls.push({ name_len: v.name_len, name: v.name });
    const copy = (len: bigint, ptr: bigint, value: string): bigint => {
      const bytes = Buffer.from(value, 'utf8');
      const n = Math.min(Number(len), bytes.length);
      if (n > 0) {
        const target = memory.live.get(ptr);
        if (!target || target.length < n) throw SysError.of('EFAULT', 'ioctl');
        bytes.copy(target, 0, 0, n);
      }
      return BigInt(bytes.length);
    };
    const out = {
      ...v,
      version_major: answer.major,
      version_minor: answer.minor,
      version_patchlevel: answer.patchlevel,
      name_len: copy(v.name_len, v.name, answer.name),
      date_len: copy(v.date_len, v.date, answer.date),
      desc_len: copy(v.desc_len, v.desc, answer.desc),
    };
    drm_version.encode(out).copy(arg);
    return 0;
  };
  return Object.assign(fn, { calls });
}
