/**
 * iommu: every context has its own IO address space. A device access outside
 * it faults before touching memory, unmapping takes effect, mappings are
 * refcounted and a read-only object cannot be written by the device.
 */
import { check, checkBytes, checkEq, checkSameBytes, expectErrno } from '../../harness/testing/assert';
import { defineFamily, type TestContext, subtest } from '../../harness/testing/define';
import { APU_PAGE_SIZE } from '../../drivers/apu/uapi';
import { deviceAddresses, mappedBuffer, pattern, runJob, openRetry } from '../lib/device';

interface Aperture {
  readonly start: bigint;
  readonly end: bigint;
}

/** Apertures the reference APU documents (docs/uapi-apu.md: GEM_IOMMU_MAP), by driver name. */
const DOCUMENTED_APERTURES: ReadonlyMap<string, Aperture> = new Map([
  ['apu', { start: 0x10000000n, end: 0x40000000n }],
  ['mt8183-apu', { start: 0x60000000n, end: 0x70000000n }],
]);

const PAGE = BigInt(APU_PAGE_SIZE);

const contextIsolation = subtest({
  name: 'context-isolation',
  description: 'a job of context B copying from context A\'s device address faults and changes neither A\'s memory nor B\'s destination',
  reference: 'docs/uapi-apu.md: Contexts (own IO page table), Job results (EFAULT)',
  destructive: true,
  requires: ['second-context', 'device-address', 'jobs.copy', 'buffers.mmap'],
}, async (t: TestContext): Promise<void> => {
  const a = await openRetry(t);
  const b = await openRetry(t);
  // A maps a pad object first, so its victim sits above the first address B will get.
  const pad = t.capability('buffers').create(a, 4 * 4096);
  const victim = mappedBuffer(t, a, 4096);
  const secret = pattern(4096, 11);
  secret.copy(victim.map.bytes);
  const [, addrA] = deviceAddresses(t, a, [pad.handle, victim.bo.handle]);
  const dst = mappedBuffer(t, b, 4096);
  dst.map.bytes.fill(0x11);
  const [addrB] = deviceAddresses(t, b, [dst.bo.handle]);
  const src = addrA as bigint;
  const d = addrB as bigint;
  t.log(`A's secret at 0x${src.toString(16)}, B's destination at 0x${d.toString(16)}`);
  if (src < d + 4096n && d < src + 4096n) t.skip('B\'s only mapping overlaps A\'s address: no unmapped address in B to aim at');
  const r = await runJob(t, b, { kind: 'copy', src, dst: d, len: 4096 }, [dst.bo.handle]);
  checkEq(r.status, 'fault', `context B copying from context A's device address 0x${src.toString(16)}`);
  checkSameBytes(victim.map.bytes.subarray(0, 4096), secret, 'context A\'s memory');
  checkBytes(dst.map.bytes.subarray(0, 4096), 0x11, 'context B\'s destination');
});

const unmapFaults = subtest({
  name: 'unmap-faults',
  description: 'after GEM_IOMMU_UNMAP a job touching the address faults and writes nothing',
  reference: 'docs/uapi-apu.md: GEM_IOMMU_MAP / GEM_IOMMU_UNMAP',
  destructive: true,
  requires: ['iommu', 'device-map', 'jobs.fill', 'buffers.mmap'],
}, async (t: TestContext): Promise<void> => {
  const deviceMap = t.capability('deviceMap');
  const fd = await openRetry(t);
  const { bo, map } = mappedBuffer(t, fd, 4096);
  const [addr] = deviceMap.map(fd, [bo.handle]);
  const dst = addr as bigint;
  checkEq((await runJob(t, fd, { kind: 'fill', dst, len: 4096, value: 0x42 }, [bo.handle])).status, 'ok', 'FILL while mapped');
  checkBytes(map.bytes.subarray(0, 4096), 0x42, 'buffer after the FILL while mapped');
  deviceMap.unmap(fd, [bo.handle]);
  checkEq((await runJob(t, fd, { kind: 'fill', dst, len: 4096, value: 0x99 }, [bo.handle])).status, 'fault', 'FILL after UNMAP');
  checkBytes(map.bytes.subarray(0, 4096), 0x42, 'buffer after the FILL through the unmapped address');
});

