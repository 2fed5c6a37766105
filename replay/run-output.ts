/**
 * The contract of a run directory (DESIGN.md "Outputs of a run"), shared by replay/ (which writes it)
 * and analysis/ + reports/ (which read it). Changing anything here is a contract change.
 *
 *   events.parquet    one row per model event
 *   timeline.parquet  tidy per-interval metrics
 *   summary.json      totals and percentiles (RunSummary)
 *   run.json          resolved platform, overrides, trace sha256, versions (RunInfo)
 */

export const RUN_FILES = {
  events: 'events.parquet',
  timeline: 'timeline.parquet',
  summary: 'summary.json',
  run: 'run.json',
} as const;

/**
 * events.parquet columns, in order. Types (DuckDB/Parquet):
 * ts BIGINT (ns), dur BIGINT (ns, modeled transfer/service time), kind VARCHAR, agent VARCHAR
 * (initiator), src VARCHAR / dst VARCHAR (memory ids `sys0`, `gpu0`, … or null), addr BIGINT,
 * bytes BIGINT, cause VARCHAR, obj VARCHAR. Rows sorted by (ts, then emission order).
 */
export const EVENT_COLUMNS = ['ts', 'dur', 'kind', 'agent', 'src', 'dst', 'addr', 'bytes', 'cause', 'obj'] as const;

/**
 * Event kinds: every value the `kind` column of events.parquet takes, with its meaning. The model emits
 * kinds only through this table (replay/event-ids.ts); readers must tolerate kinds they do not know
 * (a newer run may add some).
 */
export const EVENT_KINDS = {
  fault: 'a faulting access (GPU: one row per contiguous range of a serviced fault batch; CPU: one per fault)',
  fault_batch: 'one GPU fault batch serviced (bytes = bytes migrated for it, dur = service time)',
  migrate: 'a contiguous range moved together for one cause (faulted and prefetched pages are separate rows)',
  evict: 'a 2 MiB chunk evicted from device memory (its pages are also migrate rows with cause eviction)',
  remote: 'an access served remotely without migration (zero-copy, coherent link, BAR, peer DMA)',
  throttle: 'thrashing mitigation throttled an agent',
  pin: 'thrashing mitigation pinned a page (mapped remotely)',
  duplicate: 'read duplication copied a range to the faulting processor (read_mostly); the owner keeps its copy',
  copy: 'an explicit copy between memories (cudaMemcpy)',
  bounce: 'one leg of a transfer through host memory after a P2P fallback (importer to RAM, or RAM to the GPU)',
  peer_map: 'an importer mapped a GPU object through the BAR, or registered process memory for RDMA',
  peer_unmap: 'a peer mapping or RDMA registration was released',
  fallback: 'a GPU object moved to system memory because a peer could not map it',
  revoke: 'an idle peer mapping was revoked to make BAR room (move_notify)',
  map_refused: 'a peer mapping was refused (policy p2p_fallback = fail)',
  invalidate: 'ODP pages were invalidated in a NIC before they migrated',
  nic_fault: 'a NIC access missed its ODP mirror (network page fault)',
  cpu_pte_fault: 'a CPU touch of a driver object faulted its CPU PTEs in',
  pte_zap: 'a submit zapped the CPU PTEs of a driver object',
  bo_move: 'a driver object (or device allocation) moved as a whole to another memory',
  hazard: 'a CPU atomic the interconnect cannot make atomic (cause names the rule)',
  kernel: "a GPU kernel's modeled span in a stream-ordered replay (its observed compute time plus the stall the model added while it ran)",
  memset: "a GPU memset's modeled span in a stream-ordered replay (costed at device-memory bandwidth)",
} as const satisfies Record<string, string>;
export type EventKind = keyof typeof EVENT_KINDS;

/**
 * Event causes: every value the `cause` column takes (NULL: none), with its meaning. Extensible like
 * the kinds.
 */
export const EVENT_CAUSES = {
  fault: 'a GPU fault (fault, fault_batch, migrate, duplicate rows)',
  prefetch: 'pages the driver prefetched with a fault (density prefetcher)',
  user_prefetch: 'an explicit prefetch (cudaMemPrefetchAsync, migrate_vma)',
  eviction: 'device memory was full (migrate and evict rows of an eviction)',
  access_counter: 'an access-counter notification migrated a range to the GPU',
  cpu_fault: 'a CPU fault (or a CPU touch of a driver object outside the BAR window)',
  thrashing: 'thrashing mitigation (throttle, pin)',
  bar: 'a CPU access through the BAR to non-coherent device memory',
  coherent: 'an access over a coherent link to the memory of another processor',
  zero_copy: 'an access to system memory (or another GPU) mapped into the accessor',
  peer: 'a NIC / NVMe DMA to wherever the pages are, or through a peer mapping',
  p2p_fallback: 'the P2P fallback policy moved the object or bounced the transfer',
  remap: 'a revoked peer mapping mapped again on next use',
  move_notify: 'a peer mapping revoked to make BAR room',
  free: 'the allocation was freed (its mappings go)',
  sysmem: 'the object already sat in system memory: the mapping maps host pages',
  bar_full: 'the BAR aperture had no room for the mapping',
  p2p_blocked: 'the P2P path is not routable (host bridge blocks it)',
  p2p_reads_blocked: 'a P2P read failed on a host bridge that blocks P2P reads',
  allowed: 'mapped over an allowed P2P path',
  degraded: 'mapped over a P2P path with reduced bandwidth',
  reads_blocked: 'mapped over a P2P path where reads are blocked (writes work)',
  odp: 'On-Demand Paging registration, its NIC faults, invalidations and migrations',
  pinned: 'a pinned RDMA registration (pages brought home and pinned)',
  devobj: 'a CPU PTE fault of a driver object',
  submit: 'a command submission naming the driver object',
  cpu_atomic_bar: 'hazard: a CPU atomic to non-coherent device memory through the BAR',
  cpu_atomic_device_private: 'hazard: a CPU atomic to a range in device-private memory',
} as const satisfies Record<string, string>;
export type EventCause = keyof typeof EVENT_CAUSES;

