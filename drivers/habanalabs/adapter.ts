/**
 * The habanalabs adapter: what the generic rules can do on this driver
 * without firmware knowledge the suite lacks.
 *
 * - buffers: device memory (HL_MEM_OP_ALLOC / HL_MEM_OP_FREE), driver
 *   handles (no DRIVER_GEM), sized in the ASIC's allocation page
 *   (hl_info_hw_ip_info.device_mem_alloc_default_page_size); device memory has
 *   no CPU mapping, so no `mmap`.
 * - deviceMap: HL_MEM_OP_MAP / HL_MEM_OP_UNMAP into the context's MMU.
 * - jobs: a CS of one user CB on Gaudi2's first user queue, holding a NOP or
 *   a FENCE nothing signals (a job that never completes); packet encodings from
 *   include/gaudi2/gaudi2_packets.h (see client.ts). Gaudi2 only: Goya and
 *   Gaudi feed external queues with kernel CBs the driver parses and patches.
 * - state: INFO DEVICE_STATUS and INFO RESET_COUNT.
 *
 * Not offered: dma-buf export (HL_MEM_OP_EXPORT_DMABUF_FD exists but the
 * simulated model does not implement it yet, and an untested capability
 * would be a claim), fill/copy/checksum (they need the ASIC's DMA packets).
 */
import type { DriverAdapter, JobResult, JobSpec, SubmittedJob } from '../adapter';
import { ERRNO, SysError } from '../../harness/sys/errno';
import type { Sys } from '../../harness/sys/types';
import { cbDestroy, cbWithPackets, endlessFencePacket, info, nopPackets, submit, waitCs } from './client';
import {
  DRM_IOCTL_HL_MEMORY,
  HL_DEVICE_STATUS_MALFUNCTION,
  HL_DEVICE_STATUS_NEEDS_RESET,
  HL_DEVICE_STATUS_OPERATIONAL,
  HL_INFO_DEVICE_STATUS,
  HL_INFO_HW_IP_INFO,
  HL_INFO_RESET_COUNT,
  HL_MEM_OP_ALLOC,
  HL_MEM_OP_FREE,
  HL_MEM_OP_MAP,
  HL_MEM_OP_UNMAP,
  HL_WAIT_CS_STATUS_ABORTED,
  HL_WAIT_CS_STATUS_BUSY,
  HL_WAIT_CS_STATUS_COMPLETED,
  HL_WAIT_CS_STATUS_TIMEDOUT,
  hl_info_device_status,
  hl_info_hw_ip_info,
  hl_info_reset_count,
  hl_mem_out,
  memIn,
} from './uapi';

export const HABANALABS_ADAPTER_NAME = 'habanalabs';

/** A submitted CS: its sequence and the CB that holds its packets (destroyed once it ended). */
interface HlJob extends SubmittedJob {
  readonly seq: bigint;
  readonly cb: bigint;
}

export class HabanalabsAdapter implements DriverAdapter {
  readonly name = HABANALABS_ADAPTER_NAME;
  /** Device VAs of HL_MEM_OP_MAP, per file and handle (UNMAP takes the address). */
  private readonly mapped = new Map<string, bigint>();
  private readonly jobsByObject = new WeakMap<SubmittedJob, HlJob>();

  constructor(private readonly sys: Sys) {}

  private memory(fd: number, op: number, words: readonly bigint[]): bigint {
    const arg = memIn(op, words);
    this.sys.ioctl(fd, DRM_IOCTL_HL_MEMORY, arg);
    return hl_mem_out.decode(arg).handle;
  }

  /** set_alloc_page_size with page_size 0: the ASIC's default allocation page. */
  private pageSize(fd: number): number {
    const ip = hl_info_hw_ip_info.decode(info(this.sys, fd, HL_INFO_HW_IP_INFO, hl_info_hw_ip_info.size));
    return Number(ip.device_mem_alloc_default_page_size || ip.dram_page_size || 4096n);
  }

  readonly buffers: NonNullable<DriverAdapter['buffers']> = {
    handles: 'driver',
    create: (fd, size) => {
      const handle = Number(this.memory(fd, HL_MEM_OP_ALLOC, [BigInt(size), 0n]));
      const page = this.pageSize(fd);
      return { handle, size: Math.ceil(size / page) * page };
    },
    close: (fd, handle) => {
      this.memory(fd, HL_MEM_OP_FREE, [BigInt(handle)]);
    },
  };

