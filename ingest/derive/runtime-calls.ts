/**
 * What a CUDA/HIP runtime or driver call means for stream order, by its name (shared by the Kineto,
 * rocprof and nsys readers; nsys names lose their `_v7000` suffix first). The CUDA Runtime API
 * reference ("API synchronization behavior", "Stream synchronization behavior") says which calls
 * block the host:
 * - kernel launches (`…Launch…`, incl. cudaGraphLaunch), `…MemcpyAsync`, `…Memset…` are enqueued and
 *   return: `launch` (a `submit` row);
 * - a memcpy without `Async` (cudaMemcpy, cuMemcpyHtoD, hipMemcpy, hipMemcpyWithStream, …) returns
 *   once its copy has ended: `memcpy-sync` (a `submit` and a `sync` on its own copy). Simplification:
 *   the reference lets a pageable→device cudaMemcpy return once the source is staged, before the DMA
 *   ends; the ingest takes the stricter "after the copy" for every synchronous memcpy;
 * - `…DeviceSynchronize`, `cuCtxSynchronize`, `cudaThreadSynchronize`: `device-sync`;
 * - `…StreamSynchronize` / `…EventSynchronize`: `stream-sync` / `event-sync`;
 * - `…StreamWaitEvent`: `stream-wait` (a cross-stream dependency, no host block);
 * - `…EventRecord`: `event-record` (no row; recorded waits name it by correlation id);
 * - any other `…Synchronize`: `other-sync` (a `sync` that waits for everything launched earlier).
 */
export type RuntimeCallKind =
  | 'launch' | 'memcpy-sync' | 'device-sync' | 'stream-sync' | 'event-sync' | 'other-sync' | 'stream-wait' | 'event-record';

const LAUNCH = /Launch/;
const MEMORY_API = /^(?:cuda|cu|hip)(?:Memcpy|Memset)/i;
const MEMCPY = /Memcpy/i;
const ASYNC = /Async/;

/** Memcpy calls (ROCm runtime calls carry the byte count of their copy). */
export const MEMCPY_API = MEMCPY;

/** The kind of a runtime/driver call, or null when it means nothing for stream order. */
export function runtimeCallKind(name: string): RuntimeCallKind | null {
  if (LAUNCH.test(name)) return 'launch';
  if (MEMORY_API.test(name)) return MEMCPY.test(name) && !ASYNC.test(name) ? 'memcpy-sync' : 'launch';
  if (/StreamWaitEvent/.test(name)) return 'stream-wait';
  if (/EventRecord/.test(name)) return 'event-record';
  if (/(?:Device|Ctx|Thread)Synchronize/.test(name)) return 'device-sync';
  if (/StreamSynchronize/.test(name)) return 'stream-sync';
  if (/EventSynchronize/.test(name)) return 'event-sync';
  if (/Synchronize/.test(name)) return 'other-sync';
  return null;
}

/** Whether a call of this kind is a GPU command submission (`submit` row, emitted by the reader). */
export const submits = (k: RuntimeCallKind | null): boolean => k === 'launch' || k === 'memcpy-sync';
