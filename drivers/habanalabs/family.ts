/**
 * accel@habanalabs@...: rules only the habanalabs driver has. Every subtest
 * skips, with the reason, on a device of another driver; the submission
 * rules need a Gaudi2 (HW queues fed with user-allocated CBs), as the
 * encoding of a job is the ASIC's.
 */
import { check, checkEq, doIoctlErr, expectErrno, must, mustAsync } from '../../harness/testing/assert';
import { defineFamily, type TestContext, subtest } from '../../harness/testing/define';
import { MAP_SHARED, O_CLOEXEC, O_RDWR, PROT_READ, PROT_WRITE, SEEK_END } from '../../harness/sys/constants';
import type { ErrnoName } from '../../harness/sys/errno';
import { DRM_IOCTL_GEM_CLOSE, DRM_IOCTL_VERSION, drm_gem_close, drm_version } from '../../harness/uapi/drm';
import { openRetry } from '../../tests/lib/device';
import { cbCreate, cbDestroy, cbMapLength, cbWithPackets, endlessFencePacket, info, nopPackets, submit, waitCs } from './client';
import { HABANALABS_DRIVER } from './profile';
import {
  DRM_IOCTL_HL_CB,
  DRM_IOCTL_HL_CS,
  DRM_IOCTL_HL_INFO,
  DRM_IOCTL_HL_MEMORY,
  HL_CB_OP_CREATE,
  HL_CS_CHUNK_FLAGS_USER_ALLOC_CB,
  HL_DEVICE_STATUS_OPERATIONAL,
  HL_INFO_DEVICE_STATUS,
  HL_INFO_GET_EVENTS,
  HL_INFO_HW_IP_INFO,
  HL_INFO_OPEN_STATS,
  HL_INFO_RESET_COUNT,
  HL_MAX_JOBS_PER_CS,
  HL_MEM_OP_ALLOC,
  HL_MEM_OP_EXPORT_DMABUF_FD,
  HL_MEM_OP_FREE,
  HL_MEM_OP_MAP,
  HL_MEM_OP_UNMAP,
  HL_WAIT_CS_STATUS_COMPLETED,
  HL_WAIT_CS_STATUS_TIMEDOUT,
  hl_cb_in,
  hl_cs_chunk,
  hl_cs_in,
  hl_cs_out,
  hl_info_args,
  hl_info_device_status,
  hl_info_hw_ip_info,
  hl_info_reset_count,
  hl_mem_out,
  hl_open_stats_info,
  memIn,
} from './uapi';

const DRV = 'drivers/accel/habanalabs/common';

const ULLONG_MAX = (1n << 64n) - 1n;
/** habanalabs_drv.c PCI_IDS_GAUDI2. */
const GAUDI2 = 0x1020;
/** A queue index no habanalabs ASIC has (Gaudi2's max_queues is 261). */
const NO_SUCH_QUEUE = 4096;

function needHabanalabs(t: TestContext): void {
  if (t.dev.profile.driver !== HABANALABS_DRIVER.driver) t.skip(`a habanalabs rule; ${t.dev.info.devnode} is driven by ${t.dev.profile.driver}`);
}

/** Opens the compute node and checks the ASIC is a Gaudi2 (hw_ip_info.device_id). */
async function openGaudi2(t: TestContext): Promise<number> {
  needHabanalabs(t);
  const fd = await openRetry(t);
  const id = hl_info_hw_ip_info.decode(info(t.sys, fd, HL_INFO_HW_IP_INFO, hl_info_hw_ip_info.size)).device_id;
  if (id !== GAUDI2) t.skip(`job encodings are per ASIC; only Gaudi2's user-CB HW queues are known (device id 0x${id.toString(16)})`);
  return fd;
}

function resetCount(t: TestContext, fd: number): number {
  return hl_info_reset_count.decode(info(t.sys, fd, HL_INFO_RESET_COUNT, hl_info_reset_count.size)).hard_reset_cnt;
}

