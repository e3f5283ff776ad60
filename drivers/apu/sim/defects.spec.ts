/**
 * Each 'driver' defect of drivers/sim/defects.ts breaks its rule; the same
 * check passes on the device without it.
 */
import { expect } from 'chai';
import { ApuAdapter } from '../adapter';
import { bootSimMachine } from '../../sim/machine';
import { DEFECTS, type DefectName } from '../../sim/defects';
import type { Sys } from '../../../harness/sys/types';
import {
  APU_CMD_CHECKSUM,
  DRM_IOCTL_APU_GEM_IOMMU_MAP,
  DRM_IOCTL_APU_GEM_NEW,
  DRM_IOCTL_APU_STATE,
  apu_cmd_checksum,
  drm_apu_gem_iommu_map,
  drm_apu_gem_new,
  drm_apu_state,
  fnv1a32,
} from '../uapi';
import { dequeueRaw, errnoOf, gemNew, openDev, queueRaw, syncobj } from './testkit';

interface Env {
  sys: Sys;
  a: ApuAdapter;
}

/** Returns true when the rule holds. */
type Check = (env: Env) => boolean | Promise<boolean>;

async function mapped(env: Env, fd: number, size = 4096, ro = false) {
  const bo = env.a.createBuffer(fd, size, { deviceReadOnly: ro });
  const map = env.a.mmapBuffer(fd, bo);
  const [iova] = env.a.mapToDevice(fd, [bo.handle]);
  return { bo, map, iova: iova as bigint };
}

const innocentRuns: Check = async ({ sys, a }) => {
  const fd = openDev(sys);
  const other = openDev(sys);
  const h = a.submit(fd, { kind: 'hang' });
  const n = a.submit(other, { kind: 'nop' });
  await a.wait(h, 5000).catch(() => null);
  const r = await a.wait(n, 5000).catch(() => null);
  return r?.status === 'ok';
};

