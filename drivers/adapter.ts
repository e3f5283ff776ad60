/**
 * A driver adapter: how the generic rules make buffers and jobs on one
 * driver. It is a set of optional, typed capabilities that real drivers have,
 * each present only when the driver offers it (no method that only throws):
 *
 * - `buffers`: create, mmap, close, info (with the device address where the
 *   driver assigns one at creation, as ivpu does in the file's MMU context);
 * - `dmabuf`: export and import the driver's own way, where it has one
 *   (habanalabs exports through its MEMORY ioctl); absent means the PRIME core
 *   ioctls on GEM handles;
 * - `deviceMap`: an explicit map/unmap into the file's device address space
 *   (the reference APU's GEM_IOMMU_MAP);
 * - `jobs`: submit and wait, with the kinds the driver can express without
 *   firmware knowledge the suite lacks (a NOP; a job that never completes,
 *   for the timeout rules; fill/copy/checksum where the firmware offers them);
 * - `state`: observing reset and recovery (device status, reset counters).
 *
 * Tests declare the capabilities they need as data (Subtest.requires, see
 * harness/testing/requirements.ts) and are skipped, naming the missing one,
 * before their body runs. docs/adapters.md teaches writing one.
 */
import type { Mapping, Sys } from '../harness/sys/types';

export interface BufferObject {
  /** The handle the driver gave: a GEM handle, or the driver's own (a habanalabs MEMORY handle). */
  readonly handle: number;
  /** Size in bytes as the driver allocated it (page aligned by most). */
  readonly size: number;
  /** Fake offset to mmap the object on the file that created it, when the object can be mapped. */
  readonly mmapOffset?: bigint;
  /** Device (virtual) address, when the driver assigns one at creation. */
  readonly deviceAddress?: bigint;
}

export interface BufferOptions {
  /** A buffer the device may only read (requires `buffers.deviceReadOnly`). */
  readonly deviceReadOnly?: boolean;
}

export interface BufferInfo {
  readonly size: number;
  readonly mmapOffset?: bigint;
  readonly deviceAddress?: bigint;
}

export interface BufferCapability {
  /**
   * 'gem': handles are GEM handles, so GEM_CLOSE, the per-file handle idr,
   * drm_gem_mmap and PRIME apply (drivers/gpu/drm/drm_gem.c). 'driver': the
   * driver has no GEM (DRIVER_GEM unset) and its handles follow its own rules.
   */
  readonly handles: 'gem' | 'driver';
  /** The driver can make buffers the device may only read. */
  readonly deviceReadOnly?: boolean;
  /** Every buffer gets `deviceAddress` at creation (no explicit map step). */
  readonly deviceAddresses?: boolean;
  create(fd: number, size: number, opts?: BufferOptions): BufferObject;
  /** A CPU mapping of the whole object, on the file that created it. */
  mmap?(fd: number, bo: BufferObject): Mapping;
  /** Releases the handle (GEM: DRM_IOCTL_GEM_CLOSE). */
  close(fd: number, handle: number): void;
  /** What the driver reports about a handle of the file. */
  info?(fd: number, handle: number): BufferInfo;
}

export interface DmabufCapability {
  /** A dma-buf fd of the file's buffer (O_CLOEXEC | O_RDWR); the caller closes it. */
  export(fd: number, handle: number): number;
  /** A handle of the file for a dma-buf fd. */
  import(fd: number, dmabuf: number): number;
}

export interface DeviceMapCapability {
  /** Maps the objects into the file's device address space, all or nothing; returns their addresses. */
  map(fd: number, handles: readonly number[]): bigint[];
  unmap(fd: number, handles: readonly number[]): void;
}

export type JobSpec =
  | { readonly kind: 'nop' }
  | { readonly kind: 'fill'; readonly dst: bigint; readonly len: number; readonly value: number }
  | { readonly kind: 'copy'; readonly src: bigint; readonly dst: bigint; readonly len: number }
  | { readonly kind: 'checksum'; readonly src: bigint; readonly len: number }
  | { readonly kind: 'hang' }
  | { readonly kind: 'crash' };

export type JobKind = JobSpec['kind'];

export const JOB_KINDS: readonly JobKind[] = ['nop', 'fill', 'copy', 'checksum', 'hang', 'crash'];

export interface SubmittedJob {
  readonly fd: number;
  readonly spec: JobSpec;
  /**
   * Monotonic ns (device clock) taken just before the submit ioctl: the
   * driver's timeout may start inside the ioctl, so a time taken after it
   * would make a slow ioctl's hang look reported early.
   */
  readonly submittedNs: bigint;
  /**
   * The syncobj signalled when the job ends, where the driver has one (the
   * APU). Others wait their own way (ivpu BO_WAIT on the command buffer,
   * habanalabs WAIT_CS on a sequence number) and leave it out.
   */
  readonly syncobj?: number;
}

export type JobStatus = 'ok' | 'timedout' | 'fault' | 'canceled' | 'crashed' | 'error';

export interface JobResult {
  readonly status: JobStatus;
  /** 0 or the positive errno the driver reported for the job. */
  readonly errno: number;
  /** Command output (CHECKSUM: the 32-bit FNV-1a first, little endian). */
  readonly output: Buffer;
  /** Monotonic ns when the wait saw the job end. */
  readonly completedNs: bigint;
}

export interface JobCapability {
  /**
   * The job kinds the adapter can express: usually 'nop' at least. 'hang' is
   * a job that never completes, for the timeout rules; a device whose engine
   * completes nothing (ethosu's silent NPU of the kernel lane) has 'hang' only.
   */
  readonly kinds: ReadonlySet<JobKind>;
  /** Submits on the file's context; `bos` are the handles the job touches. */
  submit(fd: number, job: JobSpec, bos?: readonly number[]): SubmittedJob;
  /** Waits at most `timeoutMs` (device clock); an expired wait throws the SysError and the job may be waited again. */
  wait(job: SubmittedJob, timeoutMs: number): Promise<JobResult>;
}

export interface DeviceState {
  readonly online: boolean;
  readonly crashed: boolean;
  readonly timedOut: boolean;
}

export interface StateCapability {
  /** The driver's own view of the device (APU STATE, a sysfs status, ...). */
  query(fd: number): DeviceState;
  /** Resets the device went through since boot (a debugfs or sysfs counter), when the driver counts them. */
  resetCount?(fd: number): number;
}

/** The capability groups, by the name tests and docs use. */
export interface AdapterCapabilities {
  readonly buffers?: BufferCapability;
  readonly dmabuf?: DmabufCapability;
  readonly deviceMap?: DeviceMapCapability;
  readonly jobs?: JobCapability;
  readonly state?: StateCapability;
}

export type CapabilityGroup = keyof AdapterCapabilities;

export const CAPABILITY_GROUPS: readonly CapabilityGroup[] = ['buffers', 'dmabuf', 'deviceMap', 'jobs', 'state'];

export interface DriverAdapter extends AdapterCapabilities {
  readonly name: string;
  /**
   * Why a group, or a job kind, the driver has is absent here (an adapter
   * option unset, a file that is not what the option needs): skip reasons
   * quote it. One line each.
   */
  readonly unavailable?: Readonly<Partial<Record<UnavailableKey, string>>>;
}

/** A capability group, or one job kind as its requirement names it ('jobs.hang'). */
export type UnavailableKey = CapabilityGroup | `jobs.${JobKind}`;

export type AdapterFactory = (sys: Sys) => DriverAdapter;
