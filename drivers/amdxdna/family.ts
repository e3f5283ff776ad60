/**
 * accel@amdxdna@...: rules only the AMD XDNA driver has, like IGT's
 * per-driver binaries: the per-file device heap that DEV BOs live in, hardware
 * contexts per file with a timeline syncobj whose point is the command's
 * sequence number, the command state the driver writes into the command BO
 * (COMPLETED, TIMEOUT for the command the TDR caught, ABORT for the ones a
 * reset or a teardown canceled), PRIME import making new objects, and the
 * argument checks of every ioctl (drivers/accel/amdxdna, read at 7.3).
 */
import { check, checkEq, doIoctlErr, doIoctlErrAsync, expectErrno, must, mustAsync } from '../../harness/testing/assert';
import { defineFamily, type Subtest, type TestContext, subtest } from '../../harness/testing/define';
import { MAP_SHARED, PROT_READ, PROT_WRITE } from '../../harness/sys/constants';
import type { Mapping, Sys } from '../../harness/sys/types';
import {
  DRM_CLOEXEC,
  DRM_CORE_IOCTLS,
  DRM_IOCTL_GEM_CLOSE,
  DRM_IOCTL_PRIME_FD_TO_HANDLE,
  DRM_IOCTL_PRIME_HANDLE_TO_FD,
  DRM_IOCTL_SYNCOBJ_DESTROY,
  DRM_RDWR,
  drm_gem_close,
  drm_prime_handle,
  drm_syncobj_destroy,
  drm_syncobj_timeline_wait,
} from '../../harness/uapi/drm';
import { amdxdnaJobImages, type XdnaJobKind } from './images';
import {
  AIE2_HEAP_SIZE,
  ERT_CMD_STATE_ABORT,
  ERT_CMD_STATE_COMPLETED,
  ERT_CMD_STATE_TIMEOUT,
  boInfo,
  cmdState,
  createBo,
  createHwctx,
  destroyHwctx,
  execCmd,
  setUpFile,
  waitSeqAsync,
  writeStartCu,
  type FileSetup,
} from './lib';
import { AMDXDNA_DRIVER } from './profile';
import {
  AMDXDNA_BO_CMD,
  AMDXDNA_BO_DEV,
  AMDXDNA_BO_DEV_HEAP,
  AMDXDNA_BO_SHARE,
  AMDXDNA_INVALID_ADDR,
  AMDXDNA_INVALID_DOORBELL_OFFSET,
  AMDXDNA_IOCTL,
  DRM_AMDXDNA_BO_USAGE,
  DRM_AMDXDNA_HWCTX_CONFIG_CU,
  DRM_AMDXDNA_SET_POWER_MODE,
  SYNC_DIRECT_FROM_DEVICE,
  SYNC_DIRECT_TO_DEVICE,
  amdxdna_cu_config,
  amdxdna_drm_bo_usage,
  amdxdna_drm_config_hwctx,
  amdxdna_drm_create_bo,
  amdxdna_drm_create_hwctx,
  amdxdna_drm_destroy_hwctx,
  amdxdna_drm_exec_cmd,
  amdxdna_drm_get_array,
  amdxdna_drm_set_state,
  amdxdna_drm_sync_bo,
  amdxdna_drm_wait_cmd,
  amdxdna_hwctx_param_config_cu,
  amdxdna_qos_info,
} from './uapi';

const REF = 'drivers/accel/amdxdna';
const PAGE = 4096;
/** AIE2_DEVM_BASE (aie2_pci.h): a file's first heap starts there. */
const DEVM_BASE = 0x4000000n;
/** dev_mem_buf_shift 15 (npu1..6_regs.c): DEV BOs are 32 KiB aligned. */
const DEV_BO_ALIGN = 0x8000n;

/** Opens the device, skipping on any other driver. */
function openXdna(t: TestContext): number {
  if (t.dev.profile.driver !== AMDXDNA_DRIVER) t.skip(`an amdxdna rule; ${t.dev.label} is driven by ${t.dev.profile.driver}`);
  return t.open();
}

function gemClose(sys: Sys, fd: number, handle: number): void {
  sys.ioctl(fd, DRM_IOCTL_GEM_CLOSE, drm_gem_close.encode({ handle }));
}

/** A mapped heap: DEV BOs and contexts need one. */
function mappedHeap(t: TestContext, fd: number): { handle: number; map: Mapping } {
  const handle = createBo(t.sys, fd, AIE2_HEAP_SIZE, AMDXDNA_BO_DEV_HEAP);
  const map = t.sys.mmap(fd, AIE2_HEAP_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, boInfo(t.sys, fd, handle).mapOffset);
  t.defer(() => t.sys.munmap(map));
  return { handle, map };
}

