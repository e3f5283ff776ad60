/**
 * Checks of arguments that C could never pass but JavaScript can (NaN, 1.5,
 * 2**70): both backends refuse them the same way, with EINVAL, so a test or a
 * fuzzer only ever sees SysError from the syscall boundary.
 */
import { SysError } from './errno';

const INT64_MIN = -(2 ** 63);
const UINT64_END = 2 ** 64;

/** The third ioctl argument, when it is an integer rather than a struct. */
export function checkIoctlInteger(arg: number | bigint): void {
  if (typeof arg === 'bigint') return;
  if (!Number.isInteger(arg) || arg < INT64_MIN || arg >= UINT64_END) {
    throw SysError.of('EINVAL', 'ioctl', `integer argument ${arg} is not a 64-bit integer`);
  }
}

/** A length or size argument (memfd size, read length): a non-negative safe integer. */
export function checkSize(value: number, syscall: string, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw SysError.of('EINVAL', syscall, `${what} ${value} is not a non-negative integer`);
  }
}
