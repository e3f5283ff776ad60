/**
 * The syscall boundary's public face: the types and errors every backend
 * shares, and the factory of the native backend.
 */
import type { Sys } from './types';

export * from './types';
export * from './errno';

/**
 * The backend that calls the running kernel. koffi is loaded on the first
 * call, not on import, so commands that never touch a device start fast.
 */
export function nativeSys(): Sys {
  if (!native) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { NativeSys } = require('./native/native-sys') as typeof import('./native/native-sys');
    native = new NativeSys();
  }
  return native;
}

/** One instance per process: mappings and user memory can only be released by the instance that made them. */
let native: Sys | undefined;
