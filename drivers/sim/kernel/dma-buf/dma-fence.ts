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
