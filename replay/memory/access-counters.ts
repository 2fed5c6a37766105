/**
 * GPU access counters (REFERENCE.md §2.6, `uvm_gpu_access_counters.c`): remote accesses of a GPU to
 * memory it does not hold are counted per 2 MiB granule (the default granularity); every
 * `access_counter_threshold` accesses a notification fires. The hardware also reports which of the
 * granule's 32 sub-granularity regions (2 MiB / `UVM_SUB_GRANULARITY_REGIONS` = 64 KiB each,
 * `init_access_counter_types_config`) were accessed: this class keeps that 32-bit mask per granule and
 * GPU. One access row that touches a granule counts as one access. What a notification migrates is
 * `notificationPages` below; migrations happen only when access-counter migrations are enabled
 * (`policy.access_counters`, on by default only on ATS systems such as GH200).
 */
import { PAGES_PER_BLOCK } from './prefetcher.ts';

/** Sub-granularity regions per 2 MiB granule (`UVM_SUB_GRANULARITY_REGIONS`). */
export const SUB_REGIONS = 32;
/** 4 KiB pages per sub-granularity region: 2 MiB / 32 = 64 KiB. */
export const PAGES_PER_SUB_REGION = PAGES_PER_BLOCK / SUB_REGIONS;

export class AccessCounters {
  private counts = new Int32Array(0);
  private regions = new Uint32Array(0);

  constructor(readonly gpus: number, readonly threshold: number) {}

  ensure(blocks: number): void {
    if (blocks * this.gpus <= this.counts.length) return;
    const c = new Int32Array(blocks * this.gpus);
    c.set(this.counts);
    this.counts = c;
    const r = new Uint32Array(blocks * this.gpus);
    r.set(this.regions);
    this.regions = r;
  }

  /**
   * Counts one access of GPU `g` to block `b` that touched the sub-regions in `regionBits` (bit i =
   * pages [16i, 16i+16) of the block); true when it crosses the threshold (then the count resets; the
   * accessed-region mask is handed out by `takeRegions`).
   */
  note(g: number, b: number, regionBits: number): boolean {
    const k = b * this.gpus + g;
    this.regions[k] = (this.regions[k]! | regionBits) >>> 0;
    const c = this.counts[k]! + 1;
    if (c >= this.threshold) { this.counts[k] = 0; return true; }
    this.counts[k] = c;
    return false;
  }

  /** The accessed sub-regions of block `b` by GPU `g` since the last notification; clears them. */
  takeRegions(g: number, b: number): number {
    const k = b * this.gpus + g;
    const r = this.regions[k]!;
    this.regions[k] = 0;
    return r;
  }

  reset(g: number, b: number): void { this.counts[b * this.gpus + g] = 0; this.regions[b * this.gpus + g] = 0; }
}

/** Bit of the sub-granularity region holding block-relative page `i`. */
export function subRegionBit(i: number): number { return (1 << ((i / PAGES_PER_SUB_REGION) | 0)) >>> 0; }

/**
 * The pages one access-counter notification migrates (`expand_notification_block`,
 * uvm_gpu_access_counters.c, REFERENCE.md §2.6 corrected):
 * - when the source chunk is not physically 2 MiB (`uvm_va_block_get_physical_size` ≠ the 2 MiB
 *   granularity): only the notified page;
 * - when it is: the accessed 64 KiB sub-regions (`for_each_sub_granularity_region`), intersected with
 *   the pages resident at the source (`uvm_page_mask_and(accessed_pages, …, resident_mask)`).
 *
 * `physical2M` stands for "the source holds the block in one 2 MiB chunk". The model has no physical
 * chunk sizes; the caller decides it as "the source holds every page of a full 2 MiB block" (a GPU
 * root chunk is 2 MiB, §2.1; the CPU allocates 2 MiB chunks when it can, `UVM_CPU_CHUNK_SIZES`,
 * uvm_pmm_sysmem.h) — a simplification: a block populated piecewise may sit in smaller chunks.
 * `notified` is the block-relative page of the access that crossed the threshold [simplification: the
 * hardware reports an address inside the counted granule, get_address in
 * uvm_turing_access_counter_buffer.c]. Leaves out the prefetcher's additions (`may_prefetch`).
 * Writes the mask into `out` (block-relative, 0..511); `resident[i]` = page i is at the source.
 */
export function notificationPages(physical2M: boolean, notified: number, regionBits: number, resident: (i: number) => boolean, out: Uint8Array): void {
  out.fill(0);
  if (!physical2M) { if (resident(notified)) out[notified] = 1; return; }
  for (let r = 0; r < SUB_REGIONS; r++) {
    if (!((regionBits >>> r) & 1)) continue;
    for (let i = r * PAGES_PER_SUB_REGION; i < (r + 1) * PAGES_PER_SUB_REGION; i++) if (resident(i)) out[i] = 1;
  }
}
