/**
 * The unified-memory / HMM migration model: owns the page state, the chunk lists, the fault batch and
 * the policies, and turns accesses into faults, migrations, evictions and remote accesses on the
 * interconnect. The engine (engine.ts) feeds it rows; every method here works on dense page indices
 * and typed arrays, allocating nothing per page.
 *
 * Time: each agent has a `delay` (ns its rows run late because of stalls and waits); a row's modeled
 * time is `ts + delay[agent]`. A stall (fault service, remote access, throttle) adds to the delay and
 * to `stall`. Transfers queue on links (interconnect/links.ts).
 */
import { MEM_KINDS } from '../../ingest/trace/schema.ts';
import { PAGE_SIZE, VA_BLOCK_SIZE } from '../../ingest/trace/units.ts';
import { Links } from '../interconnect/links.ts';
import type { Path, Topology } from '../interconnect/topology.ts';
import type { GpuAgent, Platform } from '../platform.ts';
import { EventLog } from '../events.ts';
import { AccessCounters } from './access-counters.ts';
import { AddressMap } from './address-map.ts';
import { ChunkLru } from './eviction.ts';
import { FaultBatch } from './fault-batcher.ts';
import { hmmCpuFaultRange } from './hmm.ts';
import { FLAG_NIC_MAPPED, FLAG_PEER_MAPPED, FLAG_PINNED, FLAG_READ_MOSTLY, FLAG_VALID, MAX_MEMORIES, PageState } from './page-state.ts';
import { PAGES_PER_BLOCK, Prefetcher } from './prefetcher.ts';
import { RES_DUPLICATE, RES_REMOTE, selectResidency, type ResidencyInputs } from './residency.ts';
import { HINT_PIN, HINT_THROTTLE, Thrashing } from './thrashing.ts';
import { BarAperture } from '../p2p/bar-aperture.ts';
import { Exporter } from '../p2p/exporter.ts';
import { RdmaRegistration } from '../p2p/rdma-registration.ts';
import { DriverObjects } from './driver-objects.ts';

export const AGENT_CPU = 0;
export const AGENT_GPU = 1;
export const AGENT_NIC = 2;
export const AGENT_NVME = 3;

const KIND_ANON = MEM_KINDS.indexOf('anon');
export const KIND_DEVICE = MEM_KINDS.indexOf('device');
export const KIND_DEVOBJ = MEM_KINDS.indexOf('devobj');
const KIND_PINNED = MEM_KINDS.indexOf('pinned');
const KIND_PAGEABLE = MEM_KINDS.indexOf('pageable');
/** Process memory mirrored by HMM (`anon`, and plain `pageable` memory on an HMM kernel, §2.8 uvm_disable_hmm). */
const isHmm = (kind: number) => kind === KIND_ANON || kind === KIND_PAGEABLE;

/** The timeline's (time, a, value) logs live in spill-log.ts (bounded in memory). */
export { TripleLog } from '../spill-log.ts';
import { TripleLog } from '../spill-log.ts';

export interface ModelCounters {
  gpuFaults: number; cpuFaults: number; gpuBatches: number; batchServiceNs: number;
  throttles: number; pins: number; unmappedRows: number;
}

export class MemoryModel {
  readonly events = new EventLog();
  readonly links: Links;
  readonly map = new AddressMap();
  readonly state: PageState;
  readonly lru: ChunkLru;
  readonly prefetcher: Prefetcher;
  readonly thrashing: Thrashing;
  readonly counters: AccessCounters;
  readonly batch: FaultBatch;
  readonly stats: ModelCounters = { gpuFaults: 0, cpuFaults: 0, gpuBatches: 0, batchServiceNs: 0, throttles: 0, pins: 0, unmappedRows: 0 };

  // memories: sys memories first, then one per GPU (named like the GPU)
  readonly memNames: string[] = [];
  readonly memIsSys: Uint8Array;
  readonly memCoherent: Uint8Array;
  /** GPU index of a memory, -1 for system memory */
  readonly memGpu: Int8Array;
  /** system memory that evictions from this memory go to (nearest by path) */
  readonly memHome: Int8Array;
  readonly memEventId: Int32Array;
  /** bytes per ns of each memory */
  private readonly memBandwidthOf: Float64Array;
  /** topology node index of each memory / agent */
  readonly memNodeIndex: Int32Array;
  readonly agentNode: Int32Array;
  // agents
  readonly agentNames: string[] = [];
  readonly agentKind: Uint8Array;
  /** local memory of an agent (-1 for NICs / NVMe) */
  readonly agentMem: Int8Array;
  readonly agentEventId: Int32Array;
  readonly delay: Float64Array;
  readonly stall: Float64Array;
  /** end of the agent's asynchronous work (prefetches, copies) */
  readonly pendingUntil: Float64Array;
  /** latest trace-time end (ts + dur) of the agent's rows */
  readonly traceFrontier: Float64Array;
  readonly gpuAgents: number[] = [];
  /** per GPU: time the fault engine finishes the batch in service */
  readonly faultEngineFree: Float64Array;
  readonly residentLog = new TripleLog(true);
  /** BAR bytes mapped per GPU (a = GPU index, v = delta), for timeline bar_mapped_bytes (issue 4 fills it) */
  readonly barLog = new TripleLog(true);
  /** Issue-4 figures (P2P/BAR, ODP, driver objects, hazards), copied into summary.json. */
  readonly p2p = { peer_maps: 0, peer_unmaps: 0, fallbacks: 0, bounce_bytes: 0, revocations: 0, refused: 0 };
  readonly odp = { invalidations: 0, nic_faults: 0, invalidation_ns: 0 };
  readonly devobj = { cpu_faults: 0, pte_zaps: 0, moves: 0, move_bytes: 0 };
  hazards = 0;
  /** per GPU: ns the BAR aperture had no room for the next request (issue 4) */
  readonly barFullNs: number[] = [];
  /**
   * Called before a run of pages that includes peer-/NIC-mapped pages migrates (issue 4: ODP
   * invalidation, move_notify). Returns the time the migration may start (≥ t).
   */
  mappedMoveHook: ((model: MemoryModel, t: number, p: number, n: number, src: number, dst: number) => number) | null = null;
  readonly stallLog = new TripleLog();
  endNs = 0;
  // Issue 4: the BAR aperture, the exporter's peer mappings, RDMA registrations, driver objects.
  readonly bar: BarAperture;
  readonly exporter: Exporter;
  readonly registration: RdmaRegistration;
  readonly driverObjects: DriverObjects;

