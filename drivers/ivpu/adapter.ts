/**
 * The ivpu adapter: what the generic rules can do on intel_vpu without
 * firmware knowledge the suite lacks.
 *
 * - buffers: DRM_IOCTL_IVPU_BO_CREATE (GEM objects; ivpu_gem.c
 *   ivpu_gem_bo_open gives each its NPU address in the file's own MMU
 *   context at creation, so `deviceAddresses`), BO_INFO for the mmap offset,
 *   GEM_CLOSE. No device-read-only buffers: DRM_IVPU_BO_READ_ONLY exists
 *   only since the 7.3 header (6.12 answers EINVAL), and no job here could
 *   show the device honouring it.
 * - dma-buf: the PRIME core ioctls (the default; ivpu_gem_prime_import makes
 *   a new BO in the importing file).
 * - jobs: a command buffer's contents are firmware-private (the kernel tree
 *   publishes the job queue in vpu_jsm_api.h, struct vpu_job_queue_entry,
 *   not the batch-buffer format). So:
 *     - on a real kernel, only when test_mode has IVPU_TEST_MODE_NULL_HW
 *       (ivpu_drv.h BIT(1)): ivpu_job.c ivpu_job_submit then completes every
 *       job in the kernel with VPU_JSM_STATUS_SUCCESS, whatever it holds:
 *       a NOP. (test_mode exists only with CONFIG_DRM_ACCEL_IVPU_DEBUG.)
 *     - on the simulated kernel, when a device runs sim:ivpu's firmware
 *       stand-in (debugfs fw_name), whose convention is public in this
 *       repository (drivers/ivpu/sim/firmware.ts): NOP and HANG.
 *   A job is one 4 KiB command buffer, submitted with DRM_IOCTL_IVPU_SUBMIT and
 *   waited for with DRM_IOCTL_IVPU_BO_WAIT on it (ivpu has no syncobjs).
 * - state: debugfs reset_pending and reset_counter (ivpu_debugfs.c), when
 *   debugfs is readable.
 */
import type { BufferCapability, DriverAdapter, JobCapability, JobKind, JobResult, JobSpec, JobStatus, StateCapability, SubmittedJob } from '../adapter';
import { MAP_SHARED, PROT_READ, PROT_WRITE } from '../../harness/sys/constants';
import type { Sys } from '../../harness/sys/types';
import { DRM_IOCTL_GEM_CLOSE, drm_gem_close } from '../../harness/uapi/drm';
import { deadlineIn, ivpuBoCreate, ivpuBoInfo, ivpuBoWait, ivpuSubmit } from './calls';
import { IVPU_ADAPTER_NAME, readIvpuParam } from './profile';
import { DRM_IVPU_BO_WC, DRM_IVPU_JOB_STATUS_ABORTED, DRM_IVPU_JOB_STATUS_SUCCESS } from './uapi';
import { SIM_FW_HANG, SIM_FW_NAME, SIM_FW_NOP } from './sim/firmware';

/** ivpu_drv.h IVPU_TEST_MODE_NULL_HW. */
export const IVPU_TEST_MODE_NULL_HW = 1 << 1;

const PAGE = 4096;

/** `<debugfs>/accel/<unique>` of the device behind `fd` (drm_debugfs.c: named after the parent device). */
function debugfsDirOfFd(sys: Sys, fd: number): string {
  const minor = sys.fstat(fd).rdevMinor;
  const parent = sys.fs.realpath(`/sys/class/accel/accel${minor}/device`).split('/').pop() ?? '';
  return `/sys/kernel/debug/accel/${parent}`;
}

function readDebugfs(sys: Sys, fd: number, file: string): string {
  return sys.fs.readFile(`${debugfsDirOfFd(sys, fd)}/${file}`).toString('utf8').trim();
}

/** Whether some ivpu device of this Sys runs the simulated firmware stand-in. */
function simulatedFirmware(sys: Sys): boolean {
  if (sys.kind !== 'sim') return false;
  const base = '/sys/kernel/debug/accel';
  try {
    return sys.fs.readdir(base).some((d) => {
      const p = `${base}/${d}/fw_name`;
      return sys.fs.exists(p) && sys.fs.readFile(p).toString('utf8').trim() === SIM_FW_NAME;
    });
  } catch {
    return false;
  }
}

