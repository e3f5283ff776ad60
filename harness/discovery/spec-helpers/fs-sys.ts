/**
 * A Sys double for discovery specs: the file system is node:fs (the same
 * calls the native backend makes), open/fstat/close are real, and ioctl
 * answers ENOTTY unless a spec scripts it. Everything else is ENOSYS.
 */
import * as fs from 'node:fs';
import { ERRNO, isErrnoName, SysError } from '../../sys/errno';
import type { FsView, Stat, Sys, UserMemory } from '../../sys/types';

function sysError(e: unknown, syscall: string, path: string): SysError {
  const code = (e as { code?: unknown }).code;
  return new SysError(typeof code === 'string' && isErrnoName(code) ? ERRNO[code] : ERRNO.EIO, syscall, path);
}

function wrap<T>(syscall: string, path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw sysError(e, syscall, path);
  }
}

const major = (dev: bigint): number => Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
const minor = (dev: bigint): number => Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));

function toStat(s: fs.BigIntStats): Stat {
  const dev = s.isCharacterDevice() || s.isBlockDevice();
  return {
    mode: Number(s.mode),
    ino: s.ino,
    size: s.size,
    uid: Number(s.uid),
    gid: Number(s.gid),
    rdevMajor: dev ? major(s.rdev) : 0,
    rdevMinor: dev ? minor(s.rdev) : 0,
  };
}

export const nodeFs: FsView = {
  stat: (p) => wrap('stat', p, () => toStat(fs.statSync(p, { bigint: true }))),
  lstat: (p) => wrap('lstat', p, () => toStat(fs.lstatSync(p, { bigint: true }))),
  readdir: (p) => wrap('scandir', p, () => fs.readdirSync(p)),
  readlink: (p) => wrap('readlink', p, () => fs.readlinkSync(p)),
  realpath: (p) => wrap('realpath', p, () => fs.realpathSync(p)),
  readFile: (p) => wrap('read', p, () => fs.readFileSync(p)),
  exists: (p) => fs.existsSync(p),
};

/** User memory with made-up addresses, so a scripted ioctl can find the buffers a pointer field names. */
export class FakeUserMemory {
  private next = 0x10000n;
  readonly live = new Map<bigint, Buffer>();

  alloc(size: number): UserMemory {
    const address = this.next;
    this.next += BigInt(Math.max(size, 1) + 0x1000);
    const bytes = Buffer.alloc(size);
    this.live.set(address, bytes);
    return { address, bytes };
  }

  free(mem: UserMemory): void {
    if (!this.live.delete(mem.address)) throw SysError.of('EFAULT', 'free');
  }
}

const enosys = (name: string) => (): never => {
  throw SysError.of('ENOSYS', name, 'not in the discovery test double');
};

export interface FsSysOverrides {
  open?: (path: string, flags: number) => number;
  fstat?: (fd: number) => Stat;
  close?: (fd: number) => void;
  ioctl?: (fd: number, request: number, arg?: Buffer | number | bigint) => number;
}

export function fsSys(over: FsSysOverrides = {}, memory = new FakeUserMemory()): Sys & { memory: FakeUserMemory } {
  return {
    kind: 'native',
    pid: process.pid,
    fs: nodeFs,
    memory,
    open: over.open ?? ((p, flags) => wrap('open', p, () => fs.openSync(p, flags))),
    close: over.close ?? ((fd) => wrap('close', String(fd), () => fs.closeSync(fd))),
    fstat: over.fstat ?? ((fd) => wrap('fstat', String(fd), () => toStat(fs.fstatSync(fd, { bigint: true })))),
    ioctl:
      over.ioctl ??
      ((): number => {
        throw SysError.of('ENOTTY', 'ioctl');
      }),
    alloc: (size) => memory.alloc(size),
    free: (mem) => memory.free(mem),
    getuid: () => process.getuid?.() ?? 0,
    dup: enosys('dup'),
    fcntl: enosys('fcntl'),
    ioctlAsync: enosys('ioctl'),
    read: enosys('read'),
    write: enosys('write'),
    lseek: enosys('lseek'),
    mmap: enosys('mmap'),
    munmap: enosys('munmap'),
    poll: enosys('poll'),
    pipe: enosys('pipe'),
    memfd: enosys('memfd'),
    socketpair: enosys('socketpair'),
    sendFd: enosys('sendFd'),
    recvFd: enosys('recvFd'),
    spawn: enosys('spawn'),
    monotonicNs: () => process.hrtime.bigint(),
    sleepMs: enosys('sleepMs'),
  };
}
