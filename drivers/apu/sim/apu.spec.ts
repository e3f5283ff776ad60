import { expect } from 'chai';
import { ApuAdapter } from '../adapter';
import { bootSimMachine } from '../../sim/machine';
import type { Sys } from '../../../harness/sys/types';
import {
  APU_BO_DEVICE_RO,
  APU_CMD_NOP,
  APU_CRASHED,
  APU_ONLINE,
  APU_TIMEDOUT,
  DRM_IOCTL_APU_GEM_IOMMU_MAP,
  DRM_IOCTL_APU_GEM_IOMMU_UNMAP,
  DRM_IOCTL_APU_STATE,
  apu_cmd_checksum,
  apu_cmd_copy,
  drm_apu_gem_iommu_map,
  drm_apu_state,
  fnv1a32,
} from '../uapi';
import {
  DRM_CLOEXEC,
  DRM_IOCTL_GEM_CLOSE,
  DRM_IOCTL_PRIME_FD_TO_HANDLE,
  DRM_IOCTL_PRIME_HANDLE_TO_FD,
  DRM_RDWR,
  drm_gem_close,
  drm_prime_handle,
} from '../../../harness/uapi/drm';
import { dequeueRaw, errnoOf, gemNew, openDev, queueRaw, stateFlags, syncobj } from './testkit';

function boot(spec = 'apu'): { sys: Sys; a: ApuAdapter } {
  const m = bootSimMachine([spec]);
  return { sys: m.sys, a: new ApuAdapter(m.sys) };
}

/** A mapped, mmapped buffer of one context. */
function buffer(a: ApuAdapter, fd: number, size: number, ro = false) {
  const bo = a.createBuffer(fd, size, { deviceReadOnly: ro });
  const map = a.mmapBuffer(fd, bo);
  const [iova] = a.mapToDevice(fd, [bo.handle]);
  return { bo, map, iova: iova as bigint };
}

