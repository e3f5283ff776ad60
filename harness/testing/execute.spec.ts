import * as assert from 'node:assert/strict';
import type { DriverProfile } from '../../drivers/profile';
import { SysError } from '../sys/errno';
import type { Sys } from '../sys/types';
import { doIoctl, doIoctlErr, expectErrno, checkEq, checkBytes } from './assert';
import { type DeviceUnderTest, type Subtest, TestFailure } from './define';
import { runSubtest } from './execute';
import { DRM_IOCTL_GEM_CLOSE } from '../uapi/drm';

/** A Sys that opens numbered fds, fails ioctls with a chosen errno and records closes. */
function fakeSys(ioctlErrno: (request: number) => number | null): { sys: Sys; open: Set<number>; closed: number[] } {
  const open = new Set<number>();
  const closed: number[] = [];
  let next = 3;
  const sys = {
    kind: 'sim',
    open: () => {
      const fd = next++;
      open.add(fd);
      return fd;
    },
    close: (fd: number) => {
      if (!open.delete(fd)) throw SysError.of('EBADF', 'close');
      closed.push(fd);
    },
    ioctl: (_fd: number, request: number) => {
      const e = ioctlErrno(request);
      if (e !== null) throw new SysError(e, 'ioctl');
      return 0;
    },
  } as unknown as Sys;
  return { sys, open, closed };
}

const profile: DriverProfile = {
  driver: 'fake',
  openPolicy: 'shared',
  openPolicySource: 'declared',
  controlNode: false,
  jobTimeoutMs: 500,
  iommu: 'none',
  prime: false,
  syncobj: false,
};

function device(sys: Sys, simulated = true): DeviceUnderTest {
  return {
    label: 'fake',
    sys,
    simulated,
    profile,
    adapter: null,
    info: {
      name: 'accel0',
      minor: 0,
      sysfsPath: '/sys/class/accel/accel0',
      devnode: '/dev/accel/accel0',
      devnodeStatus: 'ok',
      parent: null,
      bus: null,
      driver: 'fake',
      drmNodes: [],
    },
  };
}

const sub = (run: Subtest['run'], over: Partial<Subtest> = {}): Subtest => ({
  name: 'x',
  description: 'x',
  reference: 'x',
  run,
  ...over,
});

describe('assert helpers', () => {
  const { sys } = fakeSys((r) => (r === DRM_IOCTL_GEM_CLOSE ? 22 : null));

  it('doIoctlErr names the ioctl, the expected and the actual errno', () => {
    doIoctlErr(sys, 3, DRM_IOCTL_GEM_CLOSE, Buffer.alloc(8), 'EINVAL');
    assert.throws(() => doIoctlErr(sys, 3, DRM_IOCTL_GEM_CLOSE, Buffer.alloc(8), 'ENOENT'), {
      name: 'TestFailure',
      message: 'DRM_IOCTL_GEM_CLOSE: expected ENOENT, got EINVAL',
    });
    assert.throws(() => doIoctlErr(sys, 3, 0x12345678, undefined, 'EINVAL'), /succeeded/);
  });

  it('doIoctl fails naming the ioctl and errno', () => {
    assert.throws(() => doIoctl(sys, 3, DRM_IOCTL_GEM_CLOSE, Buffer.alloc(8)), {
      message: 'DRM_IOCTL_GEM_CLOSE failed with EINVAL on fd 3',
    });
    assert.equal(doIoctl(sys, 3, 0x1), 0);
  });

  it('expectErrno passes on the errno, fails on another or on success', () => {
    expectErrno('EBUSY', () => {
      throw SysError.of('EBUSY', 'open');
    });
    assert.throws(() => expectErrno('EBUSY', () => undefined, 'open(O_EXCL)'), { message: 'open(O_EXCL): expected EBUSY, but it succeeded' });
    assert.throws(
      () =>
        expectErrno('EBUSY', () => {
          throw SysError.of('EACCES', 'open');
        }),
      { message: 'open: expected EBUSY, got EACCES' },
    );
    assert.throws(() => expectErrno('EBUSY', () => {
      throw new RangeError('not a syscall');
    }), RangeError);
  });

  it('checkEq and checkBytes say what differed', () => {
    assert.throws(() => checkEq(3, 4, 'handle'), { message: 'handle: expected 4, got 3' });
    assert.throws(() => checkBytes(Buffer.from([1, 1, 2]), 1, 'buf'), { message: 'buf: byte 2 is 0x2, expected 0x1' });
  });
});

