/**
 * What the executor records per op, already normalised: values the uAPI
 * leaves free are renamed in order of first appearance on each side, so two
 * sides agree when one is a consistent renaming of the other. Free values:
 * fd numbers (the lowest free fd of each process, which differs between a
 * node process in a guest and the simulated kernel) and device addresses
 * (docs/uapi-apu.md leaves their choice to the driver). Fake mmap offsets are
 * only checked for being written (execute.ts offsetValue: their reuse is timing). GEM and syncobj handles are NOT renamed: both come from a per-file
 * idr_alloc(1, 0) (drm_gem.c drm_gem_handle_create_tail, drm_syncobj.c
 * drm_syncobj_get_handle), so their numbering is defined and must match.
 */

export type Value = number | string;

export interface OpRecord {
  readonly id: number;
  readonly op: string;
  /** 'ok', an errno name, or 'skipped (why)' for an op the executor did not issue. */
  readonly result: string;
  /** Output fields (as the kernel left the struct, also on error), normalised. */
  readonly out?: Readonly<Record<string, Value>>;
  /** Memory read back (CPU read or a job's output), run-length encoded. */
  readonly data?: string;
}

/** fd numbers of the two processes are separate spaces: `fd` (main) and `peer-fd`. */
export type FreeKind = 'fd' | 'peer-fd' | 'addr';

/** Consistent renaming of one side's free values: the first fd seen is fd#0, and so on. */
export class Renamer {
  private readonly names = new Map<string, string>();
  private readonly counts = new Map<FreeKind, number>();

  name(kind: FreeKind, value: number | bigint): Value {
    // 0 is "not written" for an address, and a negative fd is no fd: both literal.
    if ((kind === 'addr' && BigInt(value) === 0n) || BigInt(value) < 0n) return typeof value === 'bigint' ? value.toString() : value;
    const key = `${kind}:${value}`;
    let n = this.names.get(key);
    if (n === undefined) {
      const c = this.counts.get(kind) ?? 0;
      this.counts.set(kind, c + 1);
      n = `${kind}#${c}`;
      this.names.set(key, n);
    }
    return n;
  }
}

/** Run-length encoding of bytes: "00*4090 7f*6" (hex byte, count). */
export function rle(bytes: Uint8Array): string {
  const parts: string[] = [];
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    let j = i + 1;
    while (j < bytes.length && bytes[j] === b) j++;
    parts.push(`${b.toString(16).padStart(2, '0')}*${j - i}`);
    i = j;
  }
  return parts.join(' ');
}