  private readonly nodePaths: (Path | null)[];
  private readonly faulted = new Uint8Array(PAGES_PER_BLOCK);
  private readonly resident = new Uint8Array(PAGES_PER_BLOCK);
  private readonly prefetch = new Uint8Array(PAGES_PER_BLOCK);
  private readonly thrash = new Uint8Array(PAGES_PER_BLOCK);
  private readonly dupScratch = new Uint8Array(PAGES_PER_BLOCK);
  private readonly ids: Record<string, number>;
  private readonly resIn: ResidencyInputs;

  constructor(readonly platform: Platform, readonly topology: Topology) {
    this.links = new Links(topology);
    const gpus = platform.agents.filter((a): a is GpuAgent => a.kind === 'gpu');
    for (const m of platform.memories) this.memNames.push(m.name);
    for (const g of gpus) this.memNames.push(g.name);
    const M = this.memNames.length;
    if (M > MAX_MEMORIES) throw new Error(`at most ${MAX_MEMORIES} memories per platform`);
    this.memIsSys = new Uint8Array(M);
    this.memCoherent = new Uint8Array(M);
    this.memGpu = new Int8Array(M).fill(-1);
    this.memHome = new Int8Array(M);
    platform.memories.forEach((_, i) => { this.memIsSys[i] = 1; this.memCoherent[i] = 1; this.memHome[i] = i; });
    this.memBandwidthOf = Float64Array.from([...platform.memories.map((m) => m.bandwidth), ...gpus.map((g) => g.bandwidth)]);
    gpus.forEach((g, i) => {
      const m = platform.memories.length + i;
      this.memGpu[m] = i;
      this.memCoherent[m] = g.coherence === 'coherent' ? 1 : 0;
      let best = 0;
      let bestHops = Infinity;
      platform.memories.forEach((sm, k) => { const p = topology.path(g.name, sm.name); if (p && p.dirs.length < bestHops) { bestHops = p.dirs.length; best = k; } });
      this.memHome[m] = best;
    });
    const A = platform.agents.length;
    this.agentKind = new Uint8Array(A);
    this.agentMem = new Int8Array(A).fill(-1);
    platform.agents.forEach((a, i) => {
      this.agentNames.push(a.name);
      this.agentKind[i] = a.kind === 'cpu' ? AGENT_CPU : a.kind === 'gpu' ? AGENT_GPU : a.kind === 'nic' ? AGENT_NIC : AGENT_NVME;
      if (a.kind === 'cpu') this.agentMem[i] = this.memNames.indexOf(a.memory);
      if (a.kind === 'gpu') { this.agentMem[i] = this.memNames.indexOf(a.name); this.gpuAgents.push(i); }
    });
    this.delay = new Float64Array(A);
    this.stall = new Float64Array(A);
    this.pendingUntil = new Float64Array(A);
    this.traceFrontier = new Float64Array(A);
    this.faultEngineFree = new Float64Array(gpus.length);
    this.state = new PageState(M);
    this.lru = new ChunkLru(gpus.map((g) => Math.floor(g.memory / VA_BLOCK_SIZE)));
    const pol = platform.policy;
    this.prefetcher = new Prefetcher(pol.prefetch, pol.prefetch_threshold);
    this.thrashing = new Thrashing(pol);
    this.counters = new AccessCounters(gpus.length, pol.access_counter_threshold);
    this.batch = new FaultBatch(pol.fault_batch);
    // node paths between every memory/agent node pair, by node index
    const N = topology.nodes.length;
    this.nodePaths = new Array<Path | null>(N * N).fill(null);
    const ev = this.events;
    this.memEventId = Int32Array.from(this.memNames, (n) => ev.id(n));
    this.memNodeIndex = Int32Array.from(this.memNames, (n) => topology.node(n));
    this.agentNode = Int32Array.from(this.agentNames, (n) => topology.node(n));
    this.agentEventId = Int32Array.from(this.agentNames, (n) => ev.id(n));
    this.ids = Object.fromEntries(
      ['fault', 'fault_batch', 'migrate', 'evict', 'remote', 'throttle', 'pin', 'populate', 'copy', 'duplicate',
        'prefetch', 'user_prefetch', 'eviction', 'access_counter', 'cpu_fault', 'thrashing', 'coherent', 'zero_copy', 'accessed_by', 'peer', 'bar',
        'bounce', 'p2p_fallback', 'bo_move']
        .map((k) => [k, ev.id(k)]),
    );
    this.bar = new BarAperture(gpus.map((g) => g.bar), this.barLog, this.barFullNs);
    this.exporter = new Exporter(this);
    this.registration = new RdmaRegistration(this);
    this.driverObjects = new DriverObjects(this);
    // Only ODP mirrors can hold migratable pages (pinned registrations and BAR mappings never move), so
    // the UVM path scans no flags without it.
    if (platform.policy.rdma_registration === 'odp') this.mappedMoveHook = (_m, t, p, n, src, dst) => this.registration.invalidate(t, p, n, src, dst);
    const self = this;
    this.resIn = {
      faulter: 0, faulterIsCpu: false, faulterIsNic: false, hmm: false, write: false, thrashPin: false, peerRemote: false,
      canAccess(m: number) { return self.canAccess(this.faulter, m); },
    };
  }

  /** Path between two named nodes (memories / agents), cached. */
  path(from: number, to: number): Path {
    const t = this.topology;
    const key = from * t.nodes.length + to;
    let p = this.nodePaths[key];
    if (!p) {
      p = t.path(t.nodes[from]!, t.nodes[to]!);
      if (!p) throw new Error(`platform ${this.platform.name}: no path between ${t.nodes[from]} and ${t.nodes[to]}`);
      this.nodePaths[key] = p;
    }
    return p;
  }

  private memNode(m: number): number { return this.memNodeIndex[m]!; }

  /** Can the processor whose local memory is `from` reach memory `m` without migrating it? */
  canAccess(from: number, m: number): boolean {
    if (from === m) return true;
    if (this.memIsSys[from]) return this.memIsSys[m] === 1 || this.memCoherent[m] === 1; // CPU: sys or coherent device memory
    return true; // a GPU reaches system memory and peers over its links (zero-copy / peer mapping)
  }

  // ---------------------------------------------------------------- allocations

