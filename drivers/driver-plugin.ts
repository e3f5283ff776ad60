/**
 * Driver plugins: a DriverModule (drivers/driver-module.ts) loaded from a
 * path anywhere on disk, so a driver for real hardware joins a run without
 * touching the project (docs/adapters.md). The module exports the
 * DriverModule (`module.exports`, or `default` for TypeScript), or a function
 * taking the DriverPluginApi and returning one. Everything is checked at load:
 * a bad plugin is one DriverPluginError line, before any test runs.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { CAPABILITY_GROUPS, JOB_KINDS, type AdapterFactory, type DriverAdapter } from './adapter';
import type { DriverModule } from './driver-module';
import { DRIVER_PLUGIN_API } from './driver-plugin-api';
import type { Sys } from '../harness/sys/types';

export class DriverPluginError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DriverPluginError';
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isFn = (v: unknown): v is (...args: never[]) => unknown => typeof v === 'function';

/** Methods each capability group must have, and the optional ones that must be functions when given. */
const GROUP_METHODS: Readonly<Record<string, { readonly required: readonly string[]; readonly optional: readonly string[] }>> = {
  buffers: { required: ['create', 'close'], optional: ['mmap', 'info'] },
  dmabuf: { required: ['export', 'import'], optional: [] },
  deviceMap: { required: ['map', 'unmap'], optional: [] },
  jobs: { required: ['submit', 'wait'], optional: [] },
  state: { required: ['query'], optional: ['resetCount'] },
};

/**
 * Problems of an adapter object, one line each: a claimed capability group
 * missing a method, an unknown group or job kind. An empty list is a valid adapter.
 */
export function adapterProblems(adapter: unknown): string[] {
  if (!isObj(adapter)) return ['the adapter is not an object'];
  const out: string[] = [];
  if (typeof adapter.name !== 'string' || adapter.name === '') out.push('the adapter has no name');
  // A plain object's other keys are typos of a group ('buffer', 'iommu'); a class instance keeps its own state.
  const plain = Object.getPrototypeOf(adapter) === Object.prototype;
  for (const key of plain ? Object.keys(adapter) : []) {
    if (key !== 'name' && key !== 'unavailable' && !(CAPABILITY_GROUPS as readonly string[]).includes(key) && adapter[key] !== undefined) {
      out.push(`unknown capability '${key}' (known: ${CAPABILITY_GROUPS.join(', ')})`);
    }
  }
  for (const group of CAPABILITY_GROUPS) {
    const g = adapter[group];
    if (g === undefined) continue;
    if (!isObj(g)) {
      out.push(`capability '${group}' is not an object`);
      continue;
    }
    const methods = GROUP_METHODS[group] as { required: readonly string[]; optional: readonly string[] };
    for (const m of methods.required) if (!isFn(g[m])) out.push(`capability '${group}' claimed but method '${m}' missing`);
    for (const m of methods.optional) if (g[m] !== undefined && !isFn(g[m])) out.push(`capability '${group}': '${m}' is not a function`);
  }
  const buffers = adapter.buffers;
  if (isObj(buffers) && buffers.handles !== 'gem' && buffers.handles !== 'driver') {
    out.push(`capability 'buffers' needs handles 'gem' or 'driver'`);
  }
  const jobs = adapter.jobs;
  if (isObj(jobs)) {
    const kinds = jobs.kinds;
    if (!(kinds instanceof Set)) out.push(`capability 'jobs' needs kinds, a Set of ${JOB_KINDS.join(', ')}`);
    else {
      for (const k of kinds) if (!(JOB_KINDS as readonly unknown[]).includes(k)) out.push(`capability 'jobs': unknown job kind '${String(k)}'`);
      if (!kinds.has('nop')) out.push(`capability 'jobs' without a 'nop' kind (a driver that cannot run a trivial job has no jobs)`);
    }
  }
  return out;
}

/**
 * A Sys that refuses every use: adapters are built from their factory at
 * load to be checked, and a factory only builds the object (I/O belongs in
 * its methods, which run on a device).
 */
const INERT_SYS = new Proxy({} as Sys, {
  get(_t, prop) {
    throw new DriverPluginError(`the adapter factory used sys.${String(prop)} while building the adapter; do I/O in its methods`);
  },
});

