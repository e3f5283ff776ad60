import { expect } from 'chai';
import { MAP_SHARED, O_CLOEXEC, O_RDWR, PROT_READ, PROT_WRITE } from '../../../harness/sys/constants';
import type { Sys } from '../../../harness/sys/types';
import {
  DRM_CAP_PRIME,
  DRM_IOCTL_GEM_CLOSE,
  DRM_IOCTL_GET_CAP,
  DRM_IOCTL_VERSION,
  drm_gem_close,
  drm_get_cap,
  drm_version,
} from '../../../harness/uapi/drm';
import { bootSimMachine } from '../../sim/machine';
import { errnoOf } from '../../apu/sim/testkit';
import { cbCreate, cbDestroy, cbMapLength, cbWithPackets, endlessFencePacket, info, nopPackets, submit, waitCs } from '../client';
import {
  DRM_IOCTL_HL_CB,
  DRM_IOCTL_HL_CS,
  DRM_IOCTL_HL_DEBUG,
  DRM_IOCTL_HL_INFO,
  DRM_IOCTL_HL_MEMORY,
  HL_CB_OP_CREATE,
  HL_DEBUG_OP_ETR,
  HL_DEBUG_OP_SET_MODE,
  HL_DEVICE_STATUS_OPERATIONAL,
  HL_INFO_DEVICE_STATUS,
  HL_INFO_OPEN_STATS,
  HL_INFO_RESET_COUNT,
  HL_MAX_CB_SIZE,
  HL_MEM_OP_ALLOC,
  HL_MEM_OP_EXPORT_DMABUF_FD,
  HL_MEM_OP_FREE,
  HL_MEM_OP_MAP,
  HL_MEM_OP_UNMAP,
  HL_WAIT_CS_STATUS_BUSY,
  HL_WAIT_CS_STATUS_COMPLETED,
  HL_WAIT_CS_STATUS_TIMEDOUT,
  hl_cb_in,
  hl_cb_out,
  hl_cs_in,
  hl_cs_out,
  hl_debug_args,
  hl_info_args,
  hl_info_reset_count,
  hl_mem_out,
  hl_open_stats_info,
  memIn,
} from '../uapi';

const ULLONG_MAX = (1n << 64n) - 1n;
const open = (sys: Sys, node = '/dev/accel/accel0'): number => sys.open(node, O_RDWR | O_CLOEXEC);
const boot = (spec = 'habanalabs'): Sys => bootSimMachine([spec]).sys;

