/**
 * gem: the GEM handle lifecycle of drm_gem.c as an accel file sees it:
 * per-file handle tables with lowest-free allocation, GEM_CLOSE errors,
 * release at close, fake mmap offsets bound to the files holding a handle.
 */
import { check, checkBytes, checkEq, checkSameBytes, doIoctlErr, expectErrno, must } from '../../harness/testing/assert';
import { defineFamily, type TestContext, subtest } from '../../harness/testing/define';
import { meets } from '../../harness/testing/requirements';
import { MAP_SHARED, PROT_READ, PROT_WRITE } from '../../harness/sys/constants';
import { DRM_IOCTL_GEM_CLOSE, drm_gem_close } from '../../harness/uapi/drm';
import { APU_BO_FLAGS, DRM_IOCTL_APU_GEM_NEW, drm_apu_gem_new, fnv1a32 } from '../../drivers/apu/uapi';
import { debugfsDirOf, deviceAddress, mapBuffer, mappedBuffer, pattern, runJob, openRetry } from '../lib/device';
import { gemClose } from '../lib/drm';

const closeArg = (handle: number): Buffer => drm_gem_close.encode({ handle });

const basicCreateClose = subtest({
  name: 'basic-create-close',
  description: 'a created object has a non-zero handle; after GEM_CLOSE the handle is gone (EINVAL)',
  reference: 'drivers/gpu/drm/drm_gem.c: drm_gem_handle_create_tail, drm_gem_close_ioctl',
  requires: ['gem-buffers'],
}, async (t: TestContext): Promise<void> => {
  const buffers = t.capability('buffers');
  const fd = await openRetry(t);
  const bo = buffers.create(fd, 4096);
  check(bo.handle !== 0, 'the driver returned handle 0, which GEM never allocates');
  t.log(`handle ${bo.handle}, size ${bo.size}`);
  gemClose(t.sys, fd, bo.handle);
  doIoctlErr(t.sys, fd, DRM_IOCTL_GEM_CLOSE, closeArg(bo.handle), 'EINVAL');
});

const badClose = subtest({
  name: 'bad-close',
  description: 'GEM_CLOSE of handle 0 or 0x10101010 gives EINVAL',
  reference: 'drivers/gpu/drm/drm_gem.c: drm_gem_handle_delete',
}, async (t: TestContext): Promise<void> => {
  const fd = await openRetry(t);
  // drm_gem_handle_delete: idr_replace finds no object -> -EINVAL.
  doIoctlErr(t.sys, fd, DRM_IOCTL_GEM_CLOSE, closeArg(0), 'EINVAL');
  doIoctlErr(t.sys, fd, DRM_IOCTL_GEM_CLOSE, closeArg(0x10101010), 'EINVAL');
});

const handleReuseLowest = subtest({
  name: 'handle-reuse-lowest',
  description: 'handles are allocated lowest-free from 1, so a closed handle number is reused first',
  reference: 'drivers/gpu/drm/drm_gem.c: drm_gem_handle_create_tail (idr_alloc from 1)',
  requires: ['gem-buffers'],
}, async (t: TestContext): Promise<void> => {
  const buffers = t.capability('buffers');
  const fd = await openRetry(t);
  const handles = [1, 2, 3, 4].map(() => buffers.create(fd, 4096).handle);
  t.log(`handles ${handles.join(', ')}`);
  // idr_alloc(&file_priv->object_idr, NULL, 1, 0, ...): the lowest free id from 1.
  checkEq(handles.join(','), '1,2,3,4', 'first four handles of a fresh file');
  gemClose(t.sys, fd, 2);
  gemClose(t.sys, fd, 3);
  checkEq(buffers.create(fd, 4096).handle, 2, 'handle after closing 2 and 3');
  checkEq(buffers.create(fd, 4096).handle, 3, 'next handle');
  checkEq(buffers.create(fd, 4096).handle, 5, 'handle once 1..4 are taken again');
});

const handlesPerFile = subtest({
  name: 'handles-per-file',
  description: 'a handle of one file is unknown to another file of the same device',
  reference: 'drivers/gpu/drm/drm_gem.c: drm_gem_open (per-file object_idr)',
  requires: ['second-context', 'gem-buffers'],
}, async (t: TestContext): Promise<void> => {
  const buffers = t.capability('buffers');
  const a = await openRetry(t);
  const b = await openRetry(t);
  const bo = buffers.create(a, 4096);
  doIoctlErr(t.sys, b, DRM_IOCTL_GEM_CLOSE, closeArg(bo.handle), 'EINVAL');
  // The object is still there for its own file.
  gemClose(t.sys, a, bo.handle);
});

function readObjectCount(t: TestContext, path: string): number {
  const text = must(`reading ${path}`, () => t.sys.fs.readFile(path).toString('utf8').trim());
  const n = Number.parseInt(text, 10);
  check(Number.isInteger(n) && String(n) === text, `${path}: not a decimal count but ${JSON.stringify(text)}`);
  return n;
}

const closeReleasesObjects = subtest({
  name: 'close-releases-objects',
  description: 'closing a file releases every object it held (debugfs object count back to its start)',
  reference: 'drivers/gpu/drm/drm_gem.c: drm_gem_release; docs/uapi-apu.md: Debugfs',
  requires: ['debugfs-object-count', 'gem-buffers'],
}, async (t: TestContext): Promise<void> => {
  const path = `${debugfsDirOf(t.dev)}/${t.dev.profile.debugfsObjectCount as string}`;
  if (!t.sys.fs.exists(path)) t.skip(`${path} is not readable here (debugfs not mounted, or not root)`);
  const buffers = t.capability('buffers');
  const base = readObjectCount(t, path);
  const fd = await openRetry(t);
  for (let i = 0; i < 3; i++) buffers.create(fd, 4096 * (i + 1));
  checkEq(readObjectCount(t, path), base + 3, `${path} after creating 3 objects`);
  t.close(fd);
  checkEq(readObjectCount(t, path), base, `${path} after closing the file that held them`);
});

