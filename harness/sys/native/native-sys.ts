/**
 * `Sys` on the running kernel: every call is a libc call through koffi, and a
 * negative return becomes a SysError carrying the errno read right after it.
 */
import type { Mapping, PeerProcess, PollFd, SpawnOptions, Stat, Sys, UserMemory } from '../types';
import { checkIoctlInteger, checkSize } from '../args';
import { SysError } from '../errno';
import { formatIoctl } from '../../uapi/ioctl';
import { libc, type Libc } from './libc';
import { nodeFsView } from './fs-view';
import { AT_EMPTY_PATH, STATX_BASIC_STATS, statFromStatx, statx_layout } from './statx';
import { ScmChannel } from './scm';
import { spawnPeer } from './peer';

const MAP_FAILED = 0xffff_ffff_ffff_ffffn;
const AF_UNIX = 1;
const SOCK_SEQPACKET = 5;
const CLOCK_MONOTONIC = 1;
const POLLFD_SIZE = 8;

/** The third ioctl argument as a C long: numbers stay numbers (cheaper through koffi) when they fit. */
function longArg(arg: number | bigint | undefined): number | bigint {
  if (arg === undefined) return 0;
  checkIoctlInteger(arg);
  if (typeof arg === 'number') return Number.isSafeInteger(arg) ? arg : BigInt.asIntN(64, BigInt(arg));
  return BigInt.asIntN(64, arg);
}

export class NativeSys implements Sys {
  readonly kind = 'native' as const;
  readonly pid = process.pid;
  readonly fs = nodeFsView;

  private readonly c: Libc;
  private scm: ScmChannel | undefined;
  /** Guards against unmapping or freeing twice, which could hit memory mapped since. */
  private readonly live = new WeakSet<Mapping | UserMemory>();

  constructor() {
    this.c = libc();
  }

  open(path: string, flags: number, mode = 0o644): number {
    const fd = this.c.open(path, flags, mode);
    if (fd < 0) throw new SysError(this.c.errno(), 'open', path);
    return fd;
  }

  close(fd: number): void {
    if (this.c.close(fd) < 0) throw new SysError(this.c.errno(), 'close');
  }

  dup(fd: number): number {
    const ret = this.c.dup(fd);
    if (ret < 0) throw new SysError(this.c.errno(), 'dup');
    return ret;
  }

  fcntl(fd: number, cmd: number, arg = 0): number {
    const ret = this.c.fcntl(fd, cmd, arg);
    if (ret < 0) throw new SysError(this.c.errno(), 'fcntl');
    return ret;
  }

  ioctl(fd: number, request: number, arg?: Buffer | number | bigint): number {
    const c = this.c;
    const ret = arg instanceof Uint8Array ? c.ioctlPtr(fd, request, arg) : c.ioctlInt(fd, request, longArg(arg));
    if (ret < 0) throw new SysError(c.errno(), 'ioctl', formatIoctl(request));
    return ret;
  }

  ioctlAsync(fd: number, request: number, arg?: Buffer | number | bigint): Promise<number> {
    const c = this.c;
    return new Promise((resolve, reject) => {
      // koffi runs the call on a libuv worker thread and restores that thread's errno before this callback.
      const done = (err: unknown, ret: number): void => {
        if (err) reject(err instanceof Error ? err : new Error(String(err)));
        else if (ret < 0) reject(new SysError(c.errno(), 'ioctl', formatIoctl(request)));
        else resolve(ret);
      };
      if (arg instanceof Uint8Array) c.ioctlPtr.async(fd, request, arg, done);
      else c.ioctlInt.async(fd, request, longArg(arg), done);
    });
  }

  read(fd: number, length: number): Buffer {
    const buf = Buffer.alloc(length);
    const n = this.c.read(fd, buf, length);
    if (n < 0) throw new SysError(this.c.errno(), 'read');
    return n === length ? buf : buf.subarray(0, n);
  }

  write(fd: number, data: Buffer): number {
    const n = this.c.write(fd, data, data.length);
    if (n < 0) throw new SysError(this.c.errno(), 'write');
    return n;
  }

  lseek(fd: number, offset: bigint, whence: number): bigint {
    const ret = this.c.lseek(fd, BigInt.asIntN(64, offset), whence);
    if (ret < 0) throw new SysError(this.c.errno(), 'lseek');
    return BigInt(ret);
  }

