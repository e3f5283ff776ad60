/**
 * What the layout check compares: every struct and constant the TypeScript
 * uAPI modules export, with the header each one mirrors.
 */
import * as drm from '../drm';
import * as dmaBuf from '../dma-buf';
import * as apu from '../apu';
import type { StructLayout } from '../layout';

export type AnyStruct = StructLayout<Record<string, unknown>>;

export interface StructEntry {
  readonly name: string;
  readonly layout: AnyStruct;
  /** Byte size of each field, by name. */
  readonly fieldSizes: ReadonlyMap<string, number>;
}

export interface ConstantEntry {
  readonly name: string;
  /** As C's `(unsigned long long)NAME` prints it. */
  readonly value: bigint;
  /** The header must define it: every ioctl number, and everything our own apu_drm.h mirrors. */
  readonly required: boolean;
}

export interface Catalogue {
  readonly structs: readonly StructEntry[];
  readonly constants: readonly ConstantEntry[];
}

/**
 * Fields the newest kernels append to a struct we deliberately send in its
 * older, shorter form (drm_ioctl zero-fills what userspace did not pass). A
 * header that has them may be larger than our layout by exactly these fields.
 */
export const APPENDED_FIELDS: Readonly<Record<string, readonly { field: string; size: number }[]>> = {
  drm_syncobj_handle: [{ field: 'point', size: 8 }],
  drm_syncobj_wait: [{ field: 'deadline_nsec', size: 8 }],
};

/** Ioctl numbers that carry the size of a struct listed in APPENDED_FIELDS. */
export const IOCTL_STRUCT: Readonly<Record<string, string>> = {
  DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD: 'drm_syncobj_handle',
  DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE: 'drm_syncobj_handle',
  DRM_IOCTL_SYNCOBJ_WAIT: 'drm_syncobj_wait',
};

const IOCTL_NAME = /^(DRM_IOCTL_|DMA_BUF_IOCTL_|DMA_BUF_SET_NAME|SYNC_IOC_FILE_INFO)/;
/** Exports that name the ioctl pattern but are not request numbers. */
const NOT_REQUESTS = new Set(['DRM_IOCTL_BASE', 'DRM_IOCTL_BASE_CODE']);

const isStruct = (v: unknown): v is AnyStruct =>
  typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'struct';

/** A value with every scalar set to all ones, so the bytes a field covers can be seen after a write. */
function poison(zero: unknown): unknown {
  if (typeof zero === 'bigint') return -1n;
  if (typeof zero === 'number') return -1;
  if (Array.isArray(zero)) return zero.map(poison);
  if (typeof zero === 'object' && zero !== null) {
    return Object.fromEntries(Object.entries(zero).map(([k, v]) => [k, poison(v)]));
  }
  return zero;
}

/** StructLayout does not expose member types, so each member's size is measured by writing it alone. */
function fieldSizes(layout: AnyStruct): Map<string, number> {
  const sizes = new Map<string, number>();
  const zero = layout.zero;
  for (const name of layout.fieldNames) {
    const buf = Buffer.alloc(layout.size);
    layout.write(buf, 0, { ...zero, [name]: poison(zero[name]) });
    let last = -1;
    for (let i = 0; i < buf.length; i++) if (buf[i] !== 0) last = i;
    sizes.set(name, last < 0 ? 0 : last - layout.offsets[name] + 1);
  }
  return sizes;
}

function constantValue(v: unknown): bigint | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt.asUintN(64, BigInt(v));
  if (typeof v === 'bigint') return BigInt.asUintN(64, v);
  // One-character ioctl bases ('d', 'b') are C character constants.
  if (typeof v === 'string' && v.length === 1) return BigInt(v.charCodeAt(0));
  return undefined;
}

export function buildCatalogue(): Catalogue {
  const modules: { exports: Record<string, unknown>; ours: boolean }[] = [
    { exports: drm, ours: false },
    { exports: dmaBuf, ours: false },
    { exports: apu, ours: true },
  ];
  const structs: StructEntry[] = [];
  const constants: ConstantEntry[] = [];
  for (const { exports, ours } of modules) {
    for (const [name, v] of Object.entries(exports)) {
      if (isStruct(v)) {
        structs.push({ name: v.name, layout: v, fieldSizes: fieldSizes(v) });
        continue;
      }
      const value = constantValue(v);
      if (value === undefined) continue;
      const isRequest = IOCTL_NAME.test(name) && !NOT_REQUESTS.has(name);
      constants.push({ name, value, required: ours || isRequest });
    }
  }
  return { structs, constants };
}
