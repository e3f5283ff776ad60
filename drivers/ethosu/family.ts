/**
 * accel@ethosu@...: rules only the Ethos-U driver has, like IGT's per-driver
 * binaries. Ethos-U has no IOMMU: its isolation is the command stream
 * validator (ethosu_gem.c ethosu_gem_cmdstream_copy_and_validate) and
 * SUBMIT's check of every region against the BO bound to it
 * (ethosu_job.c ethosu_ioctl_submit_job), so most of the family feeds those
 * two malformed input and requires the kernel's errno and no side effect.
 */
import { expectForeignImportRefused } from '../../tests/lib/device';
import { checkEq, doIoctlErr, expectErrno } from '../../harness/testing/assert';
import { defineFamily, type Subtest, type TestContext, subtest } from '../../harness/testing/define';
import { MAP_SHARED, PROT_READ } from '../../harness/sys/constants';
import { DRM_IOCTL_GEM_CLOSE, drm_gem_close } from '../../harness/uapi/drm';
import type { Sys } from '../../harness/sys/types';
import {
  NPU_OP_DMA_START,
  NPU_OP_STOP,
  NPU_SET_DMA0_DST,
  NPU_SET_DMA0_DST_REGION,
  NPU_SET_DMA0_LEN,
  NPU_SET_DMA0_SIZE0,
  NPU_SET_DMA0_SIZE1,
  NPU_SET_DMA0_SRC,
  NPU_SET_DMA0_SRC_REGION,
  NPU_SET_DMA0_SRC_STRIDE0,
  NPU_SET_DMA0_SRC_STRIDE1,
  cmd1,
  cmd2,
  dmaCopyStream,
  dmaRegionParam,
  stopStream,
} from './cmdstream';
import { boCreate, boMmapOffset, cmdstreamCreate, npuInfo, submit } from './lib';
import { bind, findBinding, isBound, unbind, waitForPath } from './unbind';
import { judge, KernelLog } from '../../harness/runner/kmsg';
import { check } from '../../harness/testing/assert';
import { ETHOSU_DRIVER } from './profile';
import {
  DRM_ETHOSU_BO_NO_MMAP,
  DRM_ETHOSU_MAX_PERF_EVENT_COUNTERS,
  ETHOSU_IOCTL,
  drm_ethosu_bo_create,
  drm_ethosu_cmdstream_bo_create,
  drm_ethosu_perfmon_create,
} from './uapi';

const REF = 'drivers/accel/ethosu';

/** Opens the device, skipping on any other driver. */
function openEthosu(t: TestContext): number {
  if (t.dev.profile.driver !== ETHOSU_DRIVER) t.skip(`an Ethos-U rule; ${t.dev.label} is driven by ${t.dev.profile.driver}`);
  return t.open();
}

/** A stream refused by CMDSTREAM_BO_CREATE with EINVAL: no handle comes back. */
function refusedStream(t: TestContext, fd: number, words: readonly number[], what: string): void {
  expectErrno('EINVAL', () => cmdstreamCreate(t.sys, fd, Uint32Array.from(words)), what);
}

/** The handles a fresh BO gets tell whether a refused call left an object behind (lowest free handle). */
function nextHandle(sys: Sys, fd: number): number {
  const h = boCreate(sys, fd, 4096).handle;
  sys.ioctl(fd, DRM_IOCTL_GEM_CLOSE, drm_gem_close.encode({ handle: h }));
  return h;
}

const badBoCreate = subtest({
  name: 'bad-bo-create',
  description: 'BO_CREATE refuses size 0 and flags other than NO_MMAP with EINVAL, writing nothing and allocating nothing',
  reference: `${REF}/ethosu_drv.c ethosu_ioctl_bo_create`,
}, (t: TestContext): void => {
  const fd = openEthosu(t);
  for (const [size, flags, what] of [[0n, 0, 'size 0'], [4096n, 2, 'unknown flag 1 << 1'], [4096n, 0x80000000, 'unknown flag 1 << 31']] as const) {
    const arg = drm_ethosu_bo_create.encode({ size, flags });
    doIoctlErr(t.sys, fd, ETHOSU_IOCTL.BO_CREATE.request, arg, 'EINVAL');
    const out = drm_ethosu_bo_create.decode(arg);
    checkEq(out.handle, 0, `handle after a refused BO_CREATE (${what})`);
    checkEq(out.size, size, `size after a refused BO_CREATE (${what})`);
  }
  checkEq(nextHandle(t.sys, fd), 1, 'first handle after the refused creations');
});

