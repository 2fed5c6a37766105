/**
 * The UVM tree-based density prefetcher, per VA block (REFERENCE.md §2.4, `uvm_perf_prefetch.c`):
 *
 * 1. The tree's bitmap is: resident on the destination OR faulted in this batch, with every faulted
 *    64 KiB big page filled whole ("Assume big pages by default"), clipped to the block's valid
 *    region, unless a page of that big page is thrashing. The fill feeds only the tree's counts
 *    (`update_bitmap_tree_from_va_block` fills `bitmap_tree->pages`); the faulted mask is unchanged
 *    (REFERENCE.md §2.4, corrected 2026-12), so the rest of a faulted big page is *prefetched*.
 * 2. (merged into 1)
 * 3. A binary tree over the region's pages: leaves are 4 KiB pages, starting at the region's first
 *    page rounded down to a big page (the driver's `offset` padding), `log2(roundup_pow2(n)) + 1`
 *    levels. For each faulted page, walk up; every ancestor with `count * 100 > size * threshold`
 *    (strictly above) qualifies and the largest one becomes the prefetch region (clamped to the
 *    valid region).
 * 4. The prefetch set is the union of those regions minus the faulted pages and minus pages already
 *    resident on the destination (`prefetch_pages &= ~faulted_pages`). The caller migrates the
 *    faulted pages (cause fault) and the prefetch set (cause prefetch) as separate transfers, one per
 *    contiguous run with the same cause (`block_copy_resident_pages_between`, §2.4).
 *
 * With the prefetcher disabled (`policy.prefetch: off`) nothing is prefetched: faults migrate at 4 KiB. Masks are block-relative (index 0..511) Uint8Arrays, reused across calls.
 */
export const PAGES_PER_BLOCK = 512;
export const PAGES_PER_BIG_PAGE = 16;

export class Prefetcher {
  private readonly prefix = new Int32Array(PAGES_PER_BLOCK + 1);
  /** the tree's bitmap of faulted pages: the faulted mask with faulted big pages filled */
  private readonly filled = new Uint8Array(PAGES_PER_BLOCK);

  constructor(readonly enabled: boolean, readonly threshold: number) {}

  /**
   * @param resident pages already resident on the destination (read)
   * @param faulted  pages faulted in this batch (read only)
   * @param thrashing pages flagged thrashing (never grown into), or null
   * @param first,outer the block's valid page region [first, outer)
   * @param prefetch output: set to 1 for pages to prefetch (the region is cleared first)
   * @param unmapped resident pages the destination has no mapping for, or null: they stay in the
   *   prefetch set, to be mapped (CPU destination: the driver drops only resident pages that are
   *   CPU-mapped, `uvm_perf_prefetch_prenotify_fault_migrations`)
   */
  compute(resident: Uint8Array, faulted: Uint8Array, thrashing: Uint8Array | null, first: number, outer: number, prefetch: Uint8Array, unmapped: Uint8Array | null = null): void {
    prefetch.fill(0, first, outer);
    if (!this.enabled) return;
    const filled = this.filled;
    filled.set(faulted);
    this.growToBigPages(filled, thrashing, first, outer);
    const prefix = this.prefix;
    prefix.fill(0, 0, first + 1);
    for (let i = first; i < outer; i++) prefix[i + 1] = prefix[i]! + (resident[i]! | filled[i]!);
    const base = first - (first % PAGES_PER_BIG_PAGE);
    const leafCount = outer - base;
    let levels = 1;
    while (1 << (levels - 1) < leafCount) levels++;
    const thr = this.threshold;
    let coveredEnd = -1;
    for (let p = first; p < outer; p++) {
      if (!faulted[p] || p < coveredEnd) continue;
      const leaf = p - base;
      let bestLo = -1;
      let bestHi = -1;
      for (let level = 0; level < levels; level++) {
        const lo = (leaf >> level) << level;
        const hi = Math.min(lo + (1 << level), leafCount);
        const count = prefix[base + hi]! - prefix[Math.max(base + lo, first)]!;
        if (count * 100 > (hi - lo) * thr) { bestLo = lo; bestHi = hi; }
      }
      if (bestLo < 0) continue;
      const lo = Math.max(base + bestLo, first);
      const hi = base + bestHi;
      prefetch.fill(1, lo, hi);
      coveredEnd = hi;
    }
    for (let i = first; i < outer; i++) if (faulted[i] || (resident[i] && !(unmapped && unmapped[i]))) prefetch[i] = 0;
  }

  private growToBigPages(faulted: Uint8Array, thrashing: Uint8Array | null, first: number, outer: number): void {
    for (let bp = first - (first % PAGES_PER_BIG_PAGE); bp < outer; bp += PAGES_PER_BIG_PAGE) {
      const lo = Math.max(bp, first);
      const hi = Math.min(bp + PAGES_PER_BIG_PAGE, outer);
      let any = 0;
      let thrash = 0;
      for (let i = lo; i < hi; i++) { any |= faulted[i]!; if (thrashing) thrash |= thrashing[i]!; }
      if (any && !thrash) faulted.fill(1, lo, hi);
    }
  }
}