const basicNopSubmissions = subtest({
  name: 'basic-nop-submissions',
  description: 'a CS of 1..64 NOP packets in a user CB gets consecutive sequences and completes',
  reference: `${DRV}/command_submission.c: hl_cs_ioctl, cs_ioctl_default, hl_wait_ioctl; include/gaudi2/gaudi2_packets.h PACKET_NOP`,
}, async (t: TestContext): Promise<void> => {
  const fd = await openGaudi2(t);
  let last: bigint | null = null;
  for (let n = 1; n <= 64; n++) {
    const { cb, chunk } = cbWithPackets(t.sys, fd, nopPackets(n));
    const cs = must(`CS of ${n} NOP packets`, () => submit(t.sys, fd, [chunk]));
    checkEq(cs.status, 0, `out.status of a CS of ${n} NOPs`);
    if (last !== null) checkEq(cs.seq, last + 1n, `sequence of the CS of ${n} NOPs (the previous was ${last})`);
    last = cs.seq;
    const w = await waitCs(t.sys, fd, cs.seq, 10_000_000n);
    checkEq(w.result, 'ok', `WAIT_CS on the CS of ${n} NOPs`);
    checkEq(w.status, HL_WAIT_CS_STATUS_COMPLETED, `WAIT_CS status of the CS of ${n} NOPs`);
    cbDestroy(t.sys, fd, cb.handle);
  }
  t.log(`64 CSs of 1..64 NOPs completed, sequences up to ${last}`);
});

/** A CS argument with `chunks` chunks at a valid user address (contents from `chunk`). */
function csArg(t: TestContext, count: number, chunk: Parameters<typeof hl_cs_chunk.encode>[0]): Buffer {
  const mem = t.sys.alloc(Math.max(1, count) * hl_cs_chunk.size);
  for (let i = 0; i < count; i++) hl_cs_chunk.write(mem.bytes, i * hl_cs_chunk.size, { ...hl_cs_chunk.zero, ...chunk });
  return hl_cs_in.encode({ chunks_execute: mem.address, num_chunks_execute: count });
}

function expectCsRejected(t: TestContext, fd: number, arg: Buffer, what: string): void {
  doIoctlErr(t.sys, fd, DRM_IOCTL_HL_CS, arg, 'EINVAL');
  const out = hl_cs_out.decode(arg);
  // hl_cs_ioctl: memset(args), out.seq = cs_seq (ULLONG_MAX after a failure), out.status = rc.
  checkEq(out.seq, ULLONG_MAX, `out.seq after ${what}`);
  checkEq(out.status, -22 >>> 0, `out.status (-EINVAL) after ${what}`);
}

const badCsArgs = subtest({
  name: 'bad-cs-args',
  description: 'a CS with no chunk, too many chunks, a bad queue, a kernel CB on a HW queue or a nonzero pad is EINVAL with seq ULLONG_MAX',
  reference: `${DRV}/command_submission.c: hl_cs_sanity_checks, hl_cs_copy_chunk_array, validate_queue_index, hl_cs_ioctl`,
}, async (t: TestContext): Promise<void> => {
  const fd = await openGaudi2(t);
  const { chunk } = cbWithPackets(t.sys, fd, nopPackets(1));
  const good = { cb_handle: chunk.va, cb_size: chunk.size, queue_index: 0, cs_chunk_flags: HL_CS_CHUNK_FLAGS_USER_ALLOC_CB };
  expectCsRejected(t, fd, csArg(t, 0, good), 'a CS with no chunk');
  expectCsRejected(t, fd, csArg(t, HL_MAX_JOBS_PER_CS + 1, good), `a CS of ${HL_MAX_JOBS_PER_CS + 1} chunks`);
  expectCsRejected(t, fd, csArg(t, 1, { ...good, queue_index: NO_SUCH_QUEUE }), `queue index ${NO_SUCH_QUEUE}`);
  expectCsRejected(t, fd, csArg(t, 1, { ...good, cs_chunk_flags: 0 }), 'a kernel CB on a user-CB HW queue');
  const padded = csArg(t, 1, good);
  padded.writeUInt8(1, hl_cs_in.offsets.pad);
  expectCsRejected(t, fd, padded, 'a nonzero pad byte');
});

const badWaitUnsubmitted = subtest({
  name: 'bad-wait-unsubmitted',
  description: 'WAIT_CS on a sequence never submitted is EINVAL',
  reference: `${DRV}/context.c: hl_ctx_get_fence_locked; command_submission.c: hl_wait_for_fence`,
}, async (t: TestContext): Promise<void> => {
  const fd = await openGaudi2(t);
  const w = await waitCs(t.sys, fd, 1n << 40n, 0n);
  // hl_ctx_get_fence_locked: seq >= ctx->cs_sequence is ERR_PTR(-EINVAL).
  checkEq(w.result, 'EINVAL', 'WAIT_CS on a sequence never submitted');
});