const badMapUnknown = subtest({
  name: 'bad-map-unknown',
  description: 'mapping an unknown handle gives ENOENT and maps nothing of its batch',
  reference: 'docs/uapi-apu.md: GEM_IOMMU_MAP',
  requires: ['iommu', 'device-map'],
}, async (t: TestContext): Promise<void> => {
  const deviceMap = t.capability('deviceMap');
  const fd = await openRetry(t);
  const bo = t.capability('buffers').create(fd, 4096);
  expectErrno('ENOENT', () => deviceMap.map(fd, [0x10101010]), 'GEM_IOMMU_MAP of an unknown handle');
  // All or nothing: a batch with one unknown handle maps nothing, so unmapping the good one misses.
  expectErrno('ENOENT', () => deviceMap.map(fd, [bo.handle, 0x10101010]), 'GEM_IOMMU_MAP of a known and an unknown handle');
  expectErrno('EINVAL', () => deviceMap.unmap(fd, [bo.handle]), 'GEM_IOMMU_UNMAP of an object the failed batch must not have mapped');
});

const basicAddresses = subtest({
  name: 'basic-addresses',
  description: 'device addresses are page aligned, inside the aperture, non-overlapping, and stable for a re-mapped object',
  reference: 'docs/uapi-apu.md: GEM_IOMMU_MAP',
  requires: ['iommu', 'device-map'],
}, async (t: TestContext): Promise<void> => {
  const deviceMap = t.capability('deviceMap');
  const buffers = t.capability('buffers');
  const fd = await openRetry(t);
  const sizes = [4096, 3 * 4096, 4096, 16 * 4096];
  const bos = sizes.map((s) => buffers.create(fd, s));
  const addrs = deviceMap.map(fd, bos.map((b) => b.handle));
  t.log(`addresses ${addrs.map((a) => `0x${a.toString(16)}`).join(', ')}`);
  const aperture = DOCUMENTED_APERTURES.get(t.dev.profile.driver);
  if (!aperture) t.log(`no documented aperture for ${t.dev.profile.driver}: only alignment and overlap checked`);
  addrs.forEach((a, i) => {
    checkEq(a % PAGE, 0n, `device address ${i} modulo the page size`);
    if (aperture) {
      const end = a + BigInt((bos[i] as { size: number }).size);
      check(a >= aperture.start && end <= aperture.end, `object ${i} at [0x${a.toString(16)}, 0x${end.toString(16)}) lies outside the aperture [0x${aperture.start.toString(16)}, 0x${aperture.end.toString(16)})`);
    }
  });
  for (let i = 0; i < addrs.length; i++) {
    for (let j = i + 1; j < addrs.length; j++) {
      const [ai, aj] = [addrs[i] as bigint, addrs[j] as bigint];
      const [si, sj] = [BigInt((bos[i] as { size: number }).size), BigInt((bos[j] as { size: number }).size)];
      check(ai + si <= aj || aj + sj <= ai, `objects ${i} and ${j} overlap in device address space`);
    }
  }
  const [again] = deviceMap.map(fd, [(bos[0] as { handle: number }).handle]);
  checkEq(again as bigint, addrs[0] as bigint, 'address of an object mapped a second time');
});

const mapTwiceRefcounted = subtest({
  name: 'map-twice-refcounted',
  description: 'mapping an object twice gives the same address and it stays mapped until the second unmap',
  reference: 'docs/uapi-apu.md: GEM_IOMMU_MAP (one more reference)',
  destructive: true,
  requires: ['iommu', 'device-map', 'jobs.fill', 'buffers.mmap'],
}, async (t: TestContext): Promise<void> => {
  const deviceMap = t.capability('deviceMap');
  const fd = await openRetry(t);
  const { bo, map } = mappedBuffer(t, fd, 4096);
  const [first] = deviceMap.map(fd, [bo.handle]);
  const [second] = deviceMap.map(fd, [bo.handle]);
  checkEq(second as bigint, first as bigint, 'address of the second mapping of the same object');
  const dst = first as bigint;
  deviceMap.unmap(fd, [bo.handle]);
  checkEq((await runJob(t, fd, { kind: 'fill', dst, len: 4096, value: 0x21 }, [bo.handle])).status, 'ok', 'FILL after one of two unmaps');
  checkBytes(map.bytes.subarray(0, 4096), 0x21, 'buffer after the FILL with one reference left');
  deviceMap.unmap(fd, [bo.handle]);
  checkEq((await runJob(t, fd, { kind: 'fill', dst, len: 4096, value: 0x22 }, [bo.handle])).status, 'fault', 'FILL after the last unmap');
  checkBytes(map.bytes.subarray(0, 4096), 0x21, 'buffer after the FILL through the fully unmapped address');
});