/**
 * timeline.parquet: tidy (long) format so that runs of different platforms union cleanly.
 * ts BIGINT (interval start, ns), dur BIGINT (interval length, ns), metric VARCHAR, entity VARCHAR,
 * value DOUBLE.
 */
export const TIMELINE_COLUMNS = ['ts', 'dur', 'metric', 'entity', 'value'] as const;
export const TIMELINE_METRICS = {
  /** bytes of managed/HMM data resident in a device memory at interval end; entity = memory id (`gpu0`) */
  resident: 'resident_bytes',
  /** bytes moved over a link direction during the interval; entity = `<link>:<dir>` e.g. `gpu0-pcie:up` */
  linkBytes: 'link_bytes',
  /** busy fraction 0..1 of a link direction during the interval; entity as linkBytes */
  linkUtil: 'link_util',
  /** ns an agent spent stalled during the interval; entity = agent */
  stall: 'stall_ns',
  /** BAR bytes mapped at interval end (peer + CPU-visible mappings); entity = GPU (`gpu0`) */
  barMapped: 'bar_mapped_bytes',
} as const;

export interface CountBytes { count: number; bytes: number }

export interface LinkDirectionSummary { bytes: number; busy_ns: number; peak_util: number; transfers: number }

export interface BarSummary {
  aperture_bytes: number;
  peak_bytes: number;
  p50_bytes: number;
  p99_bytes: number;
  /** ns during which the aperture had no room for the next request */
  full_ns: number;
}

/** summary.json. Every number is a plain JSON number (no bigint). */
export interface RunSummary {
  schema: 'hetmem.summary/1';
  platform: string;
  trace: { rows: number; sha256: string };
  /** modeled end time of the replay (ns) */
  end_ns: number;
  migrations: {
    total: CountBytes;
    /** key `src->dst`, e.g. `sys0->gpu0` */
    by_direction: Record<string, CountBytes>;
    by_cause: Record<string, CountBytes>;
    /** key `src->dst:cause` */
    by_direction_cause: Record<string, CountBytes>;
  };
  faults: { gpu: number; cpu: number; gpu_batches: number; batch_service_ns: number };
  evictions: CountBytes;
  remote: CountBytes;
  thrashing: { throttles: number; pins: number };
  stall_ns: Record<string, number>;
  /** key: link name, then direction (`up` / `down`, or `a->b`) */
  links: Record<string, Record<string, LinkDirectionSummary>>;
  // P2P/BAR (replay/p2p/), ODP, driver objects, hazards
  bar: Record<string, BarSummary>;
  /** bounce_bytes: both legs of every bounce through host memory (importer ↔ RAM and RAM ↔ GPU), = Σ `bounce` event bytes */
  p2p: { peer_maps: number; peer_unmaps: number; fallbacks: number; bounce_bytes: number; revocations: number; refused: number };
  odp: { invalidations: number; nic_faults: number; invalidation_ns: number };
  devobj: { cpu_faults: number; pte_zaps: number; moves: number; move_bytes: number };
  hazards: number;
  /** access/free/prefetch/advise rows whose address lies in no live allocation (skipped, counted) */
  unmapped_rows?: number;
  /**
   * every event the model emitted, counted per kind (EVENT_KINDS) whatever `--events` keeps: rows
   * and bytes (e.g. `copy: {count: 1390, bytes: …}`), so a reader can say what the run modeled.
   * Absent in runs written before it existed.
   */
  events_by_kind?: Record<string, CountBytes>;
  /**
   * present when the trace carries streams and replayed stream-ordered (docs/model.md): GPU ops by
   * kind, (device, stream) queues, CPU threads, and the latest observed end in the trace (the span
   * the source recorded, to set beside `end_ns`).
   */
  /** trace rows replayed per op (`read`, `kernel`, `obs_migrate`, …; ops with no rows left out). Absent in runs written before it existed */
  trace_ops?: Record<string, number>;
  stream_order?: { kernels: number; copies: number; memsets: number; streams: number; cpu_threads: number; observed_end_ns: number };
}

/** run.json */
export interface RunInfo {
  schema: 'hetmem.run/1';
  platform: { name: string; source: string; resolved: unknown };
  overrides: Record<string, string>;
  /** trace agent → platform agent renames (`--map`), when any */
  agents?: Record<string, string>;
  trace: { path: string; sha256: string; rows: number };
  /** the event kinds events.parquet keeps, when not all of them (`replay --events`): `none` or a sorted list */
  events?: 'none' | readonly string[];
  versions: { hetmem: string; node: string; arrow: string; duckdb: string };
}
