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
 *
 * The computation runs on 512-bit bitmaps (block-bits.ts): the tree's node counts are popcounts of
 * a few words (a running count per word gives any range's count in O(1)), so one fault costs a few
 * dozen word operations rather than passes over 512 pages.
 */
import { BLOCK_WORDS, bytesToBits, MaskWords, PAGES_PER_BLOCK, popcount32, rangeBits, wordRange } from './block-bits.ts';

export { PAGES_PER_BLOCK } from './block-bits.ts';
export const PAGES_PER_BIG_PAGE = 16;

export class Prefetcher {
  /** pages set in the prefetch mask by the last compute() */
  count = 0;
  /** the last compute()'s prefetch pages all lie in [spanLo, spanHi) (empty when count is 0) */
  spanLo = 0;
  spanHi = 0;
  private readonly valid = new Int32Array(BLOCK_WORDS);
  private readonly faultedBits = new Int32Array(BLOCK_WORDS);
  private readonly residentBits = new Int32Array(BLOCK_WORDS);
  private readonly thrashBits = new Int32Array(BLOCK_WORDS);
  private readonly unmappedBits = new Int32Array(BLOCK_WORDS);
  /** the tree's bitmap: resident, or faulted with faulted big pages filled, within the valid region */
  private readonly tree = new Int32Array(BLOCK_WORDS);
  /** set bits of `tree` in the words before word w */
  private readonly before = new Int32Array(BLOCK_WORDS + 1);
  private readonly out = new Int32Array(BLOCK_WORDS);
  private readonly faultedWords = new MaskWords();
  private readonly residentWords = new MaskWords();
  private readonly thrashWords = new MaskWords();
  private readonly unmappedWords = new MaskWords();

  constructor(readonly enabled: boolean, readonly threshold: number) {}

  /**
   * @param resident pages already resident on the destination (read)
   * @param faulted  pages faulted in this batch (read only)
   * @param thrashing pages flagged thrashing (never grown into), or null
   * @param first,outer the block's valid page region [first, outer)
   * @param prefetch output: set to 1 for pages to prefetch (the region is cleared first); `count` says how many
   * @param unmapped resident pages the destination has no mapping for, or null: they stay in the
   *   prefetch set, to be mapped (CPU destination: the driver drops only resident pages that are
   *   CPU-mapped, `uvm_perf_prefetch_prenotify_fault_migrations`)
   */
  compute(resident: Uint8Array, faulted: Uint8Array, thrashing: Uint8Array | null, first: number, outer: number, prefetch: Uint8Array, unmapped: Uint8Array | null = null): void {
    prefetch.fill(0, first, outer);
    this.count = 0;
    this.spanLo = this.spanHi = first;
    if (!this.enabled) return;
    const V = this.valid;
    const F = this.faultedBits;
    rangeBits(V, first, outer);
    bytesToBits(faulted, this.faultedWords.of(faulted), F);
    let anyFault = 0;
    for (let w = 0; w < BLOCK_WORDS; w++) anyFault |= (F[w]! &= V[w]!);
    if (anyFault === 0) return; // no faulted page in the region: no tree node is walked
    const R = this.residentBits;
    const T = this.thrashBits;
    bytesToBits(resident, this.residentWords.of(resident), R);
    if (thrashing) bytesToBits(thrashing, this.thrashWords.of(thrashing), T); else T.fill(0);
    // Step 1: faulted big pages (16 pages = half a word; big pages are aligned to 16 within the block)
    // filled whole within the valid region, unless a valid page of that big page is thrashing.
    const tree = this.tree;
    const before = this.before;
    before[0] = 0;
    for (let w = 0; w < BLOCK_WORDS; w++) {
      const v = V[w]!;
      const t = T[w]! & v;
      let filled = F[w]!;
      if ((filled & 0xffff) !== 0 && (t & 0xffff) === 0) filled |= v & 0xffff;
      if ((filled & ~0xffff) !== 0 && (t & ~0xffff) === 0) filled |= v & ~0xffff;
      tree[w] = (R[w]! | filled) & v;
      before[w + 1] = before[w]! + popcount32(tree[w]!);
    }
    // Step 3: walk up from each faulted page (ascending; a page inside the last chosen region is skipped).
    const base = first - (first % PAGES_PER_BIG_PAGE);
    const leafCount = outer - base;
    let levels = 1;
    while (1 << (levels - 1) < leafCount) levels++;
    const thr = this.threshold;
    const out = this.out;
    out.fill(0);
    let coveredEnd = -1;
    for (let w = 0; w < BLOCK_WORDS; w++) {
      let x = F[w]!;
      while (x !== 0) {
        const low = x & -x;
        x ^= low;
        const p = (w << 5) + 31 - Math.clz32(low);
        if (p < coveredEnd) continue;
        const leaf = p - base;
        let bestLo = -1;
        let bestHi = -1;
        for (let level = 0; level < levels; level++) {
          const lo = (leaf >> level) << level;
          const hi = Math.min(lo + (1 << level), leafCount);
          const count = this.countBefore(base + hi) - this.countBefore(Math.max(base + lo, first));
          if (count * 100 > (hi - lo) * thr) { bestLo = lo; bestHi = hi; }
        }
        if (bestLo < 0) continue;
        const lo = Math.max(base + bestLo, first);
        const hi = base + bestHi;
        for (let v = lo >> 5; v <= (hi - 1) >> 5; v++) out[v]! |= wordRange(Math.max(lo - (v << 5), 0), Math.min(hi - (v << 5), 32));
        coveredEnd = hi;
      }
    }
    // Step 4: minus the faulted pages and the pages already resident (but for resident pages the
    // destination has no mapping for: those stay, to be mapped).
    const U = this.unmappedBits;
    if (unmapped) bytesToBits(unmapped, this.unmappedWords.of(unmapped), U); else U.fill(0);
    let count = 0;
    let spanLo = outer;
    let spanHi = first;
    for (let w = 0; w < BLOCK_WORDS; w++) {
      let x = out[w]! & ~(F[w]! | (R[w]! & ~U[w]!));
      if (x === 0) continue;
      count += popcount32(x);
      spanLo = Math.min(spanLo, (w << 5) + 31 - Math.clz32(x & -x));
      spanHi = (w << 5) + 32 - Math.clz32(x);
      while (x !== 0) {
        const low = x & -x;
        x ^= low;
        prefetch[(w << 5) + 31 - Math.clz32(low)] = 1;
      }
    }
    this.count = count;
    if (count > 0) { this.spanLo = spanLo; this.spanHi = spanHi; }
  }

  /** Set bits of the tree's bitmap below block-relative page `x` (0..512). */
  private countBefore(x: number): number {
    const w = x >> 5;
    const r = x & 31;
    return r === 0 ? this.before[w]! : this.before[w]! + popcount32(this.tree[w]! & ((1 << r) - 1));
  }
}