const roWriteFaults = subtest({
  name: 'ro-write-faults',
  description: 'the device reads a read-only object but a write through its mapping faults and changes nothing',
  reference: 'docs/uapi-apu.md: GEM_NEW (APU_BO_DEVICE_RO)',
  destructive: true,
  requires: ['iommu', 'device-address', 'jobs.fill', 'jobs.checksum', 'buffers.device-ro', 'buffers.mmap'],
}, async (t: TestContext): Promise<void> => {
  const fd = await openRetry(t);
  const { bo, map } = mappedBuffer(t, fd, 4096, { deviceReadOnly: true });
  const data = pattern(4096, 12);
  data.copy(map.bytes);
  const [addr] = deviceAddresses(t, fd, [bo.handle]);
  const dst = addr as bigint;
  const read = await runJob(t, fd, { kind: 'checksum', src: dst, len: 4096 }, [bo.handle]);
  checkEq(read.status, 'ok', 'CHECKSUM (a device read) of a read-only object');
  checkEq((await runJob(t, fd, { kind: 'fill', dst, len: 4096, value: 0xee }, [bo.handle])).status, 'fault', 'FILL of a device-read-only object');
  checkSameBytes(map.bytes.subarray(0, 4096), data, 'read-only object after the faulting FILL');
});

const faultNoPartialWrite = subtest({
  name: 'fault-no-partial-write',
  description: 'a FILL that faults on its second page writes nothing to its first',
  reference: 'docs/uapi-apu.md: Firmware commands (every page checked before any is touched)',
  destructive: true,
  // Needs the explicit map: the only mapping of a fresh context has an unmapped page after it.
  requires: ['iommu', 'device-map', 'jobs.fill', 'buffers.mmap'],
}, async (t: TestContext): Promise<void> => {
  const fd = await openRetry(t);
  const { bo, map } = mappedBuffer(t, fd, 4096);
  const [addr] = t.capability('deviceMap').map(fd, [bo.handle]);
  // The only mapping of a fresh context: the page after it is unmapped.
  const r = await runJob(t, fd, { kind: 'fill', dst: addr as bigint, len: 2 * 4096, value: 0x7e }, [bo.handle]);
  checkEq(r.status, 'fault', 'FILL running off the end of the only mapping');
  checkBytes(map.bytes.subarray(0, 4096), 0, 'the mapped page of a FILL that faulted on the next page');
});

const faultNextJobRuns = subtest({
  name: 'fault-next-job-runs',
  description: 'after a faulting job the next job of the context runs and completes',
  reference: 'docs/uapi-apu.md: Job results',
  destructive: true,
  requires: ['iommu', 'device-address', 'jobs.fill', 'buffers.mmap'],
}, async (t: TestContext): Promise<void> => {
  const fd = await openRetry(t);
  const { bo, map } = mappedBuffer(t, fd, 4096);
  const [addr] = deviceAddresses(t, fd, [bo.handle]);
  // Address 0 is below every aperture and never mapped.
  checkEq((await runJob(t, fd, { kind: 'fill', dst: 0n, len: 4096, value: 1 })).status, 'fault', 'FILL at device address 0');
  checkEq((await runJob(t, fd, { kind: 'fill', dst: addr as bigint, len: 4096, value: 0x5c }, [bo.handle])).status, 'ok', 'FILL after a fault');
  checkBytes(map.bytes.subarray(0, 4096), 0x5c, 'buffer filled by the job after the fault');
});

/** The pages a rule is checked on: first, middle and last of an object of `pages` pages. */
function probePages(pages: number): number[] {
  return [...new Set([0, Math.floor(pages / 2), pages - 1])];
}