describe('runSubtest', () => {
  it('passes, and closes what the test opened', async () => {
    const f = fakeSys(() => null);
    const r = await runSubtest(sub((t) => void t.open()), device(f.sys), [], { allowDestructive: false });
    assert.equal(r.status, 'pass');
    assert.equal(f.open.size, 0);
  });

  it('reports a TestFailure with its message, and still cleans up in reverse order', async () => {
    const f = fakeSys(() => null);
    const order: string[] = [];
    const r = await runSubtest(
      sub((t) => {
        t.open();
        t.defer(() => void order.push('first'));
        t.defer(() => void order.push('second'));
        t.log('about to fail');
        throw new TestFailure('rule broken');
      }),
      device(f.sys),
      [],
      { allowDestructive: false },
    );
    assert.equal(r.status, 'fail');
    assert.equal(r.message, 'rule broken');
    assert.deepEqual(r.log, ['about to fail']);
    assert.deepEqual(order, ['second', 'first']);
    assert.equal(f.open.size, 0);
  });

  it('turns t.skip into a skip with the reason, and an unexpected error into a failure with its stack', async () => {
    const f = fakeSys(() => null);
    const skipped = await runSubtest(sub((t) => t.skip('no adapter')), device(f.sys), [], { allowDestructive: false });
    assert.deepEqual([skipped.status, skipped.message], ['skip', 'no adapter']);
    const adapterless = await runSubtest(sub((t) => void t.adapter()), device(f.sys), [], { allowDestructive: false });
    assert.equal(adapterless.status, 'skip');
    assert.match(adapterless.message ?? '', /no driver adapter for driver 'fake'/);
    const crashed = await runSubtest(sub(() => {
      throw new TypeError('bug');
    }), device(f.sys), [], { allowDestructive: false });
    assert.equal(crashed.status, 'fail');
    assert.equal(crashed.message, 'TypeError: bug');
    assert.match(crashed.details ?? '', /execute\.spec/);
  });

  it('a fd the test closed itself is not closed twice; a failing cleanup fails a passing test', async () => {
    const f = fakeSys(() => null);
    const r = await runSubtest(
      sub((t) => {
        t.close(t.open());
        t.defer(() => {
          throw new Error('could not restore');
        });
      }),
      device(f.sys),
      [],
      { allowDestructive: false },
    );
    assert.equal(r.status, 'fail');
    assert.match(r.message ?? '', /cleanup failed: Error: could not restore/);
    assert.equal(f.closed.length, 1);
  });

  it('skips destructive tests on real devices unless allowed; jobTimeoutMs prefers the option', async () => {
    const f = fakeSys(() => null);
    let seen: number | null = null;
    const test = sub((t) => void (seen = t.jobTimeoutMs), { destructive: true });
    const real = await runSubtest(test, device(f.sys, false), [], { allowDestructive: false });
    assert.equal(real.status, 'skip');
    assert.match(real.message ?? '', /--allow-destructive/);
    await runSubtest(test, device(f.sys, false), [], { allowDestructive: true, jobTimeoutMs: 42 });
    assert.equal(seen, 42);
    await runSubtest(test, device(f.sys, true), [], { allowDestructive: false });
    assert.equal(seen, 500);
  });

  it('checks declared requirements before the body and names every unmet one', async () => {
    const f = fakeSys(() => null);
    let ran = false;
    const body = (): void => void (ran = true);
    const noAdapter = await runSubtest(sub(body, { requires: ['jobs.hang', 'prime'] }), device(f.sys), [], { allowDestructive: false });
    assert.equal(ran, false);
    assert.equal(noAdapter.status, 'skip');
    assert.equal(
      noAdapter.message,
      "needs jobs.hang: no driver adapter for driver 'fake' (fake); needs prime: the profile of fake declares no PRIME support",
    );
    const buffersOnly: DeviceUnderTest = {
      ...device(f.sys),
      adapter: { name: 'bo', buffers: { handles: 'gem', create: () => ({ handle: 1, size: 4096 }), close: () => undefined } },
    };
    const r = await runSubtest(sub(body, { requires: ['buffers', 'buffers.mmap', 'jobs'] }), buffersOnly, [], { allowDestructive: false });
    assert.equal(r.message, "needs buffers.mmap: adapter 'bo' cannot map buffers; needs jobs: adapter 'bo' has no jobs");
    assert.equal(ran, false);
    const met = await runSubtest(sub(body, { requires: ['buffers', 'gem-buffers', 'second-context', 'job-timeout'] }), buffersOnly, [], {
      allowDestructive: false,
    });
    assert.deepEqual([met.status, ran], ['pass', true]);
  });
});
