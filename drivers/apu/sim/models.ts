/**
 * The two bundled simulated APU drivers as machine models (`sim:apu`,
 * `sim:mt8183`), and the derivation of plugin models from them.
 */
import type { Sys } from '../../../harness/sys/types';
import type { DriverProfile } from '../../profile';
import type { ApuDefect, ApuExtension, SimDriverModel } from '../../sim/plugin-api';
import type { ApuDriverDecl } from '../profile';
import { apuProfile } from '../profile';
import { APU_MODEL, type ApuModelConfig, MT8183_MODEL, defaultParams } from './config';
import { probeApu } from './driver';
import { APU_DEFECTS } from './defects';
import { type ApuDriverOps, type ApuInstaller, defaultApuOps, overrideOps } from './ops';

function declOf(model: ApuModelConfig): ApuDriverDecl {
  return {
    driver: model.driverName,
    module: model.module,
    defaultPolicy: model.openPolicy,
    defaultTimeoutMs: model.defaultTimeoutMs,
    defaultBanAfter: model.defaultBanAfter,
  };
}

export function apuModel(
  name: string,
  model: ApuModelConfig,
  ops: ApuDriverOps = defaultApuOps,
  own: ApuInstaller = () => undefined,
  extraDefects: Readonly<Record<string, ApuDefect>> = {},
): SimDriverModel {
  const defects: Readonly<Record<string, ApuDefect>> = { ...APU_DEFECTS, ...extraDefects };
  return {
    name,
    driverName: model.driverName,
    module: model.module,
    params: defaultParams(model),
    defects,
    probe: (kernel, config) => {
      // The model's own hooks first, then each defect the spec names (core defects are the kernel's to install).
      const install: ApuInstaller[] = [own];
      for (const d of config.defects) {
        const defect = Object.prototype.hasOwnProperty.call(defects, d) ? defects[d] : undefined;
        if (defect) install.push((t) => defect.install(t));
      }
      return probeApu(kernel, { ...config, model, ops, install }).drm;
    },
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
  const own: ApuInstaller = (t) => {
    if (ext.sched) t.overrideSched(ext.sched);
    for (const install of ext.coreHooks ?? []) t.coreHooks(install);
  };
  return apuModel(ext.name ?? ext.base, model, overrideOps(defaultApuOps, ext.overrides), own, ext.defects);
}
