import { expect } from 'chai';
import { bootSimMachine } from '../../sim/machine';
import type { Sys } from '../../../harness/sys/types';
import { O_CLOEXEC, O_RDWR } from '../../../harness/sys/constants';
import {
  QAIC_IOCTL,
  QAIC_TRANS_DMA_XFER_FROM_USR,
  QAIC_TRANS_PASSTHROUGH_FROM_USR,
  QAIC_TRANS_STATUS_FROM_USR,
  qaic_attach_slice_entry,
  qaic_create_bo,
  qaic_manage_msg,
  qaic_manage_trans_dma_xfer,
  qaic_manage_trans_hdr,
  qaic_perf_stats,
  qaic_wait,
} from '../uapi';
import { DRM_CLOEXEC, DRM_IOCTL_PRIME_FD_TO_HANDLE, DRM_IOCTL_PRIME_HANDLE_TO_FD, DRM_RDWR, drm_prime_handle } from '../../../harness/uapi/drm';
import { createBo, mmapBoOffset } from '../lib';
import { pageAlign, validateReq } from './ioctls';
import { sgtLengths, sliceRange } from './slicing';
import type { QaicUser } from './device';
import { errnoOf } from '../../../harness/ioctl/core';

function boot(spec = 'qaic'): { sys: Sys; fd: number } {
  const m = bootSimMachine([spec]);
  return { sys: m.sys, fd: m.sys.open('/dev/accel/accel0', O_RDWR | O_CLOEXEC) };
}


const entry = (e: Partial<ReturnType<typeof qaic_attach_slice_entry.decode>>): ReturnType<typeof qaic_attach_slice_entry.decode> =>
  qaic_attach_slice_entry.decode(qaic_attach_slice_entry.encode(e));

