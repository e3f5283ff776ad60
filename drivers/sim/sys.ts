/**
 * Sys for the simulated kernel: one SimSys is one simulated process (a Task
 * of a SimKernel) making system calls. Every failure is a SysError with the
 * errno the Linux syscall path would give (fs/open.c, fs/file.c,
 * fs/fcntl.c, fs/ioctl.c, fs/read_write.c, mm/mmap.c, fs/select.c).
 */
import { SysError } from '../../harness/sys/errno';
import { checkIoctlInteger, checkSize } from '../../harness/sys/args';
import {
  F_DUPFD,
  F_DUPFD_CLOEXEC,
  F_GETFD,
  F_GETFL,
  F_SETFD,
  F_SETFL,
  FD_CLOEXEC,
  MAP_PRIVATE,
  MAP_SHARED,
  O_APPEND,
  O_CLOEXEC,
  O_CREAT,
  O_EXCL,
  O_NOCTTY,
  O_NONBLOCK,
  O_TRUNC,
  POLLERR,
  POLLHUP,
  POLLIN,
  POLLNVAL,
  POLLOUT,
  PROT_WRITE,
} from '../../harness/sys/constants';
import type { FsView, Mapping, PeerProcess, PollFd, SpawnOptions, Stat, Sys, UserMemory } from '../../harness/sys/types';
import { NS_PER_MS } from './kernel/clock';
import { DEFAULT_CRED, SimKernel } from './kernel/kernel';
import { PAGE_SIZE, type Region } from './kernel/mm';
import type { Credentials } from './kernel/task';
import { Task } from './kernel/task';
import type { CallCtx, KFile, VmaRequest } from './kernel/vfs/file';
import { createMemfd } from './kernel/vfs/memfd';
import { createPipe } from './kernel/vfs/pipe';
import { createSocketPair, recvFile, sendFile } from './kernel/vfs/socket';


/* fs/ioctl.c do_vfs_ioctl: requests the VFS answers before the file's own ioctl. */
const FIONCLEX = 0x5450;
const FIOCLEX = 0x5451;
const FIONBIO = 0x5421;
/* fs/fcntl.c SETFL_MASK: the only flags F_SETFL may change (O_DIRECT, O_NOATIME, FASYNC not modelled). */
const SETFL_MASK = O_APPEND | O_NONBLOCK;
/* include/uapi/linux/fs.h SEEK_MAX (SEEK_HOLE). */
const SEEK_MAX = 4;
/** Largest Sys.alloc the simulator backs with host memory. */
const USER_ALLOC_MAX = 1 << 30;

type IoctlArg = Buffer | number | bigint | undefined;

export class SimSys implements Sys {
  readonly kind = 'sim' as const;
  readonly fs: FsView;
  /** The caller of a file op in each mode; immutable, so made once rather than per call. */
  private readonly syncCtx: CallCtx;
  private readonly asyncCtx: CallCtx;

  constructor(
    readonly kernel: SimKernel,
    readonly task: Task,
  ) {
    this.fs = kernel.fs;
    this.syncCtx = { task, mm: task.mm, async: false };
    this.asyncCtx = { task, mm: task.mm, async: true };
  }

  get pid(): number {
    return this.task.pid;
  }

  private alive(syscall: string): void {
    if (!this.task.alive) throw SysError.of('ESRCH', syscall, `process ${this.task.pid} has exited`);
  }

  private file(fd: number, syscall: string): KFile {
    this.alive(syscall);
    return this.task.files.lookup(fd, syscall);
  }

  private ctx(async: boolean): CallCtx {
    return async ? this.asyncCtx : this.syncCtx;
  }

