/**
 * Proof that every conformance test can fail: for each injectable defect of
 * the simulated drivers (drivers/sim/defects.ts), the subtests that must fail
 * on a device carrying it; for the few rules no defect can break, a doctored
 * device that breaks what the test looks at. tests/proofs.spec.ts runs both
 * and names every test that appears in neither table as unproven.
 */
import type { DefectName } from '../drivers/sim/defects';
import type { DrmDevice, DrmRegistrar } from '../drivers/sim/kernel/drm/driver';
import { registerSimRegistrar, simRegistrarFor } from '../harness/session';
import type { DeviceUnderTest } from '../harness/testing/define';

export type SimDriver = 'apu' | 'mt8183';

export interface DefectProof {
  readonly defect: DefectName;
  /** The bundled driver the defect is injected into. */
  readonly sim: SimDriver;
  /** Full names (accel@family@subtest) that must fail on that device. */
  readonly mustFail: readonly string[];
}

const p = (defect: DefectName, sim: SimDriver, ...mustFail: string[]): DefectProof => ({ defect, sim, mustFail });

export const DEFECT_PROOFS: readonly DefectProof[] = [
  // core: drm_file.c / drm_ioctl.c / drm_accel.c
  p('excl-open-allowed', 'apu', 'accel@core@bad-open-excl'),
  p('version-empty-desc', 'apu', 'accel@core@basic-version'),
  p('unknown-ioctl-enotty', 'apu', 'accel@core@bad-ioctl'),
  p('master-allowed', 'apu', 'accel@core@bad-master'),
  p('kms-ioctls-succeed', 'apu', 'accel@feature-flags@bad-kms-ioctls', 'accel@feature-flags@bad-dumb-buffers'),
  p('render-node', 'apu', 'accel@feature-flags@no-drm-nodes'),
  p('prime-cap-missing', 'apu', 'accel@core@basic-prime-cap'),
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
  p('excl-not-enforced', 'mt8183', 'accel@exclusive-open@basic-second-open', 'accel@exclusive-open@reopen-after-close'),
  // driver: GEM_NEW
  p('gem-new-bad-flags-ok', 'apu', 'accel@gem@bad-create'),
  p('gem-new-dirty-output', 'apu', 'accel@gem@bad-create'),
  p('gem-new-size-zero-ok', 'apu', 'accel@gem@bad-create'),
  // driver: scheduler
  p('no-job-timeout', 'apu', 'accel@sched@hang-timeout', 'accel@sched@hang-ten-in-a-row'),
  p('timeout-late', 'apu', 'accel@sched@hang-timeout'),
  p('queue-drops-after-hang', 'apu', 'accel@sched@hang-queued-job'),
  p('reset-kills-innocent', 'apu', 'accel@sched@hang-innocent-context'),
  p('no-recovery', 'apu', 'accel@sched@hang-recovery'),
  p('queue-unbounded-handles', 'apu', 'accel@sched@bad-queue-args'),
  p('dequeue-global', 'apu', 'accel@sched@bad-dequeue-foreign'),
  p('checksum-wrong', 'apu', 'accel@sched@basic-checksum', 'accel@gem@basic-mmap'),
  // driver: IOMMU
  p('shared-iommu', 'apu', 'accel@iommu@context-isolation'),
  p('unmap-keeps-mapping', 'apu', 'accel@iommu@unmap-faults'),
  p('map-not-refcounted', 'apu', 'accel@iommu@map-twice-refcounted', 'accel@iommu@basic-addresses'),
  p('map-unknown-ok', 'apu', 'accel@iommu@bad-map-unknown'),
  p('ro-ignored', 'apu', 'accel@iommu@ro-write-faults'),
  p('fault-partial-write', 'apu', 'accel@iommu@fault-no-partial-write'),
  p('fault-wedges', 'apu', 'accel@iommu@fault-next-job-runs'),
];

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

/** Accepts every driver, as a kernel without drm_dev_init's COMPUTE_ACCEL check would. */
function acceptingRegistrar(real: DrmRegistrar): DrmRegistrar {
  return {
    clock: real.clock,
    registerDrmDriver: () => ({}) as DrmDevice,
  };
}

export const MUTATION_PROOFS: readonly MutationProof[] = [
  {
    name: 'swapped-node',
    description: 'the device\'s devnode points at the other device\'s node: minor and driver name no longer match sysfs',
    mustFail: ['accel@core@basic-node', 'accel@core@basic-version'],
    mutate(devices) {
      const [a, b] = pair(devices);
      return { device: { ...a, info: { ...a.info, devnode: b.info.devnode } }, others: [b] };
    },
  },
  {
    name: 'phantom-control-node',
    description: 'the profile declares a control node the device does not have',
    mustFail: ['accel@exclusive-open@control-node'],
    mutate(devices) {
      const [a, b] = pair(devices);
      return { device: { ...a, profile: { ...a.profile, controlNode: true } }, others: [b] };
    },
  },
  {
    name: 'permissive-registration',
    description: 'a kernel whose driver registration accepts COMPUTE_ACCEL with RENDER or MODESET',
    mustFail: ['accel@feature-flags@sim-rejects-accel-render'],
    mutate(devices) {
      const [a, b] = pair(devices);
      const real = simRegistrarFor(a);
      if (!real) throw new Error(`${a.label} has no simulated kernel`);
      const device: DeviceUnderTest = { ...a };
      registerSimRegistrar(device, acceptingRegistrar(real));
      return { device, others: [b] };
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