  fstat(fd: number): Stat {
    const buf = Buffer.alloc(statx_layout.size);
    if (this.c.statx(fd, '', AT_EMPTY_PATH, STATX_BASIC_STATS, buf) < 0) throw new SysError(this.c.errno(), 'fstat');
    return statFromStatx(buf);
  }

  mmap(fd: number, length: number, prot: number, flags: number, offset: bigint): Mapping {
    const address = this.c.mmap(null, length, prot, flags, fd, BigInt.asIntN(64, offset));
    if (address === MAP_FAILED) throw new SysError(this.c.errno(), 'mmap');
    const mapping: Mapping = { address, length, bytes: Buffer.from(this.c.koffi.view(address, length)) };
    this.live.add(mapping);
    return mapping;
  }

  munmap(mapping: Mapping): void {
    if (!this.live.has(mapping)) throw SysError.of('EINVAL', 'munmap', 'not a live mapping made by this Sys');
    if (this.c.munmap(mapping.address, mapping.length) < 0) throw new SysError(this.c.errno(), 'munmap');
    this.live.delete(mapping);
  }

  poll(fds: readonly PollFd[], timeoutMs: number): Promise<number[]> {
    const c = this.c;
    const buf = Buffer.alloc(fds.length * POLLFD_SIZE);
    fds.forEach((p, i) => {
      buf.writeInt32LE(p.fd, i * POLLFD_SIZE);
      buf.writeInt16LE(p.events << 16 >> 16, i * POLLFD_SIZE + 4);
    });
    const timeout = Number.isFinite(timeoutMs) ? Math.max(-1, Math.trunc(timeoutMs)) : -1;
    return new Promise((resolve, reject) => {
      // Off the event loop: a poll that waits must not stop timers or other I/O of this process.
      c.poll.async(buf, fds.length, timeout, (err, ret) => {
        if (err) reject(err instanceof Error ? err : new Error(String(err)));
        else if (ret < 0) reject(new SysError(c.errno(), 'poll'));
        else resolve(fds.map((_, i) => buf.readUInt16LE(i * POLLFD_SIZE + 6)));
      });
    });
  }

  pipe(): [number, number] {
    const fds = new Int32Array(2);
    if (this.c.pipe2(fds, 0) < 0) throw new SysError(this.c.errno(), 'pipe2');
    return [fds[0] as number, fds[1] as number];
  }

  memfd(name: string, size?: number): number {
    if (size !== undefined) checkSize(size, 'ftruncate', 'size');
    const fd = this.c.memfd_create(name, 0);
    if (fd < 0) throw new SysError(this.c.errno(), 'memfd_create', name);
    if (size !== undefined && this.c.ftruncate(fd, BigInt(size)) < 0) {
      const errno = this.c.errno();
      this.c.close(fd);
      throw new SysError(errno, 'ftruncate', name);
    }
    return fd;
  }

  socketpair(): [number, number] {
    const fds = new Int32Array(2);
    if (this.c.socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds) < 0) throw new SysError(this.c.errno(), 'socketpair');
    return [fds[0] as number, fds[1] as number];
  }

  private channel(): ScmChannel {
    this.scm ??= new ScmChannel(this.c);
    return this.scm;
  }

  sendFd(sock: number, fd: number): void {
    this.channel().send(sock, fd);
  }

  recvFd(sock: number): number {
    return this.channel().receive(sock);
  }

  spawn(options: SpawnOptions): Promise<PeerProcess> {
    return spawnPeer(this, options);
  }

  alloc(size: number): UserMemory {
    const address = this.c.calloc(1, Math.max(size, 1));
    if (address === null || address === 0n) throw SysError.of('ENOMEM', 'calloc', `${size} bytes`);
    const bytes = size > 0 ? Buffer.from(this.c.koffi.view(address, size)) : Buffer.alloc(0);
    const mem: UserMemory = { address, bytes };
    this.live.add(mem);
    return mem;
  }

  free(mem: UserMemory): void {
    if (!this.live.has(mem)) throw SysError.of('EINVAL', 'free', 'not live memory allocated by this Sys');
    this.live.delete(mem);
    this.c.free(mem.address);
  }

  getuid(): number {
    return this.c.getuid();
  }

  monotonicNs(): bigint {
    const ts = new BigInt64Array(2);
    if (this.c.clock_gettime(CLOCK_MONOTONIC, ts) < 0) throw new SysError(this.c.errno(), 'clock_gettime');
    return (ts[0] as bigint) * 1_000_000_000n + (ts[1] as bigint);
  }

  sleepMs(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}