const badMmapNoMmap = subtest({
  name: 'bad-mmap-no-mmap',
  description: 'mmap of a NO_MMAP BO or of a command stream BO fails with EINVAL; a plain BO maps',
  reference: `${REF}/ethosu_gem.c ethosu_gem_mmap, ethosu_drv.c ethosu_ioctl_cmdstream_bo_create`,
}, (t: TestContext): void => {
  const fd = openEthosu(t);
  const plain = boCreate(t.sys, fd, 4096);
  t.sys.munmap(t.sys.mmap(fd, 4096, PROT_READ, MAP_SHARED, boMmapOffset(t.sys, fd, plain.handle)));
  const nommap = boCreate(t.sys, fd, 4096, DRM_ETHOSU_BO_NO_MMAP);
  expectErrno('EINVAL', () => t.sys.mmap(fd, 4096, PROT_READ, MAP_SHARED, boMmapOffset(t.sys, fd, nommap.handle)), 'mmap of a NO_MMAP BO');
  const cmd = cmdstreamCreate(t.sys, fd, stopStream());
  expectErrno('EINVAL', () => t.sys.mmap(fd, 4096, PROT_READ, MAP_SHARED, boMmapOffset(t.sys, fd, cmd)), 'mmap of a command stream BO');
});

const badCmdstreamStop = subtest({
  name: 'bad-cmdstream-stop',
  description: 'a command stream must end with one STOP as its last word; refused streams leave no BO and report flags NO_MMAP',
  reference: `${REF}/ethosu_gem.c ethosu_gem_cmdstream_copy_and_validate (NPU_OP_STOP)`,
}, (t: TestContext): void => {
  const fd = openEthosu(t);
  refusedStream(t, fd, [cmd1(0x100, 1)], 'a stream without STOP');
  refusedStream(t, fd, [cmd1(NPU_OP_STOP), cmd1(0x100, 1)], 'a STOP followed by a command');
  refusedStream(t, fd, [cmd1(NPU_OP_STOP), cmd1(NPU_OP_STOP)], 'two STOPs');
  // args->flags |= DRM_ETHOSU_BO_NO_MMAP happens before validation: the refused call still writes it back.
  const mem = t.sys.alloc(4);
  t.defer(() => t.sys.free(mem));
  mem.bytes.writeUInt32LE(cmd1(0x100, 1), 0);
  const arg = drm_ethosu_cmdstream_bo_create.encode({ size: 4, data: mem.address });
  doIoctlErr(t.sys, fd, ETHOSU_IOCTL.CMDSTREAM_BO_CREATE.request, arg, 'EINVAL');
  checkEq(drm_ethosu_cmdstream_bo_create.decode(arg).handle, 0, 'handle of a refused stream');
  checkEq(nextHandle(t.sys, fd), 1, 'first handle after the refused streams');
});

const badCmdstreamDmaUnset = subtest({
  name: 'bad-cmdstream-dma-unset',
  description: 'a DMA whose length or offsets were never set is refused with EINVAL (the walk starts from all-ones state)',
  reference: `${REF}/ethosu_gem.c cmd_state_init, dma_length`,
}, (t: TestContext): void => {
  const fd = openEthosu(t);
  const regions = [cmd1(NPU_SET_DMA0_SRC_REGION, dmaRegionParam(0)), cmd1(NPU_SET_DMA0_DST_REGION, dmaRegionParam(1))];
  refusedStream(t, fd, [...regions, ...cmd2(NPU_SET_DMA0_SRC, 0), ...cmd2(NPU_SET_DMA0_DST, 0), cmd1(NPU_OP_DMA_START), cmd1(NPU_OP_STOP)], 'a DMA whose length was never set');
  refusedStream(t, fd, [...regions, ...cmd2(NPU_SET_DMA0_LEN, 64), cmd1(NPU_OP_DMA_START), cmd1(NPU_OP_STOP)], 'a DMA whose offsets were never set');
});

