/**
 * dmabuf: PRIME export and import (drm_prime.c) and the dma-buf file
 * (dma-buf.c), after IGT's prime_self_import: the per-file PRIME cache, the
 * dma-buf holding its memory, lseek, mmap, DMA_BUF_IOCTL_SYNC and the errors
 * for fds that are no dma-buf.
 */
import {
  checkEq,
  checkSameBytes,
  doIoctl,
  doIoctlErr,
  expectErrno,
  must,
} from '../../harness/testing/assert';
import { type DeviceUnderTest, defineFamily, type TestContext, subtest } from '../../harness/testing/define';
import { meets, type Requirement } from '../../harness/testing/requirements';
import { MAP_SHARED, O_NONBLOCK, PROT_READ, PROT_WRITE, SEEK_CUR, SEEK_END, SEEK_SET } from '../../harness/sys/constants';
import { DMA_BUF_IOCTL_SYNC, DMA_BUF_SYNC_END, DMA_BUF_SYNC_RW, DMA_BUF_SYNC_START, dma_buf_sync } from '../../harness/uapi/dma-buf';
import {
  DRM_CLOEXEC,
  DRM_IOCTL_PRIME_FD_TO_HANDLE,
  DRM_IOCTL_PRIME_HANDLE_TO_FD,
  DRM_RDWR,
  drm_prime_handle,
} from '../../harness/uapi/drm';
import { fnv1a32 } from '../../drivers/apu/uapi';
import { bufferMmap, deviceAddress, exportDmabuf, mappedBuffer, openRetry, pattern, runJob } from '../lib/device';
import { gemClose, primeExport, primeImport } from '../lib/drm';

const SIZE = 2 * 4096;

/** What a device needs to read a buffer back through a job (the device view of the tests below). */
const DEVICE_READ: readonly Requirement[] = ['device-address', 'jobs.checksum'];

/** PRIME export of a GEM object; the dma-buf fd is closed after the test. */
function exportFd(t: TestContext, fd: number, handle: number): number {
  const dmabuf = primeExport(t.sys, fd, handle);
  t.defer(() => t.sys.close(dmabuf));
  return dmabuf;
}

/** What the device sees at `handle` of `fd`, through a CHECKSUM job of that file's own context. */
async function deviceChecksum(t: TestContext, device: DeviceUnderTest, fd: number, handle: number, len: number): Promise<number> {
  const addr = deviceAddress(t, fd, handle, device);
  const jobs = t.capability('jobs', device);
  const submitted = jobs.submit(fd, { kind: 'checksum', src: addr, len }, [handle]);
  const budget = (device.profile.jobTimeoutMs ?? 1000) * 3 + 2000;
  const r = await jobs.wait(submitted, budget);
  checkEq(r.status, 'ok', `CHECKSUM job on ${device.label}`);
  return r.output.readUInt32LE(0);
}

const basicSelfImport = subtest({
  name: 'basic-self-import',
  description: 'importing an exported dma-buf into its own file returns the original handle, every time',
  reference: 'drivers/gpu/drm/drm_prime.c: drm_gem_prime_fd_to_handle, drm_gem_prime_handle_to_fd',
  requires: ['prime', 'gem-buffers'],
}, async (t: TestContext): Promise<void> => {
  const fd = await openRetry(t);
  const bo = t.capability('buffers').create(fd, SIZE);
  const dmabuf = exportFd(t, fd, bo.handle);
  // drm_gem_prime_fd_to_handle finds the dma-buf in the file's PRIME cache.
  checkEq(primeImport(t.sys, fd, dmabuf), bo.handle, 'self-import of the exported dma-buf');
  checkEq(primeImport(t.sys, fd, dmabuf), bo.handle, 'second self-import');
  const again = exportFd(t, fd, bo.handle);
  // obj->dma_buf is reused: a second export is a new fd of the same dma-buf file.
  checkEq(t.sys.fstat(again).ino, t.sys.fstat(dmabuf).ino, 'inode of a re-export vs the first export');
  checkEq(primeImport(t.sys, fd, again), bo.handle, 'import of the re-exported dma-buf');
});

