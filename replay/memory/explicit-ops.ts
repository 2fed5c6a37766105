/**
 * Operations a program asks for explicitly: cudaMemPrefetchAsync / migrate_vma (user prefetch),
 * cudaMemAdvise (preferred location, accessed_by, read_mostly: §2.3), and DMA copies (cudaMemcpy).
 */
import type { EventIds } from '../event-ids.ts';
import type { EventLog } from '../events.ts';
import type { Links } from '../interconnect/links.ts';
import type { Platform } from '../platform.ts';
import type { AddressMap } from './address-map.ts';
import type { AgentClocks } from './agent-clocks.ts';
import type { MigratedBytes } from './migrated-bytes.ts';
import type { Migrator } from './migrator.ts';
import { FLAG_PINNED, FLAG_READ_MOSTLY, FLAG_VALID, type PageState } from './page-state.ts';
import type { PlatformIndex } from './platform-index.ts';
import { PAGES_PER_BLOCK } from './prefetcher.ts';

export interface ExplicitOpParts {
  platform: Platform; index: PlatformIndex; state: PageState; map: AddressMap; links: Links; events: EventLog; ids: EventIds;
  clocks: AgentClocks; migrator: Migrator; migrated: MigratedBytes;
}

export class ExplicitOps {
  private readonly mask = new Uint8Array(PAGES_PER_BLOCK);

  constructor(private readonly x: ExplicitOpParts) {}

  /** cudaMemPrefetchAsync / migrate_vma of a range to memory `dst` in 2 MiB pieces (cause user_prefetch).
   * Returns when the last transfer ends. */
  userPrefetch(agent: number, t: number, id: number, addr: number, bytes: number, dst: number): number {
    const { state: s, map } = this.x;
    const end = Math.min(addr + Math.max(bytes, 1), map.end[id]!);
    const p0 = map.densePage(id, addr);
    const p1 = map.densePage(id, end - 1);
    let done = t;
    const f = this.mask;
    for (let b = (p0 / PAGES_PER_BLOCK) | 0; b <= ((p1 / PAGES_PER_BLOCK) | 0); b++) {
      f.fill(0);
      const base = b * PAGES_PER_BLOCK;
      for (let i = Math.max(s.blockFirst[b]!, p0 - base); i < Math.min(s.blockOuter[b]!, p1 - base + 1); i++) {
        if (!(s.flags[base + i]! & FLAG_PINNED)) f[i] = 1;
      }
      done = Math.max(done, this.x.migrator.migrateMasked(t, agent, b, f, dst, this.x.ids.cause.user_prefetch));
    }
    this.x.migrated.discard();
    return done;
  }

  /** cudaMemAdvise: preferred location / accessed_by / read_mostly (§2.3). False for an unknown advice. */
  advise(id: number, addr: number, bytes: number, advice: string, target: number): boolean {
    const { state: s, map } = this.x;
    const end = Math.min(addr + Math.max(bytes, 1), map.end[id]!);
    const p0 = map.densePage(id, addr);
    const p1 = map.densePage(id, end - 1) + 1;
    const valid = (p: number) => (s.flags[p]! & FLAG_VALID) !== 0;
    switch (advice) {
      case 'preferred': for (let p = p0; p < p1; p++) if (valid(p)) s.preferred[p] = target; return true;
      case 'unset_preferred': for (let p = p0; p < p1; p++) s.preferred[p] = -1; return true;
      case 'accessed_by': for (let p = p0; p < p1; p++) if (valid(p)) s.accessedBy[p]! |= 1 << target; return true;
      case 'unset_accessed_by': for (let p = p0; p < p1; p++) s.accessedBy[p]! &= ~(1 << target); return true;
      case 'read_mostly': for (let p = p0; p < p1; p++) if (valid(p)) s.flags[p]! |= FLAG_READ_MOSTLY; return true;
      case 'unset_read_mostly': for (let p = p0; p < p1; p++) s.flags[p]! &= ~FLAG_READ_MOSTLY; return true;
      default: return false;
    }
  }

  /**
   * An explicit DMA copy (cudaMemcpy, RDMA write): bytes from memory `src` to memory `dst`. Returns its end.
   * `staged` is the host memory of a pageable side (-1 when both sides are pinned or device memory): the
   * CUDA runtime cannot DMA from pageable memory, so it copies the data through a pinned staging buffer
   * ("the CUDA driver must first allocate a temporary page-locked, or pinned, host array, copy the host
   * data to the pinned array, and then transfer the data from the pinned array to device memory":
   * NVIDIA, "How to Optimize Data Transfers in CUDA C/C++"; CUDA Runtime API, "API synchronization
   * behavior": a pageable HtoD copy returns once the data is in the staging memory, a DtoH one once the
   * copy has completed). Modeled as one host memcpy (read and write every byte of that memory:
   * 2 × bytes at its bandwidth, REFERENCE.md §3.6) before the DMA of an HtoD copy and after the DMA of
   * a DtoH copy. Simplification: the driver pipelines the two through a staging buffer of limited size;
   * this model serialises them (an upper bound on the time), and it charges the memory's full
   * bandwidth to the memcpy (a lower bound: one CPU thread's memcpy reaches less).
   */
  copy(agent: number, t: number, src: number, dst: number, bytes: number, obj: number, staged = -1): number {
    const { index, links } = this.x;
    const cost = this.x.platform.cost;
    const stage = staged >= 0 ? Math.ceil((2 * bytes) / index.memBandwidth(staged)) : 0;
    const dmaAt = staged === src ? t + stage : t;
    let start = dmaAt;
    let end: number;
    if (src === dst) {
      // A copy within one memory (cudaMemcpy DtoD on one GPU, a host memcpy) crosses no link: the copy
      // engine reads and writes every byte of that memory once (REFERENCE.md §3.6 bandwidths).
      end = dmaAt + cost.transfer_fixed + Math.ceil((2 * bytes) / index.memBandwidth(src));
    } else {
      end = links.transfer(index.memPath(src, dst), dmaAt, bytes, cost.transfer_fixed);
      start = links.lastStart;
    }
    if (staged >= 0) { if (staged === src) start = t; else end += stage; }
    this.x.events.emit(start, end - start, this.x.ids.kind.copy, index.agentEventId[agent]!, index.memEventId[src]!, index.memEventId[dst]!, Number.NaN, bytes, -1, obj);
    this.x.clocks.addPending(agent, end);
    return end;
  }
}