const badCmdstreamOverflow = subtest({
  name: 'bad-cmdstream-overflow',
  description: 'a DMA extent that overflows 64 bits is refused with EINVAL',
  reference: `${REF}/ethosu_gem.c dma_length (check_mul_overflow, check_add_overflow)`,
}, (t: TestContext): void => {
  const fd = openEthosu(t);
  // A 2-D source: (len + stride0) * size0, then (+ stride1) * size1 passes 2^64.
  refusedStream(
    t,
    fd,
    [
      cmd1(NPU_SET_DMA0_SRC_REGION, dmaRegionParam(0, 2)),
      cmd1(NPU_SET_DMA0_DST_REGION, dmaRegionParam(1)),
      ...cmd2(NPU_SET_DMA0_LEN, 0xffffffffffn),
      ...cmd2(NPU_SET_DMA0_SRC_STRIDE0, 0x7fffffffffn),
      ...cmd2(NPU_SET_DMA0_SRC_STRIDE1, 0x7fffffffffn),
      cmd1(NPU_SET_DMA0_SIZE0, 0xffff),
      cmd1(NPU_SET_DMA0_SIZE1, 0xffff),
      ...cmd2(NPU_SET_DMA0_SRC, 0),
      ...cmd2(NPU_SET_DMA0_DST, 0),
      cmd1(NPU_OP_DMA_START),
      cmd1(NPU_OP_STOP),
    ],
    'a DMA extent beyond 2^64',
  );
});

const badSubmitRegionBeyondBo = subtest({
  name: 'bad-submit-region-beyond-bo',
  description: 'SUBMIT refuses a stream whose region reaches past the BO bound to it (EOVERFLOW), region indices being three bits',
  reference: `${REF}/ethosu_job.c ethosu_ioctl_submit_job, ethosu_gem.c NPU_SET_DMA0_DST_REGION`,
}, (t: TestContext): void => {
  const fd = openEthosu(t);
  const src = boCreate(t.sys, fd, 8192).handle;
  const dst = boCreate(t.sys, fd, 4096).handle;
  // 4 KiB written at offset 4 KiB of region 1: 8 KiB of a 4 KiB BO.
  const beyond = cmdstreamCreate(t.sys, fd, dmaCopyStream({ region: 0, offset: 0 }, { region: 1, offset: 4096 }, 4096));
  expectErrno('EOVERFLOW', () => submit(t.sys, fd, [{ cmdBo: beyond, regions: { 0: src, 1: dst } }]), 'a region extending past its BO');
  // Region fields are three bits (param & 0x7): region 9 is region 1, bounded by region 1's BO all the same.
  const aliased = cmdstreamCreate(
    t.sys,
    fd,
    Uint32Array.from([
      cmd1(NPU_SET_DMA0_SRC_REGION, dmaRegionParam(0)),
      cmd1(NPU_SET_DMA0_DST_REGION, 9),
      ...cmd2(NPU_SET_DMA0_SRC, 0),
      ...cmd2(NPU_SET_DMA0_DST, 4096),
      ...cmd2(NPU_SET_DMA0_LEN, 4096),
      cmd1(NPU_OP_DMA_START),
      cmd1(NPU_OP_STOP),
    ]),
  );
  expectErrno('EOVERFLOW', () => submit(t.sys, fd, [{ cmdBo: aliased, regions: { 0: src, 1: dst } }]), 'region 9 (= 1) extending past region 1\'s BO');
  expectErrno('ENOENT', () => submit(t.sys, fd, [{ cmdBo: aliased, regions: { 0: src } }]), 'region 9 (= 1) without a BO');
});

const badSubmitCmdstreamAsRegion = subtest({
  name: 'bad-submit-cmdstream-as-region',
  description: 'SUBMIT refuses a command stream BO bound to a region and a plain BO as the command stream (EINVAL)',
  reference: `${REF}/ethosu_job.c ethosu_ioctl_submit_job`,
}, (t: TestContext): void => {
  const fd = openEthosu(t);
  const cmd = cmdstreamCreate(t.sys, fd, dmaCopyStream({ region: 0, offset: 0 }, { region: 1, offset: 0 }, 64));
  const other = cmdstreamCreate(t.sys, fd, stopStream());
  const dst = boCreate(t.sys, fd, 4096).handle;
  expectErrno('EINVAL', () => submit(t.sys, fd, [{ cmdBo: cmd, regions: { 0: other, 1: dst } }]), 'a command stream BO as region 0');
  expectErrno('EINVAL', () => submit(t.sys, fd, [{ cmdBo: dst, regions: { 0: dst, 1: dst } }]), 'a plain BO as cmd_bo');
});

