/**
 * The `agents` section of a rocprofv3 JSON file: the HSA agents (CPU sockets and GPUs) with their
 * memory banks and io_links. This module names them as canonical agents — `cpu<k>` / `gpu<k>` by their
 * order among the agents of their type (the order rocprofiler lists them, which is the KFD node order)
 * — and turns them into the `hetmem.devices` metadata (name, memory size, PCI bus, links with their
 * type and bandwidth).
 */

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** rocprofiler_agent_type_t */
const AGENT_TYPE_CPU = 1;
const AGENT_TYPE_GPU = 2;

/** HSA_IOLINKTYPE (hsakmttypes.h); others print as `type<N>`. */
const LINK_TYPES: Record<number, string> = {
  1: 'hypertransport', 2: 'pcie', 3: 'amba', 4: 'mipi', 5: 'qpi', 7: 'infiniband', 8: 'rdma', 9: 'fsb', 10: 'numa', 11: 'xgmi',
};

/** HSA_HEAPTYPE: system memory (CPU) and frame buffer, public and private (GPU). */
const HEAP_SYSTEM = 0;
const HEAP_FRAME_BUFFER = new Set([1, 2]);

export interface AgentEntry {
  /** Canonical agent name (`cpu0`, `gpu3`). */
  agent: string;
  gpu: boolean;
}

export interface DeviceEntry {
  agent: string;
  [key: string]: unknown;
}

/** A problem with one agent, for the caller's BadInputError: `agents[i].field`. */
export class AgentProblem {
  constructor(readonly field: string, readonly problem: string) {}
}

export class AgentTable {
  private readonly byHandle = new Map<number, AgentEntry>();
  readonly devices: DeviceEntry[] = [];

  /** Builds the table from the parsed `agents` array; throws AgentProblem on malformed entries. */
  constructor(agents: unknown) {
    if (!Array.isArray(agents)) throw new AgentProblem('', 'is not an array');
    const byNode = new Map<number, string>();
    let cpus = 0;
    let gpus = 0;
    const kept: { a: Json; entry: DeviceEntry }[] = [];
    agents.forEach((a, i) => {
      if (!isObject(a)) throw new AgentProblem(`[${i}]`, 'is not an object');
      const handle = handleOf(a.id);
      if (handle === null) throw new AgentProblem(`[${i}].id.handle`, `is not a non-negative integer (got ${JSON.stringify(a.id)})`);
      if (a.type !== AGENT_TYPE_CPU && a.type !== AGENT_TYPE_GPU) return; // other agent types do not take part in the trace
      const gpu = a.type === AGENT_TYPE_GPU;
      const agent = gpu ? `gpu${gpus++}` : `cpu${cpus++}`;
      if (this.byHandle.has(handle)) throw new AgentProblem(`[${i}].id.handle`, `repeats agent handle ${handle}`);
      this.byHandle.set(handle, { agent, gpu });
      if (Number.isSafeInteger(a.node_id)) byNode.set(a.node_id as number, agent);
      kept.push({ a, entry: deviceEntry(agent, gpu, handle, a) });
    });
    // Links name their ends by KFD node id: resolved once every agent is named.
    for (const { a, entry } of kept) {
      const links = linksOf(a.io_links, byNode);
      if (links.length > 0) entry.links = links;
      this.devices.push(entry);
    }
  }

  /** The agent of a handle, or undefined when the agents list does not have it. */
  get(handle: number): AgentEntry | undefined {
    return this.byHandle.get(handle);
  }
}

/** `{"handle": n}` → n, or null. */
export function handleOf(v: unknown): number | null {
  if (!isObject(v)) return null;
  const h = v.handle;
  return typeof h === 'number' && Number.isSafeInteger(h) && h >= 0 ? h : null;
}

function deviceEntry(agent: string, gpu: boolean, handle: number, a: Json): DeviceEntry {
  const e: DeviceEntry = { agent, kind: gpu ? 'gpu' : 'cpu' };
  const product = typeof a.product_name === 'string' && a.product_name ? a.product_name : undefined;
  const name = typeof a.name === 'string' && a.name ? a.name : undefined;
  if (product ?? name) e.name = product ?? name;
  if (gpu && name) e.arch = name;
  const memory = memoryOf(a.mem_banks, gpu);
  if (memory !== null) e.memory = memory;
  const bus = gpu ? pciBus(a.domain, a.location_id) : null;
  if (bus) e.bus = bus;
  e.handle = handle;
  if (Number.isSafeInteger(a.node_id)) e.node = a.node_id;
  if (gpu && Number.isSafeInteger(a.gpu_id)) e.gpuId = a.gpu_id;
  if (Number.isSafeInteger(a.cu_count)) e.cuCount = a.cu_count;
  return e;
}

/** Bytes of the agent's own memory: system heaps for a CPU, frame buffer for a GPU (null if none listed). */
function memoryOf(banks: unknown, gpu: boolean): number | null {
  if (!Array.isArray(banks)) return null;
  let total = 0;
  let seen = false;
  for (const b of banks) {
    if (!isObject(b) || typeof b.size_in_bytes !== 'number' || !Number.isSafeInteger(b.size_in_bytes)) continue;
    const own = gpu ? HEAP_FRAME_BUFFER.has(b.heap_type as number) : b.heap_type === HEAP_SYSTEM;
    if (!own) continue;
    total += b.size_in_bytes;
    seen = true;
  }
  return seen && Number.isSafeInteger(total) ? total : null;
}

/** KFD location_id is the PCI bus/device/function (bus << 8 | dev << 3 | fn). */
function pciBus(domain: unknown, location: unknown): string | null {
  if (typeof location !== 'number' || !Number.isInteger(location) || location <= 0 || location > 0xffff) return null;
  const d = typeof domain === 'number' && Number.isInteger(domain) && domain >= 0 && domain <= 0xffff ? domain : 0;
  const hex = (n: number, w: number): string => n.toString(16).padStart(w, '0');
  return `${hex(d, 4)}:${hex(location >> 8, 2)}:${hex((location >> 3) & 0x1f, 2)}.${location & 7}`;
}

function linksOf(ioLinks: unknown, byNode: Map<number, string>): Json[] {
  if (!Array.isArray(ioLinks)) return [];
  const out: Json[] = [];
  for (const l of ioLinks) {
    if (!isObject(l) || !Number.isSafeInteger(l.node_to) || !Number.isSafeInteger(l.type)) continue;
    const type = l.type as number;
    const link: Json = { to: byNode.get(l.node_to as number) ?? `node${l.node_to as number}`, type: LINK_TYPES[type] ?? `type${type}` };
    // HSA io-link bandwidths are MB/s; 0 means "not reported" (XGMI links often say 0).
    if (typeof l.max_bandwidth === 'number' && l.max_bandwidth > 0) link.maxBandwidthMBps = l.max_bandwidth;
    if (typeof l.min_bandwidth === 'number' && l.min_bandwidth > 0) link.minBandwidthMBps = l.min_bandwidth;
    if (typeof l.weight === 'number') link.weight = l.weight;
    out.push(link);
  }
  return out;
}
