/**
 * A platform: agents, memories, the interconnect topology, P2P routing rules, cost numbers and policy
 * knobs (DESIGN.md "The memory/interconnect model"). Presets live as commented YAML in
 * replay/platforms/; `platform-loader.ts` validates a file into this shape.
 *
 * Names share one namespace (agents, memories, switches, links), so `--set gpu0.memory=8GiB` and
 * `--set policy.prefetch=off` address a field unambiguously.
 */
import type { Bytes, Ns } from '../ingest/trace/units.ts';
import type { BytesPerNs } from './platform-units.ts';

export type Coherence = 'private' | 'coherent';

/** Linux p2pdma-style routability of a peer path (REFERENCE.md §1.7, §3.3). */
export type P2pRule =
  | { kind: 'allowed' }
  | { kind: 'degraded'; factor: number }
  | { kind: 'reads_blocked' }
  | { kind: 'blocked' };

export interface CpuAgent { kind: 'cpu'; name: string; socket: number; memory: string }
export interface GpuAgent { kind: 'gpu'; name: string; memory: Bytes; bar: Bytes; bandwidth: BytesPerNs; coherence: Coherence }
export interface NicAgent { kind: 'nic'; name: string; bandwidth: BytesPerNs }
export interface NvmeAgent { kind: 'nvme'; name: string; bandwidth: BytesPerNs }
export type Agent = CpuAgent | GpuAgent | NicAgent | NvmeAgent;

export interface SystemMemory { name: string; size: Bytes; bandwidth: BytesPerNs; socket: number }

export type LinkType = 'pcie' | 'nvlink' | 'c2c' | 'upi' | 'dram';
/**
 * A full-duplex link. `a` is the upstream end (towards the host) for PCIe; direction `down` = a→b,
 * `up` = b→a. `bandwidth` is per direction.
 */
export interface LinkSpec {
  name: string; a: string; b: string; type: LinkType;
  gen: number | null; lanes: number | null;
  /** per direction; `bandwidth_up` (b→a) when the link is asymmetric, else the same */
  bandwidth: BytesPerNs; bandwidthUp: BytesPerNs; latency: Ns;
}

export interface CostParams {
  /** GPU far-fault service latency per fault batch (§3.1) */
  gpu_fault_batch: Ns;
  /** added service time per distinct faulted page in a batch (§3.1 [calc]) */
  gpu_fault_per_page: Ns;
  /** CPU fault service on managed/HMM memory, before the transfer */
  cpu_fault: Ns;
  /** fixed cost per DMA transfer (copy-engine setup, §4.2) */
  transfer_fixed: Ns;
  /** CPU reads / writes through a GPU BAR (§3.4) */
  bar_cpu_read: BytesPerNs;
  bar_cpu_write: BytesPerNs;
  /** RDMA ODP network page fault back-off (§1.9 RNR timer) */
  rnr_backoff: Ns;
  /** device TLB / MTT invalidation, synchronous (§3.7) */
  invalidation: Ns;
  /** CPU PTE zap + TLB shootdown (§3.7) */
  pte_zap: Ns;
  /** peer mapping setup (pin + BAR map, §3.4 gdr_pin_buffer) */
  peer_map: Ns;
}

export type OnOff = boolean;
/**
 * How much a CPU fault on HMM device-private memory brings back (memory/hmm.ts, REFERENCE.md §1.4):
 * `page` (Linux test_hmm), `bigpage` (64 KiB), `block` (2 MiB VA block), `prefetch` (NVIDIA UVM-HMM:
 * the faulted page plus the tree prefetcher's region within the allocation, `hmm_block_cpu_fault_locked`).
 */
export type HmmCpuFault = 'page' | 'bigpage' | 'block' | 'prefetch';
export type P2pFallback = 'sysmem' | 'revoke_lru' | 'fail';
export type RdmaRegistration = 'pinned' | 'odp';
export type PeerFault = 'migrate' | 'remote';
/** `device` = as recorded; `managed` = device allocations replayed as managed memory (device-alloc.ts). */
export type DeviceAlloc = 'device' | 'managed';

export interface Policy {
  fault_batch: number;
  prefetch: OnOff;
  prefetch_threshold: number;
  hmm_cpu_fault: HmmCpuFault;
  eviction: 'lru_alloc';
  thrashing: OnOff;
  thrashing_threshold: number;
  thrashing_lapse: Ns;
  thrashing_nap: Ns;
  thrashing_pin_threshold: number;
  thrashing_pin: Ns;
  access_counters: OnOff;
  access_counter_threshold: number;
  gpu_peer_fault: PeerFault;
  p2p_fallback: P2pFallback;
  rdma_registration: RdmaRegistration;
  /** how `device` allocations of the trace are replayed (device-alloc.ts); default `device` */
  device_alloc: DeviceAlloc;
  /** timeline.parquet interval; 0 = automatic (≤ 1000 intervals) */
  timeline_interval: Ns;
}

export interface Platform {
  name: string;
  description: string;
  agents: Agent[];
  memories: SystemMemory[];
  switches: string[];
  links: LinkSpec[];
  p2p: { host_bridge: P2pRule; cross_socket: P2pRule };
  cost: CostParams;
  policy: Policy;
}

export function formatP2pRule(r: P2pRule): string {
  return r.kind === 'degraded' ? `degraded:${r.factor}` : r.kind;
}
