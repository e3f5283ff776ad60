import { expect } from 'chai';
import {
  MAP_PRIVATE,
  MAP_SHARED,
  O_EXCL,
  O_RDWR,
  POLLIN,
  PROT_READ,
  PROT_WRITE,
  SEEK_CUR,
  SEEK_END,
  SEEK_SET,
} from '../../../../harness/sys/constants';
import { SysError } from '../../../../harness/sys/errno';
import { IOC, IOC_NONE, IOWR } from '../../../../harness/uapi/ioctl';
import type { ValueOfStruct } from '../../../../harness/uapi/layout';
import * as drm from '../../../../harness/uapi/drm';
import { DMA_BUF_IOCTL_SYNC, DMA_BUF_SYNC_END, DMA_BUF_SYNC_READ, DMA_BUF_SYNC_RW, dma_buf_sync } from '../../../../harness/uapi/dma-buf';
import { createSimSys } from '../../sys';
import { NS_PER_MS } from '../clock';
import { expectErrno, expectErrnoAsync, io, rig, ROOT } from '../testing/helpers';
import { makeTestDriver, TEST_IOCTL_SIGNAL_LATER, test_signal_later } from '../testing/test-driver';
import { DRIVER_COMPUTE_ACCEL, DRIVER_GEM, DRIVER_MODESET, DRIVER_RENDER } from './driver';
import type { SimSys } from '../../sys';

const {
  DRM_IOCTL_VERSION,
  DRM_IOCTL_GET_CAP,
  DRM_IOCTL_GEM_CLOSE,
  DRM_IOCTL_GEM_FLINK,
  DRM_IOCTL_GEM_OPEN,
  DRM_IOCTL_PRIME_HANDLE_TO_FD,
  DRM_IOCTL_PRIME_FD_TO_HANDLE,
  drm_get_cap,
  drm_gem_close,
  drm_prime_handle,
  drm_version,
} = drm;

function versionStrings(sys: SimSys, fd: number): { name: string; date: string; desc: string } {
  const lens = io(sys, fd, DRM_IOCTL_VERSION, drm_version, {});
  const bufs = [lens.name_len, lens.date_len, lens.desc_len].map((n) => sys.alloc(Number(n)));
  const [n, d, s] = bufs as [ReturnType<SimSys['alloc']>, ReturnType<SimSys['alloc']>, ReturnType<SimSys['alloc']>];
  io(sys, fd, DRM_IOCTL_VERSION, drm_version, {
    name_len: lens.name_len,
    name: n.address,
    date_len: lens.date_len,
    date: d.address,
    desc_len: lens.desc_len,
    desc: s.address,
  });
  return { name: n.bytes.toString(), date: d.bytes.toString(), desc: s.bytes.toString() };
}

const cap = (sys: SimSys, fd: number, c: bigint): bigint => io(sys, fd, DRM_IOCTL_GET_CAP, drm_get_cap, { capability: c }).value;
const exportFd = (sys: SimSys, fd: number, handle: number, flags = drm.DRM_CLOEXEC | drm.DRM_RDWR): number =>
  io(sys, fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, drm_prime_handle, { handle, flags }).fd;
const importFd = (sys: SimSys, fd: number, dmaFd: number): number =>
  io(sys, fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, drm_prime_handle, { fd: dmaFd }).handle;
const gemClose = (sys: SimSys, fd: number, handle: number): void => void io(sys, fd, DRM_IOCTL_GEM_CLOSE, drm_gem_close, { handle });

