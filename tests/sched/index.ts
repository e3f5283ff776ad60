/**
 * sched: the scheduler's promises around a hanging job (drm_sched timeout
 * handling as the reference APU documents it): timed out on time, the device
 * reset and back, jobs queued behind and jobs of other contexts unharmed.
 */
import type { JobCapability, JobResult, SubmittedJob } from '../../drivers/adapter';
import { check, checkBytes, checkEq, doIoctlErr, mustAsync } from '../../harness/testing/assert';
import { defineFamily, type TestContext, subtest } from '../../harness/testing/define';
import {
  APU_CMD_COUNT,
  APU_CMD_NOP,
  APU_MAX_BO_HANDLES,
  DRM_IOCTL_APU_GEM_DEQUEUE,
  DRM_IOCTL_APU_GEM_QUEUE,
  drm_apu_gem_dequeue,
  drm_apu_gem_queue,
  fnv1a32,
} from '../../drivers/apu/uapi';
import { deviceAddress, mappedBuffer, openRetry, pattern, runJob, waitBudgetMs, waitOnline } from '../lib/device';
import { syncobjCreate, syncobjWait } from '../lib/drm';

const REF_TIMEOUT = 'drivers/gpu/drm/scheduler/sched_main.c: drm_sched_job_timedout; docs/uapi-apu.md: Job results';

const HANGS_IN_A_ROW = 10;
/** Device time a reset plus firmware boot may take before STATE must say ONLINE again. */
const RECOVERY_BUDGET_MS = 5000;

/** The job timeout (declare `job-timeout`: the profile's, or --job-timeout-ms). */
function timeoutOf(t: TestContext): number {
  if (t.jobTimeoutMs === null) return t.skip(`the profile of ${t.dev.profile.driver} declares no job timeout`);
  return t.jobTimeoutMs;
}

/**
 * Leaves the device as the test found it: a hang resets the device, and the
 * next test (or the runner's health check) must not meet it mid-reset. Not
 * coming back is hang-recovery's failure to report, so here it is only logged.
 */
function recoverAfterHang(t: TestContext, fd: number): void {
  if (!t.dev.adapter?.state) return;
  t.defer(async () => {
    if (!(await waitOnline(t, fd, RECOVERY_BUDGET_MS))) t.log(`device not ONLINE ${RECOVERY_BUDGET_MS} ms after the test`);
  });
}

function wait(t: TestContext, jobs: JobCapability, job: SubmittedJob, what: string): Promise<JobResult> {
  const budget = waitBudgetMs(t);
  return mustAsync(`waiting ${budget} ms (device clock) for ${what}`, () => jobs.wait(job, budget));
}

const hangTimeout = subtest({
  name: 'hang-timeout',
  description: 'a hanging job is reported timed out no sooner than the timeout and no later than 1.5 x timeout + 100 ms',
  reference: REF_TIMEOUT,
  destructive: true,
  requires: ['job-timeout', 'jobs.hang'],
}, async (t: TestContext): Promise<void> => {
  const timeout = timeoutOf(t);
  const jobs = t.capability('jobs');
  const fd = await openRetry(t);
  recoverAfterHang(t, fd);
  const job = jobs.submit(fd, { kind: 'hang' });
  const r = await wait(t, jobs, job, 'the hanging job');
  const ms = Number(r.completedNs - job.submittedNs) / 1e6;
  t.log(`hang reported ${r.status} (errno ${r.errno}) after ${ms.toFixed(3)} ms; timeout ${timeout} ms`);
  checkEq(r.status, 'timedout', 'status of a job that never completes');
  check(ms >= timeout, `the hang was reported after ${ms.toFixed(3)} ms, before the ${timeout} ms timeout`);
  const latest = timeout * 1.5 + 100;
  check(ms <= latest, `the hang was reported after ${ms.toFixed(3)} ms, later than 1.5 x ${timeout} + 100 = ${latest} ms`);
});

