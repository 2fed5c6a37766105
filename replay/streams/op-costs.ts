/**
 * What the model charges for a GPU op it costs itself (copies: memory/explicit-ops.ts `copy`).
 */
import type { MemoryModel } from '../memory/memory-model.ts';

/**
 * The modeled end of a memset (cudaMemsetAsync) of `bytes` into GPU memory `mem` starting at `start`:
 * the copy engine's fixed setup (`cost.transfer_fixed`, the same [inference] as a copy's) plus one
 * write of every byte at the device memory's bandwidth (REFERENCE.md §3.6). A memset whose size the
 * trace does not give keeps its observed duration `observed`.
 */
export function memsetEnd(model: MemoryModel, mem: number, start: number, bytes: number, observed: number): number {
  if (bytes !== bytes || mem < 0) return start + observed;
  return start + model.platform.cost.transfer_fixed + Math.ceil(bytes / model.index.memBandwidth(mem));
}