  /** Registers an allocation; returns its id or a problem string. */
  alloc(t: number, agent: number, peer: number, addr: number, bytes: number, memKind: number, obj: number): number | string {
    const id = this.map.add(addr, bytes, memKind, obj, agent);
    if (typeof id === 'string') return id;
    this.exporter.ensure(id + 1);
    this.registration.ensure(id + 1);
    this.driverObjects.ensure(id + 1);
    const s = this.state;
    const b0 = this.map.denseBlock(id, addr);
    const b1 = this.map.denseBlock(id, addr + bytes - 1);
    s.ensureBlocks(b1 + 1);
    this.lru.ensure(s.blocks);
    this.counters.ensure(s.blocks);
    for (let b = b0; b <= b1; b++) {
      const blockVa = (b - this.map.firstBlock[id]!) * VA_BLOCK_SIZE;
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
      const g = this.agentKind[agent] === AGENT_GPU ? agent : peer >= 0 && this.agentKind[peer] === AGENT_GPU ? peer : this.gpuAgents[0] ?? -1;
      home = g >= 0 ? this.agentMem[g]! : 0;
    } else if (memKind === KIND_PINNED) {
      home = this.agentKind[agent] === AGENT_CPU ? this.agentMem[agent]! : 0;
    }
    if (home >= 0) {
      for (let b = b0; b <= b1; b++) {
        const lo = b * PAGES_PER_BLOCK + s.blockFirst[b]!;
        const hi = b * PAGES_PER_BLOCK + s.blockOuter[b]!;
        s.loc.fill(home + 1, lo, hi);
        // Page-locked host memory and device allocations never migrate (accesses from elsewhere are remote).
        if (memKind === KIND_PINNED || memKind === KIND_DEVICE || memKind === KIND_DEVOBJ) for (let p = lo; p < hi; p++) s.flags[p]! |= FLAG_PINNED;
        s.held[b * s.memories + home]! += hi - lo;
        const g = this.memGpu[home]!;
        if (g >= 0) this.lru.pin(g, b);
        this.residentLog.push(t, home, (hi - lo) * PAGE_SIZE);
      }
    }
    return id;
  }

  free(t: number, id: number): void {
    // Freeing revokes what maps the object (GPUDirect free callback, §1.10) and its CPU-visible window.
    this.exporter.onFree(t, id);
    this.registration.onFree(id);
    this.driverObjects.onFree(t, id);
    const s = this.state;
    const addr = this.map.start[id]!;
    const b0 = this.map.denseBlock(id, addr);
    const b1 = this.map.denseBlock(id, this.map.end[id]! - 1);
    const M = s.memories;
    for (let b = b0; b <= b1; b++) {
      for (let m = 0; m < M; m++) {
        const h = s.held[b * M + m]!;
        if (h > 0) this.residentLog.push(t, m, -h * PAGE_SIZE);
        s.held[b * M + m] = 0;
        const g = this.memGpu[m]!;
        if (g >= 0) this.lru.release(g, b);
      }
      const lo = b * PAGES_PER_BLOCK;
      s.loc.fill(0, lo, lo + PAGES_PER_BLOCK); s.dup.fill(0, lo, lo + PAGES_PER_BLOCK);
      s.remote.fill(0, lo, lo + PAGES_PER_BLOCK); s.flags.fill(0, lo, lo + PAGES_PER_BLOCK);
    }
    this.map.remove(id);
  }

  // ---------------------------------------------------------------- accesses (hot path)

  /**
   * An access of `agent` at trace time `ts` to [addr, addr+bytes) of allocation `id`. Stalls show up
   * in `delay[agent]` (the caller must have serviced an open fault batch this row does not join).
   */
  access(agent: number, ts: number, id: number, addr: number, bytes: number, write: boolean): void {
    const map = this.map;
    const end = Math.min(addr + Math.max(bytes, 1), map.end[id]!);
    const p0 = map.densePage(id, addr);
    const p1 = map.densePage(id, end - 1);
    // Bytes of the access in its first and last page (remote and DMA traffic count exact bytes).
    this.headBytes = p0 === p1 ? end - addr : PAGE_SIZE - (addr % PAGE_SIZE);
    this.tailBytes = p0 === p1 ? end - addr : end - (end - 1 - ((end - 1) % PAGE_SIZE));
    this.rowP0 = p0;
    this.rowP1 = p1;
    this.rowAddr = addr;
    const kind = this.agentKind[agent]!;
    if (kind === AGENT_GPU) this.gpuAccess(agent, ts, id, p0, p1, write);
    else if (kind === AGENT_CPU) this.cpuAccess(agent, ts, id, p0, p1, write);
    else this.deviceAccess(agent, ts + this.delay[agent]!, id, p0, p1, write);
  }

  private headBytes = 0;
  private tailBytes = 0;
  private rowP0 = 0;
  private rowP1 = 0;
  private rowAddr = 0;
  /** first byte of the remote / DMA run being accumulated */
  private runAddr = 0;
  private byteAddr(p: number): number { return p === this.rowP0 ? this.rowAddr : this.pageAddr(p); }
  /** Bytes of the current access row that fall in page `p`. */
  private pageBytes(p: number): number {
    return p === this.rowP0 ? this.headBytes : p === this.rowP1 ? this.tailBytes : PAGE_SIZE;
  }

  private gpuAccess(agent: number, ts: number, id: number, p0: number, p1: number, write: boolean): void {
    const s = this.state;
    let t = ts + this.delay[agent]!;
    const loc = s.loc;
    const dup = s.dup;
    const me = this.agentMem[agent]!;
    const mine = me + 1;
    const bit = 1 << me;
    const ats = this.memCoherent[me] === 1 && isHmm(this.map.memKind[id]!);
    let remoteBytes = 0;
    let remoteSrc = -1;
    let lastBlock = -1;
    for (let p = p0; p <= p1; p++) {
      const l = loc[p]!;
      if (l === mine || (dup[p]! & bit)) {
        if (write && dup[p]!) this.breakDuplication(t, p, me);
        continue;
      }
      if ((s.remote[p]! & bit) || (ats && l > 0 && this.memIsSys[l - 1]) || (l > 0 && (s.flags[p]! & FLAG_PINNED))) {
        // Mapped remotely (accessed_by, pin, zero-copy, ATS on a coherent platform): no fault.
        if (remoteSrc !== l - 1 && remoteBytes > 0) { t = this.remoteAccess(agent, t, remoteSrc, remoteBytes, write, id); remoteBytes = 0; }
        remoteSrc = l - 1;
        if (remoteBytes === 0) this.runAddr = this.byteAddr(p);
        remoteBytes += this.pageBytes(p);
        const b = (p / PAGES_PER_BLOCK) | 0;
        if (b !== lastBlock) { lastBlock = b; this.noteAccessCounter(agent, t, b); }
        continue;
      }
      // A replayable fault (§2.2): join the open batch or start one.
      const batch = this.batch;
      if (batch.open && !batch.joins(agent, t, this.faultEngineFree[this.memGpu[me]!]!)) { this.serviceBatch(); t = ts + this.delay[agent]!; }
      if (!batch.open) batch.start(agent, t);
      batch.add(p, write, s.batchMark);
      if (batch.full) { this.serviceBatch(); t = ts + this.delay[agent]!; }
    }
    if (remoteBytes > 0) this.remoteAccess(agent, t, remoteSrc, remoteBytes, write, id);
  }

