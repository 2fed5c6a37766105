/**
 * Branded unit types (Perfetto-style) so nanoseconds, byte counts and addresses cannot be mixed up.
 *
 * They are brands over `number`, not `bigint`: the hot loops read Int64 columns into Float64Arrays
 * once per batch and stay in doubles, which V8 keeps unboxed. Doubles are exact to 2^53: 104 days of
 * nanoseconds, 8 PiB of bytes, and every user-space virtual address of x86-64 (< 2^47) and of GPU VA
 * spaces (< 2^49). Ingesters reject larger values as out of range instead of rounding them.
 */
declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** Nanoseconds (a timestamp since the trace start, or a duration). */
export type Ns = Brand<number, 'ns'>;
/** A length in bytes. */
export type Bytes = Brand<number, 'bytes'>;
/** A virtual address (of the first byte). */
export type Addr = Brand<number, 'addr'>;

export const ns = (n: number): Ns => n as Ns;
export const bytes = (n: number): Bytes => n as Bytes;
export const addr = (n: number): Addr => n as Addr;

/** Memory-management granules of the model (REFERENCE.md §2.1). */
export const PAGE_SIZE = 4096 as Bytes;
export const BIG_PAGE_SIZE = 65536 as Bytes;
export const VA_BLOCK_SIZE = 2097152 as Bytes;

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
export const TiB = 1024 * GiB;

/** Largest integer a double holds exactly; every Int64 value of a trace must stay within it. */
export const MAX_EXACT = Number.MAX_SAFE_INTEGER;

const SIZE_UNITS: Record<string, number> = {
  '': 1, b: 1, kib: KiB, mib: MiB, gib: GiB, tib: TiB, k: KiB, m: MiB, g: GiB, t: TiB,
  kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12,
};

/**
 * Parses a byte count: `4096`, `0x1000`, `64KiB`, `1.5 GiB`, `2M` (binary), `10GB` (decimal).
 * Returns a string describing the problem instead of throwing, so callers can attach file/line/field.
 */
export function parseBytes(text: string): Bytes | string {
  const t = text.trim();
  if (t === '') return 'is empty';
  if (/^-/.test(t)) return `must not be negative (got "${text}")`;
  if (/^0x[0-9a-f]+$/i.test(t)) return checkExact(Number.parseInt(t.slice(2), 16), text) as Bytes | string;
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(t);
  if (!m) return `is not a size (got "${text}"; use an integer or a KiB/MiB/GiB suffix)`;
  const unit = SIZE_UNITS[m[2]!.toLowerCase()];
  if (unit === undefined) return `has an unknown unit "${m[2]}" (use B, KiB, MiB, GiB, TiB, KB, MB, GB)`;
  const v = Number(m[1]) * unit;
  if (!Number.isInteger(v)) return `is not a whole number of bytes (got "${text}")`;
  return checkExact(v, text) as Bytes | string;
}

/** Parses a non-negative integer in decimal or 0x-hex (timestamps, addresses, ids). */
export function parseInteger(text: string): number | string {
  const t = text.trim();
  if (t === '') return 'is empty';
  if (/^-/.test(t)) return `must not be negative (got "${text}")`;
  if (/^0x[0-9a-f]+$/i.test(t)) return checkExact(Number.parseInt(t.slice(2), 16), text);
  if (!/^\d+$/.test(t)) return `is not an integer (got "${text}")`;
  return checkExact(Number(t), text);
}

const TIME_UNITS: Record<string, number> = { '': 1, ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9 };
const TIME_DIGITS: Record<number, number> = { 1: 0, 1e3: 3, 1e6: 6, 1e9: 9 };

/** Parses a time in ns (`1500`, `1.5us`, `2ms`, `0x10`); a problem string when it is not valid. */
export function parseNs(text: string): Ns | string {
  if (/^\d+$/.test(text)) {
    const v = Number(text);
    return Number.isSafeInteger(v) ? (v as Ns) : `is out of range (got "${text}"; the largest exact value is 2^53-1)`;
  }
  const t = text.trim();
  if (t.startsWith('-')) return `must not be negative (got "${text}")`;
  if (/^0x/i.test(t)) return parseInteger(t) as Ns | string;
  const m = /^(\d+)(?:\.(\d+))?\s*([a-zµ]*)$/i.exec(t);
  if (!m) return `is not a time (got "${text}"; use integer ns or a unit ns, us, ms, s)`;
  const unit = TIME_UNITS[m[3]!.toLowerCase()];
  if (unit === undefined) return `has an unknown time unit "${m[3]}" (use ns, us, ms or s)`;
  // Exact decimal arithmetic: the fraction may only have as many digits as the unit has below 1 ns.
  const digits = TIME_DIGITS[unit]!;
  const frac = m[2] ?? '';
  if (/[1-9]/.test(frac.slice(digits))) return `is not a whole number of ns (got "${text}")`;
  const v = Number(m[1]) * unit + (digits > 0 ? Number(frac.slice(0, digits).padEnd(digits, '0')) : 0);
  return Number.isSafeInteger(v) ? (v as Ns) : `is out of range (got "${text}"; the largest exact value is 2^53-1 ns)`;
}

function checkExact(v: number, text: string): number | string {
  if (!Number.isSafeInteger(v)) return `is out of range (got "${text}"; the largest exact value is 2^53-1)`;
  return v;
}

/** Formats bytes with binary units for people (`1.5 GiB`). */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return i === 0 ? `${v} B` : `${Number.isInteger(v) ? v : v.toFixed(2)} ${units[i]}`;
}

/** Formats nanoseconds for people (`12.5 ms`). */
export function formatNs(n: number): string {
  if (Math.abs(n) < 1e3) return `${n} ns`;
  if (Math.abs(n) < 1e6) return `${(n / 1e3).toFixed(2)} µs`;
  if (Math.abs(n) < 1e9) return `${(n / 1e6).toFixed(2)} ms`;
  return `${(n / 1e9).toFixed(3)} s`;
}
