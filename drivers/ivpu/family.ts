/**
 * accel@ivpu@...: rules only intel_vpu has, each cited to the 7.3 source.
 * Tests whose trigger is a job that faults, violates its context or hangs
 * need a command encoding the kernel does not publish; they run where the
 * device runs sim:ivpu's firmware stand-in and skip elsewhere saying so.
 */
import { MAP_SHARED, O_CLOEXEC, O_RDWR, PROT_READ, PROT_WRITE } from '../../harness/sys/constants';
import { isSysError } from '../../harness/sys/errno';
import type { Sys } from '../../harness/sys/types';
import { check, checkEq, doIoctlErr, expectErrno, must, mustAsync } from '../../harness/testing/assert';
import { defineFamily, type TestContext, subtest } from '../../harness/testing/define';
import { DRM_CLOEXEC, DRM_IOCTL_PRIME_HANDLE_TO_FD, DRM_RDWR, drm_prime_handle } from '../../harness/uapi/drm';
import { primeExport, primeImport } from '../../tests/lib/drm';
import { ivpuJobKinds } from './adapter';
import {
  allocPages,
  deadlineIn,
  ivpuBoCreate,
  ivpuBoCreateFromUserptr,
  ivpuBoInfo,
  ivpuBoWait,
  ivpuCmdqCreate,
  ivpuCmdqDestroy,
  ivpuCmdqSubmit,
  ivpuGetParam,
  ivpuSubmit,
} from './calls';
import { IVPU_DRIVER } from './profile';
import { SIM_FW_CTX_VIOLATION, SIM_FW_HANG, SIM_FW_MMU_FAULT, SIM_FW_NOP, SIM_FW_PROCESSING_ERR } from './sim/firmware';
import {
  DRM_IOCTL_IVPU_BO_CREATE,
  DRM_IOCTL_IVPU_BO_CREATE_FROM_USERPTR,
  DRM_IOCTL_IVPU_BO_INFO,
  DRM_IOCTL_IVPU_BO_WAIT,
  DRM_IOCTL_IVPU_GET_PARAM,
  DRM_IOCTL_IVPU_METRIC_STREAMER_GET_DATA,
  DRM_IOCTL_IVPU_METRIC_STREAMER_START,
  DRM_IOCTL_IVPU_METRIC_STREAMER_STOP,
  DRM_IOCTL_IVPU_SET_PARAM,
  DRM_IVPU_BO_MAPPABLE,
  DRM_IVPU_BO_UNCACHED,
  DRM_IVPU_BO_WC,
  DRM_IVPU_CAP_BO_CREATE_FROM_USERPTR,
  DRM_IVPU_CAP_DMA_MEMORY_RANGE,
  DRM_IVPU_CAP_MANAGE_CMDQ,
  DRM_IVPU_CAP_METRIC_STREAMER,
  DRM_IVPU_ENGINE_COPY,
  DRM_IVPU_JOB_PRIORITY_REALTIME,
  DRM_IVPU_JOB_STATUS_ABORTED,
  DRM_IVPU_JOB_STATUS_SUCCESS,
  DRM_IVPU_PARAM_CAPABILITIES,
  DRM_IVPU_PARAM_CONTEXT_BASE_ADDRESS,
  DRM_IVPU_PARAM_CONTEXT_ID,
  DRM_IVPU_PARAM_CONTEXT_PRIORITY,
  DRM_IVPU_PARAM_NUM_CONTEXTS,
  drm_ivpu_bo_create,
  drm_ivpu_bo_create_from_userptr,
  drm_ivpu_bo_info,
  drm_ivpu_bo_wait,
  drm_ivpu_metric_streamer_get_data,
  drm_ivpu_metric_streamer_start,
  drm_ivpu_metric_streamer_stop,
  drm_ivpu_param,
} from './uapi';

/** vpu_jsm_api.h VPU_JSM_STATUS_MVNCI_CONTEXT_VIOLATION_HW / VPU_JSM_STATUS_PROCESSING_ERR, as BO_WAIT reports them. */
const STATUS_CONTEXT_VIOLATION = 0xe;
const STATUS_PROCESSING_ERR = 0x2;
/** Outside DRM_IVPU_BO_FLAGS of both 6.12 (0x30007) and 7.3 (0x3000f). */
const UNKNOWN_BO_FLAG = 0x100;

function needIvpu(t: TestContext): void {
  if (t.dev.profile.driver !== IVPU_DRIVER) t.skip(`intel_vpu rule; the device's driver is ${t.dev.profile.driver}`);
}