describe('DRM core: registration and open (drm_drv.c, drm_file.c, drm_accel.c)', () => {
  // Formerly the conformance test accel@feature-flags@sim-rejects-accel-render: a rule of the simulator, not of a driver.
  for (const [what, extra] of [
    ['DRIVER_RENDER', DRIVER_RENDER],
    ['DRIVER_MODESET', DRIVER_MODESET],
  ] as const) {
    it(`refuses DRIVER_COMPUTE_ACCEL with ${what} (drm_dev_init: EINVAL)`, () => {
      const { k } = rig();
      expect(() =>
        k.registerDrmDriver(makeTestDriver(undefined, DRIVER_COMPUTE_ACCEL | extra | DRIVER_GEM), {
          module: 'x',
          params: {},
          parentName: 'x.0',
          defects: new Set(),
        }),
      ).to.throw(SysError, /EINVAL/);
    });
  }

  it('allocates accel minors in order', () => {
    const { k, sys } = rig();
    const dev = k.registerDrmDriver(makeTestDriver(), { module: 'testaccel', params: {}, parentName: 'testaccel.1', defects: new Set() });
    expect(dev.accelIndex).to.equal(1);
    expect(sys.fs.readdir('/sys/class/accel').sort()).to.deep.equal(['accel0', 'accel1']);
    expect(sys.fs.stat('/dev/accel/accel1').rdevMinor).to.equal(1);
  });

  it('refuses O_EXCL with EBUSY (drm_open_helper)', () => {
    const { open, log } = rig();
    expectErrno('EBUSY', () => open(O_RDWR | O_EXCL));
    expect(log.opens).to.equal(0);
  });

  it('fails open(2) with the errno of the driver open and leaves nothing behind', () => {
    const { k, sys } = rig();
    const d = makeTestDriver();
    k.registerDrmDriver(
      {
        ...d,
        name: 'busyaccel',
        open() {
          throw SysError.of('EAGAIN', 'open');
        },
      },
      { module: 'busy', params: {}, parentName: 'busy.0', defects: new Set() },
    );
    expectErrno('EAGAIN', () => sys.open('/dev/accel/accel1', O_RDWR));
    expect(k.stats().files).to.equal(0);
  });
});