/** The file set up for commands with the CUs the adapter options (or the model) give; skips, saying why, without the ones needed. */
function setUpCommands(t: TestContext, fd: number, needed: readonly XdnaJobKind[]): FileSetup {
  const images = amdxdnaJobImages(t.sys);
  for (const k of needed) {
    if (!images.cus[k]) t.skip(images.missing[k] ?? `no ${k} kernel`);
  }
  const s = setUpFile(t.sys, fd, needed.flatMap((k) => images.cus[k] ?? []), images.shape);
  t.defer(() => t.sys.munmap(s.heapMap));
  return s;
}

/** A CMD BO holding ERT_START_CU for `cu`, mapped. */
function startCuBo(t: TestContext, fd: number, cu: number): { handle: number; map: Mapping } {
  const handle = createBo(t.sys, fd, PAGE, AMDXDNA_BO_CMD);
  const map = t.sys.mmap(fd, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, boInfo(t.sys, fd, handle).mapOffset);
  t.defer(() => t.sys.munmap(map));
  writeStartCu(map.bytes, cu);
  return { handle, map };
}

function waitSeq(t: TestContext, fd: number, syncobj: number, seq: bigint, ms: number): Promise<number> {
  return mustAsync(`SYNCOBJ_TIMELINE_WAIT for point ${seq}`, () => waitSeqAsync(t.sys, fd, syncobj, seq, t.sys.monotonicNs() + BigInt(ms) * 1_000_000n));
}

const STATE_NAMES: Record<number, string> = { 1: 'NEW', 4: 'COMPLETED', 5: 'ERROR', 6: 'ABORT', 8: 'TIMEOUT' };
const stateName = (s: number): string => STATE_NAMES[s] ?? `state ${s}`;

const basicHeapDevBo = subtest({
  name: 'basic-heap-dev-bo',
  description: 'a file\'s first heap sits at AIE2_DEVM_BASE; DEV BOs need it mapped (EAGAIN before), sit 32 KiB aligned inside it, at its user address plus their offset, and have no mmap offset',
  reference: `${REF}/amdxdna_gem.c amdxdna_drm_create_dev_heap_bo, amdxdna_gem_heap_alloc, amdxdna_init_dev_bo, amdxdna_drm_get_bo_info_ioctl`,
}, (t: TestContext): void => {
  const fd = openXdna(t);
  const heap = createBo(t.sys, fd, AIE2_HEAP_SIZE, AMDXDNA_BO_DEV_HEAP);
  const info = boInfo(t.sys, fd, heap);
  checkEq(info.xdnaAddr, DEVM_BASE, 'device address of a file\'s first heap');
  checkEq(info.vaddr, AMDXDNA_INVALID_ADDR, 'user address of a heap nobody mapped');
  check(info.mapOffset !== AMDXDNA_INVALID_ADDR && info.mapOffset !== 0n, `the heap has an mmap offset (${info.mapOffset})`);
  // amdxdna_init_dev_bo: a DEV BO's user address is inside the heap mapping; no mapping, EAGAIN.
  doIoctlErr(t.sys, fd, AMDXDNA_IOCTL.CREATE_BO.request, amdxdna_drm_create_bo.encode({ size: 4096n, type: AMDXDNA_BO_DEV }), 'EAGAIN');
  const map = t.sys.mmap(fd, AIE2_HEAP_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, info.mapOffset);
  t.defer(() => t.sys.munmap(map));
  checkEq(boInfo(t.sys, fd, heap).vaddr, map.address, 'the heap\'s user address once mapped');
  const a = boInfo(t.sys, fd, createBo(t.sys, fd, 4096, AMDXDNA_BO_DEV));
  const b = boInfo(t.sys, fd, createBo(t.sys, fd, 100, AMDXDNA_BO_DEV));
  checkEq(a.mapOffset, AMDXDNA_INVALID_ADDR, 'mmap offset of a DEV BO (it cannot be mapped)');
  check(a.xdnaAddr >= DEVM_BASE && a.xdnaAddr < DEVM_BASE + BigInt(AIE2_HEAP_SIZE), `DEV BO address 0x${a.xdnaAddr.toString(16)} inside the heap`);
  checkEq(a.xdnaAddr % DEV_BO_ALIGN, 0n, 'DEV BO address modulo 32 KiB');
  checkEq(b.xdnaAddr % DEV_BO_ALIGN, 0n, 'second DEV BO address modulo 32 KiB');
  check(a.xdnaAddr !== b.xdnaAddr, 'two DEV BOs share no address');
  checkEq(a.vaddr - map.address, a.xdnaAddr - DEVM_BASE, 'a DEV BO\'s user address is its heap offset in the heap mapping');
});