describe('sim:qaic model', () => {
  it('opens many times: qaic_open only needs the device online', () => {
    const m = bootSimMachine(['qaic']);
    const fds = [0, 1, 2].map(() => m.sys.open('/dev/accel/accel0', O_RDWR | O_CLOEXEC));
    expect(new Set(fds).size).to.equal(3);
  });

  it('CREATE_BO: PAGE_ALIGN in size_t, pad first, then size; ENOMEM for what the host will not back', () => {
    const { sys, fd } = boot();
    expect(pageAlign(1n)).to.equal(4096n);
    expect(pageAlign((1n << 64n) - 4095n)).to.equal(0n);
    const req = QAIC_IOCTL.CREATE_BO.request;
    expect(errnoOf(() => sys.ioctl(fd, req, qaic_create_bo.encode({ size: 0n, pad: 1 })))).to.equal('EINVAL');
    expect(errnoOf(() => sys.ioctl(fd, req, qaic_create_bo.encode({ size: (1n << 64n) - 1n })))).to.equal('EINVAL');
    expect(errnoOf(() => sys.ioctl(fd, req, qaic_create_bo.encode({ size: 1n << 40n })))).to.equal('ENOMEM');
    expect(createBo(sys, fd, 4096)).to.equal(1);
  });

  it('qaic_validate_req: doorbell length, semaphores, offset + size in the BO without wrapping', () => {
    const ok = entry({ size: 4096n, offset: 0n, db_len: 32 });
    expect(validateReq([ok], 4096n)).to.equal(true);
    expect(validateReq([entry({ ...ok, db_len: 24 })], 4096n)).to.equal(false);
    expect(validateReq([entry({ ...ok, sem0: { val: 0x1000, index: 0, presync: 0, cmd: 0, flags: 0, pad: 0 } })], 4096n)).to.equal(false);
    expect(validateReq([entry({ ...ok, sem2: { val: 0, index: 0, presync: 2, cmd: 0, flags: 0, pad: 0 } })], 4096n)).to.equal(false);
    expect(validateReq([entry({ ...ok, sem3: { val: 0, index: 0, presync: 0, cmd: 7, flags: 0, pad: 0 } })], 4096n)).to.equal(false);
    expect(validateReq([entry({ ...ok, offset: 1n })], 4096n)).to.equal(false);
    // offset + size wraps to 4096: refused since "Fix integer overflow in qaic_validate_req()", accepted before.
    const wrapping = entry({ ...ok, offset: (1n << 64n) - 4096n, size: 8192n });
    expect(validateReq([wrapping], 8192n)).to.equal(false);
    expect(validateReq([wrapping], 8192n, true)).to.equal(true);
  });

  it('WAIT_BO: pad, dbc_id, then EPERM on a channel nobody activated', () => {
    const { sys, fd } = boot();
    const bo = createBo(sys, fd, 4096);
    const wait = (a: { handle: number; dbc_id: number; pad?: number }): string => errnoOf(() => sys.ioctl(fd, QAIC_IOCTL.WAIT_BO.request, qaic_wait.encode(a)));
    expect(wait({ handle: bo, dbc_id: 0, pad: 1 })).to.equal('EINVAL');
    expect(wait({ handle: bo, dbc_id: 16 })).to.equal('EINVAL');
    expect(wait({ handle: 42, dbc_id: 3 })).to.equal('EPERM');
    const defective = boot('qaic?defect=wait-unowned-ok');
    const h = createBo(defective.sys, defective.fd, 4096);
    expect(errnoOf(() => defective.sys.ioctl(defective.fd, QAIC_IOCTL.WAIT_BO.request, qaic_wait.encode({ handle: 42, dbc_id: 3 })))).to.equal('ENOENT');
    expect(errnoOf(() => defective.sys.ioctl(defective.fd, QAIC_IOCTL.WAIT_BO.request, qaic_wait.encode({ handle: h, dbc_id: 3 })))).to.equal('ok');
  });

  it('PERF_STATS_BO: dbc_id, then the entries, each BO looked up and required sliced', () => {
    const { sys, fd } = boot();
    const bo = createBo(sys, fd, 4096);
    const mem = sys.alloc(24);
    mem.bytes.writeUInt32LE(bo, 0);
    const stats = (count: number, dbc: number, data: bigint): string =>
      errnoOf(() => sys.ioctl(fd, QAIC_IOCTL.PERF_STATS_BO.request, qaic_perf_stats.encode({ hdr: { count, pad: 0, dbc_id: dbc }, data })));
    expect(stats(1, 16, 0x10n)).to.equal('EINVAL');
    expect(stats(1, 0, 0x10n)).to.equal('EFAULT');
    expect(stats(1, 0, mem.address)).to.equal('EINVAL');
    expect(stats(0, 0, 0n)).to.equal('ok');
    mem.bytes.writeUInt32LE(77, 0);
    expect(stats(1, 0, mem.address)).to.equal('ENOENT');
  });

  it('MANAGE: len and count limits and the copy, then encode_message refuses before any wait', () => {
    const { sys, fd } = boot();
    const mem = sys.alloc(4096);
    const manage = (len: number, count: number, data: bigint): string =>
      errnoOf(() => sys.ioctl(fd, QAIC_IOCTL.MANAGE.request, qaic_manage_msg.encode({ len, count, data })));
    const start = sys.monotonicNs();
    expect(manage(4097, 0, mem.address)).to.equal('EINVAL');
    expect(manage(16, 1, 0x10n)).to.equal('EFAULT');
    expect(manage(16, 513, mem.address)).to.equal('EINVAL');
    // A zeroed header: its len 0 is below sizeof(struct qaic_manage_trans_hdr).
    expect(manage(16, 1, mem.address)).to.equal('EINVAL');
    expect(sys.monotonicNs()).to.equal(start);
  });

  it('MANAGE: a message that encodes is sent and times out after control_resp_timeout_s, nothing written back', () => {
    for (const [spec, seconds] of [['qaic', 60n], ['qaic?control_resp_timeout_s=2', 2n]] as const) {
      const { sys, fd } = boot(spec);
      const mem = sys.alloc(16);
      // A status request (QAIC_TRANS_STATUS_FROM_USR) and an 8-byte passthrough.
      qaic_manage_trans_hdr.write(mem.bytes, 0, { type: QAIC_TRANS_STATUS_FROM_USR, len: 8 });
      qaic_manage_trans_hdr.write(mem.bytes, 8, { type: QAIC_TRANS_PASSTHROUGH_FROM_USR, len: 8 });
      const arg = qaic_manage_msg.encode({ len: 16, count: 2, data: mem.address });
      const start = sys.monotonicNs();
      expect(errnoOf(() => sys.ioctl(fd, QAIC_IOCTL.MANAGE.request, arg))).to.equal('ETIMEDOUT');
      expect(sys.monotonicNs() - start).to.equal(seconds * 1_000_000_000n);
      expect(qaic_manage_msg.decode(arg)).to.deep.include({ len: 16, count: 2 });
      expect(sys.fs.readFile('/sys/module/qaic/parameters/control_resp_timeout_s').toString().trim()).to.equal(String(seconds));
    }
  });

  it('MANAGE: a DMA transfer fills the wire message to 1 KiB short of 64 KiB; a passthrough after it is ENOSPC', () => {
    const { sys, fd } = boot();
    // 4000 pages, one scatterlist entry each: (65536 - 32 - 24 - 1024) / 16 = 4030 pairs would fit, so all go.
    const pages = 4000;
    const buf = sys.alloc(pages * 4096);
    const mem = sys.alloc(4096);
    const msg = (tail: number): bigint => {
      mem.bytes.fill(0);
      qaic_manage_trans_dma_xfer.write(mem.bytes, 0, { hdr: { type: QAIC_TRANS_DMA_XFER_FROM_USR, len: 32 }, tag: 0, pad: 0, addr: buf.address, size: BigInt(pages * 4096) });
      qaic_manage_trans_hdr.write(mem.bytes, 32, { type: QAIC_TRANS_PASSTHROUGH_FROM_USR, len: tail });
      return mem.address;
    };
    const manage = (tail: number): string =>
      errnoOf(() => sys.ioctl(fd, QAIC_IOCTL.MANAGE.request, qaic_manage_msg.encode({ len: 32 + tail, count: 2, data: msg(tail) })));
    // Wire: 32 + 24 + 4000 * 16 = 64056 bytes; 1480 more fit, 1488 do not.
    expect(manage(1480)).to.equal('ETIMEDOUT');
    expect(manage(1488)).to.equal('ENOSPC');
  });

  it('MMAP_BO of an imported BO: offset 0 (no drm_gem_create_mmap_offset in qaic_gem_prime_import)', () => {
    const { sys, fd } = boot();
    const bo = createBo(sys, fd, 4096);
    const prime = drm_prime_handle.encode({ handle: bo, flags: DRM_CLOEXEC | DRM_RDWR });
    sys.ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, prime);
    const imp = drm_prime_handle.encode({ fd: drm_prime_handle.decode(prime).fd });
    // Another file: the exporter's own prime cache would give back its handle.
    const other = sys.open('/dev/accel/accel0', O_RDWR | O_CLOEXEC);
    sys.ioctl(other, DRM_IOCTL_PRIME_FD_TO_HANDLE, imp);
    expect(mmapBoOffset(sys, other, drm_prime_handle.decode(imp).handle)).to.equal(0n);
    expect(mmapBoOffset(sys, fd, bo) > 0n).to.equal(true);
  });

  it('qaic_usrs: one ida across devices, the lowest free id reused after close', () => {
    const m = bootSimMachine(['qaic', 'qaic']);
    const users = (): number[] =>
      m.kernel.devices.flatMap((drm) => drm.files().map((f) => (f.driverPriv as QaicUser).handle));
    const a = m.sys.open('/dev/accel/accel0', O_RDWR | O_CLOEXEC);
    m.sys.open('/dev/accel/accel1', O_RDWR | O_CLOEXEC);
    expect(users().sort()).to.deep.equal([0, 1]);
    m.sys.close(a);
    m.sys.open('/dev/accel/accel1', O_RDWR | O_CLOEXEC);
    expect(users().sort()).to.deep.equal([0, 1]);
  });
});

