/**
 * A test session: the devices a run works on, each with its Sys, profile and
 * adapter. Real devices come from discovery over the native backend; every
 * `sim:` spec boots on ONE simulated kernel, so cross-device tests (a dma-buf
 * of one device imported into another) have a shared kernel to work on.
 */
import { adapterFor, profileFor } from '../drivers/registry';
import {
  type AccelDevice,
  DeviceSelectionError,
  discoverAccelDevices,
  resolveRoots,
} from './discovery';
import { loadNativeSys } from './discovery/backends';
import { describeDrmNode } from './discovery/drm-device';
import { parseFilterSource, pickFilterSource, selectDevices } from './discovery/select';
import type { DeviceUnderTest } from './testing/define';
import type { Sys } from './sys/types';

export interface SessionOptions {
  /** --device: beats ACCEL_DEVICE. */
  readonly device?: string;
  readonly sysfsRoot?: string;
  readonly devRoot?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export interface Session {
  readonly devices: DeviceUnderTest[];
  /** Said once to the operator, e.g. that the bundled simulated drivers stand in for missing hardware. */
  readonly notice?: string;
  close(): void;
}

/** The bundled drivers a run uses when the machine has no accel device and no filter was given. */
export const DEFAULT_SIM_SPECS: readonly string[] = ['apu', 'mt8183'];

function buildDevice(sys: Sys, info: AccelDevice, label: string, simulated: boolean): DeviceUnderTest {
  const profile = profileFor(sys, info);
  return { label, info, profile, sys, adapter: adapterFor(sys, profile), simulated };
}

interface SimMachineLike {
  readonly sys: Sys;
  readonly devices: readonly { readonly spec: string; readonly minor: number }[];
}

function bootSim(specs: readonly string[]): SimMachineLike {
  // Loaded on demand: a run on real devices never builds a simulated kernel.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const machine = require('../drivers/sim/machine') as typeof import('../drivers/sim/machine');
  try {
    return machine.bootSimMachine(specs);
  } catch (e) {
    if (e instanceof machine.SimSpecError) throw new DeviceSelectionError('config', e.message);
    throw e;
  }
}

function simDevices(machine: SimMachineLike): DeviceUnderTest[] {
  const found = discoverAccelDevices(machine.sys, resolveRoots({ root: '/' }), { open: true }).devices;
  const labels = new Map<string, number>();
  for (const d of machine.devices) labels.set(d.spec, (labels.get(d.spec) ?? 0) + 1);
  return machine.devices.map((d) => {
    // By class-device name, which the kernel derives from the minor it allocated: the sysfs `dev`
    // attribute is what core@basic-node checks, so a device whose attribute is wrong must still be found.
    const info = found.find((f) => f.name === `accel${d.minor}`);
    if (!info) throw new DeviceSelectionError('config', `sim:${d.spec} registered accel${d.minor}, but discovery does not see it`);
    // The same spec twice needs the minor to tell the two apart.
    const label = (labels.get(d.spec) ?? 0) > 1 ? `sim:${d.spec}/${info.name}` : `sim:${d.spec}`;
    return buildDevice(machine.sys, { ...info, simSpec: d.spec }, label, true);
  });
}

/** With no filter a machine whose native backend cannot load still has the simulated drivers to offer. */
function tryNativeSys(): Sys | Error {
  try {
    return loadNativeSys();
  } catch (e) {
    if (e instanceof DeviceSelectionError) return e;
    throw e;
  }
}

export async function openSession(options: SessionOptions = {}): Promise<Session> {
  const env = options.env ?? process.env;
  const source = pickFilterSource(options.device, env);
  const parsed = source ? parseFilterSource(source) : null;
  const roots = resolveRoots({
    ...(options.sysfsRoot !== undefined ? { sysfsRoot: options.sysfsRoot } : {}),
    ...(options.devRoot !== undefined ? { devRoot: options.devRoot } : {}),
  });
  const devices: DeviceUnderTest[] = [];
  let notice: string | undefined;

  const wantsReal = parsed !== null && (parsed.filters.length > 0 || parsed.drmNodes.length > 0);
  const native = parsed === null ? tryNativeSys() : wantsReal ? loadNativeSys() : null;
  if (parsed === null && native instanceof Error) {
    notice = `${native.message}: running the bundled simulated drivers sim:${DEFAULT_SIM_SPECS.join(';sim:')}`;
  } else if (native !== null && !(native instanceof Error)) {
    const sys = native;
    const result = discoverAccelDevices(sys, roots, { open: true });
    const picked = parsed && source ? selectDevices(result.devices, parsed.filters, roots, source.origin) : result.devices;
    for (const info of picked) devices.push(buildDevice(sys, info, info.name, false));
    // drm: terms name DRM nodes of non-accel drivers (vgem), after the accel devices.
    for (const name of parsed?.drmNodes ?? []) devices.push(buildDevice(sys, describeDrmNode(sys, roots, name), name, false));
    if (parsed === null && devices.length === 0) {
      const why = result.accelClassPresent ? 'no accel device' : `no ${roots.sysfsRoot}/class/accel (no accel driver loaded)`;
      notice = `${why} on this machine: running the bundled simulated drivers sim:${DEFAULT_SIM_SPECS.join(';sim:')}`;
    }
  }

  const specs = parsed ? parsed.simSpecs : devices.length === 0 ? DEFAULT_SIM_SPECS : [];
  const machine = specs.length > 0 ? bootSim(specs) : null;
  if (machine) devices.push(...simDevices(machine));

  return {
    devices,
    ...(notice !== undefined ? { notice } : {}),
    close() {
      // Test fds are closed per test; an unreferenced simulated kernel is just garbage.
    },
  };
}