const badCreateBo = subtest({
  name: 'bad-create-bo',
  description: 'CREATE_BO refuses flags, unknown types, size 0 and heaps not in 64 MiB units with EINVAL, a DEV BO with no heap with EAGAIN, and leaves no handle',
  reference: `${REF}/amdxdna_gem.c amdxdna_drm_create_bo_ioctl, amdxdna_drm_create_dev_heap_bo, amdxdna_init_dev_bo`,
}, (t: TestContext): void => {
  const fd = openXdna(t);
  const create = (fields: Partial<ReturnType<typeof amdxdna_drm_create_bo.decode>>): Buffer => amdxdna_drm_create_bo.encode(fields);
  const req = AMDXDNA_IOCTL.CREATE_BO.request;
  doIoctlErr(t.sys, fd, req, create({ size: 4096n, type: AMDXDNA_BO_SHARE, flags: 1n }), 'EINVAL');
  doIoctlErr(t.sys, fd, req, create({ size: 4096n, type: 0 }), 'EINVAL');
  doIoctlErr(t.sys, fd, req, create({ size: 4096n, type: 5 }), 'EINVAL');
  doIoctlErr(t.sys, fd, req, create({ size: 0n, type: AMDXDNA_BO_SHARE }), 'EINVAL');
  // A heap is whole 64 MiB units (dev_mem_size).
  doIoctlErr(t.sys, fd, req, create({ size: BigInt(AIE2_HEAP_SIZE / 2), type: AMDXDNA_BO_DEV_HEAP }), 'EINVAL');
  doIoctlErr(t.sys, fd, req, create({ size: 0n, type: AMDXDNA_BO_DEV_HEAP }), 'EINVAL');
  // No heap: a DEV BO has nowhere to live.
  doIoctlErr(t.sys, fd, req, create({ size: 4096n, type: AMDXDNA_BO_DEV }), 'EAGAIN');
  expectErrno('EINVAL', () => gemClose(t.sys, fd, 1), 'GEM_CLOSE of handle 1: no failed CREATE_BO left a handle');
});

const badHwctxArgs = subtest({
  name: 'bad-hwctx-args',
  description: 'CREATE_HWCTX: EINVAL for ext, EFAULT for no QoS, ENOENT with no heap, EINVAL for a tile count that makes no column; contexts are per file: another file\'s handle is EINVAL everywhere',
  reference: `${REF}/amdxdna_ctx.c amdxdna_drm_create_hwctx_ioctl, amdxdna_drm_destroy_hwctx_ioctl, amdxdna_cmd_submit, aie2_ctx.c aie2_hwctx_init, aie2_hwctx_col_list`,
}, (t: TestContext): void => {
  const fd = openXdna(t);
  const req = AMDXDNA_IOCTL.CREATE_HWCTX.request;
  const qos = t.sys.alloc(amdxdna_qos_info.size);
  t.defer(() => t.sys.free(qos));
  const args = (f: Partial<ReturnType<typeof amdxdna_drm_create_hwctx.decode>>): Buffer =>
    amdxdna_drm_create_hwctx.encode({ qos_p: qos.address, num_tiles: 4, ...f });
  doIoctlErr(t.sys, fd, req, args({ ext: 1n }), 'EINVAL');
  doIoctlErr(t.sys, fd, req, args({ qos_p: 0n }), 'EFAULT');
  // aie2_hwctx_init: the file's heap 0 first.
  doIoctlErr(t.sys, fd, req, args({}), 'ENOENT');
  mappedHeap(t, fd);
  doIoctlErr(t.sys, fd, req, args({ num_tiles: 0 }), 'EINVAL');
  // Fewer tiles than a column's core rows is no column; more columns than the array has is none either.
  doIoctlErr(t.sys, fd, req, args({ num_tiles: 1 }), 'EINVAL');
  doIoctlErr(t.sys, fd, req, args({ num_tiles: 4 * 1024 }), 'EINVAL');
  const mine = createHwctx(t.sys, fd);
  // Contexts are per file (client->hwctx_xa): another file's handle names nothing there.
  const other = t.open();
  mappedHeap(t, other);
  const cmd = createBo(t.sys, other, PAGE, AMDXDNA_BO_CMD);
  doIoctlErr(t.sys, other, AMDXDNA_IOCTL.EXEC_CMD.request, amdxdna_drm_exec_cmd.encode({ hwctx: mine.handle, cmd_handles: BigInt(cmd), cmd_count: 1 }), 'EINVAL');
  doIoctlErr(t.sys, other, AMDXDNA_IOCTL.DESTROY_HWCTX.request, amdxdna_drm_destroy_hwctx.encode({ handle: mine.handle }), 'EINVAL');
  doIoctlErr(t.sys, fd, AMDXDNA_IOCTL.DESTROY_HWCTX.request, amdxdna_drm_destroy_hwctx.encode({ handle: mine.handle, pad: 1 }), 'EINVAL');
  doIoctlErr(t.sys, fd, AMDXDNA_IOCTL.DESTROY_HWCTX.request, amdxdna_drm_destroy_hwctx.encode({ handle: mine.handle + 1 }), 'EINVAL');
  must('DESTROY_HWCTX of the file\'s own context', () => destroyHwctx(t.sys, fd, mine.handle));
});

