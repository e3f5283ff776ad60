import { expect } from 'chai';
import { bootSimMachine } from '../../sim/machine';
import type { Sys } from '../../../harness/sys/types';
import { isSysError } from '../../../harness/sys/errno';
import { MAP_SHARED, O_CLOEXEC, O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY, PROT_READ } from '../../../harness/sys/constants';
import { openSession } from '../../../harness/session';
import type { DeviceUnderTest, Subtest } from '../../../harness/testing/define';
import { runSubtest, type SubtestResult } from '../../../harness/testing/execute';
import family from '../family';
import { DRM_CLOEXEC, DRM_IOCTL_PRIME_FD_TO_HANDLE, DRM_IOCTL_PRIME_HANDLE_TO_FD, DRM_RDWR, drm_prime_handle } from '../../../harness/uapi/drm';
import { DMA_BUF_IOCTL_EXPORT_SYNC_FILE, DMA_BUF_SYNC_READ, SYNC_IOC_FILE_INFO, dma_buf_export_sync_file, sync_file_info } from '../../../harness/uapi/dma-buf';
import {
  DRM_ETHOSU_BO_NO_MMAP,
  DRM_ETHOSU_PERFMON_CLEAR_GLOBAL,
  ETHOSU_IOCTL,
  drm_ethosu_bo_mmap_offset,
  drm_ethosu_bo_wait,
  drm_ethosu_cmdstream_bo_create,
  drm_ethosu_dev_query,
  drm_ethosu_perfmon_create,
  drm_ethosu_perfmon_destroy,
  drm_ethosu_perfmon_set_global,
  drm_ethosu_submit,
} from '../uapi';
import {
  NPU_OP_DMA_START,
  NPU_OP_STOP,
  NPU_SET_DMA0_DST_REGION,
  NPU_SET_DMA0_LEN,
  NPU_SET_DMA0_SIZE0,
  NPU_SET_DMA0_SRC_REGION,
  NPU_SET_DMA0_SRC_STRIDE0,
  cmd1,
  cmd2,
  dmaCopyStream,
  dmaRegionParam,
  stopStream,
} from '../cmdstream';
import { boCreate, boMmapOffset, boWaitAsync, cmdstreamCreate, npuInfo, submit } from '../lib';
import { errnoOf } from '../../../harness/ioctl/core';

function boot(spec = 'ethosu'): { sys: Sys; fd: number } {
  const m = bootSimMachine([spec]);
  return { sys: m.sys, fd: m.sys.open('/dev/accel/accel0', O_RDWR | O_CLOEXEC) };
}


/** A 2-D DMA whose source extent overflows 64 bits. */
const OVERFLOW: number[] = [
  cmd1(NPU_SET_DMA0_SRC_REGION, dmaRegionParam(0, 2)),
  cmd1(NPU_SET_DMA0_DST_REGION, dmaRegionParam(1)),
  ...cmd2(NPU_SET_DMA0_LEN, 0xffffffffffn),
  ...cmd2(NPU_SET_DMA0_SRC_STRIDE0, 0x7fffffffffn),
  ...cmd2(0x4034, 0x7fffffffffn), // NPU_SET_DMA0_SRC_STRIDE1
  cmd1(NPU_SET_DMA0_SIZE0, 0xffff),
  cmd1(0x133, 0xffff), // NPU_SET_DMA0_SIZE1
  ...cmd2(0x4031, 0), // NPU_SET_DMA0_DST
  ...cmd2(0x4030, 0), // NPU_SET_DMA0_SRC
  cmd1(NPU_OP_DMA_START),
  cmd1(NPU_OP_STOP),
];

/** A stream copying 4096 bytes from region 0 to region 1. */
const COPY = dmaCopyStream({ region: 0, offset: 0 }, { region: 1, offset: 0 }, 4096);

