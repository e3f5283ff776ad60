import { expect } from 'chai';
import * as fs from 'node:fs';
import { SysError } from '../sys/errno';
import { S_IFCHR } from '../sys/constants';
import type { Stat } from '../sys/types';
import { discoverAccelDevices, type DiscoveryResult } from './discover';
import { DiscoveryConfigError } from './errors';
import { UDEV_RULE } from './open-hint';
import { resolveRoots } from './roots';
import { versionIoctl } from './spec-helpers/fake-drm';
import { addAccel, addDrmNode, addPciParent, addPlatformParent, canMknod, FixtureTree } from './spec-helpers/fixture-tree';
import { fsSys } from './spec-helpers/fs-sys';
import { nativeSys } from '../sys';
import type { AccelDevice } from './types';

const NPU = 'sys/devices/pci0000:00/0000:00:0b.0';
const APU = 'sys/devices/platform/soc/19000000.apu';
const BROKEN_PCI = 'sys/devices/pci0000:00/0000:00:1c.0/0000:03:00.0';
const NO_SUBSYSTEM = 'sys/devices/pci0000:00/0000:04:00.0';
const RENDER_GID = 109;

/** Four devices, each with one thing worth reporting. */
function buildMachine(t: FixtureTree): void {
  t.file('etc/group', `root:x:0:\nvideo:x:44:\nrender:x:${RENDER_GID}:alice\n`);

  addPciParent(t, NPU, { vendor: '0x8086', device: '0x7D1D', subsystemVendor: '0x8086', subsystemDevice: '0x0000' }, 'intel_vpu');
  addAccel(t, { parent: NPU, minor: 0 });
  addDrmNode(t, NPU, 'card1');
  addDrmNode(t, NPU, 'renderD129');
  // A connector's `device` is its card, not the parent: it must not be listed as a sibling.
  addDrmNode(t, `${NPU}/drm/card1`, 'card1-HDMI-A-1', `${NPU}/drm/card1`);
  t.file('sys/class/drm/version', 'drm 1.1.0 20060810\n');
  t.chardev('dev/accel/accel0', 261, 0, RENDER_GID);

  addPlatformParent(t, APU, 'mtk_apu');
  addAccel(t, { parent: APU, minor: 1 });
  t.chardev('dev/accel/accel1', 1, 3); // /dev/null's numbers

  addPciParent(t, BROKEN_PCI, { vendor: '0x1e60', device: '0x0030' }, 'habanalabs');
  // Root reads through chmod 000, so unreadability is a directory where sysfs has a file.
  fs.rmSync(t.abs(`${BROKEN_PCI}/vendor`));
  t.dir(`${BROKEN_PCI}/vendor`);
  addAccel(t, { parent: BROKEN_PCI, minor: 2 });
  t.file('dev/accel/accel2', 'not a node');
  // habanalabs' own control device (device.c cdev_sysfs_debugfs_add): class accel, no parent, its own major.
  t.file('sys/devices/virtual/accel/accel_controlD2/dev', '511:2\n');
  t.link('sys/class/accel/accel_controlD2', 'sys/devices/virtual/accel/accel_controlD2');

  t.file(`${NO_SUBSYSTEM}/vendor`, '0x1ed5\n').file(`${NO_SUBSYSTEM}/device`, '0x0001\n');
  addAccel(t, { parent: NO_SUBSYSTEM, minor: 3, dev: null });
}