const basicHwctxIds = subtest({
  name: 'basic-hwctx-ids',
  description: 'context handles go round from 1 (xa_alloc_cyclic), each context has its own syncobj handle that stays the file\'s after the context is gone, and AIE2 contexts have no doorbell',
  reference: `${REF}/amdxdna_ctx.c amdxdna_drm_create_hwctx_ioctl, aie2_ctx.c aie2_ctx_syncobj_create, aie2_ctx_syncobj_destroy`,
}, (t: TestContext): void => {
  const fd = openXdna(t);
  mappedHeap(t, fd);
  const a = createHwctx(t.sys, fd);
  const b = createHwctx(t.sys, fd);
  checkEq(a.handle, 1, 'first context handle of a file');
  checkEq(b.handle, 2, 'second context handle');
  check(a.syncobj !== 0 && b.syncobj !== 0 && a.syncobj !== b.syncobj, `each context has its own syncobj (${a.syncobj}, ${b.syncobj})`);
  destroyHwctx(t.sys, fd, a.handle);
  // xa_alloc_cyclic: a freed id is not reused before the others went round.
  checkEq(createHwctx(t.sys, fd).handle, 3, 'context handle after destroying context 1');
  // The syncobj handle is the file's (aie2_ctx_syncobj_destroy only drops the driver's reference).
  must('SYNCOBJ_DESTROY of a destroyed context\'s syncobj handle', () =>
    t.sys.ioctl(fd, DRM_IOCTL_SYNCOBJ_DESTROY, drm_syncobj_destroy.encode({ handle: a.syncobj })));
  const arg = amdxdna_drm_create_hwctx.encode({});
  const qos = t.sys.alloc(amdxdna_qos_info.size);
  t.defer(() => t.sys.free(qos));
  amdxdna_drm_create_hwctx.write(arg, 0, { ...amdxdna_drm_create_hwctx.decode(arg), qos_p: qos.address, num_tiles: 4 });
  t.sys.ioctl(fd, AMDXDNA_IOCTL.CREATE_HWCTX.request, arg);
  checkEq(amdxdna_drm_create_hwctx.decode(arg).umq_doorbell, AMDXDNA_INVALID_DOORBELL_OFFSET, 'umq_doorbell of a kernel-queue (AIE2) context');
});

const badConfigCu = subtest({
  name: 'bad-config-cu',
  description: 'CONFIG_HWCTX(CONFIG_CU): E2BIG above a page, EINVAL for an unknown type or context, pad, no CUs, a short buffer, a CU BO that is not a DEV BO, and a second configuration',
  reference: `${REF}/amdxdna_ctx.c amdxdna_drm_config_hwctx_ioctl, aie2_ctx.c aie2_hwctx_cu_config, aie2_message.c aie2_config_cu`,
}, (t: TestContext): void => {
  const fd = openXdna(t);
  const heap = mappedHeap(t, fd);
  const ctx = createHwctx(t.sys, fd);
  const share = createBo(t.sys, fd, PAGE, AMDXDNA_BO_SHARE);
  const dev = createBo(t.sys, fd, PAGE, AMDXDNA_BO_DEV);
  void heap;
  const mem = t.sys.alloc(PAGE * 2);
  t.defer(() => t.sys.free(mem));
  const config = (cus: readonly number[], opts: { num?: number; size?: number; type?: number; handle?: number; pad?: number } = {}): Buffer => {
    const cfg = Buffer.concat([
      amdxdna_hwctx_param_config_cu.encode({ num_cus: opts.num ?? cus.length, pad: [opts.pad ?? 0, 0, 0] }),
      ...cus.map((cu_bo) => amdxdna_cu_config.encode({ cu_bo })),
    ]);
    cfg.copy(mem.bytes);
    return amdxdna_drm_config_hwctx.encode({
      handle: opts.handle ?? ctx.handle,
      param_type: opts.type ?? DRM_AMDXDNA_HWCTX_CONFIG_CU,
      param_val: mem.address,
      param_val_size: opts.size ?? cfg.length,
    });
  };
  const req = AMDXDNA_IOCTL.CONFIG_HWCTX.request;
  doIoctlErr(t.sys, fd, req, config([dev], { size: PAGE + 1 }), 'E2BIG');
  doIoctlErr(t.sys, fd, req, config([dev], { type: 7 }), 'EINVAL');
  doIoctlErr(t.sys, fd, req, config([dev], { handle: ctx.handle + 1 }), 'EINVAL');
  doIoctlErr(t.sys, fd, req, config([dev], { pad: 1 }), 'EINVAL');
  doIoctlErr(t.sys, fd, req, config([], { num: 0 }), 'EINVAL');
  doIoctlErr(t.sys, fd, req, config([dev], { num: 2 }), 'EINVAL');
  // The CU's PDI lives in the device heap: a SHARE BO (or no BO) is refused.
  doIoctlErr(t.sys, fd, req, config([share]), 'EINVAL');
  doIoctlErr(t.sys, fd, req, config([dev + share + 10]), 'EINVAL');
  must('CONFIG_CU with one DEV BO', () => t.sys.ioctl(fd, req, config([dev])));
  doIoctlErr(t.sys, fd, req, config([dev]), 'EINVAL');
});

