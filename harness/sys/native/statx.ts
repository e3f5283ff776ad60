/**
 * struct statx (include/uapi/linux/stat.h). statx(2) is used instead of
 * fstat(2) because its struct is the same on every architecture, while
 * struct stat differs between x86_64 and arm64.
 */
import { array, s32, s64, struct, u16, u32, u64 } from '../../uapi/layout';
import type { Stat } from '../types';
import { S_IFBLK, S_IFCHR, S_IFMT } from '../constants';

export const statx_timestamp = struct('statx_timestamp', { tv_sec: s64, tv_nsec: u32, __statx_timestamp_pad1: array(s32, 1) });

/** As glibc's <sys/stat.h> declares it (the layout check compares the two). */
export const statx_layout = struct('statx', {
  stx_mask: u32,
  stx_blksize: u32,
  stx_attributes: u64,
  stx_nlink: u32,
  stx_uid: u32,
  stx_gid: u32,
  stx_mode: u16,
  __statx_pad1: array(u16, 1),
  stx_ino: u64,
  stx_size: u64,
  stx_blocks: u64,
  stx_attributes_mask: u64,
  stx_atime: statx_timestamp,
  stx_btime: statx_timestamp,
  stx_ctime: statx_timestamp,
  stx_mtime: statx_timestamp,
  stx_rdev_major: u32,
  stx_rdev_minor: u32,
  stx_dev_major: u32,
  stx_dev_minor: u32,
  // Later kernels fill part of this tail; the kernel writes at most 256 bytes.
  __statx_pad2: array(u64, 14),
});

export const AT_EMPTY_PATH = 0x1000;
export const AT_SYMLINK_NOFOLLOW = 0x100;
/** STATX_TYPE | STATX_MODE | STATX_NLINK | STATX_UID | STATX_GID | STATX_INO | STATX_SIZE ... */
export const STATX_BASIC_STATS = 0x7ff;

export function statFromStatx(buf: Buffer): Stat {
  const v = statx_layout.decode(buf);
  const type = v.stx_mode & S_IFMT;
  const isDevice = type === S_IFCHR || type === S_IFBLK;
  return {
    mode: v.stx_mode,
    ino: v.stx_ino,
    size: v.stx_size,
    uid: v.stx_uid,
    gid: v.stx_gid,
    rdevMajor: isDevice ? v.stx_rdev_major : 0,
    rdevMinor: isDevice ? v.stx_rdev_minor : 0,
  };
}
