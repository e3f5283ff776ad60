/**
 * accel@rocket@...: rules only the Rockchip NPU driver has, like IGT's
 * per-driver binaries. Every file of rocket has its own IOMMU domain, and
 * CREATE_BO hands out NPU addresses from a drm_mm over that domain's
 * aperture (rocket_drv.c rocket_open, rocket_gem.c rocket_ioctl_create_bo);
 * SUBMIT checks its arguments before any job reaches the NPU
 * (rocket_job.c rocket_ioctl_submit, rocket_ioctl_submit_job); PREP_BO and
 * FINI_BO bracket CPU access.
 */
import { expectForeignImportRefused } from '../../tests/lib/device';
import { check, checkEq, doIoctlErr, doIoctlErrAsync, expectErrno } from '../../harness/testing/assert';
import { defineFamily, type Subtest, type TestContext, subtest } from '../../harness/testing/define';
import type { Sys } from '../../harness/sys/types';
import type { ErrnoName } from '../../harness/sys/errno';
import { DRM_CLOEXEC, DRM_IOCTL_GEM_CLOSE, DRM_IOCTL_PRIME_HANDLE_TO_FD, DRM_RDWR, drm_gem_close, drm_prime_handle } from '../../harness/uapi/drm';
import { DMA_BUF_IOCTL_EXPORT_SYNC_FILE, DMA_BUF_SYNC_READ, SYNC_IOC_FILE_INFO, dma_buf_export_sync_file, sync_file_info } from '../../harness/uapi/dma-buf';
import { POLLIN } from '../../harness/sys/constants';
import { createBo, prepBoAsync, submit, type RocketJobArgs } from './lib';
import { ROCKET_DRIVER } from './profile';
import { ROCKET_IOCTL, drm_rocket_create_bo, drm_rocket_fini_bo, drm_rocket_job, drm_rocket_prep_bo } from './uapi';

const REF = 'drivers/accel/rocket';
const PAGE = 4096n;
const GIB = 1 << 30;

/** Opens the device, skipping on any other driver. */
function openRocket(t: TestContext): number {
  if (t.dev.profile.driver !== ROCKET_DRIVER) t.skip(`a Rockchip NPU rule; ${t.dev.label} is driven by ${t.dev.profile.driver}`);
  return t.open();
}

function gemClose(sys: Sys, fd: number, handle: number): void {
  sys.ioctl(fd, DRM_IOCTL_GEM_CLOSE, drm_gem_close.encode({ handle }));
}

/** PREP_BO with timeout 0: 0 when no job writes the BO, EBUSY while one does. */
async function outBoIdle(t: TestContext, fd: number, handle: number, what: string): Promise<void> {
  const state = await prepBoAsync(t.sys, fd, handle, 0n).then(
    () => 'idle',
    (e: unknown) => String(e),
  );
  check(state === 'idle', `${what}: PREP_BO(timeout 0) of the out BO gave ${state}: a job was queued`);
}

const basicCreateBo = subtest({
  name: 'basic-create-bo',
  description: 'CREATE_BO gives each BO a page-aligned NPU address from the start of the file\'s own aperture, a handle and an mmap offset',
  reference: `${REF}/rocket_gem.c rocket_ioctl_create_bo, rocket_drv.c rocket_open`,
}, (t: TestContext): void => {
  const fd = openRocket(t);
  const a = createBo(t.sys, fd, 4096);
  const b = createBo(t.sys, fd, 1);
  const c = createBo(t.sys, fd, 8193);
  checkEq(a.dmaAddress, 0n, 'first BO of a file: the aperture start');
  checkEq(b.dmaAddress, PAGE, 'second BO: right after the first');
  checkEq(c.dmaAddress, 2n * PAGE, 'a BO after a 1-byte one: the next page');
  check(a.offset !== 0n && a.offset !== b.offset && b.offset !== c.offset, `mmap offsets ${a.offset}, ${b.offset}, ${c.offset}: distinct and non-zero`);
  checkEq([a.handle, b.handle, c.handle].join(), '1,2,3', 'handles');
  gemClose(t.sys, fd, a.handle);
  checkEq(createBo(t.sys, fd, 4096).dmaAddress, 0n, 'a page freed at the aperture start is reused');
  // Another file has another IOMMU domain: its addresses start over.
  const other = t.open();
  checkEq(createBo(t.sys, other, 4096).dmaAddress, 0n, 'first BO of a second file');
});