describe('discovery over a fixture tree', () => {
  let t: FixtureTree;
  let result: DiscoveryResult;
  const dev = (n: number): AccelDevice => {
    const d = result.devices.find((x) => x.name === `accel${n}`);
    if (!d) throw new Error(`accel${n} not discovered`);
    return d;
  };

  before(function () {
    if (!canMknod()) this.skip(); // Device nodes need CAP_MKNOD.
    t = new FixtureTree();
    buildMachine(t);
    // The real backend: open(2) of a 261:0 node with no accel driver must come back as an errno.
    result = discoverAccelDevices(nativeSys(), resolveRoots({ root: t.root }));
  });
  after(() => t?.remove());

  it('lists every accel minor in minor order, without stopping at broken ones', () => {
    expect(result.accelClassPresent).to.equal(true);
    expect(result.devices.map((d) => d.name)).to.deep.equal(['accel0', 'accel1', 'accel2', 'accel3']);
  });

  it('describes a PCI device: minor, devnode, parent, bus, ids, driver', () => {
    const d = dev(0);
    expect(d.minor).to.equal(0);
    expect(d.sysfsPath).to.equal(t.abs('sys/class/accel/accel0'));
    expect(d.devnode).to.equal(t.abs('dev/accel/accel0'));
    expect(d.devnodeStatus).to.equal('ok');
    expect(d.parent).to.equal(t.abs(NPU));
    expect(d.bus).to.equal('pci');
    expect(d.driver).to.equal('intel_vpu');
    expect(d.pci).to.deep.equal({ slot: '0000:00:0b.0', vendor: 0x8086, device: 0x7d1d, subsystemVendor: 0x8086, subsystemDevice: 0 });
  });

  it('finds the DRM nodes of the same parent and skips connectors', () => {
    expect(dev(0).drmNodes).to.deep.equal([
      { name: 'card1', kind: 'card', devnode: t.abs('dev/dri/card1'), sysfsPath: t.abs('sys/class/drm/card1') },
      { name: 'renderD129', kind: 'render', devnode: t.abs('dev/dri/renderD129'), sysfsPath: t.abs('sys/class/drm/renderD129') },
    ]);
    expect(dev(1).drmNodes).to.deep.equal([]);
  });

  it('reports a driver-owned accel_controlD<N> as the control node of accelN, never as an accel device', () => {
    expect(dev(2).drmNodes).to.deep.equal([
      { name: 'accel_controlD2', kind: 'control', devnode: t.abs('dev/accel/accel_controlD2'), sysfsPath: t.abs('sys/class/accel/accel_controlD2') },
    ]);
    expect(dev(3).drmNodes).to.deep.equal([]);
  });

  it('reports a node without a driver behind it as an open failure, not a crash', () => {
    const d = dev(0);
    expect(d.openError?.errno).to.be.oneOf(['ENXIO', 'ENODEV']);
    expect(d.openError?.message).to.contain(t.abs('dev/accel/accel0'));
    expect(d.openError?.hint).to.match(/no driver serves minor 0/);
    expect(d.version).to.equal(undefined);
  });

  it('describes a platform device and flags a node with the wrong device numbers', () => {
    const d = dev(1);
    expect(d.bus).to.equal('platform');
    expect(d.driver).to.equal('mtk_apu');
    expect(d.pci).to.equal(undefined);
    expect(d.devnodeStatus).to.equal('rdev-mismatch');
    expect(d.problems?.join('\n')).to.contain('is device 1:3, sysfs says 261:1');
    expect(d.openError, 'a mismatched node must not be opened').to.equal(undefined);
  });

  it('reports an unreadable PCI id per device, in one line naming the file', () => {
    const d = dev(2);
    expect(d.devnodeStatus).to.equal('not-char-device');
    expect(d.driver).to.equal('habanalabs');
    expect(d.pci).to.equal(undefined);
    const line = d.problems?.find((p) => p.includes('/vendor'));
    expect(line).to.equal(`${t.abs(BROKEN_PCI)}/vendor: cannot read (EISDIR)`);
  });

  it('falls back to the name for the minor when `dev` is unreadable, and to the path for the bus', () => {
    const d = dev(3);
    expect(d.minor).to.equal(3);
    expect(d.problems).to.include(`${t.abs('sys/class/accel/accel3/dev')}: cannot read (EISDIR); minor taken from the name`);
    expect(d.devnodeStatus).to.equal('missing');
    expect(d.problems?.join('\n')).to.contain(`mknod -m 0660 ${t.abs('dev/accel/accel3')} c 261 3`);
    expect(d.bus).to.equal('pci');
    expect(d.driver).to.equal(null);
    expect(d.pci).to.deep.equal({ slot: '0000:04:00.0', vendor: 0x1ed5, device: 0x0001 });
  });

  it('keeps every problem to one line', () => {
    for (const d of result.devices) for (const p of d.problems ?? []) expect(p).to.not.contain('\n');
  });
});

