/**
 * The exporter's policy on a peer mapping of GPU memory (DESIGN.md behaviour 6; REFERENCE.md §1.7,
 * §1.8, §1.10): an importer (a NIC) asks the GPU that owns a `device`/`devobj` object for a peer
 * mapping of a range. The exporter maps it into its BAR when the P2P path is routable (Linux p2pdma:
 * `Topology.p2pRule`) and the aperture has room (64 KiB granules, bar-aperture.ts). Otherwise
 * `policy.p2p_fallback` decides:
 *
 *   sysmem      the object moves to system memory (amdgpu/xe: GTT placement, §1.8); the importer DMAs
 *               there and the GPU reaches it over PCIe — a bounce: both legs are `bounce` events
 *               (importer ↔ host RAM, host RAM ↔ GPU), their bytes on every link and on DRAM;
 *   revoke_lru  first revoke the least recently used idle peer mapping on that GPU (move_notify /
 *               invalidate_mappings, synchronous: `cost.invalidation`); its importer re-maps on next
 *               use (`peer_map` with cause `remap`, paying `cost.peer_map` again). When nothing idle
 *               is left, or the path is not routable, fall back as `sysmem`;
 *   fail        the mapping is refused (`map_refused`); the importer's DMA through it does not happen.
 *
 * `reads_blocked` host bridges (Intel client root ports: P2P writes work, reads fail, §1.11, §3.3)
 * map, and the importer's first read through the mapping fails over to the fallback then — as mlx5
 * retries a failed P2P mapping without P2P (§1.9). `degraded:<f>` scales the P2P path's bandwidth.
 *
 * Process memory (`anon`, `managed`, …) is not exported by a GPU driver: a `peer_map` of it is an RDMA
 * registration (rdma-registration.ts).
 *
 * Mappings are few (one per `peer_map` row), kept in a small columnar table; the per-allocation head
 * index makes the NIC-access lookup O(mappings of that object).
 */
import { PAGE_SIZE } from '../../ingest/trace/units.ts';
import type { EventIds } from '../event-ids.ts';
import type { EventLog } from '../events.ts';
import type { Topology } from '../interconnect/topology.ts';
import type { AccessRow } from '../memory/access-row.ts';
import type { AddressMap } from '../memory/address-map.ts';
import type { AgentClocks } from '../memory/agent-clocks.ts';
import type { FallbackRefs } from '../memory/fallback-refs.ts';
import { AGENT_GPU, isGpuObject } from '../memory/kinds.ts';
import type { PageMover } from '../memory/migrator.ts';
import type { ModelStats } from '../memory/model-stats.ts';
import type { PageAddresses } from '../memory/page-addresses.ts';
import { FLAG_PEER_MAPPED, type PageState } from '../memory/page-state.ts';
import type { PlatformIndex } from '../memory/platform-index.ts';
import type { DeviceDma } from '../memory/transfers.ts';
import type { Platform } from '../platform.ts';
import { BAR_GRANULE, BarAperture } from './bar-aperture.ts';
import { grownTo } from '../../common/growable.ts';

export const MAP_MAPPED = 1;    // in the BAR, P2P path
export const MAP_FALLBACK = 2;  // object in system memory: the importer DMAs there (bounce)
export const MAP_REFUSED = 3;   // policy fail: no mapping
export const MAP_REVOKED = 4;   // revoked by move_notify; re-mapped on next use

type Reason = 'bar_full' | 'p2p_blocked' | 'p2p_reads_blocked';

/** What a peer `peer_map` / `peer_unmap` of process memory becomes: an RDMA registration. */
export interface ProcessMemoryRegistration {
  register(agent: number, t: number, id: number, p0: number, p1: number): void;
  unregister(agent: number, t: number, id: number): void;
}
/** Driver objects that move with a fallback (their CPU-visible window goes, their moves are counted). */
export interface MovingObjects {
  onMoved(t: number, id: number): void;
  noteMove(id: number, bytes: number): void;
}

export interface ExporterParts {
  platform: Platform; topology: Topology; index: PlatformIndex; state: PageState; map: AddressMap; events: EventLog; ids: EventIds;
  clocks: AgentClocks; stats: ModelStats; pages: PageAddresses; bar: BarAperture; fallbacks: FallbackRefs;
  mover: PageMover; dma: DeviceDma; registration: ProcessMemoryRegistration; objects: MovingObjects;
}

export class Exporter {
  // mapping table (columnar)
  private importer = new Int32Array(16);
  private alloc = new Int32Array(16);
  private p0 = new Float64Array(16);
  private p1 = new Float64Array(16);
  private state = new Uint8Array(16);
  private readsBlocked = new Uint8Array(16);
  /** bandwidth cap of the P2P path (degraded host bridge), Infinity otherwise */
  private cap = new Float64Array(16);
  private lastUse = new Float64Array(16);
  private next = new Int32Array(16);
  private count = 0;
  /** per allocation: first mapping (chained by `next`), -1 none */
  private head = new Int32Array(0);
  constructor(private readonly x: ExporterParts) {}

