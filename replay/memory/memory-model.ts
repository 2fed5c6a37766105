/**
 * The unified-memory / HMM / P2P model as one object: it builds its parts and wires them together
 * (this is the one place where they meet), and forwards the engine's row operations to them. Every part
 * works on dense page indices and typed arrays, allocating nothing per page:
 *
 *   platform-index.ts   memories and agents as index tables, paths      agent-clocks.ts  per-agent time
 *   allocations.ts      alloc / free                                     access-paths.ts  accesses by agent kind
 *   fault-service.ts    GPU fault batches, CPU faults                    migrator.ts      page moves, duplicates, eviction
 *   transfers.ts        remote accesses, device DMA                      explicit-ops.ts  prefetch / advise / copy
 *   model-stats.ts      summary counters                                 ../p2p/          BAR, peer mappings, RDMA
 *   driver-objects.ts   CPU PTEs and moves of driver objects
 *
 * Time: a row's modeled time is `ts + delay[agent]` (agent-clocks.ts). Transfers queue on links
 * (interconnect/links.ts).
 */
import { VA_BLOCK_SIZE } from '../../ingest/trace/units.ts';
import { eventIds, type EventIds } from '../event-ids.ts';
import { EventLog } from '../events.ts';
import { Links } from '../interconnect/links.ts';
import type { Topology } from '../interconnect/topology.ts';
import { BarAperture } from '../p2p/bar-aperture.ts';
import { Exporter } from '../p2p/exporter.ts';
import { RdmaRegistration } from '../p2p/rdma-registration.ts';
import type { Platform } from '../platform.ts';
import { AccessCounters } from './access-counters.ts';
import { AccessPaths } from './access-paths.ts';
import { AddressMap } from './address-map.ts';
import { AgentClocks } from './agent-clocks.ts';
import { Allocations } from './allocations.ts';
import { DriverObjects } from './driver-objects.ts';
import { ChunkLru } from './eviction.ts';
import { ExplicitOps } from './explicit-ops.ts';
import { FallbackRefs } from './fallback-refs.ts';
import { FaultBatch } from './fault-batcher.ts';
import { FaultService } from './fault-service.ts';
import { MigratedBytes } from './migrated-bytes.ts';
import { Migrator } from './migrator.ts';
import { ModelStats, type ModelCounters } from './model-stats.ts';
import { PageAddresses } from './page-addresses.ts';
import { PageState } from './page-state.ts';
import { PlatformIndex } from './platform-index.ts';
import { Prefetcher } from './prefetcher.ts';
import { Thrashing } from './thrashing.ts';
import { TripleLog } from './triple-log.ts';
import { Transfers } from './transfers.ts';

/** 64 KiB units per 2 MiB root chunk, and 4 KiB pages per 64 KiB unit (the big-page size, §2.1). */
const UNITS_PER_ROOT_CHUNK = 32;
const PAGES_PER_UNIT = 16;

export class MemoryModel {
  readonly events = new EventLog();
  readonly ids: EventIds;
  readonly links: Links;
  readonly map = new AddressMap();
  readonly index: PlatformIndex;
  readonly clocks: AgentClocks;
  readonly modelStats = new ModelStats();
  readonly state: PageState;
  readonly batch: FaultBatch;
  /** resident bytes per memory (a = memory index, v = delta), for timeline resident_bytes */
  readonly residentLog = new TripleLog(true);
  /** BAR bytes mapped per GPU (a = GPU index, v = delta), for timeline bar_mapped_bytes */
  readonly barLog = new TripleLog(true);
  readonly bar: BarAperture;
  readonly exporter: Exporter;
  readonly registration: RdmaRegistration;
  readonly driverObjects: DriverObjects;
  private readonly allocations: Allocations;
  private readonly paths: AccessPaths;
  private readonly faults: FaultService;
  private readonly ops: ExplicitOps;

