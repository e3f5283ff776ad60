/** Shared helpers of the core's self-tests: a booted kernel, a process, and ioctl shorthands. */
import { isSysError, type ErrnoName } from '../../../../harness/sys/errno';
import { O_RDWR } from '../../../../harness/sys/constants';
import type { StructLayout } from '../../../../harness/uapi/layout';
import { SimKernel } from '../kernel';
import { createSimSys, SimSys } from '../../sys';
import type { Credentials } from '../task';
import { bootTestKernel, TEST_IOCTL_GEM_CREATE, test_gem_create, type TestDriverLog } from './test-driver';

export const ROOT: Credentials = { uid: 0, gid: 0, groups: [] };

export interface Rig {
  readonly k: SimKernel;
  readonly sys: SimSys;
  readonly log: TestDriverLog;
  open(flags?: number, sys?: SimSys): number;
  gem(fd: number, size?: number, sys?: SimSys): { handle: number; offset: bigint };
}

export function rig(defects: readonly string[] = [], cred?: Credentials, features?: number): Rig {
  const log: TestDriverLog = { opens: 0, postcloses: 0 };
  const k = bootTestKernel(defects, log, features);
  const sys = createSimSys(k, cred);
  return {
    k,
    sys,
    log,
    open: (flags = O_RDWR, s = sys) => s.open('/dev/accel/accel0', flags),
    gem(fd, size = 4096, s = sys) {
      const b = test_gem_create.encode({ size });
      s.ioctl(fd, TEST_IOCTL_GEM_CREATE, b);
      const v = test_gem_create.decode(b);
      return { handle: v.handle, offset: v.offset };
    },
  };
}

/** Runs an ioctl with an encoded struct and returns the decoded struct as the kernel left it. */
export function io<V>(sys: SimSys, fd: number, req: number, layout: StructLayout<V>, v: Partial<V>): V {
  const b = layout.encode(v);
  sys.ioctl(fd, req, b);
  return layout.decode(b);
}

/** The ioctl library's expectErrno: the call must fail with exactly `name`. */
export { expectErrno } from '../../../../harness/ioctl';

export async function expectErrnoAsync(name: ErrnoName, p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (!isSysError(e, name)) throw new Error(`expected ${name}, got ${String(e)}`);
    return;
  }
  throw new Error(`expected ${name}, call succeeded`);
}
