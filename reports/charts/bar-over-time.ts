/** BAR mapped bytes over time per GPU, against the BAR aperture (dashed red line). */
import { Plot, renderPlot } from '../plot.ts';
import { chartData, distinct, legendFor, MULTIPLE_WIDTH, num, perRun, str, timeUnit, type Chart, type Row } from '../chart.ts';
import { bytesUnit } from '../format.ts';
import { reportQuery } from '../report-queries.ts';

const BINS = 100;

/** At most 100 bins per run, each showing the most bytes mapped in any of its intervals (the peak is what meets the aperture). */
export const SQL = reportQuery('bar_over_time', { bins: BINS });

/** Step-line points: each bin's value at its start, the last value held to `end` (ns). */
export function stepPoints(rows: Row[], seriesKey: string, end: number): Row[] {
  const out: Row[] = [];
  for (const s of distinct(rows, (r) => str(r[seriesKey]))) {
    const mine = rows.filter((r) => str(r[seriesKey]) === s);
    const last = mine[mine.length - 1]!;
    out.push(...mine, { ...last, ts: Math.max(end, num(last.ts) + num(last.dur)) });
  }
  return out;
}

export const barOverTime: Chart = {
  id: 'bar-over-time',
  title: 'BAR aperture: mapped bytes over time',
  caption: 'Bytes of each GPU\'s BAR aperture mapped (peer mappings and CPU-visible VRAM): the most at any interval end within each of 100 time bins; the dashed red line is the aperture. Reaching it means the exporter must fall back, refuse or revoke.',
  async build(ctx) {
    const { result, rows } = await chartData(ctx, SQL);
    const domain = distinct(rows, (r) => str(r.gpu));
    const figures = perRun(ctx, rows, 'no BAR mappings in this run', (mine, run) => {
      const end = Math.max(ctx.endNs(run.id), ...mine.map((r) => num(r.ts) + num(r.dur)));
      const u = timeUnit(end);
      const apertures = distinct(mine.filter((r) => r.aperture_bytes !== null), (r) => `${str(r.gpu)}\t${num(r.aperture_bytes)}`)
        .map((k) => ({ gpu: k.split('\t')[0]!, aperture: Number(k.split('\t')[1]) }));
      const b = bytesUnit(Math.max(...mine.map((r) => num(r.mapped_bytes)), ...apertures.map((a) => a.aperture)));
      return renderPlot({
        width: MULTIPLE_WIDTH, height: 200, marginLeft: 50, marginRight: 20,
        x: { label: `time (${u.label})`, domain: [0, end / u.div] },
        y: { label: `mapped (${b.label})`, grid: true },
        color: { domain },
        marks: [
          Plot.ruleY(apertures, { y: (a: { aperture: number }) => a.aperture / b.div, stroke: '#d62728', strokeDasharray: '6 3' }),
          Plot.text(apertures, { y: (a: { aperture: number }) => a.aperture / b.div, text: (a: { gpu: string }) => `${a.gpu} aperture`, frameAnchor: 'right', dy: -7, fill: '#d62728' }),
          Plot.line(stepPoints(mine, 'gpu', end), { x: (r: Row) => num(r.ts) / u.div, y: (r: Row) => num(r.mapped_bytes) / b.div, stroke: (r: Row) => str(r.gpu), curve: 'step-after' }),
          Plot.ruleY([0]),
        ],
      });
    }, (mine) => mine.some((r) => num(r.mapped_bytes) > 0));
    return { id: this.id, title: this.title, caption: this.caption, data: result, legend: legendFor(domain, 'GPU'), figures };
  },
};
