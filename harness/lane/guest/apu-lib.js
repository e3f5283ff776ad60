// SPDX-License-Identifier: GPL-2.0
/*
 * The reference APU's ioctls from plain JavaScript for the kernel lane's
 * stress workload (stress.js): koffi into libc, request numbers and struct
 * layouts from the project's compiled declarations (dist/, as the initramfs
 * carries it), never laid out by hand.
 */
'use strict';

const fs = require('fs');

const NODE = '/dev/accel/accel0';
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

let koffi = null;
let root = null;
for (const base of ['/opt/accel-conformance', process.cwd()]) {
  try {
    koffi = require(require.resolve('koffi', { paths: [base] }));
    root = base;
    break;
  } catch {
    /* next */
  }
}
if (!koffi) {
  module.exports = { koffi: null };
  return;
}
const drm = require(`${root}/dist/harness/uapi/drm.js`);
const apu = require(`${root}/dist/drivers/apu/uapi.js`);

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

const D = drm.DRM_CORE_IOCTLS;
const A = apu.APU_IOCTLS;
const R = {
  VERSION: D.VERSION.request,
  GEM_CLOSE: D.GEM_CLOSE.request,
  PRIME_HANDLE_TO_FD: D.PRIME_HANDLE_TO_FD.request,
  PRIME_FD_TO_HANDLE: D.PRIME_FD_TO_HANDLE.request,
  MODE_CREATE_DUMB: D.MODE_CREATE_DUMB.request,
  MODE_MAP_DUMB: D.MODE_MAP_DUMB.request,
  SYNCOBJ_CREATE: D.SYNCOBJ_CREATE.request,
  SYNCOBJ_DESTROY: D.SYNCOBJ_DESTROY.request,
  // The kernel's form (with deadline_nsec): the guest kernel is new enough.
  SYNCOBJ_WAIT: D.SYNCOBJ_WAIT.kernelRequest,
  STATE: A.STATE.request,
  GEM_NEW: A.GEM_NEW.request,
  GEM_QUEUE: A.GEM_QUEUE.request,
  GEM_DEQUEUE: A.GEM_DEQUEUE.request,
  MAP: A.GEM_IOMMU_MAP.request,
  UNMAP: A.GEM_IOMMU_UNMAP.request,
};
/* User memory holding `layout` encoded from `v`. */
function arg(layout, v) {
  const m = mem(layout.size);
  layout.encode(v).copy(m.b);
  return m;
}
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
    const s = arg(apu.drm_apu_state, { device: 0 });
    const e = this.ioctl(R.STATE, s);
    return e ? -e : apu.drm_apu_state.decode(s.b).flags;
  }
  gemNew(size, flags = 0) {
    const g = arg(apu.drm_apu_gem_new, { size, flags, handle: 0xdead }); // the kernel must zero handle on failure
    const e = this.ioctl(R.GEM_NEW, g);
    const out = apu.drm_apu_gem_new.decode(g.b);
    return { e, handle: out.handle, offset: out.offset };
  }
  gemClose(h) {
    return this.ioctl(R.GEM_CLOSE, arg(drm.drm_gem_close, { handle: h }));
  }
  map(handles, req = R.MAP) {
    const h = mem(4 * handles.length);
    handles.forEach((x, i) => h.b.writeUInt32LE(x, 4 * i));
    const out = mem(8 * handles.length);
    const m = arg(apu.drm_apu_gem_iommu_map, { bo_handles: h.a, bo_handle_count: handles.length, bo_device_addresses: out.a });
    const e = this.ioctl(req, m);
    return { e, addrs: handles.map((_, i) => out.b.readBigUInt64LE(8 * i)) };
  }
  unmap(handles) {
    return this.map(handles, R.UNMAP).e;
  }
  syncobj() {
    const s = arg(drm.drm_syncobj_create, {});
    if (this.ioctl(R.SYNCOBJ_CREATE, s)) throw new Error('SYNCOBJ_CREATE');
    return drm.drm_syncobj_create.decode(s.b).handle;
  }
  destroySyncobj(h) {
    return this.ioctl(R.SYNCOBJ_DESTROY, arg(drm.drm_syncobj_destroy, { handle: h }));
  }
  wait(handle, ms) {
    const h = mem(4);
    h.b.writeUInt32LE(handle, 0);
    const w = arg(drm.drm_syncobj_wait_current, {
      handles: h.a,
      timeout_nsec: process.hrtime.bigint() + BigInt(ms) * 1000000n, // CLOCK_MONOTONIC
      count_handles: 1,
      flags: drm.DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
    });
    return this.ioctl(R.SYNCOBJ_WAIT, w);
  }
  queue(cmd, args, sizeOut, sync, handles = [], device = 0) {
    const h = mem(4 * Math.max(1, handles.length));
    handles.forEach((x, i) => h.b.writeUInt32LE(x, 4 * i));
    const d = args ? mem(args.length) : null;
    if (d) args.copy(d.b);
    const q = arg(apu.drm_apu_gem_queue, {
      device,
      cmd,
      out_sync: sync,
      bo_handles: h.a,
      bo_handle_count: handles.length,
      size_in: args ? args.length : 0,
      size_out: sizeOut,
      data: d ? d.a : 0n,
    });
    return this.ioctl(R.GEM_QUEUE, q);
  }
  dequeue(sync, size = 8) {
    const out = mem(8);
    const d = arg(apu.drm_apu_gem_dequeue, { out_sync: sync, size, data: out.a });
    const e = this.ioctl(R.GEM_DEQUEUE, d);
    const v = apu.drm_apu_gem_dequeue.decode(d.b);
    return { e, result: v.result, size: v.size, out: Buffer.from(out.b) };
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
    const p = arg(drm.drm_prime_handle, { handle: h, flags: drm.DRM_CLOEXEC | drm.DRM_RDWR });
    const e = this.ioctl(R.PRIME_HANDLE_TO_FD, p);
    return e ? -e : drm.drm_prime_handle.decode(p.b).fd;
  }
  primeImport(dmabuf) {
    const p = arg(drm.drm_prime_handle, { fd: dmabuf });
    const e = this.ioctl(R.PRIME_FD_TO_HANDLE, p);
    return e ? -e : drm.drm_prime_handle.decode(p.b).handle;
  }
}
const fillArgs = (dst, len, value) => apu.apu_cmd_fill.encode({ dst, len, value });
const csumArgs = (src, len, pad = 0) => apu.apu_cmd_checksum.encode({ src, len, pad });
const copyArgs = (src, dst, len) => apu.apu_cmd_copy.encode({ src, dst, len });
const fnv = (buf) => apu.fnv1a32(buf);
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
  koffi, c, mem, arg, drm, apu, mmap, R, Dev, NODE, sleep, fillArgs, csumArgs, copyArgs, fnv, res, waitOnline, gemObjects,
  EINVAL, ENOENT, EFAULT, ETIMEDOUT, EIO, ECANCELED, EAGAIN, allocs,
};
