/**
 * accel@qaic@...: rules only the Cloud AI 100 driver has, like IGT's
 * per-driver binaries. qaic's isolation is the DMA bridge channel: a channel
 * belongs to the file whose workload the firmware activated on it (dbc->usr),
 * and ATTACH_SLICE_BO, EXECUTE_BO and WAIT_BO refuse every other file. A file
 * of this suite never activates one (that needs a workload loaded through
 * MANAGE), so these rules check each ioctl's argument checks in the kernel's
 * order up to and including that refusal, with no side effect; they hold on
 * real hardware whatever other processes have loaded.
 */
import { check, checkEq, doIoctlErr, expectErrno } from '../../harness/testing/assert';
import { defineFamily, type Subtest, type TestContext, subtest } from '../../harness/testing/define';
import { MAP_SHARED, PROT_READ, PROT_WRITE } from '../../harness/sys/constants';
import {
  DRM_CLOEXEC,
  DRM_IOCTL_GEM_CLOSE,
  DRM_IOCTL_PRIME_FD_TO_HANDLE,
  DRM_IOCTL_PRIME_HANDLE_TO_FD,
  DRM_RDWR,
  drm_gem_close,
  drm_prime_handle,
} from '../../harness/uapi/drm';
import type { Sys, UserMemory } from '../../harness/sys/types';
import { createBo, mmapBoOffset } from './lib';
import { QAIC_DRIVER } from './profile';
import {
  DMA_FROM_DEVICE,
  DMA_TO_DEVICE,
  QAIC_IOCTL,
  qaic_attach_slice,
  qaic_attach_slice_entry,
  qaic_create_bo,
  qaic_detach_slice,
  qaic_execute,
  qaic_execute_entry,
  qaic_manage_msg,
  qaic_manage_trans_activate_to_dev,
  qaic_manage_trans_deactivate,
  qaic_manage_trans_dma_xfer,
  qaic_manage_trans_hdr,
  qaic_mmap_bo,
  qaic_wait,
  QAIC_MANAGE_MAX_MSG_LENGTH,
  QAIC_TRANS_ACTIVATE_FROM_USR,
  QAIC_TRANS_DEACTIVATE_FROM_USR,
  QAIC_TRANS_DMA_XFER_FROM_USR,
  QAIC_TRANS_PASSTHROUGH_FROM_USR,
} from './uapi';

const REF = 'drivers/accel/qaic';
/** qaic_drv.c DBC_NUM: channel ids at or above it are refused before anything else of the channel. */
const DBC_NUM = 16;
/** An address no process maps (below mmap_min_addr): copy_from_user from it faults. */
const UNMAPPED = 0x10n;

/** Opens the device, skipping on any other driver. */
function openQaic(t: TestContext): number {
  if (t.dev.profile.driver !== QAIC_DRIVER) t.skip(`a qaic rule; ${t.dev.label} is driven by ${t.dev.profile.driver}`);
  return t.open();
}

function gemClose(sys: Sys, fd: number, handle: number): void {
  sys.ioctl(fd, DRM_IOCTL_GEM_CLOSE, drm_gem_close.encode({ handle }));
}

/** The handle a fresh BO gets tells whether a refused call left an object behind (lowest free handle). */
function nextHandle(sys: Sys, fd: number): number {
  const h = createBo(sys, fd, 4096);
  gemClose(sys, fd, h);
  return h;
}

/** User memory holding `count` zeroed entries of `size` bytes, freed after `fn`. */
function withEntries<T>(sys: Sys, count: number, size: number, fn: (mem: UserMemory) => T): T {
  const mem = sys.alloc(count * size);
  try {
    return fn(mem);
  } finally {
    sys.free(mem);
  }
}

