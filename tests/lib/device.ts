/**
 * Device-level helpers shared by the families: opening under the exclusive
 * policy's EAGAIN rule, buffers with their mappings, device addresses and
 * dma-bufs however the driver makes them, jobs with a bounded wait. What a
 * test needs is declared in its `requires` (harness/testing/requirements.ts);
 * these helpers take it as given.
 */
import type { BufferObject, JobResult, JobSpec } from '../../drivers/adapter';
import { check, checkEq, doIoctlErr, mustAsync } from '../../harness/testing/assert';
import { DRM_CLOEXEC, DRM_IOCTL_PRIME_FD_TO_HANDLE, DRM_IOCTL_PRIME_HANDLE_TO_FD, DRM_RDWR, drm_prime_handle } from '../../harness/uapi/drm';
import type { DeviceUnderTest, TestContext } from '../../harness/testing/define';
import { O_CLOEXEC, O_RDWR } from '../../harness/sys/constants';
import { isSysError } from '../../harness/sys/errno';
import type { Mapping } from '../../harness/sys/types';
import type { OpenPolicy } from '../../drivers/profile';
import { primeExport } from './drm';

/** How long (device clock) an open may keep answering EAGAIN while the previous context is torn down. */
export const TEARDOWN_BUDGET_MS = 5000;
const RETRY_STEP_MS = 5;

/**
 * open() that retries EAGAIN (docs/uapi-apu.md: an exclusive device answers
 * EAGAIN while the previous user's context is being torn down) for at most
 * TEARDOWN_BUDGET_MS of device time. Other errors are thrown as they are.
 */
export async function openRetry(t: TestContext, device: DeviceUnderTest = t.dev, flags = O_RDWR | O_CLOEXEC): Promise<number> {
  const sys = device.sys;
  const deadline = sys.monotonicNs() + BigInt(TEARDOWN_BUDGET_MS) * 1_000_000n;
  for (;;) {
    try {
      return t.open(flags, device);
    } catch (e) {
      if (!isSysError(e, 'EAGAIN') || sys.monotonicNs() >= deadline) throw e;
      await sys.sleepMs(RETRY_STEP_MS);
    }
  }
}

/**
 * The device's open policy (declare `open-policy` in `requires`); SKIP with
 * detection's reason when it is unknown (drivers/registry.ts detectProfile
 * never guesses one).
 */
export function needOpenPolicy(t: TestContext): OpenPolicy {
  const p = t.dev.profile;
  if (p.openPolicy === 'unknown') t.skip(p.openPolicyUnknownReason ?? `the open policy of ${p.driver} is unknown`);
  return p.openPolicy;
}

export interface MappedBuffer {
  readonly bo: BufferObject;
  readonly map: Mapping;
}

/** A buffer object with a CPU mapping unmapped after the test. */
export function mappedBuffer(
  t: TestContext,
  fd: number,
  size: number,
  opts?: { readonly deviceReadOnly?: boolean },
): MappedBuffer {
  const bo = t.capability('buffers').create(fd, size, opts);
  return { bo, map: mapBuffer(t, fd, bo) };
}

/** A CPU mapping of `bo` (declare `buffers.mmap`), unmapped after the test. */
export function mapBuffer(t: TestContext, fd: number, bo: BufferObject, device: DeviceUnderTest = t.dev): Mapping {
  const map = bufferMmap(t, device)(fd, bo);
  t.defer(() => device.sys.munmap(map));
  return map;
}

/** The adapter's buffer mmap (declare `buffers.mmap`), for a mapping the test unmaps itself. */
export function bufferMmap(t: TestContext, device: DeviceUnderTest = t.dev): (fd: number, bo: BufferObject) => Mapping {
  const buffers = t.capability('buffers', device);
  const mmap = buffers.mmap;
  if (!mmap) return t.skip(`adapter '${t.adapter(device).name}' cannot map buffers`);
  return (fd, bo) => mmap.call(buffers, fd, bo);
}

/**
 * Device addresses of the file's handles: mapped explicitly where the adapter
 * has `deviceMap` (the APU), else as the driver assigned them at creation
 * (`buffers.info`). Declare `device-address` in `requires`.
 */
export function deviceAddresses(t: TestContext, fd: number, handles: readonly number[], device: DeviceUnderTest = t.dev): bigint[] {
  const adapter = t.adapter(device);
  if (adapter.deviceMap) return adapter.deviceMap.map(fd, handles);
  const info = adapter.buffers?.info;
  if (!info) return t.skip(`adapter '${adapter.name}' gives buffers no device address`);
  return handles.map((h) => {
    const addr = info(fd, h).deviceAddress;
    check(addr !== undefined, `adapter '${adapter.name}' reports no device address for handle ${h}`);
    return addr;
  });
}

