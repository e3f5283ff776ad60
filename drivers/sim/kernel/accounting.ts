/**
 * Live-object bookkeeping for kernel.stats(): what a fuzzer checks after
 * every fd is closed (nothing leaks) and during a run (no refcount ever
 * goes negative, no use after free). A refcount underflow is recorded as a
 * kernel bug instead of thrown, so a syscall never throws anything but a
 * SysError; stats().bugs lists them.
 */
export class Accounting {
  readonly live = new Map<string, Set<object>>();
  readonly bugs: string[] = [];

  add(kind: string, o: object): void {
    let s = this.live.get(kind);
    if (!s) this.live.set(kind, (s = new Set()));
    s.add(o);
  }

  remove(kind: string, o: object): void {
    this.live.get(kind)?.delete(o);
  }

  count(kind: string): number {
    return this.live.get(kind)?.size ?? 0;
  }

  bug(message: string): void {
    this.bugs.push(message);
  }
}
