/**
 * The `list --json` document, schema accel-conformance/list/v1
 * (docs/list-json.md, docs/list-v1.schema.json). Built field by field, not by
 * serialising AccelDevice, so internal changes cannot silently change it:
 * absent values are null, ids are 4-digit lowercase hex strings.
 */
import type { FindResult, FoundDevice } from '../../discovery/find';
import type { DiscoveryRoots } from '../../discovery/roots';
import type { Bus, DevnodeStatus, DrmNodeKind } from '../../discovery/types';

export const LIST_SCHEMA = 'accel-conformance/list/v1';

export interface ListJsonDevice {
  readonly label: string;
  readonly name: string;
  readonly minor: number;
  readonly sysfsPath: string;
  readonly devnode: string;
  readonly devnodeStatus: DevnodeStatus;
  readonly parent: string | null;
  readonly bus: Bus | null;
  readonly driver: string | null;
  readonly pci: {
    readonly slot: string;
    readonly vendor: string;
    readonly device: string;
    readonly subsystemVendor: string | null;
    readonly subsystemDevice: string | null;
  } | null;
  readonly drmNodes: readonly { readonly name: string; readonly kind: DrmNodeKind; readonly devnode: string; readonly sysfsPath: string }[];
  readonly version: {
    readonly major: number;
    readonly minor: number;
    readonly patchlevel: number;
    readonly name: string;
    readonly date: string;
    readonly desc: string;
  } | null;
  readonly openError: { readonly errno: string; readonly message: string; readonly hint: string | null } | null;
  readonly problems: readonly string[];
  readonly simSpec: string | null;
}

export interface ListJson {
  readonly schema: typeof LIST_SCHEMA;
  readonly roots: DiscoveryRoots;
  readonly filter: { readonly text: string; readonly origin: string } | null;
  /** null when only sim: devices were asked for and the running kernel was not scanned. */
  readonly accelClassPresent: boolean | null;
  readonly devices: readonly ListJsonDevice[];
}

const hex = (n: number | undefined): string | null => (n === undefined ? null : n.toString(16).padStart(4, '0'));

export function deviceJson(found: FoundDevice): ListJsonDevice {
  const d = found.info;
  return {
    label: found.label,
    name: d.name,
    minor: d.minor,
    sysfsPath: d.sysfsPath,
    devnode: d.devnode,
    devnodeStatus: d.devnodeStatus,
    parent: d.parent,
    bus: d.bus,
    driver: d.driver,
    pci: d.pci
      ? {
          slot: d.pci.slot,
          vendor: hex(d.pci.vendor) as string,
          device: hex(d.pci.device) as string,
          subsystemVendor: hex(d.pci.subsystemVendor),
          subsystemDevice: hex(d.pci.subsystemDevice),
        }
      : null,
    drmNodes: d.drmNodes.map((n) => ({ name: n.name, kind: n.kind, devnode: n.devnode, sysfsPath: n.sysfsPath })),
    version: d.version
      ? {
          major: d.version.major,
          minor: d.version.minor,
          patchlevel: d.version.patchlevel,
          name: d.version.name,
          date: d.version.date,
          desc: d.version.desc,
        }
      : null,
    openError: d.openError ? { errno: d.openError.errno, message: d.openError.message, hint: d.openError.hint ?? null } : null,
    problems: [...(d.problems ?? [])],
    simSpec: d.simSpec ?? null,
  };
}

export function listJson(result: FindResult): ListJson {
  return {
    schema: LIST_SCHEMA,
    roots: { root: result.roots.root, sysfsRoot: result.roots.sysfsRoot, devRoot: result.roots.devRoot },
    filter: result.filter ? { text: result.filter.text, origin: result.filter.origin } : null,
    accelClassPresent: result.realScanned ? result.accelClassPresent : null,
    devices: result.selected.map(deviceJson),
  };
}
