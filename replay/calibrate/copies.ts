/**
 * A trace's own explicit copies (`copy` rows: cudaMemcpy*, hipMemcpy*) as calibration observations:
 * each has an observed duration, a size, a direction (from `agent` → `peer`) and, for host copies, the
 * host memory kind (`mem`: pinned, else pageable — the CUDA runtime treats host memory that is not
 * page-locked as pageable). Copy kinds:
 *   `HtoD pinned`, `HtoD pageable`, `DtoH pinned`, `DtoH pageable`, `DtoD` (one GPU), `PtoP` (two GPUs).
 *
 * The cost `hetmem calibrate` compares them with (no queueing, no contention):
 * - host copies: the platform's host ↔ GPU path, `transfer_fixed + Σ latency + bytes / bottleneck`
 *   (interconnect/links.ts). Pageable copies go through the CUDA runtime's pinned staging buffer (CUDA
 *   C Programming Guide, "Page-Locked Host Memory"; CUDA Runtime API "API synchronization behavior"):
 *   plus the bounce, `2 × bytes / system memory bandwidth` (read and write of host memory), as replay
 *   costs it (memory/explicit-ops.ts). Their fit sets a link only when no pinned copy of that direction
 *   fits, since it includes the bounce;
 * - `DtoD`: `transfer_fixed + 2 × bytes / the GPU's memory bandwidth` — the copy reads and writes
 *   device memory, so it moves twice its size (the way nvbandwidth reports device-local copies);
 * - `PtoP`: the platform's GPU → GPU path (NVLink, a PCIe switch or the host bridge), as host copies.
 */
import { TraceReader } from '../../ingest/trace/reader.ts';
import { Links } from '../interconnect/links.ts';
import { Topology } from '../interconnect/topology.ts';
import { loadPlatform } from '../platform-loader.ts';
import { isDevice } from './transfers.ts';

export const COPY_KINDS = ['HtoD pinned', 'HtoD pageable', 'DtoH pinned', 'DtoH pageable', 'DtoD', 'PtoP'] as const;
export type CopyKind = (typeof COPY_KINDS)[number];

/** Observed copies, columnar (a few thousand per trace: plain arrays). */
export class Copies {
  dur: number[] = [];
  bytes: number[] = [];
  dir: CopyKind[] = [];
  /** the GPU end (the source GPU of a peer copy) */
  gpu: string[] = [];
  /** the other GPU of a peer copy, else '' */
  peer: string[] = [];
  get count(): number { return this.dur.length; }
}

/** The kind of a copy from `agent` to `peer` with host memory kind `mem`, or null (host to host). */
export function copyKindOf(agent: string, peer: string, mem: string | null): CopyKind | null {
  const s = isDevice(agent);
  const d = isDevice(peer);
  const host = mem === 'pinned' ? 'pinned' : 'pageable';
  if (!s && d) return `HtoD ${host}`;
  if (s && !d) return `DtoH ${host}`;
  if (s && d) return agent === peer ? 'DtoD' : 'PtoP';
  return null;
}

/** The `copy` rows of a canonical trace with a positive duration and size. */
export async function readCopies(tracePath: string): Promise<Copies> {
  const reader = await TraceReader.open(tracePath);
  const c = new Copies();
  try {
    for await (const b of reader.batches()) {
      const ops = b.dictionary('op'); const agents = b.dictionary('agent'); const peers = b.dictionary('peer'); const mems = b.dictionary('mem');
      const opc = b.codes('op'); const agc = b.codes('agent'); const pc = b.codes('peer'); const mc = b.codes('mem');
      const dur = b.num('dur'); const bytes = b.num('bytes');
      for (let i = 0; i < b.length; i++) {
        if (ops[opc[i]!] !== 'copy' || pc[i]! < 0 || !(dur[i]! > 0) || !(bytes[i]! > 0)) continue;
        const agent = agents[agc[i]!]!;
        const peer = peers[pc[i]!]!;
        const kind = copyKindOf(agent, peer, mc[i]! >= 0 ? mems[mc[i]!]! : null);
        if (kind === null) continue;
        c.dur.push(dur[i]!); c.bytes.push(bytes[i]!); c.dir.push(kind);
        c.gpu.push(isDevice(agent) ? agent : peer);
        c.peer.push(kind === 'PtoP' ? peer : '');
      }
    }
  } finally {
    await reader.close();
  }
  return c;
}

/** The model's cost of one copy on a platform (module comment), null when the platform has no such path or GPU. */
export function copyCost(platformArg: string, set: Record<string, string>, agents: Record<string, string> = {}): (kind: CopyKind, gpu: string, bytes: number, peer: string) => number | null {
  const { platform } = loadPlatform(platformArg, set);
  const topo = new Topology(platform);
  const fixed = platform.cost.transfer_fixed;
  const sys = (gpu: string) => platform.memories.map((m) => m.name).find((m) => topo.path(m, gpu) !== null);
  return (kind, traceGpu, bytes, tracePeer) => {
    const gpu = agents[traceGpu] ?? traceGpu;
    const agent = platform.agents.find((a) => a.name === gpu);
    if (!agent || agent.kind !== 'gpu') return null;
    if (kind === 'DtoD') return fixed + Math.ceil((2 * bytes) / agent.bandwidth);
    if (kind === 'PtoP') {
      const path = topo.path(gpu, agents[tracePeer] ?? tracePeer);
      return path ? Links.duration(path, bytes, fixed) : null;
    }
    const m = sys(gpu);
    if (!m) return null;
    const path = kind.startsWith('HtoD') ? topo.path(m, gpu) : topo.path(gpu, m);
    if (!path) return null;
    const bounce = kind.endsWith('pageable') ? Math.ceil((2 * bytes) / platform.memories.find((x) => x.name === m)!.bandwidth) : 0;
    return Links.duration(path, bytes, fixed) + bounce;
  };
}