describe('apu/sim: sim:apu', () => {
  it('shows its module parameters under /sys/module/apu/parameters', () => {
    const { sys } = boot('apu?timeout_ms=300&ban_after=0');
    expect(sys.fs.readFile('/sys/module/apu/parameters/timeout_ms').toString().trim()).to.equal('300');
    expect(sys.fs.readFile('/sys/module/apu/parameters/ban_after').toString().trim()).to.equal('0');
    expect(sys.fs.readFile('/sys/module/apu/parameters/exclusive').toString().trim()).to.equal('0');
  });

  it('STATE: EINVAL for device != 0, ONLINE otherwise', () => {
    const { sys } = boot();
    const fd = openDev(sys);
    expect(errnoOf(() => sys.ioctl(fd, DRM_IOCTL_APU_STATE, drm_apu_state.encode({ device: 1 })))).to.equal('EINVAL');
    expect(stateFlags(sys, fd)).to.equal(APU_ONLINE);
  });

  it('GEM_NEW: lowest handle from 1, EINVAL for size 0, above 64 MiB, unknown flags, output left 0', () => {
    const { sys } = boot();
    const fd = openDev(sys);
    for (const [size, flags] of [[0, 0], [(64 << 20) + 1, 0], [4096, 2]] as const) {
      const arg = Buffer.alloc(24);
      arg.writeUInt32LE(size, 0);
      arg.writeUInt32LE(flags, 4);
      expect(errnoOf(() => gemNew(sys, fd, size, flags))).to.equal('EINVAL');
    }
    const a = gemNew(sys, fd, 1);
    expect(a.handle).to.equal(1);
    expect(a.offset).to.not.equal(0n);
    expect(gemNew(sys, fd, 64 << 20, APU_BO_DEVICE_RO).handle).to.equal(2);
  });

  it('IOMMU_MAP: aligned distinct addresses in the aperture, refcounted, all or nothing', () => {
    const { sys, a } = boot();
    const fd = openDev(sys);
    const b1 = a.createBuffer(fd, 8192);
    const b2 = a.createBuffer(fd, 4096);
    const [i1, i2] = a.mapToDevice(fd, [b1.handle, b2.handle]) as [bigint, bigint];
    for (const i of [i1, i2]) {
      expect(i % 4096n).to.equal(0n);
      expect(i >= 0x10000000n && i < 0x40000000n).to.equal(true);
    }
    expect(i2 >= i1 + 8192n || i2 + 4096n <= i1).to.equal(true);
    expect(a.mapToDevice(fd, [b1.handle])).to.deep.equal([i1]);
    a.unmapFromDevice(fd, [b1.handle]);
    a.unmapFromDevice(fd, [b1.handle]);
    expect(errnoOf(() => a.unmapFromDevice(fd, [b1.handle]))).to.equal('EINVAL');
    expect(errnoOf(() => a.mapToDevice(fd, [b2.handle, 99]))).to.equal('ENOENT');
    expect(errnoOf(() => a.mapToDevice(fd, []))).to.equal('EINVAL');
    expect(errnoOf(() => a.mapToDevice(fd, new Array(1025).fill(b2.handle)))).to.equal('EINVAL');
    const bad = drm_apu_gem_iommu_map.encode({ bo_handles: 0x10n, bo_handle_count: 1, bo_device_addresses: 0x10n });
    expect(errnoOf(() => sys.ioctl(fd, DRM_IOCTL_APU_GEM_IOMMU_MAP, bad))).to.equal('EFAULT');
    // Unwritable address array: nothing stays mapped.
    const hm = sys.alloc(4);
    hm.bytes.writeUInt32LE(b1.handle, 0);
    const unw = drm_apu_gem_iommu_map.encode({ bo_handles: hm.address, bo_handle_count: 1, bo_device_addresses: 0x10n });
    expect(errnoOf(() => sys.ioctl(fd, DRM_IOCTL_APU_GEM_IOMMU_MAP, unw))).to.equal('EFAULT');
    expect(errnoOf(() => sys.ioctl(fd, DRM_IOCTL_APU_GEM_IOMMU_UNMAP, unw))).to.equal('EINVAL');
  });

  it('IOMMU_MAP: ENOSPC when the aperture is full, and nothing of the failed call is mapped', () => {
    const { sys, a } = boot();
    const fd = openDev(sys);
    const handles = Array.from({ length: 13 }, () => a.createBuffer(fd, 64 << 20).handle);
    a.mapToDevice(fd, handles.slice(0, 11));
    expect(errnoOf(() => a.mapToDevice(fd, handles.slice(11)))).to.equal('ENOSPC');
    expect(errnoOf(() => a.unmapFromDevice(fd, [handles[11] as number]))).to.equal('EINVAL');
    a.mapToDevice(fd, [handles[11] as number]);
  });

  it('FILL, COPY, CHECKSUM run through the page table and finish in virtual time', async () => {
    const { sys, a } = boot();
    const fd = openDev(sys);
    const src = buffer(a, fd, 3 * 4096);
    const dst = buffer(a, fd, 3 * 4096);
    const t0 = sys.monotonicNs();
    const fill = await a.wait(a.submit(fd, { kind: 'fill', dst: src.iova + 100n, len: 9000, value: 0x1ab }), 1000);
    expect(fill.status).to.equal('ok');
    expect(src.map.bytes[99]).to.equal(0);
    expect(src.map.bytes[100]).to.equal(0xab);
    expect(src.map.bytes[9099]).to.equal(0xab);
    expect(src.map.bytes[9100]).to.equal(0);
    src.map.bytes[5000] = 7;
    const copy = await a.wait(a.submit(fd, { kind: 'copy', src: src.iova, dst: dst.iova, len: 3 * 4096 }), 1000);
    expect(copy.status).to.equal('ok');
    expect(Buffer.compare(dst.map.bytes, src.map.bytes)).to.equal(0);
    const sum = await a.wait(a.submit(fd, { kind: 'checksum', src: dst.iova + 1n, len: 10000 }), 1000);
    expect(sum.status).to.equal('ok');
    expect(sum.output.readUInt32LE(0)).to.equal(fnv1a32(dst.map.bytes.subarray(1, 10001)));
    expect(sum.completedNs - t0 < 1_000_000n).to.equal(true);
    const zero = await a.wait(a.submit(fd, { kind: 'fill', dst: src.iova, len: 0, value: 1 }), 1000);
    expect(zero.errno).to.equal(22);
  });

  it('faults (EFAULT) on unmapped, foreign and read-only addresses without touching memory', async () => {
    const { sys, a } = boot();
    const fd = openDev(sys);
    const other = openDev(sys);
    const mine = buffer(a, fd, 2 * 4096);
    const ro = buffer(a, fd, 4096, true);
    const theirs = buffer(a, other, 4096);
    const r1 = await a.wait(a.submit(fd, { kind: 'fill', dst: mine.iova + 4096n, len: 8192, value: 1 }), 1000);
    expect(r1.status).to.equal('fault');
    expect(mine.map.bytes[4096]).to.equal(0);
    const r2 = await a.wait(a.submit(fd, { kind: 'fill', dst: theirs.iova, len: 1, value: 1 }), 1000);
    // theirs.iova may coincide with one of ours; only a foreign-only address must fault.
    if (theirs.iova !== mine.iova && theirs.iova !== mine.iova + 4096n && theirs.iova !== ro.iova) expect(r2.status).to.equal('fault');
    expect(theirs.map.bytes[0]).to.equal(0);
    const r3 = await a.wait(a.submit(fd, { kind: 'fill', dst: ro.iova, len: 1, value: 1 }), 1000);
    expect(r3.status).to.equal('fault');
    expect(ro.map.bytes[0]).to.equal(0);
    const r4 = await a.wait(a.submit(fd, { kind: 'checksum', src: ro.iova, len: 4096 }), 1000);
    expect(r4.status).to.equal('ok');
    const r5 = await a.wait(a.submit(fd, { kind: 'copy', src: mine.iova, dst: 0x3ff00000n, len: 16 }), 1000);
    expect(r5.status).to.equal('fault');
  });

  it('a hang times out at timeout_ms of virtual time, the device resets, the job behind runs', async () => {
    const { sys, a } = boot();
    const fd = openDev(sys);
    const other = openDev(sys);
    const wall = process.hrtime.bigint();
    const t0 = sys.monotonicNs();
    const hang = a.submit(fd, { kind: 'hang' });
    const nop = a.submit(other, { kind: 'nop' });
    const r = await a.wait(hang, 2000);
    expect(r.status).to.equal('timedout');
    expect(r.completedNs - t0).to.equal(500_000_000n);
    expect(a.deviceState(fd)).to.deep.equal({ online: false, crashed: false, timedOut: true });
    expect(stateFlags(sys, fd)).to.equal(APU_TIMEDOUT);
    const n = await a.wait(nop, 2000);
    expect(n.status).to.equal('ok');
    expect(stateFlags(sys, fd)).to.equal(APU_ONLINE);
    expect(Number(process.hrtime.bigint() - wall) / 1e6).to.be.below(400);
  });

  it('bans a context after ban_after consecutive timeouts; others keep running', async () => {
    const { sys, a } = boot('apu?ban_after=2&timeout_ms=50');
    const fd = openDev(sys);
    const other = openDev(sys);
    expect((await a.wait(a.submit(fd, { kind: 'hang' }), 1000)).status).to.equal('timedout');
    expect((await a.wait(a.submit(fd, { kind: 'hang' }), 1000)).status).to.equal('timedout');
    const c = await a.wait(a.submit(fd, { kind: 'nop' }), 1000);
    expect(c.status).to.equal('canceled');
    expect((await a.wait(a.submit(other, { kind: 'nop' }), 1000)).status).to.equal('ok');
  });

  it('a crash ends the job with EIO; STATE shows CRASHED until the firmware is back', async () => {
    const { sys, a } = boot();
    const fd = openDev(sys);
    const r = await a.wait(a.submit(fd, { kind: 'crash' }), 1000);
    expect(r.status).to.equal('crashed');
    expect(stateFlags(sys, fd)).to.equal(APU_CRASHED);
    expect((await a.wait(a.submit(fd, { kind: 'nop' }), 1000)).status).to.equal('ok');
    expect(stateFlags(sys, fd)).to.equal(APU_ONLINE);
  });

  it('GEM_QUEUE argument checks', () => {
    const { sys } = boot();
    const fd = openDev(sys);
    const s = syncobj(sys, fd);
    const copyArgs = apu_cmd_copy.encode({ src: 0n, dst: 0n, len: 1, pad: 1 });
    expect(errnoOf(() => queueRaw(sys, fd, { device: 1, cmd: APU_CMD_NOP, out_sync: s }))).to.equal('EINVAL');
    expect(errnoOf(() => queueRaw(sys, fd, { cmd: 6, out_sync: s }))).to.equal('EINVAL');
    expect(errnoOf(() => queueRaw(sys, fd, { cmd: 1, out_sync: s }, Buffer.alloc(8)))).to.equal('EINVAL');
    expect(errnoOf(() => queueRaw(sys, fd, { cmd: 3, out_sync: s, size_out: 0 }, Buffer.alloc(16)))).to.equal('EINVAL');
    expect(errnoOf(() => queueRaw(sys, fd, { cmd: 2, out_sync: s }, copyArgs))).to.equal('EINVAL');
    expect(errnoOf(() => queueRaw(sys, fd, { cmd: 0, out_sync: 77 }))).to.equal('ENOENT');
    expect(errnoOf(() => queueRaw(sys, fd, { cmd: 0, out_sync: s, bo_handle_count: 1, bo_handles: 0x40n }))).to.equal('EFAULT');
    expect(errnoOf(() => queueRaw(sys, fd, { cmd: 1, out_sync: s, size_in: 16, data: 0x40n }))).to.equal('EFAULT');
    const hm = sys.alloc(4);
    hm.bytes.writeUInt32LE(5, 0);
    expect(errnoOf(() => queueRaw(sys, fd, { cmd: 0, out_sync: s, bo_handle_count: 1, bo_handles: hm.address }))).to.equal('ENOENT');
    queueRaw(sys, fd, { cmd: 4, out_sync: s });
    expect(errnoOf(() => queueRaw(sys, fd, { cmd: 0, out_sync: s }))).to.equal('EINVAL');
  });

  it('GEM_DEQUEUE: EAGAIN while running, ENOENT for other files and after dequeue, EINVAL for small size', async () => {
    const { sys } = boot();
    const fd = openDev(sys);
    const other = openDev(sys);
    const s = syncobj(sys, fd);
    queueRaw(sys, fd, { cmd: 3, out_sync: s, size_out: 8 }, apu_cmd_checksum.encode({ src: 0n, len: 16 }));
    expect(errnoOf(() => dequeueRaw(sys, fd, s))).to.equal('EAGAIN');
    syncobj(sys, other);
    expect(errnoOf(() => dequeueRaw(sys, other, s))).to.equal('ENOENT');
    await sys.sleepMs(1);
    expect(errnoOf(() => dequeueRaw(sys, fd, s, 4, true))).to.equal('EINVAL');
    const r = dequeueRaw(sys, fd, s, 8, true);
    expect(r.result).to.equal(14); // src 0 is not mapped
    expect(r.size).to.equal(8);
    expect(errnoOf(() => dequeueRaw(sys, fd, s))).to.equal('ENOENT');
  });

  it('closing every fd releases every object, also with jobs and mappings in flight', async () => {
    const { sys, a } = boot();
    const fd = openDev(sys);
    const b = buffer(a, fd, 4096);
    a.submit(fd, { kind: 'hang' }, [b.bo.handle]);
    sys.munmap(b.map);
    sys.ioctl(fd, DRM_IOCTL_GEM_CLOSE, drm_gem_close.encode({ handle: b.bo.handle }));
    sys.close(fd);
    await sys.sleepMs(1);
    expect(sys.fs.readFile('/sys/kernel/debug/accel/apu.0/gem_objects').toString().trim()).to.equal('0');
  });
});

