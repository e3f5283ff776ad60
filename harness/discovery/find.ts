/**
 * From `--device` / ACCEL_DEVICE to the devices a command works on, each with
 * the Sys that reaches it: real devices through the native backend, `sim:`
 * devices through one freshly booted simulated kernel.
 */
import { posix } from 'node:path';
import type { Sys } from '../sys/types';
import { bootSimMachine as defaultBootSim, loadNativeSys, type SimMachine } from './backends';
import { discoverAccelDevices, type DiscoveryResult } from './discover';
import { describeDrmNode } from './drm-device';
import type { ParsedFilters } from './filters';
import { DeviceSelectionError } from './errors';
import { type DiscoveryRoots, resolveRoots } from './roots';
import { type FilterSource, parseFilterSource, pickFilterSource, selectDevices } from './select';
import type { AccelDevice } from './types';

export interface FoundDevice {
  /** `accel0`, or `sim:apu/accel0` for a simulated device. */
  readonly label: string;
  readonly info: AccelDevice;
  readonly sys: Sys;
}

export interface FindOptions {
  /** The --device option, if given. */
  readonly deviceOption?: string;
  readonly env: NodeJS.ProcessEnv;
  readonly roots: DiscoveryRoots;
  /** Open nodes and read DRM_IOCTL_VERSION (default true). */
  readonly open?: boolean;
  /** Backends, replaceable in tests. */
  readonly nativeSys?: () => Sys;
  readonly bootSim?: (specs: string[]) => SimMachine;
}

export interface FindResult {
  readonly filter: FilterSource | null;
  readonly selected: readonly FoundDevice[];
  /** Every real device seen (selected or not); empty when only sim: filters were given. */
  readonly available: readonly AccelDevice[];
  /** Whether the real kernel was scanned, and whether it has the accel class at all. */
  readonly realScanned: boolean;
  readonly accelClassPresent: boolean;
  readonly roots: DiscoveryRoots;
}

/** As selectDevices, but an empty machine says why it is empty. */
function select(result: DiscoveryResult, filters: ParsedFilters['filters'], filter: FilterSource): readonly AccelDevice[] {
  try {
    return selectDevices(result.devices, filters, result.roots, filter.origin);
  } catch (e) {
    if (!(e instanceof DeviceSelectionError) || result.accelClassPresent) throw e;
    const classDir = posix.join(result.roots.sysfsRoot, 'class', 'accel');
    throw new DeviceSelectionError(e.kind, e.message, [`available devices: none (${classDir} does not exist)`]);
  }
}

export function findDevices(options: FindOptions): FindResult {
  const filter = pickFilterSource(options.deviceOption, options.env);
  const parsed = filter ? parseFilterSource(filter) : null;
  const selected: FoundDevice[] = [];
  let available: readonly AccelDevice[] = [];
  let accelClassPresent = false;
  const realScanned = parsed === null || parsed.filters.length > 0 || parsed.drmNodes.length > 0;

  if (realScanned) {
    const sys = (options.nativeSys ?? loadNativeSys)();
    const result = discoverAccelDevices(sys, options.roots, { open: options.open ?? true });
    available = result.devices;
    accelClassPresent = result.accelClassPresent;
    const picked = parsed && filter ? select(result, parsed.filters, filter) : result.devices;
    for (const info of picked) selected.push({ label: info.name, info, sys });
    for (const name of parsed?.drmNodes ?? []) {
      selected.push({ label: name, info: describeDrmNode(sys, options.roots, name, options.open ?? true), sys });
    }
  }

  // One machine for all specs, as a run boots it: simulated devices can then share buffers.
  const specs = [...(parsed?.simSpecs ?? [])];
  if (specs.length > 0) {
    const machine = (options.bootSim ?? defaultBootSim)(specs);
    const result = discoverAccelDevices(machine.sys, resolveRoots({ root: '/' }), { open: options.open ?? true });
    if (result.devices.length === 0) {
      throw new DeviceSelectionError('config', `sim:${specs.join(';sim:')} booted a kernel with no accel device`);
    }
    result.devices.forEach((d, i) => {
      const spec = machine.devices?.find((m) => m.name === d.name)?.spec ?? specs[i] ?? specs[specs.length - 1] ?? '';
      selected.push({ label: `sim:${spec}/${d.name}`, info: { ...d, simSpec: spec }, sys: machine.sys });
    });
  }
  return { filter, selected, available, realScanned, accelClassPresent, roots: options.roots };
}
