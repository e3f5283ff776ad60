/**
 * A tiny accel driver for the core's self-tests: DRIVER_COMPUTE_ACCEL |
 * DRIVER_GEM | DRIVER_SYNCOBJ with one ioctl, TEST_GEM_CREATE (nr 0,
 * {u32 size; u32 handle; u64 offset}), and one, TEST_SIGNAL_LATER (nr 1,
 * {u32 syncobj; u32 delay_ms}), that replaces a syncobj's fence with one the
 * virtual clock signals later, the way a job completion does.
 */
import { SysError } from '../../../../harness/sys/errno';
import { drmDriverIoctl } from '../../../../harness/uapi/drm';
import { struct, u32, u64 } from '../../../../harness/uapi/layout';
import { NS_PER_MS } from '../clock';
import { DmaFence } from '../fence';
import type { DrmDriver } from '../drm/driver';
import { DRIVER_COMPUTE_ACCEL, DRIVER_GEM, DRIVER_SYNCOBJ, DRM_RENDER_ALLOW, drmIoctlDef } from '../drm/driver';
import { SimKernel } from '../kernel';

export const test_gem_create = struct('test_gem_create', { size: u32, handle: u32, offset: u64 });
export const test_signal_later = struct('test_signal_later', { syncobj: u32, delay_ms: u32 });
export const TEST_IOCTLS = {
  GEM_CREATE: drmDriverIoctl('TEST_IOCTL_GEM_CREATE', 'IOWR', 0, test_gem_create),
  SIGNAL_LATER: drmDriverIoctl('TEST_IOCTL_SIGNAL_LATER', 'IOWR', 1, test_signal_later),
} as const;
export const TEST_IOCTL_GEM_CREATE = TEST_IOCTLS.GEM_CREATE.request;
export const TEST_IOCTL_SIGNAL_LATER = TEST_IOCTLS.SIGNAL_LATER.request;

export interface TestDriverLog {
  opens: number;
  postcloses: number;
}

export function makeTestDriver(log: TestDriverLog = { opens: 0, postcloses: 0 }, features?: number): DrmDriver {
  return {
    name: 'testaccel',
    desc: 'Core self-test accelerator',
    date: '20240101',
    major: 1,
    minor: 2,
    patchlevel: 3,
    features: features ?? DRIVER_COMPUTE_ACCEL | DRIVER_GEM | DRIVER_SYNCOBJ,
    open() {
      log.opens++;
    },
    postclose() {
      log.postcloses++;
    },
    ioctls: [
      drmIoctlDef(TEST_IOCTLS.GEM_CREATE, DRM_RENDER_ALLOW, (dev, data, file) => {
        const a = test_gem_create.decode(data);
        const obj = dev.gemObjectCreate(a.size);
        try {
          const handle = dev.gemHandleCreate(file, obj);
          test_gem_create.member.handle.set(data, handle);
          test_gem_create.member.offset.set(data, dev.gemMmapOffset(obj));
        } finally {
          obj.put();
        }
        return 0;
      }),
      drmIoctlDef(TEST_IOCTLS.SIGNAL_LATER, DRM_RENDER_ALLOW, (dev, data, file) => {
        const a = test_signal_later.decode(data);
        const s = dev.syncobjFind(file, a.syncobj);
        if (!s) throw SysError.of('ENOENT', 'ioctl');
        const f = new DmaFence('test');
        s.replaceFence(f);
        s.put();
        dev.clock.after(BigInt(a.delay_ms) * NS_PER_MS, () => f.signal());
        return 0;
      }),
    ],
  };
}

export function bootTestKernel(defects: readonly string[] = [], log?: TestDriverLog, features?: number): SimKernel {
  const k = new SimKernel();
  k.registerDrmDriver(makeTestDriver(log, features), {
    module: 'testaccel',
    params: { timeout_ms: '500' },
    parentName: 'testaccel.0',
    defects: new Set(defects),
  });
  return k;
}
