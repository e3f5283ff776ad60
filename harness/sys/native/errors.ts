import { SysError, isErrnoName, ERRNO } from '../errno';

interface NodeErrnoError {
  errno?: unknown;
  code?: unknown;
  syscall?: unknown;
}

/**
 * Maps an error thrown by node:fs to a SysError. Node reports errno negated
 * (libuv style) and sets `code`; either is enough to name it. An error without
 * either (a bad argument) is no errno failure and is returned unchanged.
 */
export function fromNodeError(e: unknown, fallbackSyscall: string, path: string): unknown {
  const err = (typeof e === 'object' && e !== null ? e : {}) as NodeErrnoError;
  const syscall = typeof err.syscall === 'string' ? err.syscall : fallbackSyscall;
  if (typeof err.errno === 'number' && err.errno !== 0) return new SysError(Math.abs(err.errno), syscall, path);
  if (typeof err.code === 'string' && isErrnoName(err.code)) return new SysError(ERRNO[err.code], syscall, path);
  return e;
}
