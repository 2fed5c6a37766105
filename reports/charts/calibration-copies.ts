/**
 * Calibration run: a trace's own copies (calibration.json `copies`), one small multiple per copy kind
 * (HtoD/DtoH pinned or pageable, DtoD, PtoP): the observed median duration per size, the least-squares
 * line (fixed cost + bytes / bandwidth) and the platform's modeled line. Log–log axes: copy sizes span
 * bytes to hundreds of MiB. The lines are sampled, since an affine cost curves on log axes.
 */
import type { CopyCalibration } from '../../replay/calibrate/calibrate.ts';
import { COPY_KINDS } from '../../replay/calibrate/copies.ts';
import { fitTransfers, type TransferFit } from '../../replay/calibrate/fit.ts';
import { bytesTick } from '../format.ts';
import { MULTIPLE_WIDTH, type ChartOutput, type Figure } from '../chart.ts';
import { Plot, renderLegend, renderPlot } from '../plot.ts';

const SERIES = ['observed median', 'platform model', 'fit'];
const LINE_SAMPLES = 48;

/** `fixed + bytes / bandwidth` (µs) at LINE_SAMPLES sizes spaced evenly on a log axis from `lo` to `hi`. */
function sampledLine(fit: TransferFit, lo: number, hi: number, series: string): { bytes: number; us: number; series: string }[] {
  const n = hi > lo ? LINE_SAMPLES : 1;
  return Array.from({ length: n }, (_, i) => {
    const bytes = n === 1 ? lo : lo * (hi / lo) ** (i / (n - 1));
    return { bytes, us: (fit.fixed_ns + bytes / fit.bandwidth_gbps) / 1000, series };
  });
}

/** Byte ticks at powers of two (every 16×, else every 4× or 2× when the range is narrow) within [lo, hi]. */
export function byteTicks(lo: number, hi: number): number[] {
  for (const step of [4, 2, 1]) {
    const ticks: number[] = [];
    for (let e = 0; 2 ** e <= hi; e += step) if (2 ** e >= lo) ticks.push(2 ** e);
    if (ticks.length >= 3 || step === 1) return ticks;
  }
  return [];
}

export function calibrationCopies(c: CopyCalibration): ChartOutput {
  const calibrated = new Map(c.durations_calibrated.map((d) => [`${d.direction}|${d.bytes}`, d.modeled_ns]));
  const rows = c.durations.map((d) => [d.direction, d.bytes, d.n, d.observed_median_ns, d.modeled_ns, calibrated.get(`${d.direction}|${d.bytes}`) ?? null]);
  const figures: Figure[] = COPY_KINDS.filter((k) => c.durations.some((d) => d.direction === k)).map((kind) => {
    const pts = c.durations.filter((d) => d.direction === kind);
    const lo = Math.min(...pts.map((p) => p.bytes));
    const hi = Math.max(...pts.map((p) => p.bytes));
    const fit = c.fits[kind];
    const modeledPts = pts.filter((p) => p.modeled_ns !== null);
    // The platform's cost is affine in bytes (copies.ts), so a line through its values at the observed sizes is that cost.
    const modeledLine = modeledPts.length >= 2 ? fitTransfers(modeledPts.map((p) => p.bytes), modeledPts.map((p) => p.modeled_ns!)) : null;
    return {
      heading: kind,
      svg: renderPlot({
        width: MULTIPLE_WIDTH, height: 240, marginLeft: 55,
        x: { type: 'log', base: 2, label: 'copy size', grid: true, tickFormat: bytesTick, ticks: byteTicks(lo, hi) },
        y: { type: 'log', label: 'duration (µs)', grid: true },
        color: { domain: SERIES },
        marks: [
          Plot.line(fit ? sampledLine(fit, lo, hi, 'fit') : [], { x: 'bytes', y: 'us', stroke: 'series' }),
          Plot.line(modeledLine ? sampledLine(modeledLine, lo, hi, 'platform model') : [], { x: 'bytes', y: 'us', stroke: 'series', strokeDasharray: '4,3' }),
          Plot.dot(modeledPts, { x: 'bytes', y: (p: { modeled_ns: number }) => p.modeled_ns / 1000, stroke: () => 'platform model', symbol: 'times' }),
          Plot.dot(pts, { x: 'bytes', y: (p: { observed_median_ns: number }) => p.observed_median_ns / 1000, fill: () => 'observed median', r: 3 }),
        ],
      }),
    };
  });
  return {
    id: 'calibration-copies', title: 'Copies: observed durations, the platform model and the fit',
    caption: 'Per copy kind and copy size, the observed median duration, the platform\'s modeled cost (no queueing) and the least-squares line (fixed cost + bytes / bandwidth) fitted to the trace\'s own copies; log–log axes.',
    data: {
      columns: ['copy_kind', 'bytes', 'n', 'observed_median_ns', 'modeled_ns', 'calibrated_ns'],
      types: ['VARCHAR', 'BIGINT', 'BIGINT', 'DOUBLE', 'DOUBLE', 'DOUBLE'], rows,
    },
    legend: renderLegend(SERIES), figures,
  };
}