/** The one device address of a handle (see deviceAddresses). */
export function deviceAddress(t: TestContext, fd: number, handle: number, device: DeviceUnderTest = t.dev): bigint {
  return deviceAddresses(t, fd, [handle], device)[0] as bigint;
}

/**
 * A dma-buf of the file's buffer, the driver's own way where the adapter has
 * one, else PRIME; closed after the test. Declare `dmabuf` in `requires`.
 */
export function exportDmabuf(t: TestContext, fd: number, handle: number, device: DeviceUnderTest = t.dev): number {
  const own = device.adapter?.dmabuf;
  const dmabuf = own ? own.export(fd, handle) : primeExport(device.sys, fd, handle);
  t.defer(() => device.sys.close(dmabuf));
  return dmabuf;
}

/** A wait budget no working scheduler can exceed: three timeouts plus recovery slack. */
export function waitBudgetMs(t: TestContext): number {
  return (t.jobTimeoutMs ?? 1000) * 3 + 2000;
}

/** Submits and waits (bounded); a wait that expires fails the test naming the job. */
export async function runJob(t: TestContext, fd: number, job: JobSpec, bos: readonly number[] = []): Promise<JobResult> {
  const jobs = t.capability('jobs');
  const submitted = jobs.submit(fd, job, bos);
  return mustAsync(`waiting ${waitBudgetMs(t)} ms for the ${job.kind} job`, () => jobs.wait(submitted, waitBudgetMs(t)));
}

/** Polls the device state until online, at most `budgetMs` of device time; returns whether it came back. */
export async function waitOnline(t: TestContext, fd: number, budgetMs: number): Promise<boolean> {
  const state = t.capability('state');
  const deadline = t.sys.monotonicNs() + BigInt(budgetMs) * 1_000_000n;
  for (;;) {
    const s = state.query(fd);
    if (s.online && !s.crashed && !s.timedOut) return true;
    if (t.sys.monotonicNs() >= deadline) return false;
    await t.sys.sleepMs(10);
  }
}

/** `<sysfs-root>` of a device, from its class path `<sysfs-root>/class/accel/accelN`. */
export function sysfsRootOf(dev: DeviceUnderTest): string {
  const p = dev.info.sysfsPath;
  const i = p.lastIndexOf('/class/accel/');
  return i >= 0 ? p.slice(0, i) || '/' : '/sys';
}

/**
 * The device's debugfs directory (debugfs mounted at <sysfs-root>/kernel/debug):
 * `accel/<unique>`, named after the parent device, since drm_debugfs.c
 * drm_debugfs_dev_init took over accel debugfs; older kernels used
 * `accel/<minor>` (drm_accel.c accel_debugfs_init), tried second.
 */
export function debugfsDirOf(dev: DeviceUnderTest): string {
  const root = sysfsRootOf(dev);
  const base = `${root === '/' ? '' : root}/kernel/debug/accel`;
  const unique = dev.info.parent?.split('/').pop();
  const byUnique = unique ? `${base}/${unique}` : undefined;
  if (byUnique && dev.sys.fs.exists(byUnique)) return byUnique;
  return `${base}/${dev.info.minor}`;
}

/** A byte pattern that differs at every offset inside a page, seeded so two buffers differ. */
export function pattern(length: number, seed: number): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  return b;
}

/**
 * PRIME import into `fd` of a dma-buf exported by another selected device
 * (GEM buffers and PRIME) must fail with the profile's foreignImportRefused
 * errno (EINVAL) and write no handle: what a
 * driver without drm_driver.gem_prime_import_sg_table gets from
 * drm_gem_prime_import_dev (drivers/gpu/drm/drm_prime.c). SKIP without such a
 * second device.
 */
export function expectForeignImportRefused(t: TestContext, fd: number): void {
  const refused = t.dev.profile.foreignImportRefused;
  if (!refused) t.skip(`${t.dev.profile.driver}'s profile says it imports foreign dma-bufs`);
  const other = t.others.find((o) => o.profile.prime && o.adapter?.buffers?.handles === 'gem');
  if (!other) t.skip('no second device with GEM buffers and PRIME selected: a foreign dma-buf is needed');
  const buffers = other.adapter?.buffers;
  if (!buffers) t.skip(`${other.label} has no buffers`);
  const ofd = t.open(undefined, other);
  const bo = buffers.create(ofd, 4096);
  const exp = drm_prime_handle.encode({ handle: bo.handle, flags: DRM_CLOEXEC | DRM_RDWR });
  t.sys.ioctl(ofd, DRM_IOCTL_PRIME_HANDLE_TO_FD, exp);
  const dmabuf = drm_prime_handle.decode(exp).fd;
  t.defer(() => t.sys.close(dmabuf));
  const imp = drm_prime_handle.encode({ fd: dmabuf });
  doIoctlErr(t.sys, fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, imp, refused.errno);
  checkEq(drm_prime_handle.decode(imp).handle, 0, 'handle written by a refused import');
}
