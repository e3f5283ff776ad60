/**
 * A driver adapter: how the generic rules make buffers and jobs on one driver.
 * The APU adapter (drivers/apu/adapter.ts) serves sim:apu, sim:mt8183 and the
 * reference kernel module. A test that needs a capability an adapter lacks
 * reports SKIP with the reason.
 */
import type { Mapping, Sys } from '../harness/sys/types';

export type AdapterCapability =
  | 'buffers' // createBuffer + mmap
  | 'device-ro-buffers' // buffers the device may only read
  | 'iommu' // mapToDevice / unmapFromDevice
  | 'jobs' // submit + wait (nop)
  | 'fill'
  | 'copy'
  | 'checksum'
  | 'hang'
  | 'crash'
  | 'state'; // deviceState

export interface BufferObject {
  readonly handle: number;
  readonly size: number;
  /** Fake offset to mmap the object on the file that created it. */
  readonly mmapOffset: bigint;
}

export type JobSpec =
  | { readonly kind: 'nop' }
  | { readonly kind: 'fill'; readonly dst: bigint; readonly len: number; readonly value: number }
  | { readonly kind: 'copy'; readonly src: bigint; readonly dst: bigint; readonly len: number }
  | { readonly kind: 'checksum'; readonly src: bigint; readonly len: number }
  | { readonly kind: 'hang' }
  | { readonly kind: 'crash' };

export interface SubmittedJob {
  readonly fd: number;
  readonly spec: JobSpec;
  /** Syncobj handle signalled when the job ends. */
  readonly syncobj: number;
  /** Monotonic ns at submission, on the device's clock. */
  readonly submittedNs: bigint;
}

export type JobStatus = 'ok' | 'timedout' | 'fault' | 'canceled' | 'crashed' | 'error';

export interface JobResult {
  readonly status: JobStatus;
  /** 0 or the positive errno the driver reported for the job. */
  readonly errno: number;
  /** Command output (CHECKSUM: 8 bytes of apu_cmd_checksum_out). */
  readonly output: Buffer;
  /** Monotonic ns when the wait saw the job end. */
  readonly completedNs: bigint;
}

export interface DeviceState {
  readonly online: boolean;
  readonly crashed: boolean;
  readonly timedOut: boolean;
}

export interface DriverAdapter {
  readonly name: string;
  readonly capabilities: ReadonlySet<AdapterCapability>;
  createBuffer(fd: number, size: number, opts?: { readonly deviceReadOnly?: boolean }): BufferObject;
  mmapBuffer(fd: number, bo: BufferObject): Mapping;
  mapToDevice(fd: number, handles: readonly number[]): bigint[];
  unmapFromDevice(fd: number, handles: readonly number[]): void;
  submit(fd: number, job: JobSpec, bos?: readonly number[]): SubmittedJob;
  /** Waits for the job's syncobj (absolute timeout on the device clock), then collects its result. */
  wait(job: SubmittedJob, timeoutMs: number): Promise<JobResult>;
  deviceState(fd: number): DeviceState;
}

export type AdapterFactory = (sys: Sys) => DriverAdapter;