const badCreate = subtest({
  name: 'bad-create',
  description: 'creating with size 0, an absurd size or unknown flags gives EINVAL and leaves handle and offset 0',
  reference: 'docs/uapi-apu.md: GEM_NEW',
  // Creation errors are checked through the driver's own create ioctl.
  requires: ['uapi:apu'],
}, async (t: TestContext): Promise<void> => {
  const fd = await openRetry(t);
  const cases: [string, { size: number; flags: number }][] = [
    ['size 0', { size: 0, flags: 0 }],
    ['size above max_bo_size (0xffffffff)', { size: 0xffffffff, flags: 0 }],
    ['unknown flags', { size: 4096, flags: ~APU_BO_FLAGS >>> 0 }],
  ];
  for (const [what, input] of cases) {
    const arg = drm_apu_gem_new.encode(input);
    doIoctlErr(t.sys, fd, DRM_IOCTL_APU_GEM_NEW, arg, 'EINVAL');
    const out = drm_apu_gem_new.decode(arg);
    checkEq(out.handle, 0, `GEM_NEW (${what}) handle after the failure`);
    checkEq(out.offset, 0n, `GEM_NEW (${what}) offset after the failure`);
  }
});

const basicMmap = subtest({
  name: 'basic-mmap',
  description: 'data written through a mapping reads back through another mapping and is what the device reads',
  reference: 'drivers/gpu/drm/drm_gem.c: drm_gem_mmap',
  requires: ['gem-buffers', 'buffers.mmap'],
}, async (t: TestContext): Promise<void> => {
  const fd = await openRetry(t);
  const size = 3 * 4096;
  const { bo, map } = mappedBuffer(t, fd, size);
  const data = pattern(size, 1);
  data.copy(map.bytes);
  const second = mapBuffer(t, fd, bo);
  checkSameBytes(second.bytes.subarray(0, size), data, 'a second mapping of the same object');
  if (!meets(t.dev, ['device-address', 'jobs.checksum'], t.options)) {
    t.skipPart('the device\'s view of the object', `adapter '${t.adapter().name}' has no checksum job or device address`);
    return;
  }
  const addr = deviceAddress(t, fd, bo.handle);
  const r = await runJob(t, fd, { kind: 'checksum', src: addr, len: size }, [bo.handle]);
  checkEq(r.status, 'ok', 'CHECKSUM job status');
  checkEq(r.output.readUInt32LE(0), fnv1a32(data), 'CHECKSUM the device computed over what the CPU wrote');
});

const badMmapOtherFile = subtest({
  name: 'bad-mmap-other-file',
  description: 'mmap of another file\'s fake offset gives EACCES',
  reference: 'drivers/gpu/drm/drm_gem.c: drm_gem_mmap (drm_vma_node_is_allowed)',
  requires: ['second-context', 'gem-buffers', 'buffers.mmap'],
}, async (t: TestContext): Promise<void> => {
  const buffers = t.capability('buffers');
  const a = await openRetry(t);
  const b = await openRetry(t);
  const bo = buffers.create(a, 4096);
  const offset = bo.mmapOffset;
  check(offset !== undefined, `adapter '${t.adapter().name}' maps buffers but gave handle ${bo.handle} no fake offset`);
  // drm_gem_mmap: drm_vma_node_is_allowed fails for a file with no handle -> -EACCES.
  expectErrno('EACCES', () => t.sys.mmap(b, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, offset), 'mmap of another file\'s fake offset');
});

const mmapOutlivesClose = subtest({
  name: 'mmap-outlives-close',
  description: 'a mapping keeps its object: after GEM_CLOSE it still shows and takes the data, never another object\'s',
  reference: 'drivers/gpu/drm/drm_gem.c: drm_gem_vm_open, drm_gem_vm_close',
  requires: ['gem-buffers', 'buffers.mmap'],
}, async (t: TestContext): Promise<void> => {
  const fd = await openRetry(t);
  const { bo, map } = mappedBuffer(t, fd, 4096);
  const data = pattern(4096, 2);
  data.copy(map.bytes);
  gemClose(t.sys, fd, bo.handle);
  checkSameBytes(map.bytes.subarray(0, 4096), data, 'mapping right after GEM_CLOSE');
  // If the object had been freed, new objects would be handed its pages.
  const others = [0, 1, 2].map(() => mappedBuffer(t, fd, 4096));
  for (const o of others) o.map.bytes.fill(0xa5);
  checkSameBytes(map.bytes.subarray(0, 4096), data, 'mapping after GEM_CLOSE and three new objects');
  map.bytes[0] = 0x5a;
  checkEq(map.bytes[0] as number, 0x5a, 'write through the mapping after GEM_CLOSE');
  for (const o of others) checkBytes(o.map.bytes.subarray(0, 4096), 0xa5, 'new object after a write to the closed one');
});

export default defineFamily('gem', 'GEM handle lifecycle: per-file handle tables, GEM_CLOSE, release at close, mmap offsets', [
  basicCreateClose,
  badClose,
  handleReuseLowest,
  handlesPerFile,
  closeReleasesObjects,
  badCreate,
  basicMmap,
  badMmapOtherFile,
  mmapOutlivesClose,
]);