describe('apu/sim: sim:mt8183', () => {
  it('declares module mt8183_apu with timeout 200 and its aperture', () => {
    const { sys, a } = boot('mt8183');
    expect(sys.fs.readFile('/sys/module/mt8183_apu/parameters/timeout_ms').toString().trim()).to.equal('200');
    const fd = openDev(sys);
    const [iova] = a.mapToDevice(fd, [a.createBuffer(fd, 4096).handle]);
    expect(iova! >= 0x60000000n && iova! < 0x70000000n).to.equal(true);
  });

  it('one user per open file description: EBUSY, kept across dup, EAGAIN during teardown', async () => {
    const { sys } = boot('mt8183');
    const fd = openDev(sys);
    expect(errnoOf(() => openDev(sys))).to.equal('EBUSY');
    const d = sys.dup(fd);
    sys.close(fd);
    expect(errnoOf(() => openDev(sys))).to.equal('EBUSY');
    sys.close(d);
    expect(errnoOf(() => openDev(sys))).to.equal('EAGAIN');
    await sys.sleepMs(10);
    sys.close(openDev(sys));
  });

  it('times out at 200 ms', async () => {
    const { sys, a } = boot('mt8183');
    const fd = openDev(sys);
    const t0 = sys.monotonicNs();
    const r = await a.wait(a.submit(fd, { kind: 'hang' }), 1000);
    expect(r.status).to.equal('timedout');
    expect(r.completedNs - t0).to.equal(200_000_000n);
  });
});

