import { expect } from 'chai';
import { bootSimMachine, type SimMachine } from '../../sim/machine';
import type { Sys } from '../../../harness/sys/types';
import { isSysError } from '../../../harness/sys/errno';
import { O_CLOEXEC, O_RDWR } from '../../../harness/sys/constants';
import { DRM_CORE_IOCTLS, DRM_IOCTL_SYNCOBJ_WAIT, drm_syncobj_timeline_wait, drm_syncobj_wait } from '../../../harness/uapi/drm';
import {
  AIE2_HEAP_SIZE,
  ERT_CMD_STATE_ABORT,
  ERT_CMD_STATE_COMPLETED,
  ERT_CMD_STATE_ERROR,
  ERT_CMD_STATE_NEW,
  ERT_CMD_STATE_TIMEOUT,
  boInfo,
  cmdState,
  createBo,
  execCmd,
  setUpFile,
  waitSeqAsync,
  writeStartCu,
  type FileSetup,
} from '../lib';
import { MODELLED_HANG_PDI, MODELLED_NOP_PDI } from '../pdi';
import {
  AMDXDNA_BO_CMD,
  AMDXDNA_BO_DEV,
  AMDXDNA_BO_DEV_HEAP,
  AMDXDNA_IOCTL,
  DRM_AMDXDNA_HW_CONTEXT_ALL,
  DRM_AMDXDNA_QUERY_AIE_METADATA,
  DRM_AMDXDNA_QUERY_HW_CONTEXTS,
  DRM_AMDXDNA_QUERY_SENSORS,
  amdxdna_drm_create_bo,
  amdxdna_drm_get_array,
  amdxdna_drm_get_info,
  amdxdna_drm_hwctx_entry,
  amdxdna_drm_query_aie_metadata,
  amdxdna_drm_query_hwctx,
} from '../uapi';
import { errnoOf } from '../../../harness/ioctl/core';

const PAGE = 4096;

