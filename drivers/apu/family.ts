/**
 * accel@apu@...: rules only the reference APU has (docs/uapi-apu.md), like
 * IGT's per-driver binaries. They were the kernel lane's guest scripts
 * (smoke.js, checks.js) before the lane ran the suite itself: what those
 * checked and no generic family covers. Every subtest skips on other drivers.
 */
import { check, checkEq, checkSameBytes, doIoctlErr, expectErrno, mustAsync } from '../../harness/testing/assert';
import { defineFamily, type Subtest, type TestContext, subtest } from '../../harness/testing/define';
import { ERRNO } from '../../harness/sys/errno';
import type { UserMemory } from '../../harness/sys/types';
import { deviceAddresses, mappedBuffer, openRetry, pattern, runJob, waitBudgetMs, waitOnline } from '../../tests/lib/device';
import { syncobjCreate, syncobjWait } from '../../tests/lib/drm';
import { APU_DRIVERS } from './profile';
import { readModuleParam } from '../module-param';
import {
  APU_CMD_CHECKSUM,
  APU_CMD_NOP,
  APU_MAX_BO_HANDLES,
  DRM_IOCTL_APU_GEM_DEQUEUE,
  DRM_IOCTL_APU_GEM_IOMMU_MAP,
  DRM_IOCTL_APU_GEM_QUEUE,
  DRM_IOCTL_APU_STATE,
  apu_cmd_checksum,
  apu_cmd_checksum_out,
  drm_apu_gem_dequeue,
  drm_apu_gem_iommu_map,
  drm_apu_gem_queue,
  drm_apu_state,
} from './uapi';

const REF = 'drivers/apu/kernel';

/** Aperture starts of docs/uapi-apu.md (GEM_IOMMU_MAP), by driver name. */
const APERTURE_START: ReadonlyMap<string, bigint> = new Map([
  ['apu', 0x10000000n],
  ['mt8183-apu', 0x60000000n],
]);

/** Device time a firmware reboot may take before STATE must say ONLINE again. */
const RECOVERY_BUDGET_MS = 5000;

/** Opens the device, skipping on any other driver. */
async function openApu(t: TestContext): Promise<number> {
  const driver = t.dev.profile.driver;
  if (!APU_DRIVERS.some((d) => d.driver === driver)) t.skip(`a reference-APU rule; ${t.dev.label} is driven by ${driver}`);
  return openRetry(t);
}

/** User memory freed when the test ends. */
function userMemory(t: TestContext, size: number): UserMemory {
  const m = t.sys.alloc(size);
  t.defer(() => t.sys.free(m));
  return m;
}

function handleArray(t: TestContext, handles: readonly number[]): UserMemory {
  const m = userMemory(t, 4 * Math.max(1, handles.length));
  handles.forEach((h, i) => m.bytes.writeUInt32LE(h, 4 * i));
  return m;
}

type QueueArgs = Parameters<typeof drm_apu_gem_queue.encode>[0];

function queue(t: TestContext, fd: number, args: QueueArgs): void {
  t.sys.ioctl(fd, DRM_IOCTL_APU_GEM_QUEUE, drm_apu_gem_queue.encode(args));
}

/** GEM_DEQUEUE into `out` (or no buffer): the kernel's result and output size. */
function dequeue(t: TestContext, fd: number, outSync: number, size: number, out: UserMemory | null): { result: number; size: number } {
  const arg = drm_apu_gem_dequeue.encode({ out_sync: outSync, size, data: out ? out.address : 0n });
  t.sys.ioctl(fd, DRM_IOCTL_APU_GEM_DEQUEUE, arg);
  const v = drm_apu_gem_dequeue.decode(arg);
  return { result: v.result, size: v.size };
}

async function waitSync(t: TestContext, fd: number, outSync: number, what: string): Promise<void> {
  await mustAsync(`SYNCOBJ_WAIT for ${what}`, () => syncobjWait(t.sys, fd, outSync, waitBudgetMs(t)));
}

