/**
 * The simulated kernel's CLOCK_MONOTONIC. Time is virtual: it only moves when
 * something sleeps on it (a blocking wait, a sleep) and nothing else is left
 * to run, and then it jumps straight to the next timer. A 500 ms job timeout
 * therefore costs microseconds of wall time, and runs are deterministic.
 */

export interface Timer {
  readonly at: bigint;
  cancel(): void;
}

/** A queued timer; it is also the Timer handed out (one object per timer, not three). */
class TimerEntry implements Timer {
  cancelled = false;

  constructor(
    readonly at: bigint,
    readonly seq: number,
    readonly cb: () => void,
  ) {}

  cancel(): void {
    this.cancelled = true;
  }
}

interface Sleeper {
  until: bigint | null;
  done: () => boolean;
  resolve: () => void;
}

export const NS_PER_MS = 1_000_000n;
export const NS_PER_US = 1_000n;
/** A wait longer than this (a virtual day) with no timer pending is treated as a hang. */
export const HANG_NS = 86_400n * 1_000_000_000n;

export class VirtualClock {
  private now = 0n;
  private seq = 0;
  private timers: TimerEntry[] = [];
  private sleepers = new Set<Sleeper>();
  private pumping = false;

  /** Boots at 1 s, so that 0 and small absolute timeouts are visibly in the past. */
  constructor(startNs = 1_000_000_000n) {
    this.now = startNs;
  }

  nowNs(): bigint {
    return this.now;
  }

  /** Runs `cb` once the clock reaches now + delayNs. */
  after(delayNs: bigint, cb: () => void): Timer {
    return this.at(this.now + (delayNs < 0n ? 0n : delayNs), cb);
  }

  at(atNs: bigint, cb: () => void): Timer {
    const entry = new TimerEntry(atNs < this.now ? this.now : atNs, this.seq++, cb);
    this.insert(entry);
    return entry;
  }

  pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /**
   * Blocks (asynchronously) until `done()` holds or the clock reaches
   * `untilNs` (null: no deadline). Returns true if `done()` held.
   */
  waitUntil(done: () => boolean, untilNs: bigint | null): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    if (untilNs !== null && this.now >= untilNs) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const s: Sleeper = {
        until: untilNs,
        done,
        resolve: () => resolve(done()),
      };
      this.sleepers.add(s);
      this.schedulePump();
    });
  }

  sleepNs(ns: bigint): Promise<void> {
    const until = this.now + ns;
    return this.waitUntil(() => this.now >= until, until).then(() => undefined);
  }

  /**
   * Synchronous blocking (a sleeping syscall while nothing else can run):
   * fires timers in order until `done()` holds or the clock reaches
   * `untilNs` (null: no deadline). Returns done(). With no deadline and no
   * timer left it gives up (returns false) instead of hanging forever.
   */
  runUntil(done: () => boolean, untilNs: bigint | null): boolean {
    try {
      for (;;) {
        if (done()) return true;
        if (untilNs !== null && this.now >= untilNs) return false;
        while (this.timers.length > 0 && (this.timers[0] as TimerEntry).cancelled) this.timers.shift();
        const next = this.timers[0];
        if (!next || (untilNs !== null && next.at > untilNs)) {
          // Nothing left to wake us before a practically infinite deadline: a real
          // machine would hang here; give up without moving time to the end of the epoch.
          if (untilNs === null || (!next && untilNs - this.now > HANG_NS)) return false;
          this.advanceTo(untilNs);
          return done();
        }
        this.advanceTo(next.at);
      }
    } finally {
      // Asynchronous sleepers may be satisfied by the time that just passed.
      this.kick();
    }
  }

  /** Fires every timer due at or before `t` in order, moving the clock forward. */
  advanceTo(t: bigint): void {
    for (;;) {
      const next = this.timers[0];
      if (!next || next.at > t) break;
      this.timers.shift();
      if (next.cancelled) continue;
      if (next.at > this.now) this.now = next.at;
      next.cb();
    }
    if (t > this.now) this.now = t;
  }

  private insert(entry: TimerEntry): void {
    let i = this.timers.length;
    while (i > 0) {
      const prev = this.timers[i - 1] as TimerEntry;
      if (prev.at < entry.at || (prev.at === entry.at && prev.seq < entry.seq)) break;
      i--;
    }
    this.timers.splice(i, 0, entry);
  }

  private schedulePump(): void {
    if (this.pumping) return;
    this.pumping = true;
    // setImmediate runs after pending promise jobs and I/O callbacks: only when
    // nothing else in the process is ready does virtual time move.
    setImmediate(() => this.pump());
  }

  private pump(): void {
    this.pumping = false;
    this.wakeSatisfied();
    if (this.sleepers.size === 0) return;
    while (this.timers.length > 0 && (this.timers[0] as TimerEntry).cancelled) this.timers.shift();
    let target: bigint | null = this.timers[0]?.at ?? null;
    for (const s of this.sleepers) {
      if (s.until !== null && (target === null || s.until < target)) target = s.until;
    }
    // Only practically infinite deadlines and no timer: as hopeless as no deadline at all.
    if (this.timers.length === 0 && target !== null && target - this.now > HANG_NS) target = null;
    if (target === null) {
      // Nothing can ever wake these sleepers: the simulated kernel would hang
      // forever. Wake them so they report failure rather than freeze the run.
      for (const s of [...this.sleepers]) {
        this.sleepers.delete(s);
        s.resolve();
      }
      return;
    }
    this.advanceTo(target);
    this.wakeSatisfied();
    if (this.sleepers.size > 0) this.schedulePump();
  }

  private wakeSatisfied(): void {
    for (const s of [...this.sleepers]) {
      if (s.done() || (s.until !== null && this.now >= s.until)) {
        this.sleepers.delete(s);
        s.resolve();
      }
    }
  }

  /** Lets waiters re-check their condition after a state change outside timers. */
  kick(): void {
    if (this.sleepers.size > 0) this.schedulePump();
  }
}