const badSyncBo = subtest({
  name: 'bad-sync-bo',
  description: 'SYNC_BO: ENOENT for an unknown handle, EINVAL for an offset at or past the end or an overflowing range (a long range is clamped), EINVAL for FROM_DEVICE on a BO that is no context\'s debug BO',
  reference: `${REF}/amdxdna_gem.c amdxdna_drm_sync_bo_ioctl, amdxdna_flush_bo, amdxdna_ctx.c amdxdna_hwctx_sync_debug_bo`,
}, (t: TestContext): void => {
  const fd = openXdna(t);
  const bo = createBo(t.sys, fd, 2 * PAGE, AMDXDNA_BO_SHARE);
  const req = AMDXDNA_IOCTL.SYNC_BO.request;
  const sync = (f: Partial<ReturnType<typeof amdxdna_drm_sync_bo.decode>>): Buffer => amdxdna_drm_sync_bo.encode({ handle: bo, size: 4096n, ...f });
  must('SYNC_BO TO_DEVICE of the first page', () => t.sys.ioctl(fd, req, sync({ direction: SYNC_DIRECT_TO_DEVICE })));
  must('SYNC_BO past the end is clamped to the BO', () => t.sys.ioctl(fd, req, sync({ offset: 4096n, size: 1n << 40n })));
  doIoctlErr(t.sys, fd, req, sync({ handle: bo + 1 }), 'ENOENT');
  doIoctlErr(t.sys, fd, req, sync({ offset: BigInt(2 * PAGE) }), 'EINVAL');
  doIoctlErr(t.sys, fd, req, sync({ offset: 1n, size: (1n << 64n) - 1n }), 'EINVAL');
  // FROM_DEVICE syncs the firmware's debug buffer: a BO assigned to no context as debug BO has none.
  doIoctlErr(t.sys, fd, req, sync({ direction: SYNC_DIRECT_FROM_DEVICE }), 'EINVAL');
});

const badExecCmd = subtest({
  name: 'bad-exec-cmd',
  description: 'EXEC_CMD refuses ext, other command types, more than 4095 arguments, a command count other than 1, no or a non-SHARE command BO and an unknown context (EINVAL), unknown argument BOs (ENOENT), and leaves seq untouched',
  reference: `${REF}/amdxdna_ctx.c amdxdna_drm_submit_cmd_ioctl, amdxdna_drm_submit_execbuf, amdxdna_cmd_submit ("reject user command submission without a command BO")`,
}, (t: TestContext): void => {
  const fd = openXdna(t);
  mappedHeap(t, fd);
  const ctx = createHwctx(t.sys, fd);
  const cmd = createBo(t.sys, fd, PAGE, AMDXDNA_BO_CMD);
  const dev = createBo(t.sys, fd, PAGE, AMDXDNA_BO_DEV);
  const argMem = t.sys.alloc(8);
  t.defer(() => t.sys.free(argMem));
  argMem.bytes.writeUInt32LE(cmd + dev + 10, 0);
  const req = AMDXDNA_IOCTL.EXEC_CMD.request;
  const exec = (f: Partial<ReturnType<typeof amdxdna_drm_exec_cmd.decode>>): Buffer =>
    amdxdna_drm_exec_cmd.encode({ hwctx: ctx.handle, cmd_handles: BigInt(cmd), cmd_count: 1, seq: 0x1234n, ...f });
  const refused = (f: Partial<ReturnType<typeof amdxdna_drm_exec_cmd.decode>>, errno: 'EINVAL' | 'ENOENT' | 'EFAULT', what: string): void => {
    const arg = exec(f);
    doIoctlErr(t.sys, fd, req, arg, errno);
    checkEq(amdxdna_drm_exec_cmd.decode(arg).seq, 0x1234n, `seq after a refused EXEC_CMD (${what})`);
  };
  refused({ ext: 1n }, 'EINVAL', 'ext');
  refused({ type: 1 }, 'EINVAL', 'a DEPENDENCY command');
  refused({ arg_count: 4096, args: argMem.address }, 'EINVAL', 'arg_count above 4095');
  refused({ cmd_count: 0 }, 'EINVAL', 'cmd_count 0');
  refused({ cmd_count: 2 }, 'EINVAL', 'cmd_count 2');
  refused({ cmd_handles: 0n }, 'EINVAL', 'no command BO');
  refused({ cmd_handles: BigInt(cmd + dev + 10) }, 'EINVAL', 'an unknown command BO');
  refused({ cmd_handles: BigInt(dev) }, 'EINVAL', 'a DEV BO as command BO');
  refused({ arg_count: 1, args: 8n }, 'EFAULT', 'an unreadable argument array');
  refused({ arg_count: 1, args: argMem.address }, 'ENOENT', 'an unknown argument BO');
  refused({ hwctx: ctx.handle + 1 }, 'EINVAL', 'an unknown context');
});

