/**
 * The two bundled simulated APU drivers as machine models (`sim:apu`,
 * `sim:mt8183`), and the derivation of plugin models from them.
 */
import type { Sys } from '../../../harness/sys/types';
import type { DriverProfile } from '../../profile';
import type { ApuExtension, ApuOpsOverrides, SimDriverModel } from '../../sim/plugin-api';
import type { ApuDriverDecl } from '../profile';
import { apuProfile } from '../profile';
import { APU_MODEL, type ApuModelConfig, MT8183_MODEL, defaultParams } from './config';
import { probeApu } from './driver';
import type { ApuIoctlName } from './ioctls';
import { type ApuDriverOps, defaultApuOps } from './ops';
import { DEFECTS, type DefectInfo } from '../../sim/defects';

/** The APU models' own defects: the 'driver' layer of the catalogue (drivers/sim/defects.ts). */
const APU_DEFECTS: Readonly<Record<string, DefectInfo>> = Object.fromEntries(
  Object.entries(DEFECTS).filter(([, info]) => info.layer === 'driver'),
);

/** Applies plugin replacements on top of an ops table; each receives the op it replaces. */
export function overrideOps(base: ApuDriverOps, o: ApuOpsOverrides = {}): ApuDriverOps {
  const ioctls = { ...base.ioctls };
  for (const [name, fn] of Object.entries(o.ioctls ?? {}) as [ApuIoctlName, NonNullable<ApuOpsOverrides['ioctls']>[ApuIoctlName]][]) {
    if (!fn) continue;
    const prev = base.ioctls[name];
    ioctls[name] = (dev, data, file, ctx) => fn(dev, data, file, ctx, prev);
  }
  const { open, release, flush, executeJob, iommuMap, iommuUnmap } = o;
  return {
    open: open ? (d, f, c) => open(d, f, c, base.open) : base.open,
    release: release ? (d, f) => release(d, f, base.release) : base.release,
    flush: flush ? (d, f) => flush(d, f, base.flush) : base.flush,
    ioctls,
    executeJob: executeJob ? (d, j) => executeJob(d, j, base.executeJob) : base.executeJob,
    iommuMap: iommuMap ? (d, c, objs) => iommuMap(d, c, objs, base.iommuMap) : base.iommuMap,
    iommuUnmap: iommuUnmap ? (d, c, objs) => iommuUnmap(d, c, objs, base.iommuUnmap) : base.iommuUnmap,
  };
}

function declOf(model: ApuModelConfig): ApuDriverDecl {
  return {
    driver: model.driverName,
    module: model.module,
    defaultPolicy: model.openPolicy,
    defaultTimeoutMs: model.defaultTimeoutMs,
    defaultBanAfter: model.defaultBanAfter,
  };
}

export function apuModel(name: string, model: ApuModelConfig, ops: ApuDriverOps = defaultApuOps): SimDriverModel {
  return {
    name,
    driverName: model.driverName,
    module: model.module,
    params: defaultParams(model),
    defects: APU_DEFECTS,
    probe: (kernel, config) => probeApu(kernel, { ...config, model, ops }).drm,
    profile: (sys: Sys): DriverProfile => apuProfile(sys, declOf(model)),
  };
}

export const SIM_APU: SimDriverModel = apuModel('apu', APU_MODEL);
export const SIM_MT8183: SimDriverModel = apuModel('mt8183', MT8183_MODEL);

export function extendApuDriver(ext: ApuExtension): SimDriverModel {
  const base = ext.base === 'apu' ? APU_MODEL : MT8183_MODEL;
  const model: ApuModelConfig = {
    ...base,
    driverName: ext.driverName ?? base.driverName,
    module: ext.module ?? base.module,
    desc: ext.desc ?? base.desc,
    controlNode: ext.controlNode ?? base.controlNode ?? false,
  };
  return apuModel(ext.name ?? ext.base, model, overrideOps(defaultApuOps, ext.overrides));
}
