/**
 * The APU driver adapter: buffers and jobs through the uAPI of
 * drivers/apu/uapi/apu_drm.h (docs/uapi-apu.md), over any `Sys`. The same code
 * drives sim:apu, sim:mt8183 and the kernel module under QEMU, so it only ever
 * speaks ioctls and never peeks into a simulated kernel.
 */
import type {
  BufferCapability,
  BufferObject,
  DeviceMapCapability,
  DeviceState,
  DriverAdapter,
  JobCapability,
  JobKind,
  JobResult,
  JobSpec,
  JobStatus,
  StateCapability,
  SubmittedJob,
} from '../adapter';
import { ERRNO } from '../../harness/sys/errno';
import { MAP_SHARED, PROT_READ, PROT_WRITE } from '../../harness/sys/constants';
import type { Mapping, Sys, UserMemory } from '../../harness/sys/types';
import {
  APU_BO_DEVICE_RO,
  APU_CMD_CHECKSUM,
  APU_CMD_COPY,
  APU_CMD_CRASH,
  APU_CMD_FILL,
  APU_CMD_HANG,
  APU_CMD_NOP,
  APU_CRASHED,
  APU_ONLINE,
  APU_PAGE_SIZE,
  APU_TIMEDOUT,
  DRM_IOCTL_APU_GEM_DEQUEUE,
  DRM_IOCTL_APU_GEM_IOMMU_MAP,
  DRM_IOCTL_APU_GEM_IOMMU_UNMAP,
  DRM_IOCTL_APU_GEM_NEW,
  DRM_IOCTL_APU_GEM_QUEUE,
  DRM_IOCTL_APU_STATE,
  apu_cmd_checksum,
  apu_cmd_checksum_out,
  apu_cmd_copy,
  apu_cmd_fill,
  drm_apu_gem_dequeue,
  drm_apu_gem_iommu_map,
  drm_apu_gem_new,
  drm_apu_gem_queue,
  drm_apu_state,
} from './uapi';
import { gemClose, syncobjCreate, syncobjDestroy, syncobjWait } from '../../harness/ioctl';

export const APU_ADAPTER_NAME = 'apu';

/** The command, its argument bytes and its result size, as GEM_QUEUE takes them. */
export interface EncodedCommand {
  readonly cmd: number;
  readonly args: Buffer;
  readonly sizeOut: number;
}

export function encodeJob(job: JobSpec): EncodedCommand {
  switch (job.kind) {
    case 'nop':
      return { cmd: APU_CMD_NOP, args: Buffer.alloc(0), sizeOut: 0 };
    case 'fill':
      return { cmd: APU_CMD_FILL, args: apu_cmd_fill.encode({ dst: job.dst, len: job.len, value: job.value }), sizeOut: 0 };
    case 'copy':
      return { cmd: APU_CMD_COPY, args: apu_cmd_copy.encode({ src: job.src, dst: job.dst, len: job.len }), sizeOut: 0 };
    case 'checksum':
      return {
        cmd: APU_CMD_CHECKSUM,
        args: apu_cmd_checksum.encode({ src: job.src, len: job.len }),
        sizeOut: apu_cmd_checksum_out.size,
      };
    case 'hang':
      return { cmd: APU_CMD_HANG, args: Buffer.alloc(0), sizeOut: 0 };
    case 'crash':
      return { cmd: APU_CMD_CRASH, args: Buffer.alloc(0), sizeOut: 0 };
  }
}

/** Job result errno -> status, per the result table of docs/uapi-apu.md. */
export function jobStatusOf(errno: number): JobStatus {
  switch (errno) {
    case 0:
      return 'ok';
    case ERRNO.ETIMEDOUT:
      return 'timedout';
    case ERRNO.EFAULT:
      return 'fault';
    case ERRNO.ECANCELED:
      return 'canceled';
    case ERRNO.EIO:
      return 'crashed';
    default:
      return 'error';
  }
}