const badWaitCmd = subtest({
  name: 'bad-wait-cmd',
  description: 'WAIT_CMD does not wait on AIE2 devices (EOPNOTSUPP, no cmd_wait op) and refuses an unknown context on AIE4 (EINVAL): commands are waited for on the context\'s syncobj',
  reference: `${REF}/amdxdna_ctx.c amdxdna_drm_wait_cmd_ioctl, aie2_pci.c aie2_ops, aie4_pci.c aie4_vf_ops`,
}, async (t: TestContext): Promise<void> => {
  const fd = openXdna(t);
  // AIE2 devices have no cmd_wait op (aie2_ops): EOPNOTSUPP before any lookup. AIE4's checks the
  // context first: an unknown one is EINVAL there. Either way nothing is waited for.
  const arg = amdxdna_drm_wait_cmd.encode({ hwctx: 77, timeout: 1, seq: 0n });
  const errno = await t.sys.ioctlAsync(fd, AMDXDNA_IOCTL.WAIT_CMD.request, arg).then(
    () => 'success',
    (e: unknown) => (e as { code?: string }).code ?? String(e),
  );
  t.log(`WAIT_CMD on context 77: ${errno}`);
  check(errno === 'EOPNOTSUPP' || errno === 'EINVAL', `WAIT_CMD on an unknown context gave ${errno}, not EOPNOTSUPP (AIE2) or EINVAL (AIE4)`);
});

const basicExecSeq = subtest({
  name: 'basic-exec-seq',
  description: 'a context\'s commands get sequence numbers 0, 1, 2, ...; point seq of its syncobj signals when command seq ended, with COMPLETED in its header; an unsubmitted point is EINVAL to wait for',
  reference: `${REF}/aie2_ctx.c aie2_cmd_submit (drm_syncobj_add_point), aie2_sched_cmdlist_resp_handler, drivers/gpu/drm/drm_syncobj.c drm_syncobj_timeline_wait_ioctl`,
  requires: ['jobs'],
}, async (t: TestContext): Promise<void> => {
  const fd = openXdna(t);
  const s = setUpCommands(t, fd, ['nop']);
  const cmds = [0, 1, 2].map(() => startCuBo(t, fd, s.cu.nop as number));
  const seqs = cmds.map((c) => execCmd(t.sys, fd, s.hwctx.handle, c.handle));
  checkEq(seqs.join(), '0,1,2', 'sequence numbers of a context\'s first three commands');
  // A point nobody submitted: without WAIT_FOR_SUBMIT the wait is refused at once.
  const mem = t.sys.alloc(16);
  t.defer(() => t.sys.free(mem));
  mem.bytes.writeUInt32LE(s.hwctx.syncobj, 0);
  mem.bytes.writeBigUInt64LE(9n, 8);
  await doIoctlErrAsync(t.sys, fd, DRM_CORE_IOCTLS.SYNCOBJ_TIMELINE_WAIT.request,
    drm_syncobj_timeline_wait.encode({ handles: mem.address, points: mem.address + 8n, count_handles: 1, timeout_nsec: 0n }), 'EINVAL');
  await waitSeq(t, fd, s.hwctx.syncobj, 2n, 5000);
  for (let i = 0; i < cmds.length; i++) {
    checkEq(stateName(cmdState((cmds[i] as { map: Mapping }).map.bytes)), 'COMPLETED', `state of command ${i} once point 2 signalled`);
  }
});

const hangTimeoutState = subtest({
  name: 'hang-timeout-state',
  description: 'the TDR marks the command that hung TIMEOUT and the one behind it ABORT, no earlier than tdr_timeout_ms; the restarted context runs the next command',
  reference: `${REF}/aie2_ctx.c aie2_sched_job_timedout, aie2_set_cmd_timeout, aie2_hwctx_restart ("Fix incorrect command state for timed out job", stable 6.17.13)`,
  destructive: true,
  requires: ['job-timeout', 'jobs.hang', 'jobs'],
}, async (t: TestContext): Promise<void> => {
  const fd = openXdna(t);
  const tdr = t.jobTimeoutMs;
  if (tdr === null) t.skip('the TDR is disabled (tdr_timeout_ms=0)');
  const s = setUpCommands(t, fd, ['nop', 'hang']);
  const hang = startCuBo(t, fd, s.cu.hang as number);
  const behind = startCuBo(t, fd, s.cu.nop as number);
  const t0 = t.sys.monotonicNs();
  execCmd(t.sys, fd, s.hwctx.handle, hang.handle);
  const seq = execCmd(t.sys, fd, s.hwctx.handle, behind.handle);
  await waitSeq(t, fd, s.hwctx.syncobj, seq, tdr * 3);
  const ms = Number(t.sys.monotonicNs() - t0) / 1e6;
  t.log(`both commands ended ${ms.toFixed(3)} ms after submission (TDR ${tdr} ms)`);
  checkEq(stateName(cmdState(hang.map.bytes)), stateName(ERT_CMD_STATE_TIMEOUT), 'state of the command the TDR caught');
  checkEq(stateName(cmdState(behind.map.bytes)), stateName(ERT_CMD_STATE_ABORT), 'state of the command the reset canceled behind it');
  check(ms >= tdr, `the hang ended after ${ms.toFixed(3)} ms, before the ${tdr} ms TDR`);
  // aie2_hwctx_restart: the context works again.
  const after = startCuBo(t, fd, s.cu.nop as number);
  await waitSeq(t, fd, s.hwctx.syncobj, execCmd(t.sys, fd, s.hwctx.handle, after.handle), 5000);
  checkEq(stateName(cmdState(after.map.bytes)), stateName(ERT_CMD_STATE_COMPLETED), 'state of a command after the context restarted');
});

