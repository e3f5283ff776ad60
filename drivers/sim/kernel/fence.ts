/**
 * A dma_fence (drivers/dma-buf/dma-fence.c): signalled once, optionally with
 * an error (dma_fence_set_error before signalling), callbacks run at signal.
 */
let fenceSeq = 0;

export class DmaFence {
  readonly id = ++fenceSeq;
  private signaledFlag = false;
  private errorValue = 0;
  private callbacks: ((f: DmaFence) => void)[] = [];

  constructor(readonly timeline: string) {}

  get signaled(): boolean {
    return this.signaledFlag;
  }

  /** 0, or a negative errno as the kernel stores it (e.g. -ETIMEDOUT). */
  get error(): number {
    return this.errorValue;
  }

  setError(negErrno: number): void {
    if (this.signaledFlag) throw new Error('dma_fence_set_error on a signalled fence');
    if (negErrno >= 0) throw new RangeError('fence error must be a negative errno');
    this.errorValue = negErrno;
  }

  /** Signals once; later calls are no-ops, as dma_fence_signal returns -EINVAL for them. */
  signal(): boolean {
    if (this.signaledFlag) return false;
    this.signaledFlag = true;
    const cbs = this.callbacks;
    this.callbacks = [];
    for (const cb of cbs) cb(this);
    return true;
  }

  onSignal(cb: (f: DmaFence) => void): void {
    if (this.signaledFlag) cb(this);
    else this.callbacks.push(cb);
  }

  static signaled(timeline = 'stub'): DmaFence {
    // dma_fence_get_stub(): an already signalled fence.
    const f = new DmaFence(timeline);
    f.signal();
    return f;
  }
}

/**
 * enum dma_resv_usage (include/linux/dma-resv.h), in the kernel's order: a
 * query for one usage sees every fence of that usage and the ones before it.
 */
export const DMA_RESV_USAGE = { kernel: 0, write: 1, read: 2, bookkeep: 3 } as const;
export type DmaResvUsage = keyof typeof DMA_RESV_USAGE;

/** dma_resv_usage_rw: to WRITE, wait for readers and writers; to READ, for writers only. */
export function dmaResvUsageRw(write: boolean): DmaResvUsage {
  return write ? 'read' : 'write';
}

/**
 * struct dma_resv (drivers/dma-buf/dma-resv.c): the implicit fences of a
 * buffer. Signalled fences are pruned when new ones are added, as
 * dma_resv_add_fence replaces signalled entries.
 */
export class DmaResv {
  private entries: { fence: DmaFence; usage: DmaResvUsage }[] = [];

  /** dma_resv_add_fence. */
  add(fence: DmaFence, usage: DmaResvUsage): void {
    this.entries = this.entries.filter((e) => !e.fence.signaled);
    this.entries.push({ fence, usage });
  }

  /** The fences a query for `usage` sees (dma_resv_for_each_fence with that usage). */
  fences(usage: DmaResvUsage): DmaFence[] {
    const max = DMA_RESV_USAGE[usage];
    return this.entries.filter((e) => DMA_RESV_USAGE[e.usage] <= max).map((e) => e.fence);
  }

  /** dma_resv_test_signaled. */
  signaled(usage: DmaResvUsage): boolean {
    return this.fences(usage).every((f) => f.signaled);
  }

  /**
   * dma_resv_get_singleton: null without fences, the fence itself when there
   * is one, else a dma_fence_array that signals when all have, carrying the
   * first error (dma_fence_array_cb_func records it).
   */
  singleton(usage: DmaResvUsage): DmaFence | null {
    const fs = this.fences(usage);
    if (fs.length === 0) return null;
    if (fs.length === 1) return fs[0] as DmaFence;
    const array = new DmaFence('dma_fence_array');
    let left = fs.length;
    for (const f of fs) {
      f.onSignal((done) => {
        if (done.error !== 0 && array.error === 0 && !array.signaled) array.setError(done.error);
        if (--left === 0) array.signal();
      });
    }
    return array;
  }
}