function boot(spec = 'amdxdna'): { sys: Sys; fd: number; m: SimMachine } {
  const m = bootSimMachine([spec]);
  return { sys: m.sys, fd: m.sys.open('/dev/accel/accel0', O_RDWR | O_CLOEXEC), m };
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

function setUp(sys: Sys, fd: number): FileSetup {
  return setUpFile(sys, fd, [
    { name: 'nop', pdi: MODELLED_NOP_PDI, func: 0 },
    { name: 'hang', pdi: MODELLED_HANG_PDI, func: 0 },
  ]);
}

function cmdBo(sys: Sys, fd: number, cu: number): { handle: number; bytes: Buffer } {
  const handle = createBo(sys, fd, PAGE, AMDXDNA_BO_CMD);
  const map = sys.mmap(fd, PAGE, 3, 1, boInfo(sys, fd, handle).mapOffset);
  writeStartCu(map.bytes, cu);
  return { handle, bytes: map.bytes };
}

describe('sim:amdxdna (drivers/accel/amdxdna)', () => {
  it('DEV_HEAP: device addresses follow each other from AIE2_DEVM_BASE; 512 MiB per file, then ENOSPC', () => {
    const { sys, fd } = boot();
    const addrs: bigint[] = [];
    for (let i = 0; i < 8; i++) addrs.push(boInfo(sys, fd, createBo(sys, fd, AIE2_HEAP_SIZE, AMDXDNA_BO_DEV_HEAP)).xdnaAddr);
    expect(addrs[0]).to.equal(0x4000000n);
    expect(addrs[7]).to.equal(0x4000000n + 7n * BigInt(AIE2_HEAP_SIZE));
    const arg = amdxdna_drm_create_bo.encode({ size: BigInt(AIE2_HEAP_SIZE), type: AMDXDNA_BO_DEV_HEAP });
    expect(errnoOf(() => sys.ioctl(fd, AMDXDNA_IOCTL.CREATE_BO.request, arg))).to.equal('ENOSPC');
    expect(amdxdna_drm_create_bo.decode(arg).handle).to.equal(0);
    // Another file has its own heaps.
    const fd2 = sys.open('/dev/accel/accel0', O_RDWR | O_CLOEXEC);
    expect(boInfo(sys, fd2, createBo(sys, fd2, AIE2_HEAP_SIZE, AMDXDNA_BO_DEV_HEAP)).xdnaAddr).to.equal(0x4000000n);
  });

  it('DEV BO: best fit, 32 KiB aligned; a freed range is reused; beyond the heaps EAGAIN', () => {
    const { sys, fd } = boot();
    const heap = createBo(sys, fd, AIE2_HEAP_SIZE, AMDXDNA_BO_DEV_HEAP);
    sys.mmap(fd, AIE2_HEAP_SIZE, 3, 1, boInfo(sys, fd, heap).mapOffset);
    const a = createBo(sys, fd, PAGE, AMDXDNA_BO_DEV);
    const b = createBo(sys, fd, 40000, AMDXDNA_BO_DEV);
    expect(boInfo(sys, fd, a).xdnaAddr).to.equal(0x4000000n);
    expect(boInfo(sys, fd, b).xdnaAddr).to.equal(0x4008000n);
    sys.ioctl(fd, 0x40086409 /* DRM_IOCTL_GEM_CLOSE */, Buffer.from([a, 0, 0, 0, 0, 0, 0, 0]));
    expect(boInfo(sys, fd, createBo(sys, fd, PAGE, AMDXDNA_BO_DEV)).xdnaAddr).to.equal(0x4000000n);
    // The allocator spans 512 MiB; only 64 MiB of heap backs it: amdxdna_init_dev_bo finds no heap end.
    const big = amdxdna_drm_create_bo.encode({ size: BigInt(AIE2_HEAP_SIZE), type: AMDXDNA_BO_DEV });
    expect(errnoOf(() => sys.ioctl(fd, AMDXDNA_IOCTL.CREATE_BO.request, big))).to.equal('EAGAIN');
    const huge = amdxdna_drm_create_bo.encode({ size: BigInt(AIE2_HEAP_SIZE) * 9n, type: AMDXDNA_BO_DEV });
    expect(errnoOf(() => sys.ioctl(fd, AMDXDNA_IOCTL.CREATE_BO.request, huge))).to.equal('EINVAL');
  });

  it('user-pointer BOs are not modelled: EOPNOTSUPP', () => {
    const { sys, fd } = boot();
    const arg = amdxdna_drm_create_bo.encode({ size: BigInt(PAGE), type: 1, vaddr: 0x1000n });
    expect(errnoOf(() => sys.ioctl(fd, AMDXDNA_IOCTL.CREATE_BO.request, arg))).to.equal('EOPNOTSUPP');
  });

  it('EXEC_CMD: seq per context from 0, timeline points wait in order, binary SYNCOBJ_WAIT waits for the last', async () => {
    const { sys, fd } = boot();
    const s = setUp(sys, fd);
    const cmds = [0, 1, 2].map(() => cmdBo(sys, fd, s.cu.nop as number));
    expect(cmds.map((c) => execCmd(sys, fd, s.hwctx.handle, c.handle))).to.deep.equal([0n, 1n, 2n]);
    expect(cmds.map((c) => cmdState(c.bytes))).to.deep.equal([ERT_CMD_STATE_NEW, ERT_CMD_STATE_NEW, ERT_CMD_STATE_NEW]);
    await waitSeqAsync(sys, fd, s.hwctx.syncobj, 1n, sys.monotonicNs() + 1_000_000_000n);
    expect(cmdState((cmds[0] as { bytes: Buffer }).bytes)).to.equal(ERT_CMD_STATE_COMPLETED);
    expect(cmdState((cmds[1] as { bytes: Buffer }).bytes)).to.equal(ERT_CMD_STATE_COMPLETED);
    const mem = sys.alloc(4);
    mem.bytes.writeUInt32LE(s.hwctx.syncobj, 0);
    sys.ioctl(fd, DRM_IOCTL_SYNCOBJ_WAIT, drm_syncobj_wait.encode({ handles: mem.address, count_handles: 1, timeout_nsec: sys.monotonicNs() + 1_000_000_000n }));
    expect(cmdState((cmds[2] as { bytes: Buffer }).bytes)).to.equal(ERT_CMD_STATE_COMPLETED);
  });

  it('TIMELINE_WAIT: a future point is EINVAL, WAIT_FOR_SUBMIT waits for it, unknown flags EINVAL', async () => {
    const { sys, fd } = boot();
    const s = setUp(sys, fd);
    const mem = sys.alloc(16);
    mem.bytes.writeUInt32LE(s.hwctx.syncobj, 0);
    mem.bytes.writeBigUInt64LE(1n, 8);
    const wait = (flags: number, timeout: bigint): Buffer =>
      drm_syncobj_timeline_wait.encode({ handles: mem.address, points: mem.address + 8n, count_handles: 1, flags, timeout_nsec: timeout });
    const req = DRM_CORE_IOCTLS.SYNCOBJ_TIMELINE_WAIT.request;
    expect(await errnoOfAsync(sys.ioctlAsync(fd, req, wait(0, 0n)))).to.equal('EINVAL');
    expect(await errnoOfAsync(sys.ioctlAsync(fd, req, wait(1 << 7, 0n)))).to.equal('EINVAL');
    // WAIT_FOR_SUBMIT (1 << 1): two commands later point 1 exists and signals.
    const pending = sys.ioctlAsync(fd, req, wait(1 << 1, sys.monotonicNs() + 1_000_000_000n));
    execCmd(sys, fd, s.hwctx.handle, cmdBo(sys, fd, s.cu.nop as number).handle);
    execCmd(sys, fd, s.hwctx.handle, cmdBo(sys, fd, s.cu.nop as number).handle);
    expect(await errnoOfAsync(pending)).to.equal('ok');
  });

  it('run_job refuses a command with no CU (state stays NEW); a CU with an unknown PDI ends ERROR', async () => {
    const { sys, fd } = boot();
    const s = setUpFile(sys, fd, [
      { name: 'nop', pdi: MODELLED_NOP_PDI, func: 0 },
      { name: 'other', pdi: Buffer.from('not a modelled PDI'), func: 0 },
    ]);
    const none = cmdBo(sys, fd, 0);
    none.bytes.writeUInt32LE(0, 4);
    const other = cmdBo(sys, fd, s.cu.other as number);
    execCmd(sys, fd, s.hwctx.handle, none.handle);
    const seq = execCmd(sys, fd, s.hwctx.handle, other.handle);
    await waitSeqAsync(sys, fd, s.hwctx.syncobj, seq, sys.monotonicNs() + 1_000_000_000n);
    expect(cmdState(none.bytes)).to.equal(ERT_CMD_STATE_NEW);
    expect(cmdState(other.bytes)).to.equal(ERT_CMD_STATE_ERROR);
    expect(other.bytes.readUInt32LE(4)).to.equal(0xffffffff);
  });

  it('TDR: 2 s plus a tick, TIMEOUT for the hung command, ABORT behind it; tdr_timeout_ms=0 disables it', async () => {
    const { sys, fd } = boot();
    const s = setUp(sys, fd);
    const hang = cmdBo(sys, fd, s.cu.hang as number);
    const t0 = sys.monotonicNs();
    execCmd(sys, fd, s.hwctx.handle, hang.handle);
    const nop = cmdBo(sys, fd, s.cu.nop as number);
    const seq = execCmd(sys, fd, s.hwctx.handle, nop.handle);
    await waitSeqAsync(sys, fd, s.hwctx.syncobj, seq, sys.monotonicNs() + 10_000_000_000n);
    const ms = Number(sys.monotonicNs() - t0) / 1e6;
    expect(ms).to.be.within(2000, 2010);
    expect(cmdState(hang.bytes)).to.equal(ERT_CMD_STATE_TIMEOUT);
    expect(cmdState(nop.bytes)).to.equal(ERT_CMD_STATE_ABORT);

    const off = boot('amdxdna?tdr_timeout_ms=0');
    const s2 = setUp(off.sys, off.fd);
    const h2 = cmdBo(off.sys, off.fd, s2.cu.hang as number);
    const q = execCmd(off.sys, off.fd, s2.hwctx.handle, h2.handle);
    expect(await errnoOfAsync(waitSeqAsync(off.sys, off.fd, s2.hwctx.syncobj, q, off.sys.monotonicNs() + 10_000_000_000n))).to.equal('ETIME');
    expect(cmdState(h2.bytes)).to.equal(ERT_CMD_STATE_NEW);
  });

  it('TDR is device-wide: a completion on another context within the window defers the timeout', async () => {
    const { sys, fd } = boot();
    const s = setUp(sys, fd);
    const fd2 = sys.open('/dev/accel/accel0', O_RDWR | O_CLOEXEC);
    const s2 = setUp(sys, fd2);
    const t0 = sys.monotonicNs();
    const hang = cmdBo(sys, fd, s.cu.hang as number);
    const seq = execCmd(sys, fd, s.hwctx.handle, hang.handle);
    // 1.5 s in, another context completes a command: aie2_tdr_detect sees a signal within 2 s.
    await sys.sleepMs(1500);
    const nop = cmdBo(sys, fd2, s2.cu.nop as number);
    await waitSeqAsync(sys, fd2, s2.hwctx.syncobj, execCmd(sys, fd2, s2.hwctx.handle, nop.handle), sys.monotonicNs() + 1_000_000_000n);
    await waitSeqAsync(sys, fd, s.hwctx.syncobj, seq, sys.monotonicNs() + 10_000_000_000n);
    const ms = Number(sys.monotonicNs() - t0) / 1e6;
    expect(cmdState(hang.bytes)).to.equal(ERT_CMD_STATE_TIMEOUT);
    expect(ms).to.be.above(4000);
  });

  it('the fifth command waits for a free slot (job_sem of HWCTX_MAX_CMDS)', () => {
    const { sys, fd } = boot();
    const s = setUp(sys, fd);
    for (let i = 0; i < 4; i++) execCmd(sys, fd, s.hwctx.handle, cmdBo(sys, fd, s.cu.nop as number).handle);
    const t0 = sys.monotonicNs();
    expect(execCmd(sys, fd, s.hwctx.handle, cmdBo(sys, fd, s.cu.nop as number).handle)).to.equal(4n);
    expect(sys.monotonicNs() > t0).to.equal(true);
  });

  it('close with a hung command releases everything; the BOs it used go with the file', () => {
    const { sys, fd, m } = boot();
    const s = setUp(sys, fd);
    const arg = createBo(sys, fd, PAGE);
    const cmd = createBo(sys, fd, PAGE, AMDXDNA_BO_CMD);
    const map = sys.mmap(fd, PAGE, 3, 1, boInfo(sys, fd, cmd).mapOffset);
    writeStartCu(map.bytes, s.cu.hang as number);
    execCmd(sys, fd, s.hwctx.handle, cmd, [arg]);
    sys.munmap(map);
    sys.munmap(s.heapMap);
    sys.close(fd);
    const st = m.kernel.stats();
    expect(st.gemObjects).to.equal(0);
    expect(st.syncobjs).to.equal(0);
  });

  it('GET_INFO: metadata copied up to buffer_size; HW_CONTEXTS entries shrink buffer_size; SENSORS not modelled', () => {
    const { sys, fd } = boot();
    setUp(sys, fd);
    const mem = sys.alloc(PAGE);
    const info = (param: number, size: number): Buffer => amdxdna_drm_get_info.encode({ param, buffer_size: size, buffer: mem.address });
    sys.ioctl(fd, AMDXDNA_IOCTL.GET_INFO.request, info(DRM_AMDXDNA_QUERY_AIE_METADATA, PAGE));
    const md = amdxdna_drm_query_aie_metadata.decode(Buffer.from(mem.bytes));
    expect(md.cols).to.equal(8);
    expect(md.core.row_count).to.equal(4);
    const q = info(DRM_AMDXDNA_QUERY_HW_CONTEXTS, 2 * amdxdna_drm_query_hwctx.size);
    sys.ioctl(fd, AMDXDNA_IOCTL.GET_INFO.request, q);
    expect(amdxdna_drm_get_info.decode(q).buffer_size).to.equal(amdxdna_drm_query_hwctx.size);
    expect(mem.bytes.readUInt32LE(0)).to.equal(1);
    expect(errnoOf(() => sys.ioctl(fd, AMDXDNA_IOCTL.GET_INFO.request, info(DRM_AMDXDNA_QUERY_SENSORS, PAGE)))).to.equal('EOPNOTSUPP');
    const arr = amdxdna_drm_get_array.encode({ param: DRM_AMDXDNA_HW_CONTEXT_ALL, element_size: 4096, num_element: 1, buffer: mem.address });
    sys.ioctl(fd, AMDXDNA_IOCTL.GET_ARRAY.request, arr);
    const out = amdxdna_drm_get_array.decode(arr);
    expect(out.element_size).to.equal(amdxdna_drm_hwctx_entry.size);
    expect(out.num_element).to.equal(1);
    const big = amdxdna_drm_get_array.encode({ param: DRM_AMDXDNA_HW_CONTEXT_ALL, element_size: 4097, num_element: 1, buffer: mem.address });
    expect(errnoOf(() => sys.ioctl(fd, AMDXDNA_IOCTL.GET_ARRAY.request, big))).to.equal('EINVAL');
  });
});