  open(path: string, flags: number, _mode?: number): number {
    this.alive('open');
    const f = this.kernel.openPath(this.task, path, flags);
    // do_dentry_open: open-time-only flags do not stay in f_flags.
    f.flags = flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC);
    return this.task.files.install(f, (flags & O_CLOEXEC) !== 0, 'open');
  }

  close(fd: number): void {
    this.alive('close');
    this.task.files.close(fd);
  }

  dup(fd: number): number {
    const f = this.file(fd, 'dup');
    return this.task.files.install(f.get(), false, 'dup');
  }

  fcntl(fd: number, cmd: number, arg = 0): number {
    const f = this.file(fd, 'fcntl');
    switch (cmd) {
      case F_GETFD:
        return this.task.files.getCloexec(fd, 'fcntl') ? FD_CLOEXEC : 0;
      case F_SETFD:
        this.task.files.setCloexec(fd, (arg & FD_CLOEXEC) !== 0, 'fcntl');
        return 0;
      case F_GETFL:
        return f.flags;
      case F_SETFL:
        f.flags = (f.flags & ~SETFL_MASK) | (arg & SETFL_MASK);
        return 0;
      case F_DUPFD:
      case F_DUPFD_CLOEXEC:
        if (!Number.isInteger(arg) || arg < 0) throw SysError.of('EINVAL', 'fcntl');
        return this.task.files.install(f.get(), cmd === F_DUPFD_CLOEXEC, 'fcntl', arg);
      default:
        throw SysError.of('EINVAL', 'fcntl', `cmd ${cmd}`);
    }
  }

  /**
   * fs/ioctl.c: the VFS requests, then the file's unlocked_ioctl. A Buffer
   * argument is mapped where a user pointer would point for the duration of
   * the call (until the promise settles, for an async op). Written without
   * per-call closures: this is the path every simulated ioctl takes.
   */
  private doIoctl(fd: number, request: number, arg: IoctlArg, async: boolean): number | Promise<number> {
    const f = this.file(fd, 'ioctl');
    const cmd = request >>> 0;
    const mm = this.task.mm;
    let region: Region | null = null;
    let addr = 0n;
    if (Buffer.isBuffer(arg)) {
      region = mm.map(arg, 'arg', true);
      addr = region.start;
    } else if (arg !== undefined) {
      checkIoctlInteger(arg);
      addr = BigInt.asUintN(64, BigInt(arg));
    }
    let result: number | Promise<number>;
    try {
      result = this.vfsIoctl(f, fd, cmd, addr, async);
    } catch (e) {
      if (region) mm.unmap(region);
      throw e;
    }
    if (result instanceof Promise) {
      const r = region;
      const done = (): void => {
        if (r) mm.unmap(r);
      };
      result.then(done, done);
    } else if (region) {
      mm.unmap(region);
    }
    return result;
  }

  private vfsIoctl(f: KFile, fd: number, cmd: number, addr: bigint, async: boolean): number | Promise<number> {
    switch (cmd) {
      case FIOCLEX:
        this.task.files.setCloexec(fd, true, 'ioctl');
        return 0;
      case FIONCLEX:
        this.task.files.setCloexec(fd, false, 'ioctl');
        return 0;
      case FIONBIO: {
        const on = this.task.mm.copyFromUser(addr, 4, 'ioctl').readInt32LE(0) !== 0;
        f.flags = on ? f.flags | O_NONBLOCK : f.flags & ~O_NONBLOCK;
        return 0;
      }
    }
    // vfs_ioctl: no unlocked_ioctl is ENOTTY.
    if (!f.fop.ioctl) throw SysError.of('ENOTTY', 'ioctl');
    return f.fop.ioctl(f, cmd, addr, async ? this.asyncCtx : this.syncCtx);
  }

  ioctl(fd: number, request: number, arg?: IoctlArg): number {
    const r = this.doIoctl(fd, request, arg, false);
    if (typeof r !== 'number') throw new Error('synchronous ioctl produced a promise');
    return r;
  }

  ioctlAsync(fd: number, request: number, arg?: IoctlArg): Promise<number> {
    try {
      return Promise.resolve(this.doIoctl(fd, request, arg, true));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  read(fd: number, length: number): Buffer {
    const f = this.file(fd, 'read');
    if (!f.readable) throw SysError.of('EBADF', 'read');
    if (!f.fop.read) throw SysError.of('EINVAL', 'read');
    if (!Number.isSafeInteger(length) || length < 0) throw SysError.of('EFAULT', 'read');
    return f.fop.read(f, length);
  }

  write(fd: number, data: Buffer): number {
    const f = this.file(fd, 'write');
    if (!f.writable) throw SysError.of('EBADF', 'write');
    if (!f.fop.write) throw SysError.of('EINVAL', 'write');
    return f.fop.write(f, data);
  }

  lseek(fd: number, offset: bigint, whence: number): bigint {
    const f = this.file(fd, 'lseek');
    if (!Number.isInteger(whence) || whence < 0 || whence > SEEK_MAX) throw SysError.of('EINVAL', 'lseek');
    if (!f.fop.llseek) throw SysError.of('ESPIPE', 'lseek');
    return f.fop.llseek(f, BigInt.asIntN(64, offset), whence);
  }

  fstat(fd: number): Stat {
    const f = this.file(fd, 'fstat');
    const i = f.inode;
    return { mode: i.mode, ino: i.ino, size: i.size(), uid: i.uid, gid: i.gid, rdevMajor: i.rdevMajor, rdevMinor: i.rdevMinor };
  }

  /**
   * mm/mmap.c: page-aligned offset and a non-zero length (EINVAL), exactly
   * one of MAP_SHARED/MAP_PRIVATE (EINVAL), a readable file and, for a
   * shared writable mapping, a writable one (EACCES), a file with an mmap op
   * (ENODEV). The vma holds a file reference until munmap or exit.
   */
  mmap(fd: number, length: number, prot: number, flags: number, offset: bigint): Mapping {
    const f = this.file(fd, 'mmap');
    if (!Number.isSafeInteger(length) || length <= 0) throw SysError.of('EINVAL', 'mmap', 'length');
    if (offset < 0n || offset % BigInt(PAGE_SIZE) !== 0n) throw SysError.of('EINVAL', 'mmap', 'offset');
    const type = flags & (MAP_SHARED | MAP_PRIVATE);
    if (type !== MAP_SHARED && type !== MAP_PRIVATE) throw SysError.of('EINVAL', 'mmap', 'flags');
    if (!f.readable) throw SysError.of('EACCES', 'mmap');
    if (type === MAP_SHARED && prot & PROT_WRITE && !f.writable) throw SysError.of('EACCES', 'mmap');
    if (!f.fop.mmap) throw SysError.of('ENODEV', 'mmap');
    const vma: VmaRequest = {
      length: Math.ceil(length / PAGE_SIZE) * PAGE_SIZE,
      pgoff: offset / BigInt(PAGE_SIZE),
      prot,
      flags,
      memory: null,
      close: null,
    };
    f.fop.mmap(f, vma, this.ctx(false));
    const memory = vma.memory;
    if (!memory) throw SysError.of('EINVAL', 'mmap');
    f.get();
    const region = this.task.mm.map(memory, 'mmap', (prot & PROT_WRITE) !== 0, () => {
      vma.close?.();
      f.put();
    });
    vma.mapped?.(region.start);
    return { address: region.start, length, bytes: memory.subarray(0, length) };
  }

  munmap(mapping: Mapping): void {
    this.alive('munmap');
    const r = this.task.mm.find(mapping.address);
    if (!r || r.kind !== 'mmap') throw SysError.of('EINVAL', 'munmap');
    this.task.mm.unmap(r);
  }

  private revents(fds: readonly PollFd[]): number[] {
    return fds.map(({ fd, events }) => {
      if (!this.task.files.has(fd)) return POLLNVAL;
      const f = this.task.files.lookup(fd, 'poll');
      // DEFAULT_POLLMASK for files without a poll op.
      const mask = f.fop.poll ? f.fop.poll(f) : POLLIN | POLLOUT;
      return mask & (events | POLLERR | POLLHUP);
    });
  }

  async poll(fds: readonly PollFd[], timeoutMs: number): Promise<number[]> {
    this.alive('poll');
    const ready = (): boolean => this.revents(fds).some((r) => r !== 0);
    if (!ready() && timeoutMs !== 0) {
      const clock = this.kernel.clock;
      await clock.waitUntil(ready, timeoutMs < 0 ? null : clock.nowNs() + BigInt(Math.ceil(timeoutMs)) * NS_PER_MS);
    }
    return this.revents(fds);
  }

  pipe(): [number, number] {
    this.alive('pipe');
    const [r, w] = createPipe((f) => this.kernel.acct.remove('file', f));
    this.kernel.acct.add('file', r);
    this.kernel.acct.add('file', w);
    const rfd = this.task.files.install(r, false, 'pipe');
    try {
      return [rfd, this.task.files.install(w, false, 'pipe')];
    } catch (e) {
      this.task.files.close(rfd);
      throw e;
    }
  }

  memfd(_name: string, size = 0): number {
    this.alive('memfd_create');
    checkSize(size, 'ftruncate', 'size');
    const f = createMemfd(size, (x) => this.kernel.acct.remove('file', x), this.task.cred.uid, this.task.cred.gid);
    this.kernel.acct.add('file', f);
    return this.task.files.install(f, false, 'memfd_create');
  }

  socketpair(): [number, number] {
    this.alive('socketpair');
    const [a, b] = createSocketPair((f) => this.kernel.acct.remove('file', f));
    this.kernel.acct.add('file', a);
    this.kernel.acct.add('file', b);
    const fa = this.task.files.install(a, false, 'socketpair');
    try {
      return [fa, this.task.files.install(b, false, 'socketpair')];
    } catch (e) {
      this.task.files.close(fa);
      throw e;
    }
  }

  sendFd(sock: number, fd: number): void {
    const s = this.file(sock, 'sendmsg');
    sendFile(s, this.file(fd, 'sendmsg'));
  }

  recvFd(sock: number): number {
    const f = recvFile(this.file(sock, 'recvmsg'));
    return this.task.files.install(f, false, 'recvmsg');
  }

  async spawn(options: SpawnOptions): Promise<PeerProcess> {
    this.alive('fork');
    for (const fd of options.inheritFds) this.file(fd, 'fork');
    const { task, inherited } = this.kernel.forkTask(this.task, options.inheritFds);
    return new SimPeer(new SimSys(this.kernel, task), inherited);
  }

  alloc(size: number): UserMemory {
    this.alive('mmap');
    if (!Number.isSafeInteger(size) || size < 0) throw SysError.of('EINVAL', 'mmap');
    if (size > USER_ALLOC_MAX) throw SysError.of('ENOMEM', 'mmap');
    const r = this.task.mm.map(Buffer.alloc(size), 'alloc', true);
    return { address: r.start, bytes: r.bytes };
  }

  free(mem: UserMemory): void {
    const r = this.task.mm.find(mem.address);
    if (!r || r.kind !== 'alloc') throw SysError.of('EINVAL', 'munmap');
    this.task.mm.unmap(r);
  }

  getuid(): number {
    return this.task.cred.uid;
  }

  monotonicNs(): bigint {
    return this.kernel.clock.nowNs();
  }

  sleepMs(ms: number): Promise<void> {
    return this.kernel.clock.sleepNs(BigInt(Math.max(0, Math.ceil(ms))) * NS_PER_MS);
  }

  /** Ends this process: its fds close and its mappings go, as exit(2). */
  exit(): void {
    this.kernel.exitTask(this.task);
  }
}

/** A child or peer process; async so tests are written as they are against real processes. */
class SimPeer implements PeerProcess {
  constructor(
    readonly sys: SimSys,
    readonly inherited: ReadonlyMap<number, number>,
  ) {}

  get pid(): number {
    return this.sys.pid;
  }

  async open(path: string, flags: number): Promise<number> {
    return this.sys.open(path, flags);
  }

  async close(fd: number): Promise<void> {
    this.sys.close(fd);
  }

  async ioctl(fd: number, request: number, arg: Buffer): Promise<{ ret: number; arg: Buffer }> {
    const copy = Buffer.from(arg);
    const ret = await this.sys.ioctlAsync(fd, request, copy);
    return { ret, arg: copy };
  }

  async recvFd(sock: number): Promise<number> {
    return this.sys.recvFd(sock);
  }

  async exit(): Promise<void> {
    this.sys.exit();
  }
}

/** A new process on `kernel` (default: uid 1000 in groups render and video). */
export function createSimSys(kernel: SimKernel, cred: Credentials = DEFAULT_CRED): SimSys {
  return new SimSys(kernel, kernel.createTask(cred));
}
