/**
 * Units of platform files beyond bytes (ingest/trace/units.ts has those): durations and bandwidths.
 * Like `parseBytes`, parsers return a problem string instead of throwing so the loader can name the
 * file and key path.
 */
import type { Ns } from '../ingest/trace/units.ts';

/** Bandwidth in bytes per nanosecond (= GB/s, decimal), the unit every cost computation uses. */
export type BytesPerNs = number & { readonly __unit: 'B/ns' };

const TIME_UNITS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9 };

/** `45us`, `2 µs`, `0.64ms`, `500ns`, `0`. Must come to a whole number of ns. */
export function parseDuration(text: string | number): Ns | string {
  if (typeof text === 'number') return text === 0 ? (0 as Ns) : `needs a unit (ns, us, ms, s), got ${text}`;
  const m = /^(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s)$/.exec(text.trim());
  if (!m) return text.trim() === '0' ? (0 as Ns) : `is not a duration (got "${text}"; use e.g. 45us, 2ms, 500ns)`;
  const v = Math.round(Number(m[1]) * TIME_UNITS[m[2]!]! * 1e6) / 1e6;
  if (!Number.isInteger(v)) return `is not a whole number of ns (got "${text}")`;
  return v as Ns;
}

const BW_UNITS: Record<string, number> = {
  'GB/s': 1, 'MB/s': 1e-3, 'TB/s': 1e3, 'KB/s': 1e-6,
  'Gb/s': 1 / 8, 'Mb/s': 1e-3 / 8, 'Tb/s': 1e3 / 8,
  'GiB/s': 1.073741824, 'MiB/s': 1.048576e-3,
};

/** `26.5GB/s` (decimal bytes), `200Gb/s` (bits), `1.5 GiB/s`. Returns bytes per ns. */
export function parseBandwidth(text: string | number): BytesPerNs | string {
  if (typeof text === 'number') return `needs a unit (GB/s, MB/s, Gb/s), got ${text}`;
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]i?[Bb]\/s)$/.exec(text.trim());
  if (!m || BW_UNITS[m[2]!] === undefined) return `is not a bandwidth (got "${text}"; use e.g. 26.5GB/s, 200Gb/s)`;
  const v = Number(m[1]) * BW_UNITS[m[2]!]!;
  if (!(v > 0)) return `must be positive (got "${text}")`;
  return v as BytesPerNs;
}
