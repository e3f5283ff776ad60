/**
 * Which profile and adapter belong to a device. Bundled and known drivers
 * declare a profile; for anything else the open policy is detected with a
 * second open and nothing else is assumed (no timeout, no IOMMU).
 */
import type { AccelDevice } from '../harness/discovery/types';
import { isSysError } from '../harness/sys/errno';
import { O_CLOEXEC, O_RDWR } from '../harness/sys/constants';
import type { Sys } from '../harness/sys/types';
import type { AdapterFactory, DriverAdapter } from './adapter';
import type { DriverProfile } from './profile';
import { APU_ADAPTER_NAME, createApuAdapter } from './apu/adapter';
import { APU_DRIVERS, apuProfile } from './apu/profile';
import { createVgemAdapter } from './vgem/adapter';
import { VGEM_ADAPTER_NAME, VGEM_DRIVER, VGEM_PROFILE } from './vgem/profile';

/** Declares the profile of every device bound to `driver`. */
export type ProfileSource = (sys: Sys, dev: AccelDevice) => DriverProfile;

const profiles = new Map<string, ProfileSource>();
const adapters = new Map<string, AdapterFactory>();

for (const decl of APU_DRIVERS) profiles.set(decl.driver, (sys) => apuProfile(sys, decl));
adapters.set(APU_ADAPTER_NAME, createApuAdapter);
// vgem has no accel node: it is reached through a `drm:` filter (docs/discovery.md).
profiles.set(VGEM_DRIVER, () => VGEM_PROFILE);
adapters.set(VGEM_ADAPTER_NAME, createVgemAdapter);

/** Adds (or replaces) the profile of a driver name; plugins use it for their drivers. */
export function registerProfile(driver: string, source: ProfileSource): void {
  profiles.set(driver, source);
}

export function registerAdapter(name: string, factory: AdapterFactory): void {
  adapters.set(name, factory);
}

export function knownDrivers(): string[] {
  return [...profiles.keys()];
}

/** The names a device's driver goes by: the bound driver in sysfs, then DRM_IOCTL_VERSION. */
function driverNames(dev: AccelDevice): string[] {
  const names: string[] = [];
  if (dev.driver) names.push(dev.driver);
  if (dev.version?.name) names.push(dev.version.name);
  return names;
}

export function profileFor(sys: Sys, dev: AccelDevice): DriverProfile {
  for (const name of driverNames(dev)) {
    const source = profiles.get(name);
    if (source) return source(sys, dev);
  }
  return detectProfile(sys, dev);
}

/**
 * An unknown driver: a second open of the node while the first is held tells
 * the policy (EBUSY: exclusive). Every other property stays unknown.
 */
export function detectProfile(sys: Sys, dev: AccelDevice): DriverProfile {
  let exclusive = false;
  let first: number | null = null;
  try {
    first = sys.open(dev.devnode, O_RDWR | O_CLOEXEC);
    try {
      sys.close(sys.open(dev.devnode, O_RDWR | O_CLOEXEC));
    } catch (e) {
      if (isSysError(e, 'EBUSY')) exclusive = true;
      else if (!isSysError(e)) throw e;
    }
  } catch (e) {
    if (!isSysError(e)) throw e;
  } finally {
    if (first !== null) sys.close(first);
  }
  return {
    driver: dev.driver ?? dev.version?.name ?? 'unknown',
    openPolicy: exclusive ? 'exclusive' : 'shared',
    openPolicySource: 'detected',
    controlNode: dev.drmNodes.some((n) => n.kind === 'control'),
    jobTimeoutMs: null,
    iommu: 'none',
    prime: false,
    syncobj: false,
  };
}

export function adapterFor(sys: Sys, profile: DriverProfile): DriverAdapter | null {
  if (!profile.adapter) return null;
  const factory = adapters.get(profile.adapter);
  return factory ? factory(sys) : null;
}
