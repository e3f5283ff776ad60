/**
 * The scatterlist arithmetic of a qaic BO and of a slice of it, as numbers
 * only (no pages), so a BO of several GiB can be reasoned about without the
 * host memory: create_sgt's chunking and clone_range_of_sgt_for_slice's
 * search for the first and last entries of a slice (qaic_data.c). Slicing
 * is reached only on a channel the caller activated (see device.ts), so the
 * model's ATTACH_SLICE_BO never gets here; the model's spec checks it
 * directly, with and without the counters of the bug fixed by "accel/qaic:
 * Fix possible data corruption in BOs > 2G".
 */

const PAGE_SIZE = 4096n;
/** MAX_PAGE_ORDER on x86-64: create_sgt allocates at most 4 MiB at a time. */
const MAX_PAGE_ORDER = 10n;

/** get_order(size): the smallest order whose pages cover size bytes. */
function getOrder(size: bigint): bigint {
  let order = 0n;
  while (PAGE_SIZE << order < size) order++;
  return order;
}

/**
 * create_sgt with every allocation succeeding: chunks of 2^min(get_order(rest), max_order)
 * pages, the over-allocation of the last one (buf_extra) taken off its length.
 */
export function sgtLengths(size: bigint): bigint[] {
  let nrPages = (size + PAGE_SIZE - 1n) / PAGE_SIZE;
  let maxOrder = getOrder(size) < MAX_PAGE_ORDER ? getOrder(size) : MAX_PAGE_ORDER;
  const lengths: bigint[] = [];
  while (nrPages > 0n) {
    const want = getOrder(nrPages * PAGE_SIZE);
    const order = want < maxOrder ? want : maxOrder;
    maxOrder = order;
    const chunk = 1n << order;
    lengths.push((chunk < nrPages ? chunk : nrPages) * PAGE_SIZE);
    nrPages -= chunk;
  }
  return lengths;
}

export interface SliceRange {
  /** Index of the first entry and the offset into it (sgf, offf). */
  readonly first: number;
  readonly firstOffset: bigint;
  /** Index of the last entry and the end offset in it (sgl, offl). */
  readonly last: number;
  readonly lastOffset: bigint;
}

/** A C int holding `v`, then converted to u64 for a comparison with one (sign extension). */
const asIntThenU64 = (v: bigint): bigint => BigInt.asUintN(64, BigInt.asIntN(32, v));

/**
 * clone_range_of_sgt_for_slice's search: null where the kernel answers EINVAL
 * (no entry holds the slice's start or end). `narrowTotal` keeps the running
 * total in a 32-bit int, as before the >2G fix made it a size_t: past 2 GiB it
 * goes negative, compares as a huge u64, and the slice is not found.
 */
export function sliceRange(lengths: readonly bigint[], offset: bigint, size: bigint, narrowTotal = false): SliceRange | null {
  const sz = size === 0n ? PAGE_SIZE : size;
  const end = BigInt.asUintN(64, offset + sz);
  let total = 0n;
  let first = -1;
  let firstOffset = 0n;
  for (let j = 0; j < lengths.length; j++) {
    const len = lengths[j];
    if (len === 0n) continue;
    const t = narrowTotal ? asIntThenU64(total) : total;
    const tEnd = narrowTotal ? asIntThenU64(total + len) : total + len;
    if (offset >= t && offset < tEnd) {
      first = j;
      firstOffset = offset - t;
    }
    if (end >= t && end <= tEnd) {
      if (first < 0) return null;
      return { first, firstOffset, last: j, lastOffset: end - t };
    }
    total = narrowTotal ? BigInt.asIntN(32, total + len) : total + len;
  }
  return null;
}