const importOtherFile = subtest({
  name: 'import-other-file',
  description: 'import into another file gives that file one handle to the same memory, both ways',
  reference: 'drivers/gpu/drm/drm_prime.c: drm_gem_prime_import (own-device shortcut), drm_prime_add_buf_handle',
  requires: ['prime', 'second-context', 'gem-buffers', 'buffers.mmap', 'device-address', 'jobs.checksum', 'jobs.fill'],
}, async (t: TestContext): Promise<void> => {
  const a = await openRetry(t);
  const b = await openRetry(t);
  const { bo, map } = mappedBuffer(t, a, SIZE);
  const data = pattern(SIZE, 3);
  data.copy(map.bytes);
  const dmabuf = exportFd(t, a, bo.handle);
  const hb = primeImport(t.sys, b, dmabuf);
  checkEq(primeImport(t.sys, b, dmabuf), hb, 'second import into the other file (its PRIME cache)');
  t.log(`exporter handle ${bo.handle}, importer handle ${hb}`);
  checkEq(await deviceChecksum(t, t.dev, b, hb, SIZE), fnv1a32(data), 'what the importer reads vs what the exporter wrote');
  const addr = deviceAddress(t, b, hb);
  const r = await runJob(t, b, { kind: 'fill', dst: addr, len: 4096, value: 0x3c }, [hb]);
  checkEq(r.status, 'ok', 'FILL job of the importer');
  const expected = Buffer.from(data);
  expected.fill(0x3c, 0, 4096);
  checkSameBytes(map.bytes.subarray(0, SIZE), expected, 'exporter\'s mapping after the importer\'s FILL');
});

const dmabufMmap = subtest({
  name: 'dmabuf-mmap',
  description: 'mmap of the dma-buf shows the object\'s data both ways, refuses a range past its size, and outlives GEM_CLOSE',
  reference: 'drivers/dma-buf/dma-buf.c: dma_buf_mmap_internal; drivers/gpu/drm/drm_prime.c: drm_gem_dmabuf_mmap',
  requires: ['prime', 'gem-buffers', 'buffers.mmap'],
}, async (t: TestContext): Promise<void> => {
  const fd = await openRetry(t);
  const bo = t.capability('buffers').create(fd, SIZE);
  const map = bufferMmap(t)(fd, bo);
  const data = pattern(SIZE, 4);
  data.copy(map.bytes);
  const dmabuf = exportFd(t, fd, bo.handle);
  const dmap = must('mmap of the dma-buf fd', () => t.sys.mmap(dmabuf, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, 0n));
  checkSameBytes(dmap.bytes.subarray(0, SIZE), data, 'dma-buf mapping vs GEM mapping');
  dmap.bytes[5] = 0x77;
  data[5] = 0x77;
  checkEq(map.bytes[5] as number, 0x77, 'byte written through the dma-buf mapping, seen through the GEM mapping');
  // dma_buf_mmap_internal: a range past the buffer's size is refused.
  expectErrno('EINVAL', () => t.sys.mmap(dmabuf, SIZE + 4096, PROT_READ, MAP_SHARED, 0n), 'mmap of the dma-buf past its size');
  // Mappings hold the object too (drm_gem_vm_open): only the dma-buf may keep it from here on.
  t.sys.munmap(map);
  t.sys.munmap(dmap);
  gemClose(t.sys, fd, bo.handle);
  // Fresh objects would be handed freed pages: make some and scribble on them.
  for (let i = 0; i < 3; i++) mappedBuffer(t, fd, SIZE).map.bytes.fill(0xa5);
  const late = must('mmap of the dma-buf after GEM_CLOSE of the only handle', () => t.sys.mmap(dmabuf, SIZE, PROT_READ, MAP_SHARED, 0n));
  t.defer(() => t.sys.munmap(late));
  checkSameBytes(late.bytes.subarray(0, SIZE), data, 'dma-buf mapping after GEM_CLOSE of the only handle');
});