const badCreateBoApertureFull = subtest({
  name: 'bad-create-bo-aperture-full',
  description: 'CREATE_BO beyond the 4 GiB aperture fails with ENOSPC, writes nothing and leaves no handle behind',
  reference: `${REF}/rocket_gem.c rocket_ioctl_create_bo ("fix UAF via dangling GEM handle in create_bo"), drivers/iommu/rockchip-iommu.c`,
  // Pins 4 GiB of pages on a real board.
  destructive: true,
}, (t: TestContext): void => {
  const fd = openRocket(t);
  // rockchip-iommu's aperture is 4 GiB: four 1 GiB BOs fill it.
  for (let i = 0; i < 4; i++) checkEq(createBo(t.sys, fd, GIB).dmaAddress, BigInt(i) * BigInt(GIB), `1 GiB BO ${i + 1}`);
  const arg = drm_rocket_create_bo.encode({ size: 4096 });
  doIoctlErr(t.sys, fd, ROCKET_IOCTL.CREATE_BO.request, arg, 'ENOSPC');
  const out = drm_rocket_create_bo.decode(arg);
  checkEq(out.handle, 0, 'handle written by a failed CREATE_BO');
  checkEq(out.dma_address, 0n, 'dma_address written by a failed CREATE_BO');
  // No handle may outlive the object a failed create freed.
  expectErrno('EINVAL', () => gemClose(t.sys, fd, 5), 'GEM_CLOSE of handle 5 after the failed create');
  gemClose(t.sys, fd, 4);
  const again = createBo(t.sys, fd, 4096);
  checkEq(again.handle, 4, 'handle after freeing the last 1 GiB BO');
  checkEq(again.dmaAddress, 3n * BigInt(GIB), 'address of the freed last GiB');
});

const badPrepFiniBo = subtest({
  name: 'bad-prep-fini-bo',
  description: 'PREP_BO and FINI_BO refuse a non-zero reserved field (EINVAL) and unknown handles (ENOENT); an idle BO is ready at once',
  reference: `${REF}/rocket_gem.c rocket_ioctl_prep_bo, rocket_ioctl_fini_bo`,
}, async (t: TestContext): Promise<void> => {
  const fd = openRocket(t);
  const bo = createBo(t.sys, fd, 4096);
  await doIoctlErrAsync(t.sys, fd, ROCKET_IOCTL.PREP_BO.request, drm_rocket_prep_bo.encode({ handle: bo.handle, reserved: 1 }), 'EINVAL');
  await doIoctlErrAsync(t.sys, fd, ROCKET_IOCTL.PREP_BO.request, drm_rocket_prep_bo.encode({ handle: bo.handle + 1 }), 'ENOENT');
  doIoctlErr(t.sys, fd, ROCKET_IOCTL.FINI_BO.request, drm_rocket_fini_bo.encode({ handle: bo.handle, reserved: 1 }), 'EINVAL');
  doIoctlErr(t.sys, fd, ROCKET_IOCTL.FINI_BO.request, drm_rocket_fini_bo.encode({ handle: bo.handle + 1 }), 'ENOENT');
  // An idle BO: PREP_BO returns at once whatever the timeout, FINI_BO succeeds.
  checkEq(await prepBoAsync(t.sys, fd, bo.handle, 0n), 0, 'PREP_BO of an idle BO, timeout 0');
  checkEq(await prepBoAsync(t.sys, fd, bo.handle, t.sys.monotonicNs() + 1_000_000_000n), 0, 'PREP_BO of an idle BO, 1 s');
  checkEq(t.sys.ioctl(fd, ROCKET_IOCTL.FINI_BO.request, drm_rocket_fini_bo.encode({ handle: bo.handle })), 0, 'FINI_BO of an idle BO');
});

/** A job the kernel accepts: one task over a zeroed command BO, writing `out`. */
function wellFormedJob(t: TestContext, fd: number, out: number): RocketJobArgs {
  const cmd = createBo(t.sys, fd, 4096);
  return { tasks: [{ regcmd: Number(cmd.dmaAddress), regcmdCount: 2 }], inBos: [cmd.handle], outBos: [out] };
}