const destroyAbortsPending = subtest({
  name: 'destroy-aborts-pending',
  description: 'DESTROY_HWCTX with a command that never completes returns (after at most 2 s) with the command marked ABORT, and the handle is gone',
  reference: `${REF}/aie2_ctx.c aie2_hwctx_fini, aie2_hwctx_wait_for_idle, amdxdna_mailbox.c mailbox_release_msg`,
  destructive: true,
  requires: ['jobs.hang'],
}, async (t: TestContext): Promise<void> => {
  const fd = openXdna(t);
  const s = setUpCommands(t, fd, ['hang']);
  const hang = startCuBo(t, fd, s.cu.hang as number);
  execCmd(t.sys, fd, s.hwctx.handle, hang.handle);
  // aie2_hwctx_fini: at most 2 s for the last command, then the firmware context goes and the command with it.
  await mustAsync('DESTROY_HWCTX with a command that never completes', () =>
    t.sys.ioctlAsync(fd, AMDXDNA_IOCTL.DESTROY_HWCTX.request, amdxdna_drm_destroy_hwctx.encode({ handle: s.hwctx.handle })));
  checkEq(stateName(cmdState(hang.map.bytes)), stateName(ERT_CMD_STATE_ABORT), 'state of a command its context\'s teardown canceled');
  doIoctlErr(t.sys, fd, AMDXDNA_IOCTL.EXEC_CMD.request, amdxdna_drm_exec_cmd.encode({ hwctx: s.hwctx.handle, cmd_handles: BigInt(hang.handle), cmd_count: 1 }), 'EINVAL');
});

const basicPrimeImportNewObject = subtest({
  name: 'basic-prime-import-new-object',
  description: 'PRIME import of the driver\'s own dma-buf into another file makes a new object (amdxdna has its own gem_prime_import); the exporting file gets its handle back; a DEV BO cannot be exported (EOPNOTSUPP)',
  reference: `${REF}/amdxdna_gem.c amdxdna_gem_prime_import, amdxdna_gem_dev_obj_export, drivers/gpu/drm/drm_prime.c drm_gem_prime_fd_to_handle`,
  requires: ['prime', 'second-context'],
}, (t: TestContext): void => {
  const fd = openXdna(t);
  const other = t.open();
  const bo = createBo(t.sys, fd, PAGE, AMDXDNA_BO_SHARE);
  const exp = drm_prime_handle.encode({ handle: bo, flags: DRM_CLOEXEC | DRM_RDWR });
  t.sys.ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, exp);
  const dmabuf = drm_prime_handle.decode(exp).fd;
  t.defer(() => t.sys.close(dmabuf));
  const importInto = (f: number): number => {
    const arg = drm_prime_handle.encode({ fd: dmabuf });
    t.sys.ioctl(f, DRM_IOCTL_PRIME_FD_TO_HANDLE, arg);
    return drm_prime_handle.decode(arg).handle;
  };
  checkEq(importInto(fd), bo, 'import into the exporting file (its PRIME cache)');
  const h = importInto(other);
  checkEq(importInto(other), h, 'a second import into the same file (its PRIME cache)');
  // amdxdna_gem_prime_import attaches even its own dma-bufs: a new object with its own mmap offset.
  check(boInfo(t.sys, other, h).mapOffset !== boInfo(t.sys, fd, bo).mapOffset,
    'the importing file got a new object (another mmap offset), not the exporter\'s');
  // A DEV BO is a range of a heap: amdxdna_gem_dev_obj_export refuses it.
  mappedHeap(t, fd);
  const dev = createBo(t.sys, fd, PAGE, AMDXDNA_BO_DEV);
  doIoctlErr(t.sys, fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, drm_prime_handle.encode({ handle: dev, flags: DRM_CLOEXEC | DRM_RDWR }), 'EOPNOTSUPP');
});

