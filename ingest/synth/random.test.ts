import { describe, expect, it } from 'vitest';
import { Rng } from './random.ts';

describe('Rng (xoshiro128**)', () => {
  it('matches the reference algorithm from state (1, 2, 3, 4)', () => {
    // Worked by hand from the reference C code (result = rotl(s1 * 5, 7) * 9, then the state update):
    //  1st: s1 = 2 → rotl(10, 7) = 1280, × 9 = 11520; state becomes (7, 0, 1026, 12288);
    //  2nd: s1 = 0 → 0; state becomes (12295, 1029, 1029, rotl(12288, 11) = 25165824);
    //  3rd: s1 = 1029 → rotl(5145, 7) = 658560, × 9 = 5927040.
    const r = Rng.fromState(1, 2, 3, 4);
    expect([r.u32(), r.u32(), r.u32()]).toEqual([11520, 0, 5927040]);
  });

  it('is deterministic per seed and differs between seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const sa = Array.from({ length: 8 }, () => a.u32());
    expect(Array.from({ length: 8 }, () => b.u32())).toEqual(sa);
    expect(Array.from({ length: 8 }, () => c.u32())).not.toEqual(sa);
    // Seeds that differ only above bit 32 must still give different streams.
    expect(new Rng(2 ** 40).u32()).not.toBe(new Rng(0).u32());
  });

  it('float() stays in [0, 1) and int(n) in [0, n), covering the range', () => {
    const r = new Rng(7);
    const seen = new Uint32Array(10);
    for (let i = 0; i < 10000; i++) {
      const f = r.float();
      expect(f >= 0 && f < 1).toBe(true);
      const k = r.int(10);
      expect(Number.isInteger(k) && k >= 0 && k < 10).toBe(true);
      seen[k]!++;
    }
    // 10 000 draws over 10 values: each expected 1000; a fair generator is far inside 800..1200.
    for (const c of seen) expect(c > 800 && c < 1200).toBe(true);
  });

  it('shuffle() returns a permutation', () => {
    const a = Int32Array.from({ length: 1000 }, (_, i) => i);
    new Rng(3).shuffle(a);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect([...a]).not.toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('rejects seeds that are not integers in [0, 2^53)', () => {
    expect(() => new Rng(-1)).toThrow(/seed/);
    expect(() => new Rng(1.5)).toThrow(/seed/);
  });
});