/** Every firmware command of docs/uapi-apu.md is a job kind. */
const APU_JOB_KINDS: ReadonlySet<JobKind> = new Set<JobKind>(['nop', 'fill', 'copy', 'checksum', 'hang', 'crash']);

/** An APU object always has its fake mmap offset (GEM_NEW returns it). */
export interface ApuBufferObject extends BufferObject {
  readonly mmapOffset: bigint;
}

/** An APU job always has its out_sync syncobj. */
export interface ApuSubmittedJob extends SubmittedJob {
  readonly syncobj: number;
}

const pageAlign = (n: number): number => Math.ceil(n / APU_PAGE_SIZE) * APU_PAGE_SIZE;

/**
 * The APU's uAPI as methods (the simulator's specs drive it directly), and
 * the same methods as the DriverAdapter capabilities the generic tests use.
 */
export class ApuAdapter implements DriverAdapter {
  readonly name = APU_ADAPTER_NAME;
  readonly buffers: BufferCapability = {
    handles: 'gem',
    deviceReadOnly: true,
    create: (fd, size, opts) => this.createBuffer(fd, size, opts),
    mmap: (fd, bo) => this.mmapBuffer(fd, bo),
    close: (fd, handle) => gemClose(this.sys, fd, handle),
  };
  readonly deviceMap: DeviceMapCapability = {
    map: (fd, handles) => this.mapToDevice(fd, handles),
    unmap: (fd, handles) => this.unmapFromDevice(fd, handles),
  };
  readonly jobs: JobCapability = {
    kinds: APU_JOB_KINDS,
    submit: (fd, job, bos) => this.submit(fd, job, bos),
    wait: (job, timeoutMs) => this.wait(job, timeoutMs),
  };
  readonly state: StateCapability = {
    query: (fd) => this.deviceState(fd),
  };
  /** Result sizes of submitted jobs, by the job object the caller holds. */
  private readonly sizeOut = new WeakMap<SubmittedJob, number>();

  constructor(private readonly sys: Sys) {}

  createBuffer(fd: number, size: number, opts?: { readonly deviceReadOnly?: boolean }): ApuBufferObject {
    const arg = drm_apu_gem_new.encode({ size, flags: opts?.deviceReadOnly ? APU_BO_DEVICE_RO : 0 });
    this.sys.ioctl(fd, DRM_IOCTL_APU_GEM_NEW, arg);
    const out = drm_apu_gem_new.decode(arg);
    return { handle: out.handle, size: pageAlign(size), mmapOffset: out.offset };
  }

  mmapBuffer(fd: number, bo: BufferObject): Mapping {
    // Every GEM_NEW object has an offset; an object from elsewhere without one is the caller's mistake.
    if (bo.mmapOffset === undefined) throw new Error(`apu adapter: handle ${bo.handle} has no mmap offset`);
    return this.sys.mmap(fd, bo.size, PROT_READ | PROT_WRITE, MAP_SHARED, bo.mmapOffset);
  }

  mapToDevice(fd: number, handles: readonly number[]): bigint[] {
    return this.withMemory([handles.length * 4, handles.length * 8], ([hm, am]) => {
      handles.forEach((h, i) => hm.bytes.writeUInt32LE(h >>> 0, i * 4));
      const arg = drm_apu_gem_iommu_map.encode({
        bo_handles: hm.address,
        bo_handle_count: handles.length,
        bo_device_addresses: am.address,
      });
      this.sys.ioctl(fd, DRM_IOCTL_APU_GEM_IOMMU_MAP, arg);
      return handles.map((_, i) => am.bytes.readBigUInt64LE(i * 8));
    });
  }

  unmapFromDevice(fd: number, handles: readonly number[]): void {
    this.withMemory([handles.length * 4], ([hm]) => {
      handles.forEach((h, i) => hm.bytes.writeUInt32LE(h >>> 0, i * 4));
      const arg = drm_apu_gem_iommu_map.encode({ bo_handles: hm.address, bo_handle_count: handles.length });
      this.sys.ioctl(fd, DRM_IOCTL_APU_GEM_IOMMU_UNMAP, arg);
    });
  }

