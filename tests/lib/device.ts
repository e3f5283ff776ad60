/**
 * Device-level helpers shared by the families: opening under the exclusive
 * policy's EAGAIN rule, buffers with their mappings, jobs with a bounded wait,
 * and the skips that say exactly which capability or policy is missing.
 */
import type { AdapterCapability, BufferObject, DriverAdapter, JobResult, JobSpec } from '../../drivers/adapter';
import { mustAsync } from '../../harness/testing/assert';
import type { DeviceUnderTest, TestContext } from '../../harness/testing/define';
import { O_CLOEXEC, O_RDWR } from '../../harness/sys/constants';
import { isSysError } from '../../harness/sys/errno';
import { isDrmNode } from '../../harness/discovery/drm-device';
import type { Mapping } from '../../harness/sys/types';
import type { OpenPolicy } from '../../drivers/profile';

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

export function needCaps(t: TestContext, caps: readonly AdapterCapability[], device: DeviceUnderTest = t.dev): DriverAdapter {
  const adapter = t.adapter(device);
  const missing = caps.filter((c) => !adapter.capabilities.has(c));
  if (missing.length > 0) t.skip(`adapter '${adapter.name}' lacks ${missing.join(', ')}`);
  return adapter;
}

/**
 * A rule of accel nodes only (major 261, the accel sysfs class, accel
 * feature flags, the accel file's lack of master): SKIP on a DRM node of a
 * non-accel driver selected with `drm:` (docs/discovery.md).
 */
export function needAccelNode(t: TestContext, rule: string): void {
  if (isDrmNode(t.dev.info)) {
    t.skip(`${t.dev.info.devnode} is a DRM node of ${t.dev.profile.driver}, not an accel node: ${rule}`);
  }
}

/**
 * The device's open policy; SKIP with detection's reason when it is unknown
 * (drivers/registry.ts detectProfile never guesses one).
 */
export function needOpenPolicy(t: TestContext): OpenPolicy {
  const p = t.dev.profile;
  if (p.openPolicy === 'unknown') t.skip(p.openPolicyUnknownReason ?? `the open policy of ${p.driver} is unknown`);
  return p.openPolicy;
}

/** Two files open at once: impossible by design on an exclusive-policy device. */
export function needSecondContext(t: TestContext, why: string): void {
  if (needOpenPolicy(t) === 'exclusive') {
    t.skip(`${t.dev.profile.driver} has the exclusive open policy (${t.dev.profile.openPolicySource}): ${why}`);
  }
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
  const adapter = t.adapter();
  const bo = adapter.createBuffer(fd, size, opts);
  const map = adapter.mmapBuffer(fd, bo);
  t.defer(() => t.sys.munmap(map));
  return { bo, map };
}

/** A wait budget no working scheduler can exceed: three timeouts plus recovery slack. */
export function waitBudgetMs(t: TestContext): number {
  return (t.jobTimeoutMs ?? 1000) * 3 + 2000;
}

/** Submits and waits (bounded); a wait that expires fails the test naming the job. */
export async function runJob(t: TestContext, fd: number, job: JobSpec, bos: readonly number[] = []): Promise<JobResult> {
  const adapter = t.adapter();
  const submitted = adapter.submit(fd, job, bos);
  return mustAsync(`waiting ${waitBudgetMs(t)} ms for the ${job.kind} job`, () => adapter.wait(submitted, waitBudgetMs(t)));
}

/** Polls STATE until ONLINE, at most `budgetMs` of device time; returns whether it came back. */
export async function waitOnline(t: TestContext, fd: number, budgetMs: number): Promise<boolean> {
  const adapter = t.adapter();
  const deadline = t.sys.monotonicNs() + BigInt(budgetMs) * 1_000_000n;
  for (;;) {
    const s = adapter.deviceState(fd);
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