describe('DRM core: drm_ioctl dispatch (drm_ioctl.c)', () => {
  it('gives ENOTTY for a request of another type', () => {
    const { sys, open } = rig();
    expectErrno('ENOTTY', () => sys.ioctl(open(), IOWR('e', 0x00, drm_version.size), drm_version.encode({})));
  });

  it('gives EINVAL for unknown numbers in the core and driver ranges', () => {
    const { sys, open } = rig();
    const fd = open();
    expectErrno('EINVAL', () => sys.ioctl(fd, IOWR('d', 0x03, 8), Buffer.alloc(8))); // empty core slot
    expectErrno('EINVAL', () => sys.ioctl(fd, IOWR('d', 0xf0, 8), Buffer.alloc(8))); // beyond DRM_CORE_IOCTL_COUNT
    expectErrno('EINVAL', () => sys.ioctl(fd, IOWR('d', drm.DRM_COMMAND_BASE + 2, 8), Buffer.alloc(8))); // beyond num_ioctls
  });

  it('accepts a short struct: copies in what was given, zero-fills the rest, copies out the user size', () => {
    const { sys, open } = rig();
    const b = Buffer.alloc(12, 0xee);
    sys.ioctl(open(), IOWR('d', 0x00, 12), b);
    expect([b.readInt32LE(0), b.readInt32LE(4), b.readInt32LE(8)]).to.deep.equal([1, 2, 3]);
  });

  it('accepts a long struct and hands the extra bytes back unchanged', () => {
    const { sys, open } = rig();
    const b = Buffer.alloc(32, 0xab);
    drm_get_cap.write(b, 0, { capability: drm.DRM_CAP_TIMESTAMP_MONOTONIC, value: 0n });
    sys.ioctl(open(), IOWR('d', 0x0c, 32), b);
    expect(drm_get_cap.decode(b).value).to.equal(1n);
    expect(b.subarray(16).every((x) => x === 0xab)).to.equal(true);
  });

  it('copies in and out only in the directions both the request and the kernel declare', () => {
    const { sys, open } = rig();
    const b = drm_get_cap.encode({ capability: drm.DRM_CAP_TIMESTAMP_MONOTONIC });
    // No IOC_IN: the kernel sees capability 0 (not a known cap) and no copy-out happens.
    expectErrno('EOPNOTSUPP', () => sys.ioctl(open(), IOC(IOC_NONE, 0x64, 0x0c, 16), b));
    expect(drm_get_cap.decode(b).value).to.equal(0n);
  });

  it('copies the struct out even when the handler fails (MODE_CREATE_DUMB zeroes its outputs)', () => {
    const { sys, open } = rig();
    const b = drm.drm_mode_create_dumb.encode({ width: 64, height: 64, bpp: 32, handle: 7, pitch: 9, size: 11n });
    expectErrno('ENOSYS', () => sys.ioctl(open(), drm.DRM_IOCTL_MODE_CREATE_DUMB, b));
    const v = drm.drm_mode_create_dumb.decode(b);
    expect([v.handle, v.pitch, v.size]).to.deep.equal([0, 0, 0n]);
  });

  it('VERSION: the two-call length protocol; date is "0" as in mainline', () => {
    const { sys, open } = rig();
    expect(versionStrings(sys, open())).to.deep.equal({ name: 'testaccel', date: '0', desc: 'Core self-test accelerator' });
    const short = sys.alloc(4);
    const v = io(sys, open(), DRM_IOCTL_VERSION, drm_version, { name_len: 4n, name: short.address });
    expect(short.bytes.toString()).to.equal('test');
    expect(v.name_len).to.equal(9n);
  });

  it('GET_CAP: monotonic, PRIME, syncobj by feature, EOPNOTSUPP for KMS caps', () => {
    const { sys, open } = rig();
    const fd = open();
    expect(cap(sys, fd, drm.DRM_CAP_TIMESTAMP_MONOTONIC)).to.equal(1n);
    expect(cap(sys, fd, drm.DRM_CAP_PRIME)).to.equal(drm.DRM_PRIME_CAP_IMPORT | drm.DRM_PRIME_CAP_EXPORT);
    expect(cap(sys, fd, drm.DRM_CAP_SYNCOBJ)).to.equal(1n);
    expect(cap(sys, fd, drm.DRM_CAP_SYNCOBJ_TIMELINE)).to.equal(0n);
    expectErrno('EOPNOTSUPP', () => cap(sys, fd, drm.DRM_CAP_DUMB_BUFFER));
    expectErrno('EOPNOTSUPP', () => io(sys, fd, drm.DRM_IOCTL_SET_CLIENT_CAP, drm.drm_set_client_cap, { capability: 1n, value: 1n }));
  });

  it('KMS: EOPNOTSUPP without DRIVER_MODESET, EACCES for DRM_MASTER ones, ENOSYS for dumb buffers', () => {
    const { sys, open } = rig();
    const fd = open();
    expectErrno('EOPNOTSUPP', () => io(sys, fd, drm.DRM_IOCTL_MODE_GETRESOURCES, drm.drm_mode_card_res, {}));
    expectErrno('EACCES', () => sys.ioctl(fd, IOWR('d', 0xa2, 104), Buffer.alloc(104))); // MODE_SETCRTC
    expectErrno('ENOSYS', () => io(sys, fd, drm.DRM_IOCTL_MODE_MAP_DUMB, drm.drm_mode_map_dumb, { handle: 1 }));
    expectErrno('ENOSYS', () => io(sys, fd, drm.DRM_IOCTL_MODE_DESTROY_DUMB, drm.drm_mode_destroy_dumb, { handle: 1 }));
  });

  it('an accel file is never master: SET/DROP_MASTER are EACCES, EINVAL for root; MASTER ioctls EACCES', () => {
    const { k, sys, open } = rig();
    const fd = open();
    expectErrno('EACCES', () => sys.ioctl(fd, drm.DRM_IOCTL_SET_MASTER));
    expectErrno('EACCES', () => sys.ioctl(fd, drm.DRM_IOCTL_DROP_MASTER));
    expectErrno('EACCES', () => io(sys, fd, drm.DRM_IOCTL_AUTH_MAGIC, drm.drm_auth, { magic: 1 }));
    const root = createSimSys(k, ROOT);
    const rfd = root.open('/dev/accel/accel0', O_RDWR);
    expectErrno('EINVAL', () => root.ioctl(rfd, drm.DRM_IOCTL_SET_MASTER));
    expectErrno('EINVAL', () => root.ioctl(rfd, drm.DRM_IOCTL_DROP_MASTER));
    expectErrno('EACCES', () => io(root, rfd, drm.DRM_IOCTL_AUTH_MAGIC, drm.drm_auth, { magic: 1 }));
  });
});

