/**
 * The human form of `list`: one summary row per device, then the details an
 * operator acts on (why a node cannot be opened and how to fix it).
 */
import { posix } from 'node:path';
import type { FindResult, FoundDevice } from '../../discovery/find';
import type { AccelDevice } from '../../discovery/types';

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

function pciIds(d: AccelDevice): string {
  if (!d.pci) return '-';
  const sub =
    d.pci.subsystemVendor !== undefined && d.pci.subsystemDevice !== undefined
      ? ` (${hex4(d.pci.subsystemVendor)}:${hex4(d.pci.subsystemDevice)})`
      : '';
  return `${hex4(d.pci.vendor)}:${hex4(d.pci.device)}${sub}`;
}

function busCell(d: AccelDevice): string {
  if (!d.bus) return '-';
  if (d.pci) return `pci ${d.pci.slot}`;
  return d.parent ? `${d.bus} ${posix.basename(d.parent)}` : d.bus;
}

function versionCell(d: AccelDevice): string {
  if (d.version) return `${d.version.name} ${d.version.major}.${d.version.minor}.${d.version.patchlevel}`;
  return d.openError ? `(${d.openError.errno})` : '-';
}

export function renderTable(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}

function details(f: FoundDevice): string[] {
  const d = f.info;
  const lines = [`${f.label}:`];
  const add = (key: string, value: string): void => void lines.push(`  ${`${key}:`.padEnd(9)} ${value}`);
  add('sysfs', d.sysfsPath);
  if (d.parent) add('parent', d.parent);
  if (d.version) add('version', `${d.version.name} ${d.version.major}.${d.version.minor}.${d.version.patchlevel} ${d.version.date} "${d.version.desc}"`);
  if (d.drmNodes.length > 0) add('drm', d.drmNodes.map((n) => `${n.name} (${n.kind}, ${n.devnode})`).join(', '));
  if (d.openError) {
    add('open', d.openError.message);
    if (d.openError.hint) add('fix', d.openError.hint);
  }
  for (const p of d.problems ?? []) add('problem', p);
  return lines;
}

export function renderList(result: FindResult): string {
  if (result.selected.length === 0) return `${noDevices(result)}\n`;
  const header = ['DEVICE', 'NODE', 'STATUS', 'DRIVER', 'BUS', 'PCI ID', 'DRM VERSION'];
  const rows = result.selected.map((f) => [
    f.label,
    f.info.devnode,
    f.info.devnodeStatus,
    f.info.driver ?? '-',
    busCell(f.info),
    pciIds(f.info),
    versionCell(f.info),
  ]);
  const out = [...renderTable([header, ...rows]), ''];
  for (const f of result.selected) out.push(...details(f), '');
  return out.join('\n');
}

function noDevices(result: FindResult): string {
  const classDir = posix.join(result.roots.sysfsRoot, 'class', 'accel');
  if (!result.accelClassPresent) {
    return `No accel devices: ${classDir} does not exist (no accel driver is loaded, or the kernel lacks CONFIG_DRM_ACCEL).`;
  }
  return `No accel devices: ${classDir} is empty.`;
}