/** A job trigger only the simulated firmware has an encoding for. */
function needSimFirmware(t: TestContext, what: string): void {
  needIvpu(t);
  if (!ivpuJobKinds(t.sys).has('hang')) {
    t.skip(`${what} needs a batch-buffer encoding: vpu_jsm_api.h publishes none; only sim:ivpu's firmware stand-in has one`);
  }
}

function openFile(t: TestContext): number {
  return must('open the device', () => t.open(O_RDWR | O_CLOEXEC));
}

/** A 4 KiB command buffer whose first word is `word` (the simulated firmware's command). */
function cmdBuffer(sys: Sys, fd: number, word: number): number {
  const { handle } = ivpuBoCreate(sys, fd, 4096, DRM_IVPU_BO_WC);
  const map = sys.mmap(fd, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ivpuBoInfo(sys, fd, handle).mmap_offset);
  map.bytes.writeUInt32LE(word, 0);
  sys.munmap(map);
  return handle;
}

async function submitAndWait(t: TestContext, fd: number, word: number, budgetMs: number, what: string): Promise<number> {
  const cmd = cmdBuffer(t.sys, fd, word);
  must(`SUBMIT ${what}`, () => ivpuSubmit(t.sys, fd, [cmd]));
  return mustAsync(`BO_WAIT for ${what}`, () => ivpuBoWait(t.sys, fd, cmd, deadlineIn(t.sys, budgetMs)));
}

function hwScheduler(t: TestContext, fd: number): boolean {
  return ivpuGetParam(t.sys, fd, DRM_IVPU_PARAM_CAPABILITIES, DRM_IVPU_CAP_MANAGE_CMDQ) === 1n;
}

/** A debugfs counter of the device behind `fd` (ivpu_debugfs.c), or null where debugfs is not readable. */
function debugfsCounter(sys: Sys, fd: number, file: string): number | null {
  try {
    const minor = sys.fstat(fd).rdevMinor;
    const parent = sys.fs.realpath(`/sys/class/accel/accel${minor}/device`).split('/').pop() ?? '';
    const p = `/sys/kernel/debug/accel/${parent}/${file}`;
    return sys.fs.exists(p) ? Number.parseInt(sys.fs.readFile(p).toString('utf8').trim(), 10) : null;
  } catch {
    return null;
  }
}

const basicParams = subtest({
  name: 'basic-params',
  description: 'GET_PARAM gives each file its own CONTEXT_ID in 2..130; unknown and deprecated params and every SET_PARAM are EINVAL, value untouched',
  reference: 'drivers/accel/ivpu/ivpu_drv.c: ivpu_get_param_ioctl, ivpu_set_param_ioctl, ivpu_open',
}, (t: TestContext): void => {
  needIvpu(t);
  const a = openFile(t);
  const b = openFile(t);
  const idA = ivpuGetParam(t.sys, a, DRM_IVPU_PARAM_CONTEXT_ID);
  const idB = ivpuGetParam(t.sys, b, DRM_IVPU_PARAM_CONTEXT_ID);
  // ivpu_drv.h IVPU_USER_CONTEXT_MIN_SSID..MAX_SSID: each open file is one SSID.
  check(idA >= 2n && idA <= 130n && idB >= 2n && idB <= 130n, `CONTEXT_IDs ${idA}, ${idB} outside 2..130`);
  check(idA !== idB, `two open files share CONTEXT_ID ${idA}`);
  check(ivpuGetParam(t.sys, a, DRM_IVPU_PARAM_NUM_CONTEXTS) > 0n, 'NUM_CONTEXTS is 0');
  for (const [param, what] of [
    [DRM_IVPU_PARAM_CONTEXT_PRIORITY, 'the deprecated CONTEXT_PRIORITY'],
    [0xffff, 'an unknown parameter'],
  ] as const) {
    const arg = drm_ivpu_param.encode({ param, value: 0x5a5an });
    doIoctlErr(t.sys, a, DRM_IOCTL_IVPU_GET_PARAM.request, arg, 'EINVAL');
    checkEq(drm_ivpu_param.decode(arg).value, 0x5a5an, `GET_PARAM value after ${what}`);
  }
  doIoctlErr(t.sys, a, DRM_IOCTL_IVPU_SET_PARAM.request, drm_ivpu_param.encode({ param: DRM_IVPU_PARAM_CONTEXT_PRIORITY, value: 1n }), 'EINVAL');
});