const basicCreateBo = subtest({
  name: 'basic-create-bo',
  description: 'CREATE_BO makes a PAGE_ALIGN(size) BO, writes only the handle, MMAP_BO gives its fake offset',
  reference: `${REF}/qaic_data.c qaic_create_bo_ioctl, qaic_mmap_bo_ioctl`,
}, (t: TestContext): void => {
  const fd = openQaic(t);
  const arg = qaic_create_bo.encode({ size: 1n });
  t.sys.ioctl(fd, QAIC_IOCTL.CREATE_BO.request, arg);
  const out = qaic_create_bo.decode(arg);
  checkEq(out.handle, 1, 'first handle of a new file');
  checkEq(out.size, 1n, 'args->size after CREATE_BO (the kernel writes only the handle)');
  const offset = mmapBoOffset(t.sys, fd, out.handle);
  check(offset !== 0n && offset % 4096n === 0n, `MMAP_BO offset ${offset} is a nonzero page multiple`);
  // The BO is PAGE_ALIGN(1) = 4096 bytes: a whole page maps, and a second mapping sees what the first wrote
  // (qaic_gem_object_mmap maps the BO's own pages).
  const writer = t.sys.mmap(fd, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, offset);
  const reader = t.sys.mmap(fd, 4096, PROT_READ, MAP_SHARED, offset);
  try {
    writer.bytes[4095] = 0xa5;
    checkEq(reader.bytes[4095], 0xa5, 'last byte of the page-aligned BO, through another mapping');
  } finally {
    t.sys.munmap(writer);
    t.sys.munmap(reader);
  }
  expectErrno('EINVAL', () => t.sys.mmap(fd, 8192, PROT_READ, MAP_SHARED, offset), 'mmap of two pages of a one-page BO');
});

const badBoArgs = subtest({
  name: 'bad-bo-args',
  description: 'CREATE_BO refuses a nonzero pad and a size whose PAGE_ALIGN is 0 (EINVAL, no handle); MMAP_BO of an unknown handle is ENOENT',
  reference: `${REF}/qaic_data.c qaic_create_bo_ioctl, qaic_mmap_bo_ioctl`,
}, (t: TestContext): void => {
  const fd = openQaic(t);
  const cases: readonly [bigint, number, string][] = [
    [4096n, 1, 'pad 1'],
    [0n, 0, 'size 0'],
    [(1n << 64n) - 1n, 0, 'size 2^64-1 (PAGE_ALIGN wraps to 0)'],
  ];
  for (const [size, pad, what] of cases) {
    const arg = qaic_create_bo.encode({ size, pad, handle: 0x7777 });
    doIoctlErr(t.sys, fd, QAIC_IOCTL.CREATE_BO.request, arg, 'EINVAL');
    checkEq(qaic_create_bo.decode(arg).handle, 0x7777, `handle after a refused CREATE_BO (${what})`);
  }
  checkEq(nextHandle(t.sys, fd), 1, 'first handle after the refused creations');
  const arg = qaic_mmap_bo.encode({ handle: 99, offset: 0x1234n });
  doIoctlErr(t.sys, fd, QAIC_IOCTL.MMAP_BO.request, arg, 'ENOENT');
  checkEq(qaic_mmap_bo.decode(arg).offset, 0x1234n, 'offset after MMAP_BO of an unknown handle');
});

const badAttachSlice = subtest({
  name: 'bad-attach-slice',
  description: 'ATTACH_SLICE_BO checks count, dir, data and dbc_id before copying the table, then the handle, and refuses a channel the file did not activate',
  reference: `${REF}/qaic_data.c qaic_attach_slice_bo_ioctl, qaic_validate_req`,
}, (t: TestContext): void => {
  const fd = openQaic(t);
  const bo = createBo(t.sys, fd, 8192);
  const attach = (hdr: { count: number; dbc_id?: number; handle: number; dir: number }, data: bigint, errno: 'EINVAL' | 'EFAULT' | 'ENOENT', what: string): void => {
    expectErrno(errno, () => t.sys.ioctl(fd, QAIC_IOCTL.ATTACH_SLICE_BO.request, qaic_attach_slice.encode({ hdr: { dbc_id: 0, ...hdr, size: 0n }, data })), what);
  };
  withEntries(t.sys, 1, qaic_attach_slice_entry.size, (mem) => {
    // Each header check comes before the copy of the slice table and the handle lookup.
    attach({ count: 0, handle: 99, dir: DMA_TO_DEVICE }, mem.address, 'EINVAL', 'count 0, unknown handle');
    attach({ count: 1, handle: 99, dir: 0 }, mem.address, 'EINVAL', 'dir DMA_BIDIRECTIONAL, unknown handle');
    attach({ count: 1, handle: 99, dir: 3 }, mem.address, 'EINVAL', 'dir DMA_NONE, unknown handle');
    attach({ count: 1, handle: 99, dir: DMA_TO_DEVICE }, 0n, 'EINVAL', 'data NULL');
    attach({ count: 1, dbc_id: DBC_NUM, handle: 99, dir: DMA_TO_DEVICE }, UNMAPPED, 'EINVAL', 'dbc_id DBC_NUM, unreadable table');
    attach({ count: 1, handle: bo, dir: DMA_FROM_DEVICE }, UNMAPPED, 'EFAULT', 'unreadable slice table');
    attach({ count: 1, handle: 99, dir: DMA_FROM_DEVICE }, mem.address, 'ENOENT', 'unknown handle');
    // A valid one-slice table on a BO the file owns, on a channel it did not activate.
    mem.bytes.set(qaic_attach_slice_entry.encode({ size: 4096n, offset: 4096n }));
    attach({ count: 1, handle: bo, dir: DMA_TO_DEVICE }, mem.address, 'EINVAL', 'slice on a channel this file did not activate');
  });
  // Nothing was sliced: the BO can still be detached from nothing (EINVAL) and closed.
  doIoctlErr(t.sys, fd, QAIC_IOCTL.DETACH_SLICE_BO.request, qaic_detach_slice.encode({ handle: bo }), 'EINVAL');
  gemClose(t.sys, fd, bo);
});

