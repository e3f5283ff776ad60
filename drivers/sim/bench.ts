/**
 * Throughput of the simulator through its `Sys`, as a user program sees it.
 * Prints nothing; `npm run bench` formats the figures. Targets on a 2-core
 * machine: each operation under 5 µs, one 500 ms-timeout hang under 10 ms of
 * wall time (virtual time makes the timeout free).
 */
import { O_CLOEXEC, O_RDWR } from '../../harness/sys/constants';
import type { Sys } from '../../harness/sys/types';
import {
  APU_CMD_HANG,
  APU_CMD_NOP,
  DRM_IOCTL_APU_GEM_DEQUEUE,
  DRM_IOCTL_APU_GEM_NEW,
  DRM_IOCTL_APU_GEM_QUEUE,
  drm_apu_gem_dequeue,
  drm_apu_gem_new,
  drm_apu_gem_queue,
} from '../apu/uapi';
import {
  DRM_CLOEXEC,
  DRM_IOCTL_GEM_CLOSE,
  DRM_IOCTL_PRIME_FD_TO_HANDLE,
  DRM_IOCTL_PRIME_HANDLE_TO_FD,
  DRM_IOCTL_SYNCOBJ_CREATE,
  DRM_IOCTL_SYNCOBJ_WAIT,
  DRM_RDWR,
  drm_gem_close,
  drm_prime_handle,
  drm_syncobj_create,
  drm_syncobj_wait,
} from '../../harness/uapi/drm';
import { bootSimMachine } from './machine';

export interface BenchResult {
  readonly name: string;
  /** Wall-clock ns per operation (for the hang: per hang, timeout included). */
  readonly nsPerOp: number;
}

/**
 * Steady-state cost: as many warm-up operations as measured ones first,
 * because V8 needs several thousand calls of a path of this depth before it
 * runs optimised code, and the figure should describe the simulator, not
 * the JIT's tiering (with 1,000 warm-up calls the NOP job measured ~6 us
 * instead of ~3.6 us).
 */
function timeOps(iterations: number, op: (i: number) => void): number {
  for (let i = 0; i < iterations; i++) op(i);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) op(i);
  return Number(process.hrtime.bigint() - t0) / iterations;
}

function gemNew(sys: Sys, fd: number, arg: Buffer): number {
  arg.fill(0);
  drm_apu_gem_new.member.size.set(arg, 4096);
  sys.ioctl(fd, DRM_IOCTL_APU_GEM_NEW, arg);
  return drm_apu_gem_new.member.handle.get(arg);
}

export function benchSimulator(): BenchResult[] {
  const m = bootSimMachine(['apu']);
  const sys = m.sys;
  const fd = sys.open('/dev/accel/accel0', O_RDWR | O_CLOEXEC);
  const other = sys.open('/dev/accel/accel0', O_RDWR | O_CLOEXEC);
  const results: BenchResult[] = [];

  const newArg = drm_apu_gem_new.encode({});
  const closeArg = drm_gem_close.encode({});
  results.push({
    name: 'GEM_NEW + GEM_CLOSE',
    nsPerOp: timeOps(20_000, () => {
      drm_gem_close.member.handle.set(closeArg, gemNew(sys, fd, newArg));
      sys.ioctl(fd, DRM_IOCTL_GEM_CLOSE, closeArg);
    }),
  });

  const shared = gemNew(sys, fd, newArg);
  const exportArg = drm_prime_handle.encode({});
  const importArg = drm_prime_handle.encode({});
  results.push({
    name: 'PRIME export + import (other file) + close',
    nsPerOp: timeOps(20_000, () => {
      drm_prime_handle.write(exportArg, 0, { handle: shared, flags: DRM_CLOEXEC | DRM_RDWR, fd: -1 });
      sys.ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, exportArg);
      const dmabuf = drm_prime_handle.member.fd.get(exportArg);
      drm_prime_handle.write(importArg, 0, { handle: 0, flags: 0, fd: dmabuf });
      sys.ioctl(other, DRM_IOCTL_PRIME_FD_TO_HANDLE, importArg);
      drm_gem_close.member.handle.set(closeArg, drm_prime_handle.member.handle.get(importArg));
      sys.ioctl(other, DRM_IOCTL_GEM_CLOSE, closeArg);
      sys.close(dmabuf);
    }),
  });

  const create = drm_syncobj_create.encode({});
  sys.ioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, create);
  const sync = drm_syncobj_create.decode(create).handle;
  const handles = sys.alloc(4);
  handles.bytes.writeUInt32LE(sync, 0);
  const queueArg = drm_apu_gem_queue.encode({ cmd: APU_CMD_NOP, out_sync: sync });
  const deqArg = drm_apu_gem_dequeue.encode({ out_sync: sync });
  const waitArg = drm_syncobj_wait.encode({});
  const runJob = (cmd: number): void => {
    drm_apu_gem_queue.member.cmd.set(queueArg, cmd);
    sys.ioctl(fd, DRM_IOCTL_APU_GEM_QUEUE, queueArg);
    // A blocking wait is what lets virtual time move to the job's end.
    drm_syncobj_wait.write(waitArg, 0, {
      handles: handles.address,
      timeout_nsec: sys.monotonicNs() + 10_000_000_000n,
      count_handles: 1,
      flags: 0,
      first_signaled: 0,
      pad: 0,
    });
    sys.ioctl(fd, DRM_IOCTL_SYNCOBJ_WAIT, waitArg);
    sys.ioctl(fd, DRM_IOCTL_APU_GEM_DEQUEUE, deqArg);
  };
  results.push({ name: 'NOP job: GEM_QUEUE + SYNCOBJ_WAIT + GEM_DEQUEUE', nsPerOp: timeOps(20_000, () => runJob(APU_CMD_NOP)) });

  // Fresh machine: the hang must not be banned by earlier ones, and its reset is part of the cost.
  const hm = bootSimMachine(['apu?ban_after=0']);
  const hsys = hm.sys;
  const hfd = hsys.open('/dev/accel/accel0', O_RDWR | O_CLOEXEC);
  const hc = drm_syncobj_create.encode({});
  hsys.ioctl(hfd, DRM_IOCTL_SYNCOBJ_CREATE, hc);
  const hsync = drm_syncobj_create.decode(hc).handle;
  const hh = hsys.alloc(4);
  hh.bytes.writeUInt32LE(hsync, 0);
  const hq = drm_apu_gem_queue.encode({ cmd: APU_CMD_HANG, out_sync: hsync });
  const hd = drm_apu_gem_dequeue.encode({ out_sync: hsync });
  results.push({
    name: 'HANG job timed out at 500 ms (virtual), wall time',
    nsPerOp: timeOps(50, () => {
      hsys.ioctl(hfd, DRM_IOCTL_APU_GEM_QUEUE, hq);
      const w = drm_syncobj_wait.encode({ handles: hh.address, timeout_nsec: hsys.monotonicNs() + 10_000_000_000n, count_handles: 1 });
      hsys.ioctl(hfd, DRM_IOCTL_SYNCOBJ_WAIT, w);
      hsys.ioctl(hfd, DRM_IOCTL_APU_GEM_DEQUEUE, hd);
    }),
  });

  sys.free(handles);
  hsys.free(hh);
  sys.close(fd);
  sys.close(other);
  hsys.close(hfd);
  return results;
}

if (require.main === module) {
  for (const r of benchSimulator()) console.log(`${r.name.padEnd(56)} ${(r.nsPerOp / 1000).toFixed(2).padStart(10)} µs/op`);
}