describe('sim:habanalabs model', () => {
  it('hl_device_open: one compute user (EBUSY), the next once it closed', () => {
    const sys = boot();
    const fd = open(sys);
    expect(errnoOf(() => open(sys))).to.equal('EBUSY');
    sys.close(fd);
    sys.close(open(sys));
  });

  it('hl_device_release: EAGAIN while the closed user\'s CS still runs, free after it', async () => {
    const sys = boot();
    const fd = open(sys);
    const { chunk } = cbWithPackets(sys, fd, nopPackets(64));
    submit(sys, fd, [chunk]);
    sys.close(fd);
    expect(errnoOf(() => open(sys))).to.equal('EAGAIN');
    await sys.sleepMs(1);
    sys.close(open(sys));
  });

  it('no DRIVER_GEM: GEM_CLOSE is EOPNOTSUPP, GET_CAP(PRIME) still says import|export', () => {
    const sys = boot();
    const fd = open(sys);
    expect(errnoOf(() => sys.ioctl(fd, DRM_IOCTL_GEM_CLOSE, drm_gem_close.encode({ handle: 1 })))).to.equal('EOPNOTSUPP');
    const cap = drm_get_cap.encode({ capability: DRM_CAP_PRIME });
    sys.ioctl(fd, DRM_IOCTL_GET_CAP, cap);
    expect(drm_get_cap.decode(cap).value).to.equal(3n);
  });

  it('INFO: pad must be 0, a return buffer is needed, DEVICE_STATUS and OPEN_STATS answer', () => {
    const sys = boot();
    const fd = open(sys);
    expect(errnoOf(() => info(sys, fd, HL_INFO_DEVICE_STATUS, 8, 0, { pad: 1 }))).to.equal('EINVAL');
    expect(errnoOf(() => sys.ioctl(fd, DRM_IOCTL_HL_INFO, hl_info_args.encode({ op: HL_INFO_DEVICE_STATUS, return_size: 8 })))).to.equal('EINVAL');
    expect(info(sys, fd, HL_INFO_DEVICE_STATUS, 8).readUInt32LE(0)).to.equal(HL_DEVICE_STATUS_OPERATIONAL);
    const stats = hl_open_stats_info.decode(info(sys, fd, HL_INFO_OPEN_STATS, hl_open_stats_info.size));
    expect(stats.is_compute_ctx_active).to.equal(1);
    expect(stats.open_counter).to.equal(1n);
    // Only min(return_size, sizeof) bytes are written.
    expect([...info(sys, fd, HL_INFO_DEVICE_STATUS, 2, 0xee)]).to.deep.equal([0, 0]);
  });

  it('INFO leaves no stale bytes in the reply; hl-info-stale-bytes does', () => {
    const good = boot();
    expect(info(good, open(good), HL_INFO_DEVICE_STATUS, 8, 0xee).readUInt32LE(4)).to.equal(0);
    const bad = boot('habanalabs?defect=hl-info-stale-bytes');
    expect(info(bad, open(bad), HL_INFO_DEVICE_STATUS, 8, 0xee).readUInt32LE(4)).to.not.equal(0);
  });

  it('CB: handles carry HL_MMAP_TYPE_CB, oversize is EINVAL with a zero handle, a second destroy is EINVAL', () => {
    const sys = boot();
    const fd = open(sys);
    const cb = cbCreate(sys, fd, 100);
    expect(cb.handle).to.equal((1n << 12n) | (2n << 59n));
    const arg = hl_cb_in.encode({ cb_handle: 77n, op: HL_CB_OP_CREATE, cb_size: HL_MAX_CB_SIZE + 1 });
    expect(errnoOf(() => sys.ioctl(fd, DRM_IOCTL_HL_CB, arg))).to.equal('EINVAL');
    expect(hl_cb_out.decode(arg).cb_handle).to.equal(0n);
    cbDestroy(sys, fd, cb.handle);
    expect(errnoOf(() => cbDestroy(sys, fd, cb.handle))).to.equal('EINVAL');
    // The id is free again: the next CB reuses it (idr_alloc from 1).
    expect(cbCreate(sys, fd, 4096).handle).to.equal(cb.handle);
  });

  it('CB mmap: the page-rounded size only, one mapping at a time', () => {
    const sys = boot();
    const fd = open(sys);
    const cb = cbCreate(sys, fd, 100);
    expect(errnoOf(() => sys.mmap(fd, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, cb.handle))).to.equal('EINVAL');
    const m = sys.mmap(fd, cbMapLength(cb.size), PROT_READ | PROT_WRITE, MAP_SHARED, cb.handle);
    expect(errnoOf(() => sys.mmap(fd, cbMapLength(cb.size), PROT_READ | PROT_WRITE, MAP_SHARED, cb.handle))).to.equal('EINVAL');
    sys.munmap(m);
    sys.munmap(sys.mmap(fd, cbMapLength(cb.size), PROT_READ | PROT_WRITE, MAP_SHARED, cb.handle));
  });

  it('CS: bad submissions are EINVAL with seq ULLONG_MAX and status -EINVAL', () => {
    const sys = boot();
    const fd = open(sys);
    const { chunk } = cbWithPackets(sys, fd, nopPackets(1));
    const bad = (chunks: Parameters<typeof submit>[2]): void => {
      let err = '';
      try {
        submit(sys, fd, chunks);
      } catch (e) {
        err = (e as { code: string }).code;
      }
      expect(err).to.equal('EINVAL');
    };
    bad([]);
    const arg = hl_cs_in.encode({ num_chunks_execute: 0 });
    expect(errnoOf(() => sys.ioctl(fd, DRM_IOCTL_HL_CS, arg))).to.equal('EINVAL');
    expect(hl_cs_out.decode(arg)).to.include({ seq: ULLONG_MAX, status: -22 >>> 0 });
    bad(Array.from({ length: 513 }, () => chunk));
    bad([{ ...chunk, queue: 261 }]);
    bad([{ ...chunk, queue: 260 }]);
    bad([{ ...chunk, flags: 0 }]);
  });

  it('CS of NOPs completes; WAIT_CS on a future sequence is EINVAL', async () => {
    const sys = boot();
    const fd = open(sys);
    const { chunk } = cbWithPackets(sys, fd, nopPackets(64));
    const cs = submit(sys, fd, [chunk]);
    expect(cs.seq).to.equal(1n);
    expect((await waitCs(sys, fd, cs.seq, 0n)).status).to.equal(HL_WAIT_CS_STATUS_BUSY);
    expect(await waitCs(sys, fd, cs.seq, 1_000_000n)).to.deep.equal({ result: 'ok', status: HL_WAIT_CS_STATUS_COMPLETED, flags: 0 });
    expect((await waitCs(sys, fd, 2n, 0n)).result).to.equal('EINVAL');
  });

  it('an endless CS times out (ETIMEDOUT, TIMEDOUT) and hard-resets the device once', async () => {
    const sys = boot();
    const fd = open(sys);
    const { chunk } = cbWithPackets(sys, fd, endlessFencePacket());
    const cs = submit(sys, fd, [chunk], { timeoutS: 1 });
    const w = await waitCs(sys, fd, cs.seq, 5_000_000n);
    expect(w).to.deep.equal({ result: 'ETIMEDOUT', status: HL_WAIT_CS_STATUS_TIMEDOUT, flags: 0 });
    await sys.sleepMs(3000);
    expect(hl_info_reset_count.decode(info(sys, fd, HL_INFO_RESET_COUNT, 8)).hard_reset_cnt).to.equal(1);
  });

  it('MEMORY: alloc, map, a mapped allocation cannot be freed, unmap, free', () => {
    const sys = boot();
    const fd = open(sys);
    const mem = (op: number, words: bigint[]): bigint => {
      const arg = memIn(op, words);
      sys.ioctl(fd, DRM_IOCTL_HL_MEMORY, arg);
      return hl_mem_out.decode(arg).handle;
    };
    expect(errnoOf(() => mem(HL_MEM_OP_ALLOC, [0n]))).to.equal('EINVAL');
    const h = mem(HL_MEM_OP_ALLOC, [4096n]);
    expect(h).to.equal(1n);
    const va = mem(HL_MEM_OP_MAP, [0n, h]);
    expect(errnoOf(() => mem(HL_MEM_OP_FREE, [h]))).to.equal('EINVAL');
    mem(HL_MEM_OP_UNMAP, [va]);
    mem(HL_MEM_OP_FREE, [h]);
    expect(errnoOf(() => mem(HL_MEM_OP_FREE, [h]))).to.equal('EINVAL');
  });

  it('EXPORT_DMABUF_FD: page multiples of a mapped VA; out.fd is -EBADF on failure; the dma-buf has no mmap', () => {
    const sys = boot();
    const fd = open(sys);
    const memArg = (op: number, words: bigint[], flags = 0): Buffer => memIn(op, words, flags);
    const alloc = memArg(HL_MEM_OP_ALLOC, [4096n]);
    sys.ioctl(fd, DRM_IOCTL_HL_MEMORY, alloc);
    const map = memArg(HL_MEM_OP_MAP, [0n, hl_mem_out.decode(alloc).handle]);
    sys.ioctl(fd, DRM_IOCTL_HL_MEMORY, map);
    const va = hl_mem_out.decode(map).handle;
    const bad = memArg(HL_MEM_OP_EXPORT_DMABUF_FD, [va, 4097n, 0n], O_RDWR | O_CLOEXEC);
    expect(errnoOf(() => sys.ioctl(fd, DRM_IOCTL_HL_MEMORY, bad))).to.equal('EINVAL');
    expect(bad.readInt32LE(0)).to.equal(-9);
    const good = memArg(HL_MEM_OP_EXPORT_DMABUF_FD, [va, 4096n, 0n], O_RDWR | O_CLOEXEC);
    sys.ioctl(fd, DRM_IOCTL_HL_MEMORY, good);
    const buf = good.readInt32LE(0);
    expect(buf).to.be.greaterThan(2);
    expect(errnoOf(() => sys.mmap(buf, 4096, PROT_READ, MAP_SHARED, 0n))).to.equal('EINVAL');
    expect(errnoOf(() => sys.ioctl(fd, DRM_IOCTL_HL_MEMORY, memArg(HL_MEM_OP_UNMAP, [va])))).to.equal('EINVAL');
    sys.close(fd);
    expect(errnoOf(() => open(sys))).to.equal('EBUSY');
    sys.close(buf);
    sys.close(open(sys));
  });

  it('DEBUG: CoreSight ops need debug mode (EFAULT); SET_MODE twice is EFAULT', () => {
    const sys = boot();
    const fd = open(sys);
    expect(errnoOf(() => sys.ioctl(fd, DRM_IOCTL_HL_DEBUG, hl_debug_args.encode({ op: HL_DEBUG_OP_ETR })))).to.equal('EFAULT');
    sys.ioctl(fd, DRM_IOCTL_HL_DEBUG, hl_debug_args.encode({ op: HL_DEBUG_OP_SET_MODE, enable: 1 }));
    expect(errnoOf(() => sys.ioctl(fd, DRM_IOCTL_HL_DEBUG, hl_debug_args.encode({ op: HL_DEBUG_OP_SET_MODE, enable: 1 })))).to.equal('EFAULT');
    expect(errnoOf(() => sys.ioctl(fd, DRM_IOCTL_HL_DEBUG, hl_debug_args.encode({ op: 99 })))).to.equal('EINVAL');
  });

  it('control node: many opens beside the compute user, INFO only, ENOTTY for the rest', () => {
    const sys = boot();
    const fd = open(sys);
    const ctl = [open(sys, '/dev/accel/accel_controlD0'), open(sys, '/dev/accel/accel_controlD0')];
    expect(info(sys, ctl[0] as number, HL_INFO_DEVICE_STATUS, 8).readUInt32LE(0)).to.equal(HL_DEVICE_STATUS_OPERATIONAL);
    expect(errnoOf(() => sys.ioctl(ctl[1] as number, DRM_IOCTL_VERSION, drm_version.encode({})))).to.equal('ENOTTY');
    expect(errnoOf(() => sys.ioctl(ctl[1] as number, DRM_IOCTL_HL_CB, hl_cb_in.encode({ op: HL_CB_OP_CREATE })))).to.equal('ENOTTY');
    expect(errnoOf(() => info(sys, ctl[1] as number, HL_INFO_DEVICE_STATUS, 8, 0, { pad: 1 }))).to.equal('EINVAL');
    expect(sys.fs.readFile('/sys/class/accel/accel_controlD0/dev').toString()).to.match(/^\d+:0\n$/);
    sys.close(fd);
  });
});
