// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel-lane smoke test, run by the guest's node against the real apu
 * module. Plain JavaScript on purpose: it needs nothing from the project but
 * koffi (found in /opt/accel-conformance/node_modules), and without koffi it
 * only checks what sysfs and open() show.
 *
 * Covers: DRM_IOCTL_VERSION, STATE, GEM_NEW, IOMMU_MAP/UNMAP, NOP, FILL,
 * CHECKSUM, COPY, mmap, faults, HANG (timeout + reset), CRASH, the GEM_QUEUE
 * errors, GEM_DEQUEUE isolation, two contexts, PRIME self/cross-file import,
 * import of a vgem dma-buf, the ban after ban_after hangs, teardown with a
 * hang in flight, GEM_CLOSE and debugfs gem_objects; with exclusive=1 the
 * EBUSY of a second open and the reopen after the last close.
 *
 * Usage (guest): node /lane/smoke.js [--out FILE] [--quick]
 */
'use strict';

const fs = require('fs');

const results = [];
let failed = 0;
function check(name, ok, detail) {
  results.push({ name, ok: !!ok, detail: detail === undefined ? '' : String(detail) });
  if (!ok) failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail === undefined ? '' : ` (${detail})`}`);
}
const argv = process.argv.slice(2);
const outFile = argv.includes('--out') ? argv[argv.indexOf('--out') + 1] : null;
const quick = argv.includes('--quick');

function finish() {
  console.log(`${results.length - failed} passed, ${failed} failed`);
  if (outFile) fs.writeFileSync(outFile, JSON.stringify({ results, failed }, null, 2));
  process.exit(failed ? 1 : 0);
}
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

const accel = fs.existsSync('/sys/class/accel') ? fs.readdirSync('/sys/class/accel') : [];
check('sysfs lists accel0', accel.includes('accel0'), accel.join(' '));
const NODE = '/dev/accel/accel0';
let st;
try {
  st = fs.statSync(NODE);
} catch (e) {
  check(`${NODE} exists`, false, e.code);
  finish();
}
check(`${NODE} is a char device of major 261`, st.isCharacterDevice() && st.rdev >> 8 === 261, `rdev ${st.rdev}`);
const param = (n) => fs.readFileSync(`/sys/module/apu/parameters/${n}`, 'utf8').trim();
const exclusive = ['1', 'Y'].includes(param('exclusive'));
const timeoutMs = Number(param('timeout_ms'));
const banAfter = Number(param('ban_after'));
const driverLink = fs.readlinkSync('/sys/class/accel/accel0/device/driver');
check('the parent apu.0 is bound to the apu platform driver', driverLink.endsWith('/apu'), driverLink);

const lib = require('./apu-lib');
if (!lib.koffi) {
  // --no-project: nothing to call ioctl() with; open() and sysfs are all we check.
  let opened = 'opened';
  try {
    fs.closeSync(fs.openSync(NODE, 'r+'));
  } catch (e) {
    opened = e.code;
  }
  check('open /dev/accel/accel0 (no koffi: ioctl checks skipped)', opened === 'opened', opened);
  finish();
}
const { c, mem, arg, drm, apu, mmap, R, Dev, fillArgs, csumArgs, copyArgs, fnv, res, waitOnline, gemObjects, allocs } = lib;
const { EINVAL, ENOENT, EFAULT, ETIMEDOUT, EIO, ECANCELED } = lib;
check('DRM_IOCTL_VERSION is 0xC0406400', R.VERSION === 0xc0406400, R.VERSION.toString(16));

const d = Dev.open();
check('open /dev/accel/accel0', d.fd >= 0, d.fd);

/* ---- DRM_IOCTL_VERSION ---- */
{
  const bufs = [mem(64), mem(64), mem(256)];
  const v = arg(drm.drm_version, {
    name_len: 64n, name: bufs[0].a, date_len: 64n, date: bufs[1].a, desc_len: 256n, desc: bufs[2].a,
  });
  const e = d.ioctl(R.VERSION, v);
  const out = drm.drm_version.decode(v.b);
  const str = (i, len) => bufs[i].b.subarray(0, Number(len)).toString();
  const name = str(0, out.name_len);
  check('DRM_IOCTL_VERSION', e === 0, `errno ${e}`);
  check('driver name is apu', name === 'apu', name);
  check('version 1.0.0', out.version_major === 1 && out.version_minor === 0 && out.version_patchlevel === 0,
    `${out.version_major}.${out.version_minor}.${out.version_patchlevel} date "${str(1, out.date_len)}" desc "${str(2, out.desc_len)}"`);
}

/* ---- STATE, GEM_NEW, MAP ---- */
check('STATE is APU_ONLINE', d.state() === 1, d.state());
{
  check('STATE device 1 gives EINVAL', d.ioctl(R.STATE, arg(apu.drm_apu_state, { device: 1 })) === EINVAL);
}
const bo = d.gemNew(8192);
check('GEM_NEW 8192', bo.e === 0 && bo.handle === 1 && bo.offset !== 0n, `errno ${bo.e} handle ${bo.handle}`);
const ro = d.gemNew(100, 1);
check('GEM_NEW read-only', ro.e === 0 && ro.handle === 2, `errno ${ro.e} handle ${ro.handle}`);
for (const [what, size, flags] of [['size 0', 0, 0], ['above 64 MiB', (64 << 20) + 1, 0], ['unknown flag', 4096, 2]]) {
  const z = d.gemNew(size, flags);
  check(`GEM_NEW ${what} gives EINVAL, handle and offset 0`, z.e === EINVAL && z.handle === 0 && z.offset === 0n, `${z.e} ${z.handle}`);
}
const mp = d.map([bo.handle, ro.handle]);
const [va, vro] = mp.addrs;
check('IOMMU_MAP: first fit from 0x10000000', mp.e === 0 && va === 0x10000000n && vro === 0x10002000n,
  `errno ${mp.e} ${mp.addrs.map((x) => '0x' + x.toString(16)).join(' ')}`);
{
  const again = d.map([bo.handle]);
  check('IOMMU_MAP of a mapped object: same address, one more reference', again.e === 0 && again.addrs[0] === va);
  check('IOMMU_UNMAP drops that reference', d.unmap([bo.handle]) === 0);
  check('IOMMU_MAP of an unknown handle gives ENOENT', d.map([99]).e === ENOENT);
  check('IOMMU_MAP all or nothing (known + unknown): nothing mapped', d.map([bo.handle, 99]).e === ENOENT && d.unmap([bo.handle, bo.handle]) === EINVAL);
  const m = arg(apu.drm_apu_gem_iommu_map, {});
  check('IOMMU_MAP count 0 gives EINVAL', d.ioctl(R.MAP, m) === EINVAL);
  const h = mem(4);
  h.b.writeUInt32LE(bo.handle, 0);
  apu.drm_apu_gem_iommu_map.write(m.b, 0, { bo_handles: h.a, bo_handle_count: 1, bo_device_addresses: 8n });
  check('IOMMU_MAP to an unwritable address array gives EFAULT', d.ioctl(R.MAP, m) === EFAULT);
  const n = d.gemNew(4096);
  const mn = d.map([n.handle]);
  check('IOMMU_MAP after the failed one takes the next free range', mn.e === 0 && mn.addrs[0] === 0x10003000n, '0x' + mn.addrs[0].toString(16));
  d.unmap([n.handle]);
  d.gemClose(n.handle);
}

/* ---- jobs ---- */
{
  const r = d.run(0, null);
  check('NOP job completes with result 0', r.e === 0 && r.result === 0, res(r));
  check('DEQUEUE of an unknown out_sync gives ENOENT', d.dequeue(d.syncobj()).e === ENOENT);
}
const m = mmap(d.fd, 8192, bo.offset);
{
  const r = d.run(1, fillArgs(va + 100n, 5000, 0x1ab), 0, [bo.handle]);
  check('FILL', r.e === 0 && r.result === 0, res(r));
  const expect = Buffer.alloc(8192);
  expect.fill(0xab, 100, 5100);
  check('mmap shows the FILL', m.b.equals(expect));
  const s = d.run(3, csumArgs(va, 8192), 8, [bo.handle]);
  check('CHECKSUM is FNV-1a', s.e === 0 && s.result === 0 && s.out.readUInt32LE(0) === fnv(expect),
    `${res(s)} ${s.out.readUInt32LE(0).toString(16)} vs ${fnv(expect).toString(16)}`);
  m.b.fill(7, 0, 16);
  const cp = d.run(2, copyArgs(va, va + 4096n, 4096), 0, [bo.handle]);
  check('COPY', cp.e === 0 && cp.result === 0 && m.b[4096] === 7 && m.b[4096 + 100] === 0xab, res(cp));
  for (let i = 0; i < 8192; i++) m.b[i] = i & 0xff;
  const before = Buffer.from(m.b);
  const ov = d.run(2, copyArgs(va, va + 10n, 6000), 0, [bo.handle]);
  const want = Buffer.from(before);
  before.copy(want, 10, 0, 6000);
  check('COPY of overlapping ranges moves like memmove', ov.result === 0 && m.b.equals(want), res(ov));
  const snap = Buffer.from(m.b);
  const f = d.run(1, fillArgs(vro, 16, 1), 0, [ro.handle]);
  check('FILL through a read-only mapping: EFAULT', f.e === 0 && f.result === EFAULT, res(f));
  const f2 = d.run(1, fillArgs(va + 4096n, 8192, 1), 0);
  check('FILL across the end of a mapping: EFAULT, no byte written', f2.result === EFAULT && m.b.equals(snap), res(f2));
  const cpf = d.run(2, copyArgs(0x20000000n, va, 16), 0);
  check('COPY from an unmapped address: EFAULT, no byte written', cpf.result === EFAULT && m.b.equals(snap), res(cpf));
  const z = d.run(1, fillArgs(va, 0, 1), 0);
  check('FILL of len 0: firmware EINVAL', z.e === 0 && z.result === EINVAL, res(z));
  const ck = d.run(3, csumArgs(vro, 4096), 8);
  check('CHECKSUM through a read-only mapping works', ck.result === 0 && ck.out.readUInt32LE(0) === fnv(Buffer.alloc(4096)), res(ck));
}

/* ---- GEM_QUEUE errors ---- */
{
  const s = d.syncobj();
  check('QUEUE device 1: EINVAL', d.queue(0, null, 0, s, [], 1) === EINVAL);
  check('QUEUE unknown cmd: EINVAL', d.queue(6, null, 0, s) === EINVAL);
  check('QUEUE size_in mismatch: EINVAL', d.queue(1, Buffer.alloc(8), 0, s) === EINVAL);
  check('QUEUE size_out mismatch: EINVAL', d.queue(3, csumArgs(va, 16), 0, s) === EINVAL);
  check('QUEUE non-zero pad: EINVAL', d.queue(3, csumArgs(va, 16, 1), 8, s) === EINVAL);
  check('QUEUE unknown out_sync: ENOENT', d.queue(0, null, 0, 999) === ENOENT);
  check('QUEUE unknown BO: ENOENT', d.queue(0, null, 0, s, [77]) === ENOENT);
  check('QUEUE NOP', d.queue(0, null, 0, s) === 0);
  check('QUEUE with an out_sync not yet dequeued: EINVAL', d.queue(0, null, 0, s) === EINVAL);
  d.wait(s, 5000);
  const r = d.dequeue(s, 0);
  check('DEQUEUE with size 0 and a buffer, output 0 bytes', r.e === 0 && r.result === 0 && r.size === 0, `${r.e} ${r.size}`);
  const s2 = d.syncobj();
  d.queue(3, csumArgs(va, 16), 8, s2, [bo.handle]);
  d.wait(s2, 5000);
  check('DEQUEUE of a CHECKSUM into 4 bytes: EINVAL', d.dequeue(s2, 4).e === EINVAL);
  check('the job stays for a proper DEQUEUE', d.dequeue(s2, 8).e === 0);
}

/* ---- a second context ---- */
if (!exclusive) {
  const d2 = Dev.open();
  const b2 = d2.gemNew(4096);
  check('second context: its own handle table (handle 1)', b2.e === 0 && b2.handle === 1, b2.handle);
  const a2 = d2.map([b2.handle]);
  check('second context: its own IO page table (0x10000000 again)', a2.e === 0 && a2.addrs[0] === 0x10000000n);
  const snap = Buffer.from(m.b);
  const f = d2.run(1, fillArgs(va + 4096n, 4096, 9), 0);
  check('second context cannot reach the first one\'s pages (EFAULT)', f.result === EFAULT && m.b.equals(snap), res(f));
  const s = d.syncobj();
  d.queue(0, null, 0, s);
  d.wait(s, 5000);
  check('DEQUEUE of another file\'s job: ENOENT', d2.dequeue(s).e === ENOENT);
  check('the owner still dequeues it', d.dequeue(s).e === 0);
  // PRIME: the same object through the second file.
  const dmabuf = d.primeExport(bo.handle);
  check('PRIME export', dmabuf >= 0, dmabuf);
  check('PRIME self-import gives the same handle', d.primeImport(dmabuf) === bo.handle);
  const h2 = d2.primeImport(dmabuf);
  check('PRIME import into the second file', h2 > 0, h2);
  const a3 = d2.map([h2]);
  const f3 = d2.run(1, fillArgs(a3.addrs[0], 4096, 0x42), 0, [h2]);
  check('the importer\'s FILL lands in the exporter\'s mapping', f3.result === 0 && m.b[0] === 0x42 && m.b[4095] === 0x42, res(f3));
  fs.closeSync(dmabuf);
  // Teardown with a hang in flight: the device goes on at once.
  const s3 = d2.syncobj();
  d2.queue(4, null, 0, s3);
  d2.queue(0, null, 0, d2.syncobj());
  sleep(20);
  const t0 = Date.now();
  d2.close();
  const n = d.run(0, null);
  const ms = Date.now() - t0;
  check('closing a file with a hang in flight frees the device at once', n.result === 0 && ms < timeoutMs, `${res(n)} after ${ms} ms`);
}

/* ---- vgem dma-buf imported into the APU ---- */
if (!quick && fs.existsSync('/dev/dri/card0')) {
  const vg = Dev.open('/dev/dri/card0');
  const cd = arg(drm.drm_mode_create_dumb, { height: 1, width: 4096, bpp: 8 });
  const e = vg.ioctl(R.MODE_CREATE_DUMB, cd);
  const vh = drm.drm_mode_create_dumb.decode(cd.b).handle;
  const dmabuf = e ? -e : vg.primeExport(vh);
  const h = dmabuf >= 0 ? d.primeImport(dmabuf) : dmabuf;
  check('vgem dumb buffer imported into the APU', e === 0 && h > 0, `create ${e} export ${dmabuf} import ${h}`);
  if (h > 0) {
    const a = d.map([h]);
    const f = d.run(1, fillArgs(a.addrs[0], 4096, 0x5a), 0, [h]);
    const s = d.run(3, csumArgs(a.addrs[0], 4096), 8, [h]);
    const want = fnv(Buffer.alloc(4096, 0x5a));
    check('FILL + CHECKSUM on the imported vgem buffer', f.result === 0 && s.result === 0 && s.out.readUInt32LE(0) === want, `${res(f)}; ${res(s)}`);
    const md = arg(drm.drm_mode_map_dumb, { handle: vh });
    if (vg.ioctl(R.MODE_MAP_DUMB, md) === 0) {
      const vm = mmap(vg.fd, 4096, drm.drm_mode_map_dumb.decode(md.b).offset);
      check('vgem sees the APU\'s FILL', vm.b[0] === 0x5a && vm.b[4095] === 0x5a, vm.b[0]);
      vm.unmap();
    }
    d.unmap([h]);
    d.gemClose(h);
  }
  if (dmabuf >= 0) fs.closeSync(dmabuf);
  vg.close();
}

/* ---- HANG, CRASH ---- */
{
  const h = d.run(4, null, 0, [], timeoutMs * 10 + 2000);
  check('HANG times out with ETIMEDOUT', h.result === ETIMEDOUT && h.ms >= timeoutMs && h.ms <= timeoutMs * 1.5 + 100,
    `${res(h)} after ${h.ms} ms (timeout ${timeoutMs})`);
  const s = d.state();
  check('STATE back to APU_ONLINE after the reset', waitOnline(d), `state right after: ${s}`);
  const cr = d.run(5, null);
  check('CRASH gives EIO', cr.result === EIO, res(cr));
  const n = d.run(0, null);
  check('a NOP after the crash runs', n.result === 0, res(n));
  check('STATE ONLINE after the crash', waitOnline(d));
}

/* ---- ban after ban_after consecutive timeouts ---- */
if (!quick && banAfter > 0 && !exclusive) {
  const b = Dev.open();
  const syncs = [];
  for (let i = 0; i < banAfter; i++) {
    const s = b.syncobj();
    b.queue(4, null, 0, s);
    syncs.push(s);
  }
  const last = b.syncobj();
  b.queue(0, null, 0, last);
  const w = b.wait(last, (timeoutMs + 200) * (banAfter + 1) + 2000);
  const results_ = syncs.map((s) => b.dequeue(s).result);
  const r = b.dequeue(last);
  check(`${banAfter} hangs in a row ban the context: its next job ECANCELED`,
    w === 0 && results_.every((x) => x === ETIMEDOUT) && r.result === ECANCELED, `${results_.join(',')} then ${r.result}`);
  const again = b.run(0, null);
  check('a banned context stays banned', again.result === ECANCELED, res(again));
  b.close();
  const n = d.run(0, null);
  check('other contexts are not banned', n.result === 0, res(n));
}

/* ---- cleanup ---- */
m.unmap();
check('IOMMU_UNMAP', d.unmap([bo.handle, ro.handle]) === 0);
check('IOMMU_UNMAP again gives EINVAL', d.unmap([bo.handle]) === EINVAL);
check('GEM_CLOSE', d.gemClose(bo.handle) === 0 && d.gemClose(ro.handle) === 0);
check('GEM_CLOSE of a closed handle gives EINVAL', d.gemClose(bo.handle) === EINVAL);
check('debugfs gem_objects is 0 after GEM_CLOSE', gemObjects() === 0, gemObjects());
{
  // Objects still mapped when the file closes go with the file.
  const x = d.gemNew(4096);
  d.map([x.handle]);
  check('a mapped object counts in gem_objects', gemObjects() === 1, gemObjects());
}

if (exclusive) {
  let code = 'opened';
  try {
    fs.closeSync(fs.openSync(NODE, 'r+'));
  } catch (e) {
    code = e.code;
  }
  check('exclusive=1: a second open gives EBUSY', code === 'EBUSY', code);
  // A hang in flight while the holder closes: EAGAIN at most while it is torn down.
  const s = d.syncobj();
  d.queue(4, null, 0, s);
  sleep(20);
}
d.close();
check('closing the file releases its mapped objects', gemObjects() === 0, gemObjects());
if (exclusive) {
  let ok = false;
  const codes = new Set();
  const t0 = Date.now();
  for (let i = 0; i < 1000 && !ok; i++) {
    try {
      const x = Dev.open();
      let busy = 'opened';
      try {
        fs.closeSync(fs.openSync(NODE, 'r+'));
      } catch (e) {
        busy = e.code;
      }
      check('exclusive=1: the new holder is exclusive again', busy === 'EBUSY', busy);
      x.close();
      ok = true;
    } catch (e) {
      codes.add(e.code);
      sleep(2);
    }
  }
  check('exclusive=1: open succeeds after the holder closed (only EAGAIN before)', ok && [...codes].every((x) => x === 'EAGAIN'),
    `${Date.now() - t0} ms, errors seen: ${[...codes].join(',') || 'none'}`);
}
for (const a of allocs) c.free(a);
finish();
