/**
 * Proof that every conformance test can fail: for each injectable defect of
 * the simulated drivers (drivers/sim/defects.ts), the subtests that must fail
 * on a device carrying it. Every subtest has such a defect; the mutations
 * (doctored views of healthy devices) remain only for checks no kernel or
 * driver defect reaches: a devnode that is another device's (basic-version's
 * name-vs-sysfs check) and a profile that declares a control node the device
 * does not have. tests/proofs.spec.ts runs both and names every test that
 * appears in neither table as unproven.
 */
import * as path from 'node:path';
import type { DefectName } from '../drivers/sim/defects';
import type { DefectProof } from '../drivers/driver-module';
import { DRIVER_MODULES } from '../drivers/modules';
import type { DeviceUnderTest } from '../harness/testing/define';

export type { DefectProof } from '../drivers/driver-module';

/**
 * The simulated driver a defect is injected into: a bundled model (any
 * driver module's), or `control-apu`, the fixture model with a control node
 * (drivers/sim/fixtures/control-apu.js), which no bundled driver has.
 */
export type SimDriver = string;

/** Absolute, so the spec does not depend on the directory mocha runs from. */
export const CONTROL_APU_FIXTURE = path.resolve(__dirname, '../drivers/sim/fixtures/control-apu.js');

/** The `sim:` spec of a driver, with an optional query (`defect=...`). */
export function simSpec(driver: SimDriver, query = ''): string {
  const target = driver === 'control-apu' ? CONTROL_APU_FIXTURE : driver;
  return `sim:${target}${query ? `?${query}` : ''}`;
}

/** The device booted beside a defective one, so cross-device tests have a second device. */
export function otherFor(sim: SimDriver): 'apu' | 'mt8183' {
  return sim === 'apu' ? 'mt8183' : sim === 'mt8183' ? 'apu' : sim === 'control-apu' ? 'mt8183' : 'apu';
}

const p = (defect: DefectName, sim: SimDriver, ...mustFail: string[]): DefectProof => ({ defect, sim, mustFail });

/** Proofs of the generic families on the APU models and of the simulated core; driver modules add their own. */
const CORE_AND_APU_PROOFS: readonly DefectProof[] = [
  // core: drm_file.c / drm_ioctl.c / drm_accel.c
  p('excl-open-allowed', 'apu', 'accel@core@bad-open-excl'),
  p('version-empty-desc', 'apu', 'accel@core@basic-version'),
  p('unknown-ioctl-enotty', 'apu', 'accel@core@bad-ioctl'),
  p('master-allowed', 'apu', 'accel@core@bad-master'),
  p('kms-ioctls-succeed', 'apu', 'accel@feature-flags@bad-kms-ioctls', 'accel@feature-flags@bad-dumb-buffers'),
  p('render-node', 'apu', 'accel@feature-flags@no-drm-nodes'),
  p('prime-cap-missing', 'apu', 'accel@core@basic-prime-cap'),
  p('sysfs-dev-wrong-minor', 'apu', 'accel@core@basic-node'),
  // drm_ioctl.c drm_ioctl_permit (DRM_CONTROL_ALLOW): needs a device with a control node.
  p('control-node-unrestricted', 'control-apu', 'accel@exclusive-open@control-node'),
  // core: drm_gem.c
  p('gem-close-unknown-ok', 'apu', 'accel@gem@bad-close', 'accel@gem@basic-create-close'),
  p('handles-global', 'apu', 'accel@gem@handles-per-file', 'accel@exclusive-open@shared-contexts-isolated'),
  p('handles-no-reuse', 'apu', 'accel@gem@handle-reuse-lowest'),
  p('close-leaks-objects', 'apu', 'accel@gem@close-releases-objects'),
  p('mmap-any-file', 'apu', 'accel@gem@bad-mmap-other-file'),
  p('mmap-no-ref', 'apu', 'accel@gem@mmap-outlives-close'),
  // core: drm_prime.c / dma-buf.c
  p('no-prime-cache', 'apu', 'accel@dmabuf@basic-self-import', 'accel@dmabuf@import-other-file'),
  p('dmabuf-no-ref', 'apu', 'accel@dmabuf@dmabuf-mmap', 'accel@dmabuf@dmabuf-outlives-exporter', 'accel@dmabuf@import-other-device'),
  p('prime-flags-unchecked', 'apu', 'accel@dmabuf@bad-prime-flags'),
  p('prime-import-any-fd', 'apu', 'accel@dmabuf@bad-import'),
  p('dmabuf-lseek-any', 'apu', 'accel@dmabuf@basic-lseek'),
  p('dmabuf-sync-any-flags', 'apu', 'accel@dmabuf@bad-sync-flags'),
  // driver: the exclusive policy lives in the MT8183 model
  p(
    'excl-release-on-close',
    'mt8183',
    'accel@exclusive-open@dup-shares-context',
    'accel@exclusive-open@inherited-fd-shares-context',
    'accel@exclusive-open@passed-fd-shares-context',
  ),
  // Lock lifetimes the tests above never reach: a non-opener closing first, a third reference.
  p('excl-release-on-second-close', 'mt8183', 'accel@exclusive-open@last-process-anywhere', 'accel@exclusive-open@close-every-order'),
  p('excl-release-on-foreign-close', 'mt8183', 'accel@exclusive-open@last-process-anywhere', 'accel@exclusive-open@close-every-order'),
  p('excl-not-enforced', 'mt8183', 'accel@exclusive-open@basic-second-open', 'accel@exclusive-open@reopen-after-close'),
  // driver: GEM_NEW
  p('gem-new-bad-flags-ok', 'apu', 'accel@gem@bad-create'),
  p('gem-new-dirty-output', 'apu', 'accel@gem@bad-create'),
  p('gem-new-size-zero-ok', 'apu', 'accel@gem@bad-create'),
  // driver: scheduler
  p('no-job-timeout', 'apu', 'accel@sched@hang-timeout', 'accel@sched@hang-ten-in-a-row'),
  p('timeout-late', 'apu', 'accel@sched@hang-timeout'),
  p('timeout-early', 'apu', 'accel@sched@hang-timeout'),
  p('queue-drops-after-hang', 'apu', 'accel@sched@hang-queued-job'),
  p('reset-kills-innocent', 'apu', 'accel@sched@hang-innocent-context'),
  p('no-recovery', 'apu', 'accel@sched@hang-recovery'),
  p('queue-unbounded-handles', 'apu', 'accel@sched@bad-queue-args', 'accel@apu@queue-handle-bound'),
  p('dequeue-global', 'apu', 'accel@sched@bad-dequeue-foreign'),
  p('checksum-wrong', 'apu', 'accel@sched@basic-checksum', 'accel@gem@basic-mmap'),
  // driver: IOMMU
  p('shared-iommu', 'apu', 'accel@iommu@context-isolation', 'accel@apu@basic-map-first-fit'),
  p('unmap-keeps-mapping', 'apu', 'accel@iommu@unmap-faults'),
  p(
    'unmap-first-page-only',
    'apu',
    'accel@iommu@unmap-every-page',
    'accel@iommu@unmap-batch-every-object',
    'accel@iommu@map-twice-refcounted-batch',
  ),
  p('unmap-batch-first-only', 'apu', 'accel@iommu@unmap-batch-every-object', 'accel@iommu@map-twice-refcounted-batch'),
  p('remap-batch-refs-first-only', 'apu', 'accel@iommu@map-twice-refcounted-batch'),
  p('map-not-refcounted', 'apu', 'accel@iommu@map-twice-refcounted', 'accel@iommu@basic-addresses'),
  p('map-unknown-ok', 'apu', 'accel@iommu@bad-map-unknown'),
  p('ro-ignored', 'apu', 'accel@iommu@ro-write-faults'),
  p('ro-first-page-only', 'apu', 'accel@iommu@ro-every-page', 'accel@iommu@ro-mixed-batch'),
  p('ro-flag-per-batch', 'apu', 'accel@iommu@ro-mixed-batch'),
  p('fault-partial-write', 'apu', 'accel@iommu@fault-no-partial-write'),
  p('fault-checks-ends-only', 'apu', 'accel@iommu@fault-hole-no-partial-write'),
  p('fault-wedges', 'apu', 'accel@iommu@fault-next-job-runs'),
  // driver: the accel@apu family (drivers/apu/family.ts), on both models
  p('state-any-device', 'apu', 'accel@apu@bad-state-device'),
  p('map-count-zero-ok', 'mt8183', 'accel@apu@bad-map-args'),
  p('queue-pad-unchecked', 'apu', 'accel@apu@bad-queue-sizes'),
  p('dequeue-short-buffer-ok', 'mt8183', 'accel@apu@bad-dequeue-args'),
  p('fill-empty-ok', 'apu', 'accel@apu@bad-fill-empty'),
  p('crash-reported-ok', 'mt8183', 'accel@apu@crash-recovery'),
  p('copy-forward', 'apu', 'accel@apu@basic-copy-overlap'),
  p('ban-never', 'mt8183', 'accel@apu@hang-ban'),
  p('close-waits-for-hang', 'apu', 'accel@apu@close-hang-in-flight'),
];

