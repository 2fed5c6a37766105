/**
 * The topology graph of a platform: nodes are agents, system memories and switches; edges are the
 * platform's links. A GPU's device memory is its agent node. CPU nodes are the root complex / host
 * bridge of their socket, so a path through a CPU node is a path "through the host bridge" in the
 * sense of Linux p2pdma (REFERENCE.md §1.7).
 *
 * Path finding is breadth-first (fewest hops), neighbours in link declaration order, so the chosen
 * path is deterministic; only switches and CPUs forward traffic (endpoints never do).
 */
import type { Platform, P2pRule } from '../platform.ts';

/** A link direction id: link index × 2 + 0 for `down` (a→b) or 1 for `up` (b→a). */
export type DirId = number;

export interface Path {
  readonly from: string;
  readonly to: string;
  /** link directions traversed, in order */
  readonly dirs: Int32Array;
  /** sum of link latencies (ns) */
  readonly latency: number;
  /** smallest per-direction bandwidth on the path (bytes/ns) */
  readonly bottleneck: number;
  /** passes through a CPU node (host bridge) between its ends */
  readonly viaHostBridge: boolean;
  /** uses an inter-socket link */
  readonly crossSocket: boolean;
}

export class Topology {
  readonly nodes: string[] = [];
  private readonly index = new Map<string, number>();
  private readonly forwards: boolean[] = [];
  private readonly isCpu: boolean[] = [];
  /** per direction id */
  readonly dirBandwidth: Float64Array;
  readonly dirName: string[] = [];
  readonly linkLatency: Float64Array;
  private readonly adjacency: { to: number; dir: DirId }[][] = [];
  private readonly paths = new Map<number, Path | null>();

  constructor(readonly platform: Platform) {
    const add = (name: string, forwards: boolean, cpu: boolean) => {
      this.index.set(name, this.nodes.length);
      this.nodes.push(name);
      this.forwards.push(forwards);
      this.isCpu.push(cpu);
      this.adjacency.push([]);
    };
    for (const a of platform.agents) add(a.name, a.kind === 'cpu', a.kind === 'cpu');
    for (const m of platform.memories) add(m.name, false, false);
    for (const s of platform.switches) add(s, true, false);
    const L = platform.links.length;
    this.dirBandwidth = new Float64Array(2 * L);
    this.linkLatency = new Float64Array(L);
    platform.links.forEach((l, i) => {
      const a = this.node(l.a);
      const b = this.node(l.b);
      this.dirBandwidth[2 * i] = l.bandwidth;
      this.dirBandwidth[2 * i + 1] = l.bandwidthUp;
      this.linkLatency[i] = l.latency;
      this.dirName.push(`${l.name}:down`, `${l.name}:up`);
      this.adjacency[a]!.push({ to: b, dir: 2 * i });
      this.adjacency[b]!.push({ to: a, dir: 2 * i + 1 });
    });
  }

  node(name: string): number {
    const i = this.index.get(name);
    if (i === undefined) throw new Error(`topology has no node ${name}`);
    return i;
  }

  has(name: string): boolean { return this.index.has(name); }

  get linkCount(): number { return this.platform.links.length; }

  /** The path between two nodes (cached), or null when they are not connected. */
  path(from: string, to: string): Path | null {
    const s = this.node(from);
    const t = this.node(to);
    const key = s * this.nodes.length + t;
    let p = this.paths.get(key);
    if (p === undefined) {
      p = this.search(s, t);
      this.paths.set(key, p);
    }
    return p;
  }

  private search(s: number, t: number): Path | null {
    const n = this.nodes.length;
    const via = new Int32Array(n).fill(-1);
    const seen = new Uint8Array(n);
    seen[s] = 1;
    const queue = [s];
    for (let q = 0; q < queue.length && !seen[t]; q++) {
      const u = queue[q]!;
      if (u !== s && !this.forwards[u]) continue;
      for (const e of this.adjacency[u]!) {
        if (seen[e.to]) continue;
        seen[e.to] = 1;
        via[e.to] = e.dir;
        queue.push(e.to);
      }
    }
    if (!seen[t]) return null;
    const dirs: number[] = [];
    let viaHostBridge = false;
    let crossSocket = false;
    for (let u = t; u !== s;) {
      const d = via[u]!;
      dirs.push(d);
      const link = this.platform.links[d >> 1]!;
      if (link.type === 'upi') crossSocket = true;
      u = this.node((d & 1) === 0 ? link.a : link.b);
      if (u !== s && this.isCpu[u]) viaHostBridge = true;
    }
    dirs.reverse();
    let latency = 0;
    let bottleneck = Infinity;
    for (const d of dirs) {
      latency += this.linkLatency[d >> 1]!;
      bottleneck = Math.min(bottleneck, this.dirBandwidth[d]!);
    }
    return { from: this.nodes[s]!, to: this.nodes[t]!, dirs: Int32Array.from(dirs), latency, bottleneck, viaHostBridge, crossSocket };
  }

  /**
   * Peer-to-peer routability of a path between two devices (§1.7): under a common switch always
   * allowed; through a host bridge per `p2p.host_bridge`; across sockets per `p2p.cross_socket`.
   */
  p2pRule(path: Path): P2pRule {
    if (path.crossSocket) return this.platform.p2p.cross_socket;
    if (path.viaHostBridge) return this.platform.p2p.host_bridge;
    return { kind: 'allowed' };
  }
}
