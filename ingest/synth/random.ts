/**
 * The seeded PRNG of the synthetic workloads: xoshiro128** 1.1 (Blackman & Vigna, 2018; public-domain
 * reference at prng.di.unimi.it), four 32-bit state words, all arithmetic in 32-bit integers
 * (`Math.imul`, `>>>`), so every platform and Node version produces the same stream.
 *
 * Seeding: the seed (an integer 0 ≤ seed < 2^53) is folded to 32 bits (low half XOR high half times
 * the golden-ratio constant) and run through splitmix32 to fill the four state words (never all zero).
 * Floats take 53 random bits from two outputs, so `float()` is uniform on [0, 1) and `int(n)` is exact
 * for n ≤ 2^53.
 *
 * Not cryptographic; its only job is reproducible workloads (same seed → same trace bytes).
 */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  constructor(readonly seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be an integer in [0, 2^53) (got ${seed})`);
    let x = (seed >>> 0) ^ Math.imul(Math.floor(seed / 4294967296) >>> 0, 0x9e3779b9);
    const next = (): number => {
      // splitmix32: a Weyl sequence through a murmur3-style finaliser.
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.setState(next(), next(), next(), next());
  }

  /** A generator with an explicit state (for checking against the reference algorithm). */
  static fromState(s0: number, s1: number, s2: number, s3: number): Rng {
    const r = new Rng(0);
    r.setState(s0, s1, s2, s3);
    return r;
  }

  private setState(s0: number, s1: number, s2: number, s3: number): void {
    this.s0 = s0 | 0; this.s1 = s1 | 0; this.s2 = s2 | 0; this.s3 = s3 | 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** The next 32-bit output, as an unsigned integer. */
  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform on [0, 1) with 53 random bits. */
  float(): number {
    const hi = this.u32() >>> 5; // 27 bits
    const lo = this.u32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Shuffles `a[0..n)` in place (Fisher–Yates, from the top down). */
  shuffle(a: Int32Array | Float64Array, n = a.length): void {
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
