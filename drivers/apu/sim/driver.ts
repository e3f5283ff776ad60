/**
 * Builds the DRM driver (struct drm_driver) of an APU model over an ops
 * table and registers one device with the simulated kernel.
 */
import { APU_IOCTLS, type ApuIoctlName } from '../uapi';
import {
  DRIVER_COMPUTE_ACCEL,
  DRIVER_GEM,
  DRIVER_SYNCOBJ,
  DRM_RENDER_ALLOW,
  type DrmDriver,
  type DrmRegistrar,
  drmIoctlDef,
} from '../../sim/kernel/drm/driver';
import type { ApuModelConfig } from './config';
import { defaultParams, parseParams } from './config';
import { ApuDevice } from './device';
import { type ApuDriverOps, type ApuInstaller, overrideOps, overrideSched } from './ops';
import type { DrmCoreHookInstaller } from '../../sim/kernel/drm/core-hooks';
import type { SchedHookOverrides } from '../../sim/plugin-api';

export interface ApuProbeConfig {
  readonly params: Readonly<Record<string, string>>;
  readonly defects: ReadonlySet<string>;
  /** Devices of this model probed before (their platform devices need distinct names). */
  readonly instance: number;
  /** Replaces the model's driver name / module (plugins deriving a new driver). */
  readonly model: ApuModelConfig;
  readonly ops: ApuDriverOps;
  /** Defects and the plugin's own hooks, installed in order before the device exists. */
  readonly install?: readonly ApuInstaller[];
}

export function buildApuDriver(model: ApuModelConfig, ops: ApuDriverOps, device: () => ApuDevice): DrmDriver {
  const ioctls = (Object.keys(APU_IOCTLS) as ApuIoctlName[]).map((name) =>
    drmIoctlDef(APU_IOCTLS[name], DRM_RENDER_ALLOW, (_drm, data, file, ctx) => ops.ioctls[name](device(), data, file, ctx)),
  );
  return {
    name: model.driverName,
    desc: model.desc,
    date: '20230517',
    major: 1,
    minor: 0,
    patchlevel: 0,
    features: DRIVER_COMPUTE_ACCEL | DRIVER_GEM | DRIVER_SYNCOBJ,
    ioctls,
    open: (_drm, file, ctx) => ops.open(device(), file, ctx),
    postclose: (_drm, file) => ops.release(device(), file),
    flush: (_drm, file, closer) => ops.flush(device(), file, closer),
    mmap: (_drm, file, vma) => ops.mmap(device(), file, vma),
  };
}

/** Registers one APU device: the driver, its module parameters and its defects. */
export function probeApu(kernel: DrmRegistrar, cfg: ApuProbeConfig): ApuDevice {
  const params = parseParams(cfg.model, cfg.params);
  let apu: ApuDevice | null = null;
  const device = (): ApuDevice => {
    if (!apu) throw new Error('APU device used before registration finished');
    return apu;
  };
  let ops = cfg.ops;
  const sched: SchedHookOverrides[] = [];
  const coreHooks: DrmCoreHookInstaller[] = [];
  for (const install of cfg.install ?? []) {
    install({
      overrideOps: (o) => void (ops = overrideOps(ops, o)),
      overrideSched: (o) => void sched.push(o),
      coreHooks: (i) => void coreHooks.push(i),
    });
  }
  const driver = buildApuDriver(cfg.model, ops, device);
  const drm = kernel.registerDrmDriver(driver, {
    module: cfg.model.module,
    params: { ...defaultParams(cfg.model), ...cfg.params },
    parentName: cfg.instance === 0 ? cfg.model.parentName : `${cfg.model.parentName}.${cfg.instance}`,
    defects: cfg.defects,
    controlNode: cfg.model.controlNode === true,
    hooks: coreHooks,
  });
  apu = new ApuDevice(drm, cfg.model, params, cfg.defects, ops);
  for (const o of sched) overrideSched(apu.sched.hooks, o);
  drm.devPrivate = apu;
  return apu;
}
