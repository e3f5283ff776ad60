/**
 * struct drm_prime_file_private (drm_prime.c): per file, which dma-buf each
 * handle was exported to or imported from. Each entry holds a dma-buf
 * reference (drm_prime_add_buf_handle: get_dma_buf), dropped when the
 * handle goes (drm_prime_remove_buf_handle).
 */
import type { DmaBuf } from '../dma-buf/dma-buf';

export class PrimeCache {
  private readonly byHandle = new Map<number, DmaBuf>();

  add(dmabuf: DmaBuf, handle: number): void {
    dmabuf.get();
    const old = this.byHandle.get(handle);
    this.byHandle.set(handle, dmabuf);
    if (old) old.put();
  }

  lookupByHandle(handle: number): DmaBuf | null {
    return this.byHandle.get(handle) ?? null;
  }

  lookupByBuf(dmabuf: DmaBuf): number | null {
    for (const [h, d] of this.byHandle) if (d === dmabuf) return h;
    return null;
  }

  removeByHandle(handle: number): void {
    const d = this.byHandle.get(handle);
    if (!d) return;
    this.byHandle.delete(handle);
    d.put();
  }

  get size(): number {
    return this.byHandle.size;
  }
}