/** One page's FILL at page `page` of the object mapped at `base`: the job's status. */
async function fillPage(t: TestContext, fd: number, base: bigint, page: number, value: number, handles: readonly number[]): Promise<string> {
  return (await runJob(t, fd, { kind: 'fill', dst: base + BigInt(page) * PAGE, len: APU_PAGE_SIZE, value }, handles)).status;
}

const pageSlice = (bytes: Buffer, page: number): Buffer => bytes.subarray(page * APU_PAGE_SIZE, (page + 1) * APU_PAGE_SIZE);
const pageName = (page: number, pages: number): string =>
  `${page === 0 ? 'first' : page === pages - 1 ? 'last' : 'middle'} page (index ${page} of ${pages} pages)`;

/** Every probed page of a mapped object faults on a FILL and keeps `fill`. */
async function expectAllPagesFault(t: TestContext, fd: number, o: SizedObject, fill: number, what: string): Promise<void> {
  for (const page of probePages(o.pages)) {
    checkEq(await fillPage(t, fd, o.addr, page, 0x99, [o.handle]), 'fault', `FILL of the ${pageName(page, o.pages)} of ${what}`);
    checkBytes(pageSlice(o.bytes, page), fill, `${pageName(page, o.pages)} of ${what} after the faulting FILL`);
  }
}

interface SizedObject {
  readonly handle: number;
  readonly pages: number;
  readonly bytes: Buffer;
  addr: bigint;
}

function sizedObject(t: TestContext, fd: number, pages: number, deviceReadOnly = false): SizedObject {
  const { bo, map } = mappedBuffer(t, fd, pages * APU_PAGE_SIZE, deviceReadOnly ? { deviceReadOnly } : undefined);
  return { handle: bo.handle, pages, bytes: map.bytes, addr: 0n };
}

/** Maps `objs` with one GEM_IOMMU_MAP call and records their addresses. */
function mapBatch(t: TestContext, fd: number, objs: readonly SizedObject[]): void {
  const addrs = t.capability('deviceMap').map(fd, objs.map((o) => o.handle));
  objs.forEach((o, i) => (o.addr = addrs[i] as bigint));
}

const unmapEveryPage = subtest({
  name: 'unmap-every-page',
  description: 'after GEM_IOMMU_UNMAP of a 5-page object a FILL of its first, middle or last page faults and writes nothing',
  reference: 'docs/uapi-apu.md: GEM_IOMMU_UNMAP; drivers/iommu/iommu.c: iommu_unmap (the whole range)',
  destructive: true,
  requires: ['iommu', 'device-map', 'jobs.fill', 'buffers.mmap'],
}, async (t: TestContext): Promise<void> => {
  const fd = await openRetry(t);
  const o = sizedObject(t, fd, 5);
  mapBatch(t, fd, [o]);
  for (const page of probePages(o.pages)) {
    checkEq(await fillPage(t, fd, o.addr, page, 0x42, [o.handle]), 'ok', `FILL of the ${pageName(page, o.pages)} while mapped`);
  }
  t.capability('deviceMap').unmap(fd, [o.handle]);
  // Pages that were never filled stay 0; check the filled ones keep 0x42.
  await expectAllPagesFault(t, fd, o, 0x42, 'an unmapped 5-page object');
});

const unmapBatchEveryObject = subtest({
  name: 'unmap-batch-every-object',
  description: 'one GEM_IOMMU_UNMAP of a 1-page and a 4-page object, in both orders, unmaps every page of both',
  reference: 'docs/uapi-apu.md: GEM_IOMMU_MAP / GEM_IOMMU_UNMAP (each handle of the array)',
  destructive: true,
  requires: ['iommu', 'device-map', 'jobs.fill', 'buffers.mmap'],
}, async (t: TestContext): Promise<void> => {
  const deviceMap = t.capability('deviceMap');
  const fd = await openRetry(t);
  // Both orders: the small object first, then the large one first.
  for (const sizes of [[1, 4], [4, 1]]) {
    const objs = sizes.map((n) => sizedObject(t, fd, n));
    const label = `batch of ${sizes.join(' and ')} pages`;
    mapBatch(t, fd, objs);
    for (const o of objs) {
      checkEq((await runJob(t, fd, { kind: 'fill', dst: o.addr, len: o.pages * APU_PAGE_SIZE, value: 0x42 }, [o.handle])).status, 'ok', `FILL of a ${o.pages}-page object of the ${label}`);
    }
    deviceMap.unmap(fd, objs.map((o) => o.handle));
    for (const [i, o] of objs.entries()) await expectAllPagesFault(t, fd, o, 0x42, `object ${i} (${o.pages} pages) of the unmapped ${label}`);
  }
});