const endlessCsOneReset = subtest({
  name: 'endless-cs-one-reset',
  description: 'an endless CS ends in ETIMEDOUT with status TIMEDOUT and exactly one hard reset, after which CSs run',
  reference: `${DRV}/command_submission.c: cs_timedout; device.c: hl_device_cond_reset, hl_device_reset`,
  destructive: true,
}, async (t: TestContext): Promise<void> => {
  if (!t.dev.simulated) {
    t.skip('a hard reset SIGKILLs the process that opened the device (device.c device_kill_open_processes): the runner would be that process');
  }
  const fd = await openGaudi2(t);
  const before = resetCount(t, fd);
  const { chunk } = cbWithPackets(t.sys, fd, endlessFencePacket());
  const cs = must('an endless CS (a FENCE nothing signals) with a 1 s timeout', () => submit(t.sys, fd, [chunk], { timeoutS: 1 }));
  const w = await waitCs(t.sys, fd, cs.seq, 30_000_000n);
  checkEq(w.result, 'ETIMEDOUT', 'WAIT_CS on the endless CS');
  checkEq(w.status, HL_WAIT_CS_STATUS_TIMEDOUT, 'WAIT_CS status of the endless CS');
  // The hard reset runs after the TDR: wait (device time) until the device is operational again.
  const deadline = t.sys.monotonicNs() + 60_000_000_000n;
  for (;;) {
    const status = hl_info_device_status.decode(info(t.sys, fd, HL_INFO_DEVICE_STATUS, hl_info_device_status.size)).status;
    if (status === HL_DEVICE_STATUS_OPERATIONAL) break;
    check(t.sys.monotonicNs() < deadline, `device status ${status} 60 s after the timeout`);
    await t.sys.sleepMs(100);
  }
  checkEq(resetCount(t, fd) - before, 1, 'hard resets caused by one endless CS');
  const next = cbWithPackets(t.sys, fd, nopPackets(1));
  const after = must('a NOP CS after the reset', () => submit(t.sys, fd, [next.chunk]));
  checkEq((await waitCs(t.sys, fd, after.seq, 10_000_000n)).status, HL_WAIT_CS_STATUS_COMPLETED, 'NOP CS after the reset');
});

const controlNodeInfoOnly = subtest({
  name: 'control-node-info-only',
  description: 'accel_controlD<N> opens many times beside the compute user and runs INFO only (ENOTTY otherwise)',
  reference: `${DRV}/habanalabs_drv.c: hl_device_open_ctrl; habanalabs_ioctl.c: hl_ioctl_control, hl_info_ioctl_control`,
}, async (t: TestContext): Promise<void> => {
  needHabanalabs(t);
  const node = t.dev.info.drmNodes.find((n) => n.kind === 'control');
  check(node !== undefined, `no accel_controlD node reported beside ${t.dev.info.name}`);
  const fd = await openRetry(t);
  // hl_device_open_ctrl: no limit on control files, whatever the compute node's state.
  const ctl = [1, 2, 3].map((i) => must(`open #${i} of ${node.devnode} while the compute node is open`, () => t.sys.open(node.devnode, O_RDWR | O_CLOEXEC)));
  t.defer(() => ctl.forEach((c) => t.sys.close(c)));
  const c = ctl[0] as number;
  const status = hl_info_device_status.decode(info(t.sys, c, HL_INFO_DEVICE_STATUS, hl_info_device_status.size)).status;
  checkEq(status, HL_DEVICE_STATUS_OPERATIONAL, `INFO DEVICE_STATUS through ${node.devnode}`);
  // hl_ioctl_control: any nr but HL_INFO's is ENOTTY, the DRM core's VERSION included.
  doIoctlErr(t.sys, c, DRM_IOCTL_VERSION, drm_version.encode({}), 'ENOTTY');
  doIoctlErr(t.sys, c, DRM_IOCTL_HL_CB, hl_cb_in.encode({ op: HL_CB_OP_CREATE, cb_size: 4096 }), 'ENOTTY');
  doIoctlErr(t.sys, c, DRM_IOCTL_HL_CS, hl_cs_in.encode({}), 'ENOTTY');
  doIoctlErr(t.sys, c, DRM_IOCTL_HL_MEMORY, memIn(HL_MEM_OP_ALLOC, [4096n]), 'ENOTTY');
  // hl_info_ioctl_control: the event ops belong to the compute user.
  expectErrno('EOPNOTSUPP', () => info(t.sys, c, HL_INFO_GET_EVENTS, 8), 'INFO GET_EVENTS through the control node');
  must('INFO on the compute node while control files are open', () => info(t.sys, fd, HL_INFO_DEVICE_STATUS, 8));
});

