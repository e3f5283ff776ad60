/**
 * The rocket ioctls on the simulated kernel, each the model of the kernel
 * function named beside it (drivers/accel/rocket/rocket_gem.c, rocket_job.c,
 * Linux 7.3). Argument checks come in the kernel's order with the kernel's
 * errno; `data` is drm_ioctl's kernel copy, copied back to user space after
 * the call even when it fails, so a field written before a failure is seen.
 */
import { SysError } from '../../../harness/sys/errno';
import type { DrmFile, GemObject, IoctlContext, IoctlReturn } from '../../sim/kernel/drm/driver';
import {
  drm_rocket_create_bo,
  drm_rocket_fini_bo,
  drm_rocket_job,
  drm_rocket_prep_bo,
  drm_rocket_submit,
  drm_rocket_task,
  type RocketIoctlName,
} from '../uapi';
import { PAGE_SIZE, type RocketBo, type RocketDevice, type RocketFile, type RocketJob } from './device';

type Handler = (dev: RocketDevice, data: Buffer, file: DrmFile, ctx: IoctlContext) => IoctlReturn;
type Errno = 'EINVAL' | 'ENOENT' | 'ENOMEM' | 'EFAULT' | 'ENOSPC' | 'EBUSY' | 'ETIMEDOUT' | 'EALREADY';

const fail = (code: Errno, why: string): never => {
  throw SysError.of(code, 'ioctl', why);
};

const fileOf = (file: DrmFile): RocketFile => file.driverPriv as RocketFile;
export const boOf = (obj: GemObject): RocketBo => obj.driverPriv as RocketBo;

/** Bytes kvmalloc refuses outright (mm/slub.c __kvmalloc_node_noprof: size > INT_MAX). */
const KVMALLOC_MAX = 0x7fffffff;
/** sizeof(struct rocket_task) (rocket_job.h: u64 regcmd, u32 regcmd_count, padded), the kernel's copy of a task. */
const ROCKET_TASK_KSIZE = 16;
const U32 = 0xffffffffn;
const U64 = (1n << 64n) - 1n;

/**
 * The user address of element `i` of an array with `stride`-byte elements:
 * rocket_ioctl_submit's `u64_to_user_ptr(args->jobs) + i * args->job_struct_size`
 * and rocket_copy_tasks' `... + i * job->task_struct_size` multiply an
 * unsigned int by a __u32, so the offset wraps at 2^32 before it is added.
 */
export function userArrayAddress(base: bigint, i: number, stride: number): bigint {
  return (base + ((BigInt(i) * BigInt(stride)) & U32)) & U64;
}

/**
 * rocket_ioctl_create_bo: shmem object, its pages, a node in the file's
 * drm_mm (the domain's aperture), the IOMMU mapping, then the outputs and
 * the handle last ("fix UAF via dangling GEM handle in create_bo"). args->offset
 * and args->dma_address are written before drm_gem_handle_create, and
 * drm_ioctl copies the struct back even on error: a failed handle creation
 * leaves them written.
 */
const createBo: Handler = (dev, data, file) => {
  const a = drm_rocket_create_bo.decode(data);
  const f = fileOf(file);
  const mm = dev.has('mm-global') ? dev.globalMm : f.mm;
  // drm_gem_shmem_create -> __drm_gem_shmem_create: size = PAGE_ALIGN(size) (size_t, no wrap for a
  // u32); for 0, shmem_file_setup accepts the empty file, then drm_gem_create_mmap_offset ->
  // drm_vma_offset_add(0 pages) -> drm_mm_insert_node_in_range refuses size 0 with ENOSPC (drm_mm.c).
  if (a.size === 0) fail('ENOSPC', 'drm_vma_offset_add: drm_mm_insert_node_in_range of 0 pages');
  const obj = dev.drm.gemObjectCreate(a.size, {
    // rocket_gem_bo_free: the node leaves the file's drm_mm with the BO's last reference.
    free: (o) => {
      const bo = o.driverPriv as RocketBo | null;
      if (bo) bo.mm.remove(bo.dmaAddress);
    },
    // drm_gem_shmem_object_mmap maps the object's pages; the defect maps a snapshot.
    mmap: (o) => (dev.has('mmap-copy') ? Buffer.from(o.memory) : undefined),
  });
  // drm_gem_shmem_create -> __drm_gem_shmem_init creates the fake mmap offset.
  const offset = dev.drm.gemMmapOffset(obj);
  let handle = 0;
  if (dev.has('create-bo-handle-first')) {
    // Before the fix the handle came first: a later failure freed the object under a live handle.
    handle = dev.drm.gemHandleCreate(file, obj);
    drm_rocket_create_bo.write(data, 0, { ...a, handle });
  }
  try {
    // drm_mm_insert_node_generic(&mm, node, args->size, PAGE_SIZE, 0, 0 = DRM_MM_INSERT_BEST): the unaligned size.
    const start = mm.insert(BigInt(a.size), dev.has('dma-address-unaligned') ? 1n : BigInt(PAGE_SIZE));
    if (start === null) fail('ENOSPC', 'no hole in the aperture');
    const dmaAddress = start as bigint;
    obj.driverPriv = { mm, dmaAddress } satisfies RocketBo;
    // iommu_map_sgtable maps the page-aligned object; then offset and dma_address, then the handle.
    const out = { ...drm_rocket_create_bo.decode(data), dma_address: dmaAddress, offset };
    drm_rocket_create_bo.write(data, 0, out);
    if (!handle) handle = dev.drm.gemHandleCreate(file, obj);
    drm_rocket_create_bo.write(data, 0, { ...out, handle });
  } finally {
    // The creation reference: the handle holds its own; on failure this frees the object.
    obj.put();
  }
  return 0;
};