const badBoCreate = subtest({
  name: 'bad-bo-create',
  description: 'BO_CREATE with an unknown flag, size 0 or the UNCACHED cache mode is EINVAL and leaves handle and vpu_addr 0',
  reference: 'drivers/accel/ivpu/ivpu_gem.c: ivpu_bo_create_ioctl, ivpu_bo_alloc',
}, (t: TestContext): void => {
  needIvpu(t);
  const fd = openFile(t);
  const cases: [string, { size: bigint; flags: number }][] = [
    ['a flag outside DRM_IVPU_BO_FLAGS', { size: 4096n, flags: UNKNOWN_BO_FLAG }],
    ['size 0', { size: 0n, flags: 0 }],
    ['the UNCACHED cache mode', { size: 4096n, flags: DRM_IVPU_BO_UNCACHED }],
  ];
  for (const [what, input] of cases) {
    const arg = drm_ivpu_bo_create.encode(input);
    doIoctlErr(t.sys, fd, DRM_IOCTL_IVPU_BO_CREATE.request, arg, 'EINVAL');
    const out = drm_ivpu_bo_create.decode(arg);
    checkEq(out.handle, 0, `BO_CREATE (${what}) handle after the failure`);
    checkEq(out.vpu_addr, 0n, `BO_CREATE (${what}) vpu_addr after the failure`);
  }
});

const badBoLookup = subtest({
  name: 'bad-bo-lookup',
  description: 'BO_INFO of an unknown handle is ENOENT with every output field 0; BO_WAIT of one is EINVAL',
  reference: 'drivers/accel/ivpu/ivpu_gem.c: ivpu_bo_info_ioctl, ivpu_bo_wait_ioctl',
}, async (t: TestContext): Promise<void> => {
  needIvpu(t);
  const fd = openFile(t);
  const { handle } = ivpuBoCreate(t.sys, fd, 4096);
  const unknown = handle + 100;
  const info = drm_ivpu_bo_info.encode({ handle: unknown });
  doIoctlErr(t.sys, fd, DRM_IOCTL_IVPU_BO_INFO.request, info, 'ENOENT');
  const out = drm_ivpu_bo_info.decode(info);
  checkEq(out.vpu_addr | out.mmap_offset | out.size | BigInt(out.flags), 0n, 'BO_INFO output fields after ENOENT');
  // ivpu_bo_wait_ioctl answers an unknown handle with EINVAL, not ENOENT.
  const wait = drm_ivpu_bo_wait.encode({ handle: unknown, timeout_ns: deadlineIn(t.sys, 10) });
  const errno = await t.sys.ioctlAsync(fd, DRM_IOCTL_IVPU_BO_WAIT.request, wait).then(
    () => 'ok',
    (e: unknown) => (isSysError(e) ? e.code : String(e)),
  );
  checkEq(errno, 'EINVAL', 'BO_WAIT of an unknown handle');
});

const badSubmit = subtest({
  name: 'bad-submit',
  description: 'SUBMIT with the COPY engine, a priority above REALTIME, no buffers or a bad commands_offset is EINVAL, an unknown handle ENOENT',
  reference: 'drivers/accel/ivpu/ivpu_job.c: ivpu_submit_ioctl, ivpu_job_prepare_bos_for_submit, ivpu_cmdq_submit_ioctl',
}, (t: TestContext): void => {
  needIvpu(t);
  const fd = openFile(t);
  const { handle } = ivpuBoCreate(t.sys, fd, 4096);
  const einval: [string, Parameters<typeof ivpuSubmit>[3]][] = [
    ['the deprecated COPY engine', { engine: DRM_IVPU_ENGINE_COPY }],
    ['a priority above REALTIME', { priority: DRM_IVPU_JOB_PRIORITY_REALTIME + 1 }],
    ['a commands_offset not 8-byte aligned', { commands_offset: 4 }],
    ['a commands_offset past the command buffer', { commands_offset: 4096 }],
  ];
  for (const [what, fields] of einval) expectErrno('EINVAL', () => ivpuSubmit(t.sys, fd, [handle], fields), `SUBMIT with ${what}`);
  expectErrno('EINVAL', () => ivpuSubmit(t.sys, fd, []), 'SUBMIT with buffer_count 0');
  expectErrno('ENOENT', () => ivpuSubmit(t.sys, fd, [handle + 100]), 'SUBMIT naming an unknown handle');
  // ivpu_cmdq_submit_ioctl: ENODEV without explicit queues, else cmdq_id 0 is out of 1..255.
  expectErrno(hwScheduler(t, fd) ? 'EINVAL' : 'ENODEV', () => ivpuCmdqSubmit(t.sys, fd, 0, [handle]), 'CMDQ_SUBMIT to cmdq_id 0');
});