  private cpuAccess(agent: number, ts: number, id: number, p0: number, p1: number, write: boolean): void {
    const s = this.state;
    // Driver objects: the CPU PTEs fault in first (memory/driver-objects.ts, DESIGN.md behaviour 5).
    if (this.map.memKind[id] === KIND_DEVOBJ) this.driverObjects.cpuTouch(agent, ts + this.delay[agent]!, id, p0, p1);
    let t = ts + this.delay[agent]!;
    const loc = s.loc;
    const me = this.agentMem[agent]!;
    const bit = 1 << me;
    let remoteBytes = 0;
    let remoteSrc = -1;
    for (let p = p0; p <= p1; p++) {
      const l = loc[p]!;
      if (l > 0 && (this.memIsSys[l - 1] || (s.dup[p]! & bit))) {
        if (write && s.dup[p]!) this.breakDuplication(t, p, me);
        continue;
      }
      if (l > 0 && (this.memCoherent[l - 1] || (s.flags[p]! & FLAG_PINNED))) {
        // Coherent device memory: loads/stores over the link, no fault (§1.11, §1.12 DEV_COHERENT).
        // Pinned device memory (cudaMalloc, driver objects) is reached through the BAR (§3.4).
        if (remoteSrc !== l - 1 && remoteBytes > 0) { t = this.remoteAccess(agent, t, remoteSrc, remoteBytes, write, id); remoteBytes = 0; }
        remoteSrc = l - 1;
        if (remoteBytes === 0) this.runAddr = this.byteAddr(p);
        remoteBytes += this.pageBytes(p);
        continue;
      }
      if (remoteBytes > 0) { t = this.remoteAccess(agent, t, remoteSrc, remoteBytes, write, id); remoteBytes = 0; }
      if (l === 0) { this.firstTouch(t, p, me); continue; }
      t = this.cpuFault(agent, t, id, p, write);
    }
    if (remoteBytes > 0) this.remoteAccess(agent, t, remoteSrc, remoteBytes, write, id);
  }

  /** First CPU touch of an unpopulated page (§2.3 rule 6): the preferred location if reachable, else RAM. */
  private firstTouch(t: number, p: number, me: number): void {
    const pref = this.state.preferred[p]!;
    this.populate(t, p, pref >= 0 && this.canAccess(me, pref) ? pref : me);
  }

  /**
   * NIC / NVMe accesses. A peer mapping of a GPU object routes them (p2p/exporter.ts: over the P2P
   * path, or a bounce through host memory after a fallback); an ODP registration faults the pages into
   * the NIC first (p2p/rdma-registration.ts); otherwise the DMA goes to wherever the pages are.
   */
  protected deviceAccess(agent: number, t: number, id: number, p0: number, p1: number, write: boolean): void {
    if (this.exporter.deviceAccess(agent, t, id, p0, p1, write)) return;
    t = this.registration.pageIn(agent, t, id, p0, p1);
    this.dmaPages(agent, t, id, p0, p1, write, this.ids.remote!, this.ids.peer!, Infinity);
  }

  /** DMA of a device agent over pages [p0, p1] of the current row: one transfer per run with the same
   * location (unpopulated pages are populated in system memory). Returns when the last one ends. */
  dmaPages(agent: number, t: number, id: number, p0: number, p1: number, write: boolean, kind: number, cause: number, cap: number): number {
    const s = this.state;
    let bytes = 0;
    let src = -1;
    let end = t;
    for (let p = p0; p <= p1; p++) {
      let l = s.loc[p]! - 1;
      if (l < 0) { l = this.memHome[0]!; this.populate(t, p, l); }
      if (l !== src && bytes > 0) { end = Math.max(end, this.dma(agent, t, src, bytes, write, id, kind, cause, cap)); bytes = 0; }
      src = l;
      if (bytes === 0) this.runAddr = this.byteAddr(p);
      bytes += this.pageBytes(p);
    }
    if (bytes > 0) end = Math.max(end, this.dma(agent, t, src, bytes, write, id, kind, cause, cap));
    return end;
  }

  private dma(agent: number, t: number, m: number, bytes: number, write: boolean, id: number, kind: number, cause: number, cap: number): number {
    const a = this.agentNode[agent]!;
    const n = this.memNodeIndex[m]!;
    const path = write ? this.path(a, n) : this.path(n, a);
    const end = this.links.transfer(path, t, bytes, 0, cap);
    const ev = this.events;
    if (kind === this.ids.bounce) this.p2p.bounce_bytes += bytes;
    ev.emit(this.links.lastStart, end - this.links.lastStart, kind, this.agentEventId[agent]!,
      write ? -1 : this.memEventId[m]!, write ? this.memEventId[m]! : -1, this.runAddr, bytes, cause, this.map.obj[id]!);
    this.pendingUntil[agent] = Math.max(this.pendingUntil[agent]!, end);
    this.noteEnd(end);
    return end;
  }

  /** A stalling remote access (zero-copy, coherent link): latency + bytes / bandwidth on the path. */
  private remoteAccess(agent: number, t: number, m: number, bytes: number, write: boolean, id: number): number {
    const a = this.agentNode[agent]!;
    const n = this.memNodeIndex[m]!;
    const path = write ? this.path(a, n) : this.path(n, a);
    const bar = this.agentKind[agent] === AGENT_CPU && !this.memIsSys[m] && !this.memCoherent[m];
    const cap = bar ? (write ? this.platform.cost.bar_cpu_write : this.platform.cost.bar_cpu_read) : Infinity;
    const end = this.links.transfer(path, t, bytes, 0, cap);
    let cause = bar ? this.ids.bar! : this.memCoherent[m] && !this.memIsSys[m] ? this.ids.coherent! : this.ids.zero_copy!;
    let kind = this.ids.remote!;
    // The exporter GPU touching an object that fell back to system memory for a peer: the second leg
    // of a bounce (DESIGN.md behaviour 6; the importer's DMA into host memory is the first).
    if (this.exporter.fallbackRefs[id]! > 0 && this.agentKind[agent] === AGENT_GPU) { kind = this.ids.bounce!; cause = this.ids.p2p_fallback!; this.p2p.bounce_bytes += bytes; }
    // src → dst is the direction the data moves: memory → agent for reads, agent → memory for writes.
    const local = this.agentMem[agent]! >= 0 ? this.memEventId[this.agentMem[agent]!]! : -1;
    this.events.emit(this.links.lastStart, end - this.links.lastStart, kind, this.agentEventId[agent]!,
      write ? local : this.memEventId[m]!, write ? this.memEventId[m]! : local, this.runAddr, bytes, cause, this.map.obj[id]!);
    this.addStall(agent, t, end);
    return end;
  }

