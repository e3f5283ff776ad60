/** The `list` command's implementation, loaded only when `list` runs. */
import { DeviceSelectionError } from '../../discovery/errors';
import { findDevices, type FindOptions } from '../../discovery/find';
import { resolveRoots } from '../../discovery/roots';
import { CliError, type CliIo } from '../command';
import { EXIT, type ExitCode } from '../exit-codes';
import { listJson } from './json';
import { renderList } from './table';

export interface ListOptions {
  readonly json: boolean;
  readonly device?: string;
  readonly root?: string;
  readonly sysfsRoot?: string;
  readonly devRoot?: string;
  /** Driver plugins to load and check; the table names what each declares. */
  readonly driverPlugins?: readonly string[];
}

/** Backends can be replaced (specs); by default the native Sys and the bundled simulator. */
export type ListBackends = Pick<FindOptions, 'nativeSys' | 'bootSim'>;

export async function runList(options: ListOptions, io: CliIo, backends: ListBackends = {}): Promise<ExitCode> {
  const plugins = await loadPlugins(options.driverPlugins ?? []);
  const roots = resolveRoots({ root: options.root, sysfsRoot: options.sysfsRoot, devRoot: options.devRoot });
  let result;
  try {
    result = findDevices({ deviceOption: options.device, env: io.env, roots, ...backends });
  } catch (e) {
    if (e instanceof DeviceSelectionError) throw new CliError(e.message, EXIT.USAGE, e.details);
    throw e;
  }
  io.stdout(options.json ? `${JSON.stringify(listJson(result), null, 2)}\n` : renderList(result) + plugins.map((l) => `${l}\n`).join(''));
  return EXIT.OK;
}

/** Loads the plugins (a bad one is a usage error, exit 2); one line each saying what it declares. */
async function loadPlugins(paths: readonly string[]): Promise<string[]> {
  if (paths.length === 0) return [];
  const [{ loadDriverPlugin, DriverPluginError }, { useDriverPlugins }] = await Promise.all([
    import('../../../drivers/driver-plugin'),
    import('../../../drivers/registry'),
  ]);
  try {
    useDriverPlugins(paths);
    return paths.map((p) => {
      const m = loadDriverPlugin(p);
      const keys = (o: object | undefined): string => Object.keys(o ?? {}).join(', ') || 'none';
      return `driver plugin ${p}: profiles ${keys(m.profiles)}; adapters ${keys(m.adapters)}; expectations ${keys(m.expectations)}`;
    });
  } catch (e) {
    if (e instanceof DriverPluginError) throw new CliError(e.message, EXIT.USAGE);
    throw e;
  }
}
