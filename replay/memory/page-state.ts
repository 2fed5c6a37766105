/**
 * Per-page and per-block state of the model, in typed arrays indexed by dense page / block index
 * (address-map.ts). This is the page state machine of REFERENCE.md §1.12 spread over columns:
 *
 *   loc        owner memory + 1 (0 = UNPOPULATED); the memory's kind and coherence say whether it
 *              is SYS, DEV_PRIVATE(d) or DEV_COHERENT(d)
 *   dup        read-duplicate copies (bit per memory index; §2.3 rule 2, read_mostly)
 *   remote     processors (bit per memory index of the accessing agent) holding a remote mapping
 *   flags      FLAG_* bits below (valid, CPU PTE, pinned, peer/NIC mapped, read-mostly, thrash-pin)
 *   preferred  preferred location (memory index, -1 none); accessedBy: bit per memory index
 *   thrashing  last fault-migration time, consecutive events, throttles, pin-until (§2.7)
 *   readyAt    modeled time of the page's last state change (a migration's end): a later fault on the
 *              page by any agent is serviced no earlier (causality across agents' clocks)
 *
 * Up to 8 memories (bits in a Uint8Array), which covers every preset.
 */
import { PAGES_PER_BLOCK } from './prefetcher.ts';

export const FLAG_VALID = 1;        // page belongs to a live allocation
export const FLAG_CPU_PTE = 2;      // the CPU has a valid PTE (driver objects: devobj)
export const FLAG_PINNED = 4;       // registered/pinned: may not migrate (RDMA pinned, §1.10)
export const FLAG_PEER_MAPPED = 8;  // mapped into a BAR for a peer (p2p/exporter.ts)
export const FLAG_NIC_MAPPED = 16;  // present in a NIC's ODP page table (p2p/rdma-registration.ts)
export const FLAG_READ_MOSTLY = 32; // cudaMemAdviseSetReadMostly (§2.3 rule 2)
export const FLAG_THRASH_PIN = 64;  // thrashing mitigation pinned it (§2.7)
export const FLAG_CPU_UNMAPPED = 128; // managed page evicted to system memory: resident there, no CPU PTE yet (§2.5)

export const MAX_MEMORIES = 8;

export class PageState {
  pages = 0;
  blocks = 0;
  loc = new Uint8Array(0);
  /** `loc` viewed four pages at a time (the same memory; block-bits.ts markEqual) */
  loc32 = new Uint32Array(0);
  dup = new Uint8Array(0);
  remote = new Uint8Array(0);
  flags = new Uint8Array(0);
  preferred = new Int8Array(0);
  accessedBy = new Uint8Array(0);
  lastMigrate = new Float64Array(0);
  thrashEvents = new Uint8Array(0);
  throttles = new Uint8Array(0);
  pinUntil = new Float64Array(0);
  /** the latest `pinUntil` ever set (-Infinity: none): no page is pinned at a time at or after it,
   * so a fault then skips the per-page pin test */
  pinHorizon = -Infinity;
  readyAt = new Float64Array(0);
  /** whether any page ever got a read duplicate (migrator.ts duplicateMasked): while false, every
   * `dup` entry is 0 and a move skips clearing them page by page */
  everDuplicated = false;
  /** id of the fault batch a page was last queued in (coalescing, §2.2 step 2) */
  batchMark = new Int32Array(0);
  // per block
  blockAlloc = new Int32Array(0);
  blockFirst = new Uint16Array(0);
  blockOuter = new Uint16Array(0);
  /** pages held (owned or duplicated) per block per memory: [block * memories + m] */
  held = new Int32Array(0);

  constructor(readonly memories: number) {}

  /**
   * Grows every array to hold `blocks` blocks: by half again (amortised), or exactly to `blocks` when
   * that is more — one allocation is usually one call, and sizing it exactly spares copying and
   * zero-filling (a 48 GiB trace has ~40 bytes of state per 4 KiB page) a capacity never used.
   */
  ensureBlocks(blocks: number): void {
    if (blocks <= this.blocks) return;
    const cap = Math.max(4, blocks, Math.floor(this.blocks * 1.5));
    const P = cap * PAGES_PER_BLOCK;
    const g = <T extends Float64Array | Int32Array | Uint8Array | Int8Array | Uint16Array>(a: T, n: number, fill = 0): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      if (fill !== 0) b.fill(fill as never);
      b.set(a as never);
      return b;
    };
    this.loc = g(this.loc, P); this.loc32 = new Uint32Array(this.loc.buffer, 0, P >> 2); this.dup = g(this.dup, P); this.remote = g(this.remote, P); this.flags = g(this.flags, P);
    this.preferred = g(this.preferred, P, -1); this.accessedBy = g(this.accessedBy, P);
    this.lastMigrate = g(this.lastMigrate, P, -Infinity); this.thrashEvents = g(this.thrashEvents, P);
    this.throttles = g(this.throttles, P); this.pinUntil = g(this.pinUntil, P); this.readyAt = g(this.readyAt, P); this.batchMark = g(this.batchMark, P, -1);
    this.blockAlloc = g(this.blockAlloc, cap, -1); this.blockFirst = g(this.blockFirst, cap); this.blockOuter = g(this.blockOuter, cap);
    this.held = g(this.held, cap * this.memories);
    this.blocks = cap;
    this.pages = P;
  }
}
