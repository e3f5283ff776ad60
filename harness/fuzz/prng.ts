/**
 * The fuzz's seeded PRNG: sfc32 seeded through splitmix32, so one 32-bit
 * seed gives the same stream on every machine and node version (no
 * Math.random, no dependency). Program i of a campaign draws from
 * `forProgram(seed, i)`, so a program can be regenerated alone.
 */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = (): number => {
      // splitmix32: spreads a small seed over the four words of state.
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad) >>> 0;
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97) >>> 0;
      return (z ^ (z >>> 15)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** sfc32: a uniform 32-bit word. */
  u32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t >>> 0;
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    if (n <= 0) throw new RangeError(`below(${n})`);
    return Math.floor((this.u32() / 0x1_0000_0000) * n);
  }

  /** Uniform integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + this.below(hi - lo + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.u32() / 0x1_0000_0000 < p;
  }

  pick<T>(items: readonly T[]): T {
    const v = items[this.below(items.length)];
    if (v === undefined) throw new RangeError('pick from an empty list');
    return v;
  }

  /** One entry of a weighted table. */
  weighted<T>(table: readonly (readonly [T, number])[]): T {
    const total = table.reduce((s, [, w]) => s + w, 0);
    // Real-valued, so that fractional weights (rare ops) keep their share.
    let r = (this.u32() / 0x1_0000_0000) * total;
    for (const [v, w] of table) {
      if (r < w) return v;
      r -= w;
    }
    throw new RangeError('empty weighted table');
  }

  /** The seed of program `index` of a campaign seeded with `seed`. */
  static forProgram(seed: number, index: number): number {
    return (Math.imul(seed >>> 0, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35)) >>> 0;
  }
}
