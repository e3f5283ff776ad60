/**
 * The amdxdna adapter: SHARE BOs (CREATE_BO; GET_BO_INFO gives the mmap
 * offset; GEM_CLOSE), dma-bufs through the PRIME core, and jobs.
 *
 * A job is an ERT_START_CU command in a CMD BO (struct amdxdna_cmd,
 * amdxdna_ctx.h: header word with opcode, count and state, then the CU
 * mask) started on a compute unit of the file's hardware context; it ends
 * when point `seq` (EXEC_CMD's answer) of the context's timeline syncobj
 * signals (DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT: AIE2 devices have no WAIT_CMD),
 * and how it ended is the state the driver wrote into the header
 * (COMPLETED, ERROR, ABORT, TIMEOUT: aie2_ctx.c response handlers).
 *
 * What a CU does is its PDI, a device-specific image XRT takes from an
 * xclbin; the suite has none of its own. The adapter options name the files
 * (drivers/amdxdna/images.ts): ACCEL_AMDXDNA_XCLBIN (a kernel that
 * completes at once: the 'nop' job kind) and ACCEL_AMDXDNA_HANG_XCLBIN (one
 * that never completes: 'hang'), or raw PDIs through ACCEL_AMDXDNA_PDI and
 * ACCEL_AMDXDNA_HANG_PDI. Without them, or with a file that is not what the
 * option needs, a real device has no such job kind and `unavailable` says
 * why ('jobs.nop', 'jobs.hang'; 'jobs' when no kind is left), which skip
 * reasons quote; a simulated machine loads the modelled PDIs sim:amdxdna's
 * firmware knows (drivers/amdxdna/pdi.ts).
 *
 * Each file gets, at its first job, what XRT sets up once per process: a
 * 64 MiB device heap (DEV_HEAP, mapped: DEV BOs live in it), one DEV BO per
 * PDI, a context of the xclbin's columns and its CU configuration.
 */
import type { BufferCapability, DriverAdapter, JobCapability, JobKind, JobResult, JobSpec, SubmittedJob, UnavailableKey } from '../adapter';
import { MAP_SHARED, PROT_READ, PROT_WRITE } from '../../harness/sys/constants';
import type { Mapping, Sys } from '../../harness/sys/types';
import { DRM_IOCTL_GEM_CLOSE, drm_gem_close } from '../../harness/uapi/drm';
import {
  ERT_CMD_STATE_ABORT,
  ERT_CMD_STATE_COMPLETED,
  ERT_CMD_STATE_TIMEOUT,
  boInfo,
  cmdState,
  createBo,
  execCmd,
  setUpFile,
  type FileSetup,
  waitSeqAsync,
  writeStartCu,
  type Hwctx,
} from './lib';
import { amdxdnaJobImages, XDNA_JOB_KINDS } from './images';
import { AMDXDNA_ADAPTER_NAME } from './profile';
import { AMDXDNA_BO_CMD, AMDXDNA_BO_SHARE } from './uapi';

const PAGE_SIZE = 4096;
const EIO = 5;

interface XdnaSubmitted extends SubmittedJob {
  readonly hwctx: Hwctx;
  readonly seq: bigint;
  readonly cmdBo: number;
  readonly cmdMap: Mapping;
}

function gemClose(sys: Sys, fd: number, handle: number): void {
  sys.ioctl(fd, DRM_IOCTL_GEM_CLOSE, drm_gem_close.encode({ handle }));
}

