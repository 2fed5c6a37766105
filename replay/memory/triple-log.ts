/** Growable log of (time, a, value) triples: resident-bytes deltas, BAR deltas and stall spans for the timeline. */
export class TripleLog {
  /** `merge`: entries at the same instant for the same `a` add up (resident deltas; not stall spans) */
  constructor(private readonly merge = false) {}
  t = new Float64Array(1024); a = new Int32Array(1024); v = new Float64Array(1024); count = 0;
  push(t: number, a: number, v: number): void {
    const last = this.count - 1;
    if (this.merge && last >= 0 && this.t[last] === t && this.a[last] === a) { this.v[last]! += v; return; } // same instant: merge
    if (this.count === this.t.length) {
      const n = this.t.length * 2;
      const t2 = new Float64Array(n); t2.set(this.t); this.t = t2;
      const a2 = new Int32Array(n); a2.set(this.a); this.a = a2;
      const v2 = new Float64Array(n); v2.set(this.v); this.v = v2;
    }
    this.t[this.count] = t; this.a[this.count] = a; this.v[this.count] = v; this.count++;
  }
}
