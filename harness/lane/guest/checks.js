// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel-lane regression checks for the module's review fixes, run by
 * `npm run kernel-lane` in both boots (shared and exclusive=1). Small and
 * quick; the kernel log is checked for warnings by guest/init afterwards.
 *
 *   - GEM_QUEUE with bo_handle_count above APU_MAX_BO_HANDLES (1024): EINVAL
 *     before anything is read or allocated, also for a huge count and an
 *     unreadable array; 1024 handles are accepted.
 *   - GEM_IOMMU_MAP with an unwritable bo_device_addresses: EFAULT and
 *     nothing mapped (UNMAP then gives EINVAL; the next MAP takes the first
 *     address with one reference), and the device still runs a NOP.
 *   - Closing a file whose job waits behind another context's HANG returns
 *     without waiting for that HANG (shared policy only: two contexts).
 *   - The platform driver offers no sysfs unbind.
 *
 * Usage (guest): node /lane/checks.js
 */
'use strict';

const fs = require('fs');
const lib = require('./apu-lib');

let failed = 0;
let total = 0;
function check(name, ok, detail) {
  total++;
  if (!ok) failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail === undefined ? '' : ` (${detail})`}`);
}
if (!lib.koffi) {
  console.log('checks: koffi not found');
  process.exit(1);
}
const { Dev, mem, arg, apu, R, res, sleep, gemObjects, c, allocs } = lib;
const { EINVAL, EFAULT } = lib;
const param = (n) => fs.readFileSync(`/sys/module/apu/parameters/${n}`, 'utf8').trim();
const exclusive = param('exclusive') === '1';
const timeoutMs = Number(param('timeout_ms'));
const APERTURE = 0x10000000n;

/* A GEM_QUEUE NOP with a raw bo_handles pointer and count. */
function queueRaw(d, sync, handlesPtr, count) {
  const q = arg(apu.drm_apu_gem_queue, { device: 0, cmd: apu.APU_CMD_NOP, out_sync: sync, bo_handles: handlesPtr, bo_handle_count: count });
  return d.ioctl(R.GEM_QUEUE, q);
}

const objectsBefore = gemObjects();
const d = Dev.open();
const bo = d.gemNew(4096);
check('GEM_NEW', bo.e === 0, `errno ${bo.e}`);

/* ---- GEM_QUEUE: bo_handle_count is bounded by APU_MAX_BO_HANDLES ---- */
{
  const s = d.syncobj();
  const h = mem(4 * 1025);
  // 1025 unknown handles (0): without the bound this would be ENOENT.
  check('QUEUE with 1025 handles: EINVAL', queueRaw(d, s, h.a, 1025) === EINVAL);
  check('QUEUE with 0xffffffff handles and no array: EINVAL (not EFAULT or ENOMEM)',
    queueRaw(d, s, 0n, 0xffffffff) === EINVAL);
  check('QUEUE with 1025 handles and an unreadable array: EINVAL', queueRaw(d, s, 8n, 1025) === EINVAL);
  for (let i = 0; i < 1024; i++) h.b.writeUInt32LE(bo.handle, 4 * i);
  const q = queueRaw(d, s, h.a, 1024);
  check('QUEUE with 1024 handles (the bound) is accepted', q === 0, `errno ${q}`);
  if (q === 0) {
    const w = d.wait(s, 10000);
    const r = d.dequeue(s);
    check('the 1024-handle NOP completes', w === 0 && r.e === 0 && r.result === 0, `wait ${w} dequeue ${r.e} result ${r.result}`);
  }
  h.b.writeUInt32LE(77, 4 * 1023);
  check('QUEUE with 1024 handles, the last unknown: ENOENT', queueRaw(d, s, h.a, 1024) === lib.ENOENT);
}

/* ---- GEM_IOMMU_MAP: EFAULT on the address array maps nothing ---- */
{
  const h = mem(4);
  h.b.writeUInt32LE(bo.handle, 0);
  // bo_device_addresses 8: unwritable.
  const m = arg(apu.drm_apu_gem_iommu_map, { bo_handles: h.a, bo_handle_count: 1, bo_device_addresses: 8n });
  check('MAP to an unwritable bo_device_addresses: EFAULT', d.ioctl(R.MAP, m) === EFAULT);
  check('after it the object is not mapped (UNMAP: EINVAL)', d.unmap([bo.handle]) === EINVAL);
  const again = d.map([bo.handle]);
  check('a new MAP takes the first address of the aperture', again.e === 0 && again.addrs[0] === APERTURE,
    `errno ${again.e} 0x${again.addrs[0].toString(16)}`);
  check('with exactly one reference (UNMAP 0, then EINVAL)', d.unmap([bo.handle]) === 0 && d.unmap([bo.handle]) === EINVAL);
  // Twice the same handle, unwritable array: both references go.
  const h2 = mem(8);
  h2.b.writeUInt32LE(bo.handle, 0);
  h2.b.writeUInt32LE(bo.handle, 4);
  apu.drm_apu_gem_iommu_map.write(m.b, 0, { bo_handles: h2.a, bo_handle_count: 2, bo_device_addresses: 8n });
  check('MAP of one handle twice to an unwritable array: EFAULT, nothing mapped',
    d.ioctl(R.MAP, m) === EFAULT && d.unmap([bo.handle]) === EINVAL);
  const n = d.run(0, null);
  check('the device still runs a NOP', n.e === 0 && n.result === 0, res(n));
}

/* ---- close does not wait for other contexts' jobs ---- */
if (!exclusive) {
  const a = Dev.open();
  const hang = a.syncobj();
  check('QUEUE HANG in a first context', a.queue(4, null, 0, hang) === 0);
  sleep(20);
  const b = Dev.open();
  const bb = b.gemNew(4096);
  b.map([bb.handle]);
  for (let i = 0; i < 4; i++) b.queue(0, null, 0, b.syncobj(), [bb.handle]);
  const t0 = Date.now();
  b.close();
  const ms = Date.now() - t0;
  check('closing a second context with jobs queued behind the HANG returns at once', ms < timeoutMs / 2,
    `${ms} ms, timeout ${timeoutMs} ms`);
  const w = a.wait(hang, timeoutMs * 4 + 2000);
  const r = a.dequeue(hang);
  check('the HANG still times out', w === 0 && r.result === lib.ETIMEDOUT, `wait ${w} result ${r.result}`);
  a.close();
}

/* ---- no sysfs unbind ---- */
check('the apu platform driver has no sysfs unbind', !fs.existsSync('/sys/bus/platform/drivers/apu/unbind'));

d.gemClose(bo.handle);
d.close();
sleep(50);
check('gem_objects back to its value before', gemObjects() === objectsBefore, `${objectsBefore} -> ${gemObjects()}`);
for (const x of allocs) c.free(x);
console.log(`checks: ${total - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