const basicCapabilities = subtest({
  name: 'basic-capabilities',
  description: 'CAPABILITIES: DMA_MEMORY_RANGE and METRIC_STREAMER are 1, BO_CREATE_FROM_USERPTR is 1 exactly when that ioctl works, MANAGE_CMDQ exactly when CMDQ_CREATE does, an unknown one 0',
  reference: 'drivers/accel/ivpu/ivpu_drv.c: ivpu_is_capable, ivpu_drm_ioctls',
}, (t: TestContext): void => {
  needIvpu(t);
  const fd = openFile(t);
  const cap = (c: number): bigint => ivpuGetParam(t.sys, fd, DRM_IVPU_PARAM_CAPABILITIES, c);
  checkEq(cap(DRM_IVPU_CAP_DMA_MEMORY_RANGE), 1n, 'CAPABILITIES DMA_MEMORY_RANGE');
  checkEq(cap(DRM_IVPU_CAP_METRIC_STREAMER), 1n, 'CAPABILITIES METRIC_STREAMER');
  checkEq(cap(0xff), 0n, 'CAPABILITIES of an unknown capability');
  const user = allocPages(t.sys, 1);
  t.defer(() => t.sys.free(user.mem));
  let userptr = 'ok';
  try {
    ivpuBoCreateFromUserptr(t.sys, fd, user.address, 4096);
  } catch (e) {
    userptr = isSysError(e) ? e.code : String(e);
  }
  t.log(`BO_CREATE_FROM_USERPTR over one anonymous page: ${userptr}`);
  checkEq(cap(DRM_IVPU_CAP_BO_CREATE_FROM_USERPTR), userptr === 'ok' ? 1n : 0n, `CAPABILITIES BO_CREATE_FROM_USERPTR (the ioctl answered ${userptr})`);
  let cmdq = 'ok';
  try {
    ivpuCmdqCreate(t.sys, fd);
  } catch (e) {
    cmdq = isSysError(e) ? e.code : String(e);
  }
  checkEq(cap(DRM_IVPU_CAP_MANAGE_CMDQ), cmdq === 'ok' ? 1n : 0n, `CAPABILITIES MANAGE_CMDQ (CMDQ_CREATE answered ${cmdq})`);
});

const badUserptr = subtest({
  name: 'bad-userptr',
  description: 'BO_CREATE_FROM_USERPTR with MAPPABLE, a zero or unaligned pointer or size is EINVAL, over unmapped memory EFAULT; handle and vpu_addr stay 0',
  reference: 'drivers/accel/ivpu/ivpu_gem_userptr.c: ivpu_bo_create_from_userptr_ioctl, ivpu_create_userptr_dmabuf',
}, (t: TestContext): void => {
  needIvpu(t);
  const fd = openFile(t);
  if (ivpuGetParam(t.sys, fd, DRM_IVPU_PARAM_CAPABILITIES, DRM_IVPU_CAP_BO_CREATE_FROM_USERPTR) !== 1n) {
    t.skip('DRM_IVPU_CAP_BO_CREATE_FROM_USERPTR is 0: the ioctl came after 6.12');
  }
  const user = allocPages(t.sys, 1);
  t.defer(() => t.sys.free(user.mem));
  // Address 4096 lies below vm.mmap_min_addr: no process has it mapped.
  const cases: [string, { user_ptr: bigint; size: bigint; flags: number }, string][] = [
    ['the MAPPABLE flag', { user_ptr: user.address, size: 4096n, flags: DRM_IVPU_BO_MAPPABLE }, 'EINVAL'],
    ['user_ptr 0', { user_ptr: 0n, size: 4096n, flags: 0 }, 'EINVAL'],
    ['size 0', { user_ptr: user.address, size: 0n, flags: 0 }, 'EINVAL'],
    ['an unaligned user_ptr', { user_ptr: user.address + 64n, size: 4096n, flags: 0 }, 'EINVAL'],
    ['an unmapped page', { user_ptr: 4096n, size: 4096n, flags: 0 }, 'EFAULT'],
  ];
  for (const [what, input, errno] of cases) {
    const arg = drm_ivpu_bo_create_from_userptr.encode(input);
    doIoctlErr(t.sys, fd, DRM_IOCTL_IVPU_BO_CREATE_FROM_USERPTR.request, arg, errno as 'EINVAL' | 'EFAULT');
    const out = drm_ivpu_bo_create_from_userptr.decode(arg);
    checkEq(out.handle, 0, `BO_CREATE_FROM_USERPTR (${what}) handle after the failure`);
    checkEq(out.vpu_addr, 0n, `BO_CREATE_FROM_USERPTR (${what}) vpu_addr after the failure`);
  }
});

