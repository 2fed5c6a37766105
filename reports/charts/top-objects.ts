/** Top objects by bytes moved (migrations, bounces, driver-object moves, remote accesses). */
import { resolveQuery } from '../../analysis/query.ts';
import { Plot, renderPlot } from '../plot.ts';
import { chartData, distinct, legendFor, MULTIPLE_WIDTH, num, perRun, str, type Chart, type Row } from '../chart.ts';
import { bytesUnit } from '../format.ts';

const SHOWN = 10;
const MAX_LABEL = 40;
/** Long object names are cut on the axis (the table beside the chart has them whole). */
const short = (s: string): string => (s.length > MAX_LABEL ? `${s.slice(0, MAX_LABEL - 1)}…` : s);

export const topObjects: Chart = {
  id: 'top-objects',
  title: 'Top objects by bytes moved',
  caption: `The ${SHOWN} objects per run that moved the most bytes, by kind of movement.`,
  async build(ctx) {
    const { result, rows } = await chartData(ctx, resolveQuery('top_objects'));
    const domain = distinct(rows, (r) => str(r.kind));
    const figures = perRun(ctx, rows, 'no object moved data', (all) => {
      const mine = all.filter((r) => num(r.rank) <= SHOWN);
      const order = distinct(mine, (r) => short(str(r.obj)));
      const longest = Math.max(...order.map((o) => o.length));
      const b = bytesUnit(Math.max(...mine.map((r) => num(r.total_bytes))));
      return renderPlot({
        width: MULTIPLE_WIDTH, height: 40 + 24 * order.length, marginLeft: Math.min(300, 20 + 6.5 * longest),
        x: { label: b.label, grid: true },
        y: { label: null, domain: order },
        color: { domain },
        marks: [Plot.barX(mine, { y: (r: Row) => short(str(r.obj)), x: (r: Row) => num(r.bytes) / b.div, fill: (r: Row) => str(r.kind) }), Plot.ruleX([0])],
      });
    });
    return { id: this.id, title: this.title, caption: this.caption, data: result, legend: legendFor(domain, 'kind'), figures };
  },
};