  /** Grows the per-allocation tables to `n` allocations. */
  ensure(n: number): void {
    if (n <= this.head.length) return;
    this.head = grownTo(this.head, Math.max(16, n * 2), -1);
    this.x.fallbacks.ensure(n);
  }

  private isGpuObject(id: number): boolean { return isGpuObject(this.x.map.memKind[id]!); }

  /** `peer_map` row: importer `agent` asks for [addr, addr+bytes) of allocation `id` (NaN = whole). */
  peerMap(agent: number, t: number, id: number, addr: number, bytes: number): void {
    const m = this.x;
    if (id < 0) { m.stats.counters.unmappedRows++; return; }
    const start = addr === addr ? addr : m.map.start[id]!;
    const end = Math.min(bytes === bytes && bytes > 0 ? start + bytes : m.map.end[id]!, m.map.end[id]!);
    const p0 = m.map.densePage(id, start);
    const p1 = m.map.densePage(id, end - 1);
    if (!this.isGpuObject(id)) { m.registration.register(agent, t, id, p0, p1); return; }
    const k = this.add(agent, id, p0, p1);
    this.decide(k, t, false);
  }

  /** `peer_unmap` row: releases the importer's mapping of the allocation covering `addr`. */
  peerUnmap(agent: number, t: number, id: number, addr: number): void {
    const m = this.x;
    if (id < 0) { m.stats.counters.unmappedRows++; return; }
    if (!this.isGpuObject(id)) { m.registration.unregister(agent, t, id); return; }
    const p = addr === addr ? m.map.densePage(id, addr) : -1;
    const k = this.find(agent, id, p);
    if (k >= 0) this.release(k, t, this.x.ids.kind.peer_unmap, -1);
  }

  /** The allocation is freed: every mapping of it goes (GPUDirect free callback, §1.10). */
  onFree(t: number, id: number): void {
    if (id >= this.head.length) return;
    for (let k = this.head[id]!; k >= 0; k = this.next[k]!) if (this.state[k]) this.release(k, t, this.x.ids.kind.peer_unmap, this.x.ids.cause.free);
    this.head[id] = -1;
  }

  /**
   * A NIC/NVMe access to an allocation it holds a mapping of: over the P2P path when mapped, through
   * host memory when fallen back, nowhere when refused. Returns false when the agent has no mapping
   * of it (the plain DMA path applies).
   */
  deviceAccess(agent: number, t: number, id: number, row: AccessRow, write: boolean): boolean {
    const p0 = row.p0;
    const p1 = row.p1;
    if (id >= this.head.length || this.head[id]! < 0) return false;
    const k = this.find(agent, id, p0);
    if (k < 0) return false;
    const m = this.x;
    if (this.state[k] === MAP_REVOKED) t = this.decide(k, t, true);
    if (this.state[k] === MAP_MAPPED && this.readsBlocked[k] && !write) {
      // The read fails on the P2P path; the importer retries without P2P (§1.9, §1.11).
      this.unmapBar(k, t);
      t = this.cannotMap(k, t, 'p2p_reads_blocked', t);
    }
    const st = this.state[k];
    if (st === MAP_MAPPED) {
      const end = m.dma.dmaPages(agent, t, id, row, p0, p1, write, this.x.ids.kind.remote, this.x.ids.cause.peer, this.cap[k]!);
      if (end > this.lastUse[k]!) this.lastUse[k] = end;
    } else if (st === MAP_FALLBACK) {
      m.dma.dmaPages(agent, t, id, row, p0, p1, write, this.x.ids.kind.bounce, this.x.ids.cause.p2p_fallback, Infinity);
    }
    return true; // MAP_REFUSED: the DMA has no mapping to go through
  }

  // ------------------------------------------------------------------ decisions

