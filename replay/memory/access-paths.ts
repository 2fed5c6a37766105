/**
 * What one access row does, by who accesses: a GPU hits local pages, reaches mapped ones remotely
 * (accessed_by, pinned, zero-copy, ATS on a coherent platform) or faults into the open batch (§2.2);
 * a CPU hits system memory, loads/stores coherent or pinned device memory over the link or BAR, or
 * faults; a NIC / NVMe DMAs through a peer mapping, an ODP mirror, or to wherever the pages are.
 */
import type { EventIds } from '../event-ids.ts';
import type { Platform } from '../platform.ts';
import { AccessRow } from './access-row.ts';
import { notificationPages, subRegionBit, type AccessCounters } from './access-counters.ts';
import type { AddressMap } from './address-map.ts';
import type { AgentClocks } from './agent-clocks.ts';
import type { FaultBatch } from './fault-batcher.ts';
import type { FaultService } from './fault-service.ts';
import { AGENT_CPU, AGENT_GPU, isHmm, KIND_DEVOBJ } from './kinds.ts';
import type { Migrator } from './migrator.ts';
import type { PageAddresses } from './page-addresses.ts';
import { FLAG_CPU_UNMAPPED, FLAG_PINNED, type PageState } from './page-state.ts';
import type { PlatformIndex } from './platform-index.ts';
import { PAGES_PER_BLOCK } from './prefetcher.ts';
import type { Transfers } from './transfers.ts';

/** Peer mappings of GPU objects (p2p/exporter.ts): routes a NIC/NVMe access it holds a mapping for. */
export interface PeerRouting {
  /** Returns false when `agent` holds no mapping of `id` covering the row (the plain DMA path applies). */
  deviceAccess(agent: number, t: number, id: number, row: AccessRow, write: boolean): boolean;
}
/** ODP registrations (p2p/rdma-registration.ts): pages missing from a NIC's mirror fault in first. */
export interface OdpPageIn {
  /** Returns when the DMA to [p0, p1] of `id` may start. */
  pageIn(agent: number, t: number, id: number, p0: number, p1: number): number;
}
/** Driver objects (driver-objects.ts): a CPU touch faults missing CPU PTEs in first. */
export interface CpuPteFaults {
  cpuTouch(agent: number, t: number, id: number, p0: number, p1: number): void;
}

export interface AccessPathParts {
  platform: Platform; index: PlatformIndex; state: PageState; map: AddressMap; ids: EventIds; clocks: AgentClocks;
  pages: PageAddresses; migrator: Migrator; transfers: Transfers; faults: FaultService; batch: FaultBatch; counters: AccessCounters;
  peers: PeerRouting; odp: OdpPageIn; pteFaults: CpuPteFaults;
}

export class AccessPaths {
  private readonly row = new AccessRow();
  private readonly granule = new Uint8Array(PAGES_PER_BLOCK);

  constructor(private readonly x: AccessPathParts) {}

  /**
   * An access of `agent` at trace time `ts` to [addr, addr+bytes) of allocation `id`. Stalls show up
   * in `delay[agent]` (the caller must have serviced an open fault batch this row does not join).
   */
  access(agent: number, ts: number, id: number, addr: number, bytes: number, write: boolean): void {
    const row = this.row.set(this.x.map, id, addr, bytes);
    const kind = this.x.index.agentKind[agent]!;
    if (kind === AGENT_GPU) this.gpuAccess(agent, ts, id, row, write);
    else if (kind === AGENT_CPU) this.cpuAccess(agent, ts, id, row, write);
    else this.deviceAccess(agent, ts + this.x.clocks.delay[agent]!, id, row, write);
  }

  private gpuAccess(agent: number, ts: number, id: number, row: AccessRow, write: boolean): void {
    const { state: s, index, clocks, transfers, batch } = this.x;
    let t = ts + clocks.delay[agent]!;
    const loc = s.loc;
    const dup = s.dup;
    const me = index.agentMem[agent]!;
    const mine = me + 1;
    const bit = 1 << me;
    const ats = index.memCoherent[me] === 1 && isHmm(this.x.map.memKind[id]!);
    const engineFree = this.x.faults.faultEngineFree;
    let remoteBytes = 0;
    let remoteSrc = -1;
    let runAddr = 0;
    // Access-counter bookkeeping of the block being walked: its accessed 64 KiB sub-regions and the
    // first remotely accessed page (block-relative).
    let lastBlock = -1;
    let acRegions = 0;
    let acPage = 0;
    for (let p = row.p0; p <= row.p1; p++) {
      const l = loc[p]!;
      if (l === mine || (dup[p]! & bit)) {
        if (write && dup[p]!) this.x.migrator.breakDuplication(t, p, me);
        continue;
      }
      if ((s.remote[p]! & bit) || (ats && l > 0 && index.memIsSys[l - 1]) || (l > 0 && (s.flags[p]! & FLAG_PINNED))) {
        // Mapped remotely (accessed_by, pin, zero-copy, ATS on a coherent platform): no fault.
        if (remoteSrc !== l - 1 && remoteBytes > 0) { t = transfers.remoteAccess(agent, t, remoteSrc, remoteBytes, write, id, runAddr); remoteBytes = 0; }
        remoteSrc = l - 1;
        if (remoteBytes === 0) runAddr = row.byteAddr(p, this.x.pages);
        remoteBytes += row.pageBytes(p);
        const b = (p / PAGES_PER_BLOCK) | 0;
        if (b !== lastBlock) {
          if (lastBlock >= 0) this.noteAccessCounter(agent, t, lastBlock, acRegions, acPage);
          lastBlock = b; acRegions = 0; acPage = p - b * PAGES_PER_BLOCK;
        }
        acRegions |= subRegionBit(p - b * PAGES_PER_BLOCK);
        continue;
      }
      // A replayable fault (§2.2): join the open batch or start one.
      if (batch.open && !batch.joins(agent, t, engineFree[index.memGpu[me]!]!)) { this.x.faults.serviceBatch(); t = ts + clocks.delay[agent]!; }
      if (!batch.open) batch.start(agent, t);
      batch.add(p, write, s.batchMark);
      if (batch.full) { this.x.faults.serviceBatch(); t = ts + clocks.delay[agent]!; }
    }
    if (lastBlock >= 0) this.noteAccessCounter(agent, t, lastBlock, acRegions, acPage);
    if (remoteBytes > 0) transfers.remoteAccess(agent, t, remoteSrc, remoteBytes, write, id, runAddr);
  }