/** A CHECKSUM job's arguments in user memory. */
function checksumArgs(t: TestContext, src: bigint, len: number, pad = 0): UserMemory {
  const m = userMemory(t, apu_cmd_checksum.size);
  apu_cmd_checksum.encode({ src, len, pad }).copy(m.bytes);
  return m;
}

const badStateDevice = subtest({
  name: 'bad-state-device',
  description: 'STATE of device 1 gives EINVAL; device 0 answers',
  reference: `${REF}/apu_drv.c apu_ioctl_state; docs/uapi-apu.md: STATE`,
  requires: ['uapi:apu'],
}, async (t: TestContext): Promise<void> => {
  const fd = await openApu(t);
  doIoctlErr(t.sys, fd, DRM_IOCTL_APU_STATE, drm_apu_state.encode({ device: 1 }), 'EINVAL');
  t.sys.ioctl(fd, DRM_IOCTL_APU_STATE, drm_apu_state.encode({ device: 0 }));
});

const badMapArgs = subtest({
  name: 'bad-map-args',
  description: 'GEM_IOMMU_MAP of 0 handles gives EINVAL; to an unwritable address array EFAULT with nothing left mapped',
  reference: `${REF}/apu_mmu.c apu_ioctl_iommu_map, apu_map_unwind; docs/uapi-apu.md: GEM_IOMMU_MAP`,
  requires: ['uapi:apu', 'device-map'],
}, async (t: TestContext): Promise<void> => {
  const fd = await openApu(t);
  const deviceMap = t.capability('deviceMap');
  const bo = t.capability('buffers').create(fd, 4096);
  const addrs = userMemory(t, 16);
  const one = handleArray(t, [bo.handle]);
  const twice = handleArray(t, [bo.handle, bo.handle]);
  const map = (handles: UserMemory, count: number, out: bigint): Buffer =>
    drm_apu_gem_iommu_map.encode({ bo_handles: handles.address, bo_handle_count: count, bo_device_addresses: out });
  doIoctlErr(t.sys, fd, DRM_IOCTL_APU_GEM_IOMMU_MAP, map(one, 0, addrs.address), 'EINVAL');
  // Address 8 is never writable user memory: the addresses cannot be returned, so nothing stays mapped.
  doIoctlErr(t.sys, fd, DRM_IOCTL_APU_GEM_IOMMU_MAP, map(one, 1, 8n), 'EFAULT');
  expectErrno('EINVAL', () => deviceMap.unmap(fd, [bo.handle]), 'GEM_IOMMU_UNMAP after a MAP that failed with EFAULT');
  doIoctlErr(t.sys, fd, DRM_IOCTL_APU_GEM_IOMMU_MAP, map(twice, 2, 8n), 'EFAULT');
  expectErrno('EINVAL', () => deviceMap.unmap(fd, [bo.handle]), 'GEM_IOMMU_UNMAP after a MAP of one handle twice that failed with EFAULT');
  // A good MAP afterwards holds exactly one reference.
  deviceMap.map(fd, [bo.handle]);
  deviceMap.unmap(fd, [bo.handle]);
  expectErrno('EINVAL', () => deviceMap.unmap(fd, [bo.handle]), 'a second GEM_IOMMU_UNMAP after one MAP');
});