const infoNoStaleBytes = subtest({
  name: 'info-no-stale-bytes',
  description: 'INFO replies are zero-filled and written only up to return_size',
  reference: `${DRV}/habanalabs_ioctl.c: device_status_info, open_stats_info (fix "information leak in sec_attest_info()")`,
}, async (t: TestContext): Promise<void> => {
  needHabanalabs(t);
  const fd = await openRetry(t);
  const FILL = 0xa5;
  const status = info(t.sys, fd, HL_INFO_DEVICE_STATUS, hl_info_device_status.size, FILL);
  checkEq(status.readUInt32LE(hl_info_device_status.offsets.pad), 0, 'hl_info_device_status.pad');
  const stats = info(t.sys, fd, HL_INFO_OPEN_STATS, hl_open_stats_info.size, FILL);
  const pad = stats.subarray(hl_open_stats_info.offsets.pad, hl_open_stats_info.offsets.pad + 6);
  check(pad.every((b) => b === 0), `hl_open_stats_info.pad carries stale bytes: ${pad.toString('hex')}`);
  // copy_to_user(out, &reply, min(return_size, sizeof(reply))): nothing past return_size.
  const two = t.sys.alloc(8);
  two.bytes.fill(FILL);
  t.sys.ioctl(fd, DRM_IOCTL_HL_INFO, hl_info_args.encode({ return_pointer: two.address, return_size: 2, op: HL_INFO_DEVICE_STATUS }));
  check(two.bytes.subarray(2).every((b) => b === FILL), `INFO wrote past return_size 2: ${Buffer.from(two.bytes).toString('hex')}`);
});

const badInfoPad = subtest({
  name: 'bad-info-pad',
  description: 'INFO with a nonzero pad is EINVAL',
  reference: `${DRV}/habanalabs_ioctl.c: _hl_info_ioctl`,
}, async (t: TestContext): Promise<void> => {
  needHabanalabs(t);
  const fd = await openRetry(t);
  // _hl_info_ioctl: "Padding bytes must be 0".
  expectErrno('EINVAL', () => info(t.sys, fd, HL_INFO_DEVICE_STATUS, 8, 0, { pad: 1 }), 'INFO with pad 1');
});

const cbMmapOnce = subtest({
  name: 'cb-mmap-once',
  description: 'a CB maps only at its page-rounded size and only once at a time',
  reference: `${DRV}/memory_mgr.c: hl_mem_mgr_mmap`,
}, async (t: TestContext): Promise<void> => {
  needHabanalabs(t);
  const fd = await openRetry(t);
  const cb = cbCreate(t.sys, fd, 4096, false);
  const len = cbMapLength(cb.size);
  expectErrno('EINVAL', () => t.sys.mmap(fd, len * 2, PROT_READ | PROT_WRITE, MAP_SHARED, cb.handle), 'mmap of a CB with twice its size');
  const m = must('mmap of a CB', () => t.sys.mmap(fd, len, PROT_READ | PROT_WRITE, MAP_SHARED, cb.handle));
  // hl_mem_mgr_mmap: "already mapped to user".
  expectErrno('EINVAL', () => t.sys.mmap(fd, len, PROT_READ | PROT_WRITE, MAP_SHARED, cb.handle), 'a second mmap of the same CB');
  t.sys.munmap(m);
  t.sys.munmap(must('mmap of the CB once the first mapping is gone', () => t.sys.mmap(fd, len, PROT_READ | PROT_WRITE, MAP_SHARED, cb.handle)));
});

