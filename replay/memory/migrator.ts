/**
 * The migration engine: moves runs of pages between memories over the interconnect (one transfer and
 * one event per contiguous run with the same source), populates unpopulated pages in place, keeps read
 * duplicates (§2.3 rule 2, §2.7), and makes room in a full device memory by evicting root chunks
 * (§2.5). Every transfer goes through the links (interconnect/links.ts); every residency change goes to
 * the page state, the chunk LRU and the resident-bytes log.
 */
import { PAGE_SIZE } from '../../ingest/trace/units.ts';
import type { EventIds } from '../event-ids.ts';
import type { EventLog } from '../events.ts';
import type { Links } from '../interconnect/links.ts';
import type { AddressMap } from './address-map.ts';
import type { AgentClocks } from './agent-clocks.ts';
import type { ChunkLru } from './eviction.ts';
import type { MigratedBytes } from './migrated-bytes.ts';
import type { PageAddresses } from './page-addresses.ts';
import { isHmm } from './kinds.ts';
import { FLAG_CPU_UNMAPPED, FLAG_NIC_MAPPED, FLAG_PEER_MAPPED, type PageState } from './page-state.ts';
import type { PlatformIndex } from './platform-index.ts';
import { markEqual, MaskWords, nextSet } from './block-bits.ts';
import { PAGES_PER_BLOCK } from './prefetcher.ts';
import type { TripleLog } from './triple-log.ts';

/**
 * Called before a run of pages [p, p+n) that includes peer-/NIC-mapped pages migrates from `src` to
 * `dst` (ODP invalidation, move_notify). Returns the time the migration may start (≥ t).
 */
export type BeforeMappedMove = (t: number, p: number, n: number, src: number, dst: number) => number;

/** What moves pages: the narrow face the fault service, explicit ops and the P2P parts use. */
export interface PageMover {
  migrateMasked(t: number, agent: number, b: number, mask: Uint8Array, dst: number, cause: number): number;
  populate(t: number, p: number, dst: number): void;
  moveAllocation(t: number, agent: number, id: number, dst: number, cause: number, kind: number): { end: number; bytes: number };
}

export interface MigratorParts {
  index: PlatformIndex; state: PageState; map: AddressMap; lru: ChunkLru; links: Links; events: EventLog; ids: EventIds;
  clocks: AgentClocks; pages: PageAddresses; residentLog: TripleLog; migrated: MigratedBytes;
  /** cost.transfer_fixed: fixed cost of each migration transfer (ns) */
  transferFixed: number;
  /** null when no mapping can hold migratable pages (no ODP registration) */
  beforeMappedMove: BeforeMappedMove | null;
}

/** Runs at least this long are written with `TypedArray.fill` (a native fill beats the loop from here). */
const BULK_PAGES = 16;

export class Migrator implements PageMover {
  private readonly one = new Uint8Array(PAGES_PER_BLOCK);
  private readonly victimMask = new Uint8Array(PAGES_PER_BLOCK);
  /** word views of the masks migrateMasked is given (the callers reuse a handful of arrays) */
  private readonly maskWords = new MaskWords(8);

  constructor(private readonly x: MigratorParts) {}

  /**
   * Moves the masked pages of block `b` to memory `dst` at time `t`: one transfer and one `migrate`
   * row per contiguous run with the same source; unpopulated pages are populated in place (zero-fill,
   * no transfer). Allocates/evicts the destination chunk first. Returns when the last transfer ends.
   */
  migrateMasked(t: number, agent: number, b: number, mask: Uint8Array, dst: number, cause: number): number {
    const s = this.x.state;
    const base = b * PAGES_PER_BLOCK;
    const first = s.blockFirst[b]!;
    const outer = s.blockOuter[b]!;
    const words = this.maskWords.of(mask);
    if (nextSet(mask, words, first, outer) === outer) return t;
    const g = this.x.index.memGpu[dst]!;
    const lru = this.x.lru;
    // The copy into a chunk freed by eviction waits for the eviction's copy out of it: `pmm_gpu_alloc`
    // (uvm_pmm_gpu.c) hands the root chunk's tracker, which holds the eviction copy
    // (`evict_root_chunk_from_va_block`), to the allocating caller, whose copy then depends on it.
    if (g >= 0 && !lru.has(g, b)) t = this.makeRoom(t, g, b);
    let done = t;
    for (let i = first; i < outer;) {
      if (!mask[i]) { i = nextSet(mask, words, i + 1, outer); continue; }
      const src = s.loc[base + i]! - 1;
      let j = i + 1;
      while (j < outer && mask[j] && s.loc[base + j]! - 1 === src) j++;
      if (src === dst) { i = j; continue; }
      if (src < 0) {
        for (let k = i; k < j; k++) this.populate(t, base + k, dst);
      } else {
        done = Math.max(done, this.move(t, agent, base + i, j - i, src, dst, cause, this.x.ids.kind.migrate));
      }
      i = j;
    }
    if (g >= 0) lru.touch(g, b);
    return done;
  }