  readonly deviceMap: NonNullable<DriverAdapter['deviceMap']> = {
    map: (fd, handles) => {
      const done: number[] = [];
      try {
        return handles.map((h) => {
          const va = this.memory(fd, HL_MEM_OP_MAP, [0n, BigInt(h)]);
          this.mapped.set(`${fd}:${h}`, va);
          done.push(h);
          return va;
        });
      } catch (e) {
        // All or nothing: what this call mapped is unmapped again.
        this.deviceMap.unmap(fd, done);
        throw e;
      }
    },
    unmap: (fd, handles) => {
      for (const h of handles) {
        const key = `${fd}:${h}`;
        this.memory(fd, HL_MEM_OP_UNMAP, [this.mapped.get(key) ?? 0n]);
        this.mapped.delete(key);
      }
    },
  };

  readonly jobs: NonNullable<DriverAdapter['jobs']> = {
    kinds: new Set(['nop', 'hang'] as const),
    submit: (fd, job) => this.submit(fd, job),
    wait: (job, timeoutMs) => this.wait(job, timeoutMs),
  };

  readonly state: NonNullable<DriverAdapter['state']> = {
    query: (fd) => {
      const status = hl_info_device_status.decode(info(this.sys, fd, HL_INFO_DEVICE_STATUS, hl_info_device_status.size)).status;
      // NEEDS_RESET: a CS timed out while reset_on_lockup=0 (cs_timedout sets needs_reset).
      return { online: status === HL_DEVICE_STATUS_OPERATIONAL, crashed: status === HL_DEVICE_STATUS_MALFUNCTION, timedOut: status === HL_DEVICE_STATUS_NEEDS_RESET };
    },
    resetCount: (fd) => {
      const c = hl_info_reset_count.decode(info(this.sys, fd, HL_INFO_RESET_COUNT, hl_info_reset_count.size));
      return c.hard_reset_cnt + c.soft_reset_cnt;
    },
  };

  private submit(fd: number, spec: JobSpec): SubmittedJob {
    let packets: Buffer;
    if (spec.kind === 'nop') packets = nopPackets(1);
    else if (spec.kind === 'hang') packets = endlessFencePacket();
    else throw SysError.of('EOPNOTSUPP', 'ioctl', `habanalabs adapter: no ${spec.kind} job`);
    const { cb, chunk } = cbWithPackets(this.sys, fd, packets);
    const submittedNs = this.sys.monotonicNs();
    let seq: bigint;
    try {
      seq = submit(this.sys, fd, [chunk]).seq;
    } catch (e) {
      cbDestroy(this.sys, fd, cb.handle);
      throw e;
    }
    const job: HlJob = { fd, spec, submittedNs, seq, cb: cb.handle };
    this.jobsByObject.set(job, job);
    return job;
  }

  /** WAIT_CS; a CS still BUSY when the wait expires throws ETIMEDOUT and may be waited again. */
  private async wait(submitted: SubmittedJob, timeoutMs: number): Promise<JobResult> {
    const job = this.jobsByObject.get(submitted);
    if (!job) throw new Error('habanalabs adapter: a job this adapter did not submit');
    const w = await waitCs(this.sys, job.fd, job.seq, BigInt(Math.max(1, Math.round(timeoutMs * 1000))));
    const completedNs = this.sys.monotonicNs();
    if (w.result === 'ok' && w.status === HL_WAIT_CS_STATUS_BUSY) throw SysError.of('ETIMEDOUT', 'ioctl', `WAIT_CS: CS ${job.seq} still busy after ${timeoutMs} ms`);
    // The CS ended: its CB can go (user CBs are not referenced by the kernel while queued).
    // During the reset that follows a timeout the CB ioctl is EBUSY; the CB then goes with the file.
    try {
      cbDestroy(this.sys, job.fd, job.cb);
    } catch (e) {
      if (!(e instanceof SysError)) throw e;
    }
    if (w.result === 'ok' && w.status === HL_WAIT_CS_STATUS_COMPLETED) return { status: 'ok', errno: 0, output: Buffer.alloc(0), completedNs };
    if (w.status === HL_WAIT_CS_STATUS_TIMEDOUT) return { status: 'timedout', errno: ERRNO.ETIMEDOUT, output: Buffer.alloc(0), completedNs };
    if (w.status === HL_WAIT_CS_STATUS_ABORTED) return { status: 'canceled', errno: ERRNO.EIO, output: Buffer.alloc(0), completedNs };
    const errno = w.result in ERRNO ? ERRNO[w.result as keyof typeof ERRNO] : ERRNO.EIO;
    return { status: 'error', errno, output: Buffer.alloc(0), completedNs };
  }
}

export function createHabanalabsAdapter(sys: Sys): DriverAdapter {
  return new HabanalabsAdapter(sys);
}
