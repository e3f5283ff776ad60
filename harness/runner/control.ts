/** Stops a run from outside (overall timeout, Ctrl-C): one reason, many listeners. */
export type StopCause = 'overall-timeout' | 'interrupt';

export class RunControl {
  private reasonText: string | null = null;
  private causeKind: StopCause | null = null;
  private resolveStopped!: (reason: string) => void;
  readonly stopped: Promise<string> = new Promise((r) => (this.resolveStopped = r));

  get reason(): string | null {
    return this.reasonText;
  }

  /** Why: an expired overall timeout records the test in flight `timeout`, an interrupt `incomplete`. */
  get cause(): StopCause | null {
    return this.causeKind;
  }

  stop(reason: string, cause: StopCause = 'interrupt'): void {
    if (this.reasonText !== null) return;
    this.reasonText = reason;
    this.causeKind = cause;
    this.resolveStopped(reason);
  }
}