const basicMapFirstFit = subtest({
  name: 'basic-map-first-fit',
  description: 'device addresses are allocated first-fit from the aperture start, in each context\'s own IO page table',
  reference: `${REF}/apu_mmu.c apu_mapping_place; docs/uapi-apu.md: GEM_IOMMU_MAP`,
  requires: ['uapi:apu', 'device-map'],
}, async (t: TestContext): Promise<void> => {
  const fd = await openApu(t);
  const start = APERTURE_START.get(t.dev.profile.driver);
  if (start === undefined) return t.skip(`no documented aperture for ${t.dev.profile.driver}`);
  const buffers = t.capability('buffers');
  const deviceMap = t.capability('deviceMap');
  const a = buffers.create(fd, 8192);
  const b = buffers.create(fd, 4096);
  const [va, vb] = deviceMap.map(fd, [a.handle, b.handle]);
  checkEq(va as bigint, start, 'device address of a fresh context\'s first object');
  checkEq(vb as bigint, start + 8192n, 'device address of the second object of the same MAP');
  deviceMap.unmap(fd, [a.handle]);
  const c = buffers.create(fd, 4096);
  const [vc] = deviceMap.map(fd, [c.handle]);
  checkEq(vc as bigint, start, 'device address of an object mapped into the hole the first one left');
  if (t.dev.profile.openPolicy !== 'shared') return t.skipPart('a second context', 'the device allows one context at a time');
  const fd2 = await openRetry(t);
  const d = buffers.create(fd2, 4096);
  const [vd] = deviceMap.map(fd2, [d.handle]);
  checkEq(vd as bigint, start, 'device address of a second context\'s first object (its own IO page table)');
});

const badQueueSizes = subtest({
  name: 'bad-queue-sizes',
  description: 'GEM_QUEUE refuses a wrong size_out or a non-zero pad (EINVAL), an unknown object (ENOENT), an out_sync with a job not yet dequeued (EINVAL)',
  reference: `${REF}/apu_job.c apu_ioctl_gem_queue, apu_args_pads_zero; docs/uapi-apu.md: GEM_QUEUE`,
  requires: ['uapi:apu', 'device-map', 'jobs'],
}, async (t: TestContext): Promise<void> => {
  const fd = await openApu(t);
  const bo = t.capability('buffers').create(fd, 4096);
  const [va] = t.capability('deviceMap').map(fd, [bo.handle]);
  const outSync = syncobjCreate(t.sys, fd);
  const handles = handleArray(t, [bo.handle]);
  const checksum = (args: UserMemory, sizeOut: number): QueueArgs => ({
    cmd: APU_CMD_CHECKSUM,
    out_sync: outSync,
    bo_handles: handles.address,
    bo_handle_count: 1,
    size_in: apu_cmd_checksum.size,
    size_out: sizeOut,
    data: args.address,
  });
  const good = checksumArgs(t, va as bigint, 16);
  const padded = checksumArgs(t, va as bigint, 16, 1);
  const req = DRM_IOCTL_APU_GEM_QUEUE;
  doIoctlErr(t.sys, fd, req, drm_apu_gem_queue.encode(checksum(good, 0)), 'EINVAL');
  doIoctlErr(t.sys, fd, req, drm_apu_gem_queue.encode(checksum(padded, apu_cmd_checksum_out.size)), 'EINVAL');
  const unknown = handleArray(t, [0x10101010]);
  doIoctlErr(t.sys, fd, req, drm_apu_gem_queue.encode({ cmd: APU_CMD_NOP, out_sync: outSync, bo_handles: unknown.address, bo_handle_count: 1 }), 'ENOENT');
  queue(t, fd, { cmd: APU_CMD_NOP, out_sync: outSync });
  doIoctlErr(t.sys, fd, req, drm_apu_gem_queue.encode({ cmd: APU_CMD_NOP, out_sync: outSync }), 'EINVAL');
  await waitSync(t, fd, outSync, 'the NOP');
  checkEq(dequeue(t, fd, outSync, 0, null).result, 0, 'result of the NOP');
});