describe('sim:qaic slicing arithmetic (BOs past 2 GiB, no host memory)', () => {
  const GiB = 1n << 30n;
  const MiB = 1n << 20n;

  it('create_sgt: 4 MiB chunks, the last one trimmed to the BO', () => {
    const lengths = sgtLengths(3n * GiB + 20480n);
    expect(lengths.length).to.equal(769);
    expect(lengths[0]).to.equal(4n * MiB);
    expect(lengths[768]).to.equal(20480n);
    expect(lengths.reduce((a, b) => a + b, 0n)).to.equal(3n * GiB + 20480n);
  });

  it('a slice past 2 GiB starts in the right entry; the 32-bit running total of the >2G bug loses it', () => {
    const lengths = sgtLengths(3n * GiB);
    const offset = 2n * GiB + 512n * MiB + 4096n;
    expect(sliceRange(lengths, offset, 8192n)).to.deep.equal({ first: 640, firstOffset: 4096n, last: 640, lastOffset: 12288n });
    // Below 2 GiB both agree.
    expect(sliceRange(lengths, GiB, 4096n, true)).to.deep.equal(sliceRange(lengths, GiB, 4096n));
    // Past it the pre-fix counters overflow at entry 511, whose end (2 GiB) wraps negative: the slice is
    // placed in entry 511 at an offset beyond its 4 MiB, pages that are not the BO's (the data corruption).
    const wrong = sliceRange(lengths, offset, 8192n, true);
    expect(wrong?.first).to.equal(511);
    expect((wrong?.firstOffset ?? 0n) > lengths[511]).to.equal(true);
  });
});
