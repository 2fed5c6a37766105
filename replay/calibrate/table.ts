/** The calibration as plain-text tables for stdout (`hetmem calibrate`). */
import { formatBytes, formatNs } from '../../ingest/trace/units.ts';
import type { Calibration } from './calibrate.ts';

const pct = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(1)}%`);

function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

export function calibrationTable(c: Calibration): string {
  const out: string[] = [];
  out.push(`calibration of ${c.source} on ${c.platform}`);
  if (c.copies) out.push(...copyLines(c));
  if (c.observed.transfers === 0 && c.observed.faults === 0) return `${out.join('\n')}\n`;
  out.push(table(['direction cause', 'observed', 'predicted', 'obs bytes', 'pred bytes', 'sizes', 'match'],
    c.groups.map((g) => [`${g.direction} ${g.cause}`, String(g.observed.count), String(g.predicted.count), formatBytes(g.observed.bytes),
      formatBytes(g.predicted.bytes), String(Object.keys(g.observed.histogram).length), g.match ? 'yes' : 'NO'])));
  out.push(`2 MiB blocks with the same transfer sequence: ${c.blocks.matched} of ${c.blocks.blocks}`);
  if (c.observed.fault_batches !== null) out.push(`fault batches: observed ${c.observed.fault_batches}, modeled ${c.predicted.fault_batches}`);
  out.push(table(['direction size', 'n', 'observed median', 'modeled', 'median err', 'p95 err'],
    c.durations.map((d) => [`${d.direction} ${formatBytes(d.bytes)}`, String(d.n), formatNs(d.observed_median_ns), d.modeled_ns === null ? '-' : formatNs(d.modeled_ns),
      pct(d.median_rel_error), pct(d.p95_rel_error)])));
  for (const [dir, f] of Object.entries(c.fits)) {
    out.push(f ? `fit ${dir}: ${formatNs(Math.round(f.fixed_ns))} per transfer + ${f.bandwidth_gbps.toFixed(3)} GB/s (n ${f.n}, r² ${f.r2.toFixed(4)})`
      : `fit ${dir}: not enough distinct transfer sizes`);
  }
  return `${out.join('\n')}\n`;
}

/** The trace's own copies: per kind and size observed vs modeled (before → after calibration), then the fits. */
function copyLines(c: Calibration): string[] {
  const cc = c.copies!;
  const after = new Map(cc.durations_calibrated.map((d) => [`${d.direction}|${d.bytes}`, d]));
  const lines = [table(['copy kind size', 'n', 'observed median', 'modeled', 'err', 'calibrated', 'err'],
    cc.durations.map((d) => {
      const a = after.get(`${d.direction}|${d.bytes}`);
      return [`${d.direction} ${formatBytes(d.bytes)}`, String(d.n), formatNs(d.observed_median_ns), d.modeled_ns === null ? '-' : formatNs(d.modeled_ns),
        pct(d.median_rel_error), a?.modeled_ns == null ? '-' : formatNs(a.modeled_ns), pct(a?.median_rel_error ?? null)];
    }))];
  for (const [kind, f] of Object.entries(cc.fits)) {
    const used = Object.entries(cc.used).filter(([, k]) => k === kind).map(([p]) => p);
    lines.push(f ? `copy fit ${kind}: ${formatNs(Math.round(f.fixed_ns))} per copy + ${f.bandwidth_gbps.toFixed(3)} GB/s (n ${f.n}, r² ${f.r2.toFixed(4)})${used.length ? ` → calibrated.yaml ${used.join(', ')}` : ' (not used: too small or too scattered)'}`
      : `copy fit ${kind}: none (fewer than two sizes, or durations do not grow with size; n ${cc.observed[kind as keyof typeof cc.observed]})`);
  }
  return lines;
}