describe('ethosu/sim: sim:ethosu', () => {
  it('DEV_QUERY: size with a NULL pointer, EINVAL below sram_size or for unknown types, the NPU registers', () => {
    const { sys, fd } = boot();
    const probe = drm_ethosu_dev_query.encode({ type: 0 });
    sys.ioctl(fd, ETHOSU_IOCTL.DEV_QUERY.request, probe);
    expect(drm_ethosu_dev_query.decode(probe).size).to.equal(16);
    expect(errnoOf(() => sys.ioctl(fd, ETHOSU_IOCTL.DEV_QUERY.request, drm_ethosu_dev_query.encode({ type: 1 })))).to.equal('EINVAL');
    const mem = sys.alloc(32);
    mem.bytes.fill(0xaa);
    const small = drm_ethosu_dev_query.encode({ type: 0, size: 8, pointer: mem.address });
    expect(errnoOf(() => sys.ioctl(fd, ETHOSU_IOCTL.DEV_QUERY.request, small))).to.equal('EINVAL');
    sys.ioctl(fd, ETHOSU_IOCTL.DEV_QUERY.request, drm_ethosu_dev_query.encode({ type: 0, size: 32, pointer: mem.address }));
    // copy_struct_to_user: a larger user struct gets its tail zeroed.
    expect(mem.bytes.subarray(16, 32).every((b) => b === 0)).to.equal(true);
    expect(npuInfo(sys, fd)).to.deep.equal({ id: 0x20000100, config: 8, sram_size: 65536, pmu_counters: 8 });
  });

  it('BO_CREATE: page-rounded size, lowest handle, EINVAL for size 0 and unknown flags with nothing written', () => {
    const { sys, fd } = boot();
    expect(boCreate(sys, fd, 100)).to.deep.equal({ handle: 1, size: 4096 });
    for (const [size, flags] of [[0, 0], [4096, 2]] as const) {
      const arg = Buffer.alloc(16);
      arg.writeBigUInt64LE(BigInt(size), 0);
      arg.writeUInt32LE(flags, 8);
      expect(errnoOf(() => sys.ioctl(fd, ETHOSU_IOCTL.BO_CREATE.request, arg))).to.equal('EINVAL');
      expect(arg.readUInt32LE(12), 'handle').to.equal(0);
    }
  });

  it('BO_MMAP_OFFSET: EINVAL for pad, ENOENT for an unknown handle; NO_MMAP objects refuse mmap(2) with EINVAL', () => {
    const { sys, fd } = boot();
    const plain = boCreate(sys, fd, 4096);
    const nommap = boCreate(sys, fd, 4096, DRM_ETHOSU_BO_NO_MMAP);
    expect(errnoOf(() => sys.ioctl(fd, ETHOSU_IOCTL.BO_MMAP_OFFSET.request, drm_ethosu_bo_mmap_offset.encode({ handle: 1, pad: 1 })))).to.equal('EINVAL');
    expect(errnoOf(() => boMmapOffset(sys, fd, 99))).to.equal('ENOENT');
    const m = sys.mmap(fd, 4096, PROT_READ, MAP_SHARED, boMmapOffset(sys, fd, plain.handle));
    sys.munmap(m);
    expect(errnoOf(() => sys.mmap(fd, 4096, PROT_READ, MAP_SHARED, boMmapOffset(sys, fd, nommap.handle)))).to.equal('EINVAL');
    const cmd = cmdstreamCreate(sys, fd, stopStream());
    expect(errnoOf(() => sys.mmap(fd, 4096, PROT_READ, MAP_SHARED, boMmapOffset(sys, fd, cmd)))).to.equal('EINVAL');
  });

  it('CMDSTREAM_BO_CREATE: flags come back with NO_MMAP even when the stream is refused', () => {
    const { sys, fd } = boot();
    const mem = sys.alloc(8);
    mem.bytes.writeUInt32LE(cmd1(NPU_OP_DMA_START), 0); // no STOP
    const arg = drm_ethosu_cmdstream_bo_create.encode({ size: 4, data: mem.address });
    expect(errnoOf(() => sys.ioctl(fd, ETHOSU_IOCTL.CMDSTREAM_BO_CREATE.request, arg))).to.equal('EINVAL');
    const out = drm_ethosu_cmdstream_bo_create.decode(arg);
    expect(out.flags).to.equal(DRM_ETHOSU_BO_NO_MMAP);
    expect(out.handle).to.equal(0);
    expect(errnoOf(() => sys.ioctl(fd, ETHOSU_IOCTL.CMDSTREAM_BO_CREATE.request, drm_ethosu_cmdstream_bo_create.encode({ size: 4, data: mem.address, flags: 1 })))).to.equal('EINVAL');
    expect(errnoOf(() => sys.ioctl(fd, ETHOSU_IOCTL.CMDSTREAM_BO_CREATE.request, drm_ethosu_cmdstream_bo_create.encode({ size: 4, data: 0n })))).to.equal('EINVAL');
  });

  it('the validator: one STOP as the last word, whole two-word commands, DMA lengths set and without overflow', () => {
    const { sys, fd } = boot();
    const streams: [string, number[]][] = [
      ['STOP not last', [cmd1(NPU_OP_STOP), cmd1(NPU_OP_STOP)]],
      ['truncated two-word command', [cmd1(NPU_OP_STOP), ...cmd2(NPU_SET_DMA0_LEN, 16)].slice(0, 2)],
      ['DMA length never set', [cmd1(NPU_SET_DMA0_SRC_REGION, dmaRegionParam(0)), cmd1(NPU_SET_DMA0_DST_REGION, dmaRegionParam(1)), cmd1(NPU_OP_DMA_START), cmd1(NPU_OP_STOP)]],
      ['DMA extent overflowing 64 bits', OVERFLOW],
      ['RESIZE (U85 only, refused)', [cmd1(0x7), cmd1(NPU_OP_STOP)]],
    ];
    for (const [what, words] of streams) {
      expect(errnoOf(() => cmdstreamCreate(sys, fd, Uint32Array.from(words))), what).to.equal('EINVAL');
    }
    expect(cmdstreamCreate(sys, fd, stopStream())).to.equal(1);
    expect(cmdstreamCreate(sys, fd, COPY)).to.equal(2);
  });

  it('SUBMIT: region checks with the kernel errno each, and job_count 0 or too large', () => {
    const { sys, fd } = boot();
    const cmd = cmdstreamCreate(sys, fd, COPY);
    const src = boCreate(sys, fd, 4096).handle;
    const dst = boCreate(sys, fd, 4096).handle;
    const small = boCreate(sys, fd, 4096).handle;
    const cases: [string, () => void, string][] = [
      ['unknown cmd_bo', () => submit(sys, fd, [{ cmdBo: 99, regions: { 0: src, 1: dst } }]), 'ENOENT'],
      ['plain BO as cmd_bo', () => submit(sys, fd, [{ cmdBo: src, regions: { 0: src, 1: dst } }]), 'EINVAL'],
      ['used region without BO', () => submit(sys, fd, [{ cmdBo: cmd, regions: { 0: src } }]), 'ENOENT'],
      ['BO for an unused region', () => submit(sys, fd, [{ cmdBo: cmd, regions: { 0: src, 1: dst, 3: small } }]), 'EINVAL'],
      ['command stream BO as a region', () => submit(sys, fd, [{ cmdBo: cmd, regions: { 0: cmd, 1: dst } }]), 'EINVAL'],
      ['region 2 BO with SRAM', () => submit(sys, fd, [{ cmdBo: cmd, sramSize: 16, regions: { 0: src, 1: dst, 2: small } }]), 'EINVAL'],
      ['SRAM above the NPU', () => submit(sys, fd, [{ cmdBo: cmd, sramSize: 1 << 20, regions: { 0: src, 1: dst } }]), 'EINVAL'],
    ];
    for (const [what, fn, code] of cases) expect(errnoOf(fn), what).to.equal(code);
    const big = cmdstreamCreate(sys, fd, dmaCopyStream({ region: 0, offset: 0 }, { region: 1, offset: 4096 }, 4096));
    expect(errnoOf(() => submit(sys, fd, [{ cmdBo: big, regions: { 0: src, 1: dst } }])), 'region beyond its BO').to.equal('EOVERFLOW');
    expect(errnoOf(() => sys.ioctl(fd, ETHOSU_IOCTL.SUBMIT.request, drm_ethosu_submit.encode({ jobs: 0n, job_count: 0 })))).to.equal('ok');
    expect(errnoOf(() => sys.ioctl(fd, ETHOSU_IOCTL.SUBMIT.request, drm_ethosu_submit.encode({ jobs: 0n, job_count: 0x4000000 })))).to.equal('ENOMEM');
    expect(errnoOf(() => sys.ioctl(fd, ETHOSU_IOCTL.SUBMIT.request, drm_ethosu_submit.encode({ jobs: 0x1000n, job_count: 1 })))).to.equal('EFAULT');
    submit(sys, fd, [{ cmdBo: cmd, regions: { 0: src, 1: dst } }]);
  });

  it('a completing NPU ends the job: BO_WAIT on the output region returns 0, EINVAL for pad or an unknown handle', async () => {
    const { sys, fd } = boot();
    const cmd = cmdstreamCreate(sys, fd, COPY);
    const src = boCreate(sys, fd, 4096).handle;
    const dst = boCreate(sys, fd, 4096).handle;
    submit(sys, fd, [{ cmdBo: cmd, regions: { 0: src, 1: dst } }]);
    expect(await boWaitAsync(sys, fd, dst, sys.monotonicNs() + 1_000_000n)).to.equal(0);
    expect(errnoOf(() => sys.ioctl(fd, ETHOSU_IOCTL.BO_WAIT.request, drm_ethosu_bo_wait.encode({ handle: dst, pad: 1 })))).to.equal('EINVAL');
    expect(errnoOf(() => sys.ioctl(fd, ETHOSU_IOCTL.BO_WAIT.request, drm_ethosu_bo_wait.encode({ handle: 77 })))).to.equal('EINVAL');
  });

  it('a silent NPU: BO_WAIT gives ETIME before the 500 ms timeout and 0 after it; the sync_file shows -ECANCELED', async () => {
    const { sys, fd } = boot('ethosu?npu=silent');
    const cmd = cmdstreamCreate(sys, fd, COPY);
    const src = boCreate(sys, fd, 4096).handle;
    const dst = boCreate(sys, fd, 4096).handle;
    const t0 = sys.monotonicNs();
    submit(sys, fd, [{ cmdBo: cmd, regions: { 0: src, 1: dst } }]);
    const prime = drm_prime_handle.encode({ handle: dst, flags: DRM_CLOEXEC | DRM_RDWR });
    sys.ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, prime);
    const dmabuf = drm_prime_handle.decode(prime).fd;
    const ex = dma_buf_export_sync_file.encode({ flags: Number(DMA_BUF_SYNC_READ) });
    sys.ioctl(dmabuf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, ex);
    const syncFd = dma_buf_export_sync_file.decode(ex).fd;
    let caught = '';
    try {
      await boWaitAsync(sys, fd, dst, t0 + 400_000_000n);
    } catch (e) {
      caught = isSysError(e) ? e.code : String(e);
    }
    expect(caught).to.equal('ETIME');
    expect(await boWaitAsync(sys, fd, dst, t0 + 2_000_000_000n)).to.equal(0);
    const info = sync_file_info.encode({});
    sys.ioctl(syncFd, SYNC_IOC_FILE_INFO, info);
    expect(sync_file_info.decode(info).status).to.equal(-125);
  });

  it('PRIME: its own dma-buf imports as the same handle, another device\'s is refused with EINVAL', () => {
    const m = bootSimMachine(['ethosu', 'apu']);
    const sys = m.sys;
    const fd = sys.open('/dev/accel/accel0', O_RDWR);
    const apu = sys.open('/dev/accel/accel1', O_RDWR);
    const bo = boCreate(sys, fd, 4096).handle;
    const exp = drm_prime_handle.encode({ handle: bo, flags: DRM_CLOEXEC | DRM_RDWR });
    sys.ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, exp);
    const imp = drm_prime_handle.encode({ fd: drm_prime_handle.decode(exp).fd });
    sys.ioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, imp);
    expect(drm_prime_handle.decode(imp).handle).to.equal(bo);
    // An APU buffer: GEM_NEW is the APU's nr 0x01 ioctl; any apu buffer will do, through PRIME of the APU file.
    const apuBo = Buffer.alloc(24);
    apuBo.writeUInt32LE(4096, 0);
    sys.ioctl(apu, 0xc0186441, apuBo);
    const apuExp = drm_prime_handle.encode({ handle: apuBo.readUInt32LE(8), flags: DRM_CLOEXEC | DRM_RDWR });
    sys.ioctl(apu, DRM_IOCTL_PRIME_HANDLE_TO_FD, apuExp);
    expect(errnoOf(() => sys.ioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, drm_prime_handle.encode({ fd: drm_prime_handle.decode(apuExp).fd })))).to.equal('EINVAL');
  });

  it('perfmons: at most the PMU\'s counters, ids from 1, one global at a time', () => {
    const { sys, fd } = boot();
    const create = (n: number): Buffer => {
      const b = drm_ethosu_perfmon_create.encode({ ncounters: n });
      sys.ioctl(fd, ETHOSU_IOCTL.PERFMON_CREATE.request, b);
      return b;
    };
    expect(errnoOf(() => create(9))).to.equal('EINVAL');
    const p = drm_ethosu_perfmon_create.decode(create(2));
    expect([p.id, p.ncounters]).to.deep.equal([1, 3]);
    expect(errnoOf(() => sys.ioctl(fd, ETHOSU_IOCTL.PERFMON_DESTROY.request, drm_ethosu_perfmon_destroy.encode({ id: 5 })))).to.equal('EINVAL');
    const set = (flags: number): string => errnoOf(() => sys.ioctl(fd, ETHOSU_IOCTL.PERFMON_SET_GLOBAL.request, drm_ethosu_perfmon_set_global.encode({ id: 1, flags })));
    expect(set(0)).to.equal('ok');
    expect(set(0)).to.equal('EBUSY');
    expect(set(DRM_ETHOSU_PERFMON_CLEAR_GLOBAL)).to.equal('ok');
    expect(set(DRM_ETHOSU_PERFMON_CLEAR_GLOBAL)).to.equal('EINVAL');
    expect(set(2)).to.equal('EINVAL');
  });

  it('with pmu_counters=31 the NPU accepts 9 counters (more than struct drm_ethosu_perfmon_create holds), as 7.3 does', () => {
    const { sys, fd } = boot('ethosu?pmu_counters=31');
    const b = drm_ethosu_perfmon_create.encode({ ncounters: 9 });
    expect(errnoOf(() => sys.ioctl(fd, ETHOSU_IOCTL.PERFMON_CREATE.request, b))).to.equal('ok');
  });

  it('refuses unknown NPU descriptions at boot', () => {
    expect(() => bootSimMachine(['ethosu?npu=busy'])).to.throw(/npu=busy/);
    expect(() => bootSimMachine(['ethosu?sram_size=-1'])).to.throw(/sram_size/);
  });
});

