/**
 * The parent device of an accel minor: the hardware the driver bound to
 * (a PCI function, a platform device, ...), as sysfs shows it.
 */
import { posix } from 'node:path';
import type { FsView } from '../sys/types';
import { isMissing, linkBasename, readAttr, resolveLink } from './sysfs-read';
import type { Bus, PciIds } from './types';

export const PCI_SLOT = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/i;

export interface ParentInfo {
  readonly parent: string | null;
  readonly bus: Bus | null;
  readonly pci?: PciIds;
  readonly driver: string | null;
  readonly problems: readonly string[];
}

export function readParent(fs: FsView, classDir: string): ParentInfo {
  const problems: string[] = [];
  const link = posix.join(classDir, 'device');
  const resolved = resolveLink(fs, link);
  if (!resolved.ok) {
    // A class device without a parent is legal (virtual devices); only other failures are problems.
    if (!isMissing(resolved)) problems.push(resolved.reason);
    return { parent: null, bus: null, driver: null, problems };
  }
  const parent = resolved.value;
  const bus = readBus(fs, parent, problems);
  const driver = readDriver(fs, parent, problems);
  const pci = bus === 'pci' ? readPciIds(fs, parent, problems) : undefined;
  return { parent, bus, driver, problems, ...(pci ? { pci } : {}) };
}

function readBus(fs: FsView, parent: string, problems: string[]): Bus {
  const subsystem = resolveLink(fs, posix.join(parent, 'subsystem'));
  if (subsystem.ok) return classifyBus(posix.basename(subsystem.value));
  if (!isMissing(subsystem)) problems.push(subsystem.reason);
  return busFromPath(parent);
}

function classifyBus(name: string): Bus {
  return name === 'pci' || name === 'platform' ? name : 'other';
}

/** Without a `subsystem` link, the device path itself tells PCI (pci0000:00/...) from platform devices. */
export function busFromPath(parent: string): Bus {
  const parts = parent.split('/');
  const base = parts[parts.length - 1] ?? '';
  if (parts.includes('platform')) return 'platform';
  if (parts.some((p) => /^pci[0-9a-f]{4}:[0-9a-f]{2}$/i.test(p)) && PCI_SLOT.test(base)) return 'pci';
  return 'other';
}

function readDriver(fs: FsView, parent: string, problems: string[]): string | null {
  const driver = linkBasename(fs, posix.join(parent, 'driver'));
  if (driver.ok) return driver.value;
  if (!isMissing(driver)) problems.push(driver.reason);
  return null;
}

function readPciIds(fs: FsView, parent: string, problems: string[]): PciIds | undefined {
  const slot = posix.basename(parent);
  if (!PCI_SLOT.test(slot)) {
    problems.push(`${parent}: PCI device whose name is not a PCI slot`);
    return undefined;
  }
  const id = (file: string, required: boolean): number | undefined => {
    const path = posix.join(parent, file);
    const r = readAttr(fs, path);
    if (!r.ok) {
      if (required || !isMissing(r)) problems.push(r.reason);
      return undefined;
    }
    const value = parseHexId(r.value);
    if (value === undefined) problems.push(`${path}: not a 16-bit hex id ('${r.value}')`);
    return value;
  };
  const vendor = id('vendor', true);
  const device = id('device', true);
  const subsystemVendor = id('subsystem_vendor', false);
  const subsystemDevice = id('subsystem_device', false);
  if (vendor === undefined || device === undefined) return undefined;
  return {
    slot: slot.toLowerCase(),
    vendor,
    device,
    ...(subsystemVendor !== undefined ? { subsystemVendor } : {}),
    ...(subsystemDevice !== undefined ? { subsystemDevice } : {}),
  };
}

/** sysfs writes PCI ids as `0x8086`. */
export function parseHexId(text: string): number | undefined {
  const m = /^(?:0x)?([0-9a-f]{1,4})$/i.exec(text.trim());
  return m ? parseInt(m[1] as string, 16) : undefined;
}