const CHECKS: Record<string, { spec: string; check: Check }> = {
  'excl-release-on-close': {
    spec: 'mt8183',
    check: ({ sys }) => {
      const fd = openDev(sys);
      const d = sys.dup(fd);
      sys.close(d);
      return errnoOf(() => openDev(sys)) === 'EBUSY';
    },
  },
  'excl-release-on-second-close': {
    spec: 'mt8183',
    check: ({ sys }) => {
      const fd = openDev(sys);
      const d1 = sys.dup(fd);
      sys.dup(fd); // a third reference, still open after two closes
      sys.close(fd);
      sys.close(d1);
      return errnoOf(() => openDev(sys)) === 'EBUSY';
    },
  },
  'excl-release-on-foreign-close': {
    spec: 'mt8183',
    check: async ({ sys }) => {
      const fd = openDev(sys);
      const child = await sys.spawn({ inheritFds: [fd] });
      await child.close(child.inherited.get(fd) as number);
      const busy = errnoOf(() => openDev(sys)) === 'EBUSY';
      await child.exit();
      return busy;
    },
  },
  'excl-not-enforced': { spec: 'mt8183', check: ({ sys }) => (openDev(sys), errnoOf(() => openDev(sys)) === 'EBUSY') },
  'gem-new-bad-flags-ok': { spec: 'apu', check: ({ sys }) => errnoOf(() => gemNew(sys, openDev(sys), 4096, 0x80)) === 'EINVAL' },
  'gem-new-dirty-output': {
    spec: 'apu',
    check: ({ sys }) => {
      const arg = drm_apu_gem_new.encode({ size: 0 });
      const e = errnoOf(() => sys.ioctl(openDev(sys), DRM_IOCTL_APU_GEM_NEW, arg));
      const v = drm_apu_gem_new.decode(arg);
      return e === 'EINVAL' && v.handle === 0 && v.offset === 0n;
    },
  },
  'gem-new-size-zero-ok': { spec: 'apu', check: ({ sys }) => errnoOf(() => gemNew(sys, openDev(sys), 0)) === 'EINVAL' },
  'no-job-timeout': {
    spec: 'apu',
    check: async ({ sys, a }) => {
      const r = await a.wait(a.submit(openDev(sys), { kind: 'hang' }), 2000).catch(() => null);
      return r?.status === 'timedout';
    },
  },
  'timeout-late': {
    spec: 'apu',
    check: async ({ sys, a }) => {
      const t0 = sys.monotonicNs();
      const r = await a.wait(a.submit(openDev(sys), { kind: 'hang' }), 5000);
      return r.completedNs - t0 === 500_000_000n;
    },
  },
  // sim:apu declares 500 ms: the rule is that the hang ends exactly then, not at 250 ms.
  'timeout-early': {
    spec: 'apu',
    check: async ({ sys, a }) => {
      const t0 = sys.monotonicNs();
      const r = await a.wait(a.submit(openDev(sys), { kind: 'hang' }), 5000);
      return r.status === 'timedout' && r.completedNs - t0 === 500_000_000n;
    },
  },
  'queue-drops-after-hang': { spec: 'apu', check: innocentRuns },
  'reset-kills-innocent': { spec: 'apu', check: innocentRuns },
  'no-recovery': {
    spec: 'apu',
    check: async ({ sys, a }) => {
      const fd = openDev(sys);
      await a.wait(a.submit(fd, { kind: 'hang' }), 5000);
      await sys.sleepMs(1000);
      return a.deviceState(fd).online;
    },
  },
  'shared-iommu': {
    spec: 'apu',
    check: async (env) => {
      const one = openDev(env.sys);
      const two = openDev(env.sys);
      const theirs = await mapped(env, one, 4096);
      const r = await env.a.wait(env.a.submit(two, { kind: 'fill', dst: theirs.iova, len: 16, value: 9 }), 1000);
      return r.status === 'fault' && theirs.map.bytes[0] === 0;
    },
  },
  'unmap-keeps-mapping': {
    spec: 'apu',
    check: async (env) => {
      const fd = openDev(env.sys);
      const b = await mapped(env, fd);
      env.a.unmapFromDevice(fd, [b.bo.handle]);
      const r = await env.a.wait(env.a.submit(fd, { kind: 'fill', dst: b.iova, len: 16, value: 9 }), 1000);
      return r.status === 'fault' && b.map.bytes[0] === 0;
    },
  },
  'unmap-first-page-only': {
    spec: 'apu',
    check: async (env) => {
      const fd = openDev(env.sys);
      const b = await mapped(env, fd, 3 * 4096);
      env.a.unmapFromDevice(fd, [b.bo.handle]);
      const r = await env.a.wait(env.a.submit(fd, { kind: 'fill', dst: b.iova + 4096n, len: 16, value: 9 }), 1000);
      return r.status === 'fault' && b.map.bytes[4096] === 0;
    },
  },
  'unmap-batch-first-only': {
    spec: 'apu',
    check: async (env) => {
      const fd = openDev(env.sys);
      const [x, y] = [await mapped(env, fd), await mapped(env, fd)];
      env.a.unmapFromDevice(fd, [x.bo.handle, y.bo.handle]);
      const r = await env.a.wait(env.a.submit(fd, { kind: 'fill', dst: y.iova, len: 16, value: 9 }), 1000);
      return r.status === 'fault' && y.map.bytes[0] === 0;
    },
  },
  'remap-batch-refs-first-only': {
    spec: 'apu',
    check: async (env) => {
      const fd = openDev(env.sys);
      const [x, y] = [await mapped(env, fd), await mapped(env, fd)];
      env.a.mapToDevice(fd, [x.bo.handle, y.bo.handle]);
      env.a.unmapFromDevice(fd, [x.bo.handle, y.bo.handle]);
      const r = await env.a.wait(env.a.submit(fd, { kind: 'fill', dst: y.iova, len: 16, value: 9 }), 1000);
      return r.status === 'ok' && y.map.bytes[0] === 9;
    },
  },
  'map-not-refcounted': {
    spec: 'apu',
    check: async (env) => {
      const fd = openDev(env.sys);
      const b = await mapped(env, fd);
      const [again] = env.a.mapToDevice(fd, [b.bo.handle]);
      env.a.unmapFromDevice(fd, [b.bo.handle]);
      const r = await env.a.wait(env.a.submit(fd, { kind: 'fill', dst: b.iova, len: 16, value: 9 }), 1000);
      return again === b.iova && r.status === 'ok';
    },
  },
  'queue-unbounded-handles': {
    spec: 'apu',
    check: ({ sys }) => {
      const fd = openDev(sys);
      const handles = sys.alloc(4 * 1025);
      const count = { bo_handles: handles.address, bo_handle_count: 1025, out_sync: syncobj(sys, fd) };
      return errnoOf(() => queueRaw(sys, fd, count)) === 'EINVAL';
    },
  },
  'map-unknown-ok': { spec: 'apu', check: ({ sys, a }) => errnoOf(() => a.mapToDevice(openDev(sys), [42])) === 'ENOENT' },
  'ro-ignored': {
    spec: 'apu',
    check: async (env) => {
      const fd = openDev(env.sys);
      const b = await mapped(env, fd, 4096, true);
      const r = await env.a.wait(env.a.submit(fd, { kind: 'fill', dst: b.iova, len: 16, value: 9 }), 1000);
      return r.status === 'fault' && b.map.bytes[0] === 0;
    },
  },
  'ro-first-page-only': {
    spec: 'apu',
    check: async (env) => {
      const fd = openDev(env.sys);
      const b = await mapped(env, fd, 2 * 4096, true);
      const r = await env.a.wait(env.a.submit(fd, { kind: 'fill', dst: b.iova + 4096n, len: 16, value: 9 }), 1000);
      return r.status === 'fault' && b.map.bytes[4096] === 0;
    },
  },
  'ro-flag-per-batch': {
    spec: 'apu',
    check: async (env) => {
      const fd = openDev(env.sys);
      const rw = env.a.createBuffer(fd, 4096);
      const ro = env.a.createBuffer(fd, 4096, { deviceReadOnly: true });
      const [, iova] = env.a.mapToDevice(fd, [rw.handle, ro.handle]);
      const r = await env.a.wait(env.a.submit(fd, { kind: 'fill', dst: iova as bigint, len: 16, value: 9 }), 1000);
      return r.status === 'fault';
    },
  },
  'fault-partial-write': {
    spec: 'apu',
    check: async (env) => {
      const fd = openDev(env.sys);
      const b = await mapped(env, fd, 4096);
      const r = await env.a.wait(env.a.submit(fd, { kind: 'fill', dst: b.iova, len: 8192, value: 9 }), 1000);
      return r.status === 'fault' && b.map.bytes[0] === 0;
    },
  },
  'fault-checks-ends-only': {
    spec: 'apu',
    check: async (env) => {
      const fd = openDev(env.sys);
      const [x, y, z] = [await mapped(env, fd), await mapped(env, fd), await mapped(env, fd)];
      if (y.iova !== x.iova + 4096n || z.iova !== y.iova + 4096n) return false;
      env.a.unmapFromDevice(fd, [y.bo.handle]);
      const r = await env.a.wait(env.a.submit(fd, { kind: 'fill', dst: x.iova, len: 3 * 4096, value: 9 }), 1000);
      return r.status === 'fault' && x.map.bytes[0] === 0;
    },
  },
  'fault-wedges': {
    spec: 'apu',
    check: async (env) => {
      const fd = openDev(env.sys);
      await env.a.wait(env.a.submit(fd, { kind: 'fill', dst: 0x20000000n, len: 1, value: 1 }), 1000);
      const r = await env.a.wait(env.a.submit(fd, { kind: 'nop' }), 1000).catch(() => null);
      return r?.status === 'ok';
    },
  },
  'dequeue-global': {
    spec: 'apu',
    check: async ({ sys }) => {
      const fd = openDev(sys);
      const other = openDev(sys);
      const s = syncobj(sys, fd);
      queueRaw(sys, fd, { cmd: 0, out_sync: s });
      await sys.sleepMs(1);
      return errnoOf(() => dequeueRaw(sys, other, s)) === 'ENOENT';
    },
  },
  'checksum-wrong': {
    spec: 'apu',
    check: async (env) => {
      const fd = openDev(env.sys);
      const b = await mapped(env, fd);
      b.map.bytes.fill(3, 0, 100);
      const r = await env.a.wait(env.a.submit(fd, { kind: 'checksum', src: b.iova, len: 100 }), 1000);
      return r.output.readUInt32LE(0) === fnv1a32(b.map.bytes.subarray(0, 100));
    },
  },
  'state-any-device': {
    spec: 'apu',
    check: ({ sys }) => errnoOf(() => sys.ioctl(openDev(sys), DRM_IOCTL_APU_STATE, drm_apu_state.encode({ device: 1 }))) === 'EINVAL',
  },
  'map-count-zero-ok': {
    spec: 'mt8183',
    check: ({ sys }) => {
      const arg = drm_apu_gem_iommu_map.encode({ bo_handle_count: 0, bo_handles: sys.alloc(8).address, bo_device_addresses: sys.alloc(8).address });
      return errnoOf(() => sys.ioctl(openDev(sys), DRM_IOCTL_APU_GEM_IOMMU_MAP, arg)) === 'EINVAL';
    },
  },
  'queue-pad-unchecked': {
    spec: 'apu',
    check: async (env) => {
      const fd = openDev(env.sys);
      const b = await mapped(env, fd);
      const args = env.sys.alloc(apu_cmd_checksum.size);
      apu_cmd_checksum.encode({ src: b.iova, len: 16, pad: 1 }).copy(args.bytes);
      const q = { cmd: APU_CMD_CHECKSUM, out_sync: syncobj(env.sys, fd), size_in: apu_cmd_checksum.size, size_out: 8, data: args.address };
      return errnoOf(() => queueRaw(env.sys, fd, q)) === 'EINVAL' && args.bytes.readUInt32LE(12) === 1;
    },
  },
  'dequeue-short-buffer-ok': {
    spec: 'mt8183',
    check: async (env) => {
      const fd = openDev(env.sys);
      const b = await mapped(env, fd);
      const s = env.a.submit(fd, { kind: 'checksum', src: b.iova, len: 16 });
      await env.sys.sleepMs(1);
      return errnoOf(() => dequeueRaw(env.sys, fd, s.syncobj, 4, true)) === 'EINVAL';
    },
  },
  'fill-empty-ok': {
    spec: 'apu',
    check: async (env) => {
      const fd = openDev(env.sys);
      const b = await mapped(env, fd);
      const r = await env.a.wait(env.a.submit(fd, { kind: 'fill', dst: b.iova, len: 0, value: 1 }), 1000);
      return r.status === 'error' && r.errno === 22;
    },
  },
  'copy-forward': {
    spec: 'apu',
    check: async (env) => {
      const fd = openDev(env.sys);
      const b = await mapped(env, fd);
      for (let i = 0; i < 100; i++) b.map.bytes[i] = i;
      await env.a.wait(env.a.submit(fd, { kind: 'copy', src: b.iova, dst: b.iova + 10n, len: 50 }), 1000);
      return b.map.bytes[59] === 49;
    },
  },
  'ban-never': {
    spec: 'apu',
    check: async ({ sys, a }) => {
      const fd = openDev(sys);
      for (let i = 0; i < 3; i++) await a.wait(a.submit(fd, { kind: 'hang' }), 5000);
      return (await a.wait(a.submit(fd, { kind: 'nop' }), 5000)).status === 'canceled';
    },
  },
  'close-waits-for-hang': {
    spec: 'apu',
    check: async ({ sys, a }) => {
      const fd = openDev(sys);
      const other = openDev(sys);
      a.submit(other, { kind: 'hang' });
      await sys.sleepMs(20);
      const t0 = sys.monotonicNs();
      sys.close(other);
      const r = await a.wait(a.submit(fd, { kind: 'nop' }), 5000);
      return r.status === 'ok' && r.completedNs - t0 < 250_000_000n;
    },
  },
  'crash-reported-ok': {
    spec: 'mt8183',
    check: async ({ sys, a }) => (await a.wait(a.submit(openDev(sys), { kind: 'crash' }), 1000)).status === 'crashed',
  },
};

