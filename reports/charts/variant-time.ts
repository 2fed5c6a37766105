/** Sweep comparison: modeled time and total stall per variant (grouped bars, one group per run). */
import { Plot, renderPlot } from '../plot.ts';
import { chartData, FIGURE_WIDTH, labelMargin, legendFor, num, str, timeUnit, type Chart, type Row } from '../chart.ts';
import { reportQuery } from '../report-queries.ts';

export const SQL = reportQuery('variant_time');

const MEASURES = ['modeled time', 'total stall'];

export const variantTime: Chart = {
  id: 'variant-time',
  title: 'Variants: modeled time',
  caption: 'Modeled end time of each variant, and the stall summed over all agents (it can exceed the end time when several agents wait at once).',
  async build(ctx) {
    const { result, rows } = await chartData(ctx, SQL);
    const labels = ctx.dataset.runs.map((r) => ctx.label(r.id));
    const u = timeUnit(Math.max(1, ...rows.map((r) => num(r.ns))));
    const svg = renderPlot({
      width: FIGURE_WIDTH, height: 30 + 36 * labels.length,
      marginLeft: labelMargin(labels),
      x: { label: `time (${u.label})`, grid: true },
      y: { axis: null, domain: MEASURES },
      fy: { label: null, domain: labels, axis: 'left' },
      color: { domain: MEASURES },
      marks: [
        Plot.barX(rows, { fy: (r: Row) => ctx.label(str(r.run)), y: (r: Row) => str(r.measure), x: (r: Row) => num(r.ns) / u.div, fill: (r: Row) => str(r.measure) }),
        Plot.ruleX([0]),
      ],
    });
    return { id: this.id, title: this.title, caption: this.caption, data: result, legend: legendFor(MEASURES, 'measure'), figures: [{ heading: null, svg }] };
  },
};
