import { expect } from 'chai';
import { bootSimMachine } from '../../sim/machine';
import type { Sys } from '../../../harness/sys/types';
import { isSysError } from '../../../harness/sys/errno';
import { O_CLOEXEC, O_RDWR } from '../../../harness/sys/constants';
import { DMA_BUF_IOCTL_EXPORT_SYNC_FILE, DMA_BUF_SYNC_READ, SYNC_IOC_FILE_INFO, dma_buf_export_sync_file, sync_file_info } from '../../../harness/uapi/dma-buf';
import { DRM_CLOEXEC, DRM_IOCTL_PRIME_HANDLE_TO_FD, DRM_RDWR, drm_prime_handle } from '../../../harness/uapi/drm';
import { ROCKET_IOCTL, drm_rocket_create_bo, drm_rocket_prep_bo, drm_rocket_submit } from '../uapi';
import { createBo, prepBoAsync, submit, type RocketJobArgs } from '../lib';
import { readDrmVersion } from '../../../harness/discovery/drm-version';
import { JIFFY_NS, prepBoDeadline, userArrayAddress } from './ioctls';
import { errnoOf } from '../../../harness/ioctl/core';

function boot(spec = 'rocket'): { sys: Sys; fd: number } {
  const m = bootSimMachine([spec]);
  return { sys: m.sys, fd: m.sys.open('/dev/accel/accel0', O_RDWR | O_CLOEXEC) };
}

async function errnoOfAsync(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (isSysError(e)) return e.code;
    throw e;
  }
  return 'ok';
}


/** A sync_file of the BO's WRITE fence, through a PRIME export (the fence outlives the DRM fd). */
function writeFenceFd(sys: Sys, fd: number, handle: number): number {
  const prime = drm_prime_handle.encode({ handle, flags: DRM_CLOEXEC | DRM_RDWR });
  sys.ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, prime);
  const exp = dma_buf_export_sync_file.encode({ flags: Number(DMA_BUF_SYNC_READ) });
  sys.ioctl(drm_prime_handle.decode(prime).fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, exp);
  return dma_buf_export_sync_file.decode(exp).fd;
}

function fenceStatus(sys: Sys, syncFd: number): number {
  const info = sync_file_info.encode({});
  sys.ioctl(syncFd, SYNC_IOC_FILE_INFO, info);
  return sync_file_info.decode(info).status;
}

function job(sys: Sys, fd: number, out: number): RocketJobArgs {
  const cmd = createBo(sys, fd, 4096);
  return { tasks: [{ regcmd: Number(cmd.dmaAddress), regcmdCount: 2 }], inBos: [cmd.handle], outBos: [out] };
}