const badSubmitArgs = subtest({
  name: 'bad-submit-args',
  description: 'SUBMIT refuses a job_struct_size below sizeof(struct drm_rocket_job) or a non-zero reserved field with EINVAL; job_count 0 is a no-op',
  reference: `${REF}/rocket_job.c rocket_ioctl_submit`,
}, async (t: TestContext): Promise<void> => {
  const fd = openRocket(t);
  const out = createBo(t.sys, fd, 4096).handle;
  const job = wellFormedJob(t, fd, out);
  // job_count 0 returns before any other field is read.
  submit(t.sys, fd, [], { jobStructSize: 0, reserved: 1n });
  expectErrno('EINVAL', () => submit(t.sys, fd, [job], { jobStructSize: drm_rocket_job.size - 1 }), 'job_struct_size below sizeof(struct drm_rocket_job)');
  expectErrno('EINVAL', () => submit(t.sys, fd, [job], { reserved: 1n }), 'reserved 1');
  await outBoIdle(t, fd, out, 'after the refused SUBMITs');
});

/**
 * SUBMIT drops a job refused for its own arguments (rocket_ioctl_submit ignores the job's result): nothing runs.
 * A kernel that reports the job's errno (`errno`) is within the rule; one that runs the job is not.
 */
async function droppedJob(t: TestContext, fd: number, out: number, job: RocketJobArgs, what: string, errno: ErrnoName = 'EINVAL'): Promise<void> {
  try {
    submit(t.sys, fd, [job]);
  } catch (e) {
    expectErrno(errno, () => {
      throw e;
    }, what);
  }
  await outBoIdle(t, fd, out, what);
}

const badSubmitJob = subtest({
  name: 'bad-submit-job',
  description: 'a job with no tasks, a short task_struct_size, a task of regcmd_count 0, an unknown BO handle or a BO named twice never runs: its out BO gets no fence',
  reference: `${REF}/rocket_job.c rocket_ioctl_submit_job, rocket_copy_tasks, rocket_job_push, drivers/gpu/drm/drm_gem.c drm_gem_objects_lookup, drm_gem_lock_reservations`,
}, async (t: TestContext): Promise<void> => {
  const fd = openRocket(t);
  const out = createBo(t.sys, fd, 4096).handle;
  const good = wellFormedJob(t, fd, out);
  await droppedJob(t, fd, out, { ...good, tasks: [], taskCount: 0 }, 'task_count 0');
  await droppedJob(t, fd, out, { ...good, taskStructSize: 4 }, 'task_struct_size below sizeof(struct drm_rocket_task)');
  await droppedJob(t, fd, out, { ...good, tasks: [{ regcmd: good.tasks[0]?.regcmd ?? 0, regcmdCount: 0 }] }, 'regcmd_count 0');
  await droppedJob(t, fd, out, { ...good, inBos: [...(good.inBos ?? []), 0x7fff] }, 'an unknown in BO handle');
  await droppedJob(t, fd, out, { ...good, outBos: [out, 0x7fff] }, 'an unknown out BO handle');
  // rocket_job_push locks every in and out BO's reservation with one acquire context: the second lock
  // of the same BO is -EALREADY (ww_mutex), so the job is dropped (docs/upstream-bugs.md).
  await droppedJob(t, fd, out, { ...good, outBos: [out, out] }, 'the out BO named twice', 'EALREADY');
  await droppedJob(t, fd, out, { ...good, inBos: [...(good.inBos ?? []), out] }, 'the out BO also an in BO', 'EALREADY');
});

/**
 * Tasks in basic-submit-fence's job. A short PREP_BO wait lasts up to the next jiffy tick
 * (drm_timeout_abs_to_jiffies adds one jiffy: 4 ms at HZ=250, 10 ms at HZ=100), so the job must
 * outlast that for the wait to time out: on sim:rocket's completing NPU 300 tasks take
 * 300 x 100 us = 30 ms; on a real NPU zeroed command lists are assumed to take at least as long
 * (a hang ends only at the 500 ms timeout).
 */
const LONG_JOB_TASKS = 300;