const queueHandleBound = subtest({
  name: 'queue-handle-bound',
  description: `GEM_QUEUE checks bo_handle_count against APU_MAX_BO_HANDLES before reading the array; ${APU_MAX_BO_HANDLES} handles are accepted`,
  reference: `${REF}/apu_job.c apu_ioctl_gem_queue, apu_mmu.c apu_read_handles; drivers/apu/uapi/apu_drm.h: APU_MAX_BO_HANDLES`,
  requires: ['uapi:apu', 'jobs'],
}, async (t: TestContext): Promise<void> => {
  const fd = await openApu(t);
  const bo = t.capability('buffers').create(fd, 4096);
  const outSync = syncobjCreate(t.sys, fd);
  const handles = userMemory(t, 4 * (APU_MAX_BO_HANDLES + 1));
  const nop = (bo_handles: bigint, bo_handle_count: number): Buffer =>
    drm_apu_gem_queue.encode({ cmd: APU_CMD_NOP, out_sync: outSync, bo_handles, bo_handle_count });
  // Handle 0 is never valid: a driver reading the array before the bound says ENOENT.
  doIoctlErr(t.sys, fd, DRM_IOCTL_APU_GEM_QUEUE, nop(handles.address, APU_MAX_BO_HANDLES + 1), 'EINVAL');
  doIoctlErr(t.sys, fd, DRM_IOCTL_APU_GEM_QUEUE, nop(0n, 0xffffffff), 'EINVAL');
  doIoctlErr(t.sys, fd, DRM_IOCTL_APU_GEM_QUEUE, nop(8n, APU_MAX_BO_HANDLES + 1), 'EINVAL');
  for (let i = 0; i < APU_MAX_BO_HANDLES; i++) handles.bytes.writeUInt32LE(bo.handle, 4 * i);
  handles.bytes.writeUInt32LE(0x10101010, 4 * (APU_MAX_BO_HANDLES - 1));
  doIoctlErr(t.sys, fd, DRM_IOCTL_APU_GEM_QUEUE, nop(handles.address, APU_MAX_BO_HANDLES), 'ENOENT');
  handles.bytes.writeUInt32LE(bo.handle, 4 * (APU_MAX_BO_HANDLES - 1));
  t.sys.ioctl(fd, DRM_IOCTL_APU_GEM_QUEUE, nop(handles.address, APU_MAX_BO_HANDLES));
  await waitSync(t, fd, outSync, `the NOP with ${APU_MAX_BO_HANDLES} handles`);
  checkEq(dequeue(t, fd, outSync, 0, null).result, 0, `result of the NOP with ${APU_MAX_BO_HANDLES} handles`);
});

const badDequeueArgs = subtest({
  name: 'bad-dequeue-args',
  description: 'GEM_DEQUEUE of an out_sync with no job gives ENOENT, into a buffer smaller than the output EINVAL (the job stays); a NOP writes no output',
  reference: `${REF}/apu_job.c apu_ioctl_gem_dequeue; docs/uapi-apu.md: GEM_DEQUEUE`,
  requires: ['uapi:apu', 'device-map', 'jobs'],
}, async (t: TestContext): Promise<void> => {
  const fd = await openApu(t);
  const bo = t.capability('buffers').create(fd, 4096);
  const [va] = t.capability('deviceMap').map(fd, [bo.handle]);
  const out = userMemory(t, 16);
  const outSync = syncobjCreate(t.sys, fd);
  const dq = (size: number): Buffer => drm_apu_gem_dequeue.encode({ out_sync: outSync, size, data: out.address });
  doIoctlErr(t.sys, fd, DRM_IOCTL_APU_GEM_DEQUEUE, dq(8), 'ENOENT');
  const handles = handleArray(t, [bo.handle]);
  const outSize = apu_cmd_checksum_out.size;
  queue(t, fd, {
    cmd: APU_CMD_CHECKSUM,
    out_sync: outSync,
    bo_handles: handles.address,
    bo_handle_count: 1,
    size_in: apu_cmd_checksum.size,
    size_out: outSize,
    data: checksumArgs(t, va as bigint, 16).address,
  });
  await waitSync(t, fd, outSync, 'the CHECKSUM');
  doIoctlErr(t.sys, fd, DRM_IOCTL_APU_GEM_DEQUEUE, dq(outSize - 1), 'EINVAL');
  const r = dequeue(t, fd, outSync, outSize, out);
  checkEq(r.result, 0, 'result of the CHECKSUM dequeued after the refused DEQUEUE');
  checkEq(r.size, outSize, 'output size of the CHECKSUM');
  queue(t, fd, { cmd: APU_CMD_NOP, out_sync: outSync });
  await waitSync(t, fd, outSync, 'the NOP');
  out.bytes.fill(0x5a);
  const n = dequeue(t, fd, outSync, 0, out);
  checkEq(n.size, 0, 'output size of a NOP dequeued with size 0 and a buffer');
  check(out.bytes.every((x) => x === 0x5a), 'DEQUEUE of a NOP wrote into the output buffer');
});

