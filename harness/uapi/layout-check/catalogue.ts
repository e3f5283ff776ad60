/**
 * What the layout check compares: every UapiHeader the project declares
 * (the generic DRM and dma-buf ones, the native backend's C library
 * layouts, and each driver module's), flattened into structs, members and
 * constants (every ioctl's request number is one).
 */
import { DRIVER_MODULES } from '../../../drivers/modules';
import { SOCKET_UAPI, STATX_UAPI } from '../../sys/native/uapi';
import { DMA_BUF_UAPI, SYNC_FILE_UAPI } from '../dma-buf';
import { DRM_UAPI } from '../drm';
import type { UapiHeader } from '../header';
import type { IoctlDecl } from '../ioctl';
import type { AnyStructLayout } from '../layout';

export interface MemberEntry {
  /** The TypeScript member name. */
  readonly name: string;
  /** The C member name (the same unless the header's `members` renames it). */
  readonly c: string;
  readonly offset: number;
  readonly size: number;
}

export interface StructEntry {
  readonly name: string;
  readonly layout: AnyStructLayout;
  /** Members compared by name; reserved ones (`members: { x: null }`) only through sizeof. */
  readonly members: readonly MemberEntry[];
  /**
   * Members newer kernels append to the struct as the suite sends it (the
   * ioctl's kernelStruct): a header that has them may be larger by exactly these.
   */
  readonly appended: readonly { readonly field: string; readonly size: number }[];
  /** First kernel version that declares it, when newer than its header. */
  readonly since?: string;
}

export interface ConstantEntry {
  /** A C macro name, or a C expression (`CMSG_SPACE(sizeof(int))`). */
  readonly name: string;
  readonly value: bigint;
  /** The ioctl whose request number this is. */
  readonly ioctl?: IoctlDecl;
  readonly since?: string;
}

export interface HeaderEntry {
  readonly header: UapiHeader;
  readonly structs: readonly StructEntry[];
  readonly constants: readonly ConstantEntry[];
}

export type Catalogue = readonly HeaderEntry[];

/** The generic uAPI headers of the harness, then the native backend's C library layouts. */
export const GENERIC_UAPI: readonly UapiHeader[] = [DRM_UAPI, DMA_BUF_UAPI, SYNC_FILE_UAPI, STATX_UAPI, SOCKET_UAPI];

/** Every header the project declares: generic ones, then each driver module's. */
export function allUapiHeaders(): UapiHeader[] {
  return [...GENERIC_UAPI, ...DRIVER_MODULES.flatMap((m) => m.uapi ?? [])];
}

const toBig = (v: number | bigint): bigint => BigInt.asUintN(64, typeof v === 'bigint' ? v : BigInt(v));

function appendedOf(header: UapiHeader): Map<string, { field: string; size: number }[]> {
  const out = new Map<string, { field: string; size: number }[]>();
  for (const d of header.ioctls) {
    const base = d.struct as AnyStructLayout | null;
    const cur = d.kernelStruct as AnyStructLayout | null;
    if (!base || !cur || base === cur || out.has(base.name)) continue;
    const extra = cur.fieldNames.filter((f) => !base.fieldNames.includes(f));
    out.set(base.name, extra.map((f) => ({ field: f, size: (cur.fields[f] as { size: number }).size })));
  }
  return out;
}

export function catalogueHeader(header: UapiHeader): HeaderEntry {
  const appended = appendedOf(header);
  const structs = header.structs.map((layout): StructEntry => {
    const renames = header.members?.[layout.name] ?? {};
    const members: MemberEntry[] = [];
    for (const name of layout.fieldNames) {
      const c = name in renames ? renames[name] : name;
      if (c === null || c === undefined) continue;
      members.push({ name, c, offset: layout.offsets[name] as number, size: (layout.fields[name] as { size: number }).size });
    }
    return { name: layout.name, layout, members, appended: appended.get(layout.name) ?? [], since: header.since?.[layout.name] };
  });
  const constants: ConstantEntry[] = [
    ...header.ioctls.map((d) => ({ name: d.name, value: BigInt(d.request), ioctl: d, since: header.since?.[d.name] })),
    ...Object.entries(header.constants ?? {}).map(([name, v]) => ({ name, value: toBig(v), since: header.since?.[name] })),
  ];
  return { header, structs, constants };
}

export function buildCatalogue(headers: readonly UapiHeader[] = allUapiHeaders()): Catalogue {
  return headers.map(catalogueHeader);
}