const badGetArray = subtest({
  name: 'bad-get-array',
  description: 'GET_ARRAY refuses pad, no elements or element size (EINVAL), BO_USAGE of pid 0 or more than one element (EINVAL), unknown params (EOPNOTSUPP); BO_USAGE counts SHARE and CMD BOs, CMD as internal',
  reference: `${REF}/amdxdna_pci_drv.c amdxdna_drm_get_array_ioctl, aie2_pci.c aie2_get_array, amdxdna_gem.c amdxdna_drm_get_bo_usage, amdxdna_gem_obj_open`,
}, (t: TestContext): void => {
  const fd = openXdna(t);
  const mem = t.sys.alloc(PAGE);
  t.defer(() => t.sys.free(mem));
  const req = AMDXDNA_IOCTL.GET_ARRAY.request;
  const arr = (f: Partial<ReturnType<typeof amdxdna_drm_get_array.decode>>): Buffer =>
    amdxdna_drm_get_array.encode({ param: DRM_AMDXDNA_BO_USAGE, element_size: amdxdna_drm_bo_usage.size, num_element: 1, buffer: mem.address, ...f });
  doIoctlErr(t.sys, fd, req, arr({ pad: 1 }), 'EINVAL');
  doIoctlErr(t.sys, fd, req, arr({ num_element: 0 }), 'EINVAL');
  doIoctlErr(t.sys, fd, req, arr({ element_size: 0 }), 'EINVAL');
  doIoctlErr(t.sys, fd, req, arr({ num_element: 2 }), 'EINVAL');
  amdxdna_drm_bo_usage.encode({ pid: 0n }).copy(mem.bytes);
  doIoctlErr(t.sys, fd, req, arr({}), 'EINVAL');
  doIoctlErr(t.sys, fd, req, arr({ param: 99 }), 'EOPNOTSUPP');
  // BO usage of this process: a 2-page SHARE BO counts as external, a 1-page CMD BO as internal too.
  const usage = (): ReturnType<typeof amdxdna_drm_bo_usage.decode> => {
    amdxdna_drm_bo_usage.encode({ pid: BigInt(t.sys.pid) }).copy(mem.bytes);
    t.sys.ioctl(fd, req, arr({}));
    return amdxdna_drm_bo_usage.decode(Buffer.from(mem.bytes.subarray(0, amdxdna_drm_bo_usage.size)));
  };
  const before = usage();
  createBo(t.sys, fd, 2 * PAGE, AMDXDNA_BO_SHARE);
  createBo(t.sys, fd, PAGE, AMDXDNA_BO_CMD);
  const after = usage();
  checkEq(after.total_usage - before.total_usage, BigInt(3 * PAGE), 'total BO usage grown by a SHARE and a CMD BO');
  checkEq(after.internal_usage - before.internal_usage, BigInt(PAGE), 'internal BO usage grown by the CMD BO');
});

const badSetState = subtest({
  name: 'bad-set-state',
  description: 'SET_STATE is root only (EACCES otherwise); as root an unknown power mode or a non-zero pad is EINVAL and an unknown param EOPNOTSUPP',
  reference: `${REF}/amdxdna_pci_drv.c amdxdna_drm_ioctls (DRM_ROOT_ONLY), aie2_pci.c aie2_set_state, aie2_set_power_mode`,
}, (t: TestContext): void => {
  const fd = openXdna(t);
  const mem = t.sys.alloc(8);
  t.defer(() => t.sys.free(mem));
  const req = AMDXDNA_IOCTL.SET_STATE.request;
  const set = (mode: number, pad = 0): Buffer => {
    mem.bytes.fill(0);
    mem.bytes.writeUInt8(mode, 0);
    mem.bytes.writeUInt8(pad, 1);
    return amdxdna_drm_set_state.encode({ param: DRM_AMDXDNA_SET_POWER_MODE, buffer_size: 8, buffer: mem.address });
  };
  if (t.sys.getuid() !== 0) {
    // DRM_ROOT_ONLY: drm_ioctl_permit refuses everyone but CAP_SYS_ADMIN.
    doIoctlErr(t.sys, fd, req, set(0), 'EACCES');
    return;
  }
  doIoctlErr(t.sys, fd, req, set(5), 'EINVAL');
  doIoctlErr(t.sys, fd, req, set(0, 1), 'EINVAL');
  doIoctlErr(t.sys, fd, req, amdxdna_drm_set_state.encode({ param: 9, buffer: mem.address }), 'EOPNOTSUPP');
});

const SUBTESTS: readonly Subtest[] = [
  basicHeapDevBo,
  badCreateBo,
  badHwctxArgs,
  basicHwctxIds,
  badConfigCu,
  badSyncBo,
  badExecCmd,
  badWaitCmd,
  basicExecSeq,
  hangTimeoutState,
  destroyAbortsPending,
  basicPrimeImportNewObject,
  badGetArray,
  badSetState,
];

export default defineFamily('amdxdna', 'AMD XDNA NPU: device heap and DEV BOs, per-file contexts and their timeline syncobj, command states after TDR and teardown, ioctl argument checks', SUBTESTS, { drivers: [AMDXDNA_DRIVER] });
