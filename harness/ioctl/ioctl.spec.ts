import { expect } from 'chai';
import { bootSimMachine } from '../../drivers/sim/machine';
import { APU_IOCTLS } from '../../drivers/apu/uapi';
import { O_CLOEXEC, O_RDWR } from '../sys/constants';
import { isSysError } from '../sys/errno';
import { TestFailure } from '../testing/define';
import { DRM_CAP_SYNCOBJ, DRM_CORE_IOCTLS } from '../uapi/drm';
import { IOWR } from '../uapi/ioctl';
import { doIoctl, expectErrno, gemClose, getCap, ioctlName, ioctlStruct, primeFdToHandle, primeHandleToFd, syncobjCreate, syncobjDestroy } from '.';

describe('the userspace ioctl library', () => {
  const open = (): { sys: ReturnType<typeof bootSimMachine>['sys']; fd: number } => {
    const m = bootSimMachine(['apu']);
    return { sys: m.sys, fd: m.sys.open('/dev/accel/accel0', O_RDWR | O_CLOEXEC) };
  };

  it('names every declared ioctl, generic or a driver module\'s, and decodes the others', () => {
    expect(ioctlName(DRM_CORE_IOCTLS.GEM_CLOSE.request)).to.equal('DRM_IOCTL_GEM_CLOSE');
    expect(ioctlName(APU_IOCTLS.GEM_QUEUE.request)).to.equal('DRM_IOCTL_APU_GEM_QUEUE');
    expect(ioctlName(IOWR('X', 1, 16))).to.equal("ioctl 0xC0105801 (type 'X', nr 0x1)");
  });

  it('typed wrappers fill the declared struct and return what the kernel wrote', () => {
    const { sys, fd } = open();
    expect(getCap(sys, fd, DRM_CAP_SYNCOBJ)).to.equal(1n);
    const s = syncobjCreate(sys, fd);
    expect(s).to.equal(1);
    syncobjDestroy(sys, fd, s);
    const bo = ioctlStruct(sys, fd, APU_IOCTLS.GEM_NEW, { size: 4096 });
    expect(bo.handle).to.equal(1);
    const dmabuf = primeHandleToFd(sys, fd, bo.handle);
    expect(primeFdToHandle(sys, fd, dmabuf)).to.equal(bo.handle);
    gemClose(sys, fd, bo.handle);
  });

  it('a raw wrapper throws the SysError; through doIoctl the failure names the ioctl', () => {
    const { sys, fd } = open();
    expectErrno('EINVAL', () => gemClose(sys, fd, 77));
    let caught: unknown = null;
    try {
      gemClose(sys, fd, 77, (s, f, r, a) => doIoctl(s, f, r, a));
    } catch (e) {
      caught = e;
    }
    expect(caught).to.be.instanceOf(TestFailure);
    expect(String((caught as Error).message)).to.equal('DRM_IOCTL_GEM_CLOSE failed with EINVAL on fd 3');
    expect(isSysError(caught)).to.equal(false);
  });
});
