/** FsView over node:fs: sysfs, devfs and /proc are read with ordinary file calls. */
import * as fs from 'node:fs';
import type { FsView, Stat } from '../types';
import { fromNodeError } from './errors';

/** Linux dev_t encoding (include/linux/kdev_t.h new_encode_dev, glibc gnu_dev_major/minor). */
export function devMajor(dev: bigint): number {
  return Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
}
export function devMinor(dev: bigint): number {
  return Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
}

export function toStat(s: fs.BigIntStats): Stat {
  const isDevice = s.isCharacterDevice() || s.isBlockDevice();
  return {
    mode: Number(s.mode),
    ino: s.ino,
    size: s.size,
    uid: Number(s.uid),
    gid: Number(s.gid),
    rdevMajor: isDevice ? devMajor(s.rdev) : 0,
    rdevMinor: isDevice ? devMinor(s.rdev) : 0,
  };
}

/** Runs a node:fs call, turning its error into the SysError the native backend would throw. */
export function wrap<T>(syscall: string, path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw fromNodeError(e, syscall, path);
  }
}

export const nodeFsView: FsView = {
  stat: (path) => wrap('stat', path, () => toStat(fs.statSync(path, { bigint: true }))),
  lstat: (path) => wrap('lstat', path, () => toStat(fs.lstatSync(path, { bigint: true }))),
  readdir: (path) => wrap('scandir', path, () => fs.readdirSync(path).sort()),
  readlink: (path) => wrap('readlink', path, () => fs.readlinkSync(path)),
  realpath: (path) => wrap('realpath', path, () => fs.realpathSync(path)),
  readFile: (path) => wrap('open', path, () => fs.readFileSync(path)),
  exists: (path) => fs.existsSync(path),
};
