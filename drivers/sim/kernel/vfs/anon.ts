/**
 * Inode numbers and stat identities for files that live on no path (pipefs,
 * sockfs, anon inodes, memfd's shmem inode).
 */
import type { InodeInfo } from './file';

let anonIno = 1_000_000n;

export function anonInode(mode: number, size: () => bigint = () => 0n, uid = 0, gid = 0): InodeInfo {
  return { mode, ino: anonIno++, uid, gid, rdevMajor: 0, rdevMinor: 0, size };
}
