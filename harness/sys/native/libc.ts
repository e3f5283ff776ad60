/**
 * The libc entry points the native backend calls, bound once with koffi.
 *
 * Every prototype is fixed (not variadic) even where libc declares `...`
 * (ioctl, fcntl, open): a fixed prototype is measurably cheaper per call, and
 * on x86_64 and arm64 Linux the variadic tail is passed exactly like a fixed
 * argument. ioctl is bound twice, once per kind of third argument.
 */
import type koffiModule from 'koffi';

type Koffi = typeof koffiModule;
/** Pointers cross koffi as bigint addresses; Buffers and typed arrays are passed by address. */
type Ptr = bigint | null;
type Mem = Buffer | Int32Array | BigInt64Array | Ptr;

export interface AsyncFn<A extends unknown[]> {
  async(...args: [...A, (err: unknown, ret: number) => void]): void;
}

export interface Libc {
  readonly koffi: Koffi;
  errno(): number;
  open(path: string, flags: number, mode: number): number;
  close(fd: number): number;
  dup(fd: number): number;
  fcntl(fd: number, cmd: number, arg: number): number;
  ioctlPtr: ((fd: number, request: number, arg: Mem) => number) & AsyncFn<[number, number, Mem]>;
  ioctlInt: ((fd: number, request: number, arg: number | bigint) => number) & AsyncFn<[number, number, number | bigint]>;
  read(fd: number, buf: Buffer, len: number): number;
  write(fd: number, buf: Buffer, len: number): number;
  lseek(fd: number, offset: bigint, whence: number): number | bigint;
  statx(dirfd: number, path: string, flags: number, mask: number, buf: Buffer): number;
  mmap(addr: Ptr, len: number, prot: number, flags: number, fd: number, offset: bigint): bigint;
  munmap(addr: bigint, len: number): number;
  poll: ((fds: Buffer, nfds: number, timeout: number) => number) & AsyncFn<[Buffer, number, number]>;
  pipe2(fds: Int32Array, flags: number): number;
  memfd_create(name: string, flags: number): number;
  ftruncate(fd: number, len: bigint): number;
  socketpair(domain: number, type: number, protocol: number, fds: Int32Array): number;
  sendmsg(fd: number, msg: bigint, flags: number): number;
  recvmsg(fd: number, msg: bigint, flags: number): number;
  calloc(n: number, size: number): bigint | null;
  free(p: bigint): void;
  getuid(): number;
  clock_gettime(clock: number, ts: BigInt64Array): number;
}

let cached: Libc | undefined;

/** Loads koffi and binds libc on first use, so that importing the backend costs nothing. */
export function libc(): Libc {
  if (cached) return cached;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const koffi = require('koffi') as Koffi;
  const lib = koffi.load('libc.so.6');
  // koffi's own typings return `any`; the casts below pin each binding to the Libc signature.
  const f = <T>(decl: string): T => lib.func(decl) as unknown as T;
  cached = {
    koffi,
    errno: () => koffi.errno(),
    open: f('int open(const char *path, int flags, uint32_t mode)'),
    close: f('int close(int fd)'),
    dup: f('int dup(int fd)'),
    fcntl: f('int fcntl(int fd, int cmd, long arg)'),
    ioctlPtr: f('int ioctl(int fd, unsigned long request, void *arg)'),
    ioctlInt: f('int ioctl(int fd, unsigned long request, long arg)'),
    read: f('intptr_t read(int fd, void *buf, size_t len)'),
    write: f('intptr_t write(int fd, const void *buf, size_t len)'),
    lseek: f('int64_t lseek(int fd, int64_t offset, int whence)'),
    statx: f('int statx(int dirfd, const char *path, int flags, uint32_t mask, void *buf)'),
    mmap: f('void *mmap(void *addr, size_t len, int prot, int flags, int fd, int64_t offset)'),
    munmap: f('int munmap(void *addr, size_t len)'),
    poll: f('int poll(void *fds, unsigned long nfds, int timeout)'),
    pipe2: f('int pipe2(int *fds, int flags)'),
    memfd_create: f('int memfd_create(const char *name, unsigned int flags)'),
    ftruncate: f('int ftruncate(int fd, int64_t len)'),
    socketpair: f('int socketpair(int domain, int type, int protocol, int *fds)'),
    sendmsg: f('intptr_t sendmsg(int fd, void *msg, int flags)'),
    recvmsg: f('intptr_t recvmsg(int fd, void *msg, int flags)'),
    calloc: f('void *calloc(size_t n, size_t size)'),
    free: f('void free(void *p)'),
    getuid: f('uint32_t getuid()'),
    clock_gettime: f('int clock_gettime(int clock, int64_t *ts)'),
  };
  return cached;
}