function checkFactory(where: string, name: string, factory: unknown): void {
  if (!isFn(factory)) throw new DriverPluginError(`${where}: adapter '${name}' is not a factory function (sys) => adapter`);
  let adapter: unknown;
  try {
    adapter = (factory as AdapterFactory)(INERT_SYS);
  } catch (e) {
    throw new DriverPluginError(`${where}: adapter '${name}': ${(e as Error).message ?? String(e)}`);
  }
  const problems = adapterProblems(adapter);
  if (problems.length > 0) throw new DriverPluginError(`${where}: adapter '${name}': ${problems.join('; ')}`);
  const built = adapter as DriverAdapter;
  if (built.name !== name) throw new DriverPluginError(`${where}: adapter '${name}' builds an adapter named '${built.name}'`);
}

function checkRecordOfFns(where: string, what: string, v: unknown): void {
  if (v === undefined) return;
  if (!isObj(v)) throw new DriverPluginError(`${where}: '${what}' must be an object keyed by name`);
  for (const [k, f] of Object.entries(v)) if (!isFn(f)) throw new DriverPluginError(`${where}: ${what}['${k}'] is not a function`);
}

/** Checks a plugin's DriverModule shape; returns it typed. `where` names it in errors (a path). */
export function validateDriverModule(where: string, m: unknown): DriverModule {
  if (!isObj(m)) throw new DriverPluginError(`${where}: does not export a driver module (an object with name, profiles, adapters)`);
  if (typeof m.name !== 'string' || m.name === '') throw new DriverPluginError(`${where}: the driver module has no name`);
  // A plugin brings what a real device needs; simulated models come as sim: plugins (docs/plugins.md).
  const known = ['name', 'profiles', 'adapters', 'expectations'];
  for (const key of Object.keys(m)) {
    if (!known.includes(key)) throw new DriverPluginError(`${where}: a driver plugin declares ${known.join(', ')}; '${key}' is not read from one`);
  }
  checkRecordOfFns(where, 'profiles', m.profiles);
  checkRecordOfFns(where, 'adapters', m.adapters);
  for (const [name, factory] of Object.entries(isObj(m.adapters) ? m.adapters : {})) checkFactory(where, name, factory);
  if (m.expectations !== undefined) {
    if (!isObj(m.expectations)) throw new DriverPluginError(`${where}: 'expectations' must be an object keyed by driver name`);
    for (const [driver, files] of Object.entries(m.expectations)) {
      if (!isObj(files)) throw new DriverPluginError(`${where}: expectations['${driver}'] must be { fails?, skips?, flakes? }`);
      for (const [kind, file] of Object.entries(files)) {
        if (!['fails', 'skips', 'flakes'].includes(kind)) throw new DriverPluginError(`${where}: expectations['${driver}'].${kind}: unknown kind (fails, skips, flakes)`);
        if (typeof file !== 'string' || !isAbsolute(file)) {
          throw new DriverPluginError(`${where}: expectations['${driver}'].${kind} must be an absolute path (path.join(__dirname, ...))`);
        }
        if (!existsSync(file)) throw new DriverPluginError(`${where}: expectations['${driver}'].${kind}: ${file} does not exist`);
      }
    }
  }
  return m as unknown as DriverModule;
}

/** Loads and checks one plugin; `path` is resolved against the current directory. */
export function loadDriverPlugin(path: string): DriverModule {
  const abs = resolve(path);
  let exported: unknown;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    exported = require(abs);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'MODULE_NOT_FOUND' && (err.message ?? '').includes(abs)) throw new DriverPluginError(`driver plugin ${path}: not found`);
    throw new DriverPluginError(`driver plugin ${path}: loading it threw: ${firstLine(err)}`);
  }
  if (isObj(exported) && 'default' in exported && exported.default !== undefined) exported = exported.default;
  if (isFn(exported)) {
    try {
      exported = (exported as (api: typeof DRIVER_PLUGIN_API) => unknown)(DRIVER_PLUGIN_API);
    } catch (e) {
      throw new DriverPluginError(`driver plugin ${path}: its function threw: ${firstLine(e)}`);
    }
  }
  return validateDriverModule(`driver plugin ${path}`, exported);
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0] ?? text;
}