const badPerfmonCounters = subtest({
  name: 'bad-perfmon-counters',
  description: 'PERFMON_CREATE refuses more event counters than struct drm_ethosu_perfmon_create holds',
  reference: `${REF}/ethosu_perfmon.c ethosu_ioctl_perfmon_create, include/uapi/drm/ethosu_accel.h`,
}, (t: TestContext): void => {
  const fd = openEthosu(t);
  // struct drm_ethosu_perfmon_create holds DRM_ETHOSU_MAX_PERF_EVENT_COUNTERS events: more can only be read past it.
  const arg = drm_ethosu_perfmon_create.encode({ ncounters: DRM_ETHOSU_MAX_PERF_EVENT_COUNTERS + 1 });
  doIoctlErr(t.sys, fd, ETHOSU_IOCTL.PERFMON_CREATE.request, arg, 'EINVAL');
  checkEq(drm_ethosu_perfmon_create.decode(arg).id, 0, 'id of a refused perfmon');
});

const badImportForeign = subtest({
  name: 'bad-import-foreign',
  description: 'PRIME import of another device\'s dma-buf fails with EINVAL (no gem_prime_import_sg_table)',
  reference: 'drivers/gpu/drm/drm_prime.c drm_gem_prime_import_dev, drivers/accel/ethosu/ethosu_drv.c ethosu_drm_driver',
  requires: ['prime'],
}, (t: TestContext): void => {
  expectForeignImportRefused(t, openEthosu(t));
});

/** How long the accel node may take to come back after a bind (devtmpfs creates it during probe). */
const REBIND_NODE_MS = 5000;

const unbindPendingClose = subtest({
  name: 'unbind-pending-close',
  description: 'a driver unbound while a closed file\'s job is still pending tears down without a warning, and binds again',
  reference: `${REF}/ethosu_drv.c ethosu_remove, drivers/gpu/drm/scheduler/sched_main.c drm_sched_fini, drivers/gpu/drm/drm_mm.c drm_mm_takedown`,
  destructive: true,
  requires: ['jobs.hang'],
}, async (t: TestContext): Promise<void> => {
  const fd = openEthosu(t);
  const node = t.dev.info.devnode;
  const binding = findBinding(t.sys, node);
  if ('problem' in binding) t.skip(binding.problem);
  const opened = KernelLog.openSys(t.sys);
  if ('problem' in opened) t.skip(`${opened.problem}: the rule is about the kernel log`);
  const log = opened.log;
  t.defer(() => log.close());
  // Whatever fails below, the device must not be left without its driver.
  t.defer(async () => {
    if (isBound(t.sys, binding)) return;
    bind(t.sys, binding);
    await waitForPath(t.sys, node, REBIND_NODE_MS);
  });
  const mark = log.mark();

  // On an NPU that completes nothing (jobs.hang), this job stays on the scheduler's pending list.
  const cmd = cmdstreamCreate(t.sys, fd, dmaCopyStream({ region: 0, offset: 0 }, { region: 1, offset: 0 }, 4096));
  const src = boCreate(t.sys, fd, 4096).handle;
  const dst = boCreate(t.sys, fd, 4096).handle;
  submit(t.sys, fd, [{ cmdBo: cmd, regions: { 0: src, 1: dst } }]);
  t.close(fd);
  // At once: the job's 500 ms timeout must not have ended it before the driver goes.
  unbind(t.sys, binding);
  check(!isBound(t.sys, binding), `${binding.device} is still bound to ${binding.driverDir} after unbind`);
  check(!t.sys.fs.exists(node), `${node} is still there after the unbind (drm_dev_unregister removes it)`);

  bind(t.sys, binding);
  check(await waitForPath(t.sys, node, REBIND_NODE_MS), `${node} did not come back within ${REBIND_NODE_MS} ms of the bind`);
  const again = t.open();
  checkEq(npuInfo(t.sys, again).sram_size > 0, true, 'DEV_QUERY answers on the rebound device');

  const captured = log.since(mark);
  const verdict = judge(captured);
  for (const line of verdict.text.split('\n').filter((l) => l !== '')) t.log(line);
  const warnings = captured.records.filter((r) => r.level <= 4).length;
  check(
    !verdict.flagged,
    `the unbind with a pending job was not clean: ${warnings} warning record(s), taint ${captured.taintBefore ?? '?'} -> ${captured.taintAfter ?? '?'}`,
  );
});

const SUBTESTS: readonly Subtest[] = [
  badBoCreate,
  badMmapNoMmap,
  badCmdstreamStop,
  badCmdstreamDmaUnset,
  badCmdstreamOverflow,
  badSubmitRegionBeyondBo,
  badSubmitCmdstreamAsRegion,
  badPerfmonCounters,
  unbindPendingClose,
  badImportForeign,
];

export default defineFamily('ethosu', 'Arm Ethos-U: command stream validation, region bounds, NO_MMAP, perfmons', SUBTESTS, { drivers: [ETHOSU_DRIVER] });
