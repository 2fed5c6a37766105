/**
 * Data that moves without migrating pages: remote accesses that stall the accessor (zero-copy,
 * coherent link, BAR) and DMA of NIC / NVMe agents (asynchronous to the trace: it ends at
 * `pendingUntil`). Both queue on the links (interconnect/links.ts) and emit one event per run of pages
 * with the same location, counting the row's exact bytes (access-row.ts).
 */
import type { EventIds } from '../event-ids.ts';
import type { EventLog } from '../events.ts';
import type { Links } from '../interconnect/links.ts';
import type { Platform } from '../platform.ts';
import type { AccessRow } from './access-row.ts';
import type { AddressMap } from './address-map.ts';
import type { AgentClocks } from './agent-clocks.ts';
import type { FallbackRefs } from './fallback-refs.ts';
import { AGENT_CPU, AGENT_GPU } from './kinds.ts';
import type { PageMover } from './migrator.ts';
import type { ModelStats } from './model-stats.ts';
import type { PageAddresses } from './page-addresses.ts';
import type { PageState } from './page-state.ts';
import type { PlatformIndex } from './platform-index.ts';

/** DMA of a device agent through pages of an access row: the face the P2P parts use. */
export interface DeviceDma {
  /** DMA of `agent` over pages [p0, p1] of `row` (event `kind`, `cause`, bandwidth cap in bytes/ns);
   * returns when the last transfer ends. */
  dmaPages(agent: number, t: number, id: number, row: AccessRow, p0: number, p1: number, write: boolean, kind: number, cause: number, cap: number): number;
}

export interface TransferParts {
  platform: Platform; index: PlatformIndex; state: PageState; map: AddressMap; links: Links; events: EventLog; ids: EventIds;
  clocks: AgentClocks; stats: ModelStats; pages: PageAddresses; mover: PageMover; fallbacks: FallbackRefs;
}

export class Transfers implements DeviceDma {
  constructor(private readonly x: TransferParts) {}

  /** One transfer per run with the same location (unpopulated pages are populated in system memory). */
  dmaPages(agent: number, t: number, id: number, row: AccessRow, p0: number, p1: number, write: boolean, kind: number, cause: number, cap: number): number {
    const s = this.x.state;
    let bytes = 0;
    let src = -1;
    let end = t;
    let runAddr = 0;
    for (let p = p0; p <= p1; p++) {
      let l = s.loc[p]! - 1;
      if (l < 0) { l = this.x.index.memHome[0]!; this.x.mover.populate(t, p, l); }
      if (l !== src && bytes > 0) { end = Math.max(end, this.dma(agent, t, src, bytes, write, id, kind, cause, cap, runAddr)); bytes = 0; }
      src = l;
      if (bytes === 0) runAddr = row.byteAddr(p, this.x.pages);
      bytes += row.pageBytes(p);
    }
    if (bytes > 0) end = Math.max(end, this.dma(agent, t, src, bytes, write, id, kind, cause, cap, runAddr));
    return end;
  }

  private dma(agent: number, t: number, m: number, bytes: number, write: boolean, id: number, kind: number, cause: number, cap: number, addr: number): number {
    const { index, links } = this.x;
    const end = links.transfer(index.accessPath(agent, m, write), t, bytes, 0, cap);
    if (kind === this.x.ids.kind.bounce) this.x.stats.p2p.bounce_bytes += bytes;
    this.x.events.emit(links.lastStart, end - links.lastStart, kind, index.agentEventId[agent]!,
      write ? -1 : index.memEventId[m]!, write ? index.memEventId[m]! : -1, addr, bytes, cause, this.x.map.obj[id]!);
    this.x.clocks.addPending(agent, end);
    return end;
  }

  /** A stalling remote access of `bytes` from `addr` (zero-copy, coherent link, BAR): latency + bytes /
   * bandwidth on the path. Returns when it ends. */
  remoteAccess(agent: number, t: number, m: number, bytes: number, write: boolean, id: number, addr: number): number {
    const { index, links, ids } = this.x;
    const bar = index.agentKind[agent] === AGENT_CPU && !index.memIsSys[m] && !index.memCoherent[m];
    const cost = this.x.platform.cost;
    const cap = bar ? (write ? cost.bar_cpu_write : cost.bar_cpu_read) : Infinity;
    const end = links.transfer(index.accessPath(agent, m, write), t, bytes, 0, cap);
    let cause = bar ? ids.cause.bar : index.memCoherent[m] && !index.memIsSys[m] ? ids.cause.coherent : ids.cause.zero_copy;
    let kind = ids.kind.remote;
    // The exporter GPU touching an object that fell back to system memory for a peer: the second leg
    // of a bounce (DESIGN.md behaviour 6; the importer's DMA into host memory is the first).
    if (this.x.fallbacks.refs[id]! > 0 && index.agentKind[agent] === AGENT_GPU) { kind = ids.kind.bounce; cause = ids.cause.p2p_fallback; this.x.stats.p2p.bounce_bytes += bytes; }
    // src → dst is the direction the data moves: memory → agent for reads, agent → memory for writes.
    const local = index.agentMem[agent]! >= 0 ? index.memEventId[index.agentMem[agent]!]! : -1;
    this.x.events.emit(links.lastStart, end - links.lastStart, kind, index.agentEventId[agent]!,
      write ? local : index.memEventId[m]!, write ? index.memEventId[m]! : local, addr, bytes, cause, this.x.map.obj[id]!);
    this.x.clocks.addStall(agent, t, end);
    return end;
  }
}