const hangQueuedJob = subtest({
  name: 'hang-queued-job',
  description: 'a job queued behind a hanging job of the same context runs and completes correctly',
  reference: REF_TIMEOUT,
  destructive: true,
  requires: ['job-timeout', 'jobs.hang', 'jobs.fill', 'buffers.mmap', 'device-address'],
}, async (t: TestContext): Promise<void> => {
  const jobs = t.capability('jobs');
  const fd = await openRetry(t);
  recoverAfterHang(t, fd);
  const { bo, map } = mappedBuffer(t, fd, 4096);
  const addr = deviceAddress(t, fd, bo.handle);
  const hang = jobs.submit(fd, { kind: 'hang' });
  const fill = jobs.submit(fd, { kind: 'fill', dst: addr, len: 4096, value: 0x6b }, [bo.handle]);
  checkEq((await wait(t, jobs, hang, 'the hanging job')).status, 'timedout', 'status of the hanging job');
  checkEq((await wait(t, jobs, fill, 'the FILL queued behind the hang')).status, 'ok', 'status of the FILL queued behind the hang');
  checkBytes(map.bytes.subarray(0, 4096), 0x6b, 'buffer filled by the job queued behind the hang');
});

const hangInnocentContext = subtest({
  name: 'hang-innocent-context',
  description: 'another context\'s job submitted during a hang completes correctly',
  reference: 'drivers/gpu/drm/scheduler/sched_main.c: drm_sched_stop/drm_sched_start (guilty job only); docs/uapi-apu.md',
  destructive: true,
  requires: ['job-timeout', 'second-context', 'jobs.hang', 'jobs.fill', 'buffers.mmap', 'device-address'],
}, async (t: TestContext): Promise<void> => {
  // No other context can exist beside the hanging one on an exclusive device (a dup shares its context).
  const jobs = t.capability('jobs');
  const guilty = await openRetry(t);
  recoverAfterHang(t, guilty);
  const innocent = await openRetry(t);
  const { bo, map } = mappedBuffer(t, innocent, 4096);
  const addr = deviceAddress(t, innocent, bo.handle);
  const hang = jobs.submit(guilty, { kind: 'hang' });
  const fill = jobs.submit(innocent, { kind: 'fill', dst: addr, len: 4096, value: 0x2d }, [bo.handle]);
  checkEq((await wait(t, jobs, hang, 'the hanging job')).status, 'timedout', 'status of the hanging job');
  const r = await wait(t, jobs, fill, 'the other context\'s FILL');
  checkEq(r.status, 'ok', 'status of another context\'s job submitted during the hang');
  checkBytes(map.bytes.subarray(0, 4096), 0x2d, 'the other context\'s buffer');
});

const hangRecovery = subtest({
  name: 'hang-recovery',
  description: 'after a timeout the device reports ONLINE again and runs the next job',
  reference: 'docs/uapi-apu.md: STATE',
  destructive: true,
  requires: ['job-timeout', 'jobs.hang', 'jobs', 'state'],
}, async (t: TestContext): Promise<void> => {
  const jobs = t.capability('jobs');
  const fd = await openRetry(t);
  const job = jobs.submit(fd, { kind: 'hang' });
  checkEq((await wait(t, jobs, job, 'the hanging job')).status, 'timedout', 'status of the hanging job');
  const state = t.capability('state').query(fd);
  t.log(`STATE right after the timeout: online=${state.online} timedOut=${state.timedOut} crashed=${state.crashed}`);
  const back = await waitOnline(t, fd, RECOVERY_BUDGET_MS);
  check(back, `STATE is not ONLINE ${RECOVERY_BUDGET_MS} ms (device clock) after the timeout`);
  checkEq((await runJob(t, fd, { kind: 'nop' })).status, 'ok', 'a NOP after recovery');
});

const hangTenInARow = subtest({
  name: 'hang-ten-in-a-row',
  description: 'ten hangs in a row, each from a fresh file, are each timed out and do not wedge the device',
  reference: REF_TIMEOUT,
  destructive: true,
  timeoutMs: 60_000,
  jobTimeouts: HANGS_IN_A_ROW,
  requires: ['job-timeout', 'jobs.hang', 'jobs'],
}, async (t: TestContext): Promise<void> => {
  const jobs = t.capability('jobs');
  // A fresh file per hang: ban_after consecutive timeouts would ban one context.
  for (let i = 0; i < HANGS_IN_A_ROW; i++) {
    const fd = await openRetry(t);
    const job = jobs.submit(fd, { kind: 'hang' });
    checkEq((await wait(t, jobs, job, `hang ${i + 1}`)).status, 'timedout', `status of hang ${i + 1}`);
    t.close(fd);
  }
  const fd = await openRetry(t);
  checkEq((await runJob(t, fd, { kind: 'nop' })).status, 'ok', `a NOP after ${HANGS_IN_A_ROW} hangs`);
});

