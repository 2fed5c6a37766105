/**
 * Which Kineto CPU op is which ET node. PyTorch links the two by the RecordFunction id: the ET node's
 * `rf_id` is the Kineto op's `Record function id` (PyTorch ≥ 2.1; Chakra's trace_link requires it).
 * Older Kineto traces carry only `External id`, which equals the rf_id only while both profilers saw
 * the same ops (in param's linear pair: the first 171 ops; after that the ET counts ops Kineto did
 * not record). So a key match is taken only when the names agree too; otherwise the node is aligned by
 * name to the next unclaimed Kineto op in start order (the sequence matching param's older trace
 * linker did), within `WINDOW` ops of the current position. Nodes with no match stay unlinked.
 */

/** How far ahead (in Kineto CPU ops) a node's name is looked for. */
export const WINDOW = 512;
/** How far behind the last match the search may start again (ops of another thread interleave). */
const SLACK = 64;

export interface KinetoOps {
  readonly opKey: readonly number[];
  readonly opName: readonly string[];
}

/** For each ET node (in id order) the index of its Kineto CPU op, or -1. */
export function matchOps(etKey: readonly number[], etName: readonly string[], k: KinetoOps): Int32Array {
  const K = k.opName.length;
  const byKey = new Map<number, number>();
  for (let j = 0; j < K; j++) if (k.opKey[j] === k.opKey[j]) byKey.set(k.opKey[j]!, j);
  const claimed = new Uint8Array(K);
  const out = new Int32Array(etKey.length).fill(-1);
  let p = 0;
  for (let i = 0; i < etKey.length; i++) {
    while (p < K && claimed[p]) p++;
    let m = -1;
    const j = byKey.get(etKey[i]!);
    if (j !== undefined && !claimed[j] && k.opName[j] === etName[i]) m = j;
    else for (let q = p; q < Math.min(K, p + WINDOW); q++) if (!claimed[q] && k.opName[q] === etName[i]) { m = q; break; }
    if (m < 0) continue;
    out[i] = m;
    claimed[m] = 1;
    p = Math.max(p, m + 1 - SLACK);
  }
  return out;
}
