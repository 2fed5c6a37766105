/**
 * How many sweep workers memory allows. Each worker replays one variant at a time, and one replay
 * holds the trace's columns, the model's page state and its event arrays: measured on the 25 M-row
 * vecadd trace (1.83 GB Arrow file), one replay peaks at 1.25 GB RSS, so the estimate
 * `REPLAY_BASE_BYTES + trace file bytes` errs on the safe side. The default worker count is the
 * number of such replays that fit in 80 % of the memory available now (the cgroup limit when there
 * is one), at least 1 and at most one per core. `--workers` overrides it.
 */
import { availableParallelism, freemem } from 'node:os';

/** Fixed cost of one replay beyond the trace (the runtime, DuckDB while writing Parquet). */
export const REPLAY_BASE_BYTES = 256 * 1024 * 1024;
/** Share of available memory the sweep plans to use. */
export const MEMORY_SHARE = 0.8;

/** Estimated peak bytes of one replay of a trace file of `traceBytes`. */
export function replayBytesEstimate(traceBytes: number): number {
  return REPLAY_BASE_BYTES + traceBytes;
}

/** Memory available to this process now: free memory, capped by a cgroup limit if one is set. */
export function availableMemoryBytes(): number {
  const constrained = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.() ?? 0;
  const free = freemem();
  return constrained > 0 ? Math.min(free, constrained) : free;
}

/** The default sweep worker count for a trace file of `traceBytes`. */
export function defaultWorkers(traceBytes: number, available = availableMemoryBytes(), cores = availableParallelism()): number {
  const fit = Math.floor((available * MEMORY_SHARE) / replayBytesEstimate(traceBytes));
  return Math.max(1, Math.min(cores, fit));
}
