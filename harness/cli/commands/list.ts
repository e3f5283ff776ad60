/** `list`: the accel devices discovery finds, as a table or as JSON (docs/list-json.md). */
import type { Argv, Arguments } from 'yargs';
import { booleanArg, type CliCommand, stringArg, stringArgs } from '../command';

/** The environment variable naming driver plugins, ':'-separated (drivers/driver-plugin.ts). */
export const DRIVER_PLUGINS_ENV = 'ACCEL_DRIVER_PLUGINS';

export const DRIVER_PLUGIN_OPTION = {
  type: 'string',
  requiresArg: true,
  describe: `load a driver plugin (profile, adapter, expectations) from PATH, repeatable; ${DRIVER_PLUGINS_ENV} adds more, ':'-separated (docs/adapters.md)`,
} as const;

/** --driver-plugin values, then the environment's, each once. */
export function driverPluginPaths(args: Arguments, env: NodeJS.ProcessEnv): string[] {
  const fromEnv = (env[DRIVER_PLUGINS_ENV] ?? '').split(':').filter((p) => p.trim() !== '');
  return [...new Set([...(stringArgs(args, 'driver-plugin') ?? []), ...fromEnv])];
}

export const ROOT_OPTIONS = {
  root: { type: 'string', requiresArg: true, describe: 'file system root holding etc/group (permission hints)', defaultDescription: '/' },
  'sysfs-root': { type: 'string', requiresArg: true, describe: 'where sysfs is mounted', defaultDescription: '<root>/sys' },
  'dev-root': { type: 'string', requiresArg: true, describe: 'where the device nodes are', defaultDescription: '<root>/dev' },
} as const;

export const DEVICE_OPTION = {
  type: 'string',
  requiresArg: true,
  describe:
    "device filter, ';'-separated: accel:N, /dev/accel/accelN, sys:/sys/devices/..., pci:slot=..., pci:vendor=XXXX[,device=XXXX], driver:NAME, sim:SPEC (overrides ACCEL_DEVICE)",
} as const;

export const listCommand: CliCommand = {
  command: 'list',
  describe: 'List accel devices: node, driver, bus, PCI ids, DRM version, sibling DRM nodes, and what blocks opening them',
  builder: (y: Argv): Argv =>
    y
      .option('json', { type: 'boolean', describe: 'print JSON (schema accel-conformance/list/v1)' })
      .option('device', DEVICE_OPTION)
      .option('driver-plugin', DRIVER_PLUGIN_OPTION)
      .option('root', ROOT_OPTIONS.root)
      .option('sysfs-root', ROOT_OPTIONS['sysfs-root'])
      .option('dev-root', ROOT_OPTIONS['dev-root'])
      .example('$0 list', 'every accel device of this machine')
      .example('$0 list --json --device pci:vendor=8086', 'Intel devices, as JSON')
      .example('$0 list --device sim:apu', 'the bundled simulated APU'),
  run: async (args, io) => {
    const devices = stringArgs(args, 'device');
    const options = {
      json: booleanArg(args, 'json'),
      // Repeating --device means the same as joining the filters with ';'.
      device: devices?.join(';'),
      root: stringArg(args, 'root'),
      sysfsRoot: stringArg(args, 'sysfs-root'),
      devRoot: stringArg(args, 'dev-root'),
      driverPlugins: driverPluginPaths(args, io.env),
    };
    const { runList } = await import('../list/run');
    return runList(options, io);
  },
};
