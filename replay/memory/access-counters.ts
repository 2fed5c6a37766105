/**
 * GPU access counters (REFERENCE.md §2.6): remote accesses of a GPU to memory it does not hold are
 * counted per 2 MiB granule (the default granularity); every `access_counter_threshold` accesses a
 * notification fires, which migrates the granule to the GPU when access-counter migrations are
 * enabled (`policy.access_counters`, on by default only on ATS systems such as GH200). One access
 * row that touches a granule counts as one access.
 */
export class AccessCounters {
  private counts = new Int32Array(0);

  constructor(readonly gpus: number, readonly threshold: number) {}

  ensure(blocks: number): void {
    if (blocks * this.gpus <= this.counts.length) return;
    const c = new Int32Array(blocks * this.gpus);
    c.set(this.counts);
    this.counts = c;
  }

  /** Counts one access of GPU `g` to block `b`; true when it crosses the threshold (then resets). */
  note(g: number, b: number): boolean {
    const k = b * this.gpus + g;
    const c = this.counts[k]! + 1;
    if (c >= this.threshold) { this.counts[k] = 0; return true; }
    this.counts[k] = c;
    return false;
  }

  reset(g: number, b: number): void { this.counts[b * this.gpus + g] = 0; }
}