describe('discovery: opening nodes and DRM_IOCTL_VERSION', () => {
  let t: FixtureTree;
  const charStat = (minor: number): Stat => ({ mode: S_IFCHR | 0o660, ino: 1n, size: 0n, uid: 0, gid: 0, rdevMajor: 261, rdevMinor: minor });

  before(function () {
    if (!canMknod()) this.skip();
    t = new FixtureTree();
    t.file('etc/group', `root:x:0:\nrender:x:${RENDER_GID}:\n`);
    addPciParent(t, NPU, { vendor: '0x8086', device: '0x7d1d' }, 'intel_vpu');
    addAccel(t, { parent: NPU, minor: 0 });
    t.chardev('dev/accel/accel0', 261, 0, RENDER_GID, 0o660);
  });
  after(() => t?.remove());

  const roots = (): ReturnType<typeof resolveRoots> => resolveRoots({ root: t.root });

  it('reads name, date and description with the two-call protocol and frees its buffers', () => {
    const closed: number[] = [];
    const sys = fsSys({ open: () => 42, fstat: () => charStat(0), close: (fd) => void closed.push(fd) });
    const answer = { major: 1, minor: 2, patchlevel: 3, name: 'intel_vpu', date: '20230117', desc: 'Intel NPU (Neural Processing Unit)' };
    const ioctl = versionIoctl(sys.memory, answer);
    const d = discoverAccelDevices({ ...sys, ioctl }, roots()).devices[0];
    expect(d?.version).to.deep.equal(answer);
    expect(ioctl.calls).to.have.length(2);
    expect(ioctl.calls[0]).to.deep.equal({ name_len: 0n, name: 0n });
    expect(ioctl.calls[1]?.name_len).to.equal(BigInt(answer.name.length));
    expect(sys.memory.live.size, 'user buffers freed').to.equal(0);
    expect(closed).to.deep.equal([42]);
    expect(d?.openError).to.equal(undefined);
  });

  it('for EACCES names the owning group, the mode and a udev rule', () => {
    const sys = fsSys({
      open: () => {
        throw SysError.of('EACCES', 'open');
      },
    });
    const d = discoverAccelDevices(sys, roots()).devices[0];
    expect(d?.openError?.errno).to.equal('EACCES');
    expect(d?.openError?.hint).to.contain("owned by group 'render', mode 0660: add the user to it (usermod -aG render <user>");
    expect(d?.openError?.hint).to.contain(UDEV_RULE);
    expect(d?.devnodeStatus).to.equal('ok');
  });

  it('for EACCES on a node without group access, gives the rule and the chgrp/chmod a guest without udev needs', () => {
    const node = t.abs('dev/accel/accel0');
    fs.chownSync(node, 0, 0);
    fs.chmodSync(node, 0o600);
    try {
      const sys = fsSys({
        open: () => {
          throw SysError.of('EACCES', 'open');
        },
      });
      const hint = discoverAccelDevices(sys, roots()).devices[0]?.openError?.hint ?? '';
      expect(hint).to.contain("owned by group 'root', mode 0600, which gives no group access");
      expect(hint).to.contain(UDEV_RULE);
      expect(hint).to.contain(`chgrp render ${node} && chmod 0660 ${node}`);
      expect(hint).to.not.contain('usermod');
    } finally {
      fs.chownSync(node, 0, RENDER_GID);
      fs.chmodSync(node, 0o660);
    }
  });

  it('names the gid when <root>/etc/group does not list it', () => {
    const sys = fsSys({
      open: () => {
        throw SysError.of('EACCES', 'open');
      },
    });
    const d = discoverAccelDevices(sys, resolveRoots({ root: t.abs('nowhere'), sysfsRoot: t.abs('sys'), devRoot: t.abs('dev') })).devices[0];
    expect(d?.openError?.hint).to.contain(`owned by group gid ${RENDER_GID}`);
  });

  it('reports a failing DRM_IOCTL_VERSION as a problem and still closes the node', () => {
    const closed: number[] = [];
    const sys = fsSys({ open: () => 7, fstat: () => charStat(0), close: (fd) => void closed.push(fd) });
    const d = discoverAccelDevices(sys, roots()).devices[0];
    expect(d?.version).to.equal(undefined);
    expect(d?.problems).to.include(`${t.abs('dev/accel/accel0')}: DRM_IOCTL_VERSION failed (ENOTTY)`);
    expect(closed).to.deep.equal([7]);
  });

  it('refuses an absurd string length instead of allocating it', () => {
    const sys = fsSys({ open: () => 7, fstat: () => charStat(0), close: () => undefined });
    const ioctl = versionIoctl(sys.memory, { major: 1, minor: 0, patchlevel: 0, name: 'x'.repeat(5000), date: '', desc: '' });
    const d = discoverAccelDevices({ ...sys, ioctl }, roots()).devices[0];
    expect(d?.version).to.equal(undefined);
    expect(d?.problems?.join('\n')).to.match(/name_len 5000 exceeds 4096/);
    expect(sys.memory.live.size).to.equal(0);
  });

  it('does not probe when the opened file is not the node sysfs names', () => {
    const sys = fsSys({ open: () => 7, fstat: () => charStat(9), close: () => undefined });
    const ioctl = versionIoctl(sys.memory, { major: 1, minor: 0, patchlevel: 0, name: 'n', date: 'd', desc: 'x' });
    const d = discoverAccelDevices({ ...sys, ioctl }, roots()).devices[0];
    expect(ioctl.calls).to.have.length(0);
    expect(d?.problems?.join('\n')).to.contain('opened file is 261:9, not 261:0');
  });

  it('opens nothing when asked not to', () => {
    let opened = 0;
    const sys = fsSys({ open: () => ++opened });
    const d = discoverAccelDevices(sys, roots(), { open: false }).devices[0];
    expect(opened).to.equal(0);
    expect(d?.devnodeStatus).to.equal('ok');
  });
});