  addStall(agent: number, from: number, to: number): void {
    if (to <= from) return;
    this.delay[agent]! += to - from;
    this.stall[agent]! += to - from;
    this.stallLog.push(from, agent, to - from);
    this.noteEnd(to);
  }

  noteEnd(t: number): void { if (t > this.endNs) this.endNs = t; }

  private noteAccessCounter(agent: number, t: number, b: number): void {
    if (!this.platform.policy.access_counters) return;
    const me = this.agentMem[agent]!;
    const g = this.memGpu[me]!;
    if (!this.counters.note(g, b)) return;
    // Notification: migrate the 2 MiB granule to the GPU (§2.6), asynchronously to the accessing warps.
    const s = this.state;
    const base = b * PAGES_PER_BLOCK;
    const f = this.faulted;
    f.fill(0);
    for (let i = s.blockFirst[b]!; i < s.blockOuter[b]!; i++) {
      const l = s.loc[base + i]! - 1;
      if (l >= 0 && l !== me && !(s.flags[base + i]! & FLAG_PINNED)) f[i] = 1;
    }
    this.migrateMasked(t, agent, b, f, me, this.ids.access_counter!);
  }

  // ---------------------------------------------------------------- fault servicing

  /** Services the open GPU fault batch; returns the time its faulting agent resumes. */
  serviceBatch(): number {
    const batch = this.batch;
    const agent = batch.agent;
    const t0 = batch.openTs;
    const me = this.agentMem[agent]!;
    const g = this.memGpu[me]!;
    const s = this.state;
    const cost = this.platform.cost;
    const n = batch.count;
    const pages = batch.pages.subarray(0, n);
    // Sort by address (dense page order = VA order within allocations), §2.2 step 3; writes follow.
    const order = Int32Array.from({ length: n }, (_, i) => i).sort((x, y) => pages[x]! - pages[y]!);
    let start = Math.max(t0, this.faultEngineFree[g]!);
    for (let k = 0; k < n; k++) { const r = s.readyAt[pages[k]!]!; if (r > start) start = r; } // causality (page-state.ts)
    let t = start + cost.gpu_fault_batch + n * cost.gpu_fault_per_page;
    let done = t;
    let migrated = 0;
    this.stats.gpuBatches++;
    this.stats.gpuFaults += n;
    const ev = this.events;
    const agentId = this.agentEventId[agent]!;
    // 'fault' rows: contiguous runs of faulted pages (before big-page growth).
    for (let k = 0; k < n;) {
      const p = pages[order[k]!]!;
      let q = p;
      let j = k + 1;
      while (j < n && pages[order[j]!]! === q + 1) { q++; j++; }
      const a = this.pageAddr(p);
      ev.emit(t0, 0, this.ids.fault!, agentId, -1, this.memEventId[me]!, a, (q - p + 1) * PAGE_SIZE, this.ids.fault!, this.objOfPage(p));
      k = j;
    }
    let throttle = false;
    for (let k = 0; k < n;) {
      const b = (pages[order[k]!]! / PAGES_PER_BLOCK) | 0;
      const base = b * PAGES_PER_BLOCK;
      const f = this.faulted;
      f.fill(0);
      const dupMask = this.dupScratch;
      dupMask.fill(0);
      let anyDup = false;
      const id = s.blockAlloc[b]!;
      const hmm = isHmm(this.map.memKind[id]!);
      let j = k;
      let anyMigrate = false;
      let firstTouchAtPreferred = false;
      for (; j < n && ((pages[order[j]!]! / PAGES_PER_BLOCK) | 0) === b; j++) {
        const p = pages[order[j]!]!;
        const l = s.loc[p]! - 1;
        if (l === me || (s.dup[p]! & (1 << me))) continue; // already served (e.g. by an earlier prefetch)
        const hint = l >= 0 ? this.thrashing.onFault(s, p, t0) : 0;
        if (hint === HINT_THROTTLE) { throttle = true; this.stats.throttles++; ev.emit(t0, cost.gpu_fault_batch, this.ids.throttle!, agentId, -1, -1, this.pageAddr(p), PAGE_SIZE, this.ids.thrashing!, this.objOfPage(p)); }
        if (hint === HINT_PIN) { this.stats.pins++; ev.emit(t0, 0, this.ids.pin!, agentId, this.memEventId[l]!, this.memEventId[me]!, this.pageAddr(p), PAGE_SIZE, this.ids.thrashing!, this.objOfPage(p)); }
        const r = this.resIn;
        r.faulter = me; r.faulterIsCpu = false; r.faulterIsNic = false; r.hmm = hmm; r.write = batch.writes[order[j]!] === 1;
        r.thrashPin = hint === HINT_PIN; r.peerRemote = l >= 0 && this.memGpu[l]! >= 0 && this.platform.policy.gpu_peer_fault === 'remote';
        const d = selectResidency(s, p, r);
        if (d === RES_REMOTE) { s.remote[p]! |= 1 << me; continue; }
        if (d === RES_DUPLICATE) { dupMask[p - base] = 1; anyDup = true; continue; }
        if (d !== me) { done = Math.max(done, this.migratePage(t, agent, p, d, this.ids.fault!)); continue; }
        f[p - base] = 1;
        anyMigrate = true;
        if (l < 0 && s.preferred[p] === me) firstTouchAtPreferred = true;
      }
      if (anyDup) done = Math.max(done, this.duplicateMasked(t, agent, b, dupMask, me));
      if (anyMigrate) {
        const r = this.resident;
        for (let i = 0; i < PAGES_PER_BLOCK; i++) r[i] = s.loc[base + i] === me + 1 ? 1 : 0;
        const th = this.thrash;
        for (let i = 0; i < PAGES_PER_BLOCK; i++) th[i] = s.pinUntil[base + i]! > t0 ? 1 : 0;
        this.prefetcher.compute(r, f, th, s.blockFirst[b]!, s.blockOuter[b]!, this.prefetch);
        const pf = this.prefetch;
        // "On first touch at the preferred location, the whole block is prefetched" (§2.4).
        if (firstTouchAtPreferred && this.prefetcher.enabled) for (let i = s.blockFirst[b]!; i < s.blockOuter[b]!; i++) pf[i] = f[i] || r[i] ? 0 : 1;
        const e1 = this.migrateMasked(t, agent, b, f, me, this.ids.fault!);
        for (let i = 0; i < PAGES_PER_BLOCK; i++) if (pf[i] && (s.flags[base + i]! & FLAG_PINNED || s.pinUntil[base + i]! > t0)) pf[i] = 0;
        const e2 = this.migrateMasked(t, agent, b, pf, me, this.ids.prefetch!);
        done = Math.max(done, e1, e2);
        migrated += this.migratedAcc;
        this.migratedAcc = 0;
      }
      k = j;
    }
    if (throttle) done += this.platform.policy.thrashing_nap;
    this.faultEngineFree[g] = done;
    this.stats.batchServiceNs += done - start;
    ev.emit(start, done - start, this.ids.fault_batch!, agentId, -1, this.memEventId[me]!, Number.NaN, migrated, this.ids.fault!, -1);
    this.addStall(agent, t0, done);
    batch.clear();
    return done;
  }