  /** Maps mapping `k` if routable and the BAR has room, else applies the fallback policy. Returns
   * the time the importer may use it. */
  private decide(k: number, t: number, remap: boolean): number {
    const m = this.x;
    const t0 = t;
    const id = this.alloc[k]!;
    const loc = m.state.loc[this.p0[k]!]! - 1;
    const gpu = loc >= 0 ? m.index.memGpu[loc]! : -1;
    if (gpu < 0) {
      // Already in system memory (an earlier fallback, or a CPU fault moved it): map the host pages.
      this.state[k] = MAP_FALLBACK;
      this.x.fallbacks.refs[id]!++;
      this.emit(t, m.platform.cost.peer_map, this.x.ids.kind.peer_map, k, loc, this.bytes(k), this.x.ids.cause.sysmem);
      m.stats.p2p.peer_maps++;
      return this.stall(k, t, t + m.platform.cost.peer_map);
    }
    const path = m.index.path(m.index.agentNode[this.importer[k]!]!, m.index.memNodeIndex[loc]!);
    const rule = m.topology.p2pRule(path);
    if (rule.kind === 'blocked') return this.cannotMap(k, t, 'p2p_blocked', t0);
    const [g0, g1] = this.granules(k);
    if (!m.bar.fits(gpu, g0, g1)) {
      m.bar.markFull(t, gpu);
      if (m.platform.policy.p2p_fallback === 'revoke_lru') t = this.revokeLru(gpu, k, t, g0, g1);
      if (!m.bar.fits(gpu, g0, g1)) return this.cannotMap(k, t, 'bar_full', t0);
    }
    m.bar.map(t, gpu, g0, g1);
    this.setPeerFlags(k, true);
    this.state[k] = MAP_MAPPED;
    this.readsBlocked[k] = rule.kind === 'reads_blocked' ? 1 : 0;
    this.cap[k] = rule.kind === 'degraded' ? path.bottleneck * rule.factor : Infinity;
    const cost = m.platform.cost.peer_map;
    this.emit(t, cost, this.x.ids.kind.peer_map, k, loc, (g1 - g0) * BAR_GRANULE, remap ? this.x.ids.cause.remap : this.x.ids.cause[rule.kind]);
    m.stats.p2p.peer_maps++;
    this.lastUse[k] = t + cost;
    return this.stall(k, t0, t + cost);
  }

  /** No P2P mapping possible: `fail` refuses, `sysmem` / `revoke_lru` fall back to system memory. */
  private cannotMap(k: number, t: number, reason: Reason, t0: number): number {
    const m = this.x;
    const loc = m.state.loc[this.p0[k]!]! - 1;
    if (m.platform.policy.p2p_fallback === 'fail') {
      this.state[k] = MAP_REFUSED;
      this.emit(t, 0, this.x.ids.kind.map_refused, k, loc, this.bytes(k), this.x.ids.cause[reason]);
      m.stats.p2p.refused++;
      return this.stall(k, t0, t);
    }
    return this.fallback(k, t, reason, t0);
  }

  /**
   * The object moves to the GPU's home system memory (TTM move to GTT: `bo_move` rows, cause
   * p2p_fallback); other importers' BAR mappings of it follow it there (move_notify). The requester
   * waits for the move.
   */
  private fallback(k: number, t: number, reason: Reason, t0: number): number {
    const m = this.x;
    const id = this.alloc[k]!;
    const loc = m.state.loc[this.p0[k]!]! - 1;
    const gpuAgent = m.index.gpuAgents[m.index.memGpu[loc]!]!;
    const home = m.index.memHome[loc]!;
    for (let j = this.head[id]!; j >= 0; j = this.next[j]!) {
      if (j !== k && this.state[j] === MAP_MAPPED) { this.unmapBar(j, t); this.state[j] = MAP_FALLBACK; this.x.fallbacks.refs[id]!++; }
    }
    m.objects.onMoved(t, id);
    const { end, bytes: moved } = m.mover.moveAllocation(t, gpuAgent, id, home, this.x.ids.cause.p2p_fallback, this.x.ids.kind.bo_move);
    m.objects.noteMove(id, moved);
    this.state[k] = MAP_FALLBACK;
    this.x.fallbacks.refs[id]!++;
    m.events.emit(t, end - t, this.x.ids.kind.fallback, m.index.agentEventId[this.importer[k]!]!, m.index.memEventId[loc]!, m.index.memEventId[home]!,
      this.addr(k), moved, this.x.ids.cause[reason], m.map.obj[id]!);
    m.stats.p2p.fallbacks++;
    return this.stall(k, t0, end);
  }

  /** revoke_lru: revoke idle BAR mappings of GPU `gpu`, least recently used first, until [g0, g1) fits. */
  private revokeLru(gpu: number, except: number, t: number, g0: number, g1: number): number {
    const m = this.x;
    while (!m.bar.fits(gpu, g0, g1)) {
      let victim = -1;
      for (let j = 0; j < this.count; j++) {
        if (j === except || this.state[j] !== MAP_MAPPED || this.lastUse[j]! > t) continue; // in use: not idle
        const loc = m.state.loc[this.p0[j]!]! - 1;
        if (loc < 0 || m.index.memGpu[loc] !== gpu) continue;
        if (victim < 0 || this.lastUse[j]! < this.lastUse[victim]!) victim = j;
      }
      if (victim < 0) break;
      const cost = m.platform.cost.invalidation;
      const loc = m.state.loc[this.p0[victim]!]! - 1;
      const [v0, v1] = this.granules(victim);
      this.emit(t, cost, this.x.ids.kind.revoke, victim, loc, (v1 - v0) * BAR_GRANULE, this.x.ids.cause.move_notify);
      this.unmapBar(victim, t);
      this.state[victim] = MAP_REVOKED;
      m.stats.p2p.revocations++;
      t += cost; // move_notify is synchronous (§1.8)
    }
    return t;
  }

