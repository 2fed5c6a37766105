/** The model's counters that summary.json reports (run-output.ts RunSummary) beside the event totals. */
import { OPS } from '../../ingest/trace/schema.ts';

export interface ModelCounters {
  gpuFaults: number; cpuFaults: number; gpuBatches: number; batchServiceNs: number;
  throttles: number; pins: number; unmappedRows: number;
}

/** What a stream-ordered replay scheduled (replay/streams/scheduler.ts). */
export interface StreamOrderStats {
  /** GPU ops replayed in stream order, by kind */
  kernels: number; copies: number; memsets: number;
  /** (device, stream) queues and CPU threads seen */
  streams: number; cpu_threads: number;
  /** latest observed end (ts + dur) of any GPU op or CPU thread row: the span the source recorded */
  observed_end_ns: number;
}

export class ModelStats {
  readonly counters: ModelCounters = { gpuFaults: 0, cpuFaults: 0, gpuBatches: 0, batchServiceNs: 0, throttles: 0, pins: 0, unmappedRows: 0 };
  /** P2P/BAR figures (summary `p2p`) */
  readonly p2p = { peer_maps: 0, peer_unmaps: 0, fallbacks: 0, bounce_bytes: 0, revocations: 0, refused: 0 };
  /** ODP figures (summary `odp`) */
  readonly odp = { invalidations: 0, nic_faults: 0, invalidation_ns: 0 };
  /** driver-object figures (summary `devobj`) */
  readonly devobj = { cpu_faults: 0, pte_zaps: 0, moves: 0, move_bytes: 0 };
  /** hazard events (summary `hazards`) */
  hazards = 0;
  /** trace rows replayed, per op (index = OPS order; summary `trace_ops`) */
  readonly opRows = new Float64Array(OPS.length);
  /** what a stream-ordered replay scheduled (summary `stream_order`); null when the trace has no streams */
  streamOrder: StreamOrderStats | null = null;
  /** per GPU: ns the BAR aperture had no room for the next request (summary `bar.full_ns`) */
  readonly barFullNs: number[] = [];
}