/** CONFIG_HZ=250 in Debian's kernels (amd64 and arm64): one jiffy is 4 ms. */
export const JIFFY_NS = 4_000_000n;

/**
 * When a PREP_BO wait for `timeoutNs` (absolute CLOCK_MONOTONIC) started at
 * `nowNs` gives up, or null for a poll. drm_syncobj.c
 * drm_timeout_abs_to_jiffies: 0 or a time not after now is 0 (poll); else
 * nsecs_to_jiffies64 of the distance (rounded down) + 1. schedule_timeout(n)
 * then wakes at the n-th jiffy tick from now: never before the next tick, and
 * within one jiffy either side of the deadline (rocket adds no extra jiffy, so
 * unlike ivpu's BO_WAIT a wait can end up to a jiffy early).
 */
export function prepBoDeadline(timeoutNs: bigint, nowNs: bigint): bigint | null {
  if (timeoutNs === 0n || timeoutNs <= nowNs) return null;
  const jiffies = (timeoutNs - nowNs) / JIFFY_NS + 1n;
  return (nowNs / JIFFY_NS + jiffies) * JIFFY_NS;
}

/** rocket_ioctl_prep_bo: wait for the BO's WRITE fences until an absolute CLOCK_MONOTONIC time. */
const prepBo: Handler = (dev, data, file, ctx) => {
  const a = drm_rocket_prep_bo.decode(data);
  if (a.reserved !== 0 && !dev.has('prep-bo-reserved-ignored')) fail('EINVAL', 'reserved');
  const obj = dev.drm.gemObjectLookup(file, a.handle);
  if (!obj) fail('ENOENT', 'no such BO');
  const bo = obj as GemObject;
  bo.put();
  const fences = bo.resv.fences('write');
  const kick = (): void => ctx.clock.kick();
  for (const fe of fences) fe.onSignal(kick);
  const now = ctx.clock.nowNs();
  const wake = prepBoDeadline(a.timeout_ns, now);
  const poll = wake === null;
  const deadline = wake ?? now;
  return ctx.sleep(() => fences.every((fe) => fe.signaled), deadline, (ok) => {
    // dma_resv_wait_timeout returned 0: ETIMEDOUT after a wait, EBUSY for a poll.
    if (!ok) fail(poll && !dev.has('prep-bo-poll-etimedout') ? 'EBUSY' : 'ETIMEDOUT', 'BO still busy');
    return 0;
  });
};

/** rocket_ioctl_fini_bo: only checks, then dma_sync_sgtable_for_device (nothing to model). */
const finiBo: Handler = (dev, data, file) => {
  const a = drm_rocket_fini_bo.decode(data);
  if (a.reserved !== 0 && !dev.has('fini-bo-reserved-ignored')) fail('EINVAL', 'reserved');
  const obj = dev.drm.gemObjectLookup(file, a.handle);
  if (!obj) fail('ENOENT', 'no such BO');
  (obj as GemObject).put();
  return 0;
};

/** drm_gem_objects_lookup: all references or none (objects_lookup drops those taken before a missing handle). */
function objectsLookup(dev: RocketDevice, file: DrmFile, ctx: IoctlContext, ptr: bigint, count: number): GemObject[] {
  if (count === 0) return [];
  if (count * 8 > KVMALLOC_MAX) fail('ENOMEM', 'handle array too large for kvmalloc');
  const raw = ctx.copyFromUser(ptr, count * 4);
  const objs: GemObject[] = [];
  for (let i = 0; i < count; i++) {
    const o = dev.drm.gemObjectLookup(file, raw.readUInt32LE(i * 4));
    if (!o) {
      if (dev.has('unknown-handle-skipped')) continue;
      for (const held of objs) held.put();
      fail('ENOENT', `no BO for handle ${raw.readUInt32LE(i * 4)}`);
    }
    objs.push(o as GemObject);
  }
  return objs;
}

