import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stableOrderByTs } from './stable-order.ts';

/** The reference: a comparator sort of indices with the index as tie-break (stable by definition). */
function reference(ts: number[]): number[] {
  return ts.map((_, i) => i).sort((a, b) => ts[a]! - ts[b]! || a - b);
}

describe('stableOrderByTs', () => {
  it('orders by ts and keeps input order on ties (hand-checked)', () => {
    // ts:    5  1  5  0  1   → 0 (i=3), 1 (i=1), 1 (i=4), 5 (i=0), 5 (i=2)
    expect([...stableOrderByTs(Float64Array.from([5, 1, 5, 0, 1]), 5)]).toEqual([3, 1, 4, 0, 2]);
  });

  it('uses every digit: values that differ only above 2^32 and only below 2^16', () => {
    const ts = [2 ** 40 + 3, 2 ** 40, 7, 2 ** 33, 2 ** 53 - 1, 0, 2 ** 33];
    expect([...stableOrderByTs(Float64Array.from(ts), ts.length)]).toEqual(reference(ts));
  });

  it('matches the reference for random traces, integral or not', () => {
    const integral = fc.array(fc.oneof(fc.integer({ min: 0, max: 50 }), fc.maxSafeNat()), { maxLength: 300 });
    const any = fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { maxLength: 100 });
    fc.assert(fc.property(fc.oneof(integral, any), (ts) => {
      expect([...stableOrderByTs(Float64Array.from(ts), ts.length)]).toEqual(reference(ts));
    }), { numRuns: 300 });
  });

  it('only looks at the first n values', () => {
    expect([...stableOrderByTs(Float64Array.from([3, 2, 1, 0]), 3)]).toEqual([2, 1, 0]);
  });
});
