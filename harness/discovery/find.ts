/**
 * From `--device` / ACCEL_DEVICE to the devices a command works on, each with
 * the Sys that reaches it: real devices through the native backend, `sim:`
 * devices through one freshly booted simulated kernel. `list` and `run`
 * (harness/session.ts) both pick and label devices here.
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
  /** See deviceLabel. */
  readonly label: string;
  readonly info: AccelDevice;
  readonly sys: Sys;
  /** On the simulated kernel (a `sim:` spec). */
  readonly simulated: boolean;
}

/**
 * The one labelling rule of devices, in `list`, `run`, results and reports:
 * a real accel device is its class name (`accel0`), a plain DRM node its name
 * (`card0`), a simulated device `sim:SPEC` (the spec as written), or
 * `sim:SPEC/accelN` when that spec names more than one device of the machine.
 */
export function deviceLabel(info: AccelDevice, simSpecs: readonly string[] = []): string {
  const spec = info.simSpec;
  if (spec === undefined) return info.name;
  return simSpecs.filter((s) => s === spec).length > 1 ? `sim:${spec}/${info.name}` : `sim:${spec}`;
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
  /**
   * With no filter at all: the specs to boot when the machine has no accel
   * device or no usable native backend (a run's stand-in), said in `notice`.
   */
  readonly defaultSimSpecs?: readonly string[];
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
  /** Why the default simulated drivers stand in (defaultSimSpecs), to say once to the operator. */
  readonly notice?: string;
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

/** With no filter, a machine whose native backend cannot load still has the default simulated drivers to offer. */
function nativeOrReason(load: () => Sys, tolerate: boolean): Sys | DeviceSelectionError {
  try {
    return load();
  } catch (e) {
    if (tolerate && e instanceof DeviceSelectionError) return e;
    throw e;
  }
}

export function findDevices(options: FindOptions): FindResult {
  const filter = pickFilterSource(options.deviceOption, options.env);
  const parsed = filter ? parseFilterSource(filter) : null;
  const open = options.open ?? true;
  const defaults = parsed === null ? (options.defaultSimSpecs ?? []) : [];
  const standIn = `running the bundled simulated drivers sim:${defaults.join(';sim:')}`;
  const selected: FoundDevice[] = [];
  let available: readonly AccelDevice[] = [];
  let accelClassPresent = false;
  let notice: string | undefined;
  const realScanned = parsed === null || parsed.filters.length > 0 || parsed.drmNodes.length > 0;

  if (realScanned) {
    const sys = nativeOrReason(options.nativeSys ?? loadNativeSys, defaults.length > 0);
    if (sys instanceof DeviceSelectionError) {
      notice = `${sys.message}: ${standIn}`;
    } else {
      const result = discoverAccelDevices(sys, options.roots, { open });
      available = result.devices;
      accelClassPresent = result.accelClassPresent;
      const picked = parsed && filter ? select(result, parsed.filters, filter) : result.devices;
      for (const info of picked) selected.push({ label: deviceLabel(info), info, sys, simulated: false });
      for (const name of parsed?.drmNodes ?? []) {
        const info = describeDrmNode(sys, options.roots, name, open);
        selected.push({ label: deviceLabel(info), info, sys, simulated: false });
      }
      if (defaults.length > 0 && selected.length === 0) {
        const why = result.accelClassPresent ? 'no accel device' : `no ${options.roots.sysfsRoot}/class/accel (no accel driver loaded)`;
        notice = `${why} on this machine: ${standIn}`;
      }
    }
  }

  // One machine for all specs, as a run boots it: simulated devices can then share buffers.
  const specs = parsed ? [...parsed.simSpecs] : notice !== undefined ? [...defaults] : [];
  if (specs.length > 0) {
    const machine = (options.bootSim ?? defaultBootSim)(specs);
    const result = discoverAccelDevices(machine.sys, resolveRoots({ root: '/' }), { open });
    if (result.devices.length === 0) {
      throw new DeviceSelectionError('config', `sim:${specs.join(';sim:')} booted a kernel with no accel device`);
    }
    // Which spec made which device: by class name, which the kernel derives from the minor it allocated
    // (the sysfs `dev` attribute is what core@basic-node checks, so a device whose attribute is wrong is still found).
    const made = machine.devices ?? result.devices.map((d, i) => ({ name: d.name, spec: specs[i] ?? specs[specs.length - 1] ?? '' }));
    const madeSpecs = made.map((m) => m.spec);
    for (const m of made) {
      const d = result.devices.find((f) => f.name === m.name);
      if (!d) throw new DeviceSelectionError('config', `sim:${m.spec} registered ${m.name}, but discovery does not see it`);
      const info = { ...d, simSpec: m.spec };
      selected.push({ label: deviceLabel(info, madeSpecs), info, sys: machine.sys, simulated: true });
    }
  }
  return {
    filter,
    selected,
    available,
    realScanned,
    accelClassPresent,
    roots: options.roots,
    ...(notice !== undefined ? { notice } : {}),
  };
}
