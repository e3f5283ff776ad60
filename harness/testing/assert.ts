/**
 * The assertion idioms of the conformance tests, after IGT's do_ioctl /
 * do_ioctl_err / igt_assert_eq: every failure names the call, what the rule
 * expects and what the device did, so a report line is enough to file a bug.
 */
import { isSysError } from '../sys/errno';
import { TestFailure } from './define';

// The ioctl idioms live in the userspace ioctl library; tests import them from here too.
export {
  type IoctlArg,
  doIoctl,
  doIoctlErr,
  doIoctlErrAsync,
  expectErrno,
  expectErrnoAsync,
  ioctlName,
} from '../ioctl/core';

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

export function checkNe<T extends string | number | bigint | boolean | null>(actual: T, unexpected: T, what: string): void {
  if (actual === unexpected) throw new TestFailure(`${what}: must not be ${show(unexpected)}`);
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

/** The errno name of a thrown system error, for log lines. */
export function describeError(e: unknown): string {
  if (isSysError(e)) return e.code;
  if (e instanceof Error) return e.message;
  return String(e);
}

