import { describe, expect, it } from 'vitest';
import { IntervalSet } from './interval-set.ts';

describe('IntervalSet', () => {
  it('merges overlapping and touching ranges and keeps disjoint ones apart', () => {
    const s = new IntervalSet();
    s.add(10, 20);
    s.add(30, 40);
    s.add(20, 25); // touches [10,20) → [10,25)
    s.add(50, 60);
    expect(s.ranges()).toEqual([[10, 25], [30, 40], [50, 60]]);
    s.add(24, 55); // bridges three ranges
    expect(s.ranges()).toEqual([[10, 60]]);
    s.add(0, 5);
    expect(s.ranges()).toEqual([[0, 5], [10, 60]]);
  });

  it('lists the gaps of a query range in address order', () => {
    const s = new IntervalSet();
    s.add(10, 20);
    s.add(30, 40);
    const gaps: [number, number][] = [];
    s.forEachGap(0, 50, (a, b) => gaps.push([a, b]));
    expect(gaps).toEqual([[0, 10], [20, 30], [40, 50]]);
    const inner: [number, number][] = [];
    s.forEachGap(12, 35, (a, b) => inner.push([a, b]));
    expect(inner).toEqual([[20, 30]]);
    const none: [number, number][] = [];
    s.forEachGap(31, 39, (a, b) => none.push([a, b]));
    expect(none).toEqual([]);
  });
});
