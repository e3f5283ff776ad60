/** Stops a run from outside (overall timeout, Ctrl-C): one reason, many listeners. */
export class RunControl {
  private reasonText: string | null = null;
  private resolveStopped!: (reason: string) => void;
  readonly stopped: Promise<string> = new Promise((r) => (this.resolveStopped = r));

  get reason(): string | null {
    return this.reasonText;
  }

  stop(reason: string): void {
    if (this.reasonText !== null) return;
    this.reasonText = reason;
    this.resolveStopped(reason);
  }
}
