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

/** Event kinds (extensible: readers must tolerate kinds they do not know). */
export const EVENT_KINDS = [
  'fault',        // a faulting access (GPU: one row per serviced fault batch range; CPU: per fault)
  'fault_batch',  // one GPU fault batch serviced (bytes = bytes migrated for it, dur = service time)
  'migrate',      // a contiguous range moved together for one cause (faulted and prefetched are separate rows)
  'evict',        // a 2 MiB chunk evicted from device memory (also a migrate row with cause eviction)
  'remote',       // an access served remotely without migration (zero-copy, coherent link, pinned)
  'throttle',     // thrashing mitigation throttled an agent
  'pin',          // thrashing mitigation pinned a range (mapped remotely)
  'copy',         // an explicit copy (cudaMemcpy-style `copy` row) between two memories
  'duplicate',    // a read-mostly page duplicated into a second memory (the original stays)
  // issue 4: P2P, BAR, ODP, driver objects, hazards
  'peer_map', 'peer_unmap', 'fallback', 'bounce', 'revoke', 'map_refused',
  'invalidate', 'nic_fault', 'pte_zap', 'cpu_pte_fault', 'bo_move', 'hazard',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/**
 * Migration / event causes (extensible like kinds). Issue 4 adds: why an exporter could not map
 * (`bar_full`, `p2p_blocked`, `p2p_reads_blocked` on `fallback` / `map_refused`), the p2p rule a
 * `peer_map` went through (`allowed`, `degraded`, `reads_blocked`) or `remap` / `sysmem`, `pinned` /
 * `odp` registrations, `move_notify` (revoke), `devobj` (cpu_pte_fault), and the hazard rules
 * `cpu_atomic_bar`, `cpu_atomic_device_private`.
 */
export const CAUSES = ['fault', 'prefetch', 'user_prefetch', 'eviction', 'access_counter', 'cpu_fault', 'thrashing', 'p2p_fallback', 'bounce', 'odp', 'submit',
  'bar_full', 'p2p_blocked', 'p2p_reads_blocked', 'allowed', 'degraded', 'reads_blocked', 'remap', 'sysmem', 'pinned', 'move_notify', 'devobj',
  'cpu_atomic_bar', 'cpu_atomic_device_private'] as const;

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
  /** BAR bytes mapped at interval end (peer + CPU-visible mappings); entity = GPU (`gpu0`) (issue 4) */
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
  // issue 4: P2P/BAR (replay/p2p/), ODP, driver objects, hazards
  bar: Record<string, BarSummary>;
  /** bounce_bytes: both legs of every bounce through host memory (importer ↔ RAM and RAM ↔ GPU), = Σ `bounce` event bytes */
  p2p: { peer_maps: number; peer_unmaps: number; fallbacks: number; bounce_bytes: number; revocations: number; refused: number };
  odp: { invalidations: number; nic_faults: number; invalidation_ns: number };
  devobj: { cpu_faults: number; pte_zaps: number; moves: number; move_bytes: number };
  hazards: number;
  /** access/free/prefetch/advise rows whose address lies in no live allocation (skipped, counted) */
  unmapped_rows?: number;
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