const badCbDestroyTwice = subtest({
  name: 'bad-cb-destroy-twice',
  description: 'a second HL_CB_OP_DESTROY of one handle is EINVAL',
  reference: `${DRV}/command_buffer.c: hl_cb_destroy`,
}, async (t: TestContext): Promise<void> => {
  needHabanalabs(t);
  const fd = await openRetry(t);
  const cb = cbCreate(t.sys, fd, 4096, false);
  cbDestroy(t.sys, fd, cb.handle);
  expectErrno('EINVAL', () => cbDestroy(t.sys, fd, cb.handle), 'a second HL_CB_OP_DESTROY of one handle');
});

const memoryFreeMapped = subtest({
  name: 'memory-free-mapped',
  description: 'device memory that is mapped cannot be freed (EINVAL) until it is unmapped',
  reference: `${DRV}/memory.c: free_device_memory, hl_mem_ioctl`,
}, async (t: TestContext): Promise<void> => {
  const fd = await openGaudi2(t);
  const mem = (op: number, words: bigint[], what: string): bigint => {
    const arg = memIn(op, words);
    must(what, () => t.sys.ioctl(fd, DRM_IOCTL_HL_MEMORY, arg));
    return hl_mem_out.decode(arg).handle;
  };
  const handle = mem(HL_MEM_OP_ALLOC, [4096n], 'HL_MEM_OP_ALLOC of one page of device memory');
  const va = mem(HL_MEM_OP_MAP, [0n, handle], 'HL_MEM_OP_MAP of the allocation');
  // free_device_memory: "handle %u is mapped, cannot free".
  doIoctlErr(t.sys, fd, DRM_IOCTL_HL_MEMORY, memIn(HL_MEM_OP_FREE, [handle]), 'EINVAL');
  mem(HL_MEM_OP_UNMAP, [va], 'HL_MEM_OP_UNMAP');
  mem(HL_MEM_OP_FREE, [handle], 'HL_MEM_OP_FREE once unmapped');
});

/** One page of device memory allocated and mapped: its handle, VA and allocation size. */
function mappedDeviceMemory(t: TestContext, fd: number): { handle: bigint; va: bigint; total: bigint } {
  const alloc = memIn(HL_MEM_OP_ALLOC, [4096n]);
  must('HL_MEM_OP_ALLOC of one page of device memory', () => t.sys.ioctl(fd, DRM_IOCTL_HL_MEMORY, alloc));
  const handle = hl_mem_out.decode(alloc).handle;
  const map = memIn(HL_MEM_OP_MAP, [0n, handle]);
  must('HL_MEM_OP_MAP of the allocation', () => t.sys.ioctl(fd, DRM_IOCTL_HL_MEMORY, map));
  const ip = hl_info_hw_ip_info.decode(info(t.sys, fd, HL_INFO_HW_IP_INFO, hl_info_hw_ip_info.size));
  return { handle, va: hl_mem_out.decode(map).handle, total: ip.device_mem_alloc_default_page_size };
}

/** HL_MEM_OP_EXPORT_DMABUF_FD of [va + offset, + size); the fd, or the errno with out.fd checked to be -EBADF. */
function exportDmabuf(t: TestContext, fd: number, va: bigint, size: bigint, offset: bigint, what: string, expected?: ErrnoName): number {
  const arg = memIn(HL_MEM_OP_EXPORT_DMABUF_FD, [va, size, offset], O_RDWR | O_CLOEXEC);
  if (expected) {
    doIoctlErr(t.sys, fd, DRM_IOCTL_HL_MEMORY, arg, expected);
    // hl_mem_ioctl: `int dmabuf_fd = -EBADF` ... memset(args, 0); args->out.fd = dmabuf_fd.
    checkEq(arg.readInt32LE(0), -9, `out.fd after ${what}`);
    return -1;
  }
  must(what, () => t.sys.ioctl(fd, DRM_IOCTL_HL_MEMORY, arg));
  return arg.readInt32LE(0);
}