  /** bytes moved by `move()` since last reset (a batch's migrated bytes) */
  migratedAcc = 0;

  /** A CPU fault on page `p` (managed: prefetcher toward the CPU; HMM device-private: hmm_cpu_fault). */
  private cpuFault(agent: number, t: number, id: number, p: number, write: boolean): number {
    const s = this.state;
    const me = this.agentMem[agent]!;
    const b = (p / PAGES_PER_BLOCK) | 0;
    const base = b * PAGES_PER_BLOCK;
    const first = s.blockFirst[b]!;
    const outer = s.blockOuter[b]!;
    const cost = this.platform.cost;
    this.stats.cpuFaults++;
    const t0 = t;
    if (s.readyAt[p]! > t) t = s.readyAt[p]!; // causality: wait for the page's last change (page-state.ts)
    const ev = this.events;
    const agentId = this.agentEventId[agent]!;
    const l = s.loc[p]! - 1;
    ev.emit(t, 0, this.ids.fault!, agentId, l >= 0 ? this.memEventId[l]! : -1, this.memEventId[me]!, this.pageAddr(p), PAGE_SIZE, this.ids.cpu_fault!, this.objOfPage(p));
    const ts = t + cost.cpu_fault;
    let done = ts;
    const hint = l >= 0 ? this.thrashing.onFault(s, p, t) : 0;
    if (hint === HINT_THROTTLE) { this.stats.throttles++; done += this.platform.policy.thrashing_nap; ev.emit(t, this.platform.policy.thrashing_nap, this.ids.throttle!, agentId, -1, -1, this.pageAddr(p), PAGE_SIZE, this.ids.thrashing!, this.objOfPage(p)); }
    const f = this.faulted;
    f.fill(0);
    if (isHmm(this.map.memKind[id]!)) {
      // HMM device-private: migrate_to_ram with the driver's granularity (§1.4), no prefetcher.
      const [lo, hi] = hmmCpuFaultRange(this.platform.policy.hmm_cpu_fault, p - base, first, outer);
      for (let i = lo; i < hi; i++) { const li = s.loc[base + i]! - 1; if (li >= 0 && !this.memIsSys[li] && !this.memCoherent[li]) f[i] = 1; }
      done = Math.max(done, this.migrateMasked(ts, agent, b, f, me, this.ids.cpu_fault!));
    } else {
      const r = this.resIn;
      r.faulter = me; r.faulterIsCpu = true; r.faulterIsNic = false; r.hmm = false; r.write = write; r.thrashPin = hint === HINT_PIN; r.peerRemote = false;
      const d = selectResidency(s, p, r);
      if (d === RES_DUPLICATE) {
        const m = this.dupScratch;
        m.fill(0);
        m[p - base] = 1;
        done = Math.max(done, this.duplicateMasked(ts, agent, b, m, me));
      }
      else if (d >= 0 && d !== me) done = Math.max(done, this.migratePage(ts, agent, p, d, this.ids.cpu_fault!));
      else {
        // RES_REMOTE cannot serve a CPU touch of device-private memory: the page must come back.
        f[p - base] = 1;
        const res = this.resident;
        for (let i = 0; i < PAGES_PER_BLOCK; i++) res[i] = s.loc[base + i]! > 0 && this.memIsSys[s.loc[base + i]! - 1] ? 1 : 0;
        const th = this.thrash;
        for (let i = 0; i < PAGES_PER_BLOCK; i++) th[i] = s.pinUntil[base + i]! > t ? 1 : 0;
        this.prefetcher.compute(res, f, th, first, outer, this.prefetch);
        // Only pages that sit in device-private memory need to come back; unpopulated ones populate on the CPU.
        done = Math.max(done, this.migrateMasked(ts, agent, b, f, me, this.ids.cpu_fault!));
        const pf = this.prefetch;
        for (let i = first; i < outer; i++) {
          if (!pf[i]) continue;
          const li = s.loc[base + i]! - 1;
          if (li < 0 || this.memIsSys[li] || this.memCoherent[li] || (s.flags[base + i]! & FLAG_PINNED)) pf[i] = 0;
        }
        done = Math.max(done, this.migrateMasked(ts, agent, b, pf, me, this.ids.prefetch!));
      }
    }
    this.migratedAcc = 0;
    this.addStall(agent, t0, done);
    return done;
  }

  // ---------------------------------------------------------------- migrations