const badFillEmpty = subtest({
  name: 'bad-fill-empty',
  description: 'a FILL of length 0 ends with the firmware result EINVAL',
  reference: `${REF}/apu_mmu.c apu_mmu_check, apu_hw.c apu_fw_run; docs/uapi-apu.md: Firmware commands`,
  requires: ['uapi:apu', 'device-map', 'jobs.fill'],
}, async (t: TestContext): Promise<void> => {
  const fd = await openApu(t);
  const bo = t.capability('buffers').create(fd, 4096);
  const [va] = t.capability('deviceMap').map(fd, [bo.handle]);
  const r = await runJob(t, fd, { kind: 'fill', dst: va as bigint, len: 0, value: 1 }, [bo.handle]);
  checkEq(r.status, 'error', 'status of a FILL of length 0');
  checkEq(r.errno, ERRNO.EINVAL, 'result of a FILL of length 0');
});

const crashRecovery = subtest({
  name: 'crash-recovery',
  description: 'a CRASH job ends with EIO, the firmware reboots to ONLINE and the next job runs',
  reference: `${REF}/apu_hw.c apu_hw_work, apu_hw_recover; docs/uapi-apu.md: Job results`,
  destructive: true,
  requires: ['uapi:apu', 'jobs.crash', 'state'],
}, async (t: TestContext): Promise<void> => {
  const fd = await openApu(t);
  t.defer(async () => void (await waitOnline(t, fd, RECOVERY_BUDGET_MS)));
  checkEq((await runJob(t, fd, { kind: 'crash' })).status, 'crashed', 'status of a CRASH job');
  check(await waitOnline(t, fd, RECOVERY_BUDGET_MS), `STATE is not ONLINE ${RECOVERY_BUDGET_MS} ms (device clock) after the crash`);
  checkEq((await runJob(t, fd, { kind: 'nop' })).status, 'ok', 'a NOP after the crash');
});

const basicCopyOverlap = subtest({
  name: 'basic-copy-overlap',
  description: 'COPY of overlapping ranges, either way, moves the bytes like memmove',
  reference: `${REF}/apu_hw.c apu_fw_copy; docs/uapi-apu.md: Firmware commands`,
  requires: ['uapi:apu', 'jobs.copy', 'buffers.mmap', 'device-address'],
}, async (t: TestContext): Promise<void> => {
  const fd = await openApu(t);
  const size = 8192;
  const { bo, map } = mappedBuffer(t, fd, size);
  const [va] = deviceAddresses(t, fd, [bo.handle]);
  const base = va as bigint;
  for (const [src, dst, what] of [[0, 10, 'upwards'], [4000, 3990, 'downwards']] as const) {
    const before = pattern(size, src + 3);
    before.copy(map.bytes);
    const len = 4000;
    const r = await runJob(t, fd, { kind: 'copy', src: base + BigInt(src), dst: base + BigInt(dst), len }, [bo.handle]);
    checkEq(r.status, 'ok', `COPY of ${len} bytes ${what} over an overlap`);
    const want = Buffer.from(before);
    before.copy(want, dst, src, src + len);
    checkSameBytes(map.bytes.subarray(0, size), want, `the buffer after a COPY ${what} over an overlap (memmove)`);
  }
});

