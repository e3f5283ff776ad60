// SPDX-License-Identifier: GPL-2.0
/*
 * The reference APU's ioctls from plain JavaScript for the kernel-lane guest
 * scripts (smoke.js, stress.js): koffi into libc, structs laid out by hand
 * after drivers/apu/uapi/apu_drm.h and include/uapi/drm/drm.h.
 */
'use strict';

const fs = require('fs');

const NODE = '/dev/accel/accel0';
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

let koffi = null;
for (const base of ['/opt/accel-conformance', process.cwd()]) {
  try {
    koffi = require(require.resolve('koffi', { paths: [base] }));
    break;
  } catch {
    /* next */
  }
}
if (!koffi) {
  module.exports = { koffi: null };
  return;
}

const lib = koffi.load('libc.so.6');
const c = {
  ioctl: lib.func('int ioctl(int fd, unsigned long request, void *arg)'),
  mmap: lib.func('void *mmap(void *addr, size_t len, int prot, int flags, int fd, int64_t off)'),
  munmap: lib.func('int munmap(void *addr, size_t len)'),
  calloc: lib.func('void *calloc(size_t n, size_t size)'),
  free: lib.func('void free(void *p)'),
};
const allocs = [];
/* User memory with a stable address. */
function mem(size) {
  const a = c.calloc(1, Math.max(size, 1));
  allocs.push(a);
  return { a: typeof a === 'bigint' ? a : BigInt(koffi.address(a)), b: Buffer.from(koffi.view(a, Math.max(size, 1))) };
}
function mmap(fd, len, off) {
  const p = c.mmap(null, len, 3, 1, fd, off);
  return { p, b: Buffer.from(koffi.view(p, len)), unmap: () => c.munmap(p, len) };
}

const IOC = (dir, nr, size) => ((dir << 30) | (size << 16) | (0x64 << 8) | nr) >>> 0;
const IOWR = (nr, size) => IOC(3, nr, size);
const IOW = (nr, size) => IOC(1, nr, size);
const R = {
  VERSION: IOWR(0x00, 64),
  GEM_CLOSE: IOW(0x09, 8),
  PRIME_HANDLE_TO_FD: IOWR(0x2d, 12),
  PRIME_FD_TO_HANDLE: IOWR(0x2e, 12),
  MODE_CREATE_DUMB: IOWR(0xb2, 32),
  MODE_MAP_DUMB: IOWR(0xb3, 16),
  SYNCOBJ_CREATE: IOWR(0xbf, 8),
  SYNCOBJ_DESTROY: IOWR(0xc0, 8),
  SYNCOBJ_WAIT: IOWR(0xc3, 40),
  STATE: IOWR(0x40, 8),
  GEM_NEW: IOWR(0x41, 24),
  GEM_QUEUE: IOWR(0x42, 40),
  GEM_DEQUEUE: IOWR(0x43, 16),
  MAP: IOWR(0x44, 24),
  UNMAP: IOWR(0x45, 24),
};
const EINVAL = 22, ENOENT = 2, EFAULT = 14, ETIMEDOUT = 110, EIO = 5, ECANCELED = 125, EAGAIN = 11;