const badExecute = subtest({
  name: 'bad-execute',
  description: 'EXECUTE_BO copies its entries first (EFAULT), then refuses a bad dbc_id (EINVAL) and a channel of another user (EPERM)',
  reference: `${REF}/qaic_data.c __qaic_execute_bo_ioctl`,
}, (t: TestContext): void => {
  const fd = openQaic(t);
  const bo = createBo(t.sys, fd, 4096);
  const exec = (count: number, dbcId: number, data: bigint, errno: 'EINVAL' | 'EFAULT' | 'EPERM', what: string): void => {
    expectErrno(errno, () => t.sys.ioctl(fd, QAIC_IOCTL.EXECUTE_BO.request, qaic_execute.encode({ hdr: { count, dbc_id: dbcId }, data })), what);
  };
  withEntries(t.sys, 1, qaic_execute_entry.size, (mem) => {
    mem.bytes.set(qaic_execute_entry.encode({ handle: bo, dir: DMA_TO_DEVICE }));
    exec(0, 0, mem.address, 'EINVAL', 'count 0');
    // The entries are copied before the channel is looked at.
    exec(1, DBC_NUM, UNMAPPED, 'EFAULT', 'unreadable entries, dbc_id DBC_NUM');
    exec(1, DBC_NUM, mem.address, 'EINVAL', 'dbc_id DBC_NUM');
    for (const dbc of [0, DBC_NUM - 1]) exec(1, dbc, mem.address, 'EPERM', `channel ${dbc}, not activated by this file`);
  });
  gemClose(t.sys, fd, bo);
});

const badWait = subtest({
  name: 'bad-wait',
  description: 'WAIT_BO refuses a nonzero pad and a bad dbc_id (EINVAL) and a channel of another user before looking at the handle (EPERM)',
  reference: `${REF}/qaic_data.c qaic_wait_bo_ioctl`,
}, (t: TestContext): void => {
  const fd = openQaic(t);
  const bo = createBo(t.sys, fd, 4096);
  const wait = (a: { handle: number; dbc_id: number; pad?: number }, errno: 'EINVAL' | 'EPERM', what: string): void => {
    expectErrno(errno, () => t.sys.ioctl(fd, QAIC_IOCTL.WAIT_BO.request, qaic_wait.encode({ ...a, timeout: 1 })), what);
  };
  wait({ handle: bo, dbc_id: 0, pad: 1 }, 'EINVAL', 'pad 1');
  wait({ handle: bo, dbc_id: DBC_NUM }, 'EINVAL', 'dbc_id DBC_NUM');
  // The channel's owner is checked before the handle: an unknown handle is EPERM too.
  wait({ handle: bo, dbc_id: 0 }, 'EPERM', 'own BO, channel not activated by this file');
  wait({ handle: 99, dbc_id: DBC_NUM - 1 }, 'EPERM', 'unknown handle, channel not activated by this file');
  gemClose(t.sys, fd, bo);
});

