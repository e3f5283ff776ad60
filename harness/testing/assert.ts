/**
 * The assertion idioms of the conformance tests, after IGT's do_ioctl /
 * do_ioctl_err / igt_assert_eq: every failure names the call, what the rule
 * expects and what the device did, so a report line is enough to file a bug.
 */
import { APU_IOCTL_NAMES } from '../uapi/apu';
import { DMA_BUF_IOCTL_NAMES } from '../uapi/dma-buf';
import { DRM_IOCTL_NAMES } from '../uapi/drm';
import { decodeIoctl, formatIoctl } from '../uapi/ioctl';
import { type ErrnoName, errnoNumber, isSysError } from '../sys/errno';
import type { Sys } from '../sys/types';
import { TestFailure } from './define';

export type IoctlArg = Buffer | number | bigint | undefined;

const NAME_TABLES: readonly ReadonlyMap<number, string>[] = [DRM_IOCTL_NAMES, APU_IOCTL_NAMES, DMA_BUF_IOCTL_NAMES];

/** `DRM_IOCTL_GEM_CLOSE`, or the raw request with its decoded type and number when no table knows it. */
export function ioctlName(request: number): string {
  const r = request >>> 0;
  for (const table of NAME_TABLES) {
    const name = table.get(r);
    if (name) return name;
  }
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

/** Runs a call the rule says must succeed; a system error becomes a failure naming it. */
export function must<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (isSysError(e)) throw new TestFailure(`${what} failed with ${e.code}`);
    throw e;
  }
}

export async function mustAsync<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isSysError(e)) throw new TestFailure(`${what} failed with ${e.code}`);
    throw e;
  }
}

export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new TestFailure(message);
}

const show = (v: unknown): string => {
  if (typeof v === 'bigint') return `${v} (0x${v.toString(16)})`;
  if (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) > 9) return `${v} (0x${(v >>> 0).toString(16)})`;
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
};

export function checkEq<T extends string | number | bigint | boolean | null>(actual: T, expected: T, what: string): void {
  if (actual !== expected) throw new TestFailure(`${what}: expected ${show(expected)}, got ${show(actual)}`);
}


/** Every byte of `bytes` equals `value`; names the first offset that does not. */
export function checkBytes(bytes: Uint8Array, value: number, what: string): void {
  const v = value & 0xff;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== v) {
      throw new TestFailure(`${what}: byte ${i} is 0x${(bytes[i] as number).toString(16)}, expected 0x${v.toString(16)}`);
    }
  }
}

/** Two byte ranges are equal; names the first differing offset. */
export function checkSameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  if (actual.length !== expected.length) {
    throw new TestFailure(`${what}: length ${actual.length}, expected ${expected.length}`);
  }
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] !== expected[i]) {
      throw new TestFailure(
        `${what}: byte ${i} is 0x${(actual[i] as number).toString(16)}, expected 0x${(expected[i] as number).toString(16)}`,
      );
    }
  }
}


