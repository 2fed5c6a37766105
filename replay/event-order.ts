/**
 * The order of a chunk of events: row indices sorted by timestamp, ties kept in the order given (the
 * emission order). A natural merge sort (ascending runs found first, then merged pairwise, e.g. Knuth
 * TAOCP vol. 3 §5.2.4): a replay emits its events almost in time order, so the runs are long and few
 * merge passes are needed; it compares the keys directly rather than through a comparator callback.
 */

/**
 * Sorts `order[0..n)` (row indices) by `ts[order[i]]`, stably. `scratch` must hold at least `n`
 * entries; returns the array that holds the result (`order` or `scratch`).
 */
export function sortByTs(order: Int32Array, n: number, ts: Float64Array, scratch: Int32Array): Int32Array {
  // Run boundaries: starts of maximal non-decreasing runs, then n.
  const bounds: number[] = [0];
  for (let i = 1; i < n; i++) if (ts[order[i]!]! < ts[order[i - 1]!]!) bounds.push(i);
  bounds.push(n);
  let src = order;
  let dst = scratch;
  let b = bounds;
  while (b.length > 2) {
    const next: number[] = [0];
    let r = 0;
    for (; r + 2 < b.length; r += 2) {
      mergeRuns(src, dst, b[r]!, b[r + 1]!, b[r + 2]!, ts);
      next.push(b[r + 2]!);
    }
    if (r + 1 < b.length) { // an odd run left over: copied as it is
      dst.set(src.subarray(b[r]!, b[r + 1]!), b[r]!);
      next.push(b[r + 1]!);
    }
    b = next;
    const t = src; src = dst; dst = t;
  }
  return src;
}

/** Merges src[lo, mid) and src[mid, hi) into dst[lo, hi); on equal keys the left run first. */
function mergeRuns(src: Int32Array, dst: Int32Array, lo: number, mid: number, hi: number, ts: Float64Array): void {
  let i = lo;
  let j = mid;
  let k = lo;
  // Already in order across the boundary: a plain copy.
  if (ts[src[mid - 1]!]! <= ts[src[mid]!]!) { dst.set(src.subarray(lo, hi), lo); return; }
  let ti = ts[src[i]!]!;
  let tj = ts[src[j]!]!;
  while (i < mid && j < hi) {
    if (tj < ti) { dst[k++] = src[j++]!; if (j < hi) tj = ts[src[j]!]!; }
    else { dst[k++] = src[i++]!; if (i < mid) ti = ts[src[i]!]!; }
  }
  while (i < mid) dst[k++] = src[i++]!;
  while (j < hi) dst[k++] = src[j++]!;
}