const hangBan = subtest({
  name: 'hang-ban',
  description: 'after ban_after timeouts in a row a context is banned: its queued and later jobs end ECANCELED; a new context runs',
  reference: `${REF}/apu_job.c apu_timedout_job (ban_after), drivers/gpu/drm/scheduler/sched_entity.c drm_sched_entity_pop_job; docs/uapi-apu.md: Module parameters`,
  destructive: true,
  timeoutMs: 60_000,
  jobTimeouts: 5,
  requires: ['uapi:apu', 'jobs.hang', 'state'],
}, async (t: TestContext): Promise<void> => {
  const driver = t.dev.profile.driver;
  const decl = APU_DRIVERS.find((d) => d.driver === driver);
  const fd = await openApu(t);
  let live = fd;
  t.defer(async () => void (await waitOnline(t, live, RECOVERY_BUDGET_MS)));
  const banAfter = decl ? (readModuleParam(t.sys, decl.module, 'ban_after') ?? decl.defaultBanAfter) : 0;
  if (banAfter === 0) return t.skip('ban_after is 0: no context is ever banned');
  if (banAfter > 5) return t.skip(`ban_after is ${banAfter}: too many hangs for one test`);
  const jobs = t.capability('jobs');
  const hangs = Array.from({ length: banAfter }, () => jobs.submit(fd, { kind: 'hang' }));
  const nop = jobs.submit(fd, { kind: 'nop' });
  for (const [i, h] of hangs.entries()) {
    const r = await mustAsync(`waiting for hang ${i + 1}`, () => jobs.wait(h, waitBudgetMs(t)));
    checkEq(r.status, 'timedout', `status of hang ${i + 1} of ${banAfter}`);
  }
  const r = await mustAsync('waiting for the NOP queued behind the hangs', () => jobs.wait(nop, waitBudgetMs(t)));
  checkEq(r.status, 'canceled', `status of a job of a context with ${banAfter} timeouts in a row`);
  checkEq((await runJob(t, fd, { kind: 'nop' })).status, 'canceled', 'status of the next job of the banned context');
  // The banned file goes first: an exclusive device allows one file at a time.
  t.close(fd);
  const fresh = await openRetry(t);
  live = fresh;
  checkEq((await runJob(t, fresh, { kind: 'nop' })).status, 'ok', 'a NOP of a new context');
});

const closeHangInFlight = subtest({
  name: 'close-hang-in-flight',
  description: 'closing a file whose job hangs on the hardware frees the device at once: another context\'s job runs within half the timeout',
  reference: `${REF}/apu_drv.c apu_postclose, apu_hw.c apu_hw_abort; docs/uapi-apu.md: Contexts`,
  destructive: true,
  requires: ['uapi:apu', 'second-context', 'jobs.hang', 'job-timeout'],
}, async (t: TestContext): Promise<void> => {
  const timeout = t.jobTimeoutMs;
  if (timeout === null) return t.skip(`the profile of ${t.dev.profile.driver} declares no job timeout`);
  const jobs = t.capability('jobs');
  const survivor = await openApu(t);
  t.defer(async () => void (await waitOnline(t, survivor, RECOVERY_BUDGET_MS)));
  const closer = await openRetry(t);
  jobs.submit(closer, { kind: 'hang' });
  jobs.submit(closer, { kind: 'nop' });
  // Let the hang reach the hardware before its file goes.
  await t.sys.sleepMs(20);
  const t0 = t.sys.monotonicNs();
  t.close(closer);
  const r = await runJob(t, survivor, { kind: 'nop' });
  const ms = Number(r.completedNs - t0) / 1e6;
  t.log(`the other context's NOP completed ${ms.toFixed(3)} ms after the close; timeout ${timeout} ms`);
  checkEq(r.status, 'ok', 'status of another context\'s NOP after the close');
  check(ms < timeout / 2, `the other context's NOP completed ${ms.toFixed(3)} ms after the close, not within half the ${timeout} ms timeout`);
});

const subtests: Subtest[] = [
  badStateDevice,
  badMapArgs,
  basicMapFirstFit,
  badQueueSizes,
  queueHandleBound,
  badDequeueArgs,
  badFillEmpty,
  crashRecovery,
  basicCopyOverlap,
  closeHangInFlight,
  hangBan,
];

export default defineFamily('apu', 'rules of the reference APU only: ioctl argument checks, first-fit device addresses, memmove COPY, crash recovery, the ban', subtests, { drivers: APU_DRIVERS.map((d) => d.driver) });
