/**
 * Orders variant values the way people read them: sizes by size (`256MiB` < `1GiB`), numbers by
 * value, anything else as text; a missing value (a key another part of the sweep does not vary) last.
 */
import { parseBytes } from '../ingest/trace/units.ts';

/** The value as a number when it is a number or a size, else null. */
export function variantMagnitude(v: string): number | null {
  if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  const b = parseBytes(v);
  return typeof b === 'number' ? b : null;
}

export function compareVariantValues(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  const x = variantMagnitude(a);
  const y = variantMagnitude(b);
  if (x !== null && y !== null && x !== y) return x - y;
  if (x !== null && y === null) return -1;
  if (x === null && y !== null) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
