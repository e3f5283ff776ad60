/**
 * struct files_struct (fs/file.c): fd -> file with a per-fd close-on-exec
 * bit. New fds are the lowest free number (alloc_fd: find_next_fd from
 * files->next_fd), bounded by RLIMIT_NOFILE (EMFILE).
 */
import { SysError } from '../../../../harness/sys/errno';
import type { FileCloser, KFile } from './file';

export const NR_OPEN_DEFAULT = 1024;

interface FdEntry {
  file: KFile;
  cloexec: boolean;
}

export class FdTable {
  private fds = new Map<number, FdEntry>();

  constructor(
    /** The task that owns the table: flush runs in its context. */
    private readonly owner: FileCloser,
    private readonly limit = NR_OPEN_DEFAULT,
  ) {}

  /** get_unused_fd_flags + fd_install: takes over the caller's reference. */
  install(file: KFile, cloexec: boolean, syscall: string, minFd = 0): number {
    for (let fd = minFd; fd < this.limit; fd++) {
      if (!this.fds.has(fd)) {
        this.fds.set(fd, { file, cloexec });
        return fd;
      }
    }
    file.put();
    throw SysError.of('EMFILE', syscall);
  }

  /** fget without taking a reference (the caller must not keep it past the call). */
  lookup(fd: number, syscall: string): KFile {
    const e = Number.isInteger(fd) ? this.fds.get(fd) : undefined;
    if (!e) throw SysError.of('EBADF', syscall);
    return e.file;
  }

  has(fd: number): boolean {
    return this.fds.has(fd);
  }

  getCloexec(fd: number, syscall: string): boolean {
    const e = this.fds.get(fd);
    if (!e) throw SysError.of('EBADF', syscall);
    return e.cloexec;
  }

  setCloexec(fd: number, on: boolean, syscall: string): void {
    const e = this.fds.get(fd);
    if (!e) throw SysError.of('EBADF', syscall);
    e.cloexec = on;
  }

  /** close_fd → filp_close (fs/open.c): removes the fd, flushes, drops its reference. */
  close(fd: number, syscall = 'close'): void {
    const e = Number.isInteger(fd) ? this.fds.get(fd) : undefined;
    if (!e) throw SysError.of('EBADF', syscall);
    this.fds.delete(fd);
    e.file.fop.flush?.(e.file, this.owner);
    e.file.put();
  }

  entries(): [number, KFile][] {
    return [...this.fds.entries()].map(([fd, e]) => [fd, e.file]);
  }

  /** exit_files: every fd closes, lowest first. */
  closeAll(): void {
    for (const fd of [...this.fds.keys()].sort((a, b) => a - b)) this.close(fd);
  }
}
