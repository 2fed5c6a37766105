/**
 * `policy.device_alloc`: how a trace's device allocations are replayed. `device` (the default) keeps
 * them as recorded — `cudaMalloc` memory, resident on its GPU, never migrated or evicted.
 * `managed` replays them as managed memory, as if the program had called `cudaMallocManaged`
 * instead: unpopulated until first touch, then faulted in by the GPU (REFERENCE.md §2.2, §2.3),
 * prefetched (§2.4) and evicted to system memory in 2 MiB root chunks when the GPU's memory is full
 * (§2.5). That is the what-if for a recorded training step: "what would this step do with less GPU
 * memory, oversubscribed?" (the oversubscription UVM supports from Pascal on, §2.5).
 *
 * Only `device` allocations change: driver objects (`devobj`), pinned/pageable host memory and memory
 * that is already managed or HMM (`anon`) keep their kind. Left out: the program would have chosen
 * other sizes or prefetches had it used managed memory; the trace's own allocations are replayed as they are.
 */
import type { MemKind } from '../ingest/trace/schema.ts';
import type { DeviceAlloc } from './platform.ts';

/** The memory kind an allocation of `kind` is replayed as under `policy.device_alloc`. */
export function replayedMemKind(kind: string, deviceAlloc: DeviceAlloc): string {
  return deviceAlloc === 'managed' && kind === ('device' satisfies MemKind) ? ('managed' satisfies MemKind) : kind;
}
