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

/** Any member type, whatever its value type (the constraint of struct's members). */
export interface AnyField {
  readonly kind: 'scalar' | 'array' | 'struct';
  readonly size: number;
  readonly align: number;
  readonly zero: unknown;
  read(buf: Buffer, off: number): unknown;
  write(buf: Buffer, off: number, v: never): void;
  readonly __value?: unknown;
}

type ValueOf<T> = T extends { readonly __value?: infer V } ? V : never;

export type StructValue<F extends Record<string, AnyField>> = { [K in keyof F]: ValueOf<F[K]> };

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

export function array<T extends AnyField>(of: T, length: number): ArrayType<ValueOf<T>[]> {
  type V = ValueOf<T>;
  const el = of as unknown as FieldType<V>;
  return {
    kind: 'array',
    of: of as unknown as FieldType<unknown>,
    length,
    size: of.size * length,
    align: of.align,
    get zero(): V[] {
      return Array.from({ length }, () => el.zero);
    },
    read(buf, off) {
      return Array.from({ length }, (_, i) => el.read(buf, off + i * el.size));
    },
    write(buf, off, v) {
      for (let i = 0; i < length; i++) el.write(buf, off + i * el.size, v[i] ?? el.zero);
    },
  };
}

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

/** Typed access to one member in place: reads and writes it with its declared type and offset. */
export interface MemberAccess<V> {
  readonly offset: number;
  readonly size: number;
  get(buf: Buffer): V;
  set(buf: Buffer, v: V): void;
}

export interface StructLayout<V> {
  readonly kind: 'struct';
  /**
   * `struct` or `union`: the C keyword the layout check names it with;
   * `scalar` for a bare C type argument (scalarArg), whose name is the C type.
   */
  readonly keyword: 'struct' | 'union' | 'scalar';
  readonly name: string;
  readonly size: number;
  readonly align: number;
  readonly offsets: { readonly [K in keyof V]: number };
  readonly fieldNames: readonly (keyof V & string)[];
  /** Each member's type, by name. */
  readonly fields: { readonly [K in keyof V]: FieldType<V[K]> };
  /**
   * Each member's typed in-place accessor: hot paths read the one or two
   * fields they need without decoding the whole struct, and without
   * restating each field's width.
   */
  readonly member: { readonly [K in keyof V]: MemberAccess<V[K]> };
  readonly zero: V;
  /** Encodes a value (missing fields are zero) into a new buffer of `size` bytes. */
  encode(v?: Partial<V>): Buffer;
  /** Reads a value; a buffer shorter than the struct reads as zero-filled. */
  decode(buf: Buffer): V;
  read(buf: Buffer, off: number): V;
  write(buf: Buffer, off: number, v: V): void;
  readonly __value?: V;
}

export function struct<F extends Record<string, AnyField>>(
  name: string,
  fields: F,
): StructLayout<StructValue<F>> {
  return aggregate('struct', name, fields);
}

/** A C union: every member at offset 0, size of the largest rounded up to the strictest alignment. */
export function union<F extends Record<string, AnyField>>(
  name: string,
  fields: F,
): StructLayout<StructValue<F>> {
  return aggregate('union', name, fields);
}

/**
 * A struct a newer kernel extended by appending `more` (drm_ioctl zero-fills
 * what older user space does not pass): the same C name, the base members
 * first, at the same offsets.
 */
export function extendStruct<V, F extends Record<string, AnyField>>(
  base: StructLayout<V>,
  more: F,
): StructLayout<V & StructValue<F>> {
  const fields = { ...(base.fields as unknown as Record<string, AnyField>), ...more };
  return aggregate(base.keyword, base.name, fields) as unknown as StructLayout<V & StructValue<F>>;
}

function aggregate<F extends Record<string, AnyField>>(
  keyword: 'struct' | 'union' | 'scalar',
  name: string,
  fields: F,
): StructLayout<StructValue<F>> {
  type V = StructValue<F>;
  const names = Object.keys(fields) as (keyof V & string)[];
  const offsets = {} as Record<keyof V, number>;
  let off = 0;
  let end = 0;
  let align = 1;
  for (const n of names) {
    const t = fields[n] as unknown as FieldType<unknown>;
    off = keyword === 'union' ? 0 : alignUp(off, t.align);
    offsets[n] = off;
    off += t.size;
    end = Math.max(end, off);
    align = Math.max(align, t.align);
  }
  const size = alignUp(end, align);
  const member = {} as Record<keyof V, MemberAccess<unknown>>;
  for (const n of names) {
    const t = fields[n] as unknown as FieldType<unknown>;
    const o = offsets[n];
    member[n] = { offset: o, size: t.size, get: (buf) => t.read(buf, o), set: (buf, v) => t.write(buf, o, v) };
  }
  const makeZero = (): V => {
    const z = {} as Record<string, unknown>;
    for (const n of names) z[n] = (fields[n] as unknown as FieldType<unknown>).zero;
    return z as V;
  };
  // Flattened once, in declaration order: read and write run on every struct
  // a call passes, and indexing arrays is cheaper than looking each name up in
  // `fields` and `offsets`.
  const types = names.map((n) => fields[n] as unknown as FieldType<unknown>);
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
      // A union member not given must not overwrite the one given.
      if (keyword === 'union' && fv === undefined) continue;
      t.write(buf, base + (offs[i] as number), fv === undefined ? t.zero : fv);
    }
  };
  return {
    kind: 'struct',
    keyword,
    name,
    size,
    align,
    offsets,
    fieldNames: names,
    fields: fields as unknown as { readonly [K in keyof V]: FieldType<V[K]> },
    member: member as { readonly [K in keyof V]: MemberAccess<V[K]> },
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

/**
 * An ioctl argument that is a bare C scalar (DRM_IOCTL_MODE_RMFB takes an
 * `unsigned int`): one member, `value`; the layout check compares its size.
 */
export function scalarArg<V>(cType: string, type: ScalarType<V>): StructLayout<{ value: V }> {
  return aggregate('scalar', cType, { value: type }) as unknown as StructLayout<{ value: V }>;
}

/**
 * Any struct layout, whatever its value type: what the layout check and the
 * uAPI header lists need (names, offsets, sizes), without the value type
 * that makes StructLayout<V> invariant.
 */
export interface AnyStructLayout {
  readonly kind: 'struct';
  readonly keyword: 'struct' | 'union' | 'scalar';
  readonly name: string;
  readonly size: number;
  readonly align: number;
  readonly fieldNames: readonly string[];
  readonly offsets: Readonly<Record<string, number>>;
  readonly fields: Readonly<Record<string, { readonly kind: string; readonly size: number; readonly align: number }>>;
}

export type ValueOfStruct<S> = S extends StructLayout<infer V> ? V : never;
