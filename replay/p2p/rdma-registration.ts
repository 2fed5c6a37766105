/**
 * RDMA memory registration of process memory (`anon`, `managed`, `pageable`, `pinned`): what a
 * `peer_map` row means when the object is not a GPU driver object. `policy.rdma_registration`:
 *
 *   pinned  ibv_reg_mr pins the pages (GUP FOLL_LONGTERM, REFERENCE.md §1.12): pages in device-private
 *           memory come back to system RAM first, unpopulated ones are populated there; registered
 *           pages cannot migrate (FLAG_PINNED), so GPU accesses to them are remote (zero-copy).
 *   odp     On-Demand Paging (§1.9): nothing is pinned. A NIC access to pages missing from its
 *           mirror is a network page fault (`nic_fault`): the requester backs off for the platform's
 *           RNR timer (`cost.rnr_backoff`) while hmm_range_fault brings the pages in (device-private
 *           pages migrate to RAM, cause `odp`). A later migration of NIC-mapped pages (the GPU faults
 *           them over) first runs a synchronous invalidation (`invalidate`, `cost.invalidation`:
 *           fence/block DMA, UMR zap of the MTT, unblock) and the NIC's next access faults again.
 *
 * Per allocation: which agent registered it (+1, 0 = none) and whether registration pinned it.
 */
import { PAGE_SIZE } from '../../ingest/trace/units.ts';
import type { EventIds } from '../event-ids.ts';
import type { EventLog } from '../events.ts';
import type { AddressMap } from '../memory/address-map.ts';
import type { AgentClocks } from '../memory/agent-clocks.ts';
import { KIND_PINNED } from '../memory/kinds.ts';
import type { MigratedBytes } from '../memory/migrated-bytes.ts';
import type { PageMover } from '../memory/migrator.ts';
import type { ModelStats } from '../memory/model-stats.ts';
import type { PageAddresses } from '../memory/page-addresses.ts';
import { FLAG_NIC_MAPPED, FLAG_PINNED, type PageState } from '../memory/page-state.ts';
import type { PlatformIndex } from '../memory/platform-index.ts';
import { PAGES_PER_BLOCK } from '../memory/prefetcher.ts';
import type { Platform } from '../platform.ts';
import { grownTo } from '../../common/growable.ts';

export interface RdmaRegistrationParts {
  platform: Platform; index: PlatformIndex; state: PageState; map: AddressMap; events: EventLog; ids: EventIds;
  clocks: AgentClocks; stats: ModelStats; pages: PageAddresses; mover: PageMover; migrated: MigratedBytes;
}

export class RdmaRegistration {
  /** per allocation: registering agent + 1 with ODP, 0 otherwise */
  private odpAgent = new Int32Array(0);
  /** per allocation: registration pinned its pages (undone on unregister) */
  private pinnedByReg = new Uint8Array(0);
  private readonly mask = new Uint8Array(PAGES_PER_BLOCK);

  constructor(private readonly x: RdmaRegistrationParts) {}

  ensure(n: number): void {
    if (n <= this.odpAgent.length) return;
    const cap = Math.max(16, n * 2);
    this.odpAgent = grownTo(this.odpAgent, cap);
    this.pinnedByReg = grownTo(this.pinnedByReg, cap);
  }

  /** Registration of pages [p0, p1] of allocation `id` by `agent` (a `peer_map` of process memory). */
  register(agent: number, t: number, id: number, p0: number, p1: number): void {
    const m = this.x;
    const s = m.state;
    const odp = m.platform.policy.rdma_registration === 'odp';
    let end = t;
    if (odp) {
      this.odpAgent[id] = agent + 1;
    } else {
      end = this.bringHome(agent, t, p0, p1, this.x.ids.cause.pinned);
      for (let p = p0; p <= p1; p++) s.flags[p]! |= FLAG_PINNED | FLAG_NIC_MAPPED;
      this.pinnedByReg[id] = 1;
    }
    m.events.emit(t, end - t, this.x.ids.kind.peer_map, m.index.agentEventId[agent]!, -1, -1, m.pages.pageAddr(p0), (p1 - p0 + 1) * PAGE_SIZE,
      odp ? this.x.ids.cause.odp : this.x.ids.cause.pinned, m.map.obj[id]!);
    m.stats.p2p.peer_maps++;
    m.clocks.addStall(agent, t, end);
  }

  unregister(agent: number, t: number, id: number): void {
    const m = this.x;
    if (this.odpAgent[id] !== agent + 1 && !this.pinnedByReg[id]) return;
    this.clear(id);
    m.events.emit(t, 0, this.x.ids.kind.peer_unmap, m.index.agentEventId[agent]!, -1, -1, m.map.start[id]!, m.map.end[id]! - m.map.start[id]!, -1, m.map.obj[id]!);
    m.stats.p2p.peer_unmaps++;
  }