  /** Moves the single page `p` to `dst` (see migrateMasked). */
  migratePage(t: number, agent: number, p: number, dst: number, cause: number): number {
    const b = (p / PAGES_PER_BLOCK) | 0;
    const f = this.one;
    f.fill(0);
    f[p - b * PAGES_PER_BLOCK] = 1;
    return this.migrateMasked(t, agent, b, f, dst, cause);
  }

  /** Moves a run of pages [p, p+n) owned by `src` to `dst` (one transfer, one event of `kind`:
   * `migrate`, or `bo_move` for driver-object moves). Returns when the transfer ends. */
  private move(t: number, agent: number, p: number, n: number, src: number, dst: number, cause: number, kind: number): number {
    const { state: s, index, links, residentLog } = this.x;
    const bytes = n * PAGE_SIZE;
    const hook = this.x.beforeMappedMove;
    if (hook) {
      let mapped = 0;
      for (let k = p; k < p + n; k++) mapped |= s.flags[k]!;
      if (mapped & (FLAG_NIC_MAPPED | FLAG_PEER_MAPPED)) t = hook(t, p, n, src, dst);
    }
    const end = links.transfer(index.memPath(src, dst), t, bytes, this.x.transferFixed);
    const start = links.lastStart;
    this.x.events.emit(start, end - start, kind, index.agentEventId[agent]!, index.memEventId[src]!, index.memEventId[dst]!,
      this.x.pages.pageAddr(p), bytes, cause, this.x.pages.objOfPage(p));
    const b = (p / PAGES_PER_BLOCK) | 0;
    const M = s.memories;
    // Eviction skips thrashing detection ("we cannot take the VA space lock", `thrashing_event_cb`,
    // uvm_perf_thrashing.c): it does not count as the page's last migration.
    const thrashEvent = cause !== this.x.ids.cause.eviction;
    const q = p + n;
    // Every other copy and remote mapping of the page is invalidated (§1.3: unmapped during migration).
    if (s.everDuplicated) {
      for (let k = p; k < q; k++) {
        const d = s.dup[k]!;
        if (d) for (let m = 0; m < M; m++) if (d & (1 << m)) { s.held[b * M + m]!--; residentLog.push(start, m, -PAGE_SIZE); }
        s.dup[k] = 0;
      }
    }
    for (let k = p; k < q; k++) s.flags[k]! &= ~FLAG_CPU_UNMAPPED;
    if (n >= BULK_PAGES) {
      s.remote.fill(0, p, q);
      s.loc.fill(dst + 1, p, q);
      if (thrashEvent) s.lastMigrate.fill(t, p, q);
      s.readyAt.fill(end, p, q);
    } else {
      for (let k = p; k < q; k++) {
        s.remote[k] = 0;
        s.loc[k] = dst + 1;
        if (thrashEvent) s.lastMigrate[k] = t;
        s.readyAt[k] = end;
      }
    }
    s.held[b * M + src]! -= n;
    s.held[b * M + dst]! += n;
    residentLog.push(start, src, -bytes);
    residentLog.push(end, dst, bytes);
    this.releaseIfEmpty(b, src);
    this.x.migrated.add(bytes);
    this.x.clocks.noteEnd(end);
    return end;
  }

