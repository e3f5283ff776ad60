/**
 * IO page tables for simulated devices, after drivers/iommu (iommu_map /
 * iommu_unmap / iommu_iova_to_phys over an io-pgtable, io-pgtable-arm.c):
 *
 * - a domain (struct iommu_domain) is one IO virtual address space; a
 *   per-context IOMMU gives each open file its own domain;
 * - mappings are page granular (APU_PAGE_SIZE) inside a fixed aperture
 *   (domain->geometry.aperture_start/end), IOVAs come from a first-fit
 *   allocator (drivers/iommu/iova.c hands out distinct ranges);
 * - a PTE carries IOMMU_READ and optionally IOMMU_WRITE: a read-only mapping
 *   (IOMMU_READ alone) faults on a device write;
 * - a device access of a range is translated page by page, and every page is
 *   checked before any byte moves, so a faulting access touches no memory.
 */

export const IOMMU_PAGE_SIZE = 4096;
const PAGE = BigInt(IOMMU_PAGE_SIZE);

export interface Aperture {
  /** First IOVA (page aligned). */
  readonly start: bigint;
  /** One past the last IOVA. */
  readonly end: bigint;
}

/** One backing page: `memory` of an object at `offset`. */
interface Pte {
  readonly memory: Buffer;
  readonly offset: number;
  readonly writable: boolean;
}

/** A piece of a translated access: a slice of object memory. */
export interface Segment {
  readonly memory: Buffer;
  readonly offset: number;
  readonly length: number;
}

export type AccessResult =
  | { readonly ok: true; readonly segments: Segment[] }
  /** `iova` is the first page that faulted; `segments` are the pages before it. */
  | { readonly ok: false; readonly iova: bigint; readonly segments: Segment[] };

export class IommuDomain {
  /** Page frame number (iova / PAGE) -> PTE. */
  private ptes = new Map<bigint, Pte>();
  /** Allocated ranges [start, end), sorted by start. */
  private ranges: { start: bigint; end: bigint }[] = [];

  constructor(readonly aperture: Aperture, readonly name = 'domain') {}

  get mappedPages(): number {
    return this.ptes.size;
  }

  /** Finds a free IOVA range for `pages` pages, or null when the aperture is full. */
  findFree(pages: number, reserved: readonly { start: bigint; end: bigint }[] = []): bigint | null {
    const len = BigInt(pages) * PAGE;
    const taken = [...this.ranges, ...reserved].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    let cursor = this.aperture.start;
    for (const r of taken) {
      if (r.start - cursor >= len) return cursor;
      if (r.end > cursor) cursor = r.end;
    }
    return this.aperture.end - cursor >= len ? cursor : null;
  }

  /** Reserves [iova, iova + pages) and installs PTEs onto `memory` (iommu_map). */
  map(iova: bigint, memory: Buffer, writable: boolean): void {
    const pages = Math.ceil(memory.length / IOMMU_PAGE_SIZE);
    const end = iova + BigInt(pages) * PAGE;
    this.ranges.push({ start: iova, end });
    this.ranges.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    for (let i = 0; i < pages; i++) {
      this.ptes.set(iova / PAGE + BigInt(i), { memory, offset: i * IOMMU_PAGE_SIZE, writable });
    }
  }

  /** Releases the IOVA range; removes the PTEs unless `keepPtes` (a defect). */
  unmap(iova: bigint, pages: number, keepPtes = false): void {
    this.ranges = this.ranges.filter((r) => r.start !== iova);
    if (keepPtes) return;
    for (let i = 0; i < pages; i++) this.ptes.delete(iova / PAGE + BigInt(i));
  }

  /** Removes everything (domain free at context teardown). */
  clear(): void {
    this.ptes.clear();
    this.ranges = [];
  }

  /**
   * Translates a device access of `length` bytes at `iova`. Checks every page
   * before returning any segment, so callers can move bytes only on `ok`.
   */
  translate(iova: bigint, length: number, write: boolean): AccessResult {
    const segments: Segment[] = [];
    if (length === 0) return { ok: true, segments };
    let addr = iova;
    let left = length;
    while (left > 0) {
      const pte = addr >= 0n ? this.ptes.get(addr / PAGE) : undefined;
      if (!pte || (write && !pte.writable)) return { ok: false, iova: addr - (addr % PAGE), segments };
      const inPage = Number(addr % PAGE);
      const n = Math.min(left, IOMMU_PAGE_SIZE - inPage);
      segments.push({ memory: pte.memory, offset: pte.offset + inPage, length: n });
      addr += BigInt(n);
      left -= n;
    }
    return { ok: true, segments };
  }
}

/** Reads the bytes of translated segments into one buffer. */
export function gather(segments: readonly Segment[]): Buffer {
  const total = segments.reduce((s, g) => s + g.length, 0);
  const out = Buffer.allocUnsafe(total);
  let o = 0;
  for (const g of segments) {
    g.memory.copy(out, o, g.offset, g.offset + g.length);
    o += g.length;
  }
  return out;
}