const basicSubmitFence = subtest({
  name: 'basic-submit-fence',
  description: 'a submitted job\'s fence is its out BO\'s WRITE fence: PREP_BO gives EBUSY with timeout 0, ETIMEDOUT after a short wait, 0 once it ends',
  reference: `${REF}/rocket_job.c rocket_attach_object_fences, rocket_gem.c rocket_ioctl_prep_bo, drivers/gpu/drm/drm_syncobj.c drm_timeout_abs_to_jiffies`,
  // The job's register command list is zeroes: real hardware gets a job it may hang on.
  destructive: true,
}, async (t: TestContext): Promise<void> => {
  const fd = openRocket(t);
  const out = createBo(t.sys, fd, 4096).handle;
  const one = wellFormedJob(t, fd, out);
  const task = one.tasks[0] ?? { regcmd: 0, regcmdCount: 2 };
  submit(t.sys, fd, [{ ...one, tasks: Array.from({ length: LONG_JOB_TASKS }, () => task) }]);
  // The job's fence is the out BO's WRITE fence (rocket_attach_object_fences): a poll sees it busy.
  await doIoctlErrAsync(t.sys, fd, ROCKET_IOCTL.PREP_BO.request, drm_rocket_prep_bo.encode({ handle: out, timeout_ns: 0n }), 'EBUSY');
  // A deadline 1 us away is a wait of one jiffy at most (drm_timeout_abs_to_jiffies rounds up by one).
  await doIoctlErrAsync(
    t.sys,
    fd,
    ROCKET_IOCTL.PREP_BO.request,
    drm_rocket_prep_bo.encode({ handle: out, timeout_ns: t.sys.monotonicNs() + 1000n }),
    'ETIMEDOUT',
  );
  // Done or ended by the 500 ms job timeout: either way the fence signals within a second.
  checkEq(await prepBoAsync(t.sys, fd, out, t.sys.monotonicNs() + 1_000_000_000n), 0, 'PREP_BO within 1 s');
});

/** ESRCH, ECANCELED: how drm_sched_entity_kill and rocket's timeout reset end a job's fence. */
const ESRCH = 3;
const ECANCELED = 125;

/** A sync_file holding the BO's WRITE fences, through a PRIME export of the BO (it outlives the DRM fd). */
function writeFences(sys: Sys, fd: number, handle: number): number {
  const prime = drm_prime_handle.encode({ handle, flags: DRM_CLOEXEC | DRM_RDWR });
  sys.ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, prime);
  const dmabuf = drm_prime_handle.decode(prime).fd;
  try {
    const exp = dma_buf_export_sync_file.encode({ flags: Number(DMA_BUF_SYNC_READ) });
    sys.ioctl(dmabuf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, exp);
    return dma_buf_export_sync_file.decode(exp).fd;
  } finally {
    sys.close(dmabuf);
  }
}

const basicCloseFinishesJobs = subtest({
  name: 'basic-close-finishes-jobs',
  description: 'closing the file kills none of its jobs: each still runs and ends done or timed out (-ECANCELED), never -ESRCH',
  reference: `${REF}/rocket_drv.c rocket_postclose, rocket_job.c rocket_job_close, drivers/gpu/drm/scheduler/sched_entity.c drm_sched_entity_destroy, drm_sched_entity_flush`,
  requires: ['prime'],
  // Zeroed command lists again.
  destructive: true,
}, async (t: TestContext): Promise<void> => {
  const fd = openRocket(t);
  const out = createBo(t.sys, fd, 4096).handle;
  const job = wellFormedJob(t, fd, out);
  submit(t.sys, fd, [job, job, job]);
  const fences = writeFences(t.sys, fd, out);
  t.defer(() => t.sys.close(fences));
  // drm_sched_entity_flush: close waits (killable) until the queue has gone to the hardware.
  t.close(fd);
  // Three jobs, each done or ended by the 500 ms timeout: within 3 s.
  const ready = await t.sys.poll([{ fd: fences, events: POLLIN }], 3000);
  checkEq(ready.length, 1, 'the closed file\'s jobs ended within 3 s');
  const info = sync_file_info.encode({});
  t.sys.ioctl(fences, SYNC_IOC_FILE_INFO, info);
  const status = sync_file_info.decode(info).status;
  check(status === 1 || status === -ECANCELED, `fence status ${status}: ${status === -ESRCH ? 'killed at close (-ESRCH)' : 'neither done nor timed out'}`);
});

const badImportForeign = subtest({
  name: 'bad-import-foreign',
  description: 'PRIME import of another device\'s dma-buf fails with EINVAL (no gem_prime_import_sg_table)',
  reference: `drivers/gpu/drm/drm_prime.c drm_gem_prime_import_dev, ${REF}/rocket_drv.c rocket_drm_driver`,
  requires: ['prime'],
}, (t: TestContext): void => {
  expectForeignImportRefused(t, openRocket(t));
});

const SUBTESTS: readonly Subtest[] = [
  basicCreateBo,
  badCreateBoApertureFull,
  badPrepFiniBo,
  badSubmitArgs,
  badSubmitJob,
  basicSubmitFence,
  basicCloseFinishesJobs,
  badImportForeign,
];

export default defineFamily('rocket', 'Rockchip NPU: per-file NPU addresses, SUBMIT argument checks, PREP_BO/FINI_BO', SUBTESTS, { drivers: [ROCKET_DRIVER] });
