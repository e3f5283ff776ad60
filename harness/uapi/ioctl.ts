/**
 * ioctl request encoding, exactly as include/uapi/asm-generic/ioctl.h:
 * nr in bits 0-7, type in 8-15, size in 16-29, direction in 30-31.
 */
export const IOC_NRBITS = 8;
export const IOC_TYPEBITS = 8;
export const IOC_SIZEBITS = 14;
export const IOC_DIRBITS = 2;

export const IOC_NRSHIFT = 0;
export const IOC_TYPESHIFT = IOC_NRSHIFT + IOC_NRBITS;
export const IOC_SIZESHIFT = IOC_TYPESHIFT + IOC_TYPEBITS;
export const IOC_DIRSHIFT = IOC_SIZESHIFT + IOC_SIZEBITS;

export const IOC_NONE = 0;
export const IOC_WRITE = 1;
export const IOC_READ = 2;

const mask = (bits: number): number => (1 << bits) - 1;

export interface IoctlFields {
  dir: number;
  type: number;
  nr: number;
  size: number;
}

export function IOC(dir: number, type: number, nr: number, size: number): number {
  if (dir < 0 || dir > mask(IOC_DIRBITS)) throw new RangeError(`ioctl dir ${dir} out of range`);
  if (type < 0 || type > mask(IOC_TYPEBITS)) throw new RangeError(`ioctl type ${type} out of range`);
  if (nr < 0 || nr > mask(IOC_NRBITS)) throw new RangeError(`ioctl nr ${nr} out of range`);
  if (size < 0 || size > mask(IOC_SIZEBITS)) throw new RangeError(`ioctl size ${size} out of range`);
  // >>> 0 keeps the request an unsigned 32-bit number, as `unsigned long` holds it.
  return ((dir << IOC_DIRSHIFT) | (type << IOC_TYPESHIFT) | (nr << IOC_NRSHIFT) | (size << IOC_SIZESHIFT)) >>> 0;
}

const typeCode = (type: string | number): number => (typeof type === 'string' ? type.charCodeAt(0) : type);

export const IO = (type: string | number, nr: number): number => IOC(IOC_NONE, typeCode(type), nr, 0);
export const IOR = (type: string | number, nr: number, size: number): number => IOC(IOC_READ, typeCode(type), nr, size);
export const IOW = (type: string | number, nr: number, size: number): number => IOC(IOC_WRITE, typeCode(type), nr, size);
export const IOWR = (type: string | number, nr: number, size: number): number =>
  IOC(IOC_READ | IOC_WRITE, typeCode(type), nr, size);

export function decodeIoctl(request: number): IoctlFields {
  const r = request >>> 0;
  return {
    dir: (r >>> IOC_DIRSHIFT) & mask(IOC_DIRBITS),
    type: (r >>> IOC_TYPESHIFT) & mask(IOC_TYPEBITS),
    nr: (r >>> IOC_NRSHIFT) & mask(IOC_NRBITS),
    size: (r >>> IOC_SIZESHIFT) & mask(IOC_SIZEBITS),
  };
}

export function formatIoctl(request: number): string {
  return `0x${(request >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;
}

/**
 * One ioctl, declared once, as the kernel's DRM_IOCTL_DEF and drm-rs's
 * `ioctl_readwrite!` do: its C macro name, direction, type, number and the
 * struct it carries. The request number, name maps, the simulator's dispatch
 * tables and the C layout check are all derived from these declarations.
 */
export type IoctlKind = 'IO' | 'IOR' | 'IOW' | 'IOWR';

type Layout = { readonly size: number; readonly name: string };

export interface IoctlDecl<S extends Layout | null = Layout | null> {
  /** The C macro the header defines, e.g. `DRM_IOCTL_GEM_CLOSE`. */
  readonly name: string;
  readonly kind: IoctlKind;
  /** IOC_NONE, IOC_READ, IOC_WRITE or both. */
  readonly dir: number;
  readonly type: number;
  /** _IOC_NR: for DRM driver ioctls, DRM_COMMAND_BASE + the driver's index. */
  readonly nr: number;
  /** The argument struct as the suite sends it (null for `_IO`). */
  readonly struct: S;
  /** The request number user space passes to ioctl(2). */
  readonly request: number;
  /**
   * The struct the newest kernel declares the ioctl with, when it appended
   * members to `struct` (drm_ioctl copies in what user space passed and
   * zero-fills the rest); else `struct` itself.
   */
  readonly kernelStruct: Layout | null;
  /** The request number of the newest kernel's header: kernelStruct's size. */
  readonly kernelRequest: number;
}

const KIND_DIR: Readonly<Record<IoctlKind, number>> = {
  IO: IOC_NONE,
  IOR: IOC_READ,
  IOW: IOC_WRITE,
  IOWR: IOC_READ | IOC_WRITE,
};

export interface IoctlOptions {
  /** The newest kernel's struct, when it appends members to the one the suite sends (see IoctlDecl.kernelStruct). */
  readonly kernelStruct?: Layout;
}

export function defineIoctl<S extends Layout | null>(
  name: string,
  kind: IoctlKind,
  type: string | number,
  nr: number,
  struct: S,
  options: IoctlOptions = {},
): IoctlDecl<S> {
  if ((kind === 'IO') !== (struct === null)) throw new Error(`${name}: _${kind} ${struct === null ? 'needs' : 'takes no'} struct`);
  const kernelStruct = options.kernelStruct ?? struct;
  if (struct && kernelStruct && (kernelStruct.name !== struct.name || kernelStruct.size < struct.size)) {
    throw new Error(`${name}: kernel struct ${kernelStruct.name} must extend ${struct.name}`);
  }
  const dir = KIND_DIR[kind];
  const t = typeCode(type);
  return {
    name,
    kind,
    dir,
    type: t,
    nr,
    struct,
    request: IOC(dir, t, nr, struct?.size ?? 0),
    kernelStruct,
    kernelRequest: IOC(dir, t, nr, kernelStruct?.size ?? 0),
  };
}

/** request -> C macro name, for readable failure messages. */
export function ioctlNameMap(decls: readonly IoctlDecl[]): ReadonlyMap<number, string> {
  return new Map(decls.map((d) => [d.request, d.name]));
}
