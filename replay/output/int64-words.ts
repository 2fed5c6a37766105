/**
 * Doubles → little-endian int64 words, for handing a model column to DuckDB as BIGINT with
 * `copy_data_to_vector` (no `bigint` per value). Rounding is DuckDB's own `CAST(DOUBLE AS BIGINT)`:
 * to the nearest integer, ties to even (`nearbyint`: 2.5 → 2, 3.5 → 4), so a column staged this way
 * writes the same Parquet bytes as a DOUBLE column cast in SQL. Values must lie within ±2^53 (model
 * times, addresses and sizes do); NaN is null.
 */

const TWO32 = 4294967296;

/** Nearest integer, ties to even (DuckDB's DOUBLE → BIGINT cast). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x); // ties towards +∞
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Writes `data[0, n)` rounded as int64 into `out` (two Int32 words per value, low word first). With a
 * `validity` mask (one bit per row, set = valid), NaN rows get bit 0 and the word pair 0; without one
 * they are written as 0 too. Returns how many rows were NaN.
 */
export function int64Words(data: Float64Array, n: number, out: Int32Array, validity: Uint8Array | null): number {
  let nulls = 0;
  if (validity) validity.fill(0, 0, (n + 7) >> 3);
  for (let i = 0; i < n; i++) {
    const x = data[i]!;
    if (x !== x) { out[2 * i] = 0; out[2 * i + 1] = 0; nulls++; continue; }
    const r = roundHalfEven(x);
    const hi = Math.floor(r / TWO32);
    out[2 * i] = (r - hi * TWO32) | 0;
    out[2 * i + 1] = hi | 0;
    if (validity) validity[i >> 3]! |= 1 << (i & 7);
  }
  return nulls;
}