  /** Places unpopulated page `p` in memory `dst` (zero-fill: no transfer). */
  populate(t: number, p: number, dst: number): void {
    const s = this.x.state;
    const b = (p / PAGES_PER_BLOCK) | 0;
    const g = this.x.index.memGpu[dst]!;
    if (g >= 0 && !this.x.lru.has(g, b)) { t = this.makeRoom(t, g, b); this.x.lru.touch(g, b); } // after the eviction (migrateMasked)
    s.loc[p] = dst + 1;
    s.held[b * s.memories + dst]!++;
    this.x.residentLog.push(t, dst, PAGE_SIZE);
  }

  /**
   * Read duplication (§2.3 rule 2): copy the masked pages of block `b` to `dst`; owners keep theirs.
   * One transfer and one `duplicate` row per contiguous run with the same owner.
   */
  duplicateMasked(t: number, agent: number, b: number, mask: Uint8Array, dst: number): number {
    const { state: s, index, links } = this.x;
    const base = b * PAGES_PER_BLOCK;
    const g = index.memGpu[dst]!;
    if (g >= 0 && !this.x.lru.has(g, b)) t = this.makeRoom(t, g, b); // after the eviction (migrateMasked)
    let done = t;
    for (let i = s.blockFirst[b]!; i < s.blockOuter[b]!;) {
      if (!mask[i]) { i++; continue; }
      const src = s.loc[base + i]! - 1;
      let j = i + 1;
      while (j < s.blockOuter[b]! && mask[j] && s.loc[base + j]! - 1 === src) j++;
      const bytes = (j - i) * PAGE_SIZE;
      const end = links.transfer(index.memPath(src, dst), t, bytes, this.x.transferFixed);
      this.x.events.emit(links.lastStart, end - links.lastStart, this.x.ids.kind.duplicate, index.agentEventId[agent]!, index.memEventId[src]!,
        index.memEventId[dst]!, this.x.pages.pageAddr(base + i), bytes, this.x.ids.cause.fault, this.x.pages.objOfPage(base + i));
      s.everDuplicated = true;
      for (let k = base + i; k < base + j; k++) { s.dup[k]! |= 1 << dst; if (end > s.readyAt[k]!) s.readyAt[k] = end; }
      s.held[b * s.memories + dst]! += j - i;
      this.x.residentLog.push(end, dst, bytes);
      this.x.clocks.noteEnd(end);
      done = Math.max(done, end);
      i = j;
    }
    if (g >= 0) this.x.lru.touch(g, b);
    return done;
  }

  /** A write breaks read duplication (§2.7 `break_read_duplication_in_region`): drop the other copies. */
  breakDuplication(t: number, p: number, writer: number): void {
    const s = this.x.state;
    const log = this.x.residentLog;
    const b = (p / PAGES_PER_BLOCK) | 0;
    const M = s.memories;
    const owner = s.loc[p]! - 1;
    if (t > s.readyAt[p]!) s.readyAt[p] = t;
    if (owner !== writer) {
      // The writer holds a copy: it becomes the owner; the old owner's copy is dropped.
      s.held[b * M + owner]!--; log.push(t, owner, -PAGE_SIZE);
      s.dup[p]! &= ~(1 << writer);
      s.loc[p] = writer + 1;
      this.releaseIfEmpty(b, owner);
    }
    const d = s.dup[p]!;
    for (let m = 0; m < M; m++) if (d & (1 << m)) { s.held[b * M + m]!--; log.push(t, m, -PAGE_SIZE); this.releaseIfEmpty(b, m); }
    s.dup[p] = 0;
  }

  private releaseIfEmpty(b: number, m: number): void {
    const g = this.x.index.memGpu[m]!;
    if (g >= 0 && this.x.state.held[b * this.x.state.memories + m] === 0) this.x.lru.release(g, b);
  }