describe('ethosu/sim: defects', () => {
  it('each defect changes exactly the behaviour it names', () => {
    const run = (defect: string, fn: (sys: Sys, fd: number) => string): string => {
      const { sys, fd } = boot(`ethosu?defect=${defect}`);
      return fn(sys, fd);
    };
    expect(run('bo-create-bad-flags-ok', (sys, fd) => errnoOf(() => boCreate(sys, fd, 4096, 2)))).to.equal('ok');
    expect(run('no-mmap-ignored', (sys, fd) => errnoOf(() => sys.mmap(fd, 4096, PROT_READ, MAP_SHARED, boMmapOffset(sys, fd, boCreate(sys, fd, 4096, 1).handle))))).to.equal('ok');
    expect(run('cmdstream-stop-anywhere', (sys, fd) => errnoOf(() => cmdstreamCreate(sys, fd, Uint32Array.from([cmd1(NPU_OP_STOP), cmd1(NPU_OP_STOP)]))))).to.equal('ok');
    expect(
      run('cmdstream-state-zeroed', (sys, fd) =>
        errnoOf(() => cmdstreamCreate(sys, fd, Uint32Array.from([cmd1(NPU_SET_DMA0_SRC_REGION, dmaRegionParam(0)), cmd1(NPU_SET_DMA0_DST_REGION, dmaRegionParam(1)), ...cmd2(0x4031, 0), ...cmd2(0x4030, 0), cmd1(NPU_OP_DMA_START), cmd1(NPU_OP_STOP)])))),
    ).to.equal('ok');
    expect(
      run('region-size-unchecked', (sys, fd) => {
        const cmd = cmdstreamCreate(sys, fd, dmaCopyStream({ region: 0, offset: 0 }, { region: 1, offset: 4096 }, 4096));
        return errnoOf(() => submit(sys, fd, [{ cmdBo: cmd, regions: { 0: boCreate(sys, fd, 4096).handle, 1: boCreate(sys, fd, 4096).handle } }]));
      }),
    ).to.equal('ok');
    expect(
      run('cmdstream-bo-as-region-ok', (sys, fd) => {
        const cmd = cmdstreamCreate(sys, fd, COPY);
        return errnoOf(() => submit(sys, fd, [{ cmdBo: cmd, regions: { 0: cmd, 1: boCreate(sys, fd, 4096).handle } }]));
      }),
    ).to.equal('ok');
    expect(run('cmdstream-overflow-unchecked', (sys, fd) => errnoOf(() => cmdstreamCreate(sys, fd, Uint32Array.from(OVERFLOW))))).to.equal('ok');
    expect(run('perfmon-ncounters-unchecked', (sys, fd) => errnoOf(() => sys.ioctl(fd, ETHOSU_IOCTL.PERFMON_CREATE.request, drm_ethosu_perfmon_create.encode({ ncounters: 9 }))))).to.equal('ok');
  });
});

