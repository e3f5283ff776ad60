/**
 * What kernel subsystems need from the kernel object, as an interface so
 * the DRM core does not import the kernel class (no import cycles).
 */
import type { Accounting } from './accounting';
import type { VirtualClock } from './clock';
import type { FileOperations, InodeInfo, KFile } from './vfs/file';

export interface KernelServices {
  readonly clock: VirtualClock;
  readonly acct: Accounting;
  /** alloc_file: a new open file description with one reference, tracked in stats. */
  newFile(fop: FileOperations, inode: InodeInfo, flags: number): KFile;
}