  submit(fd: number, job: JobSpec, bos: readonly number[] = []): ApuSubmittedJob {
    const enc = encodeJob(job);
    const syncobj = syncobjCreate(this.sys, fd);
    // Before the ioctl: the driver's timeout may start inside it, and a slow ioctl must not make a hang look early.
    const submittedNs = this.sys.monotonicNs();
    try {
      this.withMemory([bos.length * 4, enc.args.length], ([bm, dm]) => {
        bos.forEach((h, i) => bm.bytes.writeUInt32LE(h >>> 0, i * 4));
        enc.args.copy(dm.bytes);
        const arg = drm_apu_gem_queue.encode({
          device: 0,
          cmd: enc.cmd,
          out_sync: syncobj,
          bo_handles: bos.length > 0 ? bm.address : 0n,
          bo_handle_count: bos.length,
          size_in: enc.args.length,
          size_out: enc.sizeOut,
          data: enc.args.length > 0 ? dm.address : 0n,
        });
        this.sys.ioctl(fd, DRM_IOCTL_APU_GEM_QUEUE, arg);
      });
    } catch (e) {
      this.destroySyncobj(fd, syncobj);
      throw e;
    }
    const submitted: ApuSubmittedJob = { fd, spec: job, syncobj, submittedNs };
    this.sizeOut.set(submitted, enc.sizeOut);
    return submitted;
  }

  /**
   * Waits with an absolute deadline `timeoutMs` from now on the device clock
   * (SYNCOBJ_WAIT takes CLOCK_MONOTONIC absolute time), then dequeues. A wait
   * that expires throws the SysError (ETIME) and keeps the syncobj, so the
   * caller may wait again.
   */
  async wait(job: SubmittedJob, timeoutMs: number): Promise<JobResult> {
    const syncobj = job.syncobj;
    if (syncobj === undefined) throw new Error('apu adapter: the job was not submitted by an APU adapter (no syncobj)');
    await syncobjWait(this.sys, job.fd, syncobj, timeoutMs);
    const completedNs = this.sys.monotonicNs();
    const size = this.sizeOut.get(job) ?? encodeJob(job.spec).sizeOut;
    const output = this.withMemory([size], ([om]) => {
      const arg = drm_apu_gem_dequeue.encode({ out_sync: syncobj, size, data: size > 0 ? om.address : 0n });
      this.sys.ioctl(job.fd, DRM_IOCTL_APU_GEM_DEQUEUE, arg);
      const out = drm_apu_gem_dequeue.decode(arg);
      return { errno: out.result, bytes: Buffer.from(om.bytes.subarray(0, Math.min(size, out.size))) };
    });
    this.destroySyncobj(job.fd, syncobj);
    return { status: jobStatusOf(output.errno), errno: output.errno, output: output.bytes, completedNs };
  }

  deviceState(fd: number): DeviceState {
    const arg = drm_apu_state.encode({ device: 0 });
    this.sys.ioctl(fd, DRM_IOCTL_APU_STATE, arg);
    const flags = drm_apu_state.decode(arg).flags;
    return {
      online: (flags & APU_ONLINE) !== 0,
      crashed: (flags & APU_CRASHED) !== 0,
      timedOut: (flags & APU_TIMEDOUT) !== 0,
    };
  }

  private destroySyncobj(fd: number, handle: number): void {
    try {
      syncobjDestroy(this.sys, fd, handle);
    } catch {
      // The file may be gone already; the syncobj went with it.
    }
  }

  /** Allocates user memory of the given sizes (at least 1 byte each) for one call. */
  private withMemory<T>(sizes: readonly number[], fn: (mems: UserMemory[]) => T): T {
    const mems: UserMemory[] = [];
    try {
      for (const s of sizes) mems.push(this.sys.alloc(Math.max(1, s)));
      return fn(mems);
    } finally {
      for (const m of mems) this.sys.free(m);
    }
  }
}

export function createApuAdapter(sys: Sys): ApuAdapter {
  return new ApuAdapter(sys);
}