const mapTwiceRefcountedBatch = subtest({
  name: 'map-twice-refcounted-batch',
  description: 'a 1-page and a 4-page object, each mapped alone and then both in one call (both orders), stay mapped on every page until the second batch unmap',
  reference: 'docs/uapi-apu.md: GEM_IOMMU_MAP (one more reference per handle of the array)',
  destructive: true,
  requires: ['iommu', 'device-map', 'jobs.fill', 'buffers.mmap'],
}, async (t: TestContext): Promise<void> => {
  const deviceMap = t.capability('deviceMap');
  const fd = await openRetry(t);
  for (const sizes of [[1, 4], [4, 1]]) {
    const objs = sizes.map((n) => sizedObject(t, fd, n));
    const label = `batch of ${sizes.join(' and ')} pages`;
    // Each object mapped alone first, then both again in one call: two references each.
    for (const o of objs) mapBatch(t, fd, [o]);
    const first = objs.map((o) => o.addr);
    mapBatch(t, fd, objs);
    objs.forEach((o, i) => checkEq(o.addr, first[i] as bigint, `address of object ${i} of the ${label} mapped again`));
    const handles = objs.map((o) => o.handle);
    deviceMap.unmap(fd, handles);
    for (const [i, o] of objs.entries()) {
      for (const page of probePages(o.pages)) {
        checkEq(await fillPage(t, fd, o.addr, page, 0x21, [o.handle]), 'ok', `FILL of the ${pageName(page, o.pages)} of object ${i} of the ${label} with one reference left`);
        checkBytes(pageSlice(o.bytes, page), 0x21, `${pageName(page, o.pages)} of object ${i} of the ${label} after its FILL`);
      }
    }
    deviceMap.unmap(fd, handles);
    for (const [i, o] of objs.entries()) await expectAllPagesFault(t, fd, o, 0x21, `object ${i} (${o.pages} pages) of the ${label} after the last unmap`);
  }
});

/** The read-only object faults on every probed page and keeps `data`; the writable one takes a FILL on each. */
async function checkFlagsPerPage(t: TestContext, fd: number, ro: SizedObject, rw: SizedObject, data: Buffer, label: string): Promise<void> {
  for (const page of probePages(ro.pages)) {
    checkEq(await fillPage(t, fd, ro.addr, page, 0xee, [ro.handle]), 'fault', `FILL of the ${pageName(page, ro.pages)} of the read-only object (${label})`);
  }
  checkSameBytes(ro.bytes.subarray(0, data.length), data, `read-only object after the faulting FILLs (${label})`);
  for (const page of probePages(rw.pages)) {
    checkEq(await fillPage(t, fd, rw.addr, page, 0x3c, [rw.handle]), 'ok', `FILL of the ${pageName(page, rw.pages)} of the writable object (${label})`);
    checkBytes(pageSlice(rw.bytes, page), 0x3c, `${pageName(page, rw.pages)} of the writable object after its FILL (${label})`);
  }
}

const roEveryPage = subtest({
  name: 'ro-every-page',
  description: 'a FILL of the first, middle or last page of a 5-page read-only object faults; the device still reads it all',
  reference: 'docs/uapi-apu.md: GEM_NEW (APU_BO_DEVICE_RO); drivers/iommu/io-pgtable-arm.c: arm_lpae_prot_to_pte (per PTE)',
  destructive: true,
  requires: ['iommu', 'device-map', 'jobs.fill', 'jobs.checksum', 'buffers.device-ro', 'buffers.mmap'],
}, async (t: TestContext): Promise<void> => {
  const fd = await openRetry(t);
  const ro = sizedObject(t, fd, 5, true);
  const data = pattern(ro.pages * APU_PAGE_SIZE, 13);
  data.copy(ro.bytes);
  mapBatch(t, fd, [ro]);
  const read = await runJob(t, fd, { kind: 'checksum', src: ro.addr, len: data.length }, [ro.handle]);
  checkEq(read.status, 'ok', 'CHECKSUM (a device read) of a 5-page read-only object');
  for (const page of probePages(ro.pages)) {
    checkEq(await fillPage(t, fd, ro.addr, page, 0xee, [ro.handle]), 'fault', `FILL of the ${pageName(page, ro.pages)} of a read-only object`);
  }
  checkSameBytes(ro.bytes.subarray(0, data.length), data, 'read-only object after the faulting FILLs');
});

