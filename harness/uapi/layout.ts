/**
 * Typed C struct layouts for the LP64 ABI (x86_64, arm64): natural alignment of
 * each member, tail padding to the struct's alignment. One declaration per
 * struct serves the native backend, the simulator and the C layout check.
 */

type ScalarKind = 'u8' | 'u16' | 'u32' | 'u64' | 's8' | 's16' | 's32' | 's64' | 'ptr';

export interface ScalarType<V> {
  readonly kind: 'scalar';
  readonly scalar: ScalarKind;
  readonly size: number;
  readonly align: number;
  readonly zero: V;
  read(buf: Buffer, off: number): V;
  write(buf: Buffer, off: number, v: V): void;
  /** Only for type inference; never set. */
  readonly __value?: V;
}

export interface ArrayType<V> {
  readonly kind: 'array';
  readonly of: FieldType<unknown>;
  readonly length: number;
  readonly size: number;
  readonly align: number;
  readonly zero: V;
  read(buf: Buffer, off: number): V;
  write(buf: Buffer, off: number, v: V): void;
  readonly __value?: V;
}

export type FieldType<V> = ScalarType<V> | ArrayType<V> | StructLayout<V>;

type ValueOf<T> = T extends { readonly __value?: infer V } ? V : never;

export type StructValue<F extends Record<string, FieldType<unknown>>> = { [K in keyof F]: ValueOf<F[K]> };

const scalar = <V>(
  s: ScalarKind,
  size: number,
  zero: V,
  read: (b: Buffer, o: number) => V,
  write: (b: Buffer, o: number, v: V) => void,
): ScalarType<V> => ({ kind: 'scalar', scalar: s, size, align: size, zero, read, write });

export const u8 = scalar<number>('u8', 1, 0, (b, o) => b.readUInt8(o), (b, o, v) => void b.writeUInt8(v >>> 0 & 0xff, o));
export const s8 = scalar<number>('s8', 1, 0, (b, o) => b.readInt8(o), (b, o, v) => void b.writeInt8(v, o));
export const u16 = scalar<number>('u16', 2, 0, (b, o) => b.readUInt16LE(o), (b, o, v) => void b.writeUInt16LE(v & 0xffff, o));
export const s16 = scalar<number>('s16', 2, 0, (b, o) => b.readInt16LE(o), (b, o, v) => void b.writeInt16LE(v, o));
export const u32 = scalar<number>('u32', 4, 0, (b, o) => b.readUInt32LE(o), (b, o, v) => void b.writeUInt32LE(v >>> 0, o));
export const s32 = scalar<number>('s32', 4, 0, (b, o) => b.readInt32LE(o), (b, o, v) => void b.writeInt32LE(v | 0, o));
export const u64 = scalar<bigint>('u64', 8, 0n, (b, o) => b.readBigUInt64LE(o), (b, o, v) => void b.writeBigUInt64LE(BigInt.asUintN(64, v), o));
export const s64 = scalar<bigint>('s64', 8, 0n, (b, o) => b.readBigInt64LE(o), (b, o, v) => void b.writeBigInt64LE(BigInt.asIntN(64, v), o));
/** A user pointer (`char *`, `void *`) or `size_t`/`unsigned long`: 64 bits in LP64. */
export const ptr = scalar<bigint>('ptr', 8, 0n, (b, o) => b.readBigUInt64LE(o), (b, o, v) => void b.writeBigUInt64LE(BigInt.asUintN(64, v), o));
export const ulong = ptr;

export function array<V>(of: FieldType<V>, length: number): ArrayType<V[]> {
  return {
    kind: 'array',
    of: of as FieldType<unknown>,
    length,
    size: of.size * length,
    align: of.align,
    get zero(): V[] {
      return Array.from({ length }, () => of.zero);
    },
    read(buf, off) {
      return Array.from({ length }, (_, i) => of.read(buf, off + i * of.size));
    },
    write(buf, off, v) {
      for (let i = 0; i < length; i++) of.write(buf, off + i * of.size, v[i] ?? of.zero);
    },
  };
}

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

export interface StructLayout<V> {
  readonly kind: 'struct';
  readonly name: string;
  readonly size: number;
  readonly align: number;
  readonly offsets: { readonly [K in keyof V]: number };
  readonly fieldNames: readonly (keyof V & string)[];
  readonly zero: V;
  /** Encodes a value (missing fields are zero) into a new buffer of `size` bytes. */
  encode(v?: Partial<V>): Buffer;
  /** Reads a value; a buffer shorter than the struct reads as zero-filled. */
  decode(buf: Buffer): V;
  read(buf: Buffer, off: number): V;
  write(buf: Buffer, off: number, v: V): void;
  readonly __value?: V;
}

export function struct<F extends Record<string, FieldType<unknown>>>(
  name: string,
  fields: F,
): StructLayout<StructValue<F>> {
  type V = StructValue<F>;
  const names = Object.keys(fields) as (keyof V & string)[];
  const offsets = {} as Record<keyof V, number>;
  let off = 0;
  let align = 1;
  for (const n of names) {
    const t = fields[n] as FieldType<unknown>;
    off = alignUp(off, t.align);
    offsets[n] = off;
    off += t.size;
    align = Math.max(align, t.align);
  }
  const size = alignUp(off, align);
  const makeZero = (): V => {
    const z = {} as Record<string, unknown>;
    for (const n of names) z[n] = (fields[n] as FieldType<unknown>).zero;
    return z as V;
  };
  // Flattened once, in declaration order: read and write run on every struct
  // a call passes, and indexing arrays is cheaper than looking each name up in
  // `fields` and `offsets`.
  const types = names.map((n) => fields[n] as FieldType<unknown>);
  const offs = names.map((n) => offsets[n]);
  const read = (buf: Buffer, base: number): V => {
    const v = {} as Record<string, unknown>;
    for (let i = 0; i < names.length; i++) {
      v[names[i] as string] = (types[i] as FieldType<unknown>).read(buf, base + (offs[i] as number));
    }
    return v as V;
  };
  const write = (buf: Buffer, base: number, v: V): void => {
    for (let i = 0; i < names.length; i++) {
      const t = types[i] as FieldType<unknown>;
      const fv = (v as Record<string, unknown>)[names[i] as string];
      t.write(buf, base + (offs[i] as number), fv === undefined ? t.zero : fv);
    }
  };
  return {
    kind: 'struct',
    name,
    size,
    align,
    offsets,
    fieldNames: names,
    get zero(): V {
      return makeZero();
    },
    encode(v?: Partial<V>): Buffer {
      const buf = Buffer.alloc(size);
      // write() stores zero for every missing field, as merging over `zero` would.
      write(buf, 0, (v ?? {}) as V);
      return buf;
    },
    decode(buf: Buffer): V {
      if (buf.length >= size) return read(buf, 0);
      const padded = Buffer.alloc(size);
      buf.copy(padded);
      return read(padded, 0);
    },
    read,
    write,
  };
}

export type ValueOfStruct<S> = S extends StructLayout<infer V> ? V : never;
