/**
 * drm_vma_manager.c: fake mmap offsets for GEM objects, in pages, inside
 * [DRM_FILE_PAGE_OFFSET_START, +DRM_FILE_PAGE_OFFSET_SIZE) (drm_gem.c,
 * 64-bit values). Allocation is drm_mm_insert_node (DRM_MM_INSERT_BEST:
 * smallest hole that fits, placed at its bottom). Each node keeps the set
 * of files allowed to map it (drm_vma_node_allow / _revoke, refcounted per
 * file), checked by drm_vma_node_is_allowed.
 */
export const DRM_FILE_PAGE_OFFSET_START = (0xffffffffn >> 12n) + 1n;
export const DRM_FILE_PAGE_OFFSET_SIZE = (0xffffffffn >> 12n) * 256n;

export class VmaNode {
  /** First page; null until drm_vma_offset_add. */
  start: bigint | null = null;
  pages = 0n;
  private readonly allowed = new Map<object, number>();

  allow(file: object): void {
    this.allowed.set(file, (this.allowed.get(file) ?? 0) + 1);
  }

  revoke(file: object): void {
    const n = this.allowed.get(file) ?? 0;
    if (n <= 1) this.allowed.delete(file);
    else this.allowed.set(file, n - 1);
  }

  isAllowed(file: object): boolean {
    return this.allowed.has(file);
  }
}

export class VmaOffsetManager {
  private nodes: VmaNode[] = [];

  /** drm_vma_offset_add: idempotent; returns the node's first page. */
  add(node: VmaNode, pages: bigint): bigint {
    if (node.start !== null) return node.start;
    const sorted = [...this.nodes].sort((a, b) => (a.start! < b.start! ? -1 : 1));
    let best: { at: bigint; size: bigint } | null = null;
    let cursor = DRM_FILE_PAGE_OFFSET_START;
    const end = DRM_FILE_PAGE_OFFSET_START + DRM_FILE_PAGE_OFFSET_SIZE;
    const consider = (at: bigint, size: bigint): void => {
      if (size >= pages && (best === null || size < best.size)) best = { at, size };
    };
    for (const n of sorted) {
      consider(cursor, (n.start as bigint) - cursor);
      cursor = (n.start as bigint) + n.pages;
    }
    consider(cursor, end - cursor);
    const chosen = best as { at: bigint; size: bigint } | null;
    if (!chosen) throw new RangeError('drm_vma_offset_add: address space exhausted');
    node.start = chosen.at;
    node.pages = pages;
    this.nodes.push(node);
    return chosen.at;
  }

  remove(node: VmaNode): void {
    const i = this.nodes.indexOf(node);
    if (i >= 0) this.nodes.splice(i, 1);
    node.start = null;
    node.pages = 0n;
  }

  /**
   * drm_vma_offset_exact_lookup_locked: the node that starts exactly at
   * `start` and is at least `pages` long.
   */
  exactLookup(start: bigint, pages: bigint): VmaNode | null {
    for (const n of this.nodes) {
      if (n.start === start && pages <= n.pages) return n;
    }
    return null;
  }

  get size(): number {
    return this.nodes.length;
  }
}
