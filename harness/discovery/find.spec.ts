import { expect } from 'chai';
import { DeviceSelectionError } from './errors';
import { findDevices } from './find';
import { resolveRoots } from './roots';
import { addAccel, addDrmNode, addPlatformParent, FixtureTree } from './spec-helpers/fixture-tree';
import { fsSys } from './spec-helpers/fs-sys';
import { rootedSys } from './spec-helpers/rooted-sys';
import type { Sys } from '../sys/types';

describe('findDevices: real and sim: devices', () => {
  let real: FixtureTree;
  let sim: FixtureTree;
  let simSys: Sys;
  const booted: string[][] = [];

  before(() => {
    real = new FixtureTree();
    addPlatformParent(real, 'sys/devices/platform/a.npu', 'npu_a');
    addAccel(real, { parent: 'sys/devices/platform/a.npu', minor: 0 });
    addPlatformParent(real, 'sys/devices/platform/b.npu', 'npu_b');
    addAccel(real, { parent: 'sys/devices/platform/b.npu', minor: 1 });

    // What the simulated kernel shows: its own /sys and /dev, seen from its `/`.
    sim = new FixtureTree();
    for (const [minor, driver] of [[0, 'apu'], [1, 'mt8183-apu']] as const) {
      const parent = `sys/devices/platform/sim-${minor}`;
      addPlatformParent(sim, parent, driver);
      addAccel(sim, { parent, minor });
    }
    addDrmNode(sim, 'sys/devices/platform/sim-0', 'renderD128');
    simSys = rootedSys(sim.root);
  });
  after(() => {
    real.remove();
    sim.remove();
  });

  const options = (deviceOption: string | undefined, env: NodeJS.ProcessEnv = {}) => ({
    deviceOption,
    env,
    roots: resolveRoots({ root: real.root }),
    open: false,
    nativeSys: () => fsSys(),
    bootSim: (specs: string[]) => {
      booted.push(specs);
      return { sys: simSys, devices: specs.map((spec, i) => ({ spec, name: `accel${i}` })) };
    },
  });

  it('lists every real device without a filter and boots nothing', () => {
    booted.length = 0;
    const r = findDevices(options(undefined));
    expect(r.selected.map((d) => d.label)).to.deep.equal(['accel0', 'accel1']);
    expect(r.realScanned).to.equal(true);
    expect(booted).to.deep.equal([]);
  });

  it('applies ACCEL_DEVICE when --device is absent, and --device when both are set', () => {
    expect(findDevices(options(undefined, { ACCEL_DEVICE: 'driver:npu_b' })).selected.map((d) => d.label)).to.deep.equal(['accel1']);
    const both = findDevices(options('accel:0', { ACCEL_DEVICE: 'driver:npu_b' }));
    expect(both.selected.map((d) => d.label)).to.deep.equal(['accel0']);
    expect(both.filter).to.deep.equal({ text: 'accel:0', origin: '--device' });
  });

  it('boots one simulated kernel for all sim: specs and discovers its devices through its Sys', () => {
    booted.length = 0;
    let nativeUsed = false;
    const r = findDevices({ ...options('sim:apu;sim:mt8183'), nativeSys: () => ((nativeUsed = true), fsSys()) });
    expect(booted).to.deep.equal([['apu', 'mt8183']]);
    expect(nativeUsed, 'no real filter: the running kernel is not touched').to.equal(false);
    expect(r.realScanned).to.equal(false);
    expect(r.selected.map((d) => [d.label, d.info.simSpec, d.info.driver, d.info.devnode])).to.deep.equal([
      ['sim:apu', 'apu', 'apu', '/dev/accel/accel0'],
      ['sim:mt8183', 'mt8183', 'mt8183-apu', '/dev/accel/accel1'],
    ]);
    expect(r.selected[0]?.info.parent).to.equal('/sys/devices/platform/sim-0');
    expect(r.selected[0]?.info.drmNodes.map((n) => n.devnode)).to.deep.equal(['/dev/dri/renderD128']);
    expect(r.selected[0]?.sys).to.equal(simSys);
  });

  it('mixes real filters and sim: specs', () => {
    // The machine says which device each spec made (one here): devices no spec made are not the filter's.
    const r = findDevices(options('driver:npu_a;sim:apu'));
    expect(r.selected.map((d) => d.label)).to.deep.equal(['accel0', 'sim:apu']);
  });

  it('labels a spec given twice by its minor, as run does (one labelling rule)', () => {
    const r = findDevices(options('sim:apu;sim:apu'));
    expect(r.selected.map((d) => d.label)).to.deep.equal(['sim:apu/accel0', 'sim:apu/accel1']);
  });

  it('turns a simulator that rejects the spec into a selection error', () => {
    const bad = {
      ...options('sim:nope'),
      bootSim: (): never => {
        throw new DeviceSelectionError('config', 'cannot boot sim:nope: unknown driver');
      },
    };
    expect(() => findDevices(bad)).to.throw(DeviceSelectionError, /cannot boot sim:nope/);
  });
});