  /**
   * Device memory full → evict root chunks (§2.5) until block `b` can get one on GPU `g`: all pages
   * of the victim chunk go to system memory (cause `eviction`), one VA block at a time.
   */
  private makeRoom(t: number, g: number, b: number): number {
    const { state: s, index, lru, residentLog, ids } = this.x;
    let done = t;
    const M = s.memories;
    const mem = index.gpuMem(g);
    const home = index.memHome[mem]!;
    const gpuAgent = index.gpuAgents[g]!;
    while (lru.isFull(g, b)) {
      const v = lru.victim(g, b);
      if (v < 0) break; // nothing evictable: over-commit rather than fail
      const base = v * PAGES_PER_BLOCK;
      const before = s.held[v * M + mem]!;
      let evictEnd = t;
      const f = this.victimMask;
      f.fill(0);
      const owned = markEqual(s.loc, s.loc32, base, s.blockFirst[v]!, s.blockOuter[v]!, mem + 1, f, this.maskWords.of(f));
      // Duplicates are simply dropped; owned pages move home. (`held` counts owned and duplicated
      // pages: when it equals the owned count the block holds no duplicate here.)
      if (before > owned) {
        for (let i = s.blockFirst[v]!; i < s.blockOuter[v]!; i++) {
          const p = base + i;
          if (s.dup[p]! & (1 << mem)) { s.dup[p]! &= ~(1 << mem); s.held[v * M + mem]!--; residentLog.push(t, mem, -PAGE_SIZE); }
        }
      }
      // Eviction makes managed pages resident in system memory without CPU mappings: it "cannot take
      // this block's VA space or mmap_lock locks" (`uvm_va_block_evict_chunks`, uvm_va_block.c), so
      // the CPU's next touch faults to map them (fault-service.ts cpuFault). HMM eviction goes through
      // migrate_vma, which installs the CPU PTEs (§1.3), so HMM pages stay mapped.
      const unmap = !isHmm(this.x.map.memKind[s.blockAlloc[v]!]!);
      const fw = this.maskWords.of(f);
      for (let i = s.blockFirst[v]!; i < s.blockOuter[v]!;) {
        if (!f[i]) { i = nextSet(f, fw, i + 1, s.blockOuter[v]!); continue; }
        let j = i + 1;
        while (j < s.blockOuter[v]! && f[j]) j++;
        evictEnd = Math.max(evictEnd, this.move(t, gpuAgent, base + i, j - i, mem, home, ids.cause.eviction, ids.kind.migrate));
        if (unmap) for (let k = base + i; k < base + j; k++) s.flags[k]! |= FLAG_CPU_UNMAPPED; // after move, which clears it
        i = j;
      }
      this.x.migrated.discard();
      this.x.events.emit(t, evictEnd - t, ids.kind.evict, index.agentEventId[gpuAgent]!, index.memEventId[mem]!, index.memEventId[home]!,
        this.x.pages.blockAddr(v), before * PAGE_SIZE, ids.cause.eviction, this.x.pages.objOfPage(base));
      lru.release(g, v);
      done = Math.max(done, evictEnd);
    }
    return done;
  }

  /**
   * Moves every page of allocation `id` held elsewhere to memory `dst`, as one driver operation (TTM
   * buffer move: exporter fallback, CPU fault outside the visible BAR, §1.8): one `kind` row per
   * contiguous run. Returns when the last transfer ends and how many bytes moved.
   */
  moveAllocation(t: number, agent: number, id: number, dst: number, cause: number, kind: number): { end: number; bytes: number } {
    const s = this.x.state;
    const map = this.x.map;
    let done = t;
    let moved = 0;
    for (let b = map.denseBlock(id, map.start[id]!); b <= map.denseBlock(id, map.end[id]! - 1); b++) {
      const base = b * PAGES_PER_BLOCK;
      const outer = s.blockOuter[b]!;
      for (let i = s.blockFirst[b]!; i < outer;) {
        const src = s.loc[base + i]! - 1;
        let j = i + 1;
        while (j < outer && s.loc[base + j]! - 1 === src) j++;
        if (src >= 0 && src !== dst) { done = Math.max(done, this.move(t, agent, base + i, j - i, src, dst, cause, kind)); moved += (j - i) * PAGE_SIZE; }
        i = j;
      }
    }
    this.x.migrated.discard();
    return { end: done, bytes: moved };
  }
}