describe('sim:rocket (drivers/accel/rocket)', () => {
  it('CREATE_BO: per-file drm_mm from the aperture start, page-aligned, best fit reuses freed holes', () => {
    const { sys, fd } = boot();
    expect(createBo(sys, fd, 1).dmaAddress).to.equal(0n);
    const b = createBo(sys, fd, 8192);
    expect(b.dmaAddress).to.equal(4096n);
    expect(createBo(sys, fd, 4096).dmaAddress).to.equal(12288n);
    sys.ioctl(fd, 0x40086409 /* DRM_IOCTL_GEM_CLOSE */, Buffer.from([b.handle, 0, 0, 0, 0, 0, 0, 0]));
    // DRM_MM_INSERT_BEST: the 8 KiB hole is the smallest that fits, ahead of the tail.
    expect(createBo(sys, fd, 4096).dmaAddress).to.equal(4096n);
    const fd2 = sys.open('/dev/accel/accel0', O_RDWR | O_CLOEXEC);
    expect(createBo(sys, fd2, 4096).dmaAddress).to.equal(0n);
  });

  it('CREATE_BO: a full aperture gives ENOSPC and writes nothing; handle-first leaves the handle', () => {
    for (const [spec, handle] of [['rocket', 0], ['rocket?defect=create-bo-handle-first', 5]] as const) {
      const { sys, fd } = boot(spec);
      for (let i = 0; i < 4; i++) createBo(sys, fd, 1 << 30);
      const arg = drm_rocket_create_bo.encode({ size: 4096 });
      expect(errnoOf(() => sys.ioctl(fd, ROCKET_IOCTL.CREATE_BO.request, arg))).to.equal('ENOSPC');
      expect(drm_rocket_create_bo.decode(arg).handle).to.equal(handle);
    }
  });

  it('SUBMIT: array checks in the kernel\'s order, a bad job dropped with SUBMIT returning 0', () => {
    const { sys, fd } = boot();
    const out = createBo(sys, fd, 4096).handle;
    const j = job(sys, fd, out);
    expect(errnoOf(() => sys.ioctl(fd, ROCKET_IOCTL.SUBMIT.request, drm_rocket_submit.encode({ job_count: 0, reserved: 1n })))).to.equal('ok');
    expect(errnoOf(() => submit(sys, fd, [j], { jobStructSize: 39, reserved: 1n }))).to.equal('EINVAL');
    expect(errnoOf(() => submit(sys, fd, [j], { reserved: 1n }))).to.equal('EINVAL');
    expect(errnoOf(() => sys.ioctl(fd, ROCKET_IOCTL.SUBMIT.request, drm_rocket_submit.encode({ jobs: 8n, job_count: 1, job_struct_size: 40 })))).to.equal('EFAULT');
    expect(errnoOf(() => submit(sys, fd, [{ ...j, tasks: [{ regcmd: 0, regcmdCount: 0 }] }]))).to.equal('ok');
    expect(errnoOf(() => submit(sys, fd, [{ ...j, outBos: [out, 99] }]))).to.equal('ok');
  });

  it('VERSION: rocket_drm_driver sets no major/minor, so 0.0.0', () => {
    const { sys, fd } = boot();
    const v = readDrmVersion(sys, fd);
    expect([v.major, v.minor, v.patchlevel]).to.deep.equal([0, 0, 0]);
  });

  it('CREATE_BO of size 0: ENOSPC from the mmap offset of 0 pages, nothing written', () => {
    const { sys, fd } = boot();
    const arg = drm_rocket_create_bo.encode({ size: 0 });
    expect(errnoOf(() => sys.ioctl(fd, ROCKET_IOCTL.CREATE_BO.request, arg))).to.equal('ENOSPC');
    expect(drm_rocket_create_bo.decode(arg)).to.deep.include({ handle: 0, dma_address: 0n, offset: 0n });
    expect(createBo(sys, fd, 1).handle).to.equal(1);
  });

  it('drm_timeout_abs_to_jiffies: 0 or a past time polls; a future one waits to a jiffy tick, one more than rounded down', () => {
    const now = 10n * JIFFY_NS + 1_000n;
    expect(prepBoDeadline(0n, now)).to.equal(null);
    expect(prepBoDeadline(now, now)).to.equal(null);
    expect(prepBoDeadline(-1n, now)).to.equal(null);
    // 10 ns ahead: 0 jiffies + 1, the next tick.
    expect(prepBoDeadline(now + 10n, now)).to.equal(11n * JIFFY_NS);
    // Exactly one jiffy ahead: 1 + 1 ticks, past the deadline.
    expect(prepBoDeadline(now + JIFFY_NS, now)).to.equal(12n * JIFFY_NS);
    // Just under two jiffies ahead: 1 + 1 ticks, which can be before the deadline (no extra jiffy, unlike ivpu).
    expect(prepBoDeadline(now + 2n * JIFFY_NS - 1n, now)).to.equal(12n * JIFFY_NS);
  });

  it('PREP_BO: EBUSY on a poll, ETIMEDOUT at a jiffy tick, 0 when the job is done', async () => {
    const { sys, fd } = boot();
    const out = createBo(sys, fd, 4096).handle;
    const j = job(sys, fd, out);
    // 300 tasks: 30 ms, longer than any wait rounded to the next tick.
    submit(sys, fd, [{ ...j, tasks: Array.from({ length: 300 }, () => j.tasks[0] ?? { regcmd: 0, regcmdCount: 2 }) }]);
    expect(await errnoOfAsync(prepBoAsync(sys, fd, out, 0n))).to.equal('EBUSY');
    expect(await errnoOfAsync(prepBoAsync(sys, fd, out, -1n))).to.equal('EBUSY');
    const start = sys.monotonicNs();
    expect(await errnoOfAsync(prepBoAsync(sys, fd, out, start + 10n))).to.equal('ETIMEDOUT');
    const end = sys.monotonicNs();
    expect(end > start && end - start <= JIFFY_NS && end % JIFFY_NS === 0n).to.equal(true, `waited ${start}..${end}`);
    expect(await errnoOfAsync(prepBoAsync(sys, fd, out, sys.monotonicNs() + 100_000_000n))).to.equal('ok');
    expect(await errnoOfAsync(sys.ioctlAsync(fd, ROCKET_IOCTL.PREP_BO.request, drm_rocket_prep_bo.encode({ handle: out, reserved: 1 })))).to.equal('EINVAL');
  });

  it('PREP_BO: a 100 us job ends inside a 10 ns wait rounded up to the next tick', async () => {
    const { sys, fd } = boot();
    const out = createBo(sys, fd, 4096).handle;
    const j = job(sys, fd, out);
    // Wait until just after a tick, so the next one is ~4 ms away: the job (100 us) ends first.
    await sys.sleepMs(Number(JIFFY_NS - (sys.monotonicNs() % JIFFY_NS)) / 1e6);
    submit(sys, fd, [j]);
    expect(await errnoOfAsync(prepBoAsync(sys, fd, out, sys.monotonicNs() + 10n))).to.equal('ok');
  });

  it('SUBMIT: a job naming a BO twice is dropped (EALREADY from the second reservation lock, ignored)', async () => {
    for (const [spec, poll] of [['rocket', 'ok'], ['rocket?defect=duplicate-bo-runs', 'EBUSY']] as const) {
      const { sys, fd } = boot(spec);
      const out = createBo(sys, fd, 4096).handle;
      const j = job(sys, fd, out);
      for (const dup of [{ ...j, outBos: [out, out] }, { ...j, inBos: [...(j.inBos ?? []), out] }]) {
        expect(errnoOf(() => submit(sys, fd, [dup]))).to.equal('ok');
        expect(await errnoOfAsync(prepBoAsync(sys, fd, out, 0n))).to.equal(poll, spec);
        await prepBoAsync(sys, fd, out, sys.monotonicNs() + 1_000_000_000n);
      }
    }
  });

  it('SUBMIT: element offsets are u32 products, wrapping at 2^32', () => {
    expect(userArrayAddress(0x1000n, 1, 40)).to.equal(0x1028n);
    expect(userArrayAddress(0x1000n, 2, 0x80000000)).to.equal(0x1000n);
    expect(userArrayAddress(0x1000n, 3, 0xffffffff)).to.equal(0x1000n + 0xfffffffdn);
  });

  it('close: the file\'s queued jobs still run and end with 0, none with ESRCH (drm_sched_entity_flush)', async () => {
    const { sys, fd } = boot();
    const out = createBo(sys, fd, 4096).handle;
    const j = job(sys, fd, out);
    submit(sys, fd, [j, j, j]);
    const syncFd = writeFenceFd(sys, fd, out);
    sys.close(fd);
    await sys.sleepMs(10);
    expect(fenceStatus(sys, syncFd)).to.equal(1);
  });

  it('a silent NPU: the 500 ms timeout ends the job with -ECANCELED and PREP_BO returns 0', async () => {
    const { sys, fd } = boot('rocket?npu=silent');
    const out = createBo(sys, fd, 4096).handle;
    submit(sys, fd, [job(sys, fd, out)]);
    const syncFd = writeFenceFd(sys, fd, out);
    const start = sys.monotonicNs();
    expect(await errnoOfAsync(prepBoAsync(sys, fd, out, start + 400_000_000n))).to.equal('ETIMEDOUT');
    expect(await errnoOfAsync(prepBoAsync(sys, fd, out, start + 2_000_000_000n))).to.equal('ok');
    expect(fenceStatus(sys, syncFd)).to.equal(-125);
  });

  it('without an IOMMU the device probes but every open fails with ENODEV', () => {
    const m = bootSimMachine(['rocket?iommu=absent']);
    expect(errnoOf(() => m.sys.open('/dev/accel/accel0', O_RDWR | O_CLOEXEC))).to.equal('ENODEV');
  });

  it('refuses an unknown npu personality', () => {
    expect(() => bootSimMachine(['rocket?npu=busy'])).to.throw(/npu=busy/);
  });
});