const badMetricStreamer = subtest({
  name: 'bad-metric-streamer',
  description: 'METRIC_STREAMER_START with a zero mask or read_period_samples or a period under 1 ms is EINVAL, outputs untouched; STOP and GET_DATA of a mask never started are EINVAL',
  reference: 'drivers/accel/ivpu/ivpu_ms.c: ivpu_ms_start_ioctl, ivpu_ms_stop_ioctl, ivpu_ms_get_data_ioctl',
}, (t: TestContext): void => {
  needIvpu(t);
  const fd = openFile(t);
  // Every case fails before the firmware is asked: nothing here depends on its metric groups.
  const good = { metric_group_mask: 0x1n, sampling_period_ns: 1_000_000n, read_period_samples: 4, sample_size: 0x5a, max_data_size: 0x5a };
  for (const [what, fields] of [
    ['metric_group_mask 0', { metric_group_mask: 0n }],
    ['read_period_samples 0', { read_period_samples: 0 }],
    ['sampling_period_ns below MS_MIN_SAMPLE_PERIOD_NS', { sampling_period_ns: 999_999n }],
  ] as const) {
    const arg = drm_ivpu_metric_streamer_start.encode({ ...good, ...fields });
    doIoctlErr(t.sys, fd, DRM_IOCTL_IVPU_METRIC_STREAMER_START.request, arg, 'EINVAL');
    const out = drm_ivpu_metric_streamer_start.decode(arg);
    checkEq(out.sample_size, 0x5a, `START (${what}) sample_size after EINVAL`);
    checkEq(out.max_data_size, 0x5a, `START (${what}) max_data_size after EINVAL`);
  }
  // A mask this file never started (the highest group: no START above used it).
  const never = 1n << 63n;
  doIoctlErr(t.sys, fd, DRM_IOCTL_IVPU_METRIC_STREAMER_STOP.request, drm_ivpu_metric_streamer_stop.encode({ metric_group_mask: never }), 'EINVAL');
  doIoctlErr(t.sys, fd, DRM_IOCTL_IVPU_METRIC_STREAMER_STOP.request, drm_ivpu_metric_streamer_stop.encode({ metric_group_mask: 0n }), 'EINVAL');
  const data = drm_ivpu_metric_streamer_get_data.encode({ metric_group_mask: never, data_size: 0x5an });
  doIoctlErr(t.sys, fd, DRM_IOCTL_IVPU_METRIC_STREAMER_GET_DATA.request, data, 'EINVAL');
  checkEq(drm_ivpu_metric_streamer_get_data.decode(data).data_size, 0x5an, 'GET_DATA data_size after EINVAL');
});

const contextAddressSpace = subtest({
  name: 'basic-context-address-space',
  description: 'each file has its own NPU address space: the first BO of a fresh file sits at CONTEXT_BASE_ADDRESS, BOs of one file do not overlap',
  reference: 'drivers/accel/ivpu/ivpu_gem.c: ivpu_gem_bo_open; ivpu_mmu_context.c: ivpu_mmu_context_insert_node',
}, (t: TestContext): void => {
  needIvpu(t);
  const a = openFile(t);
  const b = openFile(t);
  const base = ivpuGetParam(t.sys, a, DRM_IVPU_PARAM_CONTEXT_BASE_ADDRESS);
  const x = ivpuBoCreate(t.sys, a, 4096);
  const y = ivpuBoCreate(t.sys, b, 4096);
  checkEq(x.vpuAddr, base, 'vpu_addr of the first BO of a fresh file');
  checkEq(y.vpuAddr, base, 'vpu_addr of the first BO of a second fresh file (its own MMU context)');
  checkEq(ivpuBoInfo(t.sys, a, x.handle).vpu_addr, x.vpuAddr, 'BO_INFO vpu_addr vs BO_CREATE');
  const z = ivpuBoCreate(t.sys, a, 4096);
  check(z.vpuAddr >= x.vpuAddr + 4096n, `a second BO of the same file at 0x${z.vpuAddr.toString(16)} overlaps the first`);
});

