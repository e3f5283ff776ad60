/**
 * What a test needs, as data (IGT's igt_require, declared instead of called):
 * each Subtest lists its requirements, the harness checks them before the
 * body runs and skips naming every one that is unmet, and `--describe` and
 * the reports list them. A requirement is either an adapter capability
 * (drivers/adapter.ts) or a property of the device and its profile.
 */
import type { AdapterCapabilities, DriverAdapter, JobKind, UnavailableKey } from '../../drivers/adapter';
import type { DeviceUnderTest, RunOptions } from './define';

/** Adapter capabilities a test can require. */
export const CAPABILITY_REQUIREMENTS = {
  buffers: 'the adapter makes buffers',
  'buffers.mmap': 'the adapter maps buffers for the CPU',
  'buffers.device-ro': 'the adapter makes buffers the device may only read',
  'gem-buffers': 'the adapter\'s buffers are GEM objects (GEM_CLOSE, drm_gem_mmap, PRIME apply)',
  dmabuf: 'a buffer can be exported as a dma-buf (the driver\'s own way, or PRIME on a GEM object)',
  'device-map': 'the adapter maps buffers into the file\'s device address space explicitly',
  'device-address': 'a buffer has a device address (explicit map, or assigned at creation)',
  jobs: 'the adapter submits and waits for jobs (at least a NOP)',
  'jobs.fill': 'the adapter has a FILL job',
  'jobs.copy': 'the adapter has a COPY job',
  'jobs.checksum': 'the adapter has a CHECKSUM job',
  'jobs.hang': 'the adapter has a job that never completes',
  'jobs.crash': 'the adapter has a job that crashes the firmware',
  state: 'the adapter reads the device state',
} as const;

/** Properties of the device, its node and its profile a test can require. */
export const DEVICE_REQUIREMENTS = {
  prime: 'the profile declares PRIME (the core PRIME ioctls)',
  'open-policy': 'the open policy is known (declared or detected)',
  'second-context': 'two files can be open at once (shared open policy)',
  'job-timeout': 'a job timeout is known (the profile or --job-timeout-ms)',
  iommu: 'the profile declares an IOMMU',
  'accel-node': 'the device is an accel node (not a DRM node selected with drm:)',
  'control-node': 'the profile declares a control node',
  'declared-profile': 'the driver has a declared profile (not a detected one)',
  'debugfs-object-count': 'the profile names a debugfs file with the live GEM object count',
  'uapi:apu': 'the driver speaks the reference APU uAPI (drivers/apu/uapi/apu_drm.h)',
} as const;

export type CapabilityRequirement = keyof typeof CAPABILITY_REQUIREMENTS;
export type DeviceRequirement = keyof typeof DEVICE_REQUIREMENTS;
export type Requirement = CapabilityRequirement | DeviceRequirement;

const MEANINGS: Readonly<Record<Requirement, string>> = { ...CAPABILITY_REQUIREMENTS, ...DEVICE_REQUIREMENTS };

export function isRequirement(s: string): s is Requirement {
  return Object.prototype.hasOwnProperty.call(MEANINGS, s);
}

export function requirementMeaning(r: Requirement): string {
  return MEANINGS[r];
}

function adapterLabel(dev: DeviceUnderTest): string {
  return dev.adapter ? `adapter '${dev.adapter.name}'` : noAdapter(dev);
}

function noAdapter(dev: DeviceUnderTest): string {
  const named = dev.profile.adapter ? `adapter '${dev.profile.adapter}' is not available` : 'no driver adapter';
  return `${named} for driver '${dev.profile.driver}' (${dev.label})`;
}

/** Why `group` is missing: the adapter itself, or the group on it. */
function missingGroup(dev: DeviceUnderTest, group: keyof AdapterCapabilities, what: string): string | null {
  const adapter = dev.adapter;
  if (!adapter) return noAdapter(dev);
  return adapter[group] ? null : `adapter '${adapter.name}' has no ${what}${because(adapter, group)}`;
}

/** The adapter's own word on why a group or job kind is absent here, as a suffix. */
function because(adapter: DriverAdapter, key: UnavailableKey): string {
  const why = adapter.unavailable?.[key];
  return why ? ` (${why})` : '';
}

function missingJob(dev: DeviceUnderTest, kind: JobKind): string | null {
  const adapter = dev.adapter;
  if (adapter && !adapter.jobs && adapter.unavailable?.[`jobs.${kind}`]) return `adapter '${adapter.name}' has no jobs${because(adapter, `jobs.${kind}`)}`;
  const gone = missingGroup(dev, 'jobs', 'jobs');
  if (gone) return gone;
  const jobs = (adapter as DriverAdapter).jobs;
  return jobs?.kinds.has(kind) ? null : `${adapterLabel(dev)} has no ${kind} job${because(adapter as DriverAdapter, `jobs.${kind}`)}`;
}