describe('discovery: roots', () => {
  let t: FixtureTree;
  beforeEach(() => {
    t = new FixtureTree();
  });
  afterEach(() => t.remove());

  it('says there is no accel class on a machine without one', () => {
    t.dir('sys/class/drm');
    const r = discoverAccelDevices(fsSys(), resolveRoots({ root: t.root }));
    expect(r).to.include({ accelClassPresent: false });
    expect(r.devices).to.deep.equal([]);
  });

  it('lists an empty class as present with no devices', () => {
    t.dir('sys/class/accel');
    const r = discoverAccelDevices(fsSys(), resolveRoots({ root: t.root }));
    expect(r.accelClassPresent).to.equal(true);
    expect(r.devices).to.deep.equal([]);
  });

  it('rejects a sysfs root that does not exist or is not a directory', () => {
    expect(() => discoverAccelDevices(fsSys(), resolveRoots({ root: t.root }))).to.throw(DiscoveryConfigError, /sys is not usable \(ENOENT\)/);
    t.file('sys', '');
    expect(() => discoverAccelDevices(fsSys(), resolveRoots({ root: t.root }))).to.throw(DiscoveryConfigError, /is not a directory/);
  });

  it('rejects an accel class that is not a directory', () => {
    t.file('sys/class/accel', '');
    expect(() => discoverAccelDevices(fsSys(), resolveRoots({ root: t.root }))).to.throw(DiscoveryConfigError, /class\/accel: cannot list \(ENOTDIR\)/);
  });

  it('ignores class entries that are not accelN', () => {
    t.dir('sys/class/accel/accel_extra');
    const r = discoverAccelDevices(fsSys(), resolveRoots({ root: t.root }));
    expect(r.devices).to.deep.equal([]);
  });

  it('defaults roots to <root>/sys and <root>/dev, with explicit roots winning', () => {
    expect(resolveRoots()).to.deep.equal({ root: '/', sysfsRoot: '/sys', devRoot: '/dev' });
    expect(resolveRoots({ root: '/x/', devRoot: '/y/dev/' })).to.deep.equal({ root: '/x', sysfsRoot: '/x/sys', devRoot: '/y/dev' });
  });
});