const badContextLimit = subtest({
  name: 'bad-context-limit',
  description: 'a uid opens at most NUM_CONTEXTS files; the next open is EMFILE, and a close makes room',
  reference: 'drivers/accel/ivpu/ivpu_drv.c: ivpu_user_limits_get, ivpu_open',
  timeoutMs: 30_000,
}, (t: TestContext): void => {
  needIvpu(t);
  const first = openFile(t);
  const limit = Number(ivpuGetParam(t.sys, first, DRM_IVPU_PARAM_NUM_CONTEXTS));
  const fds: number[] = [];
  t.defer(() => {
    for (const fd of fds) t.sys.close(fd);
  });
  let failure = 'none';
  for (let i = 0; i < limit + 1; i++) {
    try {
      fds.push(t.sys.open(t.dev.info.devnode, O_RDWR | O_CLOEXEC));
    } catch (e) {
      failure = isSysError(e) ? e.code : String(e);
      break;
    }
  }
  t.log(`NUM_CONTEXTS ${limit}: ${fds.length + 1} files open before the refusal (${failure})`);
  checkEq(failure, 'EMFILE', `the open past this uid's ${limit} contexts`);
  check(fds.length + 1 <= limit, `${fds.length + 1} files open, above NUM_CONTEXTS ${limit}`);
  t.sys.close(fds.pop() as number);
  fds.push(must('an open after a close made room', () => t.sys.open(t.dev.info.devnode, O_RDWR | O_CLOEXEC)));
});

const badReexportImported = subtest({
  name: 'bad-reexport-imported',
  description: 'a PRIME import is a new BO in the importer\'s context; exporting it again is EOPNOTSUPP',
  reference: 'drivers/accel/ivpu/ivpu_gem.c: ivpu_gem_prime_import; ivpu_drv.c: ivpu_gem_prime_handle_to_fd',
  requires: ['prime'],
}, (t: TestContext): void => {
  needIvpu(t);
  const a = openFile(t);
  const b = openFile(t);
  const base = ivpuGetParam(t.sys, b, DRM_IVPU_PARAM_CONTEXT_BASE_ADDRESS);
  const x = ivpuBoCreate(t.sys, a, 8192);
  ivpuBoCreate(t.sys, a, 4096);
  const dmabuf = primeExport(t.sys, a, x.handle);
  t.defer(() => t.sys.close(dmabuf));
  const h = primeImport(t.sys, b, dmabuf);
  // ivpu_gem_prime_import makes a new BO; its gem open places it in the importer's context.
  checkEq(ivpuBoInfo(t.sys, b, h).vpu_addr, base, 'vpu_addr of the import in a fresh file');
  checkEq(ivpuBoInfo(t.sys, b, h).size, 8192n, 'size of the import');
  doIoctlErr(t.sys, b, DRM_IOCTL_PRIME_HANDLE_TO_FD, drm_prime_handle.encode({ handle: h, flags: DRM_CLOEXEC | DRM_RDWR }), 'EOPNOTSUPP');
});

const faultKillsOnlyContext = subtest({
  name: 'fault-kills-only-context',
  description: 'an MMU fault aborts the faulting context\'s job, makes its SUBMIT EBADFD, and no other context\'s job nor a device reset',
  reference: 'drivers/accel/ivpu/ivpu_mmu.c: ivpu_mmu_irq_evtq_handler; ivpu_job.c: ivpu_context_abort_work_fn, ivpu_submit_ioctl',
  destructive: true,
}, async (t: TestContext): Promise<void> => {
  needSimFirmware(t, 'a faulting job');
  const bad = openFile(t);
  const good = openFile(t);
  const resets = debugfsCounter(t.sys, bad, 'reset_counter');
  const fault = cmdBuffer(t.sys, bad, SIM_FW_MMU_FAULT);
  const innocent = cmdBuffer(t.sys, good, SIM_FW_NOP);
  // The innocent job is queued behind the faulting one: a device-wide reset would abort it.
  ivpuSubmit(t.sys, bad, [fault]);
  ivpuSubmit(t.sys, good, [innocent]);
  checkEq(await ivpuBoWait(t.sys, bad, fault, deadlineIn(t.sys, 1000)), DRM_IVPU_JOB_STATUS_ABORTED, 'job_status of the faulting job');
  checkEq(await ivpuBoWait(t.sys, good, innocent, deadlineIn(t.sys, 1000)), DRM_IVPU_JOB_STATUS_SUCCESS, 'job_status of the other context\'s job');
  expectErrno('EBADFD', () => ivpuSubmit(t.sys, bad, [cmdBuffer(t.sys, bad, SIM_FW_NOP)]), 'SUBMIT on the faulted context');
  checkEq(await submitAndWait(t, good, SIM_FW_NOP, 1000, 'a NOP of the other context'), DRM_IVPU_JOB_STATUS_SUCCESS, 'the other context after the fault');
  if (resets !== null) checkEq(debugfsCounter(t.sys, bad, 'reset_counter'), resets, 'debugfs reset_counter after a context fault');
});