/* One open file of the device. */
class Dev {
  constructor(fd) {
    this.fd = fd;
  }
  static open(path = NODE) {
    return new Dev(fs.openSync(path, 'r+'));
  }
  close() {
    fs.closeSync(this.fd);
  }
  ioctl(req, m) {
    return c.ioctl(this.fd, req, m.a) < 0 ? koffi.errno() : 0;
  }
  state() {
    const s = mem(8);
    const e = this.ioctl(R.STATE, s);
    return e ? -e : s.b.readUInt32LE(4);
  }
  gemNew(size, flags = 0) {
    const g = mem(24);
    g.b.writeUInt32LE(size, 0);
    g.b.writeUInt32LE(flags, 4);
    g.b.writeUInt32LE(0xdead, 8); // the kernel must zero it on failure
    const e = this.ioctl(R.GEM_NEW, g);
    return { e, handle: g.b.readUInt32LE(8), offset: g.b.readBigUInt64LE(16) };
  }
  gemClose(h) {
    const g = mem(8);
    g.b.writeUInt32LE(h, 0);
    return this.ioctl(R.GEM_CLOSE, g);
  }
  map(handles, req = R.MAP) {
    const h = mem(4 * handles.length);
    handles.forEach((x, i) => h.b.writeUInt32LE(x, 4 * i));
    const out = mem(8 * handles.length);
    const m = mem(24);
    m.b.writeBigUInt64LE(h.a, 0);
    m.b.writeUInt32LE(handles.length, 8);
    m.b.writeBigUInt64LE(out.a, 16);
    const e = this.ioctl(req, m);
    return { e, addrs: handles.map((_, i) => out.b.readBigUInt64LE(8 * i)) };
  }
  unmap(handles) {
    return this.map(handles, R.UNMAP).e;
  }
  syncobj() {
    const s = mem(8);
    if (this.ioctl(R.SYNCOBJ_CREATE, s)) throw new Error('SYNCOBJ_CREATE');
    return s.b.readUInt32LE(0);
  }
  destroySyncobj(h) {
    const d = mem(8);
    d.b.writeUInt32LE(h, 0);
    return this.ioctl(R.SYNCOBJ_DESTROY, d);
  }
  wait(handle, ms) {
    const h = mem(4);
    h.b.writeUInt32LE(handle, 0);
    const w = mem(40);
    w.b.writeBigUInt64LE(h.a, 0);
    w.b.writeBigInt64LE(process.hrtime.bigint() + BigInt(ms) * 1000000n, 8); // CLOCK_MONOTONIC
    w.b.writeUInt32LE(1, 16);
    w.b.writeUInt32LE(1 << 1, 20); // WAIT_FOR_SUBMIT
    return this.ioctl(R.SYNCOBJ_WAIT, w);
  }
  queue(cmd, args, sizeOut, sync, handles = [], device = 0) {
    const q = mem(40);
    const h = mem(4 * Math.max(1, handles.length));
    handles.forEach((x, i) => h.b.writeUInt32LE(x, 4 * i));
    const d = args ? mem(args.length) : null;
    if (d) args.copy(d.b);
    q.b.writeUInt32LE(device, 0);
    q.b.writeUInt32LE(cmd, 4);
    q.b.writeUInt32LE(sync, 8);
    q.b.writeBigUInt64LE(h.a, 16);
    q.b.writeUInt32LE(handles.length, 24);
    q.b.writeUInt16LE(args ? args.length : 0, 28);
    q.b.writeUInt16LE(sizeOut, 30);
    q.b.writeBigUInt64LE(d ? d.a : 0n, 32);
    return this.ioctl(R.GEM_QUEUE, q);
  }
  dequeue(sync, size = 8) {
    const out = mem(8);
    const d = mem(16);
    d.b.writeUInt32LE(sync, 0);
    d.b.writeUInt16LE(size, 6);
    d.b.writeBigUInt64LE(out.a, 8);
    const e = this.ioctl(R.GEM_DEQUEUE, d);
    return { e, result: d.b.readUInt16LE(4), size: d.b.readUInt16LE(6), out: Buffer.from(out.b) };
  }
  /* Queues, waits, dequeues. */
  run(cmd, args, sizeOut = 0, handles = [], ms = 5000) {
    const s = this.syncobj();
    const t0 = Date.now();
    const q = this.queue(cmd, args, sizeOut, s, handles);
    if (q) return { e: q, stage: 'queue', result: -1 };
    const w = this.wait(s, ms);
    if (w) return { e: w, stage: 'wait', result: -1 };
    const r = this.dequeue(s);
    this.destroySyncobj(s);
    return { ...r, stage: 'dequeue', ms: Date.now() - t0 };
  }
  primeExport(h) {
    const p = mem(12);
    p.b.writeUInt32LE(h, 0);
    p.b.writeUInt32LE(0x80002, 4); // DRM_CLOEXEC | DRM_RDWR
    const e = this.ioctl(R.PRIME_HANDLE_TO_FD, p);
    return e ? -e : p.b.readInt32LE(8);
  }
  primeImport(dmabuf) {
    const p = mem(12);
    p.b.writeInt32LE(dmabuf, 8);
    const e = this.ioctl(R.PRIME_FD_TO_HANDLE, p);
    return e ? -e : p.b.readUInt32LE(0);
  }
}
const fillArgs = (dst, len, value) => {
  const b = Buffer.alloc(16);
  b.writeBigUInt64LE(dst, 0);
  b.writeUInt32LE(len, 8);
  b.writeUInt32LE(value, 12);
  return b;
};
const csumArgs = (src, len, pad = 0) => {
  const b = Buffer.alloc(16);
  b.writeBigUInt64LE(src, 0);
  b.writeUInt32LE(len, 8);
  b.writeUInt32LE(pad, 12);
  return b;
};
const copyArgs = (src, dst, len) => {
  const b = Buffer.alloc(24);
  b.writeBigUInt64LE(src, 0);
  b.writeBigUInt64LE(dst, 8);
  b.writeUInt32LE(len, 16);
  return b;
};
function fnv(buf) {
  let h = 0x811c9dc5;
  for (const x of buf) h = Math.imul(h ^ x, 0x01000193) >>> 0;
  return h >>> 0;
}
const res = (r) => `errno ${r.e} at ${r.stage}, result ${r.result}`;

function waitOnline(d) {
  for (let i = 0; i < 400; i++) {
    if (d.state() === 1) return true;
    sleep(5);
  }
  return false;
}
function gemObjects() {
  const root = '/sys/kernel/debug/accel';
  const dirs = fs.readdirSync(root).filter((x) => fs.existsSync(`${root}/${x}/gem_objects`));
  return dirs.length === 1 ? Number(fs.readFileSync(`${root}/${dirs[0]}/gem_objects`, 'utf8')) : NaN;
}

module.exports = {
  koffi, c, mem, mmap, R, Dev, NODE, sleep, fillArgs, csumArgs, copyArgs, fnv, res, waitOnline, gemObjects,
  EINVAL, ENOENT, EFAULT, ETIMEDOUT, EIO, ECANCELED, EAGAIN, allocs,
};
