/**
 * Boots a simulated machine: one simulated kernel with one accel device per
 * `sim:` spec, in order (minor 0, 1, ...), so devices can share dma-bufs.
 *
 *   apu | mt8183 | ./path/plugin.js   [?defect=A,B&timeout_ms=300&ban_after=0]
 */
import * as path from 'node:path';
import { ERRNO, SysError } from '../../harness/sys/errno';
import type { Sys } from '../../harness/sys/types';
import * as apuUapi from '../apu/uapi';
import * as dmaBufUapi from '../../harness/uapi/dma-buf';
import * as drmUapi from '../../harness/uapi/drm';
import { DRM_COMMAND_BASE, DRM_IOCTL_BASE } from '../../harness/uapi/drm';
import { IOWR } from '../../harness/uapi/ioctl';
import { DRIVER_COMPUTE_ACCEL, DRIVER_GEM, DRIVER_SYNCOBJ, DRM_RENDER_ALLOW, PAGE_SIZE } from './kernel/drm/driver';
import { registerProfile } from '../registry';
import { DRIVER_MODULES } from '../modules';
import { SIM_APU, SIM_MT8183, extendApuDriver } from '../apu/sim/models';
import { syncMappedRefs } from '../apu/sim/ops';
import { Idr } from './kernel/drm/idr';
import { ContextMappings, IommuDomain } from './kernel/iommu';
import { GpuScheduler } from './kernel/sched';
import { DEFECTS } from './defects';
import type { PluginApi, SimDriverModel } from './plugin-api';
import { SimKernel } from './kernel/kernel';
import type { Credentials } from './kernel/task';
import { createSimSys } from './sys';

/** The init process's credentials: root, as the harness runs the simulator. */
const ROOT_CRED: Credentials = { uid: 0, gid: 0, groups: [0] };

/** A bad `sim:` spec: unknown driver, defect or parameter, or a plugin that fails to load. */
export class SimSpecError extends Error {
  override readonly name = 'SimSpecError';
}

export interface SimDeviceInfo {
  /** The spec text after `sim:`, as given. */
  readonly spec: string;
  readonly minor: number;
  /** accelN */
  readonly name: string;
}

export interface SimMachine {
  readonly kernel: SimKernel;
  /** The init process (pid 1, uid 0). */
  readonly sys: Sys;
  readonly devices: readonly SimDeviceInfo[];
}

export interface ParsedSpec {
  /** `apu`, `mt8183`, or the plugin path as written. */
  readonly target: string;
  readonly isPlugin: boolean;
  /** Defect names as written; checked against the model's catalogue when it is known (bootSimMachine). */
  readonly defects: ReadonlySet<string>;
  readonly params: Readonly<Record<string, string>>;
}

/** Every driver module's simulated models, by spec name (`sim:<name>`), loaded on first use. */
const BUNDLED: ReadonlyMap<string, () => SimDriverModel> = new Map(
  DRIVER_MODULES.flatMap((m) => Object.entries(m.simModels ?? {})),
);

export const BUNDLED_MODEL_NAMES: readonly string[] = [...BUNDLED.keys()];

export function bundledModel(name: string): SimDriverModel | undefined {
  return BUNDLED.get(name)?.();
}

/** The core's defects apply to every model (drivers/sim/defects.ts, layer 'core'). */
const CORE_DEFECTS: ReadonlySet<string> = new Set(
  Object.entries(DEFECTS).filter(([, info]) => info.layer === 'core').map(([name]) => name),
);

function checkDefects(spec: string, model: SimDriverModel, defects: ReadonlySet<string>): void {
  for (const d of defects) {
    if (CORE_DEFECTS.has(d)) continue;
    if (model.defects && Object.prototype.hasOwnProperty.call(model.defects, d)) continue;
    throw new SimSpecError(`sim:${spec}: unknown defect '${d}' (${model.name} has: ${[...Object.keys(model.defects ?? {}), '+ the core defects of docs/simulator.md'].join(', ')})`);
  }
}

const isPluginPath = (t: string): boolean => t.startsWith('.') || t.startsWith('/') || t.includes('/') || /\.[cm]?[jt]s$/.test(t);

export function parseSpec(spec: string): ParsedSpec {
  const q = spec.indexOf('?');
  const target = (q < 0 ? spec : spec.slice(0, q)).trim();
  if (target === '') throw new SimSpecError(`sim:${spec}: no driver name`);
  const defects = new Set<string>();
  const params: Record<string, string> = {};
  if (q >= 0) {
    for (const part of spec.slice(q + 1).split('&')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      if (eq <= 0) throw new SimSpecError(`sim:${spec}: '${part}' is not key=value`);
      const key = decodeURIComponent(part.slice(0, eq));
      const value = decodeURIComponent(part.slice(eq + 1));
      if (key === 'defect') {
        const names = value.split(',').filter((x) => x !== '');
        if (names.length === 0) throw new SimSpecError(`sim:${spec}: 'defect=' names no defect (see docs/sim-drivers.md)`);
        for (const d of names) defects.add(d);
      } else {
        if (Object.prototype.hasOwnProperty.call(params, key)) throw new SimSpecError(`sim:${spec}: parameter '${key}' given twice`);
        params[key] = value;
      }
    }
  }
  return { target, isPlugin: isPluginPath(target), defects, params };
}