  /**
   * Moves the masked pages of block `b` to memory `dst` at time `t`: one transfer and one `migrate`
   * row per contiguous run with the same source; unpopulated pages are populated in place (zero-fill,
   * no transfer). Allocates/evicts the destination chunk first. Returns when the last transfer ends.
   */
  migrateMasked(t: number, agent: number, b: number, mask: Uint8Array, dst: number, cause: number): number {
    const s = this.state;
    const base = b * PAGES_PER_BLOCK;
    const first = s.blockFirst[b]!;
    const outer = s.blockOuter[b]!;
    let any = false;
    for (let i = first; i < outer; i++) if (mask[i]) { any = true; break; }
    if (!any) return t;
    let done = t;
    const g = this.memGpu[dst]!;
    if (g >= 0 && !this.lru.has(g, b)) done = Math.max(done, this.makeRoom(t, g, b));
    for (let i = first; i < outer;) {
      if (!mask[i]) { i++; continue; }
      const src = s.loc[base + i]! - 1;
      let j = i + 1;
      while (j < outer && mask[j] && s.loc[base + j]! - 1 === src) j++;
      if (src === dst) { i = j; continue; }
      if (src < 0) {
        for (let k = i; k < j; k++) this.populate(t, base + k, dst);
      } else {
        done = Math.max(done, this.move(t, agent, base + i, j - i, src, dst, cause, this.ids.migrate!));
      }
      i = j;
    }
    if (g >= 0) this.lru.touch(g, b);
    return done;
  }

  /** Moves a run of pages [p, p+n) owned by `src` to `dst` (one transfer, one event of `kind`:
   * `migrate`, or `bo_move` for driver-object moves). */
  move(t: number, agent: number, p: number, n: number, src: number, dst: number, cause: number, kind: number): number {
    const s = this.state;
    const bytes = n * PAGE_SIZE;
    if (this.mappedMoveHook) {
      let mapped = 0;
      for (let k = p; k < p + n; k++) mapped |= s.flags[k]!;
      if (mapped & (FLAG_NIC_MAPPED | FLAG_PEER_MAPPED)) t = this.mappedMoveHook(this, t, p, n, src, dst);
    }
    const path = this.path(this.memNode(src), this.memNode(dst));
    const end = this.links.transfer(path, t, bytes, this.platform.cost.transfer_fixed);
    const start = this.links.lastStart;
    this.events.emit(start, end - start, kind, this.agentEventId[agent]!, this.memEventId[src]!, this.memEventId[dst]!,
      this.pageAddr(p), bytes, cause, this.objOfPage(p));
    const b = (p / PAGES_PER_BLOCK) | 0;
    const M = s.memories;
    for (let k = p; k < p + n; k++) {
      // Every other copy and remote mapping of the page is invalidated (§1.3: unmapped during migration).
      const d = s.dup[k]!;
      if (d) for (let m = 0; m < M; m++) if (d & (1 << m)) { s.held[b * M + m]!--; this.residentLog.push(start, m, -PAGE_SIZE); }
      s.dup[k] = 0;
      s.remote[k] = 0;
      s.loc[k] = dst + 1;
      s.lastMigrate[k] = t;
      s.readyAt[k] = end;
    }
    s.held[b * M + src]! -= n;
    s.held[b * M + dst]! += n;
    this.residentLog.push(start, src, -bytes);
    this.residentLog.push(end, dst, bytes);
    this.releaseIfEmpty(b, src);
    this.migratedAcc += bytes;
    this.noteEnd(end);
    return end;
  }

  private migratePage(t: number, agent: number, p: number, dst: number, cause: number): number {
    const b = (p / PAGES_PER_BLOCK) | 0;
    const f = this.prefetch; // scratch (callers do not use it across this call)
    f.fill(0);
    f[p - b * PAGES_PER_BLOCK] = 1;
    return this.migrateMasked(t, agent, b, f, dst, cause);
  }

  populate(t: number, p: number, dst: number): void {
    const s = this.state;
    const b = (p / PAGES_PER_BLOCK) | 0;
    const g = this.memGpu[dst]!;
    if (g >= 0 && !this.lru.has(g, b)) { this.makeRoom(t, g, b); this.lru.touch(g, b); }
    s.loc[p] = dst + 1;
    s.held[b * s.memories + dst]!++;
    this.residentLog.push(t, dst, PAGE_SIZE);
  }

  /**
   * Read duplication (§2.3 rule 2): copy the masked pages of block `b` to `dst`; owners keep theirs.
   * One transfer and one `duplicate` row per contiguous run with the same owner.
   */
  private duplicateMasked(t: number, agent: number, b: number, mask: Uint8Array, dst: number): number {
    const s = this.state;
    const base = b * PAGES_PER_BLOCK;
    const g = this.memGpu[dst]!;
    let done = t;
    if (g >= 0 && !this.lru.has(g, b)) done = this.makeRoom(t, g, b);
    for (let i = s.blockFirst[b]!; i < s.blockOuter[b]!;) {
      if (!mask[i]) { i++; continue; }
      const src = s.loc[base + i]! - 1;
      let j = i + 1;
      while (j < s.blockOuter[b]! && mask[j] && s.loc[base + j]! - 1 === src) j++;
      const bytes = (j - i) * PAGE_SIZE;
      const path = this.path(this.memNode(src), this.memNode(dst));
      const end = this.links.transfer(path, t, bytes, this.platform.cost.transfer_fixed);
      this.events.emit(this.links.lastStart, end - this.links.lastStart, this.ids.duplicate!, this.agentEventId[agent]!, this.memEventId[src]!,
        this.memEventId[dst]!, this.pageAddr(base + i), bytes, this.ids.fault!, this.objOfPage(base + i));
      for (let k = base + i; k < base + j; k++) { s.dup[k]! |= 1 << dst; if (end > s.readyAt[k]!) s.readyAt[k] = end; }
      s.held[b * s.memories + dst]! += j - i;
      this.residentLog.push(end, dst, bytes);
      this.noteEnd(end);
      done = Math.max(done, end);
      i = j;
    }
    if (g >= 0) this.lru.touch(g, b);
    return done;
  }

  /** A write breaks read duplication (§2.7 `break_read_duplication_in_region`): drop the other copies. */
  private breakDuplication(t: number, p: number, writer: number): void {
    const s = this.state;
    const b = (p / PAGES_PER_BLOCK) | 0;
    const M = s.memories;
    const owner = s.loc[p]! - 1;
    if (t > s.readyAt[p]!) s.readyAt[p] = t;
    if (owner !== writer) {
      // The writer holds a copy: it becomes the owner; the old owner's copy is dropped.
      s.held[b * M + owner]!--; this.residentLog.push(t, owner, -PAGE_SIZE);
      s.dup[p]! &= ~(1 << writer);
      s.loc[p] = writer + 1;
      this.releaseIfEmpty(b, owner);
    }
    const d = s.dup[p]!;
    for (let m = 0; m < M; m++) if (d & (1 << m)) { s.held[b * M + m]!--; this.residentLog.push(t, m, -PAGE_SIZE); this.releaseIfEmpty(b, m); }
    s.dup[p] = 0;
  }

