/**
 * Calibration run: observed transfer durations against size, per direction, with the least-squares
 * line (fixed cost + bytes / bandwidth) and the model's cost before calibration (calibration.json
 * `durations`, `fits`).
 */
import type { Calibration } from '../../replay/calibrate/calibrate.ts';
import { MULTIPLE_WIDTH, type ChartOutput, type Figure } from '../chart.ts';
import { Plot, renderLegend, renderPlot } from '../plot.ts';

export function calibrationDurations(c: Calibration): ChartOutput {
  const rows = c.durations.map((d) => [d.direction, d.bytes, d.n, d.observed_median_ns, d.modeled_ns]);
  const figures: Figure[] = [...new Set(c.durations.map((d) => d.direction))].map((dir) => {
    const pts = c.durations.filter((d) => d.direction === dir);
    const fit = c.fits[dir];
    const maxBytes = Math.max(...pts.map((p) => p.bytes));
    const line = fit ? [0, maxBytes].map((b) => ({ bytes: b, us: (fit.fixed_ns + b / fit.bandwidth_gbps) / 1000 })) : [];
    return {
      heading: dir,
      svg: renderPlot({
        width: MULTIPLE_WIDTH, height: 220, marginLeft: 55,
        x: { label: 'transfer bytes', grid: true }, y: { label: 'duration (µs)', grid: true },
        color: { domain: ['observed median', 'modeled', 'fit'] },
        marks: [
          Plot.line(line, { x: 'bytes', y: 'us', stroke: () => 'fit' }),
          Plot.dot(pts.filter((p) => p.modeled_ns !== null), { x: 'bytes', y: (p: { modeled_ns: number }) => p.modeled_ns / 1000, stroke: () => 'modeled', symbol: 'times' }),
          Plot.dot(pts, { x: 'bytes', y: (p: { observed_median_ns: number }) => p.observed_median_ns / 1000, fill: () => 'observed median' }),
        ],
      }),
    };
  });
  return {
    id: 'calibration-durations', title: 'Transfer durations: observed, modeled and fitted',
    caption: 'Per direction and transfer size, the observed median duration, the platform\'s modeled cost and the least-squares line (fixed cost + bytes / bandwidth) that calibrated.yaml carries.',
    data: { columns: ['direction', 'bytes', 'n', 'observed_median_ns', 'modeled_ns'], types: ['VARCHAR', 'BIGINT', 'BIGINT', 'DOUBLE', 'DOUBLE'], rows },
    legend: renderLegend(['observed median', 'modeled', 'fit']), figures,
  };
}