const exportDmabufArgs = subtest({
  name: 'export-dmabuf-args',
  description: 'HL_MEM_OP_EXPORT_DMABUF_FD takes a mapped VA and page multiples within the allocation; the dma-buf has no mmap and pins its mapping',
  reference: `${DRV}/memory.c: export_dmabuf_from_addr, validate_export_params_common (fix "export dma-buf only if size/offset multiples of PAGE_SIZE"), unmap_device_va`,
}, async (t: TestContext): Promise<void> => {
  const fd = await openGaudi2(t);
  const { va, total } = mappedDeviceMemory(t, fd);
  // validate_export_params_common / validate_export_params / memhash_node_export_get.
  exportDmabuf(t, fd, va, 4097n, 0n, 'an export of 4097 bytes', 'EINVAL');
  exportDmabuf(t, fd, va, 4096n, 100n, 'an export at offset 100', 'EINVAL');
  exportDmabuf(t, fd, va, 0n, 0n, 'an export of 0 bytes', 'EINVAL');
  exportDmabuf(t, fd, va + 4096n, 4096n, 0n, 'an export of an address that is no mapping', 'EINVAL');
  exportDmabuf(t, fd, va, total, 4096n, 'an export past the allocation', 'EINVAL');
  const buf = exportDmabuf(t, fd, va, 8192n, 4096n, 'an export of two pages at offset one page');
  t.defer(() => t.sys.close(buf));
  checkEq(t.sys.lseek(buf, 0n, SEEK_END), 8192n, 'size of the dma-buf (lseek SEEK_END)');
  // habanalabs_dmabuf_ops has no .mmap: dma_buf_mmap_internal is EINVAL.
  expectErrno('EINVAL', () => t.sys.mmap(buf, 8192, PROT_READ, MAP_SHARED, 0n), 'mmap of a habanalabs dma-buf');
  // unmap_device_va: "memory is exported".
  doIoctlErr(t.sys, fd, DRM_IOCTL_HL_MEMORY, memIn(HL_MEM_OP_UNMAP, [va]), 'EINVAL');
});

const exportHoldsDevice = subtest({
  name: 'export-holds-device',
  description: 'an exported dma-buf keeps the compute file: the device stays busy after close until the dma-buf is closed',
  reference: `${DRV}/memory.c: export_dmabuf (get_file), hl_release_dmabuf (fput); habanalabs_drv.c: hl_device_open`,
}, async (t: TestContext): Promise<void> => {
  const fd = await openGaudi2(t);
  const { va } = mappedDeviceMemory(t, fd);
  const buf = exportDmabuf(t, fd, va, 4096n, 0n, 'an export of one page');
  let bufOpen = true;
  t.defer(() => {
    if (bufOpen) t.sys.close(buf);
  });
  t.close(fd);
  // export_dmabuf: get_file(compute file) until hl_release_dmabuf: the only compute user is still there.
  expectErrno('EBUSY', () => t.open(), 'open while a dma-buf of the closed file lives');
  t.sys.close(buf);
  bufOpen = false;
  await mustAsync('open once the last dma-buf is closed', () => openRetry(t));
});

const badGemIoctls = subtest({
  name: 'bad-gem-ioctls',
  description: 'without DRIVER_GEM, GEM_CLOSE is EOPNOTSUPP',
  reference: 'drivers/gpu/drm/drm_gem.c: drm_gem_close_ioctl; habanalabs_drv.c hl_driver (DRIVER_COMPUTE_ACCEL only)',
}, async (t: TestContext): Promise<void> => {
  needHabanalabs(t);
  const fd = await openRetry(t);
  // hl_driver has no DRIVER_GEM: drm_gem_close_ioctl starts with `if (!drm_core_check_feature(dev, DRIVER_GEM)) return -EOPNOTSUPP`.
  doIoctlErr(t.sys, fd, DRM_IOCTL_GEM_CLOSE, drm_gem_close.encode({ handle: 1 }), 'EOPNOTSUPP');
  must('a CB still works beside the refused GEM ioctl', () => cbCreate(t.sys, fd, 4096, false));
});

export default defineFamily('habanalabs', 'rules of the habanalabs driver (Gaudi2): CS of NOP packets, control node, INFO, CBs, device memory', [
  basicNopSubmissions,
  badCsArgs,
  badWaitUnsubmitted,
  endlessCsOneReset,
  controlNodeInfoOnly,
  infoNoStaleBytes,
  badInfoPad,
  cbMmapOnce,
  badCbDestroyTwice,
  memoryFreeMapped,
  exportDmabufArgs,
  exportHoldsDevice,
  badGemIoctls,
], { drivers: [HABANALABS_DRIVER.driver] });