function unmetCapability(r: CapabilityRequirement, dev: DeviceUnderTest): string | null {
  const a = dev.adapter;
  switch (r) {
    case 'buffers':
      return missingGroup(dev, 'buffers', 'buffers');
    case 'buffers.mmap':
      return missingGroup(dev, 'buffers', 'buffers') ?? (a?.buffers?.mmap ? null : `${adapterLabel(dev)} cannot map buffers`);
    case 'buffers.device-ro':
      return missingGroup(dev, 'buffers', 'buffers') ?? (a?.buffers?.deviceReadOnly ? null : `${adapterLabel(dev)} has no device-read-only buffers`);
    case 'gem-buffers':
      return missingGroup(dev, 'buffers', 'buffers') ?? (a?.buffers?.handles === 'gem' ? null : `${adapterLabel(dev)} has no GEM objects (the driver's own handles)`);
    case 'dmabuf': {
      const gone = missingGroup(dev, 'buffers', 'buffers');
      if (gone) return gone;
      if (a?.dmabuf) return null;
      if (a?.buffers?.handles !== 'gem') return `${adapterLabel(dev)} has no dma-buf export and its handles are not GEM objects`;
      return dev.profile.prime ? null : `the profile of ${dev.profile.driver} declares no PRIME support`;
    }
    case 'device-map':
      return missingGroup(dev, 'deviceMap', 'explicit device mappings');
    case 'device-address': {
      const gone = missingGroup(dev, 'buffers', 'buffers');
      if (gone) return gone;
      if (a?.deviceMap) return null;
      return a?.buffers?.deviceAddresses && a.buffers.info ? null : `${adapterLabel(dev)} gives buffers no device address`;
    }
    case 'jobs':
      return missingJob(dev, 'nop');
    case 'jobs.fill':
      return missingJob(dev, 'fill');
    case 'jobs.copy':
      return missingJob(dev, 'copy');
    case 'jobs.checksum':
      return missingJob(dev, 'checksum');
    case 'jobs.hang':
      return missingJob(dev, 'hang');
    case 'jobs.crash':
      return missingJob(dev, 'crash');
    case 'state':
      return missingGroup(dev, 'state', 'device-state query');
  }
}

function unmetDevice(r: DeviceRequirement, dev: DeviceUnderTest, options: RunOptions): string | null {
  const p = dev.profile;
  switch (r) {
    case 'prime':
      return p.prime ? null : `the profile of ${p.driver} declares no PRIME support`;
    case 'open-policy':
      return p.openPolicy === 'unknown' ? (p.openPolicyUnknownReason ?? `the open policy of ${p.driver} is unknown`) : null;
    case 'second-context':
      if (p.openPolicy === 'unknown') return p.openPolicyUnknownReason ?? `the open policy of ${p.driver} is unknown`;
      return p.openPolicy === 'exclusive'
        ? `${p.driver} has the exclusive open policy (${p.openPolicySource}): two files cannot be open at once`
        : null;
    case 'job-timeout':
      return (options.jobTimeoutMs ?? p.jobTimeoutMs) === null
        ? `the profile of ${p.driver} declares no job timeout: pass --job-timeout-ms to test hangs`
        : null;
    case 'iommu':
      return p.iommu === 'none' ? `the profile of ${p.driver} declares no IOMMU` : null;
    case 'accel-node':
      // isDrmNode (harness/discovery/drm-device.ts), inlined: the test core stays free of discovery's imports.
      return dev.info.nodeClass === 'drm' ? `${dev.info.devnode} is a DRM node of ${p.driver}, not an accel node` : null;
    case 'control-node':
      return p.controlNode ? null : `the profile of ${p.driver} declares no control node`;
    case 'declared-profile':
      return p.openPolicySource === 'declared' ? null : `driver ${p.driver} has no declared profile (its properties were detected)`;
    case 'debugfs-object-count':
      return p.debugfsObjectCount ? null : `the profile of ${p.driver} names no debugfs object count: releases cannot be observed`;
    case 'uapi:apu':
      return p.uapi === 'apu' ? null : `the test speaks the reference APU uAPI; driver ${p.driver} does not`;
  }
}

/** Why the device does not meet `r`, or null when it does. */
export function unmetRequirement(r: Requirement, dev: DeviceUnderTest, options: RunOptions): string | null {
  return r in CAPABILITY_REQUIREMENTS
    ? unmetCapability(r as CapabilityRequirement, dev)
    : unmetDevice(r as DeviceRequirement, dev, options);
}

/** Whether the device meets every one of `reqs` (for choosing a second device, say). */
export function meets(dev: DeviceUnderTest, reqs: readonly Requirement[], options: RunOptions): boolean {
  return reqs.every((r) => unmetRequirement(r, dev, options) === null);
}

/**
 * The skip reason naming every unmet requirement, or null when all are met.
 * Requirements unmet for the same reason (no adapter at all) share one clause.
 */
export function skipReasonFor(reqs: readonly Requirement[], dev: DeviceUnderTest, options: RunOptions): string | null {
  const byReason = new Map<string, Requirement[]>();
  for (const r of reqs) {
    const why = unmetRequirement(r, dev, options);
    if (why !== null) byReason.set(why, [...(byReason.get(why) ?? []), r]);
  }
  if (byReason.size === 0) return null;
  return [...byReason].map(([why, rs]) => `needs ${rs.join(', ')}: ${why}`).join('; ');
}
