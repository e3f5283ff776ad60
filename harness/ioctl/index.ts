/**
 * The userspace ioctl library, one for the whole project (IGT's
 * lib/ioctl_wrappers.c): the assertion idioms (doIoctl, doIoctlErr,
 * expectErrno) and typed wrappers over the declared ioctls. Used by the
 * tests (tests/lib re-exports it), the adapters, the simulator's specs,
 * bench and fuzz.
 */
export * from './core';
export * from './drm';