/** The job kinds this Sys lets the adapter express (see the header comment). */
export function ivpuJobKinds(sys: Sys): ReadonlySet<JobKind> {
  if (simulatedFirmware(sys)) return new Set<JobKind>(['nop', 'hang']);
  const mode = readIvpuParam(sys, 'test_mode');
  return mode !== null && mode & IVPU_TEST_MODE_NULL_HW ? new Set<JobKind>(['nop']) : new Set<JobKind>();
}

/** The word the simulated firmware reads at the job's commands_offset. */
function commandWord(job: JobSpec): number {
  if (job.kind === 'hang') return SIM_FW_HANG;
  return SIM_FW_NOP;
}

interface IvpuSubmitted extends SubmittedJob {
  /** The command buffer: BO_WAIT waits on it; closed once the job is seen to end. */
  readonly cmd: number;
}

function statusOf(job: JobSpec, jobStatus: number): JobStatus {
  if (jobStatus === DRM_IVPU_JOB_STATUS_SUCCESS) return 'ok';
  // ivpu reports every abort alike (ivpu_job.c ivpu_job_signal): a TDR's, a
  // faulted context's, a destroyed queue's. Only a job meant to hang was timed out.
  if (jobStatus === DRM_IVPU_JOB_STATUS_ABORTED) return job.kind === 'hang' ? 'timedout' : 'canceled';
  return 'error';
}

export function createIvpuAdapter(sys: Sys): DriverAdapter {
  const buffers: BufferCapability = {
    handles: 'gem',
    deviceAddresses: true,
    create(fd, size) {
      const { handle, vpuAddr } = ivpuBoCreate(sys, fd, size);
      const info = ivpuBoInfo(sys, fd, handle);
      return { handle, size: Number(info.size), mmapOffset: info.mmap_offset, deviceAddress: vpuAddr };
    },
    mmap(fd, bo) {
      const offset = bo.mmapOffset ?? ivpuBoInfo(sys, fd, bo.handle).mmap_offset;
      return sys.mmap(fd, bo.size, PROT_READ | PROT_WRITE, MAP_SHARED, offset);
    },
    close(fd, handle) {
      sys.ioctl(fd, DRM_IOCTL_GEM_CLOSE, drm_gem_close.encode({ handle }));
    },
    info(fd, handle) {
      const i = ivpuBoInfo(sys, fd, handle);
      return { size: Number(i.size), mmapOffset: i.mmap_offset, deviceAddress: i.vpu_addr };
    },
  };

  const kinds = ivpuJobKinds(sys);
  const jobs: JobCapability | undefined =
    kinds.size === 0
      ? undefined
      : {
          kinds,
          submit(fd, job, bos = []) {
            if (!kinds.has(job.kind)) throw new Error(`ivpu adapter: no ${job.kind} job on this system`);
            const { handle } = ivpuBoCreate(sys, fd, PAGE, DRM_IVPU_BO_WC);
            try {
              const map = sys.mmap(fd, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ivpuBoInfo(sys, fd, handle).mmap_offset);
              map.bytes.writeUInt32LE(commandWord(job), 0);
              sys.munmap(map);
              const submittedNs = sys.monotonicNs();
              ivpuSubmit(sys, fd, [handle, ...bos]);
              const s: IvpuSubmitted = { fd, spec: job, submittedNs, cmd: handle };
              return s;
            } catch (e) {
              buffers.close(fd, handle);
              throw e;
            }
          },
          async wait(job, timeoutMs): Promise<JobResult> {
            const { cmd } = job as IvpuSubmitted;
            const status = await ivpuBoWait(sys, job.fd, cmd, deadlineIn(sys, timeoutMs));
            const completedNs = sys.monotonicNs();
            buffers.close(job.fd, cmd);
            return { status: statusOf(job.spec, status), errno: 0, output: Buffer.alloc(0), completedNs };
          },
        };

  const state: StateCapability = {
    // ivpu_pm.c: reset_pending is 1 from ivpu_pm_trigger_recovery until ivpu_pm_reset_complete.
    query(fd) {
      const pending = readDebugfs(sys, fd, 'reset_pending') !== '0';
      return { online: !pending, crashed: false, timedOut: pending };
    },
    resetCount(fd) {
      return Number.parseInt(readDebugfs(sys, fd, 'reset_counter'), 10);
    },
  };

  return {
    name: IVPU_ADAPTER_NAME,
    buffers,
    ...(jobs ? { jobs } : {}),
    // debugfs is root-only and may be unmounted: without it there is no state to offer.
    ...(sys.fs.exists('/sys/kernel/debug/accel') ? { state } : {}),
  };
}
