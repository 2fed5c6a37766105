/**
 * Calibration run: observed vs predicted transfers per exact size, one small multiple per direction
 * (data: calibration.json `groups`, summed over causes).
 */
import type { Calibration } from '../../replay/calibrate/calibrate.ts';
import { formatBytes } from '../../ingest/trace/units.ts';
import { MULTIPLE_WIDTH, type ChartOutput, type Figure } from '../chart.ts';
import { Plot, renderLegend, renderPlot } from '../plot.ts';

export function calibrationHistogram(c: Calibration): ChartOutput {
  const rows: (string | number)[][] = [];
  for (const g of c.groups) {
    for (const [side, s] of [['observed', g.observed], ['predicted', g.predicted]] as const) {
      for (const [size, n] of Object.entries(s.histogram)) rows.push([g.direction, g.cause, side, Number(size), n]);
    }
  }
  const directions = [...new Set(rows.map((r) => r[0] as string))];
  const figures: Figure[] = directions.map((dir) => {
    const mine = new Map<string, number>();
    for (const r of rows) if (r[0] === dir) { const k = `${r[2]}|${r[3]}`; mine.set(k, (mine.get(k) ?? 0) + (r[4] as number)); }
    const data = [...mine].map(([k, n]) => { const [side, size] = k.split('|'); return { side: side!, size: Number(size), n }; }).sort((a, b) => a.size - b.size || (a.side < b.side ? -1 : 1));
    const sizes = [...new Set(data.map((d) => formatBytes(d.size)))];
    return {
      heading: dir,
      svg: renderPlot({
        width: MULTIPLE_WIDTH, height: 200, marginLeft: 50,
        x: { label: 'transfer size', domain: sizes }, fx: { label: null }, y: { label: 'transfers', grid: true },
        color: { domain: ['observed', 'predicted'] },
        marks: [Plot.barY(data, { x: (d: { size: number }) => formatBytes(d.size), y: 'n', fill: 'side', fx: 'side' }), Plot.ruleY([0])],
      }),
    };
  });
  return {
    id: 'calibration-histogram', title: 'Transfers by size: observed vs predicted',
    caption: 'Per direction, the number of Unified Memory transfers of each exact size the profile observed and the model predicted for the same accesses. Equal bars mean the model splits migrations like the driver.',
    data: { columns: ['direction', 'cause', 'side', 'bytes', 'transfers'], types: ['VARCHAR', 'VARCHAR', 'VARCHAR', 'BIGINT', 'BIGINT'], rows },
    legend: renderLegend(['observed', 'predicted'], 'side'), figures,
  };
}