const basicChecksum = subtest({
  name: 'basic-checksum',
  description: 'a CHECKSUM job returns the FNV-1a of the buffer the CPU wrote',
  reference: 'docs/uapi-apu.md: Firmware commands',
  requires: ['jobs.checksum', 'buffers.mmap', 'device-address'],
}, async (t: TestContext): Promise<void> => {
  const fd = await openRetry(t);
  const size = 3 * 4096 + 512;
  const { bo, map } = mappedBuffer(t, fd, size);
  const data = pattern(size, 9);
  data.copy(map.bytes);
  const addr = deviceAddress(t, fd, bo.handle);
  const r = await runJob(t, fd, { kind: 'checksum', src: addr, len: size }, [bo.handle]);
  checkEq(r.status, 'ok', 'CHECKSUM job status');
  check(r.output.length >= 4, `CHECKSUM job returned ${r.output.length} result bytes, expected at least the 4 of the checksum`);
  checkEq(r.output.readUInt32LE(0), fnv1a32(data), 'CHECKSUM (FNV-1a) of the buffer');
});

const badDequeueForeign = subtest({
  name: 'bad-dequeue-foreign',
  description: 'GEM_DEQUEUE of another file\'s job gives ENOENT and leaves the job to its owner',
  reference: 'docs/uapi-apu.md: GEM_DEQUEUE',
  // Result collection is driver uAPI.
  requires: ['uapi:apu', 'second-context', 'jobs'],
}, async (t: TestContext): Promise<void> => {
  const jobs = t.capability('jobs');
  const owner = await openRetry(t);
  const stranger = await openRetry(t);
  const job = jobs.submit(owner, { kind: 'nop' });
  const outSync = job.syncobj;
  check(outSync !== undefined, `adapter '${t.adapter().name}' submitted an APU job without its out_sync syncobj`);
  await mustAsync('SYNCOBJ_WAIT for the owner\'s job', () => syncobjWait(t.sys, owner, outSync, waitBudgetMs(t)));
  const arg = drm_apu_gem_dequeue.encode({ out_sync: outSync });
  doIoctlErr(t.sys, stranger, DRM_IOCTL_APU_GEM_DEQUEUE, arg, 'ENOENT');
  checkEq((await wait(t, jobs, job, 'the owner\'s job')).status, 'ok', 'the owner still collects its job');
});

const badQueueArgs = subtest({
  name: 'bad-queue-args',
  description: 'GEM_QUEUE refuses a bad device, command, argument size or handle count (EINVAL) and an unknown out_sync (ENOENT)',
  reference: 'docs/uapi-apu.md: GEM_QUEUE; drivers/apu/uapi/apu_drm.h: APU_MAX_BO_HANDLES',
  // Job submission is driver uAPI.
  requires: ['uapi:apu'],
}, async (t: TestContext): Promise<void> => {
  const fd = await openRetry(t);
  const outSync = syncobjCreate(t.sys, fd);
  const handles = t.sys.alloc(4 * (APU_MAX_BO_HANDLES + 1));
  t.defer(() => t.sys.free(handles));
  const nop = { cmd: APU_CMD_NOP, out_sync: outSync };
  const queue = (over: Partial<typeof nop> & Record<string, number | bigint>): Buffer =>
    drm_apu_gem_queue.encode({ ...nop, ...over });
  doIoctlErr(t.sys, fd, DRM_IOCTL_APU_GEM_QUEUE, queue({ device: 1 }), 'EINVAL');
  doIoctlErr(t.sys, fd, DRM_IOCTL_APU_GEM_QUEUE, queue({ cmd: APU_CMD_COUNT }), 'EINVAL');
  doIoctlErr(t.sys, fd, DRM_IOCTL_APU_GEM_QUEUE, queue({ size_in: 8 }), 'EINVAL');
  // The bound must be checked before the array is read: a driver that reads
  // first would answer ENOENT for the zero handles, or allocate without limit.
  doIoctlErr(
    t.sys,
    fd,
    DRM_IOCTL_APU_GEM_QUEUE,
    queue({ bo_handles: handles.address, bo_handle_count: APU_MAX_BO_HANDLES + 1 }),
    'EINVAL',
  );
  doIoctlErr(t.sys, fd, DRM_IOCTL_APU_GEM_QUEUE, queue({ out_sync: outSync + 1000 }), 'ENOENT');
});

export default defineFamily('sched', 'job timeouts, reset and recovery; innocent jobs survive a hang', [
  hangTimeout,
  hangQueuedJob,
  hangInnocentContext,
  hangRecovery,
  hangTenInARow,
  basicChecksum,
  badQueueArgs,
  badDequeueForeign,
]);
