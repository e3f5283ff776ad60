/**
 * A test session: the devices a run works on, each with its Sys, profile and
 * adapter. Devices are picked and labelled as `list` does
 * (harness/discovery/find.ts); every `sim:` spec boots on ONE simulated
 * kernel, so cross-device tests (a dma-buf of one device imported into
 * another) have a shared kernel to work on.
 */
import { adapterFor, profileFor } from '../drivers/registry';
import { resolveRoots } from './discovery';
import { findDevices } from './discovery/find';
import type { DeviceUnderTest } from './testing/define';

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

export async function openSession(options: SessionOptions = {}): Promise<Session> {
  const roots = resolveRoots({
    ...(options.sysfsRoot !== undefined ? { sysfsRoot: options.sysfsRoot } : {}),
    ...(options.devRoot !== undefined ? { devRoot: options.devRoot } : {}),
  });
  const found = findDevices({
    ...(options.device !== undefined ? { deviceOption: options.device } : {}),
    env: options.env ?? process.env,
    roots,
    defaultSimSpecs: DEFAULT_SIM_SPECS,
  });
  const devices = found.selected.map((f): DeviceUnderTest => {
    const profile = profileFor(f.sys, f.info);
    return { label: f.label, info: f.info, profile, sys: f.sys, adapter: adapterFor(f.sys, profile), simulated: f.simulated };
  });
  return {
    devices,
    ...(found.notice !== undefined ? { notice: found.notice } : {}),
    close() {
      // Test fds are closed per test; an unreferenced simulated kernel is just garbage.
    },
  };
}