const dmabufOutlivesExporter = subtest({
  name: 'dmabuf-outlives-exporter',
  description: 'the dma-buf keeps the memory after GEM_CLOSE and after the exporting file closes',
  reference: 'drivers/gpu/drm/drm_prime.c: drm_gem_prime_export, drm_gem_dmabuf_release',
  requires: ['prime', 'gem-buffers', 'buffers.mmap'],
}, async (t: TestContext): Promise<void> => {
  const fd = await openRetry(t);
  const bo = t.capability('buffers').create(fd, SIZE);
  const map = bufferMmap(t)(fd, bo);
  const data = pattern(SIZE, 5);
  data.copy(map.bytes);
  t.sys.munmap(map);
  const dmabuf = exportFd(t, fd, bo.handle);
  gemClose(t.sys, fd, bo.handle);
  t.close(fd);
  const next = await openRetry(t);
  const h = primeImport(t.sys, next, dmabuf);
  t.log(`re-imported as handle ${h} in a new file`);
  const view = must('mmap of the dma-buf after its exporter closed', () => t.sys.mmap(dmabuf, SIZE, PROT_READ, MAP_SHARED, 0n));
  t.defer(() => t.sys.munmap(view));
  checkSameBytes(view.bytes.subarray(0, SIZE), data, 'dma-buf contents after GEM_CLOSE and close of the exporting file');
  if (meets(t.dev, DEVICE_READ, t.options)) {
    checkEq(await deviceChecksum(t, t.dev, next, h, SIZE), fnv1a32(data), 'what the new file\'s device context reads');
  } else {
    t.log('no checksum job or device address: what the device reads is not checked');
  }
});

const basicLseek = subtest({
  name: 'basic-lseek',
  description: 'lseek(SEEK_END, 0) on a dma-buf is its size; other offsets and whences give EINVAL',
  reference: 'drivers/dma-buf/dma-buf.c: dma_buf_llseek',
  requires: ['dmabuf'],
}, async (t: TestContext): Promise<void> => {
  const fd = await openRetry(t);
  const bo = t.capability('buffers').create(fd, SIZE);
  const dmabuf = exportDmabuf(t, fd, bo.handle);
  checkEq(t.sys.lseek(dmabuf, 0n, SEEK_END), BigInt(SIZE), 'lseek(SEEK_END, 0): the size');
  checkEq(t.sys.lseek(dmabuf, 0n, SEEK_SET), 0n, 'lseek(SEEK_SET, 0)');
  expectErrno('EINVAL', () => t.sys.lseek(dmabuf, 0n, SEEK_CUR), 'lseek(SEEK_CUR, 0)');
  expectErrno('EINVAL', () => t.sys.lseek(dmabuf, 1n, SEEK_END), 'lseek(SEEK_END, 1)');
  expectErrno('EINVAL', () => t.sys.lseek(dmabuf, 4096n, SEEK_SET), 'lseek(SEEK_SET, 4096)');
});

