/**
 * drm_vma_manager.c: fake mmap offsets for GEM objects, in pages, inside
 * [DRM_FILE_PAGE_OFFSET_START, +DRM_FILE_PAGE_OFFSET_SIZE) (drm_gem.c,
 * 64-bit values). Allocation is drm_mm_insert_node (DRM_MM_INSERT_BEST:
 * smallest hole that fits, placed at its bottom). Each node keeps the set
 * of files allowed to map it (drm_vma_node_allow / _revoke, refcounted per
 * file), checked by drm_vma_node_is_allowed.
 */
import { SysError } from '../../../../harness/sys/errno';

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
  /** Allocated nodes in address order, kept sorted on insert so an add neither copies nor sorts. */
  private nodes: VmaNode[] = [];

  /** drm_vma_offset_add: idempotent; returns the node's first page. */
  add(node: VmaNode, pages: bigint): bigint {
    if (node.start !== null) return node.start;
    // DRM_MM_INSERT_BEST: the smallest hole that fits; the lowest such on a tie.
    let bestAt: bigint | null = null;
    let bestSize = 0n;
    let bestIndex = 0;
    let cursor = DRM_FILE_PAGE_OFFSET_START;
    const end = DRM_FILE_PAGE_OFFSET_START + DRM_FILE_PAGE_OFFSET_SIZE;
    for (let i = 0; i <= this.nodes.length; i++) {
      const n = this.nodes[i];
      const holeEnd = n ? (n.start as bigint) : end;
      const size = holeEnd - cursor;
      if (size >= pages && (bestAt === null || size < bestSize)) {
        bestAt = cursor;
        bestSize = size;
        bestIndex = i;
      }
      if (n) cursor = (n.start as bigint) + n.pages;
    }
    if (bestAt === null) throw SysError.of('ENOSPC', 'ioctl', `drm_vma_offset_add: no hole of ${pages} pages`);
    node.start = bestAt;
    node.pages = pages;
    this.nodes.splice(bestIndex, 0, node);
    return bestAt;
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
