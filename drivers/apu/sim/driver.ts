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
import type { ApuDriverOps } from './ops';

export interface ApuProbeConfig {
  readonly params: Readonly<Record<string, string>>;
  readonly defects: ReadonlySet<string>;
  /** Devices of this model probed before (their platform devices need distinct names). */
  readonly instance: number;
  /** Replaces the model's driver name / module (plugins deriving a new driver). */
  readonly model: ApuModelConfig;
  readonly ops: ApuDriverOps;
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
    flush: (_drm, file) => ops.flush(device(), file),
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
  const driver = buildApuDriver(cfg.model, cfg.ops, device);
  const drm = kernel.registerDrmDriver(driver, {
    module: cfg.model.module,
    params: { ...defaultParams(cfg.model), ...cfg.params },
    parentName: cfg.instance === 0 ? cfg.model.parentName : `${cfg.model.parentName}.${cfg.instance}`,
    defects: cfg.defects,
    controlNode: cfg.model.controlNode === true,
  });
  apu = new ApuDevice(drm, cfg.model, params, cfg.defects, cfg.ops);
  drm.devPrivate = apu;
  return apu;
}
