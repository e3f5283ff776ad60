import { expect } from 'chai';
import { bootSimMachine } from '../../sim/machine';
import { MAP_SHARED, O_CLOEXEC, O_RDWR, PROT_READ, PROT_WRITE } from '../../../harness/sys/constants';
import { isSysError } from '../../../harness/sys/errno';
import type { Sys } from '../../../harness/sys/types';
import {
  DRM_CLOEXEC,
  DRM_IOCTL_PRIME_FD_TO_HANDLE,
  DRM_IOCTL_PRIME_HANDLE_TO_FD,
  DRM_IOCTL_GEM_CLOSE,
  DRM_IOCTL_SYNCOBJ_CREATE,
  drm_gem_close,
  DRM_RDWR,
  drm_prime_handle,
  drm_syncobj_create,
} from '../../../harness/uapi/drm';
import {
  deadlineIn,
  allocPages,
  ivpuBoCreate,
  ivpuBoCreateFromUserptr,
  ivpuBoInfo,
  ivpuBoWait,
  ivpuCmdqCreate,
  ivpuCmdqDestroy,
  ivpuCmdqSubmit,
  ivpuGetParam,
  ivpuSubmit,
} from '../calls';
import {
  DRM_IOCTL_IVPU_BO_CREATE,
  DRM_IOCTL_IVPU_BO_CREATE_FROM_USERPTR,
  DRM_IOCTL_IVPU_METRIC_STREAMER_GET_DATA,
  DRM_IOCTL_IVPU_METRIC_STREAMER_GET_INFO,
  DRM_IOCTL_IVPU_METRIC_STREAMER_START,
  DRM_IOCTL_IVPU_METRIC_STREAMER_STOP,
  DRM_IOCTL_IVPU_BO_INFO,
  DRM_IOCTL_IVPU_BO_WAIT,
  DRM_IOCTL_IVPU_SET_PARAM,
  DRM_IVPU_BO_MAPPABLE,
  DRM_IVPU_BO_READ_ONLY,
  DRM_IVPU_BO_SHAVE_MEM,
  DRM_IVPU_BO_UNCACHED,
  DRM_IVPU_BO_WC,
  DRM_IVPU_CAP_MANAGE_CMDQ,
  DRM_IVPU_JOB_STATUS_ABORTED,
  DRM_IVPU_PARAM_CAPABILITIES,
  DRM_IVPU_PARAM_CONTEXT_ID,
  DRM_IVPU_PARAM_ENGINE_HEARTBEAT,
  DRM_IVPU_PARAM_FW_API_VERSION,
  DRM_IVPU_PARAM_NUM_CONTEXTS,
  drm_ivpu_bo_create,
  drm_ivpu_bo_create_from_userptr,
  drm_ivpu_bo_info,
  drm_ivpu_bo_wait,
  drm_ivpu_metric_streamer_get_data,
  drm_ivpu_metric_streamer_start,
  drm_ivpu_metric_streamer_stop,
  drm_ivpu_param,
} from '../uapi';
import { ivpuHwIpGen, ivpuProfile, ivpuSchedMode, ivpuSchedModeSelect } from '../profile';
import { SIM_FW_CTX_VIOLATION, SIM_FW_HANG, SIM_FW_MMU_FAULT, SIM_FW_NOP } from './firmware';
import { errnoOf } from '../../../harness/ioctl/core';

const open = (sys: Sys): number => sys.open('/dev/accel/accel0', O_RDWR | O_CLOEXEC);


async function errnoOfAsync(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
    return 'ok';
  } catch (e) {
    if (isSysError(e)) return e.code;
    throw e;
  }
}

function boot(spec = 'ivpu'): Sys {
  return bootSimMachine([spec]).sys;
}

/** A 4 KiB command buffer whose first word is the simulated firmware's command. */
function cmdBuffer(sys: Sys, fd: number, word: number): number {
  const { handle } = ivpuBoCreate(sys, fd, 4096, DRM_IVPU_BO_WC);
  const info = ivpuBoInfo(sys, fd, handle);
  const map = sys.mmap(fd, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, info.mmap_offset);
  map.bytes.writeUInt32LE(word, 0);
  sys.munmap(map);
  return handle;
}

const debugfs = (sys: Sys, file: string): string => sys.fs.readFile(`/sys/kernel/debug/accel/intel_vpu/${file}`).toString().trim();