const roMixedBatch = subtest({
  name: 'ro-mixed-batch',
  description: 'one GEM_IOMMU_MAP of a read-only and a writable object of different sizes, in both orders, honours each object\'s flag on every page',
  reference: 'docs/uapi-apu.md: GEM_IOMMU_MAP, GEM_NEW (APU_BO_DEVICE_RO per object)',
  destructive: true,
  requires: ['iommu', 'device-map', 'jobs.fill', 'buffers.device-ro', 'buffers.mmap'],
}, async (t: TestContext): Promise<void> => {
  const fd = await openRetry(t);
  // Both orders, objects of different sizes: the flag is each object's, not the batch's.
  for (const roFirst of [false, true]) {
    const ro = sizedObject(t, fd, 3, true);
    const rw = sizedObject(t, fd, 5);
    const data = pattern(ro.pages * APU_PAGE_SIZE, roFirst ? 14 : 15);
    data.copy(ro.bytes);
    const label = roFirst ? 'read-only object first in the batch' : 'writable object first in the batch';
    mapBatch(t, fd, roFirst ? [ro, rw] : [rw, ro]);
    await checkFlagsPerPage(t, fd, ro, rw, data, label);
  }
});

const faultHoleNoPartialWrite = subtest({
  name: 'fault-hole-no-partial-write',
  description: 'a FILL over three pages whose middle one is unmapped faults and writes neither the page before nor the page after the hole',
  reference: 'docs/uapi-apu.md: Firmware commands (every page checked before any is touched)',
  destructive: true,
  requires: ['iommu', 'device-map', 'jobs.fill', 'buffers.mmap'],
}, async (t: TestContext): Promise<void> => {
  const fd = await openRetry(t);
  const objs = [1, 1, 1].map(() => sizedObject(t, fd, 1));
  mapBatch(t, fd, objs);
  const [a, hole, c] = objs as [SizedObject, SizedObject, SizedObject];
  t.log(`addresses 0x${a.addr.toString(16)}, 0x${hole.addr.toString(16)}, 0x${c.addr.toString(16)}`);
  if (hole.addr !== a.addr + PAGE || c.addr !== hole.addr + PAGE) t.skip('three one-page objects mapped in one call did not get adjacent addresses: no hole to put inside one access');
  t.capability('deviceMap').unmap(fd, [hole.handle]);
  // One FILL over three pages whose middle one is unmapped: the fault is neither the first page nor the last.
  const r = await runJob(t, fd, { kind: 'fill', dst: a.addr, len: 3 * APU_PAGE_SIZE, value: 0x7e }, [a.handle, c.handle]);
  checkEq(r.status, 'fault', 'FILL across an unmapped middle page');
  checkBytes(a.bytes.subarray(0, APU_PAGE_SIZE), 0, 'the page before the hole');
  checkBytes(c.bytes.subarray(0, APU_PAGE_SIZE), 0, 'the page after the hole');
});

// Every subtest that makes the device take an MMU fault on purpose is `destructive`: on real
// accelerators a fault often ends in device recovery (an engine or device reset, a firmware
// reload), so real devices run them only with --allow-destructive, like the hang tests.
export default defineFamily('iommu', 'per-context IO address spaces: faults touch no memory, unmap works, mappings refcounted, read-only honoured', [
  contextIsolation,
  unmapFaults,
  badMapUnknown,
  basicAddresses,
  mapTwiceRefcounted,
  roWriteFaults,
  unmapEveryPage,
  unmapBatchEveryObject,
  mapTwiceRefcountedBatch,
  roEveryPage,
  roMixedBatch,
  faultNoPartialWrite,
  faultHoleNoPartialWrite,
  faultNextJobRuns,
]);
