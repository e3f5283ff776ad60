import { expect } from 'chai';
import { nativeSys, isSysError, type Sys } from '../index';
import { O_RDWR, SEEK_CUR, SEEK_SET } from '../constants';
import { DRM_IOCTL_VERSION, drm_version } from '../../uapi/drm';
import type { NativePeer } from './peer';

describe('native Sys peers (real child processes)', function () {
  // Under ts-node a child needs a moment to compile its agent.
  this.timeout(30_000);
  let sys: Sys;
  const fds: number[] = [];
  const peers: NativePeer[] = [];
  const track = (fd: number): number => (fds.push(fd), fd);
  const spawn = async (inheritFds: number[]): Promise<NativePeer> => {
    const p = (await sys.spawn({ inheritFds })) as NativePeer;
    peers.push(p);
    return p;
  };

  before(() => {
    sys = nativeSys();
  });
  afterEach(async () => {
    await Promise.all(peers.splice(0).map((p) => p.exit()));
    for (const fd of fds.splice(0)) {
      try {
        sys.close(fd);
      } catch {
        // closed by the test
      }
    }
  });

  it('a child inheriting a memfd shares its file offset both ways', async () => {
    const memfd = track(sys.memfd('inherit', 0));
    sys.write(memfd, Buffer.from('parent:'));
    const peer = await spawn([memfd]);
    expect(peer.pid).to.not.equal(process.pid);
    const childFd = peer.inherited.get(memfd);
    expect(childFd).to.equal(3);
    expect(await peer.lseek(childFd as number, 0n, SEEK_CUR)).to.equal(7n);
    await peer.write(childFd as number, Buffer.from('child'));
    expect(sys.lseek(memfd, 0n, SEEK_CUR)).to.equal(12n);
    sys.lseek(memfd, 0n, SEEK_SET);
    expect(sys.read(memfd, 64).toString()).to.equal('parent:child');
  });

  it('a child does not inherit fds it was not given', async () => {
    const kept = track(sys.memfd('kept'));
    const notKept = track(sys.memfd('not-kept'));
    const peer = await spawn([kept]);
    // The child's fd table: only stdio, the inherited fd at 3, and node's own O_CLOEXEC-free-of-ours fds.
    // Look for the not-kept memfd by its name among the child's fds.
    const links = sys.fs.readdir(`/proc/${peer.pid}/fd`).map((n) => {
      try {
        return sys.fs.readlink(`/proc/${peer.pid}/fd/${n}`);
      } catch {
        return '';
      }
    });
    expect(links.some((l) => l.startsWith('/memfd:kept'))).to.equal(true);
    expect(links.some((l) => l.startsWith('/memfd:not-kept'))).to.equal(false);
    // The parent's flags are restored after the spawn.
    expect(sys.fcntl(notKept, 1 /* F_GETFD */) & 1).to.equal(0);
  });

  it('SCM_RIGHTS: a child receives a memfd and reads and writes through it', async () => {
    const memfd = track(sys.memfd('scm-child', 0));
    sys.write(memfd, Buffer.from('hello '));
    const [mine, theirs] = sys.socketpair().map(track) as [number, number];
    const peer = await spawn([theirs]);
    const receiving = peer.recvFd(peer.inherited.get(theirs) as number);
    sys.sendFd(mine, memfd);
    const childFd = await receiving;
    expect(childFd).to.be.a('number');
    // Same open file description: the offset the parent left is the child's.
    expect(await peer.lseek(childFd, 0n, SEEK_CUR)).to.equal(6n);
    await peer.write(childFd, Buffer.from('from child'));
    sys.lseek(memfd, 0n, SEEK_SET);
    expect(sys.read(memfd, 64).toString()).to.equal('hello from child');
    await peer.lseek(childFd, 0n, SEEK_SET);
    expect((await peer.read(childFd, 5)).toString()).to.equal('hello');
  });

  it('peer ioctl and open report errno as SysError', async () => {
    const peer = await spawn([]);
    const fd = await peer.open('/dev/null', O_RDWR);
    const err = await peer.ioctl(fd, DRM_IOCTL_VERSION, drm_version.encode()).catch((e: unknown) => e);
    expect(isSysError(err, 'ENOTTY'), String(err)).to.equal(true);
    const missing = await peer.open('/nonexistent/accel', O_RDWR).catch((e: unknown) => e);
    expect(isSysError(missing, 'ENOENT'), String(missing)).to.equal(true);
    await peer.close(fd);
    const closed = await peer.close(fd).catch((e: unknown) => e);
    expect(isSysError(closed, 'EBADF'), String(closed)).to.equal(true);
  });

  it('peer ioctl returns the struct as the kernel left it', async () => {
    // FIONREAD (0x541B) writes an int: the bytes queued in a pipe.
    const [r, w] = sys.pipe().map(track) as [number, number];
    sys.write(w, Buffer.from('12345'));
    const peer = await spawn([r]);
    const { ret, arg } = await peer.ioctl(peer.inherited.get(r) as number, 0x541b, Buffer.alloc(4, 0xff));
    expect(ret).to.equal(0);
    expect(arg.readInt32LE(0)).to.equal(5);
  });

  it('exit ends the process and closes its fds; later calls reject', async () => {
    const [r, w] = sys.pipe().map(track) as [number, number];
    const peer = await spawn([w]);
    sys.close(w);
    fds.splice(fds.indexOf(w), 1);
    await peer.exit();
    // The last writer went away with the child: the read end sees EOF.
    expect(sys.read(r, 1).length).to.equal(0);
    const late = await peer.open('/dev/null', O_RDWR).catch((e: unknown) => e);
    expect(late).to.be.instanceOf(Error);
    expect(String(late)).to.match(/exited/);
  });

  it('spawn with a bad fd fails with EBADF before forking', async () => {
    const err = await sys.spawn({ inheritFds: [1_000_000] }).catch((e: unknown) => e);
    expect(isSysError(err, 'EBADF'), String(err)).to.equal(true);
  });
});