describe('ivpu/sim: sim:ivpu', function () {
  this.timeout(20_000);

  it('GET_PARAM: known params answer, unknown and deprecated ones are EINVAL with value untouched', () => {
    const sys = boot();
    const fd = open(sys);
    expect(ivpuGetParam(sys, fd, DRM_IVPU_PARAM_CONTEXT_ID)).to.equal(2n);
    expect(ivpuGetParam(sys, fd, DRM_IVPU_PARAM_NUM_CONTEXTS)).to.equal(129n);
    expect(ivpuGetParam(sys, fd, DRM_IVPU_PARAM_CAPABILITIES, DRM_IVPU_CAP_MANAGE_CMDQ)).to.equal(1n);
    for (const [param, index] of [[6, 0], [99, 0], [DRM_IVPU_PARAM_FW_API_VERSION, 16], [DRM_IVPU_PARAM_ENGINE_HEARTBEAT, 1]] as const) {
      const arg = drm_ivpu_param.encode({ param, index, value: 0x55n });
      expect(errnoOf(() => sys.ioctl(fd, 0xc0106440, arg)), `param ${param}`).to.equal('EINVAL');
      expect(drm_ivpu_param.decode(arg).value).to.equal(0x55n);
    }
    expect(errnoOf(() => sys.ioctl(fd, DRM_IOCTL_IVPU_SET_PARAM.request, drm_ivpu_param.encode({ param: 0 })))).to.equal('EINVAL');
  });

  it('GET_PARAM FW_API_VERSION: the JSM API at VPU_JSM_API_VER_INDEX 4 is the 3.30 the HW scheduler claim needs, BOOT at 0', () => {
    const sys = boot();
    const fd = open(sys);
    expect(ivpuGetParam(sys, fd, DRM_IVPU_PARAM_FW_API_VERSION, 4)).to.equal(0x0003_001en);
    expect(ivpuGetParam(sys, fd, DRM_IVPU_PARAM_FW_API_VERSION, 0)).to.equal(0x0003_0016n);
    expect(ivpuGetParam(sys, fd, DRM_IVPU_PARAM_FW_API_VERSION, 1)).to.equal(0n);
  });

  it('sched_mode: ivpu_fw_sched_mode_select forces HW on 60xx (NVL) even for 0; auto follows the JSM API 3.24 line', () => {
    expect(ivpuSchedModeSelect(ivpuHwIpGen(0xd71d), 0, 0x0003_001en), 'NVL, sched_mode=0').to.equal('hw');
    expect(ivpuSchedModeSelect(ivpuHwIpGen(0x643e), 0, 0x0003_001en), 'LNL, sched_mode=0').to.equal('os');
    expect(ivpuSchedModeSelect(ivpuHwIpGen(0x643e), -1, 0x0003_0017n), 'LNL, auto, JSM 3.23').to.equal('os');
    expect(ivpuSchedModeSelect(ivpuHwIpGen(0x643e), -1, 0x0003_0018n), 'LNL, auto, JSM 3.24').to.equal('hw');
    expect(ivpuSchedModeSelect(null, 1, null), 'unknown device, sched_mode=1').to.equal('hw');
  });

  it('profile: sched_mode=0 is the OS scheduler on a 40xx, the HW scheduler when intel_vpu drives an NVL (60xx)', () => {
    // Only the sysfs files the profile reads: the module parameter and the PCI ids bound to intel_vpu.
    const sysWith = (deviceId: string): Sys => {
      const files = new Map<string, string>([
        ['/sys/module/intel_vpu/parameters/sched_mode', '0\n'],
        [`/sys/bus/pci/drivers/intel_vpu/0000:00:0b.0/device`, `${deviceId}\n`],
      ]);
      const dirs = new Map<string, string[]>([['/sys/bus/pci/drivers/intel_vpu', ['0000:00:0b.0', 'bind', 'module', 'new_id']]]);
      const fs = {
        exists: (p: string): boolean => files.has(p) || dirs.has(p),
        readFile: (p: string): Buffer => Buffer.from(files.get(p) ?? ''),
        readdir: (p: string): string[] => dirs.get(p) ?? [],
      };
      return { fs } as unknown as Sys;
    };
    expect(ivpuSchedMode(sysWith('0x643e')), 'LNL').to.equal('os');
    expect(ivpuProfile(sysWith('0x643e')).banAfterHangs).to.equal(0);
    expect(ivpuSchedMode(sysWith('0xd71d')), 'NVL').to.equal('hw');
    expect(ivpuProfile(sysWith('0xd71d')).banAfterHangs, 'NVL: the HW scheduler bans after a hang').to.equal(1);
  });

  it('BO_CREATE: a per-file NPU address from the user range; bad flags, size 0, UNCACHED are EINVAL with outputs 0', () => {
    const sys = boot();
    const a = open(sys);
    const b = open(sys);
    const x = ivpuBoCreate(sys, a, 1);
    const y = ivpuBoCreate(sys, b, 4096);
    expect(x.handle).to.equal(1);
    expect(x.vpuAddr).to.equal(0x1_0000_0000n);
    expect(y.vpuAddr, 'a second context has its own address space').to.equal(0x1_0000_0000n);
    expect(ivpuBoInfo(sys, a, x.handle).size).to.equal(4096n);
    for (const input of [{ size: 4096n, flags: 0x100 }, { size: 0n, flags: 0 }, { size: 4096n, flags: DRM_IVPU_BO_UNCACHED }]) {
      const arg = drm_ivpu_bo_create.encode(input);
      expect(errnoOf(() => sys.ioctl(a, DRM_IOCTL_IVPU_BO_CREATE.request, arg))).to.equal('EINVAL');
      expect(drm_ivpu_bo_create.decode(arg).handle).to.equal(0);
      expect(drm_ivpu_bo_create.decode(arg).vpu_addr).to.equal(0n);
    }
  });

  it('BO_CREATE: the NPU address is drm_mm best fit by FULL hole size, clipped to the range only afterwards', () => {
    const sys = boot();
    const fd = open(sys);
    const close = (handle: number): void => void sys.ioctl(fd, DRM_IOCTL_GEM_CLOSE, drm_gem_close.encode({ handle }));
    const [a, b, d, e] = [4096, 4096, 8192, 4096].map((size) => ivpuBoCreate(sys, fd, size));
    expect([a, b, d, e].map((x) => x?.vpuAddr)).to.deep.equal([0x1_0000_0000n, 0x1_0000_1000n, 0x1_0000_2000n, 0x1_0000_4000n]);
    close((a as { handle: number }).handle);
    close((d as { handle: number }).handle);
    // Freeing A merges its page into the head hole (the SHAVE range plus 4 KiB: 2 GiB + 4 KiB in full,
    // 4 KiB inside the user range); D's hole is 8 KiB in full. best_hole() ranks the full sizes.
    expect(ivpuBoCreate(sys, fd, 4096).vpuAddr).to.equal(0x1_0000_2000n);
  });

  it('debugfs bo_list: ivpu_bo_print_info columns (pointer, ctx, vpu_addr, size, flags, refs) and attribs', async () => {
    const sys = boot();
    const a = open(sys);
    const b = open(sys);
    const plain = ivpuBoCreate(sys, a, 8192, DRM_IVPU_BO_WC);
    const cmd = cmdBuffer(sys, a, SIM_FW_NOP);
    ivpuSubmit(sys, a, [cmd]);
    await ivpuBoWait(sys, a, cmd, deadlineIn(sys, 1000));
    const dmabuf = drm_prime_handle.encode({ handle: plain.handle, flags: DRM_CLOEXEC | DRM_RDWR });
    sys.ioctl(a, DRM_IOCTL_PRIME_HANDLE_TO_FD, dmabuf);
    const imp = drm_prime_handle.encode({ fd: drm_prime_handle.decode(dmabuf).fd });
    sys.ioctl(b, DRM_IOCTL_PRIME_FD_TO_HANDLE, imp);
    const map = sys.mmap(a, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, ivpuBoInfo(sys, a, plain.handle).mmap_offset);
    const rows = debugfs(sys, 'bo_list').split('\n');
    expect(rows[0]).to.equal('bo        ctx vpu_addr       size       flags      refs attribs');
    const row = /^([0-9a-f]{1,8}) +(\d+) +0x([0-9a-f]+) +(\d+) +0x([0-9a-f]+) +(\d+) *([a-z_ ]*)$/;
    const parsed = rows.slice(1).map((r) => {
      const m = row.exec(r);
      expect(m, `row ${JSON.stringify(r)}`).to.not.equal(null);
      expect(r.slice(0, 9).trimEnd()).to.equal(m?.[1]);
      return { ctx: Number(m?.[2]), size: Number(m?.[4]), flags: Number.parseInt(m?.[5] ?? '', 16), attribs: (m?.[7] ?? '').trim() };
    });
    expect(parsed).to.deep.equal([
      { ctx: 2, size: 8192, flags: DRM_IVPU_BO_WC, attribs: 'has_pages' },
      { ctx: 2, size: 4096, flags: DRM_IVPU_BO_WC, attribs: 'has_pages mmu_mapped' },
      { ctx: 3, size: 8192, flags: 0, attribs: 'imported' },
    ]);
    sys.munmap(map);
    expect(debugfs(sys, 'bo_list').split('\n')[1]).to.not.include('has_pages');
  });

  it('BO_CREATE sizes: the whole 256 GiB user range without pages; ENOSPC above it and past the mmap offsets; EINVAL from 2^63', () => {
    const sys = boot();
    const fd = open(sys);
    const GiB = 1n << 30n;
    const before = process.memoryUsage().arrayBuffers;
    const whole = ivpuBoCreate(sys, fd, 256n * GiB);
    expect(whole.vpuAddr, 'drm_mm of a fresh context: the user range start').to.equal(0x1_0000_0000n);
    expect(ivpuBoInfo(sys, fd, whole.handle).size).to.equal(256n * GiB);
    expect(process.memoryUsage().arrayBuffers - before, 'host bytes a never-touched 256 GiB BO costs').to.be.below(1 << 20);
    const fresh = open(sys);
    const create = (size: bigint): string => {
      const arg = drm_ivpu_bo_create.encode({ size });
      const r = errnoOf(() => sys.ioctl(fresh, DRM_IOCTL_IVPU_BO_CREATE.request, arg));
      if (r !== 'ok') expect(drm_ivpu_bo_create.decode(arg).handle, `handle after ${r}`).to.equal(0);
      return r;
    };
    expect(create(256n * GiB + 4096n), 'past the user range: ivpu_mmu_context_insert_node').to.equal('ENOSPC');
    expect(create(2n * 1024n * GiB), 'past the fake-offset space: drm_gem_create_mmap_offset').to.equal('ENOSPC');
    expect(create(1n << 63n), 'shmem_file_setup: above MAX_LFS_FILESIZE').to.equal('EINVAL');
    expect(create((1n << 64n) - 4095n), 'PAGE_ALIGN wraps to 0').to.equal('EINVAL');
    const rows = debugfs(sys, 'bo_list').split('\n').slice(1);
    expect(rows, 'failed creates leave nothing in vdev->bo_list').to.have.length(1);
  });

  it('CAPABILITIES: METRIC_STREAMER, DMA_MEMORY_RANGE and BO_CREATE_FROM_USERPTR are 1, unknown ones 0', () => {
    const sys = boot();
    const fd = open(sys);
    for (const cap of [1, 2, 4]) expect(ivpuGetParam(sys, fd, DRM_IVPU_PARAM_CAPABILITIES, cap), `capability ${cap}`).to.equal(1n);
    expect(ivpuGetParam(sys, fd, DRM_IVPU_PARAM_CAPABILITIES, 5)).to.equal(0n);
  });

  it('BO_CREATE_FROM_USERPTR: a BO over pinned anonymous pages, imported, not mappable; the kernel order of checks', () => {
    const sys = boot();
    const fd = open(sys);
    const user = allocPages(sys, 2);
    const bo = ivpuBoCreateFromUserptr(sys, fd, user.address, 8192);
    expect(bo.vpuAddr).to.equal(0x1_0000_0000n);
    const info = ivpuBoInfo(sys, fd, bo.handle);
    expect(info.size).to.equal(8192n);
    expect(errnoOf(() => sys.mmap(fd, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, info.mmap_offset)), 'mmap: dma_buf_mmap of no dma-buf').to.equal('EINVAL');
    expect(errnoOf(() => sys.ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, drm_prime_handle.encode({ handle: bo.handle, flags: DRM_CLOEXEC })))).to.equal('EOPNOTSUPP');
    expect(debugfs(sys, 'bo_list').split('\n')[1]).to.match(/ imported$/);
    const shave = ivpuBoCreateFromUserptr(sys, fd, user.address, 4096, DRM_IVPU_BO_SHAVE_MEM | DRM_IVPU_BO_READ_ONLY);
    expect(shave.vpuAddr, 'SHAVE range').to.equal(0x8000_0000n);
    const cases: [string, bigint, bigint, number, string][] = [
      ['MAPPABLE', user.address, 4096n, DRM_IVPU_BO_MAPPABLE, 'EINVAL'],
      ['a cache mode', user.address, 4096n, DRM_IVPU_BO_WC, 'EINVAL'],
      ['user_ptr 0', 0n, 4096n, 0, 'EINVAL'],
      ['size 0', user.address, 0n, 0, 'EINVAL'],
      ['an unaligned pointer', user.address + 8n, 4096n, 0, 'EINVAL'],
      ['an unaligned size', user.address, 100n, 0, 'EINVAL'],
      ['a range past USER_PTR_MAX', 0x7fff_ffff_f000n, 8192n, 0, 'EFAULT'],
      ['unmapped memory', 0x1000n, 4096n, 0, 'EFAULT'],
      ['a range running past the allocation', user.address, 1n << 20n, 0, 'EFAULT'],
    ];
    for (const [what, ptr, size, flags, errno] of cases) {
      const arg = drm_ivpu_bo_create_from_userptr.encode({ user_ptr: ptr, size, flags });
      expect(errnoOf(() => sys.ioctl(fd, DRM_IOCTL_IVPU_BO_CREATE_FROM_USERPTR.request, arg)), what).to.equal(errno);
      expect(drm_ivpu_bo_create_from_userptr.decode(arg).handle, `handle after ${what}`).to.equal(0);
    }
    // The pages stay pinned: the user's writes after the free still reach the BO's pages, nothing zeroes them.
    user.bytes.writeUInt32LE(0xfeedf00d, 0);
    sys.ioctl(fd, DRM_IOCTL_GEM_CLOSE, drm_gem_close.encode({ handle: bo.handle }));
    expect(user.bytes.readUInt32LE(0), 'closing a userptr BO leaves the user pages alone').to.equal(0xfeedf00d);
    sys.free(user.mem);
  });

  it('METRIC_STREAMER: argument checks, one instance per mask, samples by virtual time through the double buffer, info', async () => {
    const sys = boot();
    const fd = open(sys);
    const start = (fields: Partial<ReturnType<typeof drm_ivpu_metric_streamer_start.decode>>): [string, ReturnType<typeof drm_ivpu_metric_streamer_start.decode>] => {
      const arg = drm_ivpu_metric_streamer_start.encode({ metric_group_mask: 0x3n, sampling_period_ns: 1_000_000n, read_period_samples: 4, ...fields });
      const r = errnoOf(() => sys.ioctl(fd, DRM_IOCTL_IVPU_METRIC_STREAMER_START.request, arg));
      return [r, drm_ivpu_metric_streamer_start.decode(arg)];
    };
    expect(start({ metric_group_mask: 0n })[0]).to.equal('EINVAL');
    expect(start({ read_period_samples: 0 })[0]).to.equal('EINVAL');
    const [slow, slowOut] = start({ sampling_period_ns: 999_999n });
    expect(slow, 'sampling_period_ns below MS_MIN_SAMPLE_PERIOD_NS').to.equal('EINVAL');
    expect(slowOut.sample_size, 'sample_size after EINVAL').to.equal(0);
    expect(start({ read_period_samples: 1 << 30 })[0], 'a double buffer past the 256 MiB global range').to.equal('EINVAL');
    const [ok, out] = start({});
    expect(ok).to.equal('ok');
    expect(out.sample_size, 'stand-in: 8 bytes per group').to.equal(16);
    expect(out.max_data_size, 'PAGE_ALIGN(4 * 16 * 2 * 2)').to.equal(4096);
    expect(start({})[0], 'a second START of the mask').to.equal('EALREADY');
    const getData = (mask: bigint, size: number, ptr?: bigint): [string, bigint] => {
      const arg = drm_ivpu_metric_streamer_get_data.encode({ metric_group_mask: mask, buffer_ptr: ptr ?? 0n, buffer_size: BigInt(size), data_size: 0x77n });
      const r = errnoOf(() => sys.ioctl(fd, DRM_IOCTL_IVPU_METRIC_STREAMER_GET_DATA.request, arg));
      return [r, drm_ivpu_metric_streamer_get_data.decode(arg).data_size];
    };
    expect(getData(0x4n, 0)[0], 'GET_DATA of a mask never started').to.equal('EINVAL');
    expect(getData(0x3n, 16)[0], 'buffer_ptr 0').to.equal('EINVAL');
    await sys.sleepMs(10);
    expect(getData(0x3n, 0), 'pending after 10 periods').to.deep.equal(['ok', 160n]);
    const buf = sys.alloc(64);
    expect(getData(0x3n, 64, buf.address), 'a 64-byte read').to.deep.equal(['ok', 64n]);
    expect([0, 8, 16, 24, 48, 56].map((o) => buf.bytes.readBigUInt64LE(o)), 'samples 0, 1 and 3, one u64 per group').to.deep.equal([0n, 0n, 1n, 1n, 3n, 3n]);
    expect(getData(0x3n, 0), 'leftover of the swapped buffer').to.deep.equal(['ok', 96n]);
    expect(getData(0x3n, 64, 0x1000n), 'EFAULT on the copy').to.deep.equal(['EFAULT', 0n]);
    const stop = (mask: bigint): string => errnoOf(() => sys.ioctl(fd, DRM_IOCTL_IVPU_METRIC_STREAMER_STOP.request, drm_ivpu_metric_streamer_stop.encode({ metric_group_mask: mask })));
    expect(stop(0n)).to.equal('EINVAL');
    expect(stop(0x4n)).to.equal('EINVAL');
    expect(stop(0x3n)).to.equal('ok');
    expect(stop(0x3n), 'a stopped mask').to.equal('EINVAL');
    const info = (size: number, ptr: bigint): [string, bigint] => {
      const arg = drm_ivpu_metric_streamer_get_data.encode({ metric_group_mask: 0x5n, buffer_ptr: ptr, buffer_size: BigInt(size), data_size: 0x77n });
      const r = errnoOf(() => sys.ioctl(fd, DRM_IOCTL_IVPU_METRIC_STREAMER_GET_INFO.request, arg));
      return [r, drm_ivpu_metric_streamer_get_data.decode(arg).data_size];
    };
    expect(info(0, 0n), 'GET_INFO size').to.deep.equal(['ok', 32n]);
    expect(info(16, 0n)[0], 'GET_INFO buffer_ptr 0').to.equal('EINVAL');
    expect(info(16, buf.address), 'GET_INFO into a small buffer: ENOSPC, data_size untouched').to.deep.equal(['ENOSPC', 0x77n]);
    expect(info(32, 0x1000n), 'GET_INFO EFAULT still writes data_size').to.deep.equal(['EFAULT', 32n]);
    expect(info(64, buf.address)).to.deep.equal(['ok', 32n]);
    expect([buf.bytes.readUInt32LE(0), buf.bytes.readUInt32LE(16)], 'groups 0 and 2').to.deep.equal([0, 2]);
    sys.free(buf);
  });

  it('BO_INFO: ENOENT for an unknown handle, fields untouched; BO_WAIT: EINVAL for one', async () => {
    const sys = boot();
    const fd = open(sys);
    const arg = drm_ivpu_bo_info.encode({ handle: 7 });
    expect(errnoOf(() => sys.ioctl(fd, DRM_IOCTL_IVPU_BO_INFO.request, arg))).to.equal('ENOENT');
    expect(drm_ivpu_bo_info.decode(arg)).to.deep.equal({ handle: 7, flags: 0, vpu_addr: 0n, mmap_offset: 0n, size: 0n });
    const w = drm_ivpu_bo_wait.encode({ handle: 7 });
    expect(await errnoOfAsync(() => sys.ioctlAsync(fd, DRM_IOCTL_IVPU_BO_WAIT.request, w))).to.equal('EINVAL');
  });

  it('opens past the per-uid context limit fail EMFILE; a close makes room again', () => {
    const sys = boot();
    const fds = Array.from({ length: 129 }, () => open(sys));
    expect(errnoOf(() => open(sys))).to.equal('EMFILE');
    sys.close(fds.pop() as number);
    expect(errnoOf(() => open(sys))).to.equal('ok');
  });

  it('no-user-context-limit: the open past the device total is EBUSY (6.12)', () => {
    const sys = boot('ivpu?defect=no-user-context-limit');
    for (let i = 0; i < 129; i++) open(sys);
    expect(errnoOf(() => open(sys))).to.equal('EBUSY');
  });

  it('SUBMIT: a job completes with SUCCESS; argument checks in the kernel order', async () => {
    const sys = boot();
    const fd = open(sys);
    const cmd = cmdBuffer(sys, fd, SIM_FW_NOP);
    ivpuSubmit(sys, fd, [cmd]);
    expect(await ivpuBoWait(sys, fd, cmd, deadlineIn(sys, 100))).to.equal(0);
    expect(errnoOf(() => ivpuSubmit(sys, fd, [cmd], { engine: 1 }))).to.equal('EINVAL');
    expect(errnoOf(() => ivpuSubmit(sys, fd, [cmd], { priority: 5 }))).to.equal('EINVAL');
    expect(errnoOf(() => ivpuSubmit(sys, fd, [cmd], { commands_offset: 4 }))).to.equal('EINVAL');
    expect(errnoOf(() => ivpuSubmit(sys, fd, [cmd], { commands_offset: 4096 }))).to.equal('EINVAL');
    expect(errnoOf(() => ivpuSubmit(sys, fd, [99]))).to.equal('ENOENT');
    expect(errnoOf(() => ivpuSubmit(sys, fd, [], {}))).to.equal('EINVAL');
  });

  it('a hang: BO_WAIT times out first, the TDR aborts it at the second heartbeat check, the context dies (HW scheduler)', async () => {
    const sys = boot();
    const fd = open(sys);
    const other = open(sys);
    const cmd = cmdBuffer(sys, fd, SIM_FW_HANG);
    const t0 = sys.monotonicNs();
    ivpuSubmit(sys, fd, [cmd]);
    const arg = drm_ivpu_bo_wait.encode({ handle: cmd, timeout_ns: deadlineIn(sys, 100), job_status: 77 });
    expect(await errnoOfAsync(() => sys.ioctlAsync(fd, DRM_IOCTL_IVPU_BO_WAIT.request, arg))).to.equal('ETIMEDOUT');
    expect(drm_ivpu_bo_wait.decode(arg).job_status, 'untouched on ETIMEDOUT').to.equal(77);
    expect(errnoOf(() => ivpuSubmit(sys, fd, [cmd])), 'the command buffer is busy').to.equal('EBUSY');
    expect(await ivpuBoWait(sys, fd, cmd, deadlineIn(sys, 10_000))).to.equal(DRM_IVPU_JOB_STATUS_ABORTED);
    const ms = Number(sys.monotonicNs() - t0) / 1e6;
    expect(ms).to.be.within(4000, 4010);
    expect(debugfs(sys, 'engine_reset_counter')).to.equal('1');
    expect(debugfs(sys, 'reset_counter')).to.equal('0');
    expect(errnoOf(() => ivpuSubmit(sys, fd, [cmd]))).to.equal('EBADFD');
    const ok = cmdBuffer(sys, other, SIM_FW_NOP);
    ivpuSubmit(sys, other, [ok]);
    expect(await ivpuBoWait(sys, other, ok, deadlineIn(sys, 100))).to.equal(0);
  });

  it('a hang under the OS scheduler: full recovery, every job ABORTED, reset_counter counts it, contexts live on', async () => {
    const sys = boot('ivpu?sched_mode=0');
    const fd = open(sys);
    const other = open(sys);
    const hang = cmdBuffer(sys, fd, SIM_FW_HANG);
    const queued = cmdBuffer(sys, other, SIM_FW_NOP);
    ivpuSubmit(sys, fd, [hang]);
    ivpuSubmit(sys, other, [queued]);
    expect(await ivpuBoWait(sys, other, queued, deadlineIn(sys, 10_000))).to.equal(DRM_IVPU_JOB_STATUS_ABORTED);
    expect(await ivpuBoWait(sys, fd, hang, deadlineIn(sys, 100))).to.equal(DRM_IVPU_JOB_STATUS_ABORTED);
    expect(debugfs(sys, 'reset_counter')).to.equal('1');
    expect(ivpuGetParam(sys, fd, DRM_IVPU_PARAM_CAPABILITIES, DRM_IVPU_CAP_MANAGE_CMDQ)).to.equal(0n);
    const nop = cmdBuffer(sys, fd, SIM_FW_NOP);
    ivpuSubmit(sys, fd, [nop]);
    expect(await ivpuBoWait(sys, fd, nop, deadlineIn(sys, 100))).to.equal(0);
  });

  it('a SUBMIT during a recovery waits for it (reset_lock), then runs', async () => {
    const sys = boot('ivpu?sched_mode=0');
    const fd = open(sys);
    const other = open(sys);
    ivpuSubmit(sys, fd, [cmdBuffer(sys, fd, SIM_FW_HANG)]);
    const nop = cmdBuffer(sys, other, SIM_FW_NOP);
    while (debugfs(sys, 'reset_pending') === '0') await sys.sleepMs(1);
    const before = sys.monotonicNs();
    ivpuSubmit(sys, other, [nop]);
    expect(sys.monotonicNs() > before, 'the submit slept until the recovery completed').to.equal(true);
    expect(debugfs(sys, 'reset_pending')).to.equal('0');
    expect(await ivpuBoWait(sys, other, nop, deadlineIn(sys, 100))).to.equal(0);
  });

  for (const [what, word] of [['an MMU fault', SIM_FW_MMU_FAULT], ['a context violation', SIM_FW_CTX_VIOLATION]] as const) {
    it(`${what} kills only the faulting context`, async () => {
      const sys = boot();
      const bad = open(sys);
      const good = open(sys);
      const cmd = cmdBuffer(sys, bad, word);
      ivpuSubmit(sys, bad, [cmd]);
      const status = await ivpuBoWait(sys, bad, cmd, deadlineIn(sys, 100));
      expect(status).to.equal(word === SIM_FW_MMU_FAULT ? DRM_IVPU_JOB_STATUS_ABORTED : 0xe);
      expect(errnoOf(() => ivpuSubmit(sys, bad, [cmd]))).to.equal('EBADFD');
      const nop = cmdBuffer(sys, good, SIM_FW_NOP);
      ivpuSubmit(sys, good, [nop]);
      expect(await ivpuBoWait(sys, good, nop, deadlineIn(sys, 100))).to.equal(0);
    });
  }

  it('ctx-violation-completes: the violating context lives on (before the fix)', async () => {
    const sys = boot('ivpu?defect=ctx-violation-completes');
    const fd = open(sys);
    const cmd = cmdBuffer(sys, fd, SIM_FW_CTX_VIOLATION);
    ivpuSubmit(sys, fd, [cmd]);
    expect(await ivpuBoWait(sys, fd, cmd, deadlineIn(sys, 100))).to.equal(0xe);
    expect(errnoOf(() => ivpuSubmit(sys, fd, [cmd]))).to.equal('ok');
  });

  it('CMDQ_*: ids from 1, ENOENT for unknown, destroying a queue aborts its pending jobs', async () => {
    const sys = boot();
    const fd = open(sys);
    const q = ivpuCmdqCreate(sys, fd);
    expect(q).to.equal(1);
    expect(errnoOf(() => ivpuCmdqDestroy(sys, fd, 9))).to.equal('ENOENT');
    expect(errnoOf(() => ivpuCmdqSubmit(sys, fd, 0, [1]))).to.equal('EINVAL');
    const hang = cmdBuffer(sys, fd, SIM_FW_HANG);
    ivpuCmdqSubmit(sys, fd, q, [hang]);
    const idle = cmdBuffer(sys, fd, SIM_FW_NOP);
    expect(errnoOf(() => ivpuCmdqSubmit(sys, fd, 7, [idle]))).to.equal('EINVAL');
    await sys.sleepMs(1);
    ivpuCmdqDestroy(sys, fd, q);
    expect(await ivpuBoWait(sys, fd, hang, deadlineIn(sys, 100))).to.equal(DRM_IVPU_JOB_STATUS_ABORTED);
  });

  it('cmdq-destroy-keeps-jobs: the destroyed queue\'s job is left pending', async () => {
    const sys = boot('ivpu?defect=cmdq-destroy-keeps-jobs');
    const fd = open(sys);
    const q = ivpuCmdqCreate(sys, fd);
    const hang = cmdBuffer(sys, fd, SIM_FW_HANG);
    ivpuCmdqSubmit(sys, fd, q, [hang]);
    await sys.sleepMs(1);
    ivpuCmdqDestroy(sys, fd, q);
    expect(await errnoOfAsync(() => ivpuBoWait(sys, fd, hang, deadlineIn(sys, 100)))).to.equal('ETIMEDOUT');
  });

  it('PRIME: an import into another file is a new BO with its own address; re-exporting it is EOPNOTSUPP; no syncobjs', () => {
    const sys = boot();
    const a = open(sys);
    const b = open(sys);
    ivpuBoCreate(sys, b, 8192);
    const x = ivpuBoCreate(sys, a, 4096);
    const exp = drm_prime_handle.encode({ handle: x.handle, flags: DRM_CLOEXEC | DRM_RDWR });
    sys.ioctl(a, DRM_IOCTL_PRIME_HANDLE_TO_FD, exp);
    const dmabuf = drm_prime_handle.decode(exp).fd;
    const imp = drm_prime_handle.encode({ fd: dmabuf });
    sys.ioctl(b, DRM_IOCTL_PRIME_FD_TO_HANDLE, imp);
    const h = drm_prime_handle.decode(imp).handle;
    expect(ivpuBoInfo(sys, b, h).vpu_addr).to.equal(0x1_0000_2000n);
    expect(errnoOf(() => sys.ioctl(b, DRM_IOCTL_PRIME_HANDLE_TO_FD, drm_prime_handle.encode({ handle: h, flags: DRM_CLOEXEC })))).to.equal('EOPNOTSUPP');
    expect(errnoOf(() => sys.ioctl(a, DRM_IOCTL_SYNCOBJ_CREATE, drm_syncobj_create.encode({})))).to.equal('EOPNOTSUPP');
  });

  it('bo-wait-early: without the extra jiffy a wait can end before its timeout', async () => {
    for (const [spec, early] of [['ivpu', false], ['ivpu?defect=bo-wait-early', true]] as const) {
      const sys = boot(spec);
      const fd = open(sys);
      const hang = cmdBuffer(sys, fd, SIM_FW_HANG);
      ivpuSubmit(sys, fd, [hang]);
      let sawEarly = false;
      for (let i = 0; i < 8; i++) {
        // Start each wait at another point of a 4 ms jiffy.
        await sys.sleepMs(1 + (i % 4));
        const deadline = deadlineIn(sys, 5.1);
        expect(await errnoOfAsync(() => ivpuBoWait(sys, fd, hang, deadline))).to.equal('ETIMEDOUT');
        if (sys.monotonicNs() < deadline) sawEarly = true;
      }
      expect(sawEarly, spec).to.equal(early);
    }
  });
});
