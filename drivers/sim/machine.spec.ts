import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { ApuAdapter } from '../apu/adapter';
import { adapterFor, detectProfile, profileFor } from '../registry';
import type { AccelDevice } from '../../harness/discovery/types';
import type { Sys } from '../../harness/sys/types';
import { DRM_IOCTL_GEM_CLOSE, DRM_IOCTL_VERSION, drm_gem_close, drm_version } from '../../harness/uapi/drm';
import { MAP_SHARED, PROT_READ, PROT_WRITE } from '../../harness/sys/constants';
import { IOWR } from '../../harness/uapi/ioctl';
import { SimSpecError, bootSimMachine, parseSpec } from './machine';
import { errnoOf, gemNew, openDev } from '../apu/sim/testkit';

function accelDevice(minor: number, driver: string | null): AccelDevice {
  return {
    name: `accel${minor}`,
    minor,
    sysfsPath: `/sys/class/accel/accel${minor}`,
    devnode: `/dev/accel/accel${minor}`,
    devnodeStatus: 'ok',
    parent: null,
    bus: 'platform',
    driver,
    drmNodes: [],
  };
}

function versionName(sys: Sys, fd: number): string {
  const name = sys.alloc(64);
  const arg = drm_version.encode({ name_len: 64n, name: name.address });
  sys.ioctl(fd, DRM_IOCTL_VERSION, arg);
  const len = Number(drm_version.decode(arg).name_len);
  return name.bytes.subarray(0, len).toString();
}

describe('sim/machine', () => {
  it('parses specs: driver, defects, parameters', () => {
    const p = parseSpec('apu?defect=shared-iommu,ro-ignored&timeout_ms=300&ban_after=0');
    expect(p.target).to.equal('apu');
    expect([...p.defects]).to.deep.equal(['shared-iommu', 'ro-ignored']);
    expect(p.params).to.deep.equal({ timeout_ms: '300', ban_after: '0' });
    expect(parseSpec('./x/driver.js').isPlugin).to.equal(true);
  });

  it('rejects unknown drivers, defects and parameters with one-line SimSpecErrors', () => {
    expect(() => bootSimMachine(['apu?timeout_ms=100', 'apu'])).to.throw(SimSpecError, /already loaded/);
    for (const bad of ['gpu', 'apu?defect=nope', 'apu?frobnicate=1', 'apu?timeout_ms=abc', 'mt8183?exclusive=1', 'apu?exclusive=2', './does/not/exist.js']) {
      let err: unknown = null;
      try {
        bootSimMachine([bad]);
      } catch (e) {
        err = e;
      }
      expect(err, bad).to.be.instanceOf(SimSpecError);
      expect((err as Error).message, bad).to.not.include('\n');
    }
  });

  it('boots several devices on one kernel, minors in order, and their profiles', () => {
    const m = bootSimMachine(['apu?exclusive=1', 'mt8183?timeout_ms=150', 'apu?exclusive=1']);
    expect(m.devices.map((d) => [d.spec, d.minor, d.name])).to.deep.equal([
      ['apu?exclusive=1', 0, 'accel0'],
      ['mt8183?timeout_ms=150', 1, 'accel1'],
      ['apu?exclusive=1', 2, 'accel2'],
    ]);
    expect(m.sys.getuid()).to.equal(0);
    expect(versionName(m.sys, openDev(m.sys, 1))).to.equal('mt8183-apu');
    const p0 = profileFor(m.sys, accelDevice(0, 'apu'));
    expect(p0).to.include({ driver: 'apu', openPolicy: 'exclusive', jobTimeoutMs: 500, iommu: 'per-context', adapter: 'apu' });
    const p1 = profileFor(m.sys, accelDevice(1, 'mt8183-apu'));
    expect(p1).to.include({ driver: 'mt8183-apu', openPolicy: 'exclusive', openPolicySource: 'declared', jobTimeoutMs: 150 });
    expect(p1.banAfterHangs).to.equal(3);
    expect(p1.debugfsObjectCount).to.equal('gem_objects');
    expect(adapterFor(m.sys, p1)).to.be.instanceOf(ApuAdapter);
  });

  it('reads the apu profile policy from the exclusive parameter', () => {
    const m = bootSimMachine(['apu']);
    expect(profileFor(m.sys, accelDevice(0, 'apu')).openPolicy).to.equal('shared');
  });

  it('detects the open policy of an unknown driver; no timeout, no iommu, no adapter', () => {
    const m = bootSimMachine(['./docs/examples/null-accel.js?max_opens=1']);
    const p = detectProfile(m.sys, accelDevice(0, 'null-accel'));
    expect(p).to.include({ openPolicy: 'exclusive', openPolicySource: 'detected', jobTimeoutMs: null, iommu: 'none' });
    const two = bootSimMachine(['./docs/examples/null-accel.js', './docs/examples/null-accel.js']);
    expect(two.devices.map((d) => d.minor)).to.deep.equal([0, 1]);
    expect(detectProfile(two.sys, accelDevice(1, 'null-accel')).openPolicy).to.equal('shared');
    expect(adapterFor(m.sys, p)).to.equal(null);
    // No accel9: the first open fails, and detection reports that instead of guessing a policy.
    const missing = profileFor(m.sys, accelDevice(9, 'no-such-driver'));
    expect(missing).to.include({ openPolicy: 'unknown', openPolicySource: 'unknown' });
    expect(missing.openPolicyUnknownReason).to.match(/first open of .*accel9 failed with ENOENT/);
  });
});

