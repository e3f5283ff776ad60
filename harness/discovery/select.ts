/**
 * Which devices a run or a listing covers: the `--device` option beats the
 * ACCEL_DEVICE environment variable; each filter term must match something.
 */
import { DeviceSelectionError } from './errors';
import { type DeviceFilter, type ParsedFilters, parseDeviceFilters } from './filters';
import { matchesFilter, pciSlot } from './match';
import type { DiscoveryRoots } from './roots';
import type { AccelDevice } from './types';

export const DEVICE_ENV = 'ACCEL_DEVICE';

export type FilterOrigin = '--device' | typeof DEVICE_ENV;

export interface FilterSource {
  readonly text: string;
  readonly origin: FilterOrigin;
}

/** An empty ACCEL_DEVICE counts as unset (shells leave empty exports behind); an empty --device is a mistake. */
export function pickFilterSource(option: string | undefined, env: NodeJS.ProcessEnv): FilterSource | null {
  if (option !== undefined) return { text: option, origin: '--device' };
  const fromEnv = env[DEVICE_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return { text: fromEnv, origin: DEVICE_ENV };
  return null;
}

export function parseFilterSource(source: FilterSource): ParsedFilters {
  try {
    return parseDeviceFilters(source.text);
  } catch (e) {
    if (e instanceof DeviceSelectionError) {
      throw new DeviceSelectionError(e.kind, `${source.origin}: ${e.message}`, e.details);
    }
    throw e;
  }
}

/**
 * The union of what each filter selects, in filter order then minor order.
 * A filter that selects nothing is an error listing what is available, so a
 * typo cannot silently shrink a run.
 */
export function selectDevices(
  devices: readonly AccelDevice[],
  filters: readonly DeviceFilter[],
  roots: DiscoveryRoots,
  origin: FilterOrigin,
): AccelDevice[] {
  const chosen: AccelDevice[] = [];
  for (const f of filters) {
    const hits = devices.filter((d) => matchesFilter(f, d, roots));
    if (hits.length === 0) {
      throw new DeviceSelectionError('no-match', `${origin}: filter '${f.text}' matched no device`, availableLines(devices));
    }
    for (const d of hits) if (!chosen.includes(d)) chosen.push(d);
  }
  return chosen;
}

/** One line per device with the filters that would select it. */
export function availableLines(devices: readonly AccelDevice[]): string[] {
  if (devices.length === 0) return ['available devices: none'];
  return [
    'available devices:',
    ...devices.map((d) => {
      const keys = [`accel:${d.minor}`, d.devnode];
      const slot = pciSlot(d);
      if (slot) keys.push(`pci:slot=${slot}`);
      if (d.pci) keys.push(`pci:vendor=${hex4(d.pci.vendor)},device=${hex4(d.pci.device)}`);
      if (d.driver) keys.push(`driver:${d.driver}`);
      if (d.parent) keys.push(`sys:${d.parent}`);
      return `  ${d.name}: ${keys.join('  ')}`;
    }),
  ];
}

export function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}
