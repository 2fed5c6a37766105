/**
 * Which host-side runtime/driver calls become canonical rows (shared by the Kineto and rocprof
 * readers): kernel launches and memcpy/memset calls are GPU command submissions (`submit`), and
 * `…Synchronize` calls are barriers (`sync`). Every other call is counted as unmapped by the caller.
 */
const LAUNCH = /Launch/;
const MEMORY_API = /^(?:cuda|cu|hip)(?:Memcpy|Memset)/i;
const SYNC_API = /Synchronize/;

/** Memcpy calls (ROCm runtime calls carry the byte count of their copy). */
export const MEMCPY_API = /Memcpy/i;

/** The op of a runtime/driver call by its name, or null when it does not map. */
export function runtimeCallOp(name: string): 'submit' | 'sync' | null {
  if (LAUNCH.test(name) || MEMORY_API.test(name)) return 'submit';
  if (SYNC_API.test(name)) return 'sync';
  return null;
}
