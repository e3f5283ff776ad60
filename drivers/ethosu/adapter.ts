/**
 * The ethosu adapter: GEM buffers (BO_CREATE, BO_MMAP_OFFSET, GEM_CLOSE),
 * dma-bufs through the PRIME core, and jobs made of public command stream
 * words (drivers/ethosu/cmdstream.ts). Ethos-U has no job that "does
 * nothing": the smallest job whose end user space can observe is a 4 KiB
 * DMA from one scratch BO to another, because only a job that writes an
 * output region fences a BO (ethosu_attach_object_fences). The adapter
 * submits that, waits with BO_WAIT on the destination, and reads how the job
 * ended from a sync_file exported before the wait: BO_WAIT returns 0 for a
 * job the timeout cancelled as well (drm_gem_dma_resv_wait does not look at
 * fence errors), SYNC_IOC_FILE_INFO's status tells -ECANCELED apart.
 *
 * A real NPU finishes such a job, so 'nop' is the job kind. A device whose
 * NPU never completes anything (the kernel lane's silent register window) is
 * declared with ACCEL_ETHOSU_NPU=silent: every job then is a job that never
 * completes, the 'hang' kind, and there is no 'nop'.
 */
import type { BufferCapability, DriverAdapter, JobCapability, JobKind, JobResult, JobSpec, SubmittedJob } from '../adapter';
import { MAP_SHARED, PROT_READ, PROT_WRITE } from '../../harness/sys/constants';
import type { Sys } from '../../harness/sys/types';
import { DMA_BUF_IOCTL_EXPORT_SYNC_FILE, DMA_BUF_SYNC_READ, SYNC_IOC_FILE_INFO, dma_buf_export_sync_file, sync_file_info } from '../../harness/uapi/dma-buf';
import { DRM_CLOEXEC, DRM_IOCTL_GEM_CLOSE, DRM_IOCTL_PRIME_HANDLE_TO_FD, DRM_RDWR, drm_gem_close, drm_prime_handle } from '../../harness/uapi/drm';
import { dmaCopyStream } from './cmdstream';
import { boCreate, boMmapOffset, boWaitAsync, cmdstreamCreate, submit } from './lib';
import { ETHOSU_ADAPTER_NAME } from './profile';

const ECANCELED = 125;
const SCRATCH = 4096;

interface EthosuSubmitted extends SubmittedJob {
  /** The destination BO whose write fence is the job's. */
  readonly dst: number;
  /** A sync_file of that fence, exported right after the submission. */
  readonly syncFd: number;
}

function gemClose(sys: Sys, fd: number, handle: number): void {
  sys.ioctl(fd, DRM_IOCTL_GEM_CLOSE, drm_gem_close.encode({ handle }));
}

/** The dst BO's write fences as a sync_file: PRIME export, then DMA_BUF_IOCTL_EXPORT_SYNC_FILE(READ). */
function exportSyncFile(sys: Sys, fd: number, handle: number): number {
  const prime = drm_prime_handle.encode({ handle, flags: DRM_CLOEXEC | DRM_RDWR });
  sys.ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, prime);
  const dmabuf = drm_prime_handle.decode(prime).fd;
  try {
    // A reader waits for the writers: READ gives the WRITE-usage fences (dma_resv_usage_rw(false)).
    const arg = dma_buf_export_sync_file.encode({ flags: Number(DMA_BUF_SYNC_READ) });
    sys.ioctl(dmabuf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, arg);
    return dma_buf_export_sync_file.decode(arg).fd;
  } finally {
    sys.close(dmabuf);
  }
}

/** dma_fence_get_status through SYNC_IOC_FILE_INFO: 1 signalled, 0 pending, a negative errno on error. */
function fenceStatus(sys: Sys, syncFd: number): number {
  const arg = sync_file_info.encode({});
  sys.ioctl(syncFd, SYNC_IOC_FILE_INFO, arg);
  return sync_file_info.decode(arg).status;
}

export function createEthosuAdapter(sys: Sys, env: NodeJS.ProcessEnv = process.env): DriverAdapter {
  const silent = env.ACCEL_ETHOSU_NPU === 'silent';
  const buffers: BufferCapability = {
    handles: 'gem',
    create(fd, size) {
      const bo = boCreate(sys, fd, size);
      return { handle: bo.handle, size: bo.size, mmapOffset: boMmapOffset(sys, fd, bo.handle) };
    },
    mmap(fd, bo) {
      const offset = bo.mmapOffset ?? boMmapOffset(sys, fd, bo.handle);
      return sys.mmap(fd, bo.size, PROT_READ | PROT_WRITE, MAP_SHARED, offset);
    },
    close(fd, handle) {
      gemClose(sys, fd, handle);
    },
  };
  const kinds: ReadonlySet<JobKind> = new Set<JobKind>([silent ? 'hang' : 'nop']);
  const jobs: JobCapability = {
    kinds,
    submit(fd: number, spec: JobSpec): EthosuSubmitted {
      if (!kinds.has(spec.kind)) throw new Error(`ethosu adapter: no ${spec.kind} job (kinds: ${[...kinds].join(', ')})`);
      const cmd = cmdstreamCreate(sys, fd, dmaCopyStream({ region: 0, offset: 0 }, { region: 1, offset: 0 }, SCRATCH));
      const src = boCreate(sys, fd, SCRATCH).handle;
      const dst = boCreate(sys, fd, SCRATCH).handle;
      try {
        submit(sys, fd, [{ cmdBo: cmd, regions: { 0: src, 1: dst } }]);
      } catch (e) {
        gemClose(sys, fd, dst);
        throw e;
      } finally {
        // The job holds its own references (ethosu_ioctl_submit_job looks every BO up).
        gemClose(sys, fd, cmd);
        gemClose(sys, fd, src);
      }
      const submittedNs = sys.monotonicNs();
      return { fd, spec, submittedNs, dst, syncFd: exportSyncFile(sys, fd, dst) };
    },
    async wait(job: SubmittedJob, timeoutMs: number): Promise<JobResult> {
      const j = job as EthosuSubmitted;
      if (j.syncFd === undefined) throw new Error('ethosu adapter: the job was not submitted by this adapter');
      await boWaitAsync(sys, j.fd, j.dst, sys.monotonicNs() + BigInt(timeoutMs) * 1_000_000n);
      const status = fenceStatus(sys, j.syncFd);
      sys.close(j.syncFd);
      gemClose(sys, j.fd, j.dst);
      const completedNs = sys.monotonicNs();
      const output = Buffer.alloc(0);
      if (status === 1) return { status: 'ok', errno: 0, output, completedNs };
      const errno = -status;
      // ethosu_job_timedout restarts the scheduler with drm_sched_start(sched, 0), which ends the
      // timed-out job with -ECANCELED; nothing else in ethosu cancels a job (no karma, no ban), so
      // ECANCELED here means the job timeout ended it.
      return { status: errno === ECANCELED ? 'timedout' : 'error', errno, output, completedNs };
    },
  };
  return { name: ETHOSU_ADAPTER_NAME, buffers, jobs };
}