describe('DRM core: GEM handles and mmap (drm_gem.c, drm_vma_manager.c)', () => {
  it('hands out the lowest free handle from 1, per file', () => {
    const { sys, open, gem } = rig();
    const a = open();
    const b = open();
    expect([gem(a).handle, gem(a).handle, gem(a).handle]).to.deep.equal([1, 2, 3]);
    gemClose(sys, a, 2);
    expect(gem(a).handle).to.equal(2);
    expect(gem(b).handle).to.equal(1);
  });

  it('GEM_CLOSE: EINVAL for unknown handles, handle 0, twice, and another file\'s handle', () => {
    const { sys, open, gem } = rig();
    const a = open();
    const b = open();
    const { handle } = gem(a);
    expectErrno('EINVAL', () => gemClose(sys, a, 0));
    expectErrno('EINVAL', () => gemClose(sys, a, 99));
    expectErrno('EINVAL', () => gemClose(sys, b, handle));
    gemClose(sys, a, handle);
    expectErrno('EINVAL', () => gemClose(sys, a, handle));
  });

  it('closing the file drops every handle and object', () => {
    const { k, sys, open, gem } = rig();
    const fd = open();
    gem(fd);
    gem(fd, 8192);
    expect(k.stats().gemObjects).to.equal(2);
    sys.close(fd);
    const s = k.stats();
    expect([s.gemObjects, s.devices[0]?.mmapOffsets, s.bugs.length]).to.deep.equal([0, 0, 0]);
  });

  it('maps through the fake offset; fake offsets start at DRM_FILE_PAGE_OFFSET_START', () => {
    const { sys, open, gem } = rig();
    const fd = open();
    const { offset } = gem(fd, 8192);
    expect(offset).to.equal(0x100000000n);
    const m = sys.mmap(fd, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, offset);
    expect(m.bytes.length).to.equal(8192);
    expect(m.bytes.every((x) => x === 0)).to.equal(true);
  });

  it('mmap: EACCES without a handle, EINVAL for unknown or inner offsets, too long or private mappings', () => {
    const { sys, open, gem } = rig();
    const a = open();
    const b = open();
    const { offset } = gem(a, 8192);
    expectErrno('EACCES', () => sys.mmap(b, 4096, PROT_READ, MAP_SHARED, offset));
    expectErrno('EINVAL', () => sys.mmap(a, 4096, PROT_READ, MAP_SHARED, offset + 0x100000n));
    expectErrno('EINVAL', () => sys.mmap(a, 4096, PROT_READ, MAP_SHARED, offset + 4096n));
    expectErrno('EINVAL', () => sys.mmap(a, 3 * 4096, PROT_READ, MAP_SHARED, offset));
    expectErrno('EINVAL', () => sys.mmap(a, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, offset));
    expectErrno('EINVAL', () => sys.mmap(a, 4096, PROT_READ, MAP_SHARED, offset + 1n));
  });

  it('a mapping outlives GEM_CLOSE and the fd: the memory stays valid until munmap', () => {
    const { k, sys, open, gem } = rig();
    const fd = open();
    const { handle, offset } = gem(fd);
    const m = sys.mmap(fd, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, offset);
    m.bytes.fill(0x5a);
    gemClose(sys, fd, handle);
    sys.close(fd);
    expect(k.stats().gemObjects).to.equal(1);
    expect(m.bytes.every((x) => x === 0x5a)).to.equal(true);
    sys.munmap(m);
    expect(k.stats().gemObjects).to.equal(0);
    expect(k.stats().files).to.equal(0);
  });

  it('FLINK/OPEN are DRM_AUTH: EACCES unless the opener is root; root shares by name', () => {
    const { k, sys, open, gem } = rig();
    const fd = open();
    const { handle } = gem(fd);
    expectErrno('EACCES', () => io(sys, fd, DRM_IOCTL_GEM_FLINK, drm.drm_gem_flink, { handle }));
    expectErrno('EACCES', () => io(sys, fd, DRM_IOCTL_GEM_OPEN, drm.drm_gem_open, { name: 1 }));
    const root = createSimSys(k, ROOT);
    const r1 = root.open('/dev/accel/accel0', O_RDWR);
    const r2 = root.open('/dev/accel/accel0', O_RDWR);
    const h = gem(r1, 8192, root).handle;
    const { name } = io(root, r1, DRM_IOCTL_GEM_FLINK, drm.drm_gem_flink, { handle: h });
    expect(name).to.equal(1);
    expect(io(root, r1, DRM_IOCTL_GEM_FLINK, drm.drm_gem_flink, { handle: h }).name).to.equal(1);
    const opened = io(root, r2, DRM_IOCTL_GEM_OPEN, drm.drm_gem_open, { name });
    expect([opened.handle, opened.size]).to.deep.equal([1, 8192n]);
    expectErrno('ENOENT', () => io(root, r2, DRM_IOCTL_GEM_OPEN, drm.drm_gem_open, { name: 42 }));
    expectErrno('ENOENT', () => io(root, r1, DRM_IOCTL_GEM_FLINK, drm.drm_gem_flink, { handle: 42 }));
    // The name goes with the last handle.
    gemClose(root, r1, h);
    gemClose(root, r2, opened.handle);
    expectErrno('ENOENT', () => io(root, r2, DRM_IOCTL_GEM_OPEN, drm.drm_gem_open, { name }));
    expect(k.stats().gemObjects).to.equal(1);
  });
});

