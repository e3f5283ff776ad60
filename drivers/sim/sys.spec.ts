import { expect } from 'chai';
import {
  F_DUPFD,
  F_GETFD,
  F_GETFL,
  F_SETFD,
  F_SETFL,
  FD_CLOEXEC,
  MAP_SHARED,
  O_CLOEXEC,
  O_NONBLOCK,
  O_RDONLY,
  O_RDWR,
  POLLIN,
  POLLNVAL,
  PROT_READ,
  PROT_WRITE,
  S_IFCHR,
  S_IFLNK,
  S_IFMT,
  SEEK_END,
  SEEK_SET,
} from '../../harness/sys/constants';
import { DRM_IOCTL_VERSION, drm_version } from '../../harness/uapi/drm';
import { createSimSys } from './sys';
import { expectErrno, expectErrnoAsync, rig, ROOT } from './kernel/testing/helpers';

describe('sim Sys: processes and fd tables (fs/file.c, fs/fcntl.c)', () => {
  it('keeps 0-2 for stdio and hands out the lowest free fd', () => {
    const { sys, open } = rig();
    const a = open();
    const b = open();
    expect([a, b]).to.deep.equal([3, 4]);
    sys.close(a);
    expect(open()).to.equal(3);
    sys.close(0);
    expect(open()).to.equal(0);
  });

  it('gives EBADF for fds that are not open', () => {
    const { sys } = rig();
    expectErrno('EBADF', () => sys.close(42));
    expectErrno('EBADF', () => sys.ioctl(42, DRM_IOCTL_VERSION, drm_version.encode({})));
    expectErrno('EBADF', () => sys.dup(-1));
    expectErrno('EBADF', () => sys.fcntl(99, F_GETFL));
    expectErrno('EBADF', () => sys.read(1.5, 1));
  });

  it('refuses arguments C could never pass, and memfds beyond its memory, with SysError', () => {
    const { sys } = rig();
    const fd = sys.memfd('m');
    expectErrno('EINVAL', () => sys.ioctl(fd, DRM_IOCTL_VERSION, Number.NaN));
    expectErrno('EINVAL', () => sys.ioctl(fd, DRM_IOCTL_VERSION, 1.5));
    expectErrno('EINVAL', () => sys.memfd('m', -1));
    expectErrno('ENOMEM', () => sys.memfd('m', 1e15));
    sys.lseek(fd, 1n << 40n, SEEK_SET);
    expectErrno('ENOMEM', () => sys.write(fd, Buffer.from('x')));
  });

  it('shares the description across dup (f_flags) but not FD_CLOEXEC', () => {
    const { sys, open } = rig();
    const a = open(O_RDWR | O_CLOEXEC);
    const b = sys.dup(a);
    expect(sys.fcntl(a, F_GETFD)).to.equal(FD_CLOEXEC);
    expect(sys.fcntl(b, F_GETFD)).to.equal(0);
    sys.fcntl(b, F_SETFL, O_NONBLOCK);
    expect(sys.fcntl(a, F_GETFL) & O_NONBLOCK).to.equal(O_NONBLOCK);
    expect(sys.fcntl(a, F_GETFL) & 3).to.equal(O_RDWR);
    sys.fcntl(a, F_SETFD, 0);
    expect(sys.fcntl(a, F_GETFD)).to.equal(0);
    expect(sys.fcntl(a, F_DUPFD, 10)).to.equal(10);
  });

  it('runs the driver release only when the last reference drops', () => {
    const { sys, open, log } = rig();
    const a = open();
    const b = sys.dup(a);
    sys.close(a);
    expect(log.postcloses).to.equal(0);
    sys.close(b);
    expect(log.postcloses).to.equal(1);
  });

  it('shares descriptions with a spawned child; its exit drops them', async () => {
    const { sys, open, log, k } = rig();
    const fd = open();
    const child = await sys.spawn({ inheritFds: [fd] });
    expect(child.inherited.get(fd)).to.equal(fd);
    sys.close(fd);
    expect(log.postcloses).to.equal(0);
    await child.exit();
    expect(log.postcloses).to.equal(1);
    expect(k.stats().files).to.equal(0);
  });

  it('keeps a file alive while it is in flight over SCM_RIGHTS', () => {
    const { sys, open, log, k } = rig();
    const [s0, s1] = sys.socketpair();
    const fd = open();
    sys.sendFd(s0, fd);
    sys.close(fd);
    expect(log.postcloses).to.equal(0);
    const got = sys.recvFd(s1);
    expect(got).to.equal(fd);
    sys.close(got);
    expect(log.postcloses).to.equal(1);
    // A file still queued when the receiving socket goes is dropped with it.
    const fd2 = open();
    sys.sendFd(s0, fd2);
    sys.close(fd2);
    sys.close(s1);
    expect(log.postcloses).to.equal(2);
    expectErrno('EPIPE', () => sys.sendFd(s0, 0));
    sys.close(s0);
    expect(k.stats().files).to.equal(0);
  });

  it('receives in a peer process', async () => {
    const { sys, open, log } = rig();
    const [s0, s1] = sys.socketpair();
    const peer = await sys.spawn({ inheritFds: [s1] });
    sys.close(s1);
    const fd = open();
    sys.sendFd(s0, fd);
    sys.close(fd);
    const pfd = await peer.recvFd(s1);
    expect(pfd).to.be.a('number');
    expect(log.postcloses).to.equal(0);
    await peer.exit();
    expect(log.postcloses).to.equal(1);
  });

  it('pipe: bytes in order, EOF after the writer, ENOTTY and ESPIPE', () => {
    const { sys } = rig();
    const [r, w] = sys.pipe();
    expect(sys.write(w, Buffer.from('abc'))).to.equal(3);
    expect(sys.read(r, 2).toString()).to.equal('ab');
    expectErrno('ENOTTY', () => sys.ioctl(r, DRM_IOCTL_VERSION, drm_version.encode({})));
    expectErrno('ESPIPE', () => sys.lseek(r, 0n, SEEK_SET));
    expectErrno('EBADF', () => sys.write(r, Buffer.from('x')));
    sys.close(w);
    expect(sys.read(r, 10).toString()).to.equal('c');
    expect(sys.read(r, 10).length).to.equal(0);
  });

  it('memfd: read/write at f_pos, lseek, shared mmap, ENOTTY', () => {
    const { sys } = rig();
    const fd = sys.memfd('t', 4096);
    sys.write(fd, Buffer.from('hello'));
    expect(sys.lseek(fd, 0n, SEEK_END)).to.equal(4096n);
    expect(sys.lseek(fd, 1n, SEEK_SET)).to.equal(1n);
    expect(sys.read(fd, 4).toString()).to.equal('ello');
    expectErrno('EINVAL', () => sys.lseek(fd, -1n, SEEK_SET));
    const m = sys.mmap(fd, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, 0n);
    expect(m.bytes.subarray(0, 5).toString()).to.equal('hello');
    m.bytes[0] = 0x4a;
    sys.lseek(fd, 0n, SEEK_SET);
    expect(sys.read(fd, 1).toString()).to.equal('J');
    expectErrno('ENOTTY', () => sys.ioctl(fd, 0x1234));
    expectErrno('EINVAL', () => sys.mmap(fd, 4096, PROT_READ, MAP_SHARED, 100n));
    sys.munmap(m);
    expectErrno('EINVAL', () => sys.munmap(m));
  });

  it('poll: revents of ready fds, POLLNVAL for closed ones', async () => {
    const { sys } = rig();
    const [r, w] = sys.pipe();
    expect(await sys.poll([{ fd: r, events: POLLIN }], 0)).to.deep.equal([0]);
    sys.write(w, Buffer.from('x'));
    expect(await sys.poll([{ fd: r, events: POLLIN }, { fd: 77, events: POLLIN }], 10)).to.deep.equal([POLLIN, POLLNVAL]);
  });

  it('exit closes every fd and drops every mapping', () => {
    const { k, open, gem, sys } = rig();
    const fd = open();
    const { offset } = gem(fd);
    sys.mmap(fd, 4096, PROT_READ, MAP_SHARED, offset);
    sys.exit();
    const s = k.stats();
    expect([s.files, s.drmFiles, s.gemObjects, s.vmas]).to.deep.equal([0, 0, 0, 0]);
    expectErrno('ESRCH', () => sys.open('/dev/accel/accel0', O_RDWR));
  });

  it('user memory: EFAULT outside allocated memory, freed memory faults', () => {
    const { sys, open } = rig();
    const fd = open();
    const mem = sys.alloc(16);
    const v = drm_version.encode({ name_len: 16n, name: mem.address });
    sys.ioctl(fd, DRM_IOCTL_VERSION, v);
    expect(mem.bytes.subarray(0, 9).toString()).to.equal('testaccel');
    sys.free(mem);
    expectErrno('EFAULT', () => sys.ioctl(fd, DRM_IOCTL_VERSION, drm_version.encode({ name_len: 16n, name: mem.address })));
    expectErrno('EFAULT', () => sys.ioctl(fd, DRM_IOCTL_VERSION, 0));
    expectErrno('EFAULT', () => sys.ioctl(fd, DRM_IOCTL_VERSION, Buffer.alloc(8)));
  });

  it('virtual time: sleepMs moves CLOCK_MONOTONIC', async () => {
    const { sys } = rig();
    const t0 = sys.monotonicNs();
    await sys.sleepMs(250);
    expect(sys.monotonicNs() - t0).to.equal(250_000_000n);
  });
});