const engineErrorKillsContext = subtest({
  name: 'engine-error-kills-context',
  description: 'under the HW scheduler a job ending in MVNCI_CONTEXT_VIOLATION_HW or PROCESSING_ERR reports that status at once and kills only its context (EBADFD)',
  reference: 'drivers/accel/ivpu/ivpu_job.c: ivpu_job_handle_engine_error, ivpu_context_abort_work_fn, ivpu_job_signal',
  destructive: true,
}, async (t: TestContext): Promise<void> => {
  needSimFirmware(t, 'a job that ends in an engine error');
  const good = openFile(t);
  // ivpu_job_handle_engine_error defers the job to ivpu_context_abort_work_fn, which signals the
  // aborted context's jobs only under the HW scheduler ("goto runtime_put" otherwise): under the OS
  // scheduler the job ends only when the TDR's inference budget runs out and recovery aborts it.
  if (!hwScheduler(t, good)) t.skip('OS scheduler: an engine-error job ends only through the TDR and recovery, not promptly (ivpu_context_abort_work_fn)');
  for (const [word, status, what] of [
    [SIM_FW_CTX_VIOLATION, STATUS_CONTEXT_VIOLATION, 'MVNCI_CONTEXT_VIOLATION_HW'],
    [SIM_FW_PROCESSING_ERR, STATUS_PROCESSING_ERR, 'PROCESSING_ERR'],
  ] as const) {
    const bad = openFile(t);
    checkEq(await submitAndWait(t, bad, word, 1000, `a job ending in ${what}`), status, `job_status of a job ending in ${what}`);
    expectErrno('EBADFD', () => ivpuSubmit(t.sys, bad, [cmdBuffer(t.sys, bad, SIM_FW_NOP)]), `SUBMIT after ${what}`);
    checkEq(await submitAndWait(t, good, SIM_FW_NOP, 1000, 'a NOP of another context'), DRM_IVPU_JOB_STATUS_SUCCESS, `another context after ${what}`);
  }
});

const cmdqDestroyAbortsJobs = subtest({
  name: 'cmdq-destroy-aborts-jobs',
  description: 'CMDQ_DESTROY ends the queue\'s pending job at once with job_status ABORTED; the queue is then gone (EINVAL, ENOENT)',
  reference: 'drivers/accel/ivpu/ivpu_job.c: ivpu_cmdq_destroy_ioctl, ivpu_cmdq_abort_all_jobs',
  destructive: true,
}, async (t: TestContext): Promise<void> => {
  needSimFirmware(t, 'a job that stays pending');
  const fd = openFile(t);
  if (!hwScheduler(t, fd)) t.skip('DRM_IVPU_CAP_MANAGE_CMDQ is 0: explicit command queues need the HW scheduler');
  const q = ivpuCmdqCreate(t.sys, fd);
  expectErrno('ENOENT', () => ivpuCmdqDestroy(t.sys, fd, q + 1), 'CMDQ_DESTROY of an unknown queue');
  const hang = cmdBuffer(t.sys, fd, SIM_FW_HANG);
  ivpuCmdqSubmit(t.sys, fd, q, [hang]);
  await t.sys.sleepMs(1);
  must('CMDQ_DESTROY of the busy queue', () => ivpuCmdqDestroy(t.sys, fd, q));
  // Well before any TDR: the destroy itself must end the job.
  checkEq(await ivpuBoWait(t.sys, fd, hang, deadlineIn(t.sys, 100)), DRM_IVPU_JOB_STATUS_ABORTED, 'job_status of the destroyed queue\'s job');
  expectErrno('EINVAL', () => ivpuCmdqSubmit(t.sys, fd, q, [cmdBuffer(t.sys, fd, SIM_FW_NOP)]), 'CMDQ_SUBMIT to the destroyed queue');
});

/** Deadlines this far apart fall at every point of a 4 ms jiffy (CONFIG_HZ=250) and of shorter ones. */
const WAIT_STEPS_MS = [5.1, 6.3, 7.7, 9.9];