/** Writes `data` across translated segments, in order. */
export function scatter(segments: readonly Segment[], data: Buffer): void {
  let o = 0;
  for (const g of segments) {
    data.copy(g.memory, g.offset, o, o + g.length);
    o += g.length;
  }
}

/**
 * The mappings of one context: which object is mapped where, with how many
 * references (an APU context maps each object once and counts repeated maps).
 * `K` identifies an object (the GEM object).
 */
export interface ObjectMapping {
  readonly iova: bigint;
  readonly pages: number;
  refs: number;
}

export interface MapRequest<K> {
  readonly key: K;
  readonly memory: Buffer;
  readonly writable: boolean;
}

export interface ContextIommuOptions {
  /** Defect: every map makes a new mapping and one unmap removes all of them. */
  readonly notRefcounted?: boolean;
  /** Defect: unmap leaves the PTEs in place. */
  readonly keepPtesOnUnmap?: boolean;
}

export type MapError = 'ENOSPC' | 'EINVAL';

/**
 * Refcounted object mappings of one context over a domain. All-or-nothing:
 * `mapAll` and `unmapAll` either apply to every key or change nothing.
 */
export class ContextMappings<K> {
  private byKey = new Map<K, ObjectMapping[]>();

  constructor(readonly domain: IommuDomain, private readonly opts: ContextIommuOptions = {}) {}

  get size(): number {
    return this.byKey.size;
  }

  lookup(key: K): ObjectMapping | undefined {
    return this.byKey.get(key)?.[0];
  }

  mapAll(reqs: readonly MapRequest<K>[]): bigint[] | MapError {
    // Plan first: fresh ranges for keys not mapped yet (once per key, also when a
    // handle repeats in the array), reusing ranges for keys already mapped.
    const planned: { start: bigint; end: bigint }[] = [];
    const fresh = new Map<K, bigint>();
    const out: bigint[] = [];
    for (const r of reqs) {
      const existing = this.opts.notRefcounted ? undefined : this.lookup(r.key);
      if (existing) {
        out.push(existing.iova);
        continue;
      }
      const again = this.opts.notRefcounted ? undefined : fresh.get(r.key);
      if (again !== undefined) {
        out.push(again);
        continue;
      }
      const pages = Math.max(1, Math.ceil(r.memory.length / IOMMU_PAGE_SIZE));
      const iova = this.domain.findFree(pages, planned);
      if (iova === null) return 'ENOSPC';
      planned.push({ start: iova, end: iova + BigInt(pages) * PAGE });
      fresh.set(r.key, iova);
      out.push(iova);
    }
    // Commit: a key mapped before this call, or earlier in this call, takes a reference.
    reqs.forEach((r, i) => {
      const iova = out[i] as bigint;
      const list = this.byKey.get(r.key);
      const m = this.opts.notRefcounted ? undefined : list?.find((x) => x.iova === iova);
      if (m) {
        m.refs++;
        return;
      }
      const pages = Math.max(1, Math.ceil(r.memory.length / IOMMU_PAGE_SIZE));
      this.domain.map(iova, r.memory, r.writable);
      const nm: ObjectMapping = { iova, pages, refs: 1 };
      if (list) list.push(nm);
      else this.byKey.set(r.key, [nm]);
    });
    return out;
  }

  /** Drops one reference per key; EINVAL (nothing changed) if a key is not mapped often enough. */
  unmapAll(keys: readonly K[]): MapError | null {
    const need = new Map<K, number>();
    for (const k of keys) need.set(k, (need.get(k) ?? 0) + 1);
    for (const [k, n] of need) {
      const list = this.byKey.get(k);
      if (!list) return 'EINVAL';
      const have = this.opts.notRefcounted ? list.length : (list[0] as ObjectMapping).refs;
      if (!this.opts.notRefcounted && have < n) return 'EINVAL';
    }
    for (const k of keys) {
      const list = this.byKey.get(k);
      if (!list) continue;
      if (this.opts.notRefcounted) {
        // The defect: one unmap tears down every mapping of the object.
        for (const m of list) this.domain.unmap(m.iova, m.pages, this.opts.keepPtesOnUnmap);
        this.byKey.delete(k);
        continue;
      }
      const m = list[0] as ObjectMapping;
      m.refs--;
      if (m.refs === 0) {
        this.domain.unmap(m.iova, m.pages, this.opts.keepPtesOnUnmap);
        this.byKey.delete(k);
      }
    }
    return null;
  }

  /** Every mapped key (teardown drops them all). */
  keys(): K[] {
    return [...this.byKey.keys()];
  }

  /** Removes every mapping of this context from the domain. */
  clear(): void {
    for (const list of this.byKey.values()) for (const m of list) this.domain.unmap(m.iova, m.pages);
    this.byKey.clear();
  }
}
