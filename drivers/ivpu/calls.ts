/**
 * The ivpu ioctls as a user program issues them, through `Sys` only: shared
 * by the model's specs, the accel@ivpu family and the adapter.
 */
import type { Sys, UserMemory } from '../../harness/sys/types';
import {
  DRM_IOCTL_IVPU_BO_CREATE,
  DRM_IOCTL_IVPU_BO_CREATE_FROM_USERPTR,
  DRM_IOCTL_IVPU_BO_INFO,
  DRM_IOCTL_IVPU_BO_WAIT,
  DRM_IOCTL_IVPU_CMDQ_CREATE,
  DRM_IOCTL_IVPU_CMDQ_DESTROY,
  DRM_IOCTL_IVPU_CMDQ_SUBMIT,
  DRM_IOCTL_IVPU_GET_PARAM,
  DRM_IOCTL_IVPU_SUBMIT,
  drm_ivpu_bo_create,
  drm_ivpu_bo_create_from_userptr,
  drm_ivpu_bo_info,
  drm_ivpu_bo_wait,
  drm_ivpu_cmdq_create,
  drm_ivpu_cmdq_destroy,
  drm_ivpu_cmdq_submit,
  drm_ivpu_param,
  drm_ivpu_submit,
} from './uapi';

export type BoInfo = ReturnType<typeof drm_ivpu_bo_info.decode>;

export function ivpuGetParam(sys: Sys, fd: number, param: number, index = 0): bigint {
  const arg = drm_ivpu_param.encode({ param, index });
  sys.ioctl(fd, DRM_IOCTL_IVPU_GET_PARAM.request, arg);
  return drm_ivpu_param.decode(arg).value;
}

export function ivpuBoCreate(sys: Sys, fd: number, size: number | bigint, flags = 0): { handle: number; vpuAddr: bigint } {
  const arg = drm_ivpu_bo_create.encode({ size: BigInt(size), flags });
  sys.ioctl(fd, DRM_IOCTL_IVPU_BO_CREATE.request, arg);
  const v = drm_ivpu_bo_create.decode(arg);
  return { handle: v.handle, vpuAddr: v.vpu_addr };
}

/** DRM_IOCTL_IVPU_BO_CREATE_FROM_USERPTR (7.3): a BO over `size` bytes of the caller's memory at `userPtr`. */
export function ivpuBoCreateFromUserptr(sys: Sys, fd: number, userPtr: bigint, size: number | bigint, flags = 0): { handle: number; vpuAddr: bigint } {
  const arg = drm_ivpu_bo_create_from_userptr.encode({ user_ptr: userPtr, size: BigInt(size), flags });
  sys.ioctl(fd, DRM_IOCTL_IVPU_BO_CREATE_FROM_USERPTR.request, arg);
  const v = drm_ivpu_bo_create_from_userptr.decode(arg);
  return { handle: v.handle, vpuAddr: v.vpu_addr };
}

/** Page-aligned anonymous user memory of `pages` pages (over-allocated by one page to align it); free `mem` afterwards. */
export function allocPages(sys: Sys, pages: number): { mem: UserMemory; address: bigint; bytes: Buffer } {
  const mem = sys.alloc((pages + 1) * 4096);
  const address = (mem.address + 4095n) & ~4095n;
  const off = Number(address - mem.address);
  return { mem, address, bytes: mem.bytes.subarray(off, off + pages * 4096) };
}

export function ivpuBoInfo(sys: Sys, fd: number, handle: number): BoInfo {
  const arg = drm_ivpu_bo_info.encode({ handle });
  sys.ioctl(fd, DRM_IOCTL_IVPU_BO_INFO.request, arg);
  return drm_ivpu_bo_info.decode(arg);
}

/** Writes `handles` to user memory for the call, then frees it. */
function withHandles<T>(sys: Sys, handles: readonly number[], fn: (address: bigint) => T): T {
  const m = sys.alloc(Math.max(4, handles.length * 4));
  try {
    handles.forEach((h, i) => m.bytes.writeUInt32LE(h, i * 4));
    return fn(m.address);
  } finally {
    sys.free(m);
  }
}

/** DRM_IOCTL_IVPU_SUBMIT: handles[0] is the command buffer. */
export function ivpuSubmit(sys: Sys, fd: number, handles: readonly number[], fields: Partial<ReturnType<typeof drm_ivpu_submit.decode>> = {}): void {
  withHandles(sys, handles, (address) =>
    sys.ioctl(fd, DRM_IOCTL_IVPU_SUBMIT.request, drm_ivpu_submit.encode({ buffers_ptr: address, buffer_count: handles.length, ...fields })),
  );
}

export function ivpuCmdqSubmit(
  sys: Sys,
  fd: number,
  cmdqId: number,
  handles: readonly number[],
  fields: Partial<ReturnType<typeof drm_ivpu_cmdq_submit.decode>> = {},
): void {
  withHandles(sys, handles, (address) =>
    sys.ioctl(
      fd,
      DRM_IOCTL_IVPU_CMDQ_SUBMIT.request,
      drm_ivpu_cmdq_submit.encode({ buffers_ptr: address, buffer_count: handles.length, cmdq_id: cmdqId, ...fields }),
    ),
  );
}

export function ivpuCmdqCreate(sys: Sys, fd: number, priority = 0, flags = 0): number {
  const arg = drm_ivpu_cmdq_create.encode({ priority, flags });
  sys.ioctl(fd, DRM_IOCTL_IVPU_CMDQ_CREATE.request, arg);
  return drm_ivpu_cmdq_create.decode(arg).cmdq_id;
}

export function ivpuCmdqDestroy(sys: Sys, fd: number, cmdqId: number): void {
  sys.ioctl(fd, DRM_IOCTL_IVPU_CMDQ_DESTROY.request, drm_ivpu_cmdq_destroy.encode({ cmdq_id: cmdqId }));
}

/** DRM_IOCTL_IVPU_BO_WAIT with an absolute CLOCK_MONOTONIC deadline; the job status of the BO's last job. */
export async function ivpuBoWait(sys: Sys, fd: number, handle: number, deadlineNs: bigint): Promise<number> {
  const arg = drm_ivpu_bo_wait.encode({ handle, timeout_ns: deadlineNs });
  await sys.ioctlAsync(fd, DRM_IOCTL_IVPU_BO_WAIT.request, arg);
  return drm_ivpu_bo_wait.decode(arg).job_status;
}

/** Absolute deadline `ms` from now on the device clock. */
export function deadlineIn(sys: Sys, ms: number): bigint {
  return sys.monotonicNs() + BigInt(Math.round(ms * 1e6));
}
