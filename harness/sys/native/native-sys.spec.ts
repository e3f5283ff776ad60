import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nativeSys, isSysError, SysError, type Sys } from '../index';
import type { ErrnoName } from '../errno';
import {
  F_GETFL, F_SETFL, MAP_PRIVATE, MAP_SHARED, O_CLOEXEC, O_CREAT, O_EXCL, O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY,
  F_GETFD, FD_CLOEXEC, POLLIN, PROT_READ, PROT_WRITE, SEEK_CUR, SEEK_END, SEEK_SET, S_IFCHR, S_IFMT,
} from '../constants';
import { DRM_IOCTL_VERSION, drm_version } from '../../uapi/drm';

/** FIONREAD (asm-generic/ioctls.h): bytes waiting in a pipe, stored as an int at the argument pointer. */
const FIONREAD = 0x541b;

function expectErrno(name: ErrnoName, syscall: string, fn: () => unknown): SysError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  if (!isSysError(caught)) throw new Error(`expected ${syscall} to fail with ${name}, got ${caught === undefined ? 'success' : String(caught)}`);
  expect(caught.code).to.equal(name);
  expect(caught.syscall).to.equal(syscall);
  return caught;
}

describe('native Sys (real kernel objects)', () => {
  let sys: Sys;
  const opened: number[] = [];
  const track = (fd: number): number => (opened.push(fd), fd);

  before(() => {
    sys = nativeSys();
  });
  afterEach(() => {
    for (const fd of opened.splice(0)) {
      try {
        sys.close(fd);
      } catch {
        // already closed by the test
      }
    }
  });

  it('is the native kind and one instance per process', () => {
    expect(sys.kind).to.equal('native');
    expect(sys.pid).to.equal(process.pid);
    expect(nativeSys()).to.equal(sys);
  });

  describe('errors', () => {
    it('ioctl on /dev/null is ENOTTY, for a struct and for an integer argument', () => {
      const fd = track(sys.open('/dev/null', O_RDWR));
      const err = expectErrno('ENOTTY', 'ioctl', () => sys.ioctl(fd, DRM_IOCTL_VERSION, drm_version.encode()));
      expect(err.message).to.contain('0xC0406400');
      expectErrno('ENOTTY', 'ioctl', () => sys.ioctl(fd, 0x5401, 7));
      expectErrno('ENOTTY', 'ioctl', () => sys.ioctl(fd, 0x5401, 1n << 40n));
      expectErrno('ENOTTY', 'ioctl', () => sys.ioctl(fd, 0x5401));
    });

    it('refuses arguments C could never pass with EINVAL, as the simulator does', () => {
      const fd = track(sys.open('/dev/null', O_RDWR));
      expectErrno('EINVAL', 'ioctl', () => sys.ioctl(fd, 0x5401, Number.NaN));
      expectErrno('EINVAL', 'ioctl', () => sys.ioctl(fd, 0x5401, 2 ** 70));
      expectErrno('EINVAL', 'ftruncate', () => sys.memfd('m', -1));
    });

    it('a bad fd is EBADF for every fd call', () => {
      const bad = 1_000_000;
      expectErrno('EBADF', 'ioctl', () => sys.ioctl(bad, DRM_IOCTL_VERSION, drm_version.encode()));
      expectErrno('EBADF', 'close', () => sys.close(bad));
      expectErrno('EBADF', 'dup', () => sys.dup(bad));
      expectErrno('EBADF', 'fcntl', () => sys.fcntl(bad, F_GETFL));
      expectErrno('EBADF', 'read', () => sys.read(bad, 4));
      expectErrno('EBADF', 'write', () => sys.write(bad, Buffer.from('x')));
      expectErrno('EBADF', 'lseek', () => sys.lseek(bad, 0n, SEEK_SET));
      expectErrno('EBADF', 'fstat', () => sys.fstat(bad));
      expectErrno('EBADF', 'mmap', () => sys.mmap(bad, 4096, PROT_READ, MAP_SHARED, 0n));
    });

    it('ioctlAsync reports errno as SysError too', async () => {
      const fd = track(sys.open('/dev/null', O_RDWR));
      const err = await sys.ioctlAsync(fd, DRM_IOCTL_VERSION, drm_version.encode()).then(
        () => expect.fail('ioctlAsync on /dev/null succeeded'),
        (e: unknown) => e,
      );
      expect(isSysError(err, 'ENOTTY')).to.equal(true);
      const bad = await sys.ioctlAsync(1_000_000, 0x5401, 3).catch((e: unknown) => e);
      expect(isSysError(bad, 'EBADF')).to.equal(true);
    });

    it('open of a missing path is ENOENT; O_EXCL|O_CREAT on an existing file is EEXIST', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'accel-sys-'));
      try {
        expectErrno('ENOENT', 'open', () => sys.open(path.join(dir, 'missing'), O_RDONLY));
        const file = path.join(dir, 'f');
        track(sys.open(file, O_CREAT | O_EXCL | O_WRONLY, 0o600));
        expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
        expectErrno('EEXIST', 'open', () => sys.open(file, O_CREAT | O_EXCL | O_WRONLY, 0o600));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('open honours O_CLOEXEC and O_NONBLOCK', () => {
      const plain = track(sys.open('/dev/null', O_RDONLY));
      const flagged = track(sys.open('/dev/null', O_RDONLY | O_CLOEXEC | O_NONBLOCK));
      expect(sys.fcntl(plain, F_GETFD) & FD_CLOEXEC).to.equal(0);
      expect(sys.fcntl(flagged, F_GETFD) & FD_CLOEXEC).to.equal(FD_CLOEXEC);
      expect(sys.fcntl(plain, F_GETFL) & O_NONBLOCK).to.equal(0);
      expect(sys.fcntl(flagged, F_GETFL) & O_NONBLOCK).to.equal(O_NONBLOCK);
    });
  });

  describe('file descriptions', () => {
    it('dup shares the file offset of a memfd', () => {
      const fd = track(sys.memfd('dup-offset'));
      const copy = track(sys.dup(fd));
      expect(copy).to.not.equal(fd);
      sys.write(fd, Buffer.from('hello world'));
      expect(sys.lseek(copy, 0n, SEEK_CUR)).to.equal(11n);
      sys.lseek(copy, 6n, SEEK_SET);
      expect(sys.read(fd, 5).toString()).to.equal('world');
    });

    it('dup shares the status flags of a pipe (F_SETFL O_NONBLOCK)', () => {
      const [r, w] = sys.pipe().map(track) as [number, number];
      const copy = track(sys.dup(r));
      expect(sys.fcntl(copy, F_GETFL) & O_NONBLOCK).to.equal(0);
      sys.fcntl(r, F_SETFL, sys.fcntl(r, F_GETFL) | O_NONBLOCK);
      expect(sys.fcntl(copy, F_GETFL) & O_NONBLOCK).to.equal(O_NONBLOCK);
      expectErrno('EAGAIN', 'read', () => sys.read(copy, 1));
      sys.write(w, Buffer.from('z'));
      expect(sys.read(copy, 8).toString()).to.equal('z');
    });

    it('fstat of /dev/null is a char device 1:3', () => {
      const fd = track(sys.open('/dev/null', O_RDONLY));
      const st = sys.fstat(fd);
      expect(st.mode & S_IFMT).to.equal(S_IFCHR);
      expect([st.rdevMajor, st.rdevMinor]).to.deep.equal([1, 3]);
      expect(st.ino).to.equal(sys.fs.stat('/dev/null').ino);
    });

    it('lseek SEEK_END on a memfd gives its size, as a bigint beyond 32 bits', () => {
      const fd = track(sys.memfd('size', 12345));
      expect(sys.lseek(fd, 0n, SEEK_END)).to.equal(12345n);
      expect(sys.fstat(fd).size).to.equal(12345n);
      expect(sys.lseek(fd, 1n << 33n, SEEK_SET)).to.equal(1n << 33n);
      expectErrno('EINVAL', 'lseek', () => sys.lseek(fd, -1n, SEEK_SET));
    });
  });

  describe('memory', () => {
    it('mmap of /dev/zero reads zeros and is writable when private', () => {
      const fd = track(sys.open('/dev/zero', O_RDWR));
      const m = sys.mmap(fd, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0n);
      try {
        expect(m.length).to.equal(8192);
        expect(m.bytes.length).to.equal(8192);
        expect(m.bytes.every((b) => b === 0)).to.equal(true);
        m.bytes.fill(0xab);
        expect(m.bytes[8191]).to.equal(0xab);
      } finally {
        sys.munmap(m);
      }
    });

    it('mmap of a memfd is a live view both ways', () => {
      const fd = track(sys.memfd('map', 4096));
      sys.write(fd, Buffer.from('from write'));
      const m = sys.mmap(fd, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, 0n);
      try {
        expect(m.bytes.subarray(0, 10).toString()).to.equal('from write');
        m.bytes.write('from mmap!', 100);
        sys.lseek(fd, 100n, SEEK_SET);
        expect(sys.read(fd, 10).toString()).to.equal('from mmap!');
      } finally {
        sys.munmap(m);
      }
      expectErrno('EINVAL', 'munmap', () => sys.munmap(m));
    });

    it('alloc gives zeroed user memory at the address the kernel writes through', () => {
      const mem = sys.alloc(64);
      try {
        expect(mem.bytes.length).to.equal(64);
        expect(mem.bytes.every((b) => b === 0)).to.equal(true);
        // FIONREAD stores an int at the pointer passed as the integer argument:
        // the kernel writing at `address` must show up in `bytes`.
        const [r, w] = sys.pipe().map(track) as [number, number];
        sys.write(w, Buffer.from('seven b'));
        sys.ioctl(r, FIONREAD, mem.address + 8n);
        expect(mem.bytes.readInt32LE(8)).to.equal(7);
        expect(mem.bytes.readInt32LE(0)).to.equal(0);
      } finally {
        sys.free(mem);
      }
      expectErrno('EINVAL', 'free', () => sys.free(mem));
    });

    it('a mapping\'s address is the memory its bytes view', () => {
      const fd = track(sys.memfd('map-address', 4096));
      const m = sys.mmap(fd, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, 0n);
      try {
        const [r, w] = sys.pipe().map(track) as [number, number];
        sys.write(w, Buffer.from('abc'));
        sys.ioctl(r, FIONREAD, m.address + 100n);
        expect(m.bytes.readInt32LE(100)).to.equal(3);
        expect(sys.read(fd, 104).readInt32LE(100)).to.equal(3);
      } finally {
        sys.munmap(m);
      }
    });
  });

  describe('fd passing', () => {
    it('SCM_RIGHTS within one process gives a new fd on the same file description', () => {
      const memfd = track(sys.memfd('scm', 64));
      const [a, b] = sys.socketpair().map(track) as [number, number];
      sys.sendFd(a, memfd);
      const got = track(sys.recvFd(b));
      expect(got).to.not.equal(memfd);
      expect(sys.fstat(got).ino).to.equal(sys.fstat(memfd).ino);
      sys.write(got, Buffer.from('shared'));
      expect(sys.lseek(memfd, 0n, SEEK_CUR)).to.equal(6n);
    });

    it('recvFd never blocks: EAGAIN when empty, EBADMSG without an fd, ECONNRESET on a closed peer', () => {
      const [a, b] = sys.socketpair().map(track) as [number, number];
      expectErrno('EAGAIN', 'recvmsg', () => sys.recvFd(b));
      sys.write(a, Buffer.from('x'));
      expectErrno('EBADMSG', 'recvmsg', () => sys.recvFd(b));
      sys.close(a);
      expectErrno('ECONNRESET', 'recvmsg', () => sys.recvFd(b));
    });

    it('sendFd of a bad fd is EBADF', () => {
      const [a] = sys.socketpair().map(track) as [number, number];
      expectErrno('EBADF', 'sendmsg', () => sys.sendFd(a, 1_000_000));
    });
  });

  describe('time and polling', () => {
    it('poll with a timeout does not freeze the event loop', async () => {
      const [r] = sys.pipe().map(track) as [number, number];
      let fired = 0n;
      setTimeout(() => (fired = sys.monotonicNs()), 20);
      const start = sys.monotonicNs();
      const revents = await sys.poll([{ fd: r, events: POLLIN }], 300);
      const end = sys.monotonicNs();
      expect(revents).to.deep.equal([0]);
      expect(fired, 'the timer did not fire during poll').to.not.equal(0n);
      expect(fired < end).to.equal(true);
      expect(end - start >= 250_000_000n, `poll returned after ${end - start} ns`).to.equal(true);
    });

    it('poll reports a readable pipe and POLLNVAL for a closed fd', async () => {
      const [r, w] = sys.pipe().map(track) as [number, number];
      sys.write(w, Buffer.from('!'));
      const revents = await sys.poll([{ fd: r, events: POLLIN }, { fd: 1_000_000, events: POLLIN }], 0);
      expect(revents).to.deep.equal([POLLIN, 0x20]);
    });

    it('monotonicNs follows CLOCK_MONOTONIC across a sleep', async () => {
      const a = sys.monotonicNs();
      await sys.sleepMs(15);
      const b = sys.monotonicNs();
      expect(b - a >= 14_000_000n, `slept ${b - a} ns`).to.equal(true);
      const hr = process.hrtime.bigint();
      // libuv's hrtime reads the same clock; the two differ by the time between the calls.
      const diff = hr > b ? hr - b : b - hr;
      expect(diff < 1_000_000_000n).to.equal(true);
    });

    it('getuid is the process uid', () => {
      expect(sys.getuid()).to.equal(process.getuid?.());
    });
  });

  describe('fs view', () => {
    it('maps node errors to SysError with a positive errno', () => {
      const err = (() => {
        try {
          sys.fs.readdir('/nonexistent-accel-path');
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(isSysError(err, 'ENOENT'), String(err)).to.equal(true);
      expect((err as SysError).errno).to.equal(2);
      expect(() => sys.fs.readlink('/dev/null')).to.throw(SysError, 'EINVAL');
    });

    it('stats device nodes with major/minor and reads files', () => {
      const st = sys.fs.stat('/dev/zero');
      expect([st.rdevMajor, st.rdevMinor]).to.deep.equal([1, 5]);
      expect(sys.fs.exists('/proc/self')).to.equal(true);
      expect(sys.fs.exists('/proc/nope-nope')).to.equal(false);
      expect(sys.fs.readFile('/proc/self/stat').toString()).to.match(new RegExp(`^${process.pid} `));
      expect(sys.fs.readdir('/proc/self/fd').length).to.be.greaterThan(2);
      expect(sys.fs.realpath('/proc/self')).to.equal(`/proc/${process.pid}`);
    });
  });
});