describe('sim Sys: the file tree discovery reads', () => {
  it('has the accel class, device links, char node and module parameters', () => {
    const { sys } = rig();
    const fs = sys.fs;
    expect(fs.readdir('/sys/class/accel')).to.deep.equal(['accel0']);
    expect(fs.lstat('/sys/class/accel/accel0').mode & S_IFMT).to.equal(S_IFLNK);
    expect(fs.readFile('/sys/class/accel/accel0/dev').toString()).to.equal('261:0\n');
    expect(fs.realpath('/sys/class/accel/accel0/device')).to.equal('/sys/devices/platform/testaccel.0');
    expect(fs.realpath('/sys/class/accel/accel0/device/driver')).to.equal('/sys/bus/platform/drivers/testaccel');
    const st = fs.stat('/dev/accel/accel0');
    expect(st.mode & S_IFMT).to.equal(S_IFCHR);
    expect([st.rdevMajor, st.rdevMinor]).to.deep.equal([261, 0]);
    expect(fs.readFile('/sys/module/testaccel/parameters/timeout_ms').toString()).to.equal('500\n');
    expect(fs.realpath('/sys/class/accel/accel0/device/driver/module')).to.equal('/sys/module/testaccel');
    expect(fs.readFile('/etc/group').toString()).to.match(/^render:x:\d+:/m);
    expect(fs.readdir('/sys/kernel/debug/accel/testaccel.0')).to.include.members(['name', 'clients', 'gem_objects']);
    expect(fs.exists('/sys/class/drm/renderD128')).to.equal(false);
    expectErrno('ENOENT', () => fs.stat('/sys/class/accel/accel1'));
    expectErrno('EINVAL', () => fs.readlink('/sys/class/accel'));
  });

  it('opens sysfs attributes and checks node permissions', () => {
    const { k, sys } = rig();
    const fd = sys.open('/sys/class/accel/accel0/dev', O_RDONLY);
    expect(sys.read(fd, 100).toString()).to.equal('261:0\n');
    const outsider = createSimSys(k, { uid: 2000, gid: 2000, groups: [] });
    expectErrno('EACCES', () => outsider.open('/dev/accel/accel0', O_RDWR));
    const root = createSimSys(k, ROOT);
    expect(root.open('/dev/accel/accel0', O_RDWR)).to.equal(3);
    expectErrno('ENOENT', () => sys.open('/dev/accel/accel9', O_RDWR));
  });

  it('counts live GEM objects in debugfs gem_objects', () => {
    const { sys, open, gem } = rig();
    const fd = open();
    gem(fd);
    gem(fd);
    expect(sys.fs.readFile('/sys/kernel/debug/accel/testaccel.0/gem_objects').toString()).to.equal('2\n');
    sys.close(fd);
    expect(sys.fs.readFile('/sys/kernel/debug/accel/testaccel.0/gem_objects').toString()).to.equal('0\n');
  });
});

describe('sim Sys: async calls', () => {
  it('rejects ioctlAsync with the errno', async () => {
    const { sys } = rig();
    await expectErrnoAsync('EBADF', sys.ioctlAsync(50, DRM_IOCTL_VERSION, drm_version.encode({})));
  });
});
