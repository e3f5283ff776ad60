/**
 * Which profile and adapter belong to a device. Bundled and known drivers
 * declare a profile; for anything else the open policy is detected with a
 * second open (or reported unknown when that cannot tell), PRIME is asked of
 * GET_CAP, and nothing else is assumed (no timeout, no IOMMU).
 */
import { resolve } from 'node:path';
import type { AccelDevice } from '../harness/discovery/types';
import { isSysError } from '../harness/sys/errno';
import { O_CLOEXEC, O_RDWR } from '../harness/sys/constants';
import type { Sys } from '../harness/sys/types';
import type { AdapterFactory, DriverAdapter } from './adapter';
import type { DriverProfile, OpenPolicy } from './profile';
import { DRM_CAP_PRIME, DRM_IOCTL_GET_CAP, DRM_PRIME_CAP_EXPORT, DRM_PRIME_CAP_IMPORT, drm_get_cap } from '../harness/uapi/drm';
import { DRIVER_MODULES } from './modules';
import type { DriverModule, ShippedExpectations } from './driver-module';
import { loadDriverPlugin } from './driver-plugin';

/** Declares the profile of every device bound to `driver`. */
export type ProfileSource = (sys: Sys, dev: AccelDevice) => DriverProfile;

const profiles = new Map<string, ProfileSource>();
const adapters = new Map<string, AdapterFactory>();
const expectations = new Map<string, ShippedExpectations>();
/** Absolute paths of the driver plugins loaded into this process, in load order. */
const plugins = new Map<string, DriverModule>();

/**
 * Adds a module's profiles, adapters and shipped expectations; a later
 * module replaces an earlier one's entry of the same name (a plugin may bring
 * its own adapter for a bundled driver).
 */
export function registerDriverModule(m: DriverModule): void {
  for (const [driver, source] of Object.entries(m.profiles ?? {})) profiles.set(driver, source);
  for (const [name, factory] of Object.entries(m.adapters ?? {})) adapters.set(name, factory);
  for (const [driver, files] of Object.entries(m.expectations ?? {})) expectations.set(driver, files);
}

for (const m of DRIVER_MODULES) registerDriverModule(m);

/**
 * Loads driver plugins (docs/adapters.md) into this process, once each;
 * throws DriverPluginError naming the first bad one. Returns their absolute paths.
 */
export function useDriverPlugins(paths: readonly string[]): string[] {
  const loaded: string[] = [];
  for (const p of paths) {
    const abs = resolve(p);
    if (!plugins.has(abs)) {
      const m = loadDriverPlugin(abs);
      plugins.set(abs, m);
      registerDriverModule(m);
    }
    loaded.push(abs);
  }
  return loaded;
}

/** The expectation files shipped for a driver (by its bundled module or a plugin), if any. */
export function shippedExpectationsFor(driver: string): ShippedExpectations | undefined {
  return expectations.get(driver);
}

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

/** GET_CAP(DRM_CAP_PRIME) on an open fd: true when both import and export are reported. */
function probePrime(sys: Sys, fd: number): boolean {
  const arg = drm_get_cap.encode({ capability: DRM_CAP_PRIME });
  try {
    sys.ioctl(fd, DRM_IOCTL_GET_CAP, arg);
  } catch (e) {
    // A kernel that answers GET_CAP with an error reports no PRIME: nothing is assumed.
    if (isSysError(e)) return false;
    throw e;
  }
  const both = DRM_PRIME_CAP_IMPORT | DRM_PRIME_CAP_EXPORT;
  return (drm_get_cap.decode(arg).value & both) === both;
}

/**
 * An unknown driver: a second open of the node while the first is held tells
 * the policy (EBUSY: exclusive, success: shared). Anything else says nothing
 * about the policy and is reported, never guessed: a first open that fails
 * (EACCES, or EBUSY because another process holds an exclusive device) or a
 * second open failing with another errno gives openPolicy 'unknown' with the
 * reason. PRIME is what GET_CAP(DRM_CAP_PRIME) says: since Linux 6.6 drm_getcap
 * reports DRM_PRIME_CAP_IMPORT|EXPORT for every driver (drivers/gpu/drm/drm_ioctl.c),
 * so an unknown device still runs the dma-buf tests that need no adapter.
 * Every other property stays unknown (no timeout, no IOMMU, no syncobj).
 */
export function detectProfile(sys: Sys, dev: AccelDevice): DriverProfile {
  const probe = probeOpens(sys, dev.devnode);
  return {
    driver: dev.driver ?? dev.version?.name ?? 'unknown',
    openPolicy: probe.openPolicy,
    openPolicySource: probe.reason === undefined ? 'detected' : 'unknown',
    ...(probe.reason !== undefined ? { openPolicyUnknownReason: probe.reason } : {}),
    controlNode: dev.drmNodes.some((n) => n.kind === 'control'),
    jobTimeoutMs: null,
    iommu: 'none',
    prime: probe.prime,
    syncobj: false,
  };
}

interface OpenProbe {
  readonly openPolicy: OpenPolicy | 'unknown';
  /** Set exactly when openPolicy is 'unknown'. */
  readonly reason?: string;
  readonly prime: boolean;
}

function probeOpens(sys: Sys, devnode: string): OpenProbe {
  let first: number;
  try {
    first = sys.open(devnode, O_RDWR | O_CLOEXEC);
  } catch (e) {
    if (!isSysError(e)) throw e;
    return { openPolicy: 'unknown', reason: `open policy not detected: the first open of ${devnode} failed with ${e.code}`, prime: false };
  }
  try {
    const prime = probePrime(sys, first);
    try {
      sys.close(sys.open(devnode, O_RDWR | O_CLOEXEC));
      return { openPolicy: 'shared', prime };
    } catch (e) {
      if (!isSysError(e)) throw e;
      if (e.code === 'EBUSY') return { openPolicy: 'exclusive', prime };
      const reason = `open policy not detected: a second open of ${devnode} while the first was held failed with ${e.code}, not EBUSY`;
      return { openPolicy: 'unknown', reason, prime };
    }
  } finally {
    sys.close(first);
  }
}

export function adapterFor(sys: Sys, profile: DriverProfile): DriverAdapter | null {
  if (!profile.adapter) return null;
  const factory = adapters.get(profile.adapter);
  return factory ? factory(sys) : null;
}
