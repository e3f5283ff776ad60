import { expect } from 'chai';
import { S_IFCHR } from '../sys/constants';
import type { Stat } from '../sys/types';
import { describeDrmNode, isDrmNode } from './drm-device';
import { DeviceSelectionError } from './errors';
import { resolveRoots } from './roots';
import { versionIoctl } from './spec-helpers/fake-drm';
import { addDrmNode, canMknod, FixtureTree } from './spec-helpers/fixture-tree';
import { fsSys } from './spec-helpers/fs-sys';

const VGEM = 'sys/devices/platform/vgem';

describe('discovery of a DRM node (drm: filter)', () => {
  let t: FixtureTree;
  const drmStat = (minor: number): Stat => ({ mode: S_IFCHR | 0o660, ino: 1n, size: 0n, uid: 0, gid: 0, rdevMajor: 226, rdevMinor: minor });

  before(function () {
    if (!canMknod()) this.skip(); // Device nodes need CAP_MKNOD.
    t = new FixtureTree();
    // vgem: a platform device with no driver bound (platform_device_register_simple), card0 and renderD128.
    t.dir(VGEM);
    t.link(`${VGEM}/subsystem`, 'sys/bus/platform');
    t.dir('sys/bus/platform');
    addDrmNode(t, VGEM, 'card0');
    addDrmNode(t, VGEM, 'renderD128');
    t.file(`${VGEM}/drm/card0/dev`, '226:0\n');
    t.file(`${VGEM}/drm/renderD128/dev`, '226:128\n');
    t.chardev('dev/dri/card0', 226, 0);
  });
  after(() => t?.remove());

  const roots = (): ReturnType<typeof resolveRoots> => resolveRoots({ root: t.root });

  it('describes the node as discovery describes an accel minor, marked as a DRM node', () => {
    const sys = fsSys({ open: () => 7, fstat: () => drmStat(0), close: () => undefined });
    const answer = { major: 1, minor: 0, patchlevel: 0, name: 'vgem', date: '20120112', desc: 'Virtual GEM provider' };
    const d = describeDrmNode({ ...sys, ioctl: versionIoctl(sys.memory, answer) }, roots(), 'card0');
    expect(d.name).to.equal('card0');
    expect(d.minor).to.equal(0);
    expect(d.devnode).to.equal(t.abs('dev/dri/card0'));
    expect(d.devnodeStatus).to.equal('ok');
    expect(d.parent).to.equal(t.abs(VGEM));
    expect(d.bus).to.equal('platform');
    expect(d.driver).to.equal(null);
    expect(d.version?.name).to.equal('vgem');
    expect(d.drmNodes.map((n) => n.name)).to.deep.equal(['card0', 'renderD128']);
    expect(isDrmNode(d)).to.equal(true);
    expect(d.problems).to.deep.equal([]);
  });

  it('checks the node against major 226 and reports a missing node with its mknod line', () => {
    const d = describeDrmNode(fsSys(), roots(), 'renderD128');
    expect(d.minor).to.equal(128);
    expect(d.devnodeStatus).to.equal('missing');
    expect(d.problems?.join('\n')).to.contain(`mknod -m 0660 ${t.abs('dev/dri/renderD128')} c 226 128`);
  });

  it('refuses a node sysfs does not list, naming the ones it does', () => {
    let error: unknown;
    try {
      describeDrmNode(fsSys(), roots(), 'card3');
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(DeviceSelectionError);
    expect((error as DeviceSelectionError).kind).to.equal('no-match');
    expect((error as DeviceSelectionError).details).to.deep.equal(['available DRM nodes: drm:card0  drm:renderD128']);
  });
});
