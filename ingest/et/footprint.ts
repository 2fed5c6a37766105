/**
 * A training step's GPU memory footprint, per GPU: the peak, over the ET's ops in id order, of the
 * storages alive at that op (a storage lives from the first op naming it to the last, the reader's
 * lifetime rule), each rounded up to whole 2 MiB chunks — UVM populates device memory in 2 MiB root
 * chunks (REFERENCE.md §2.5) and the reader places every storage on its own 2 MiB boundary. It is
 * what a GPU must hold for the step to run without evicting when its memory is managed; the model's
 * own threshold can be lower, because pages are populated only where and when an op touches them.
 */
import { VA_BLOCK_SIZE } from '../trace/units.ts';
import type { EtGraph } from './et-graph.ts';

/** gpuN → footprint in bytes (GPUs with storages only). */
export function gpuFootprint(g: EtGraph): Record<string, number> {
  const S = g.storageKey.length;
  const firstOp = new Int32Array(S).fill(-1);
  const lastOp = new Int32Array(S).fill(-1);
  for (let i = 0; i < g.nodes; i++) {
    const [a, b] = g.tensors(i);
    for (let k = a; k < b; k++) {
      const s = g.tStorage[k]!;
      if (firstOp[s]! < 0) firstOp[s] = i;
      lastOp[s] = i;
    }
  }
  const size = g.extents();
  // per GPU: +chunks at the first op, −chunks after the last; the peak of the running sum
  const delta = new Map<string, Float64Array>();
  for (let s = 0; s < S; s++) {
    const agent = g.storageAgent[s]!;
    if (!agent.startsWith('gpu') || firstOp[s]! < 0) continue;
    let d = delta.get(agent);
    if (!d) delta.set(agent, (d = new Float64Array(g.nodes + 1)));
    const bytes = Math.ceil(size[s]! / VA_BLOCK_SIZE) * VA_BLOCK_SIZE;
    d[firstOp[s]!]! += bytes;
    d[lastOp[s]! + 1]! -= bytes;
  }
  const out: Record<string, number> = {};
  for (const agent of [...delta.keys()].sort()) {
    const d = delta.get(agent)!;
    let live = 0;
    let peak = 0;
    for (const x of d) { live += x; peak = Math.max(peak, live); }
    out[agent] = peak;
  }
  return out;
}