  private cpuAccess(agent: number, ts: number, id: number, row: AccessRow, write: boolean): void {
    const { state: s, index, clocks, transfers } = this.x;
    // Driver objects: the CPU PTEs fault in first (memory/driver-objects.ts, DESIGN.md behaviour 5).
    if (this.x.map.memKind[id] === KIND_DEVOBJ) this.x.pteFaults.cpuTouch(agent, ts + clocks.delay[agent]!, id, row.p0, row.p1);
    let t = ts + clocks.delay[agent]!;
    const loc = s.loc;
    const me = index.agentMem[agent]!;
    const bit = 1 << me;
    let remoteBytes = 0;
    let remoteSrc = -1;
    let runAddr = 0;
    for (let p = row.p0; p <= row.p1; p++) {
      const l = loc[p]!;
      // System memory the CPU has mapped: a hit. Evicted managed pages are not mapped yet: they fault.
      if (l > 0 && ((index.memIsSys[l - 1] && !(s.flags[p]! & FLAG_CPU_UNMAPPED)) || (s.dup[p]! & bit))) {
        if (write && s.dup[p]!) this.x.migrator.breakDuplication(t, p, me);
        continue;
      }
      if (l > 0 && !index.memIsSys[l - 1] && (index.memCoherent[l - 1] || (s.flags[p]! & FLAG_PINNED))) {
        // Coherent device memory: loads/stores over the link, no fault (§1.11, §1.12 DEV_COHERENT).
        // Pinned device memory (cudaMalloc, driver objects) is reached through the BAR (§3.4).
        if (remoteSrc !== l - 1 && remoteBytes > 0) { t = transfers.remoteAccess(agent, t, remoteSrc, remoteBytes, write, id, runAddr); remoteBytes = 0; }
        remoteSrc = l - 1;
        if (remoteBytes === 0) runAddr = row.byteAddr(p, this.x.pages);
        remoteBytes += row.pageBytes(p);
        continue;
      }
      if (remoteBytes > 0) { t = transfers.remoteAccess(agent, t, remoteSrc, remoteBytes, write, id, runAddr); remoteBytes = 0; }
      if (l === 0) { this.firstTouch(t, p, me); continue; }
      t = this.x.faults.cpuFault(agent, t, id, p, write);
    }
    if (remoteBytes > 0) transfers.remoteAccess(agent, t, remoteSrc, remoteBytes, write, id, runAddr);
  }

  /** First CPU touch of an unpopulated page (§2.3 rule 6): the preferred location if reachable, else RAM. */
  private firstTouch(t: number, p: number, me: number): void {
    const pref = this.x.state.preferred[p]!;
    this.x.migrator.populate(t, p, pref >= 0 && this.x.index.canAccess(me, pref) ? pref : me);
  }

  /**
   * NIC / NVMe accesses. A peer mapping of a GPU object routes them (p2p/exporter.ts: over the P2P
   * path, or a bounce through host memory after a fallback); an ODP registration faults the pages into
   * the NIC first (p2p/rdma-registration.ts); otherwise the DMA goes to wherever the pages are.
   */
  private deviceAccess(agent: number, t: number, id: number, row: AccessRow, write: boolean): void {
    if (this.x.peers.deviceAccess(agent, t, id, row, write)) return;
    t = this.x.odp.pageIn(agent, t, id, row.p0, row.p1);
    this.x.transfers.dmaPages(agent, t, id, row, row.p0, row.p1, write, this.x.ids.kind.remote, this.x.ids.cause.peer, Infinity);
  }

  /**
   * One access row's remote accesses to block `b` (sub-regions `regions`, first page `page`) count once
   * (§2.6). On a notification, migrate what `expand_notification_block` selects (access-counters.ts):
   * the notified page, or the accessed 64 KiB sub-regions resident at the source when the source
   * holds the block in one 2 MiB chunk. Asynchronous to the accessing warps.
   */
  private noteAccessCounter(agent: number, t: number, b: number, regions: number, page: number): void {
    if (!this.x.platform.policy.access_counters) return;
    const { index, state: s, counters } = this.x;
    const me = index.agentMem[agent]!;
    const g = index.memGpu[me]!;
    if (!counters.note(g, b, regions)) return;
    const accessed = counters.takeRegions(g, b);
    const base = b * PAGES_PER_BLOCK;
    const src = s.loc[base + page]! - 1;
    if (src < 0 || src === me) return; // nothing to move (`resident_id` invalid or already the GPU)
    const first = s.blockFirst[b]!;
    const outer = s.blockOuter[b]!;
    let whole = first === 0 && outer === PAGES_PER_BLOCK;
    for (let i = first; whole && i < outer; i++) if (s.loc[base + i] !== src + 1) whole = false;
    const movable = (i: number) => s.loc[base + i] === src + 1 && !(s.flags[base + i]! & FLAG_PINNED);
    notificationPages(whole, page, accessed, movable, this.granule);
    this.x.migrator.migrateMasked(t, agent, b, this.granule, me, this.x.ids.cause.access_counter);
  }
}
