/**
 * The part of lib/idr.c the DRM core uses: idr_alloc(idr, ptr, 1, 0) hands
 * out the LOWEST free id >= 1 (object_idr in drm_gem_handle_create_tail,
 * syncobj_idr in drm_syncobj_get_handle, object_name_idr in
 * drm_gem_flink_ioctl). `cyclic` models idr_alloc_cyclic (the next id after
 * the last one handed out), which a handle-allocation hook may choose.
 */
export class Idr<T> {
  private readonly map = new Map<number, T>();
  private nextCyclic = 1;

  constructor(private readonly cyclic = false) {}

  alloc(value: T): number {
    let id: number;
    if (this.cyclic) {
      id = this.nextCyclic;
      while (this.map.has(id)) id++;
      this.nextCyclic = id + 1;
    } else {
      id = 1;
      while (this.map.has(id)) id++;
    }
    this.map.set(id, value);
    return id;
  }

  find(id: number): T | undefined {
    return Number.isInteger(id) ? this.map.get(id) : undefined;
  }

  remove(id: number): T | undefined {
    const v = this.map.get(id);
    this.map.delete(id);
    return v;
  }

  entries(): [number, T][] {
    return [...this.map.entries()];
  }

  get size(): number {
    return this.map.size;
  }
}