const badSyncFlags = subtest({
  name: 'bad-sync-flags',
  description: 'DMA_BUF_IOCTL_SYNC accepts START/END with READ/WRITE and rejects other flags with EINVAL',
  reference: 'drivers/dma-buf/dma-buf.c: dma_buf_ioctl',
  requires: ['dmabuf'],
}, async (t: TestContext): Promise<void> => {
  const fd = await openRetry(t);
  const bo = t.capability('buffers').create(fd, SIZE);
  const dmabuf = exportDmabuf(t, fd, bo.handle);
  const sync = (flags: bigint): Buffer => dma_buf_sync.encode({ flags });
  doIoctl(t.sys, dmabuf, DMA_BUF_IOCTL_SYNC, sync(DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
  doIoctl(t.sys, dmabuf, DMA_BUF_IOCTL_SYNC, sync(DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));
  doIoctlErr(t.sys, dmabuf, DMA_BUF_IOCTL_SYNC, sync(DMA_BUF_SYNC_RW | (1n << 3n)), 'EINVAL');
  doIoctlErr(t.sys, dmabuf, DMA_BUF_IOCTL_SYNC, sync(DMA_BUF_SYNC_RW | (1n << 63n)), 'EINVAL');
  // Neither READ nor WRITE: dma_buf_ioctl's switch has no case for it.
  doIoctlErr(t.sys, dmabuf, DMA_BUF_IOCTL_SYNC, sync(DMA_BUF_SYNC_START), 'EINVAL');
});

const badPrimeFlags = subtest({
  name: 'bad-prime-flags',
  description: 'PRIME_HANDLE_TO_FD rejects flags beyond DRM_CLOEXEC|DRM_RDWR (EINVAL) and unknown handles (ENOENT)',
  reference: 'drivers/gpu/drm/drm_prime.c: drm_prime_handle_to_fd_ioctl',
  requires: ['prime', 'gem-buffers'],
}, async (t: TestContext): Promise<void> => {
  const fd = await openRetry(t);
  const bo = t.capability('buffers').create(fd, SIZE);
  for (const flags of [O_NONBLOCK, DRM_CLOEXEC | DRM_RDWR | 0x1, 0x80000000]) {
    const arg = drm_prime_handle.encode({ handle: bo.handle, flags: flags >>> 0 });
    doIoctlErr(t.sys, fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, arg, 'EINVAL');
  }
  // drm_gem_prime_handle_to_fd: drm_gem_object_lookup fails -> -ENOENT.
  doIoctlErr(t.sys, fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, drm_prime_handle.encode({ handle: 0x10101010, flags: DRM_CLOEXEC }), 'ENOENT');
});

const badImport = subtest({
  name: 'bad-import',
  description: 'importing a pipe or a memfd gives EINVAL, a closed fd EBADF',
  reference: 'drivers/dma-buf/dma-buf.c: dma_buf_get',
  requires: ['prime'],
}, async (t: TestContext): Promise<void> => {
  const fd = await openRetry(t);
  const importArg = (f: number): Buffer => drm_prime_handle.encode({ fd: f });
  const [r, w] = t.sys.pipe();
  t.defer(() => t.sys.close(r));
  t.defer(() => t.sys.close(w));
  // dma_buf_get: a file that is not a dma-buf -> -EINVAL.
  doIoctlErr(t.sys, fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, importArg(r), 'EINVAL');
  const memfd = t.sys.memfd('accel-conformance', 4096);
  t.defer(() => t.sys.close(memfd));
  doIoctlErr(t.sys, fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, importArg(memfd), 'EINVAL');
  // dma_buf_get: fget fails on an fd that is not open -> -EBADF.
  const [cr, cw] = t.sys.pipe();
  t.sys.close(cr);
  t.sys.close(cw);
  doIoctlErr(t.sys, fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, importArg(cr), 'EBADF');
});

function refusalText(d: DeviceUnderTest): string {
  const r = d.profile.foreignImportRefused;
  return `${d.label} (${d.profile.driver}: ${r?.errno}, ${r?.reference})`;
}

const importOtherDevice = subtest({
  name: 'import-other-device',
  description: 'a dma-buf of one device imported into another shows the same data, also after the exporter let go (importers that refuse foreign dma-bufs are not used)',
  reference: 'drivers/gpu/drm/drm_prime.c: drm_gem_prime_import_dev',
  requires: ['prime', 'gem-buffers', 'buffers.mmap'],
}, async (t: TestContext): Promise<void> => {
  // A driver without gem_prime_import_sg_table refuses every foreign dma-buf
  // (its family checks the errno); it cannot be this test's importer.
  const primeDevices = t.others.filter((o) => meets(o, ['prime', 'gem-buffers'], t.options));
  const refusing = primeDevices.filter((o) => o.profile.foreignImportRefused);
  const importers = primeDevices.filter((o) => !o.profile.foreignImportRefused);
  const other = importers.find((o) => meets(o, DEVICE_READ, t.options));
  if (!other) {
    t.skip(
      t.others.length === 0
        ? 'only one device selected: cross-device import needs a second one'
        : importers.length === 0 && refusing.length > 0
          ? `the other devices refuse foreign dma-bufs: ${refusing.map(refusalText).join('; ')}`
          : 'no other selected device takes foreign dma-bufs and has PRIME and a checksum-capable adapter',
    );
  }
  const fd = await openRetry(t);
  const ofd = await openRetry(t, other);
  const bo = t.capability('buffers').create(fd, SIZE);
  const map = bufferMmap(t)(fd, bo);
  const data = pattern(SIZE, 6);
  data.copy(map.bytes);
  t.sys.munmap(map);
  const dmabuf = exportFd(t, fd, bo.handle);
  const h = primeImport(other.sys, ofd, dmabuf);
  t.log(`${t.dev.label} handle ${bo.handle} imported into ${other.label} as handle ${h}`);
  checkEq(await deviceChecksum(t, other, ofd, h, SIZE), fnv1a32(data), `what ${other.label} reads of ${t.dev.label}'s buffer`);
  gemClose(t.sys, fd, bo.handle);
  t.close(fd);
  checkEq(
    await deviceChecksum(t, other, ofd, h, SIZE),
    fnv1a32(data),
    `what ${other.label} reads after the exporter closed its handle and file`,
  );
});

export default defineFamily('dmabuf', 'PRIME export/import, dma-buf lifetime, lseek, mmap and sync', [
  basicSelfImport,
  importOtherFile,
  dmabufMmap,
  dmabufOutlivesExporter,
  basicLseek,
  badSyncFlags,
  badPrimeFlags,
  badImport,
  importOtherDevice,
]);