const badDetachSlice = subtest({
  name: 'bad-detach-slice',
  description: 'DETACH_SLICE_BO refuses a nonzero pad (EINVAL), an unknown handle (ENOENT) and a BO with no slices (EINVAL)',
  reference: `${REF}/qaic_data.c qaic_detach_slice_bo_ioctl`,
}, (t: TestContext): void => {
  const fd = openQaic(t);
  const bo = createBo(t.sys, fd, 4096);
  doIoctlErr(t.sys, fd, QAIC_IOCTL.DETACH_SLICE_BO.request, qaic_detach_slice.encode({ handle: bo, pad: 1 }), 'EINVAL');
  doIoctlErr(t.sys, fd, QAIC_IOCTL.DETACH_SLICE_BO.request, qaic_detach_slice.encode({ handle: 99 }), 'ENOENT');
  doIoctlErr(t.sys, fd, QAIC_IOCTL.DETACH_SLICE_BO.request, qaic_detach_slice.encode({ handle: bo }), 'EINVAL');
  gemClose(t.sys, fd, bo);
});

const badMmapImported = subtest({
  name: 'bad-mmap-imported',
  description: 'a BO imported from a dma-buf (qaic imports its own as new objects) has no mmap offset: MMAP_BO answers 0, and mmap there fails (EINVAL)',
  reference: `${REF}/qaic_data.c qaic_gem_prime_import (no drm_gem_create_mmap_offset), qaic_mmap_bo_ioctl, drivers/gpu/drm/drm_gem.c drm_gem_mmap`,
  requires: ['prime'],
}, (t: TestContext): void => {
  const exporter = openQaic(t);
  const importer = t.open();
  const bo = createBo(t.sys, exporter, 4096);
  const prime = drm_prime_handle.encode({ handle: bo, flags: DRM_CLOEXEC | DRM_RDWR });
  t.sys.ioctl(exporter, DRM_IOCTL_PRIME_HANDLE_TO_FD, prime);
  const dmabuf = drm_prime_handle.decode(prime).fd;
  try {
    const imp = drm_prime_handle.encode({ fd: dmabuf });
    t.sys.ioctl(importer, DRM_IOCTL_PRIME_FD_TO_HANDLE, imp);
    const handle = drm_prime_handle.decode(imp).handle;
    // MMAP_BO only reads the node's offset; qaic_gem_prime_import never allocates one.
    const offset = mmapBoOffset(t.sys, importer, handle);
    checkEq(offset, 0n, 'MMAP_BO offset of an imported BO');
    // No object starts at offset 0 (drm_gem_object_lookup_at_offset); were there an offset,
    // qaic_gem_object_mmap would refuse the imported BO with the same EINVAL.
    expectErrno('EINVAL', () => t.sys.mmap(importer, 4096, PROT_READ, MAP_SHARED, offset), 'mmap of an imported BO through the device');
    // The dma-buf itself maps (dma_buf_mmap goes to the exporter).
    t.sys.munmap(t.sys.mmap(dmabuf, 4096, PROT_READ, MAP_SHARED, 0n));
  } finally {
    t.sys.close(dmabuf);
  }
});

/** A passthrough transaction of `len` bytes (header included), its payload zeroes. */
function passthrough(len: number): Buffer {
  const b = Buffer.alloc(Math.max(len, qaic_manage_trans_hdr.size));
  qaic_manage_trans_hdr.write(b, 0, { type: QAIC_TRANS_PASSTHROUGH_FROM_USR, len });
  return b;
}