const boWaitTimeout = subtest({
  name: 'bo-wait-timeout',
  description: 'BO_WAIT on a busy BO never gives up before its absolute timeout_ns, and leaves job_status untouched on ETIMEDOUT',
  reference: 'drivers/accel/ivpu/ivpu_gem.c: ivpu_bo_wait_ioctl (the extra jiffy); drivers/gpu/drm/drm_syncobj.c: drm_timeout_abs_to_jiffies',
  destructive: true,
  requires: ['job-timeout'],
  timeoutMs: 60_000,
}, async (t: TestContext): Promise<void> => {
  needSimFirmware(t, 'a job that stays busy');
  const timeout = t.jobTimeoutMs ?? 4000;
  const fd = openFile(t);
  const hang = cmdBuffer(t.sys, fd, SIM_FW_HANG);
  ivpuSubmit(t.sys, fd, [hang]);
  for (let i = 0; i < 4 * WAIT_STEPS_MS.length; i++) {
    await t.sys.sleepMs(1 + (i % 4));
    const deadline = deadlineIn(t.sys, WAIT_STEPS_MS[i % WAIT_STEPS_MS.length] as number);
    const arg = drm_ivpu_bo_wait.encode({ handle: hang, timeout_ns: deadline, job_status: 0x77 });
    const errno = await t.sys.ioctlAsync(fd, DRM_IOCTL_IVPU_BO_WAIT.request, arg).then(
      () => 'ok',
      (e: unknown) => (isSysError(e) ? e.code : String(e)),
    );
    const now = t.sys.monotonicNs();
    checkEq(errno, 'ETIMEDOUT', `BO_WAIT #${i + 1} on the busy command buffer`);
    check(now >= deadline, `BO_WAIT #${i + 1} gave up ${Number(deadline - now) / 1e6} ms before its timeout_ns`);
    checkEq(drm_ivpu_bo_wait.decode(arg).job_status, 0x77, `job_status after ETIMEDOUT #${i + 1}`);
  }
  // Leave no hung engine behind: the TDR ends the job.
  checkEq(await ivpuBoWait(t.sys, fd, hang, deadlineIn(t.sys, timeout * 3)), DRM_IVPU_JOB_STATUS_ABORTED, 'job_status of the hung job after the TDR');
});

const hangKillsContext = subtest({
  name: 'hang-kills-context',
  description: 'a hung job is ABORTED by the heartbeat TDR and counted in debugfs; under the HW scheduler its context is dead (EBADFD); others run on',
  reference: 'drivers/accel/ivpu/ivpu_pm.c: ivpu_job_timeout_work, ivpu_pm_recovery_work; ivpu_job.c: reset_engine_and_mark_faulty_contexts',
  destructive: true,
  requires: ['job-timeout'],
  timeoutMs: 60_000,
}, async (t: TestContext): Promise<void> => {
  needSimFirmware(t, 'a hanging job');
  const timeout = t.jobTimeoutMs ?? 4000;
  const fd = openFile(t);
  const other = openFile(t);
  const hw = hwScheduler(t, fd);
  const counter = hw ? 'engine_reset_counter' : 'reset_counter';
  const before = debugfsCounter(t.sys, fd, counter);
  const status = await submitAndWait(t, fd, SIM_FW_HANG, timeout * 3, 'a hanging job');
  checkEq(status, DRM_IVPU_JOB_STATUS_ABORTED, 'job_status of the hung job');
  if (before !== null) checkEq(debugfsCounter(t.sys, fd, counter), before + 1, `debugfs ${counter} after the hang`);
  if (hw) {
    expectErrno('EBADFD', () => ivpuSubmit(t.sys, fd, [cmdBuffer(t.sys, fd, SIM_FW_NOP)]), 'SUBMIT on the context that hung (HW scheduler)');
  }
  checkEq(await submitAndWait(t, other, SIM_FW_NOP, 1000, 'a NOP of another context'), DRM_IVPU_JOB_STATUS_SUCCESS, 'another context after the hang');
});

export const IVPU_FAMILY = defineFamily('ivpu', 'intel_vpu: per-file MMU contexts and their limit, BO ioctl errnos, context death after faults, hangs and engine errors', [
  basicParams,
  badBoCreate,
  badBoLookup,
  badSubmit,
  basicCapabilities,
  badUserptr,
  badMetricStreamer,
  contextAddressSpace,
  badContextLimit,
  badReexportImported,
  faultKillsOnlyContext,
  engineErrorKillsContext,
  cmdqDestroyAbortsJobs,
  boWaitTimeout,
  hangKillsContext,
], { drivers: [IVPU_DRIVER] });
