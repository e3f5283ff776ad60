/**
 * Profiles of the APU drivers: the bundled sim:apu and sim:mt8183 models and
 * the reference kernel module. What is tunable at load time (timeout_ms,
 * ban_after, exclusive) is read back from /sys/module/<module>/parameters
 * through the Sys file view, so a profile always tells what the running
 * driver does, simulated or real.
 */
import type { DriverProfile, OpenPolicy } from '../profile';
import type { Sys } from '../../harness/sys/types';
import { APU_ADAPTER_NAME } from './adapter';
import { readModuleParam } from '../module-param';

export interface ApuDriverDecl {
  /** Driver name (DRM_IOCTL_VERSION name, sysfs driver). */
  readonly driver: string;
  /** Module whose parameters live under /sys/module/<module>/parameters. */
  readonly module: string;
  readonly defaultPolicy: OpenPolicy;
  readonly defaultTimeoutMs: number;
  readonly defaultBanAfter: number;
}

export const APU_DRIVER: ApuDriverDecl = {
  driver: 'apu',
  module: 'apu',
  defaultPolicy: 'shared',
  defaultTimeoutMs: 500,
  defaultBanAfter: 3,
};

export const MT8183_APU_DRIVER: ApuDriverDecl = {
  driver: 'mt8183-apu',
  module: 'mt8183_apu',
  defaultPolicy: 'exclusive',
  defaultTimeoutMs: 200,
  defaultBanAfter: 3,
};

export const APU_DRIVERS: readonly ApuDriverDecl[] = [APU_DRIVER, MT8183_APU_DRIVER];


export function apuProfile(sys: Sys, decl: ApuDriverDecl): DriverProfile {
  const exclusive = readModuleParam(sys, decl.module, 'exclusive');
  const openPolicy: OpenPolicy = exclusive === null ? decl.defaultPolicy : exclusive !== 0 ? 'exclusive' : 'shared';
  return {
    driver: decl.driver,
    openPolicy,
    openPolicySource: 'declared',
    controlNode: false,
    jobTimeoutMs: readModuleParam(sys, decl.module, 'timeout_ms') ?? decl.defaultTimeoutMs,
    iommu: 'per-context',
    prime: true,
    syncobj: true,
    banAfterHangs: readModuleParam(sys, decl.module, 'ban_after') ?? decl.defaultBanAfter,
    debugfsObjectCount: 'gem_objects',
    uapi: 'apu',
    adapter: APU_ADAPTER_NAME,
  };
}