const pluginApi: PluginApi = {
  SysError,
  ERRNO,
  constants: { DRIVER_GEM, DRIVER_SYNCOBJ, DRIVER_COMPUTE_ACCEL, DRM_RENDER_ALLOW, PAGE_SIZE },
  driverIoctl: (nr, size) => IOWR(DRM_IOCTL_BASE, DRM_COMMAND_BASE + nr, size),
  extendApuDriver,
  defineDriver: (model) => model,
  bundled: { apu: SIM_APU, mt8183: SIM_MT8183 },
  uapi: { drm: drmUapi, apu: apuUapi, dmaBuf: dmaBufUapi },
  lib: { Idr, IommuDomain, ContextMappings, GpuScheduler, syncMappedRefs },
};

function isModel(x: unknown): x is SimDriverModel {
  return typeof x === 'object' && x !== null && typeof (x as SimDriverModel).probe === 'function' &&
    typeof (x as SimDriverModel).name === 'string';
}

/** Loads a plugin module (resolved against process.cwd()) and returns its model. */
export function loadPlugin(target: string): SimDriverModel {
  const file = path.resolve(process.cwd(), target);
  let exported: unknown;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    exported = require(file) as unknown;
  } catch (e) {
    const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
    // A syntax error from require() names neither the file nor the cause.
    const hint = e instanceof SyntaxError ? ` (${file} is not a JavaScript module: a plugin is a .js file, docs/plugins.md)` : '';
    throw new SimSpecError(`sim:${target}: cannot load plugin: ${why}${hint}`);
  }
  const candidates: unknown[] = [exported];
  if (typeof exported === 'object' && exported !== null && 'default' in exported) {
    candidates.unshift((exported as { default: unknown }).default);
  }
  for (const c of candidates) {
    if (isModel(c)) return c;
    if (typeof c === 'function') {
      let made: unknown;
      try {
        made = (c as (api: PluginApi) => unknown)(pluginApi);
      } catch (e) {
        throw new SimSpecError(`sim:${target}: plugin factory failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (isModel(made)) return made;
    }
  }
  throw new SimSpecError(`sim:${target}: plugin exports no driver model (see docs/plugins.md)`);
}

function modelFor(p: ParsedSpec, spec: string): SimDriverModel {
  if (p.isPlugin) return loadPlugin(p.target);
  const m = bundledModel(p.target);
  if (!m) throw new SimSpecError(`sim:${spec}: unknown driver '${p.target}' (bundled: ${BUNDLED_MODEL_NAMES.join(', ')})`);
  return m;
}

/** Boots one kernel with a device per spec (text after `sim:`). Throws SimSpecError for bad specs. */
export function bootSimMachine(specs: readonly string[]): SimMachine {
  const parsed = specs.map((spec) => {
    const p = parseSpec(spec);
    const model = modelFor(p, spec);
    checkDefects(spec, model, p.defects);
    for (const key of Object.keys(p.params)) {
      if (!Object.prototype.hasOwnProperty.call(model.params, key)) {
        throw new SimSpecError(
          `sim:${spec}: unknown parameter '${key}' (${model.name} takes: ${['defect', ...Object.keys(model.params)].join(', ')})`,
        );
      }
    }
    return { spec, p, model };
  });
  // One module, one set of parameters: a second device of the same module must agree.
  const moduleParams = new Map<string, { spec: string; params: string }>();
  for (const { spec, p, model } of parsed) {
    const key = JSON.stringify({ ...model.params, ...p.params });
    const prev = moduleParams.get(model.module);
    if (prev && prev.params !== key) {
      throw new SimSpecError(`sim:${spec}: module ${model.module} is already loaded with other parameters (sim:${prev.spec})`);
    }
    moduleParams.set(model.module, { spec, params: key });
  }
  const kernel = new SimKernel();
  const devices: SimDeviceInfo[] = [];
  const instances = new Map<string, number>();
  for (const { spec, p, model } of parsed) {
    let minor: number;
    const instance = instances.get(model.name) ?? 0;
    instances.set(model.name, instance + 1);
    const config = { params: p.params, defects: p.defects, instance };
    let drm;
    try {
      drm = model.probe(kernel, config);
    } catch (e) {
      throw new SimSpecError(`sim:${spec}: ${e instanceof Error ? e.message : String(e)}`);
    }
    minor = drm.accelIndex;
    const remove = model.remove;
    if (remove) {
      // The driver core may unbind the device and probe it again with the same configuration.
      let bound = drm;
      kernel.platform.add(model.driverName, drm.parentName, {
        probe: () => {
          bound = model.probe(kernel, config);
        },
        remove: () => remove(kernel, bound),
      });
    }
    const profile = model.profile;
    if (p.isPlugin && profile) registerProfile(model.driverName, (sys) => profile(sys));
    devices.push({ spec, minor, name: `accel${minor}` });
  }
  return { kernel, sys: createSimSys(kernel, ROOT_CRED), devices };
}
