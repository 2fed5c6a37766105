import { describe, expect, it } from 'vitest';
import { grownTo, nextCapacity } from './growable.ts';

describe('growable typed-array columns', () => {
  it('keeps the values and type, fills the new room', () => {
    const a = Int32Array.of(7, -1, 3);
    const b = grownTo(a, 6, -2);
    expect(b).toBeInstanceOf(Int32Array);
    expect([...b]).toEqual([7, -1, 3, -2, -2, -2]);
    expect([...grownTo(Float64Array.of(0.5), 3)]).toEqual([0.5, 0, 0]);
  });

  it('returns the same array when it is long enough', () => {
    const a = new Uint8Array(4);
    expect(grownTo(a, 4)).toBe(a);
  });

  it('doubles, but never below what is needed or the minimum', () => {
    expect(nextCapacity(100, 101)).toBe(200);
    expect(nextCapacity(100, 500)).toBe(500);
    expect(nextCapacity(0, 1)).toBe(16);
  });
});
