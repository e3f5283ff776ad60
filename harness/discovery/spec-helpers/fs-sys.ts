/**
 * A Sys double for discovery specs: the file system is node:fs (the same
 * calls the native backend makes), open/fstat/close are real, and ioctl
 * answers ENOTTY unless a spec scripts it. Everything else is ENOSYS.
 */
import * as fs from 'node:fs';
import { SysError } from '../../sys/errno';
import { nodeFsView, toStat, wrap } from '../../sys/native/fs-view';
import type { FsView, Stat, Sys, UserMemory } from '../../sys/types';

export const nodeFs: FsView = nodeFsView;

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
