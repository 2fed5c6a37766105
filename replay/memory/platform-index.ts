/**
 * The platform as index tables the model's hot loops read: memories (system memories first, then one
 * per GPU, named like the GPU) and agents, each with its kind, coherence, home memory, topology node
 * and interned event-string id; plus a cache of paths between topology nodes.
 */
import type { Path, Topology } from '../interconnect/topology.ts';
import type { EventLog } from '../events.ts';
import type { GpuAgent, Platform } from '../platform.ts';
import { AGENT_CPU, AGENT_GPU, AGENT_NIC, AGENT_NVME } from './kinds.ts';
import { MAX_MEMORIES } from './page-state.ts';

export class PlatformIndex {
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
  /** agent index of each GPU, by GPU index */
  readonly gpuAgents: number[] = [];
  /** the platform's GPUs, by GPU index */
  readonly gpus: GpuAgent[];
  private readonly nodePaths: (Path | null)[];

  constructor(readonly platform: Platform, readonly topology: Topology, events: EventLog) {
    const gpus = platform.agents.filter((a): a is GpuAgent => a.kind === 'gpu');
    this.gpus = gpus;
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
    // node paths between every memory/agent node pair, by node index
    const N = topology.nodes.length;
    this.nodePaths = new Array<Path | null>(N * N).fill(null);
    this.memEventId = Int32Array.from(this.memNames, (n) => events.id(n));
    this.memNodeIndex = Int32Array.from(this.memNames, (n) => topology.node(n));
    this.agentNode = Int32Array.from(this.agentNames, (n) => topology.node(n));
    this.agentEventId = Int32Array.from(this.agentNames, (n) => events.id(n));
  }

  /** Path between two topology nodes (memories / agents) by node index, cached. */
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

  /** Path between two memories. */
  memPath(src: number, dst: number): Path { return this.path(this.memNodeIndex[src]!, this.memNodeIndex[dst]!); }

  /** Path of the data of an agent's access to memory `m`: memory → agent for reads, agent → memory for writes. */
  accessPath(agent: number, m: number, write: boolean): Path {
    const a = this.agentNode[agent]!;
    const n = this.memNodeIndex[m]!;
    return write ? this.path(a, n) : this.path(n, a);
  }

  /** Can the processor whose local memory is `from` reach memory `m` without migrating it? */
  canAccess(from: number, m: number): boolean {
    if (from === m) return true;
    if (this.memIsSys[from]) return this.memIsSys[m] === 1 || this.memCoherent[m] === 1; // CPU: sys or coherent device memory
    return true; // a GPU reaches system memory and peers over its links (zero-copy / peer mapping)
  }

  /** Non-coherent device memory (device-private): the CPU cannot load/store it in place. */
  isDevicePrivate(m: number): boolean { return !this.memIsSys[m] && !this.memCoherent[m]; }

  /** Bandwidth of a memory (bytes per ns): its system memory entry, or its GPU's device memory. */
  memBandwidth(m: number): number { return this.memBandwidthOf[m]!; }

  /** Memory index of GPU `g`'s device memory. */
  gpuMem(g: number): number { return this.platform.memories.length + g; }
}
