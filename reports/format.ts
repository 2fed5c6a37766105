/** Axis and table formatters for bytes, times and fractions. */
import { formatBytes, formatNs } from '../ingest/trace/units.ts';
import type { Cell } from '../analysis/duckdb.ts';

/** `1.5 GiB`; compact for axes (no trailing zeros). */
export function bytesTick(n: number): string {
  const s = formatBytes(Math.abs(n));
  return s.replace(/\.00 /, ' ').replace(/(\.\d)0 /, '$1 ');
}

/** A byte axis in one unit chosen for its largest value: `{ div, label }` (`MiB`, …). */
export function bytesUnit(max: number): { div: number; label: string } {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (i < units.length - 1 && Math.abs(max) >= 1024 ** (i + 1)) i++;
  return { div: 1024 ** i, label: units[i]! };
}

export const cellBytes = (v: Cell): string => (typeof v === 'number' ? formatBytes(v) : String(v ?? ''));
export const cellNs = (v: Cell): string => (typeof v === 'number' ? formatNs(v) : String(v ?? ''));
export const cellPercent = (v: Cell): string => (typeof v === 'number' ? `${(v * 100).toFixed(1)} %` : String(v ?? ''));
