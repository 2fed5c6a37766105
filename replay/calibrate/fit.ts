/**
 * Least-squares fit of the transfer cost the model uses (interconnect/links.ts: a transfer takes
 * `fixed + Σ latency + bytes / bandwidth`): duration = a + bytes / B over observed transfers of one
 * direction. `a` is the per-transfer cost (fixed + path latency), `B` the effective bandwidth.
 */
export interface TransferFit {
  /** transfers used */
  n: number;
  /** ns per transfer (intercept) */
  fixed_ns: number;
  /** bytes per ns (= GB/s) */
  bandwidth_gbps: number;
  /** coefficient of determination of the fit */
  r2: number;
}

/**
 * Ordinary least squares on (bytes, dur); null with fewer than two distinct sizes or a non-positive
 * slope. A per-transfer cost cannot be negative: when the free intercept comes out below 0 (small
 * transfers timed at whole-µs resolution, as Kineto writes them, pull the line down), the fit is the
 * least-squares line through the origin instead (slope Σxy / Σx², intercept 0), and r² is that line's
 * 1 − SS_res / SS_tot.
 */
export function fitTransfers(bytes: readonly number[], dur: readonly number[]): TransferFit | null {
  const n = bytes.length;
  if (n < 2) return null;
  let mx = 0; let my = 0;
  for (let i = 0; i < n; i++) { mx += bytes[i]!; my += dur[i]!; }
  mx /= n; my /= n;
  let sxx = 0; let sxy = 0; let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = bytes[i]! - mx; const dy = dur[i]! - my;
    sxx += dx * dx; sxy += dx * dy; syy += dy * dy;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  if (!(slope > 0)) return null;
  const a = my - slope * mx;
  if (a >= 0) return { n, fixed_ns: a, bandwidth_gbps: 1 / slope, r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy) };
  let sx2 = 0; let sxy0 = 0;
  for (let i = 0; i < n; i++) { sx2 += bytes[i]! * bytes[i]!; sxy0 += bytes[i]! * dur[i]!; }
  const s0 = sxy0 / sx2;
  if (!(s0 > 0)) return null;
  let res = 0;
  for (let i = 0; i < n; i++) { const e = dur[i]! - s0 * bytes[i]!; res += e * e; }
  return { n, fixed_ns: 0, bandwidth_gbps: 1 / s0, r2: syy === 0 ? 1 : 1 - res / syy };
}
