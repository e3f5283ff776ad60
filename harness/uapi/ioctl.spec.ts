import { expect } from 'chai';
import { APU_IOCTLS } from '../../drivers/apu/uapi';
import { DMA_BUF_IOCTLS } from './dma-buf';
import { DRM_COMMAND_BASE, DRM_CORE_IOCTLS, DRM_IOCTL_NAMES, drmDriverIoctl, drmIoctl, drm_gem_close } from './drm';
import fc from 'fast-check';
import { IO, IOC, IOR, IOW, IOWR, IOC_NONE, IOC_READ, IOC_WRITE, decodeIoctl, formatIoctl, ioctlNameMap } from './ioctl';
import {
  DRM_IOCTL_GEM_CLOSE, DRM_IOCTL_PRIME_HANDLE_TO_FD, DRM_IOCTL_SET_MASTER, DRM_IOCTL_SYNCOBJ_WAIT,
  DRM_IOCTL_VERSION, drm_version,
} from './drm';
import { DMA_BUF_IOCTL_SYNC } from './dma-buf';

describe('uapi/ioctl', () => {
  it('encodes the known DRM and dma-buf numbers', () => {
    expect(drm_version.size).to.equal(64);
    expect(formatIoctl(DRM_IOCTL_VERSION)).to.equal('0xC0406400');
    expect(DRM_IOCTL_VERSION).to.equal(0xc0406400);
    expect(DRM_IOCTL_GEM_CLOSE).to.equal(0x40086409);
    expect(DRM_IOCTL_PRIME_HANDLE_TO_FD).to.equal(0xc00c642d);
    expect(DMA_BUF_IOCTL_SYNC).to.equal(0x40086200);
    expect(DRM_IOCTL_SET_MASTER).to.equal(0x641e);
    expect(DRM_IOCTL_SYNCOBJ_WAIT).to.equal(0xc02064c3);
  });

  it('keeps requests unsigned 32-bit numbers', () => {
    expect(IOWR('d', 0, 64)).to.be.greaterThan(0);
    expect(IOR(0xff, 0xff, 0x3fff)).to.equal(0xbfffffff);
  });

  it('directions land in bits 30-31', () => {
    expect(decodeIoctl(IO('d', 1)).dir).to.equal(IOC_NONE);
    expect(decodeIoctl(IOR('d', 1, 4)).dir).to.equal(IOC_READ);
    expect(decodeIoctl(IOW('d', 1, 4)).dir).to.equal(IOC_WRITE);
    expect(decodeIoctl(IOWR('d', 1, 4)).dir).to.equal(IOC_READ | IOC_WRITE);
  });

  it('decode(encode(fields)) is the identity', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 0xff }),
        fc.integer({ min: 0, max: 0xff }),
        fc.integer({ min: 0, max: 0x3fff }),
        (dir, type, nr, size) => {
          expect(decodeIoctl(IOC(dir, type, nr, size))).to.deep.equal({ dir, type, nr, size });
        },
      ),
    );
  });

  it('encode(decode(request)) is the identity for every 32-bit request', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (req) => {
        const f = decodeIoctl(req);
        expect(IOC(f.dir, f.type, f.nr, f.size)).to.equal(req);
      }),
    );
  });

  it('rejects fields out of range', () => {
    expect(() => IOC(4, 0, 0, 0)).to.throw(RangeError, 'dir');
    expect(() => IOC(0, 0x100, 0, 0)).to.throw(RangeError, 'type');
    expect(() => IOC(0, 0, 0x100, 0)).to.throw(RangeError, 'nr');
    expect(() => IOC(0, 0, 0, 0x4000)).to.throw(RangeError, 'size');
  });

  it('a declaration carries the request of the struct the suite sends and of the newest kernel\'s', () => {
    const wait = DRM_CORE_IOCTLS.SYNCOBJ_WAIT;
    expect(wait.name).to.equal('DRM_IOCTL_SYNCOBJ_WAIT');
    expect(wait.request).to.equal(IOWR('d', 0xc3, 32));
    expect(wait.kernelRequest).to.equal(IOWR('d', 0xc3, 40));
    expect(DRM_CORE_IOCTLS.GEM_CLOSE.kernelRequest).to.equal(DRM_CORE_IOCTLS.GEM_CLOSE.request);
    expect(DRM_CORE_IOCTLS.SET_MASTER.request).to.equal(IO('d', 0x1e));
    expect(APU_IOCTLS.GEM_QUEUE.nr).to.equal(DRM_COMMAND_BASE + 2);
    expect(() => drmDriverIoctl('X', 'IOWR', 0x60, drm_gem_close)).to.throw(RangeError, 'driver range');
    expect(() => drmIoctl('X', 'IO', 0x01, drm_gem_close)).to.throw(Error, 'takes no struct');
  });

  it('names every declared ioctl once: no two declarations share a request', () => {
    const decls = [...Object.values(DRM_CORE_IOCTLS), ...Object.values(APU_IOCTLS), ...Object.values(DMA_BUF_IOCTLS)];
    expect(ioctlNameMap(decls).size).to.equal(decls.length);
    expect(DRM_IOCTL_NAMES.get(DRM_CORE_IOCTLS.MODE_GETCRTC.request)).to.equal('DRM_IOCTL_MODE_GETCRTC');
  });
});