  onFree(_t: number, id: number): void { if (this.odpAgent[id] || this.pinnedByReg[id]) this.clear(id); }

  private clear(id: number): void {
    const m = this.x;
    const s = m.state;
    const keepPin = m.map.memKind[id] === KIND_PINNED;
    const p0 = m.map.densePage(id, m.map.start[id]!);
    const p1 = m.map.densePage(id, m.map.end[id]! - 1);
    const drop = this.pinnedByReg[id] && !keepPin ? FLAG_PINNED | FLAG_NIC_MAPPED : FLAG_NIC_MAPPED;
    for (let p = p0; p <= p1; p++) s.flags[p]! &= ~drop;
    this.odpAgent[id] = 0;
    this.pinnedByReg[id] = 0;
  }

  /**
   * Before a NIC/NVMe DMA to [p0, p1] of `id`: with ODP, pages missing from the agent's mirror take a
   * network page fault. Returns when the DMA may start.
   */
  pageIn(agent: number, t: number, id: number, p0: number, p1: number): number {
    if (this.odpAgent[id] !== agent + 1) return t;
    const m = this.x;
    const s = m.state;
    let missing = 0;
    for (let p = p0; p <= p1; p++) if (!(s.flags[p]! & FLAG_NIC_MAPPED)) missing++;
    if (missing === 0) return t;
    const rnr = m.platform.cost.rnr_backoff;
    m.events.emit(t, rnr, this.x.ids.kind.nic_fault, m.index.agentEventId[agent]!, -1, -1, m.pages.pageAddr(p0), missing * PAGE_SIZE, this.x.ids.cause.odp, m.map.obj[id]!);
    m.stats.odp.nic_faults++;
    // hmm_range_fault: device-private pages migrate to RAM while the requester backs off.
    const end = Math.max(t + rnr, this.bringHome(agent, t, p0, p1, this.x.ids.cause.odp));
    for (let p = p0; p <= p1; p++) s.flags[p]! |= FLAG_NIC_MAPPED;
    m.clocks.addStall(agent, t, end);
    return end;
  }

  /**
   * The migrator's `beforeMappedMove` (ODP only): pages [p, p+n) are about to migrate. NIC-mapped ones are
   * invalidated synchronously first; the migration starts after it.
   */
  invalidate(t: number, p: number, n: number, src: number, dst: number): number {
    const m = this.x;
    const s = m.state;
    let mapped = 0;
    for (let k = p; k < p + n; k++) if (s.flags[k]! & FLAG_NIC_MAPPED) { mapped++; s.flags[k]! &= ~FLAG_NIC_MAPPED; }
    if (mapped === 0) return t;
    const cost = m.platform.cost.invalidation;
    const id = s.blockAlloc[(p / PAGES_PER_BLOCK) | 0]!;
    const nic = this.odpAgent[id]! - 1;
    m.events.emit(t, cost, this.x.ids.kind.invalidate, nic >= 0 ? m.index.agentEventId[nic]! : -1, m.index.memEventId[src]!, m.index.memEventId[dst]!, m.pages.pageAddr(p),
      mapped * PAGE_SIZE, this.x.ids.cause.odp, m.map.obj[id]!);
    m.stats.odp.invalidations++;
    m.stats.odp.invalidation_ns += cost;
    return t + cost;
  }

  /** Pages of [p0, p1] in non-coherent device memory migrate to their home RAM; unpopulated ones
   * are populated there. Returns when the last transfer ends. */
  private bringHome(agent: number, t: number, p0: number, p1: number, cause: number): number {
    const m = this.x;
    const s = m.state;
    let done = t;
    for (let b = (p0 / PAGES_PER_BLOCK) | 0; b <= ((p1 / PAGES_PER_BLOCK) | 0); b++) {
      const base = b * PAGES_PER_BLOCK;
      const f = this.mask;
      f.fill(0);
      let dst = -1;
      for (let i = Math.max(s.blockFirst[b]!, p0 - base); i < Math.min(s.blockOuter[b]!, p1 - base + 1); i++) {
        const l = s.loc[base + i]! - 1;
        if (l < 0) { m.mover.populate(t, base + i, m.index.memHome[0]!); continue; }
        if (m.index.isDevicePrivate(l)) { f[i] = 1; dst = m.index.memHome[l]!; }
      }
      if (dst >= 0) done = Math.max(done, m.mover.migrateMasked(t, agent, b, f, dst, cause));
    }
    m.migrated.discard(); // not part of any GPU fault batch
    return done;
  }
}