describe('apu/sim: driver defects', () => {
  const driverDefects = (Object.keys(DEFECTS) as DefectName[]).filter((d) => DEFECTS[d].layer === 'driver');

  it('every driver defect has a check here', () => {
    expect(driverDefects.filter((d) => !CHECKS[d])).to.deep.equal([]);
  });

  for (const name of driverDefects) {
    const c = CHECKS[name];
    if (!c) continue;
    it(`${name}: the rule holds without it and breaks with it`, async () => {
      const clean = bootSimMachine([c.spec]);
      expect(await c.check({ sys: clean.sys, a: new ApuAdapter(clean.sys) }), 'without the defect').to.equal(true);
      const bad = bootSimMachine([`${c.spec}?defect=${name}`]);
      expect(await c.check({ sys: bad.sys, a: new ApuAdapter(bad.sys) }), 'with the defect').to.equal(false);
    });
  }
});

/**
 * docs/examples/buggy-apu.js brings defects of its own, written outside the
 * project with the plugin API alone (docs/plugins.md): each breaks the same
 * rule as a catalogue defect, checked by that defect's check above.
 */
const PLUGIN = './docs/examples/buggy-apu.js';
const PLUGIN_DEFECTS: Record<string, { readonly rule: DefectName; readonly params?: string }> = {
  'tdr-late': { rule: 'timeout-late' },
  'lost-after-hang': { rule: 'queue-drops-after-hang' },
  'ro-writable': { rule: 'ro-ignored' },
  'checksum-off': { rule: 'checksum-wrong' },
  'unlock-on-close': { rule: 'excl-release-on-close', params: 'exclusive=1' },
};

describe('apu/sim: a plugin\'s own defects (docs/examples/buggy-apu.js)', () => {
  for (const [name, { rule, params }] of Object.entries(PLUGIN_DEFECTS)) {
    it(`${name} breaks the rule of ${rule}`, async () => {
      const check = (CHECKS[rule] as { check: Check }).check;
      const query = params ? `?${params}&` : '?';
      const clean = bootSimMachine([`${PLUGIN}${params ? `?${params}` : ''}`]);
      expect(await check({ sys: clean.sys, a: new ApuAdapter(clean.sys) }), 'without the defect').to.equal(true);
      const bad = bootSimMachine([`${PLUGIN}${query}defect=${name}`]);
      expect(await check({ sys: bad.sys, a: new ApuAdapter(bad.sys) }), 'with the defect').to.equal(false);
    });
  }
});