describe('DRM core: PRIME and dma-buf (drm_prime.c, dma-buf.c)', () => {
  it('exports one dma-buf per object and imports it back as the same handle', () => {
    const { sys, open, gem } = rig();
    const a = open();
    const b = open();
    const { handle } = gem(a);
    const d1 = exportFd(sys, a, handle);
    const d2 = exportFd(sys, a, handle);
    expect(d2).to.not.equal(d1);
    expect(sys.fstat(d1).ino).to.equal(sys.fstat(d2).ino);
    expect(importFd(sys, a, d1)).to.equal(handle);
    const hb = importFd(sys, b, d1);
    expect(importFd(sys, b, d2)).to.equal(hb);
    // Same memory from both files.
    const ma = sys.mmap(d1, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, 0n);
    ma.bytes[10] = 99;
    const mb = sys.mmap(d2, 4096, PROT_READ, MAP_SHARED, 0n);
    expect(mb.bytes[10]).to.equal(99);
  });

  it('checks flags (EINVAL), handles (ENOENT) and fds (EBADF, EINVAL for a non-dma-buf)', () => {
    const { sys, open, gem } = rig();
    const fd = open();
    const { handle } = gem(fd);
    expectErrno('EINVAL', () => exportFd(sys, fd, handle, 0x1000));
    expectErrno('ENOENT', () => exportFd(sys, fd, 77));
    const [r, w] = sys.pipe();
    expectErrno('EINVAL', () => importFd(sys, fd, r));
    sys.close(w);
    sys.close(r);
    expectErrno('EBADF', () => importFd(sys, fd, r));
  });

  it('honours DRM_CLOEXEC and DRM_RDWR on the new fd', () => {
    const { sys, open, gem } = rig();
    const fd = open();
    const { handle } = gem(fd);
    const ro = exportFd(sys, fd, handle, 0);
    expect(sys.fcntl(ro, 1 /* F_GETFD */)).to.equal(0);
    expectErrno('EACCES', () => sys.mmap(ro, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, 0n));
    const other = open();
    const rw = exportFd(sys, other, importFd(sys, other, ro), drm.DRM_CLOEXEC);
    expect(sys.fcntl(rw, 1)).to.equal(1);
  });

  it('dma_buf_llseek: SEEK_END(0) is the size, SEEK_SET(0) is 0, anything else EINVAL', () => {
    const { sys, open, gem } = rig();
    const fd = open();
    const dfd = exportFd(sys, fd, gem(fd, 3 * 4096).handle);
    expect(sys.lseek(dfd, 0n, SEEK_END)).to.equal(3n * 4096n);
    expect(sys.lseek(dfd, 0n, SEEK_SET)).to.equal(0n);
    expectErrno('EINVAL', () => sys.lseek(dfd, 1n, SEEK_SET));
    expectErrno('EINVAL', () => sys.lseek(dfd, -1n, SEEK_END));
    expectErrno('EINVAL', () => sys.lseek(dfd, 0n, SEEK_CUR));
    expect(sys.fstat(dfd).size).to.equal(3n * 4096n);
  });

  it('DMA_BUF_IOCTL_SYNC checks its flags; other requests are ENOTTY', () => {
    const { sys, open, gem } = rig();
    const fd = open();
    const dfd = exportFd(sys, fd, gem(fd).handle);
    sys.ioctl(dfd, DMA_BUF_IOCTL_SYNC, dma_buf_sync.encode({ flags: DMA_BUF_SYNC_RW }));
    sys.ioctl(dfd, DMA_BUF_IOCTL_SYNC, dma_buf_sync.encode({ flags: DMA_BUF_SYNC_READ | DMA_BUF_SYNC_END }));
    expectErrno('EINVAL', () => sys.ioctl(dfd, DMA_BUF_IOCTL_SYNC, dma_buf_sync.encode({ flags: DMA_BUF_SYNC_READ | 0x10n })));
    expectErrno('EINVAL', () => sys.ioctl(dfd, DMA_BUF_IOCTL_SYNC, dma_buf_sync.encode({ flags: 0n })));
    expectErrno('ENOTTY', () => sys.ioctl(dfd, IOWR('b', 0, 16), Buffer.alloc(16)));
    expectErrno('EINVAL', () => sys.mmap(dfd, 8192, PROT_READ, MAP_SHARED, 0n));
  });

  it('keeps the object alive after every handle and the exporting file close', () => {
    const { k, sys, open, gem } = rig();
    const fd = open();
    const { handle, offset } = gem(fd);
    const m = sys.mmap(fd, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, offset);
    m.bytes.fill(7);
    sys.munmap(m);
    const dfd = exportFd(sys, fd, handle);
    gemClose(sys, fd, handle);
    sys.close(fd);
    expect(k.stats().gemObjects).to.equal(1);
    const dm = sys.mmap(dfd, 4096, PROT_READ, MAP_SHARED, 0n);
    expect(dm.bytes.every((x) => x === 7)).to.equal(true);
    const fd2 = open();
    const h2 = importFd(sys, fd2, dfd);
    expect(h2).to.equal(1);
    sys.close(dfd);
    sys.munmap(dm);
    sys.close(fd2);
    const s = k.stats();
    expect([s.files, s.gemObjects, s.dmaBufs, s.vmas, s.bugs.length]).to.deep.equal([0, 0, 0, 0, 0]);
  });

  it('imports across two devices of the same kernel: a new object over the same memory', () => {
    const { k, sys, open, gem } = rig();
    k.registerDrmDriver(makeTestDriver(), { module: 'testaccel', params: {}, parentName: 'testaccel.1', defects: new Set() });
    const a = open();
    const b = sys.open('/dev/accel/accel1', O_RDWR);
    const { handle, offset } = gem(a);
    const dfd = exportFd(sys, a, handle);
    const hb = importFd(sys, b, dfd);
    expect(importFd(sys, b, dfd)).to.equal(hb);
    expect(k.stats().devices.map((d) => d.gemObjects)).to.deep.equal([1, 1]);
    const ma = sys.mmap(a, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, offset);
    ma.bytes[0] = 42;
    // Re-exporting the import gives back the original dma-buf.
    const again = exportFd(sys, b, hb);
    expect(sys.fstat(again).ino).to.equal(sys.fstat(dfd).ino);
    sys.munmap(ma);
    for (const fd of [a, b, dfd, again]) sys.close(fd);
    const s = k.stats();
    expect([s.files, s.gemObjects, s.dmaBufs, s.bugs.length]).to.deep.equal([0, 0, 0, 0]);
  });
});