export function createAmdxdnaAdapter(sys: Sys, env: NodeJS.ProcessEnv = process.env): DriverAdapter {
  const buffers: BufferCapability = {
    handles: 'gem',
    create(fd, size) {
      const handle = createBo(sys, fd, size, AMDXDNA_BO_SHARE);
      return { handle, size: Math.ceil(size / PAGE_SIZE) * PAGE_SIZE, mmapOffset: boInfo(sys, fd, handle).mapOffset };
    },
    mmap(fd, bo) {
      const offset = bo.mmapOffset ?? boInfo(sys, fd, bo.handle).mapOffset;
      return sys.mmap(fd, bo.size, PROT_READ | PROT_WRITE, MAP_SHARED, offset);
    },
    close(fd, handle) {
      gemClose(sys, fd, handle);
    },
  };
  const images = amdxdnaJobImages(sys, env);
  const present = XDNA_JOB_KINDS.filter((k) => images.cus[k]);
  const kinds: ReadonlySet<JobKind> = new Set<JobKind>(present);
  const why = XDNA_JOB_KINDS.flatMap((k) => images.missing[k] ?? []).join('; ');
  const unavailable: Partial<Record<UnavailableKey, string>> = {};
  for (const k of XDNA_JOB_KINDS) if (images.missing[k]) unavailable[`jobs.${k}`] = images.missing[k];
  if (kinds.size === 0) unavailable.jobs = why;
  const adapter: DriverAdapter = { name: AMDXDNA_ADAPTER_NAME, buffers, ...(why ? { unavailable } : {}) };
  if (kinds.size === 0) return adapter;

  const setups = new Map<number, FileSetup>();
  const setUp = (fd: number): FileSetup => {
    const known = setups.get(fd);
    if (known) {
      try {
        if (boInfo(sys, fd, known.heap).mapOffset === known.heapOffset) return known;
      } catch {
        // The fd is another file now: set it up afresh.
      }
      setups.delete(fd);
    }
    const s = setUpFile(sys, fd, present.flatMap((k) => images.cus[k] ?? []), images.shape);
    setups.set(fd, s);
    return s;
  };

  const jobs: JobCapability = {
    kinds,
    submit(fd: number, spec: JobSpec): XdnaSubmitted {
      if (!kinds.has(spec.kind)) {
        throw new Error(`amdxdna adapter: no ${spec.kind} job (kinds: ${[...kinds].join(', ')}${why ? `; ${why}` : ''})`);
      }
      const s = setUp(fd);
      const cmdBo = createBo(sys, fd, PAGE_SIZE, AMDXDNA_BO_CMD);
      let cmdMap: Mapping | null = null;
      try {
        cmdMap = sys.mmap(fd, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, boInfo(sys, fd, cmdBo).mapOffset);
        writeStartCu(cmdMap.bytes, s.cu[spec.kind] as number);
        const submittedNs = sys.monotonicNs();
        const seq = execCmd(sys, fd, s.hwctx.handle, cmdBo);
        return { fd, spec, submittedNs, hwctx: s.hwctx, seq, cmdBo, cmdMap };
      } catch (e) {
        if (cmdMap) sys.munmap(cmdMap);
        gemClose(sys, fd, cmdBo);
        throw e;
      }
    },
    async wait(job: SubmittedJob, timeoutMs: number): Promise<JobResult> {
      const j = job as XdnaSubmitted;
      if (j.cmdMap === undefined) throw new Error('amdxdna adapter: the job was not submitted by this adapter');
      await waitSeqAsync(sys, j.fd, j.hwctx.syncobj, j.seq, sys.monotonicNs() + BigInt(timeoutMs) * 1_000_000n);
      const completedNs = sys.monotonicNs();
      const state = cmdState(j.cmdMap.bytes);
      sys.munmap(j.cmdMap);
      gemClose(sys, j.fd, j.cmdBo);
      const output = Buffer.alloc(0);
      // The driver reports a state in the command BO, not an errno (the syncobj point signals without error).
      if (state === ERT_CMD_STATE_COMPLETED) return { status: 'ok', errno: 0, output, completedNs };
      if (state === ERT_CMD_STATE_TIMEOUT) return { status: 'timedout', errno: 0, output, completedNs };
      if (state === ERT_CMD_STATE_ABORT) return { status: 'canceled', errno: 0, output, completedNs };
      return { status: 'error', errno: EIO, output, completedNs };
    },
  };
  return { ...adapter, jobs };
}
