import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findDevices } from './discovery/find';
import { resolveRoots } from './discovery/roots';
import { openSession } from './session';

describe('openSession', function () {
  this.timeout(20_000);

  it('boots every sim: spec on one kernel, labels them sim:SPEC, with declared profiles and adapters', async () => {
    const s = await openSession({ device: 'sim:apu;sim:mt8183', env: {} });
    try {
      assert.deepEqual(s.devices.map((d) => d.label), ['sim:apu', 'sim:mt8183']);
      const [apu, mt] = s.devices;
      assert.ok(apu && mt);
      assert.equal(apu.sys, mt.sys, 'both simulated devices share one kernel');
      assert.deepEqual([apu.simulated, apu.profile.openPolicy, apu.profile.openPolicySource], [true, 'shared', 'declared']);
      assert.equal(mt.profile.openPolicy, 'exclusive');
      assert.ok(apu.adapter && mt.adapter);
      assert.deepEqual([apu.info.minor, mt.info.minor], [0, 1]);
      assert.equal(s.notice, undefined);
    } finally {
      s.close();
    }
  });

  it('labels devices as list does, from the same filter (one path from a filter to a device)', async () => {
    const device = 'sim:apu;sim:mt8183;sim:apu';
    const s = await openSession({ device, env: {} });
    try {
      const listed = findDevices({ deviceOption: device, env: {}, roots: resolveRoots({}) });
      assert.deepEqual(s.devices.map((d) => d.label), listed.selected.map((d) => d.label));
      assert.deepEqual(s.devices.map((d) => d.label), ['sim:apu/accel0', 'sim:mt8183', 'sim:apu/accel2']);
    } finally {
      s.close();
    }
  });

  it('--device beats ACCEL_DEVICE', async () => {
    const s = await openSession({ device: 'sim:mt8183', env: { ACCEL_DEVICE: 'sim:apu' } });
    assert.deepEqual(s.devices.map((d) => d.label), ['sim:mt8183']);
    const e = await openSession({ env: { ACCEL_DEVICE: 'sim:apu' } });
    assert.deepEqual(e.devices.map((d) => d.label), ['sim:apu']);
  });

  it('without a filter and without accel devices runs both bundled drivers and says so', async function () {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'accel-session-'));
    try {
      fs.mkdirSync(path.join(root, 'sys'));
      fs.mkdirSync(path.join(root, 'dev'));
      let s;
      try {
        s = await openSession({ sysfsRoot: path.join(root, 'sys'), devRoot: path.join(root, 'dev'), env: {} });
      } catch (e) {
        if (e instanceof Error && /native syscall backend/.test(e.message)) this.skip();
        throw e;
      }
      assert.deepEqual(s.devices.map((d) => d.label), ['sim:apu', 'sim:mt8183']);
      assert.match(s.notice ?? '', /sim:apu;sim:mt8183/);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
