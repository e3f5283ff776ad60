/** Whether a parsed filter selects a discovered device. */
import { posix } from 'node:path';
import type { DeviceFilter } from './filters';
import { PCI_SLOT } from './parent';
import { type DiscoveryRoots, underRoot } from './roots';
import type { AccelDevice } from './types';

export function matchesFilter(filter: DeviceFilter, dev: AccelDevice, roots: DiscoveryRoots): boolean {
  switch (filter.kind) {
    case 'minor':
      return dev.minor === filter.minor;
    case 'devnode': {
      const wanted = candidates(filter.path, '/dev', roots.devRoot);
      return [dev.devnode, ...dev.drmNodes.map((n) => n.devnode)].some((p) => wanted.has(p));
    }
    case 'sysfs': {
      const wanted = candidates(filter.path, '/sys', roots.sysfsRoot);
      const own = [dev.sysfsPath];
      // The class entry is a link to <parent>/accel/accelN; both spellings name this device.
      if (dev.parent) own.push(dev.parent, posix.join(dev.parent, 'accel', dev.name));
      return own.some((p) => wanted.has(p));
    }
    case 'pci': {
      const slot = pciSlot(dev);
      if (slot === null) return false;
      if (filter.slot !== undefined && filter.slot !== slot) return false;
      if (filter.vendor !== undefined && dev.pci?.vendor !== filter.vendor) return false;
      if (filter.device !== undefined && dev.pci?.device !== filter.device) return false;
      return true;
    }
    case 'driver':
      return dev.driver === filter.driver;
  }
}

/** A path as written, and the same path moved under the configured root when written as /sys/... or /dev/... */
function candidates(path: string, standard: '/sys' | '/dev', actualRoot: string): Set<string> {
  const set = new Set([path]);
  const mapped = underRoot(path, standard, actualRoot);
  if (mapped !== null) set.add(mapped);
  return set;
}

/** PCI slot of a device, from its ids or (if those were unreadable) its parent's name. */
export function pciSlot(dev: AccelDevice): string | null {
  if (dev.pci) return dev.pci.slot;
  if (dev.bus !== 'pci' || !dev.parent) return null;
  const base = posix.basename(dev.parent);
  return PCI_SLOT.test(base) ? base.toLowerCase() : null;
}