export const DEFECT_PROOFS: readonly DefectProof[] = [...CORE_AND_APU_PROOFS, ...DRIVER_MODULES.flatMap((m) => m.proofs ?? [])];

/** The device a mutation runs the tests on, and the others it sees. */
export interface Mutated {
  readonly device: DeviceUnderTest;
  readonly others: readonly DeviceUnderTest[];
}

/**
 * A doctored view of healthy devices (both bundled drivers, on one kernel)
 * for rules that live outside any driver: what the test reads is made wrong,
 * and the test must notice.
 */
export interface MutationProof {
  readonly name: string;
  readonly description: string;
  readonly mustFail: readonly string[];
  mutate(devices: readonly DeviceUnderTest[]): Mutated;
}

function pair(devices: readonly DeviceUnderTest[]): [DeviceUnderTest, DeviceUnderTest] {
  const [a, b] = devices;
  if (!a || !b) throw new Error('mutations need the two bundled devices on one kernel');
  return [a, b];
}

export const MUTATION_PROOFS: readonly MutationProof[] = [
  {
    name: 'swapped-node',
    // Still needed for basic-version: no defect makes VERSION name another driver than sysfs binds.
    description: 'the device\'s devnode points at the other device\'s node: minor and driver name no longer match sysfs',
    mustFail: ['accel@core@basic-node', 'accel@core@basic-version'],
    mutate(devices) {
      const [a, b] = pair(devices);
      return { device: { ...a, info: { ...a.info, devnode: b.info.devnode } }, others: [b] };
    },
  },
  {
    name: 'phantom-control-node',
    // The declared-but-missing branch of control-node: control-node-unrestricted only reaches the refusals.
    description: 'the profile declares a control node the device does not have',
    mustFail: ['accel@exclusive-open@control-node'],
    mutate(devices) {
      const [a, b] = pair(devices);
      return { device: { ...a, profile: { ...a.profile, controlNode: true } }, others: [b] };
    },
  },
];

/** Every full test name some proof makes fail. */
export function provenTests(): Set<string> {
  const names = new Set<string>();
  for (const d of DEFECT_PROOFS) for (const n of d.mustFail) names.add(n);
  for (const m of MUTATION_PROOFS) for (const n of m.mustFail) names.add(n);
  return names;
}
