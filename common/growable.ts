/**
 * Growing a typed-array column: columnar stores (event logs, per-page tables) double their capacity
 * when full, keeping amortised O(1) appends without a JS object per entry.
 */

/** The typed arrays a column may be. */
export type TypedColumn = Float64Array | Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;

/**
 * A copy of `a` with room for at least `length` elements: the old values first, the rest `fill`
 * (default 0). Returns `a` itself when it is already long enough.
 */
export function grownTo<T extends TypedColumn>(a: T, length: number, fill = 0): T {
  if (length <= a.length) return a;
  const b = new (a.constructor as new (n: number) => T)(length);
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}

/** The capacity to grow to for `needed` elements: double, at least `needed` and `min`. */
export function nextCapacity(current: number, needed: number, min = 16): number {
  return Math.max(min, needed, current * 2);
}
