/**
 * Loads the two syscall backends on demand: the native one pulls in koffi and
 * the simulated one a whole kernel, and neither belongs in `--help`. A
 * missing or broken backend is a clear configuration error, not a crash.
 */
import { nativeSys } from '../sys';
import type { Sys } from '../sys/types';
import { DeviceSelectionError } from './errors';

/** What discovery needs of drivers/sim/machine's SimMachine. */
export interface SimMachine {
  readonly sys: Sys;
  /** Which spec made which device (accelN); the machine gives minors in spec order. */
  readonly devices?: readonly { readonly spec: string; readonly name: string }[];
}

interface SimModule {
  bootSimMachine(specs: string[]): SimMachine;
}

// Relative to this file, which sits at the same depth in the sources and in dist/.
const SIM_MODULE = '../../drivers/sim/machine';

function load(id: string, what: string): unknown {
  try {
    return require(id) as unknown;
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    const missing = code === 'MODULE_NOT_FOUND' && e instanceof Error && e.message.includes(id);
    const why = missing ? 'is not part of this build' : `failed to load: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
    throw new DeviceSelectionError('unavailable', `${what} ${why}`);
  }
}

function hasFunction<K extends string>(m: unknown, key: K): m is Record<K, (...args: never[]) => unknown> {
  return typeof m === 'object' && m !== null && typeof (m as Record<string, unknown>)[key] === 'function';
}

/** harness/sys loads koffi on this first call; a guest without a usable koffi gets one clear line. */
export function loadNativeSys(): Sys {
  try {
    return nativeSys();
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new DeviceSelectionError('unavailable', `the native syscall backend failed to load: ${msg}`);
  }
}

export function bootSimMachine(specs: string[]): SimMachine {
  const m = load(SIM_MODULE, 'the simulated kernel (drivers/sim/machine)');
  if (!hasFunction(m, 'bootSimMachine')) {
    throw new DeviceSelectionError('unavailable', 'the simulated kernel (drivers/sim/machine) does not export bootSimMachine()');
  }
  try {
    return (m as unknown as SimModule).bootSimMachine(specs);
  } catch (e) {
    // The simulator rejects unknown specs; that is the operator's filter at fault. Its messages name the spec already.
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new DeviceSelectionError('config', msg.startsWith('sim:') ? msg : `cannot boot sim:${specs.join(';sim:')}: ${msg}`);
  }
}
