/**
 * The core of the userspace ioctl library (IGT's lib/ioctl_wrappers.c
 * do_ioctl / do_ioctl_err / igt_assert_eq on errno): every failure names the
 * call, what the rule expects and what the device did, so a report line is
 * enough to file a bug. Tests, adapters, bench and fuzz share it.
 */
import { decodeIoctl, formatIoctl, ioctlNameMap } from '../uapi/ioctl';
import { type ErrnoName, errnoNumber, isSysError } from '../sys/errno';
import type { Sys } from '../sys/types';
import { TestFailure } from '../testing/define';

let names: ReadonlyMap<number, string> | null = null;

/**
 * request -> C macro name, over every ioctl the project declares (generic
 * headers and each driver module's), built on first use: the driver
 * modules import this library.
 */
function nameTable(): ReadonlyMap<number, string> {
  if (!names) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { allUapiHeaders } = require('../uapi/layout-check/catalogue') as typeof import('../uapi/layout-check/catalogue');
    names = ioctlNameMap(allUapiHeaders().flatMap((h) => h.ioctls));
  }
  return names;
}

export type IoctlArg = Buffer | number | bigint | undefined;

/** `DRM_IOCTL_GEM_CLOSE`, or the raw request with its decoded type and number when no table knows it. */
export function ioctlName(request: number): string {
  const r = request >>> 0;
  const name = nameTable().get(r);
  if (name) return name;
  const f = decodeIoctl(r);
  const type = f.type >= 0x20 && f.type < 0x7f ? `'${String.fromCharCode(f.type)}'` : `0x${f.type.toString(16)}`;
  return `ioctl ${formatIoctl(r)} (type ${type}, nr 0x${f.nr.toString(16)})`;
}

/** The ioctl must succeed; returns its return value. */
export function doIoctl(sys: Sys, fd: number, request: number, arg?: IoctlArg): number {
  try {
    return sys.ioctl(fd, request, arg);
  } catch (e) {
    if (isSysError(e)) throw new TestFailure(`${ioctlName(request)} failed with ${e.code} on fd ${fd}`);
    throw e;
  }
}

/** The ioctl must fail with exactly `expected`. */
export function doIoctlErr(sys: Sys, fd: number, request: number, arg: IoctlArg, expected: ErrnoName): void {
  let ret: number;
  try {
    ret = sys.ioctl(fd, request, arg);
  } catch (e) {
    if (!isSysError(e)) throw e;
    if (e.errno === errnoNumber(expected)) return;
    throw new TestFailure(`${ioctlName(request)}: expected ${expected}, got ${e.code}`);
  }
  throw new TestFailure(`${ioctlName(request)}: expected ${expected}, but it succeeded (returned ${ret})`);
}

/** Async twin of doIoctlErr, for requests that may block. */
export async function doIoctlErrAsync(sys: Sys, fd: number, request: number, arg: IoctlArg, expected: ErrnoName): Promise<void> {
  let ret: number;
  try {
    ret = await sys.ioctlAsync(fd, request, arg);
  } catch (e) {
    if (!isSysError(e)) throw e;
    if (e.errno === errnoNumber(expected)) return;
    throw new TestFailure(`${ioctlName(request)}: expected ${expected}, got ${e.code}`);
  }
  throw new TestFailure(`${ioctlName(request)}: expected ${expected}, but it succeeded (returned ${ret})`);
}

/**
 * `fn` must fail with the system error `expected`. `what` names the call in
 * the message ("open(O_EXCL)"); by default the failing syscall names itself.
 */
export function expectErrno(expected: ErrnoName, fn: () => unknown, what?: string): void {
  let result: unknown;
  try {
    result = fn();
  } catch (e) {
    if (!isSysError(e)) throw e;
    if (e.errno === errnoNumber(expected)) return;
    throw new TestFailure(`${what ?? e.syscall}: expected ${expected}, got ${e.code}`);
  }
  if (result instanceof Promise) throw new Error('expectErrno got an async function: use expectErrnoAsync');
  throw new TestFailure(`${what ?? 'the call'}: expected ${expected}, but it succeeded`);
}

export async function expectErrnoAsync(expected: ErrnoName, fn: () => Promise<unknown>, what?: string): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (!isSysError(e)) throw e;
    if (e.errno === errnoNumber(expected)) return;
    throw new TestFailure(`${what ?? e.syscall}: expected ${expected}, got ${e.code}`);
  }
  throw new TestFailure(`${what ?? 'the call'}: expected ${expected}, but it succeeded`);
}

/** The errno name a call fails with, or 'ok': for tables of expected outcomes. */
export function errnoOf(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (isSysError(e)) return e.code;
    throw e;
  }
}
