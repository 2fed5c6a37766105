/**
 * Kineto timestamps are microseconds, either integers since the epoch (older traces) or decimals with
 * nanosecond digits relative to the top-level `baseTimeNanoseconds` (newer ones). Both exceed 2^53 once
 * turned into absolute nanoseconds, so a file's times are kept relative to an anchor (the integer
 * microsecond of its first event) and only the per-file offset is computed in BigInt at the end.
 *
 * A decimal such as 1365627862757.064 is not exact as a double; its digits are re-read from the
 * event's source text, so the nanoseconds are exact.
 */

const MAX_LOCAL_NS = Number.MAX_SAFE_INTEGER;
/** Below 2^41 µs a double keeps every nanosecond digit of a decimal. */
const EXACT_NS_DIGITS_BELOW = 2 ** 41;

/**
 * Nanoseconds of `tsUs` after `anchorUs` (an integer), exact for integers and for decimals whose
 * digits are found in `text`. Returns null when out of the exact range.
 */
export function localNs(tsUs: number, anchorUs: number, text: string): number | null {
  let ns: number;
  if (Number.isInteger(tsUs) && Math.abs(tsUs) < EXACT_NS_DIGITS_BELOW) {
    ns = (tsUs - anchorUs) * 1000;
  } else {
    // A decimal, or an epoch-µs value whose decimals a double may have rounded away: read the text.
    const digits = decimalDigits(text);
    // The first `"ts"` is the event's own in practice; the cross-check guards against anything else.
    if (digits && Number(`${digits.int}.${digits.frac}`) === tsUs && Number.isSafeInteger(Number(digits.int))) {
      ns = (Number(digits.int) - anchorUs) * 1000 + fractionNs(digits.frac);
    } else if (!Number.isSafeInteger(Math.trunc(tsUs))) {
      return null;
    } else {
      // An integer (exact), or exponent notation / a negative decimal (the double is all there is).
      ns = Math.round((tsUs - anchorUs) * 1000);
    }
  }
  return Math.abs(ns) <= MAX_LOCAL_NS ? ns : null;
}

/** The integer and fraction digits of the first `"ts": <digits>.<digits>` in `text`, if any. */
function decimalDigits(text: string): { int: string; frac: string } | null {
  const at = text.indexOf('"ts"');
  if (at < 0) return null;
  let i = at + 4;
  while (text.charCodeAt(i) === 0x20) i++;
  if (text.charCodeAt(i) !== 0x3a) return null;
  i++;
  while (text.charCodeAt(i) === 0x20) i++;
  const intStart = i;
  while (isDigit(text.charCodeAt(i))) i++;
  if (i === intStart || text.charCodeAt(i) !== 0x2e) return null;
  const intEnd = i++;
  while (isDigit(text.charCodeAt(i))) i++;
  if (i === intEnd + 1) return null;
  const next = text.charCodeAt(i);
  if (next === 0x65 || next === 0x45) return null; // exponent: not plain digits
  return { int: text.slice(intStart, intEnd), frac: text.slice(intEnd + 1, i) };
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** Nanoseconds of the fractional microsecond digits, rounded half up below 1 ns. */
function fractionNs(digits: string): number {
  const ns = Number((digits + '000').slice(0, 3));
  return digits.length > 3 && digits.charCodeAt(3) >= 0x35 ? ns + 1 : ns;
}

/** A duration in µs (possibly fractional) as whole nanoseconds. */
export function durationNs(durUs: number): number {
  return Math.round(durUs * 1000);
}