  constructor(readonly platform: Platform, readonly topology: Topology) {
    const events = this.events;
    const ids = this.ids = eventIds(events);
    const links = this.links = new Links(topology);
    const map = this.map;
    const index = this.index = new PlatformIndex(platform, topology, events);
    const clocks = this.clocks = new AgentClocks(platform.agents.length);
    const stats = this.modelStats;
    const state = this.state = new PageState(index.memNames.length);
    const pages = new PageAddresses(state, map);
    const pol = platform.policy;
    // Device memory in 64 KiB units, whole 2 MiB root chunks only; a block takes its allocated page
    // range rounded up to 64 KiB (eviction.ts).
    const lru = new ChunkLru(index.gpus.map((g) => Math.floor(g.memory / VA_BLOCK_SIZE) * UNITS_PER_ROOT_CHUNK),
      (b) => Math.ceil((state.blockOuter[b]! - state.blockFirst[b]!) / PAGES_PER_UNIT));
    const counters = new AccessCounters(index.gpus.length, pol.access_counter_threshold);
    const batch = this.batch = new FaultBatch(pol.fault_batch);
    const migrated = new MigratedBytes();
    const fallbacks = new FallbackRefs();
    const bar = this.bar = new BarAperture(index.gpus.map((g) => g.bar), this.barLog, stats.barFullNs);
    const common = { platform, index, state, map, events, ids, clocks, stats, pages };
    // Only ODP mirrors can hold migratable pages (pinned registrations and BAR mappings never move), so
    // the migrator scans no flags without them.
    const odp = pol.rdma_registration === 'odp';
    const migrator = new Migrator({
      index, state, map, lru, links, events, ids, clocks, pages, residentLog: this.residentLog, migrated,
      transferFixed: platform.cost.transfer_fixed,
      beforeMappedMove: odp ? (t, p, n, src, dst) => this.registration.invalidate(t, p, n, src, dst) : null,
    });
    const transfers = new Transfers({ ...common, links, mover: migrator, fallbacks });
    this.registration = new RdmaRegistration({ ...common, mover: migrator, migrated });
    this.driverObjects = new DriverObjects({ ...common, bar, mover: migrator });
    this.exporter = new Exporter({
      ...common, topology, bar, fallbacks, mover: migrator, dma: transfers, registration: this.registration, objects: this.driverObjects,
    });
    this.faults = new FaultService({
      ...common, migrator, migrated, prefetcher: new Prefetcher(pol.prefetch, pol.prefetch_threshold), thrashing: new Thrashing(pol), batch, remote: transfers,
    });
    this.allocations = new Allocations({
      index, state, map, lru, counters, residentLog: this.residentLog,
      observers: [this.exporter, this.registration, this.driverObjects],
    });
    this.paths = new AccessPaths({
      ...common, migrator, transfers, faults: this.faults, batch, counters,
      peers: this.exporter, odp: this.registration, pteFaults: this.driverObjects,
    });
    this.ops = new ExplicitOps({ ...common, links, migrator, migrated });
  }

  // ---------------------------------------------------------------- row operations

  /** Registers an allocation; returns its id or a problem string. */
  alloc(t: number, agent: number, peer: number, addr: number, bytes: number, memKind: number, obj: number): number | string {
    return this.allocations.alloc(t, agent, peer, addr, bytes, memKind, obj);
  }

  free(t: number, id: number): void { this.allocations.free(t, id); }

  /** An access row (access-paths.ts); the caller must have serviced an open fault batch it does not join. */
  access(agent: number, ts: number, id: number, addr: number, bytes: number, write: boolean): void {
    this.paths.access(agent, ts, id, addr, bytes, write);
  }

  /** Services the open GPU fault batch; returns the time its faulting agent resumes. */
  serviceBatch(): number { return this.faults.serviceBatch(); }

  userPrefetch(agent: number, t: number, id: number, addr: number, bytes: number, dst: number): number {
    return this.ops.userPrefetch(agent, t, id, addr, bytes, dst);
  }

  advise(id: number, addr: number, bytes: number, advice: string, target: number): boolean {
    return this.ops.advise(id, addr, bytes, advice, target);
  }

  /** An explicit copy (explicit-ops.ts); `staged` = the host memory of a pageable side, or -1. */
  copy(agent: number, t: number, src: number, dst: number, bytes: number, obj: number, staged = -1): number {
    return this.ops.copy(agent, t, src, dst, bytes, obj, staged);
  }

  /** Closes the run: services the open batch, ends every agent's work, closes open BAR-full spans. */
  finish(): void {
    if (this.batch.open) this.serviceBatch();
    const c = this.clocks;
    for (let a = 0; a < this.index.agentNames.length; a++) {
      c.noteEnd(c.traceFrontier[a]! + c.delay[a]!);
      c.noteEnd(c.pendingUntil[a]!);
    }
    this.bar.finish(c.endNs);
  }

  // ---------------------------------------------------------------- read access for the engine and the outputs

  get faultEngineFree(): Float64Array { return this.faults.faultEngineFree; }
  get agentNames(): readonly string[] { return this.index.agentNames; }
  get memNames(): readonly string[] { return this.index.memNames; }
  get gpuAgents(): readonly number[] { return this.index.gpuAgents; }
  get stall(): Float64Array { return this.clocks.stall; }
  get stallLog(): TripleLog { return this.clocks.stallLog; }
  get endNs(): number { return this.clocks.endNs; }
  get stats(): ModelCounters { return this.modelStats.counters; }
  get p2p(): ModelStats['p2p'] { return this.modelStats.p2p; }
  get odp(): ModelStats['odp'] { return this.modelStats.odp; }
  get devobj(): ModelStats['devobj'] { return this.modelStats.devobj; }
  get hazards(): number { return this.modelStats.hazards; }
  get barFullNs(): readonly number[] { return this.modelStats.barFullNs; }
  get streamOrder(): ModelStats['streamOrder'] { return this.modelStats.streamOrder; }
  get opRows(): Float64Array { return this.modelStats.opRows; }
}