describe('apu/sim: exclusive=1 on sim:apu (the module parameter)', () => {
  it('gives EBUSY to a second open', () => {
    const { sys } = boot('apu?exclusive=1');
    const fd = openDev(sys);
    expect(errnoOf(() => openDev(sys))).to.equal('EBUSY');
    sys.close(fd);
    sys.close(openDev(sys));
  });
});

describe('apu/sim: two devices on one kernel', () => {
  it('a buffer of sim:apu imported into sim:mt8183 is filled by a job there', async () => {
    const m = bootSimMachine(['apu', 'mt8183']);
    const { sys } = m;
    const a = new ApuAdapter(sys);
    const fd0 = openDev(sys, 0);
    const fd1 = openDev(sys, 1);
    const bo = a.createBuffer(fd0, 4096);
    const view = a.mmapBuffer(fd0, bo);
    const exp = drm_prime_handle.encode({ handle: bo.handle, flags: DRM_CLOEXEC | DRM_RDWR, fd: -1 });
    sys.ioctl(fd0, DRM_IOCTL_PRIME_HANDLE_TO_FD, exp);
    const imp = drm_prime_handle.encode({ fd: drm_prime_handle.decode(exp).fd });
    sys.ioctl(fd1, DRM_IOCTL_PRIME_FD_TO_HANDLE, imp);
    const [iova] = a.mapToDevice(fd1, [drm_prime_handle.decode(imp).handle]);
    expect(iova! >= 0x60000000n).to.equal(true);
    const r = await a.wait(a.submit(fd1, { kind: 'fill', dst: iova!, len: 4096, value: 0x33 }), 1000);
    expect(r.status).to.equal('ok');
    expect(view.bytes[4095]).to.equal(0x33);
  });
});