/** rocket_copy_tasks: task_struct_size at least sizeof(struct drm_rocket_task), every regcmd_count > 0. */
function copyTasks(dev: RocketDevice, ctx: IoctlContext, job: ReturnType<typeof drm_rocket_job.decode>): RocketJob['tasks'] {
  if (job.task_struct_size < drm_rocket_task.size && !dev.has('task-struct-size-unchecked')) fail('EINVAL', 'task_struct_size');
  if (job.task_count * ROCKET_TASK_KSIZE > KVMALLOC_MAX) fail('ENOMEM', 'task array too large for kvmalloc');
  const tasks: { regcmd: number; regcmdCount: number }[] = [];
  for (let i = 0; i < job.task_count; i++) {
    const t = drm_rocket_task.decode(ctx.copyFromUser(userArrayAddress(job.tasks, i, job.task_struct_size), drm_rocket_task.size));
    if (t.regcmd_count === 0 && !dev.has('regcmd-count-zero-ok')) fail('EINVAL', 'regcmd_count 0');
    tasks.push({ regcmd: t.regcmd, regcmdCount: t.regcmd_count });
  }
  return tasks;
}

/** rocket_ioctl_submit_job: a job with at least one task, its tasks, its in and out BOs, then rocket_job_push. */
function submitJob(dev: RocketDevice, file: DrmFile, ctx: IoctlContext, job: ReturnType<typeof drm_rocket_job.decode>): void {
  if (job.task_count === 0) fail('EINVAL', 'task_count 0');
  const tasks = copyTasks(dev, ctx, job);
  const inBos = objectsLookup(dev, file, ctx, job.in_bo_handles, job.in_bo_handle_count);
  let outBos: GemObject[];
  try {
    outBos = objectsLookup(dev, file, ctx, job.out_bo_handles, job.out_bo_handle_count);
  } catch (e) {
    for (const o of inBos) o.put();
    throw e;
  }
  // rocket_job_push: check_add_overflow(in, out) cannot trip here, each count having passed
  // drm_gem_objects_lookup's kvmalloc (below 2^28 handles). Then drm_gem_lock_reservations locks
  // every in and out BO's dma_resv with one ww_acquire_ctx: a BO named twice (twice in a list, or
  // in both) is locked twice, and the second dma_resv_lock_interruptible returns -EALREADY
  // (kernel/locking/mutex.c __ww_mutex_lock: ww_ctx == ww->ctx); the job is cleaned up unrun.
  const all = [...inBos, ...outBos];
  if (new Set(all.map((o) => o.resv)).size !== all.length && !dev.has('duplicate-bo-runs')) {
    for (const o of all) o.put();
    fail('EALREADY', 'drm_gem_lock_reservations: a BO is named twice');
  }
  // Implicit dependencies on other files' fences (drm_sched_job_add_implicit_dependencies) are
  // not modelled: one core runs jobs in submission order.
  dev.push(fileOf(file), { tasks, inBos, outBos });
}

/**
 * rocket_ioctl_submit: the array's checks, the copy of every job, then each
 * job in turn. rocket_ioctl_submit_job's result is ignored: a job refused
 * for its arguments is dropped and SUBMIT still returns 0.
 */
const submit: Handler = (dev, data, file, ctx) => {
  const a = drm_rocket_submit.decode(data);
  if (a.job_count === 0) return 0;
  if (a.job_struct_size < drm_rocket_job.size && !dev.has('job-struct-size-unchecked')) fail('EINVAL', 'job_struct_size');
  if (a.reserved !== 0n && !dev.has('submit-reserved-ignored')) fail('EINVAL', 'reserved');
  if (a.job_count * drm_rocket_job.size > KVMALLOC_MAX) fail('ENOMEM', 'job array too large for kvmalloc');
  const jobs = Array.from({ length: a.job_count }, (_, i) =>
    drm_rocket_job.decode(ctx.copyFromUser(userArrayAddress(a.jobs, i, a.job_struct_size), drm_rocket_job.size)),
  );
  for (const job of jobs) {
    try {
      submitJob(dev, file, ctx, job);
    } catch (e) {
      if (!(e instanceof SysError)) throw e;
    }
  }
  return 0;
};

export const ROCKET_HANDLERS: Readonly<Record<RocketIoctlName, Handler>> = {
  CREATE_BO: createBo,
  SUBMIT: submit,
  PREP_BO: prepBo,
  FINI_BO: finiBo,
};
