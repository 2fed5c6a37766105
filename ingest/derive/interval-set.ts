/**
 * A set of disjoint half-open address ranges [start, end), kept sorted and merged. Used by the
 * derivations that must know "which bytes were already seen" over a whole trace (implied first
 * touch). Two parallel number arrays, not one object per range; binary search per query.
 */
export class IntervalSet {
  private starts: number[] = [];
  private ends: number[] = [];

  get size(): number { return this.starts.length; }

  /** Index of the first range whose end is > `a` (the only one that can contain or follow `a`). */
  private firstEndingAfter(a: number): number {
    let lo = 0;
    let hi = this.ends.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (this.ends[mid]! <= a) lo = mid + 1; else hi = mid; }
    return lo;
  }

  /** Adds [s, e), merging with every range it overlaps or touches. */
  add(s: number, e: number): void {
    if (e <= s) return;
    const i = this.firstEndingAfter(s - 1); // a range ending exactly at s touches: merge it
    let j = i;
    let ns = s;
    let ne = e;
    while (j < this.starts.length && this.starts[j]! <= e) {
      ns = Math.min(ns, this.starts[j]!);
      ne = Math.max(ne, this.ends[j]!);
      j++;
    }
    this.starts.splice(i, j - i, ns);
    this.ends.splice(i, j - i, ne);
  }

  /** Calls `gap(s, e)` for each maximal piece of [s, e) not in the set, in address order. */
  forEachGap(s: number, e: number, gap: (s: number, e: number) => void): void {
    let cur = s;
    for (let i = this.firstEndingAfter(s); i < this.starts.length && this.starts[i]! < e && cur < e; i++) {
      if (this.starts[i]! > cur) gap(cur, this.starts[i]!);
      cur = Math.max(cur, this.ends[i]!);
    }
    if (cur < e) gap(cur, e);
  }

  /** The ranges, in order (for tests and small outputs). */
  ranges(): [number, number][] { return this.starts.map((s, i) => [s, this.ends[i]!]); }
}