  // ------------------------------------------------------------------ table helpers

  private add(importer: number, id: number, p0: number, p1: number): number {
    if (this.count === this.importer.length) this.grow();
    const k = this.count++;
    this.importer[k] = importer; this.alloc[k] = id; this.p0[k] = p0; this.p1[k] = p1;
    this.state[k] = 0; this.readsBlocked[k] = 0; this.cap[k] = Infinity; this.lastUse[k] = -Infinity;
    this.next[k] = this.head[id]!;
    this.head[id] = k;
    return k;
  }

  /** The importer's live mapping of `id` covering dense page `p` (any of them when p < 0). */
  private find(importer: number, id: number, p: number): number {
    for (let k = this.head[id]!; k >= 0; k = this.next[k]!) {
      if (this.state[k] && this.importer[k] === importer && (p < 0 || (p >= this.p0[k]! && p <= this.p1[k]!))) return k;
    }
    return -1;
  }

  private release(k: number, t: number, kind: number, cause: number): void {
    const m = this.x;
    const st = this.state[k];
    const loc = m.state.loc[this.p0[k]!]! - 1;
    if (st === MAP_MAPPED) this.unmapBar(k, t);
    if (st === MAP_FALLBACK) this.x.fallbacks.refs[this.alloc[k]!]!--;
    this.state[k] = 0;
    this.emit(t, 0, kind, k, loc, this.bytes(k), cause);
    // peer_unmaps counts peer mappings taken down, the counterpart of peer_maps: only a release of a
    // mapping live in the BAR. A fallback, refused or revoked entry held no peer mapping (a revocation is
    // counted as such), so with P2P blocked a run reports 0 peer_maps and 0 peer_unmaps.
    if (st === MAP_MAPPED) m.stats.p2p.peer_unmaps++;
  }

  private unmapBar(k: number, t: number): void {
    const m = this.x;
    const loc = m.state.loc[this.p0[k]!]! - 1;
    const [g0, g1] = this.granules(k);
    this.state[k] = 0;
    this.setPeerFlags(k, false);
    m.bar.unmap(t, m.index.memGpu[loc]!, g0, g1);
  }

  /** FLAG_PEER_MAPPED over the mapping's pages; clearing keeps pages other live BAR mappings cover. */
  private setPeerFlags(k: number, on: boolean): void {
    const f = this.x.state.flags;
    for (let p = this.p0[k]!; p <= this.p1[k]!; p++) f[p] = on ? f[p]! | FLAG_PEER_MAPPED : f[p]! & ~FLAG_PEER_MAPPED;
    if (on) return;
    for (let j = this.head[this.alloc[k]!]!; j >= 0; j = this.next[j]!) {
      if (j !== k && this.state[j] === MAP_MAPPED) for (let p = this.p0[j]!; p <= this.p1[j]!; p++) f[p]! |= FLAG_PEER_MAPPED;
    }
  }

  private granules(k: number): [number, number] { return BarAperture.granules(this.p0[k]!, this.p1[k]!); }
  private bytes(k: number): number { return (this.p1[k]! - this.p0[k]! + 1) * PAGE_SIZE; }
  private addr(k: number): number { return this.x.pages.pageAddr(this.p0[k]!); }

  /** The importer waits for the mapping (pin + map, or the fallback move) to be ready. */
  private stall(k: number, t: number, end: number): number {
    const a = this.importer[k]!;
    const m = this.x;
    if (m.index.agentKind[a] !== AGENT_GPU) m.clocks.addStall(a, t, end);
    return end;
  }

  private emit(t: number, dur: number, kind: number, k: number, loc: number, bytes: number, cause: number): void {
    const m = this.x;
    m.events.emit(t, dur, kind, m.index.agentEventId[this.importer[k]!]!, -1, loc >= 0 ? m.index.memEventId[loc]! : -1, this.addr(k), bytes, cause, m.map.obj[this.alloc[k]!]!);
  }

  private grow(): void {
    const n = this.importer.length * 2;
    const g = <T extends Float64Array | Int32Array | Uint8Array>(a: T): T => { const b = new (a.constructor as new (n: number) => T)(n); b.set(a); return b; };
    this.importer = g(this.importer); this.alloc = g(this.alloc); this.p0 = g(this.p0); this.p1 = g(this.p1); this.state = g(this.state);
    this.readsBlocked = g(this.readsBlocked); this.cap = g(this.cap); this.lastUse = g(this.lastUse); this.next = g(this.next);
  }
}
