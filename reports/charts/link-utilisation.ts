/** Link utilisation over time per link and direction (busy fraction per interval). */
import { Plot, renderPlot } from '../plot.ts';
import { chartData, distinct, legendFor, MULTIPLE_WIDTH, num, perRun, str, timeUnit, type Chart, type Row } from '../chart.ts';
import { stepPoints } from './bar-over-time.ts';

export const SQL = `
SELECT run, entity AS link_dir, ts, dur, value AS util
FROM timeline WHERE metric = 'link_util'
ORDER BY run, link_dir, ts`;

export const linkUtilisation: Chart = {
  id: 'link-utilisation',
  title: 'Link utilisation',
  caption: 'Busy fraction of each link direction (link:direction) per interval. A direction near 100 % queues its transfers; what is left below 100 % is its headroom.',
  async build(ctx) {
    const { result, rows } = await chartData(ctx, SQL);
    const domain = distinct(rows, (r) => str(r.link_dir));
    const figures = perRun(ctx, rows, 'no link traffic', (mine, run) => {
      const end = Math.max(ctx.endNs(run.id), ...mine.map((r) => num(r.ts) + num(r.dur)));
      const u = timeUnit(end);
      return renderPlot({
        width: MULTIPLE_WIDTH, height: 200, marginLeft: 50,
        x: { label: `time (${u.label})`, domain: [0, end / u.div] },
        y: { label: 'utilisation (%)', domain: [0, 100], percent: true, grid: true },
        color: { domain },
        marks: [
          Plot.line(stepPoints(mine, 'link_dir'), { x: (r: Row) => num(r.ts) / u.div, y: 'util', stroke: (r: Row) => str(r.link_dir), curve: 'step-after' }),
          Plot.ruleY([0]),
        ],
      });
    });
    return { id: this.id, title: this.title, caption: this.caption, data: result, legend: legendFor(domain, 'link:direction'), figures };
  },
};
