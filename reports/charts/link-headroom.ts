/** Capacity planning: peak utilisation and headroom of every link direction, per variant. */
import { resolveQuery } from '../../analysis/query.ts';
import { Plot, renderPlot } from '../plot.ts';
import { chartData, FIGURE_WIDTH, labelMargin, distinct, legendFor, num, str, type Chart, type Row } from '../chart.ts';
import { cellPercent } from '../format.ts';
import { htmlTable } from '../html.ts';

export const linkHeadroom: Chart = {
  id: 'link-headroom',
  title: 'Link headroom',
  caption: 'Peak utilisation of each link direction per variant (dots); headroom is the distance to 100 % (red line). Below, the busiest link direction of each variant.',
  async build(ctx) {
    const { result, rows } = await chartData(ctx, resolveQuery('link_utilisation'));
    const labels = ctx.dataset.runs.map((r) => ctx.label(r.id));
    const linkDir = (r: Row): string => `${str(r.link)}:${str(r.dir)}`;
    const domain = distinct(rows, linkDir);
    const svg = renderPlot({
      width: FIGURE_WIDTH, height: 40 + 26 * labels.length,
      marginLeft: labelMargin(labels),
      x: { label: 'peak utilisation', domain: [0, 100], percent: true, grid: true },
      y: { label: null, domain: labels },
      color: { domain },
      marks: [
        Plot.ruleX([1], { stroke: '#d62728' }),
        Plot.dot(rows, { y: (r: Row) => ctx.label(str(r.run)), x: (r: Row) => num(r.peak_util), fill: linkDir, r: 4 }),
      ],
    });
    const busiest = ctx.dataset.runs.map((run) => {
      const mine = rows.filter((r) => str(r.run) === run.id).sort((a, b) => num(b.peak_util) - num(a.peak_util));
      const top = mine[0];
      return [ctx.label(run.id), top ? linkDir(top) : '—', top ? num(top.peak_util) : null, top ? num(top.mean_util) : null, top ? num(top.headroom) : null];
    });
    const notes = htmlTable(['variant', 'busiest link:direction', 'peak', 'mean', 'headroom'], busiest,
      { peak: cellPercent, mean: cellPercent, headroom: cellPercent });
    return { id: this.id, title: this.title, caption: this.caption, data: result, legend: legendFor(domain, 'link:direction'), figures: [{ heading: null, svg }], notes };
  },
};
