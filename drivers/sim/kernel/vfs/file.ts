/**
 * struct file and struct file_operations (include/linux/fs.h). A KFile is an
 * open file description: shared by dup(), by fork and by SCM_RIGHTS; its
 * release op runs when the last reference drops (fs/file_table.c fput ->
 * __fput), never at an individual close().
 */
import { O_ACCMODE, O_RDONLY, O_RDWR, O_WRONLY } from '../../../../harness/sys/constants';
import type { AddressSpace } from '../mm';
import type { Task } from '../task';

export interface InodeInfo {
  readonly mode: number;
  readonly ino: bigint;
  readonly uid: number;
  readonly gid: number;
  readonly rdevMajor: number;
  readonly rdevMinor: number;
  size(): bigint;
}

/** What an mmap op fills in (the core's part of vm_area_struct). */
export interface VmaRequest {
  readonly length: number;
  readonly pgoff: bigint;
  readonly prot: number;
  readonly flags: number;
  memory: Buffer | null;
  close: (() => void) | null;
  /** Told the mapping's start address once placed (an op that records vm_start). */
  mapped?: ((start: bigint) => void) | null;
}

/** The caller of a file op: its task (for copy_from_user and fd installs) and mode. */
export interface CallCtx {
  readonly task: Task;
  readonly mm: AddressSpace;
  /** ioctlAsync: the op may block asynchronously. */
  readonly async: boolean;
}

export type IoctlResult = number | Promise<number>;

/** The task closing an fd (filp_close runs in its context: current). */
export interface FileCloser {
  readonly pid: number;
  readonly uid: number;
}

export interface FileOperations {
  /** A name for stats and debugging: 'accel', 'pipe', 'dmabuf', ... */
  readonly kind: string;
  release?(file: KFile): void;
  /**
   * Called at every close(2) of an fd (and at exit), before the reference
   * drops: fs/open.c filp_close → filp_flush. Unlike release, it runs even
   * when other fds still share the description.
   */
  flush?(file: KFile, closer: FileCloser): void;
  /** unlocked_ioctl; absent: ENOTTY (fs/ioctl.c vfs_ioctl). `arg` is the raw user argument. */
  ioctl?(file: KFile, cmd: number, arg: bigint, ctx: CallCtx): IoctlResult;
  /** absent: ENODEV (mm/mmap.c do_mmap: !file->f_op->mmap). */
  mmap?(file: KFile, vma: VmaRequest, ctx: CallCtx): void;
  /** absent: ESPIPE (fs/read_write.c no_llseek semantics). */
  llseek?(file: KFile, offset: bigint, whence: number): bigint;
  /** absent: EINVAL (fs/read_write.c vfs_read without read ops). */
  read?(file: KFile, length: number): Buffer;
  write?(file: KFile, data: Buffer): number;
  /** Current poll mask; absent: DEFAULT_POLLMASK. */
  poll?(file: KFile): number;
}

let fileSeq = 0;

export class KFile {
  readonly id = ++fileSeq;
  /** f_count. */
  private count = 1;
  /** f_flags as open(2) left them (O_ACCMODE, O_NONBLOCK, O_APPEND...). */
  flags: number;
  pos = 0n;
  privateData: unknown = null;
  private released = false;

  constructor(
    readonly fop: FileOperations,
    readonly inode: InodeInfo,
    flags: number,
    private readonly onFree: (f: KFile) => void,
  ) {
    this.flags = flags;
  }

  get refcount(): number {
    return this.count;
  }

  get readable(): boolean {
    const acc = this.flags & O_ACCMODE;
    return acc === O_RDONLY || acc === O_RDWR;
  }

  get writable(): boolean {
    const acc = this.flags & O_ACCMODE;
    return acc === O_WRONLY || acc === O_RDWR;
  }

  /** get_file. */
  get(): this {
    if (this.released) throw new Error(`get_file on released file ${this.fop.kind}#${this.id}`);
    this.count++;
    return this;
  }

  /** fput: the last reference runs ->release. */
  put(): void {
    if (this.released) throw new Error(`fput on released file ${this.fop.kind}#${this.id}`);
    if (--this.count > 0) return;
    this.released = true;
    this.onFree(this);
    this.fop.release?.(this);
  }
}
