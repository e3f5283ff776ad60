/**
 * User-space calls of the rocket uAPI, shared by the adapter, the driver
 * family and the model's specs: each issues one ioctl and returns what the
 * kernel wrote back.
 */
import type { Sys, UserMemory } from '../../harness/sys/types';
import { ROCKET_IOCTL, drm_rocket_create_bo, drm_rocket_job, drm_rocket_prep_bo, drm_rocket_submit, drm_rocket_task } from './uapi';

export interface RocketBoInfo {
  readonly handle: number;
  readonly dmaAddress: bigint;
  readonly offset: bigint;
}

export function createBo(sys: Sys, fd: number, size: number): RocketBoInfo {
  const arg = drm_rocket_create_bo.encode({ size });
  sys.ioctl(fd, ROCKET_IOCTL.CREATE_BO.request, arg);
  const out = drm_rocket_create_bo.decode(arg);
  return { handle: out.handle, dmaAddress: out.dma_address, offset: out.offset };
}

/** PREP_BO with an absolute CLOCK_MONOTONIC deadline (0 or a past time: a poll). */
export function prepBoAsync(sys: Sys, fd: number, handle: number, deadlineNs: bigint): Promise<number> {
  return sys.ioctlAsync(fd, ROCKET_IOCTL.PREP_BO.request, drm_rocket_prep_bo.encode({ handle, timeout_ns: deadlineNs }));
}

export interface RocketJobArgs {
  readonly tasks: readonly { readonly regcmd: number; readonly regcmdCount: number }[];
  readonly inBos?: readonly number[];
  readonly outBos?: readonly number[];
  /** Overrides for the raw fields (bad-argument tests). */
  readonly taskCount?: number;
  readonly taskStructSize?: number;
}

/** SUBMIT of the given jobs; user memory for the arrays lives until the call returns. */
export function submit(sys: Sys, fd: number, jobs: readonly RocketJobArgs[], opts: { jobStructSize?: number; reserved?: bigint } = {}): void {
  const allocs: UserMemory[] = [];
  const place = (bytes: Buffer): bigint => {
    if (bytes.length === 0) return 0n;
    const mem = sys.alloc(bytes.length);
    bytes.copy(mem.bytes);
    allocs.push(mem);
    return mem.address;
  };
  const u32s = (xs: readonly number[]): Buffer => {
    const b = Buffer.alloc(xs.length * 4);
    xs.forEach((x, i) => b.writeUInt32LE(x >>> 0, i * 4));
    return b;
  };
  try {
    const encoded = jobs.map((j) =>
      drm_rocket_job.encode({
        tasks: place(Buffer.concat(j.tasks.map((t) => drm_rocket_task.encode({ regcmd: t.regcmd, regcmd_count: t.regcmdCount })))),
        in_bo_handles: place(u32s(j.inBos ?? [])),
        out_bo_handles: place(u32s(j.outBos ?? [])),
        task_count: j.taskCount ?? j.tasks.length,
        task_struct_size: j.taskStructSize ?? drm_rocket_task.size,
        in_bo_handle_count: j.inBos?.length ?? 0,
        out_bo_handle_count: j.outBos?.length ?? 0,
      }),
    );
    const arg = drm_rocket_submit.encode({
      jobs: place(Buffer.concat(encoded)),
      job_count: jobs.length,
      job_struct_size: opts.jobStructSize ?? drm_rocket_job.size,
      reserved: opts.reserved ?? 0n,
    });
    sys.ioctl(fd, ROCKET_IOCTL.SUBMIT.request, arg);
  } finally {
    for (const m of allocs) sys.free(m);
  }
}