describe('sim/plugins: docs/examples', () => {
  it('slow-apu: a bundled driver with its firmware, an ioctl and open replaced', async () => {
    const m = bootSimMachine(['./docs/examples/slow-apu.js']);
    const sys = m.sys;
    const fd = openDev(sys);
    expect(versionName(sys, fd)).to.equal('slow-apu');
    expect(errnoOf(() => gemNew(sys, fd, 2 << 20))).to.equal('EINVAL');
    const a = new ApuAdapter(sys);
    const t0 = sys.monotonicNs();
    const r = await a.wait(a.submit(fd, { kind: 'nop' }), 1000);
    expect(r.status).to.equal('ok');
    expect(r.completedNs - t0 >= 20_000n).to.equal(true);
    const p = profileFor(sys, accelDevice(0, 'slow-apu'));
    expect(p).to.include({ driver: 'slow-apu', jobTimeoutMs: 500, adapter: 'apu' });
  });

  it('null-accel: a driver from scratch with its own ioctl and open policy', () => {
    const m = bootSimMachine(['./docs/examples/null-accel.js?max_opens=2']);
    const sys = m.sys;
    const fd = openDev(sys);
    openDev(sys);
    expect(errnoOf(() => openDev(sys))).to.equal('EBUSY');
    const info = Buffer.alloc(8);
    sys.ioctl(fd, IOWR('d', 0x40, 8), info);
    expect(info.readUInt32LE(0)).to.equal(2);
    expect(profileFor(sys, accelDevice(0, 'null-accel')).openPolicySource).to.equal('declared');
  });

  it('null-accel: its own mmap op maps an object only through a file holding a handle', () => {
    const m = bootSimMachine(['./docs/examples/null-accel.js']);
    const sys = m.sys;
    const fd = openDev(sys);
    const arg = Buffer.alloc(16);
    arg.writeUInt32LE(4096, 0);
    sys.ioctl(fd, IOWR('d', 0x41, 16), arg);
    const offset = arg.readBigUInt64LE(8);
    const map = sys.mmap(fd, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, offset);
    map.bytes[0] = 7;
    expect(errnoOf(() => sys.mmap(openDev(sys), 4096, PROT_READ, MAP_SHARED, offset))).to.equal('EACCES');
    expect(errnoOf(() => sys.mmap(fd, 4096, PROT_READ, MAP_SHARED, offset + 4096n))).to.equal('EINVAL');
    sys.munmap(map);
  });

  it('buggy-apu loads from a directory outside the project: it needs nothing but the api it is given', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plugin-'));
    try {
      const copy = path.join(dir, 'buggy-apu.js');
      fs.copyFileSync('./docs/examples/buggy-apu.js', copy);
      const sys = bootSimMachine([`${copy}?defect=close-anything`]).sys;
      expect(errnoOf(() => sys.ioctl(openDev(sys), DRM_IOCTL_GEM_CLOSE, drm_gem_close.encode({ handle: 99 })))).to.equal('ok');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('buggy-apu: core hooks installed by a plugin defect (handle allocation, a core ioctl)', () => {
    const closeUnknown = (spec: string): string => {
      const sys = bootSimMachine([spec]).sys;
      return errnoOf(() => sys.ioctl(openDev(sys), DRM_IOCTL_GEM_CLOSE, drm_gem_close.encode({ handle: 99 })));
    };
    expect(closeUnknown('./docs/examples/buggy-apu.js')).to.equal('EINVAL');
    expect(closeUnknown('./docs/examples/buggy-apu.js?defect=close-anything')).to.equal('ok');
    const secondHandle = (spec: string): number => {
      const sys = bootSimMachine([spec]).sys;
      const fd = openDev(sys);
      const first = gemNew(sys, fd, 4096).handle;
      sys.ioctl(fd, DRM_IOCTL_GEM_CLOSE, drm_gem_close.encode({ handle: first }));
      return gemNew(sys, fd, 4096).handle;
    };
    expect(secondHandle('./docs/examples/buggy-apu.js')).to.equal(1);
    expect(secondHandle('./docs/examples/buggy-apu.js?defect=handles-cyclic')).to.equal(2);
  });
});
