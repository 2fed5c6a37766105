/**
 * The allocation lifecycle: an `alloc` row registers the range (address-map.ts), marks its pages valid
 * in the page state and fixes the placement of memory that never migrates; a `free` row lets go of
 * whatever maps the object first (observers: peer mappings, RDMA registrations, driver objects), then
 * of its pages.
 */
import { PAGE_SIZE, VA_BLOCK_SIZE } from '../../ingest/trace/units.ts';
import type { AccessCounters } from './access-counters.ts';
import type { AddressMap } from './address-map.ts';
import type { ChunkLru } from './eviction.ts';
import { AGENT_CPU, AGENT_GPU, KIND_DEVICE, KIND_DEVOBJ, KIND_PINNED } from './kinds.ts';
import { FLAG_PINNED, FLAG_VALID, type PageState } from './page-state.ts';
import type { PlatformIndex } from './platform-index.ts';
import { PAGES_PER_BLOCK } from './prefetcher.ts';
import type { TripleLog } from './triple-log.ts';

/** Per-allocation state kept elsewhere (P2P mappings, registrations, driver objects). */
export interface AllocationObserver {
  /** Grows per-allocation tables to `n` allocations. */
  ensure(n: number): void;
  /** Allocation `id` is being freed at time `t` (before its pages go). */
  onFree(t: number, id: number): void;
}

export interface AllocationParts {
  index: PlatformIndex; state: PageState; map: AddressMap; lru: ChunkLru; counters: AccessCounters; residentLog: TripleLog;
  observers: readonly AllocationObserver[];
}

export class Allocations {
  constructor(private readonly x: AllocationParts) {}

  /** Registers an allocation; returns its id or a problem string. */
  alloc(t: number, agent: number, peer: number, addr: number, bytes: number, memKind: number, obj: number): number | string {
    const { map, state: s, index, lru } = this.x;
    const id = map.add(addr, bytes, memKind, obj, agent);
    if (typeof id === 'string') return id;
    for (const o of this.x.observers) o.ensure(id + 1);
    const b0 = map.denseBlock(id, addr);
    const b1 = map.denseBlock(id, addr + bytes - 1);
    s.ensureBlocks(b1 + 1);
    lru.ensure(s.blocks);
    this.x.counters.ensure(s.blocks);
    for (let b = b0; b <= b1; b++) {
      const blockVa = (b - map.firstBlock[id]!) * VA_BLOCK_SIZE;
      const first = Math.max(0, Math.floor((addr - blockVa) / PAGE_SIZE));
      const outer = Math.min(PAGES_PER_BLOCK, Math.ceil((addr + bytes - blockVa) / PAGE_SIZE));
      s.blockAlloc[b] = id;
      s.blockFirst[b] = first;
      s.blockOuter[b] = outer;
      s.flags.fill(FLAG_VALID, b * PAGES_PER_BLOCK + first, b * PAGES_PER_BLOCK + outer);
    }
    // Fixed placements: device memory on its GPU (never evicted), pinned/pageable host memory in RAM.
    let home = -1;
    if (memKind === KIND_DEVICE || memKind === KIND_DEVOBJ) {
      const g = index.agentKind[agent] === AGENT_GPU ? agent : peer >= 0 && index.agentKind[peer] === AGENT_GPU ? peer : index.gpuAgents[0] ?? -1;
      home = g >= 0 ? index.agentMem[g]! : 0;
    } else if (memKind === KIND_PINNED) {
      home = index.agentKind[agent] === AGENT_CPU ? index.agentMem[agent]! : 0;
    }
    if (home >= 0) {
      for (let b = b0; b <= b1; b++) {
        const lo = b * PAGES_PER_BLOCK + s.blockFirst[b]!;
        const hi = b * PAGES_PER_BLOCK + s.blockOuter[b]!;
        s.loc.fill(home + 1, lo, hi);
        // Page-locked host memory and device allocations never migrate (accesses from elsewhere are remote).
        if (memKind === KIND_PINNED || memKind === KIND_DEVICE || memKind === KIND_DEVOBJ) for (let p = lo; p < hi; p++) s.flags[p]! |= FLAG_PINNED;
        s.held[b * s.memories + home]! += hi - lo;
        const g = index.memGpu[home]!;
        if (g >= 0) lru.pin(g, b);
        this.x.residentLog.push(t, home, (hi - lo) * PAGE_SIZE);
      }
    }
    return id;
  }

  free(t: number, id: number): void {
    // Freeing revokes what maps the object (GPUDirect free callback, §1.10) and its CPU-visible window.
    for (const o of this.x.observers) o.onFree(t, id);
    const { map, state: s, index, lru } = this.x;
    const addr = map.start[id]!;
    const b0 = map.denseBlock(id, addr);
    const b1 = map.denseBlock(id, map.end[id]! - 1);
    const M = s.memories;
    for (let b = b0; b <= b1; b++) {
      for (let m = 0; m < M; m++) {
        const h = s.held[b * M + m]!;
        if (h > 0) this.x.residentLog.push(t, m, -h * PAGE_SIZE);
        s.held[b * M + m] = 0;
        const g = index.memGpu[m]!;
        if (g >= 0) lru.release(g, b);
      }
      const lo = b * PAGES_PER_BLOCK;
      s.loc.fill(0, lo, lo + PAGES_PER_BLOCK); s.dup.fill(0, lo, lo + PAGES_PER_BLOCK);
      s.remote.fill(0, lo, lo + PAGES_PER_BLOCK); s.flags.fill(0, lo, lo + PAGES_PER_BLOCK);
    }
    map.remove(id);
  }
}
