/**
 * IGT-style device filters (`--device` / ACCEL_DEVICE): `;`-separated terms,
 * each selecting devices by minor, node path, sysfs path, PCI identity or
 * driver; `sim:` terms name bundled simulated drivers instead.
 */
import { posix } from 'node:path';
import { ACCEL_MAX_MINORS } from '../uapi/drm';
import { FilterSyntaxError } from './errors';
import { PCI_SLOT } from './parent';

export type DeviceFilter =
  | { readonly kind: 'minor'; readonly text: string; readonly minor: number }
  | { readonly kind: 'devnode'; readonly text: string; readonly path: string }
  | { readonly kind: 'sysfs'; readonly text: string; readonly path: string }
  | {
      readonly kind: 'pci';
      readonly text: string;
      readonly slot?: string;
      readonly vendor?: number;
      readonly device?: number;
    }
  | { readonly kind: 'driver'; readonly text: string; readonly driver: string };

export interface ParsedFilters {
  /** Filters for devices of the running kernel, in the order written. */
  readonly filters: readonly DeviceFilter[];
  /** The text after each `sim:`, in the order written. */
  readonly simSpecs: readonly string[];
  /** DRM (non-accel) nodes named by `drm:` terms (`card0`, `renderD128`), in the order written. */
  readonly drmNodes: readonly string[];
}

export const FILTER_SYNTAX =
  'accel:N, /dev/accel/accelN, sys:/sys/devices/..., pci:slot=DDDD:BB:DD.F, pci:vendor=XXXX[,device=XXXX], driver:NAME, drm:cardN, sim:SPEC';

/** A DRM node name as /sys/class/drm lists it: primary (cardN) or render (renderDN). */
export const DRM_NODE_NAME = /^(?:card\d+|renderD\d+)$/;

export function parseDeviceFilters(text: string): ParsedFilters {
  const terms = text
    .split(';')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  if (terms.length === 0) throw new FilterSyntaxError(`empty device filter; expected ${FILTER_SYNTAX}`);
  const filters: DeviceFilter[] = [];
  const simSpecs: string[] = [];
  const drmNodes: string[] = [];
  for (const term of terms) {
    if (term.startsWith('drm:')) {
      const node = parseDrmNode(term);
      if (!drmNodes.includes(node)) drmNodes.push(node);
    } else if (term.startsWith('sim:')) {
      const spec = term.slice(4).trim();
      if (spec === '') throw new FilterSyntaxError(`device filter '${term}': sim: needs a driver name, e.g. sim:apu`);
      simSpecs.push(spec);
    } else {
      filters.push(parseTerm(term));
    }
  }
  return { filters, simSpecs, drmNodes };
}

/**
 * `drm:card0`, `drm:renderD128` or `drm:/dev/dri/card0`: a DRM node of a
 * driver that is not an accel driver (vgem in the kernel lane), for the
 * DRM-core families. Only the node's name is kept; discovery finds it in
 * <sysfs>/class/drm and <dev>/dri under the configured roots.
 */
function parseDrmNode(term: string): string {
  const rest = term.slice(4).trim();
  const name = rest.startsWith('/dev/dri/') ? rest.slice('/dev/dri/'.length) : rest;
  if (!DRM_NODE_NAME.test(name)) {
    throw new FilterSyntaxError(`device filter '${term}': expected drm:cardN, drm:renderDN or drm:/dev/dri/cardN`);
  }
  return name;
}

function parseTerm(text: string): DeviceFilter {
  const bad = (why: string): FilterSyntaxError => new FilterSyntaxError(`device filter '${text}': ${why}`);
  if (text.startsWith('/')) {
    return { kind: 'devnode', text, path: posix.normalize(text) };
  }
  const colon = text.indexOf(':');
  const prefix = colon < 0 ? text : text.slice(0, colon);
  const rest = colon < 0 ? '' : text.slice(colon + 1).trim();
  switch (prefix) {
    case 'accel': {
      if (!/^\d+$/.test(rest)) throw bad('expected accel:N with N a decimal minor');
      const minor = Number(rest);
      if (minor >= ACCEL_MAX_MINORS) throw bad(`minor ${minor} is out of range 0-${ACCEL_MAX_MINORS - 1}`);
      return { kind: 'minor', text, minor };
    }
    case 'sys':
      if (!rest.startsWith('/')) throw bad('expected sys:/sys/devices/... (an absolute path)');
      return { kind: 'sysfs', text, path: trimSlash(posix.normalize(rest)) };
    case 'pci':
      return parsePci(text, rest, bad);
    case 'driver':
      if (!/^[A-Za-z0-9_.-]+$/.test(rest)) throw bad('expected driver:NAME (the name in /sys/bus/*/drivers)');
      return { kind: 'driver', text, driver: rest };
    default:
      throw bad(`unknown kind '${prefix}'; expected one of ${FILTER_SYNTAX}`);
  }
}

function parsePci(text: string, rest: string, bad: (why: string) => FilterSyntaxError): DeviceFilter {
  if (rest === '') throw bad('expected pci:slot=... or pci:vendor=XXXX[,device=XXXX]');
  const fields = new Map<string, string>();
  for (const part of rest.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) throw bad(`'${part}' is not key=value`);
    const key = part.slice(0, eq).trim().toLowerCase();
    const value = part.slice(eq + 1).trim();
    if (!['slot', 'vendor', 'device'].includes(key)) throw bad(`unknown PCI key '${key}'; expected slot, vendor or device`);
    if (fields.has(key)) throw bad(`PCI key '${key}' given twice`);
    fields.set(key, value);
  }
  const hex = (key: string): number | undefined => {
    const v = fields.get(key);
    if (v === undefined) return undefined;
    const m = /^(?:0x)?([0-9a-f]{1,4})$/i.exec(v);
    if (!m) throw bad(`PCI ${key} '${v}' is not a 16-bit hex id`);
    return parseInt(m[1] as string, 16);
  };
  const vendor = hex('vendor');
  const device = hex('device');
  if (device !== undefined && vendor === undefined) throw bad('PCI device= needs vendor=');
  let slot = fields.get('slot');
  if (slot !== undefined) {
    // lspci prints slots without the domain; domain 0000 is what it leaves out.
    if (/^[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/i.test(slot)) slot = `0000:${slot}`;
    if (!PCI_SLOT.test(slot)) throw bad(`PCI slot '${fields.get('slot')}' is not DDDD:BB:DD.F`);
    slot = slot.toLowerCase();
  }
  return {
    kind: 'pci',
    text,
    ...(slot !== undefined ? { slot } : {}),
    ...(vendor !== undefined ? { vendor } : {}),
    ...(device !== undefined ? { device } : {}),
  };
}

function trimSlash(p: string): string {
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}