const badManage = subtest({
  name: 'bad-manage',
  description: 'MANAGE refuses a malformed message while encoding it, before anything reaches the firmware: lengths, counts, transaction types and each transaction\'s own checks (EINVAL, EFAULT), a channel of another user (EPERM)',
  reference: `${REF}/qaic_control.c qaic_manage_ioctl, qaic_manage, encode_message, encode_passthrough, encode_dma, find_and_map_user_pages, encode_activate, encode_deactivate; qaic_data.c disable_dbc`,
}, (t: TestContext): void => {
  const fd = openQaic(t);
  withEntries(t.sys, 1, QAIC_MANAGE_MAX_MSG_LENGTH, (mem) => {
    const manage = (what: string, errno: 'EINVAL' | 'EFAULT' | 'EPERM', count: number, body: Buffer | { len: number; data: bigint }): void => {
      let len: number;
      let data: bigint;
      if (Buffer.isBuffer(body)) {
        mem.bytes.fill(0);
        body.copy(mem.bytes);
        len = body.length;
        data = mem.address;
      } else {
        ({ len, data } = body);
      }
      expectErrno(errno, () => t.sys.ioctl(fd, QAIC_IOCTL.MANAGE.request, qaic_manage_msg.encode({ len, count, data })), what);
    };
    const dma = (addr: bigint, size: bigint): Buffer =>
      qaic_manage_trans_dma_xfer.encode({ hdr: { type: QAIC_TRANS_DMA_XFER_FROM_USR, len: qaic_manage_trans_dma_xfer.size }, addr, size });
    const activate = (queueSize: number, pad: number): Buffer =>
      qaic_manage_trans_activate_to_dev.encode({ hdr: { type: QAIC_TRANS_ACTIVATE_FROM_USR, len: qaic_manage_trans_activate_to_dev.size }, queue_size: queueSize, pad });
    const deactivate = (dbcId: number, pad: number): Buffer =>
      qaic_manage_trans_deactivate.encode({ hdr: { type: QAIC_TRANS_DEACTIVATE_FROM_USR, len: qaic_manage_trans_deactivate.size }, dbc_id: dbcId, pad });
    // qaic_manage_ioctl and qaic_manage: the length, the copy, then the count.
    manage('len above QAIC_MANAGE_MAX_MSG_LENGTH', 'EINVAL', 1, { len: QAIC_MANAGE_MAX_MSG_LENGTH + 1, data: mem.address });
    manage('unreadable message', 'EFAULT', 1, { len: 16, data: UNMAPPED });
    manage('count above 4096 / 8', 'EINVAL', QAIC_MANAGE_MAX_MSG_LENGTH / 8 + 1, passthrough(8));
    // encode_message: the message and each transaction header.
    manage('count 0', 'EINVAL', 0, passthrough(8));
    manage('len below one transaction header', 'EINVAL', 1, { len: 4, data: mem.address });
    manage('a zeroed header (len 0)', 'EINVAL', 1, Buffer.alloc(8));
    manage('a transaction longer than the message', 'EINVAL', 1, passthrough(16).subarray(0, 8));
    manage('an unknown transaction type', 'EINVAL', 1, qaic_manage_trans_hdr.encode({ type: 99, len: 8 }));
    manage('more transactions counted than the bytes hold', 'EINVAL', 2, passthrough(8));
    manage('bytes left after the counted transactions', 'EINVAL', 1, Buffer.concat([passthrough(8), passthrough(8)]));
    // Each transaction's own checks.
    manage('passthrough of a length not a multiple of 8', 'EINVAL', 1, passthrough(12));
    manage('DMA transfer of size 0', 'EINVAL', 1, dma(mem.address, 0n));
    manage('DMA transfer whose end wraps past 2^64', 'EINVAL', 1, dma(mem.address, (1n << 64n) - 4096n));
    manage('DMA transfer from unmapped memory', 'EFAULT', 1, dma(UNMAPPED, 4096n));
    manage('activation with queue_size 0', 'EINVAL', 1, activate(0, 0));
    manage('activation with a nonzero pad', 'EINVAL', 1, activate(16, 1));
    manage('activation whose queue overflows 32 bits', 'EINVAL', 1, activate(0xffffffff, 0));
    manage('deactivation of channel DBC_NUM', 'EINVAL', 1, deactivate(DBC_NUM, 0));
    manage('deactivation with a nonzero pad', 'EINVAL', 1, deactivate(0, 1));
    for (const dbc of [0, DBC_NUM - 1]) manage(`deactivation of channel ${dbc}, not activated by this file`, 'EPERM', 1, deactivate(dbc, 0));
  });
});

const SUBTESTS: readonly Subtest[] = [
  basicCreateBo,
  badBoArgs,
  badAttachSlice,
  badExecute,
  badWait,
  badDetachSlice,
  badMmapImported,
  badManage,
];

export default defineFamily('qaic', 'Qualcomm Cloud AI 100: BO and slicing argument checks, DMA bridge channel ownership, imported BOs', SUBTESTS, { drivers: [QAIC_DRIVER] });
