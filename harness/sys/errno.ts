/**
 * Linux errno numbers, as defined by include/uapi/asm-generic/errno-base.h and
 * include/uapi/asm-generic/errno.h (x86_64 and arm64 use the generic table).
 * Both syscall backends report failures with these names, so a test written as
 * `expectErrno('EBUSY', ...)` means the same on a real device and in the simulator.
 */
export const ERRNO = {
  EPERM: 1, ENOENT: 2, ESRCH: 3, EINTR: 4, EIO: 5, ENXIO: 6, E2BIG: 7, ENOEXEC: 8,
  EBADF: 9, ECHILD: 10, EAGAIN: 11, ENOMEM: 12, EACCES: 13, EFAULT: 14, ENOTBLK: 15,
  EBUSY: 16, EEXIST: 17, EXDEV: 18, ENODEV: 19, ENOTDIR: 20, EISDIR: 21, EINVAL: 22,
  ENFILE: 23, EMFILE: 24, ENOTTY: 25, ETXTBSY: 26, EFBIG: 27, ENOSPC: 28, ESPIPE: 29,
  EROFS: 30, EMLINK: 31, EPIPE: 32, EDOM: 33, ERANGE: 34, EDEADLK: 35, ENAMETOOLONG: 36,
  ENOLCK: 37, ENOSYS: 38, ENOTEMPTY: 39, ELOOP: 40, ENOMSG: 42, EIDRM: 43, ENOSTR: 60,
  ENODATA: 61, ETIME: 62, ENOSR: 63, ENOLINK: 67, EPROTO: 71, EBADMSG: 74, EOVERFLOW: 75,
  EBADFD: 77, EILSEQ: 84, EUSERS: 87, ENOTSOCK: 88, EDESTADDRREQ: 89, EMSGSIZE: 90,
  EPROTOTYPE: 91, ENOPROTOOPT: 92, EPROTONOSUPPORT: 93, EOPNOTSUPP: 95,
  EAFNOSUPPORT: 97, EADDRINUSE: 98, EADDRNOTAVAIL: 99, ENETDOWN: 100, ENETUNREACH: 101,
  ECONNABORTED: 103, ECONNRESET: 104, ENOBUFS: 105, EISCONN: 106, ENOTCONN: 107,
  ETIMEDOUT: 110, ECONNREFUSED: 111, EALREADY: 114, EINPROGRESS: 115, ESTALE: 116,
  EDQUOT: 122, ECANCELED: 125, EOWNERDEAD: 130, ENOTRECOVERABLE: 131, ERFKILL: 132,
  EHWPOISON: 133,
} as const;

export type ErrnoName = keyof typeof ERRNO;

const NAME_BY_NUMBER = new Map<number, ErrnoName>(
  (Object.entries(ERRNO) as [ErrnoName, number][]).map(([name, num]) => [num, name]),
);

/** `EWOULDBLOCK` and `ENOTSUP` are aliases in Linux; the table keeps the primary names. */
export function errnoName(errno: number): string {
  return NAME_BY_NUMBER.get(errno) ?? `errno ${errno}`;
}

export function errnoNumber(name: ErrnoName): number {
  return ERRNO[name];
}

export function isErrnoName(name: string): name is ErrnoName {
  return Object.prototype.hasOwnProperty.call(ERRNO, name);
}

/**
 * The one error type of the syscall boundary: every failed system call, real or
 * simulated, comes back as this, carrying the errno, its name and the call.
 */
export class SysError extends Error {
  readonly errno: number;
  readonly code: string;
  readonly syscall: string;

  constructor(errno: number, syscall: string, detail?: string) {
    const code = errnoName(errno);
    super(`${syscall}: ${code}${detail ? ` (${detail})` : ''}`);
    this.name = 'SysError';
    this.errno = errno;
    this.code = code;
    this.syscall = syscall;
  }

  static of(name: ErrnoName, syscall: string, detail?: string): SysError {
    return new SysError(ERRNO[name], syscall, detail);
  }
}

export function isSysError(e: unknown, name?: ErrnoName): e is SysError {
  return e instanceof SysError && (name === undefined || e.errno === ERRNO[name]);
}