describe('DRM core: syncobj (drm_syncobj.c)', () => {
  const create = (sys: SimSys, fd: number, flags = 0): number => io(sys, fd, drm.DRM_IOCTL_SYNCOBJ_CREATE, drm.drm_syncobj_create, { flags }).handle;
  const handles = (sys: SimSys, hs: number[]): bigint => {
    const m = sys.alloc(4 * hs.length);
    hs.forEach((h, i) => m.bytes.writeUInt32LE(h, i * 4));
    return m.address;
  };
  const wait = (sys: SimSys, fd: number, hs: number[], timeout: bigint, flags = 0): ValueOfStruct<typeof drm.drm_syncobj_wait> =>
    io(sys, fd, drm.DRM_IOCTL_SYNCOBJ_WAIT, drm.drm_syncobj_wait, {
      handles: handles(sys, hs),
      count_handles: hs.length,
      timeout_nsec: timeout,
      flags,
    });

  it('creates (lowest handle from 1), checks flags and pad, destroys', () => {
    const { sys, open } = rig();
    const fd = open();
    expect(create(sys, fd)).to.equal(1);
    expect(create(sys, fd, drm.DRM_SYNCOBJ_CREATE_SIGNALED)).to.equal(2);
    expectErrno('EINVAL', () => create(sys, fd, 2));
    expectErrno('EINVAL', () => io(sys, fd, drm.DRM_IOCTL_SYNCOBJ_DESTROY, drm.drm_syncobj_destroy, { handle: 1, pad: 1 }));
    io(sys, fd, drm.DRM_IOCTL_SYNCOBJ_DESTROY, drm.drm_syncobj_destroy, { handle: 1 });
    expectErrno('EINVAL', () => io(sys, fd, drm.DRM_IOCTL_SYNCOBJ_DESTROY, drm.drm_syncobj_destroy, { handle: 1 }));
    expect(create(sys, fd)).to.equal(1);
  });

  it('wait: 0 handles is 0, bad flags EINVAL, no fence EINVAL, unknown handle ENOENT', () => {
    const { sys, open } = rig();
    const fd = open();
    const h = create(sys, fd);
    expect(io(sys, fd, drm.DRM_IOCTL_SYNCOBJ_WAIT, drm.drm_syncobj_wait, { count_handles: 0 }).count_handles).to.equal(0);
    expectErrno('EINVAL', () => wait(sys, fd, [h], 0n, 1 << 7));
    expectErrno('EINVAL', () => wait(sys, fd, [h], 0n));
    expectErrno('ENOENT', () => wait(sys, fd, [h, 55], 0n));
    expectErrno('EFAULT', () => io(sys, fd, drm.DRM_IOCTL_SYNCOBJ_WAIT, drm.drm_syncobj_wait, { handles: 8n, count_handles: 1 }));
    expectErrno('ETIME', () => wait(sys, fd, [h], 0n, drm.DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT));
  });

  it('wait: absolute timeouts on the virtual clock, ETIME on expiry, first_signaled', () => {
    const { sys, open } = rig();
    const fd = open();
    const h = create(sys, fd);
    const done = create(sys, fd, drm.DRM_SYNCOBJ_CREATE_SIGNALED);
    io(sys, fd, TEST_IOCTL_SIGNAL_LATER, test_signal_later, { syncobj: h, delay_ms: 100 });
    const t0 = sys.monotonicNs();
    expectErrno('ETIME', () => wait(sys, fd, [h], t0 + 50n * NS_PER_MS));
    expect(sys.monotonicNs()).to.equal(t0 + 50n * NS_PER_MS);
    expectErrno('ETIME', () => wait(sys, fd, [h, done], t0, drm.DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL));
    expect(wait(sys, fd, [h, done], 0n).first_signaled).to.equal(1);
    expect(wait(sys, fd, [h], t0 + 500n * NS_PER_MS).first_signaled).to.equal(0);
    expect(sys.monotonicNs()).to.equal(t0 + 100n * NS_PER_MS);
  });

  it('wait: a practically infinite timeout with nothing to signal gives up without moving time', () => {
    const { sys, open } = rig();
    const fd = open();
    io(sys, fd, TEST_IOCTL_SIGNAL_LATER, test_signal_later, { syncobj: create(sys, fd), delay_ms: 1 });
    const h = create(sys, fd);
    io(sys, fd, drm.DRM_IOCTL_SYNCOBJ_RESET, drm.drm_syncobj_array, { handles: handles(sys, [h]), count_handles: 1 });
    const t0 = sys.monotonicNs();
    expectErrno('ETIME', () => wait(sys, fd, [h], (1n << 63n) - 1n, drm.DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT));
    expect(sys.monotonicNs() - t0 <= 1n * NS_PER_MS).to.equal(true);
  });

  it('wait (async): resolves when the fence signals; WAIT_FOR_SUBMIT picks up a later fence', async () => {
    const { sys, open } = rig();
    const fd = open();
    const h = create(sys, fd);
    const t0 = sys.monotonicNs();
    const b = drm.drm_syncobj_wait.encode({
      handles: handles(sys, [h]),
      count_handles: 1,
      timeout_nsec: t0 + 1000n * NS_PER_MS,
      flags: drm.DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
    });
    const p = sys.ioctlAsync(fd, drm.DRM_IOCTL_SYNCOBJ_WAIT, b);
    await sys.sleepMs(10);
    io(sys, fd, TEST_IOCTL_SIGNAL_LATER, test_signal_later, { syncobj: h, delay_ms: 30 });
    expect(await p).to.equal(0);
    expect(sys.monotonicNs()).to.equal(t0 + 40n * NS_PER_MS);
    const late = drm.drm_syncobj_wait.encode({ handles: handles(sys, [create(sys, fd)]), count_handles: 1, timeout_nsec: sys.monotonicNs() + 5n * NS_PER_MS, flags: drm.DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT });
    await expectErrnoAsync('ETIME', sys.ioctlAsync(fd, drm.DRM_IOCTL_SYNCOBJ_WAIT, late));
  });

  it('reset and signal: pad and count checks, ENOENT for unknown handles', () => {
    const { sys, open } = rig();
    const fd = open();
    const h = create(sys, fd);
    const arr = (hs: number[], pad = 0): Partial<ValueOfStruct<typeof drm.drm_syncobj_array>> => ({ handles: handles(sys, hs), count_handles: hs.length, pad });
    expectErrno('EINVAL', () => io(sys, fd, drm.DRM_IOCTL_SYNCOBJ_SIGNAL, drm.drm_syncobj_array, arr([h], 1)));
    expectErrno('EINVAL', () => io(sys, fd, drm.DRM_IOCTL_SYNCOBJ_SIGNAL, drm.drm_syncobj_array, arr([])));
    expectErrno('ENOENT', () => io(sys, fd, drm.DRM_IOCTL_SYNCOBJ_RESET, drm.drm_syncobj_array, arr([h, 9])));
    io(sys, fd, drm.DRM_IOCTL_SYNCOBJ_SIGNAL, drm.drm_syncobj_array, arr([h]));
    expect(wait(sys, fd, [h], 0n).first_signaled).to.equal(0);
    io(sys, fd, drm.DRM_IOCTL_SYNCOBJ_RESET, drm.drm_syncobj_array, arr([h]));
    expectErrno('EINVAL', () => wait(sys, fd, [h], 0n));
  });

  it('handle <-> fd: shares the syncobj between files; flags, pad and fd checks', () => {
    const { k, sys, open } = rig();
    const a = open();
    const b = open();
    const h = create(sys, a);
    const H = drm.drm_syncobj_handle;
    const sfd = io(sys, a, drm.DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, H, { handle: h }).fd;
    expect(sys.fcntl(sfd, 1)).to.equal(1);
    const hb = io(sys, b, drm.DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, H, { fd: sfd }).handle;
    io(sys, b, drm.DRM_IOCTL_SYNCOBJ_SIGNAL, drm.drm_syncobj_array, { handles: handles(sys, [hb]), count_handles: 1 });
    expect(wait(sys, a, [h], 0n).first_signaled).to.equal(0);
    expectErrno('EINVAL', () => io(sys, a, drm.DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, H, { handle: h, pad: 1 }));
    expectErrno('EINVAL', () => io(sys, a, drm.DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, H, { handle: h, flags: 4 }));
    expectErrno('EINVAL', () => io(sys, a, drm.DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, H, { handle: 42 }));
    expectErrno('EINVAL', () => io(sys, a, drm.DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, H, { fd: a }));
    expectErrno('EINVAL', () => io(sys, a, drm.DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, H, { fd: 99 }));
    // sync_file export needs a fence; the sync_file polls readable once signalled.
    const fresh = create(sys, a);
    const EXPORT = drm.DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE;
    expectErrno('EINVAL', () => io(sys, a, drm.DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, H, { handle: fresh, flags: EXPORT }));
    expectErrno('ENOENT', () => io(sys, a, drm.DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, H, { handle: 42, flags: EXPORT }));
    const sync = io(sys, a, drm.DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, H, { handle: h, flags: EXPORT }).fd;
    const IMPORT = drm.DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE;
    io(sys, a, drm.DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, H, { fd: sync, handle: fresh, flags: IMPORT });
    expect(wait(sys, a, [fresh], 0n).first_signaled).to.equal(0);
    expectErrno('EINVAL', () => io(sys, a, drm.DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, H, { fd: sfd, handle: fresh, flags: IMPORT }));
    expectErrno('ENOENT', () => io(sys, a, drm.DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, H, { fd: sync, handle: 42, flags: IMPORT }));
    for (const fd of [a, b, sfd, sync]) sys.close(fd);
    expect(k.stats().syncobjs).to.equal(0);
    expect(k.stats().files).to.equal(0);
  });

  it('is EOPNOTSUPP on a driver without DRIVER_SYNCOBJ', async () => {
    const { sys, open } = rig([], undefined, DRIVER_COMPUTE_ACCEL | DRIVER_GEM);
    const fd = open();
    expectErrno('EOPNOTSUPP', () => create(sys, fd));
    expect(cap(sys, fd, drm.DRM_CAP_SYNCOBJ)).to.equal(0n);
    expect((await sys.poll([{ fd, events: POLLIN }], 0))[0]).to.equal(0);
  });

  it('leaves no syncobj behind when the file closes', () => {
    const { k, sys, open } = rig();
    const fd = open();
    create(sys, fd);
    create(sys, fd, drm.DRM_SYNCOBJ_CREATE_SIGNALED);
    sys.close(fd);
    expect(k.stats().syncobjs).to.equal(0);
  });
});

