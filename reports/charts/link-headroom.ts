/** Capacity planning: peak utilisation and headroom of every link direction, per variant. */
import { resolveQuery } from '../../analysis/query.ts';
import { Plot, renderPlot } from '../plot.ts';
import { chartData, FIGURE_WIDTH, labelMargin, num, str, type Chart, type Row } from '../chart.ts';
import { DIRECTION_LEGEND } from './link-utilisation.ts';
import { cellPercent } from '../format.ts';
import { htmlTable } from '../html.ts';

export const linkHeadroom: Chart = {
  id: 'link-headroom',
  title: 'Link headroom',
  caption: 'Peak utilisation of every link direction per variant (grey dots), the busiest one highlighted and named; headroom is the distance to 100 % (red line). The table below (click to open) names the busiest link direction of each variant.',
  async build(ctx) {
    const { result, rows } = await chartData(ctx, resolveQuery('link_utilisation'));
    const labels = ctx.dataset.runs.map((r) => ctx.label(r.id));
    const linkDir = (r: Row): string => `${str(r.link)}:${str(r.dir)}`;
    // The busiest direction of each variant is drawn on top and named; the others stay grey, so
    // a dozen directions never compete for a ten-colour palette.
    const busiestOf = new Map<string, Row>();
    for (const r of rows) {
      const b = busiestOf.get(str(r.run));
      if (!b || num(r.peak_util) > num(b.peak_util)) busiestOf.set(str(r.run), r);
    }
    const top = [...busiestOf.values()];
    const svg = renderPlot({
      width: FIGURE_WIDTH, height: 40 + 20 * labels.length,
      marginLeft: labelMargin(labels), marginRight: 150,
      x: { label: 'peak utilisation', domain: [0, 100], percent: true, grid: true },
      y: { label: null, domain: labels },
      marks: [
        Plot.ruleX([1], { stroke: '#d62728' }),
        Plot.dot(rows, { y: (r: Row) => ctx.label(str(r.run)), x: (r: Row) => num(r.peak_util), fill: '#bbb', r: 3 }),
        Plot.dot(top, { y: (r: Row) => ctx.label(str(r.run)), x: (r: Row) => num(r.peak_util), fill: '#4269d0', r: 5 }),
        Plot.text(top, { y: (r: Row) => ctx.label(str(r.run)), x: 1, text: linkDir, textAnchor: 'start', dx: 8, fill: '#4269d0' }),
      ],
    });
    const busiest = ctx.dataset.runs.map((run) => {
      const mine = rows.filter((r) => str(r.run) === run.id).sort((a, b) => num(b.peak_util) - num(a.peak_util));
      const top = mine[0];
      return [ctx.label(run.id), top ? linkDir(top) : '—', top ? num(top.peak_util) : null, top ? num(top.mean_util) : null, top ? num(top.headroom) : null];
    });
    // the table repeats the dots in numbers: one click away, so the answers stay on a screen or two
    const notes = `<details><summary>The busiest link direction of each variant, as a table</summary>\n${htmlTable(['variant', 'busiest link:direction', 'peak', 'mean', 'headroom'], busiest,
      { peak: cellPercent, mean: cellPercent, headroom: cellPercent })}\n</details>`;
    return { id: this.id, title: this.title, caption: this.caption, data: result, legend: DIRECTION_LEGEND, figures: [{ heading: null, svg }], notes };
  },
};
