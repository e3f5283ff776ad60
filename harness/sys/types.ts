/**
 * The syscall boundary: everything a test or the discovery code does to a
 * kernel goes through `Sys`. Two implementations exist: the native backend
 * (harness/sys/native, koffi into libc) and the simulated kernel
 * (drivers/sim). Every failure is thrown as `SysError` (./errno).
 */

export interface Stat {
  /** st_mode, type bits included. */
  readonly mode: number;
  readonly ino: bigint;
  readonly size: bigint;
  readonly uid: number;
  readonly gid: number;
  /** major/minor of st_rdev for device nodes, else 0. */
  readonly rdevMajor: number;
  readonly rdevMinor: number;
}

/** A region mapped with mmap(); `bytes` is a live view of the mapped memory. */
export interface Mapping {
  readonly address: bigint;
  readonly length: number;
  readonly bytes: Buffer;
}

/**
 * User memory that a pointer field of an ioctl struct may point to
 * (drm_version.name, drm_syncobj_wait.handles, ...). `bytes` is a live view.
 */
export interface UserMemory {
  readonly address: bigint;
  readonly bytes: Buffer;
}

export interface PollFd {
  readonly fd: number;
  readonly events: number;
}

/** The read-only file system view discovery needs (sysfs, devfs, debugfs, /proc). */
export interface FsView {
  stat(path: string): Stat;
  lstat(path: string): Stat;
  readdir(path: string): string[];
  readlink(path: string): string;
  realpath(path: string): string;
  readFile(path: string): Buffer;
  exists(path: string): boolean;
}

/**
 * Another process that shares some open file descriptions with this one: a
 * child that inherited fds (fork/exec with the fds kept open), or a peer that
 * received fds over a unix socket (SCM_RIGHTS). Its calls are asynchronous
 * because on a real machine it is a real process spoken to over a pipe.
 */
export interface PeerProcess {
  readonly pid: number;
  /** fd numbers in the peer, by the parent's fd number they were inherited from. */
  readonly inherited: ReadonlyMap<number, number>;
  open(path: string, flags: number): Promise<number>;
  close(fd: number): Promise<void>;
  /** ioctl in the peer; resolves with the return value and the struct as the kernel left it. */
  ioctl(fd: number, request: number, arg: Buffer): Promise<{ ret: number; arg: Buffer }>;
  /** Receives one fd sent with `Sys.sendFd` on the peer's end of a socket pair. */
  recvFd(sock: number): Promise<number>;
  /** Ends the process; its fds close as an exit closes them. */
  exit(): Promise<void>;
}

export interface SpawnOptions {
  /** Parent fds the child keeps open (as fork+exec without O_CLOEXEC would). */
  readonly inheritFds: readonly number[];
}

export interface Sys {
  readonly kind: 'native' | 'sim';
  readonly pid: number;
  readonly fs: FsView;

  open(path: string, flags: number, mode?: number): number;
  close(fd: number): void;
  dup(fd: number): number;
  fcntl(fd: number, cmd: number, arg?: number): number;
  /** ioctl(2). `arg` is the struct (read and written in place), an integer, or absent. */
  ioctl(fd: number, request: number, arg?: Buffer | number | bigint): number;
  /** ioctl(2) for requests that may block (waits): never freezes the event loop. */
  ioctlAsync(fd: number, request: number, arg?: Buffer | number | bigint): Promise<number>;
  read(fd: number, length: number): Buffer;
  write(fd: number, data: Buffer): number;
  lseek(fd: number, offset: bigint, whence: number): bigint;
  fstat(fd: number): Stat;
  mmap(fd: number, length: number, prot: number, flags: number, offset: bigint): Mapping;
  munmap(mapping: Mapping): void;
  /** poll(2); resolves with revents per entry. */
  poll(fds: readonly PollFd[], timeoutMs: number): Promise<number[]>;

  pipe(): [number, number];
  memfd(name: string, size?: number): number;
  socketpair(): [number, number];
  /** Sends one fd over a unix socket with SCM_RIGHTS. */
  sendFd(sock: number, fd: number): void;
  /** Receives one fd from a unix socket (SCM_RIGHTS); a new fd number in this process. */
  recvFd(sock: number): number;
  spawn(options: SpawnOptions): Promise<PeerProcess>;

  /** User memory for pointer fields of ioctl structs. */
  alloc(size: number): UserMemory;
  free(mem: UserMemory): void;

  getuid(): number;
  /** CLOCK_MONOTONIC in ns: the clock syncobj timeouts are measured against. */
  monotonicNs(): bigint;
  /** Sleeps on this kernel's clock (a virtual clock in the simulator). */
  sleepMs(ms: number): Promise<void>;
}