  private releaseIfEmpty(b: number, m: number): void {
    const g = this.memGpu[m]!;
    if (g >= 0 && this.state.held[b * this.state.memories + m] === 0) this.lru.release(g, b);
  }

  /**
   * Device memory full → evict root chunks (§2.5) until block `b` can get one on GPU `g`: all pages
   * of the victim chunk go to system memory (cause `eviction`), one VA block at a time.
   */
  private makeRoom(t: number, g: number, b: number): number {
    let done = t;
    const s = this.state;
    const M = s.memories;
    const mem = this.platform.memories.length + g;
    const home = this.memHome[mem]!;
    const gpuAgent = this.gpuAgents[g]!;
    while (this.lru.isFull(g)) {
      const v = this.lru.victim(g, b);
      if (v < 0) break; // nothing evictable: over-commit rather than fail
      const base = v * PAGES_PER_BLOCK;
      const before = s.held[v * M + mem]!;
      let evictEnd = t;
      // Duplicates are simply dropped; owned pages move home.
      for (let i = s.blockFirst[v]!; i < s.blockOuter[v]!; i++) {
        const p = base + i;
        if (s.dup[p]! & (1 << mem)) { s.dup[p]! &= ~(1 << mem); s.held[v * M + mem]!--; this.residentLog.push(t, mem, -PAGE_SIZE); }
      }
      const f = this.resident; // scratch
      f.fill(0);
      for (let i = s.blockFirst[v]!; i < s.blockOuter[v]!; i++) if (s.loc[base + i] === mem + 1) f[i] = 1;
      for (let i = s.blockFirst[v]!; i < s.blockOuter[v]!;) {
        if (!f[i]) { i++; continue; }
        let j = i + 1;
        while (j < s.blockOuter[v]! && f[j]) j++;
        evictEnd = Math.max(evictEnd, this.move(t, gpuAgent, base + i, j - i, mem, home, this.ids.eviction!, this.ids.migrate!));
        i = j;
      }
      this.migratedAcc = 0;
      this.events.emit(t, evictEnd - t, this.ids.evict!, this.agentEventId[gpuAgent]!, this.memEventId[mem]!, this.memEventId[home]!,
        this.blockAddr(v), before * PAGE_SIZE, this.ids.eviction!, this.objOfPage(base));
      this.lru.release(g, v);
      done = Math.max(done, evictEnd);
    }
    return done;
  }

  /** bytes moved by the last `moveAllocation` */
  movedBytes = 0;

  /**
   * Moves every page of allocation `id` held elsewhere to memory `dst`, as one driver operation (TTM
   * buffer move: exporter fallback, CPU fault outside the visible BAR, §1.8): one `kind` row per
   * contiguous run. Returns when the last transfer ends; `movedBytes` says how much moved.
   */
  moveAllocation(t: number, agent: number, id: number, dst: number, cause: number, kind: number): number {
    const s = this.state;
    const map = this.map;
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
    this.migratedAcc = 0;
    this.movedBytes = moved;
    return done;
  }

  // ---------------------------------------------------------------- explicit operations

  /** cudaMemPrefetchAsync / migrate_vma of a range to memory `dst` in 2 MiB pieces (cause user_prefetch). */
  userPrefetch(agent: number, t: number, id: number, addr: number, bytes: number, dst: number): number {
    const s = this.state;
    const end = Math.min(addr + Math.max(bytes, 1), this.map.end[id]!);
    const p0 = this.map.densePage(id, addr);
    const p1 = this.map.densePage(id, end - 1);
    let done = t;
    const f = this.faulted;
    for (let b = (p0 / PAGES_PER_BLOCK) | 0; b <= ((p1 / PAGES_PER_BLOCK) | 0); b++) {
      f.fill(0);
      const base = b * PAGES_PER_BLOCK;
      for (let i = Math.max(s.blockFirst[b]!, p0 - base); i < Math.min(s.blockOuter[b]!, p1 - base + 1); i++) {
        if (!(s.flags[base + i]! & FLAG_PINNED)) f[i] = 1;
      }
      done = Math.max(done, this.migrateMasked(t, agent, b, f, dst, this.ids.user_prefetch!));
    }
    this.migratedAcc = 0;
    return done;
  }

  /** cudaMemAdvise: preferred location / accessed_by / read_mostly (§2.3). */
  advise(id: number, addr: number, bytes: number, advice: string, target: number): boolean {
    const s = this.state;
    const end = Math.min(addr + Math.max(bytes, 1), this.map.end[id]!);
    const p0 = this.map.densePage(id, addr);
    const p1 = this.map.densePage(id, end - 1) + 1;
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

  /** An explicit DMA copy (cudaMemcpy, RDMA write): bytes from memory `src` to memory `dst`. */
  copy(agent: number, t: number, src: number, dst: number, bytes: number, obj: number): number {
    let start = t;
    let end: number;
    if (src === dst) {
      // A copy within one memory (cudaMemcpy DtoD on one GPU, a host memcpy) crosses no link: the copy
      // engine reads and writes every byte of that memory once (REFERENCE.md §3.6 bandwidths).
      end = t + this.platform.cost.transfer_fixed + Math.ceil((2 * bytes) / this.memBandwidth(src));
    } else {
      const path = this.path(this.memNode(src), this.memNode(dst));
      end = this.links.transfer(path, t, bytes, this.platform.cost.transfer_fixed);
      start = this.links.lastStart;
    }
    this.events.emit(start, end - start, this.ids.copy!, this.agentEventId[agent]!, this.memEventId[src]!, this.memEventId[dst]!, Number.NaN, bytes, -1, obj);
    this.pendingUntil[agent] = Math.max(this.pendingUntil[agent]!, end);
    this.noteEnd(end);
    return end;
  }

  // ---------------------------------------------------------------- helpers

  /** Bandwidth of a memory (bytes per ns): its system memory entry, or its GPU's device memory. */
  private memBandwidth(m: number): number {
    const g = this.memGpu[m]!;
    return this.memBandwidthOf[m]!;
  }

  pageAddr(p: number): number {
    const b = (p / PAGES_PER_BLOCK) | 0;
    return this.blockAddr(b) + (p - b * PAGES_PER_BLOCK) * PAGE_SIZE;
  }

  private blockAddr(b: number): number {
    const id = this.state.blockAlloc[b]!;
    return (b - this.map.firstBlock[id]!) * VA_BLOCK_SIZE;
  }

  private objOfPage(p: number): number {
    const id = this.state.blockAlloc[(p / PAGES_PER_BLOCK) | 0]!;
    return id >= 0 ? this.map.obj[id]! : -1;
  }
}