describe('ethosu/sim: unbind through sysfs (ethosu_remove)', () => {
  const DRIVER = '/sys/bus/platform/drivers/ethosu';
  const write = (sys: Sys, path: string, value: string): string =>
    errnoOf(() => {
      const fd = sys.open(path, O_WRONLY | O_CLOEXEC);
      try {
        sys.write(fd, Buffer.from(value));
      } finally {
        sys.close(fd);
      }
    });
  const logText = (sys: Sys): string[] => {
    const fd = sys.open('/dev/kmsg', O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    const lines: string[] = [];
    for (;;) {
      try {
        lines.push(sys.read(fd, 8192).toString().split(';').slice(1).join(';').trimEnd());
      } catch (e) {
        if (isSysError(e, 'EAGAIN')) break;
        throw e;
      }
    }
    sys.close(fd);
    return lines;
  };
  const taint = (sys: Sys): number => Number(sys.fs.readFile('/proc/sys/kernel/tainted').toString());
  /** Submits the DMA job, closes the file, unbinds, binds; returns the kernel log. */
  const pendingCloseUnbind = (spec: string): { sys: Sys; log: string[] } => {
    const { sys, fd } = boot(spec);
    const cmd = cmdstreamCreate(sys, fd, COPY);
    submit(sys, fd, [{ cmdBo: cmd, regions: { 0: boCreate(sys, fd, 4096).handle, 1: boCreate(sys, fd, 4096).handle } }]);
    sys.close(fd);
    expect(write(sys, `${DRIVER}/unbind`, '7ff00000.npu\n')).to.equal('ok');
    expect(sys.fs.exists('/dev/accel/accel0')).to.equal(false);
    expect(write(sys, `${DRIVER}/bind`, '7ff00000.npu')).to.equal('ok');
    expect(sys.fs.exists('/dev/accel/accel0'), 'the node comes back at minor 0').to.equal(true);
    return { sys, log: logText(sys) };
  };

  it('bind/unbind: ENODEV for an unknown or unbound device, EBUSY binding a bound one; the node goes and comes back', () => {
    const { sys, fd } = boot('ethosu');
    sys.close(fd);
    expect(write(sys, `${DRIVER}/unbind`, 'nope.npu')).to.equal('ENODEV');
    expect(write(sys, `${DRIVER}/bind`, '7ff00000.npu')).to.equal('EBUSY');
    expect(write(sys, `${DRIVER}/unbind`, '7ff00000.npu')).to.equal('ok');
    expect(sys.fs.exists(`${DRIVER}/7ff00000.npu`)).to.equal(false);
    expect(sys.fs.exists('/sys/class/accel/accel0')).to.equal(false);
    expect(write(sys, `${DRIVER}/unbind`, '7ff00000.npu')).to.equal('ENODEV');
    expect(write(sys, `${DRIVER}/bind`, '7ff00000.npu')).to.equal('ok');
    expect(sys.fs.realpath('/sys/class/accel/accel0/device/driver')).to.equal(DRIVER);
    const again = sys.open('/dev/accel/accel0', O_RDWR | O_CLOEXEC);
    expect(npuInfo(sys, again).sram_size).to.equal(64 * 1024);
    // Nothing was pending: a clean teardown.
    expect(logText(sys)).to.deep.equal([]);
    expect(taint(sys)).to.equal(0);
  });

  it('a silent NPU: the pending job leaks as in 7.3: the drm_sched_fini warning, the drm_mm_takedown WARN, taint W', () => {
    const { sys, log } = pendingCloseUnbind('ethosu?npu=silent');
    expect(log).to.deep.equal([
      'ethosu 7ff00000.npu: Tearing down scheduler while jobs are pending!',
      '------------[ cut here ]------------',
      'Memory manager not clean during takedown.',
      'WARNING: drivers/gpu/drm/drm_mm.c:965 at drm_mm_takedown [drm], CPU#0: sim',
      '---[ end trace 0000000000000000 ]---',
    ]);
    expect(taint(sys)).to.equal(512);
  });

  it('with cancel_job=1 (the fix drm_sched_fini offers) the pending job is cancelled and the teardown is clean', () => {
    const { sys, log } = pendingCloseUnbind('ethosu?npu=silent&cancel_job=1');
    expect(log).to.deep.equal([]);
    expect(taint(sys)).to.equal(0);
  });

  it('a completing NPU has finished the job before the unbind: clean', () => {
    const { sys, log } = pendingCloseUnbind('ethosu?npu=completing');
    expect(log).to.deep.equal([]);
    expect(taint(sys)).to.equal(0);
  });

  it('accel@ethosu@unbind-pending-close fails on the unmodified silent model, passes with cancel_job=1, skips on a completing NPU', async () => {
    const test = family.subtests.find((s) => s.name === 'unbind-pending-close');
    expect(test).to.not.equal(undefined);
    const run = async (spec: string, npu: string): Promise<SubtestResult> => {
      const before = process.env.ACCEL_ETHOSU_NPU;
      process.env.ACCEL_ETHOSU_NPU = npu;
      const s = await openSession({ device: spec, env: {} });
      try {
        return await runSubtest(test as Subtest, s.devices[0] as DeviceUnderTest, [], { allowDestructive: true });
      } finally {
        s.close();
        if (before === undefined) delete process.env.ACCEL_ETHOSU_NPU;
        else process.env.ACCEL_ETHOSU_NPU = before;
      }
    };
    const bug = await run('sim:ethosu?npu=silent', 'silent');
    expect(bug.status).to.equal('fail');
    expect(bug.message).to.equal('the unbind with a pending job was not clean: 5 warning record(s), taint 0 -> 512');
    expect(bug.log.join('\n')).to.match(/WARNING: drivers\/gpu\/drm\/drm_mm\.c:965 at drm_mm_takedown/);
    expect((await run('sim:ethosu?npu=silent&cancel_job=1', 'silent')).status).to.equal('pass');
    const done = await run('sim:ethosu?npu=completing', 'completing');
    expect([done.status, done.message]).to.deep.equal(['skip', "needs jobs.hang: adapter 'ethosu' has no hang job"]);
  });
});
