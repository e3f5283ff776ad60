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
