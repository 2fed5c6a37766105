/** Link utilisation over time per link and direction (busy fraction per interval). */
import { Plot, renderPlot } from '../plot.ts';
import { chartData, distinct, legendFor, MULTIPLE_WIDTH, num, perRun, str, timeUnit, type Chart, type Row } from '../chart.ts';
import { stepPoints } from './bar-over-time.ts';

const BINS = 100;

/**
 * The timeline's intervals (up to ~1000 per run) averaged, time-weighted, into at most 100 bins per
 * run, so the report stays small; link directions that never carried a byte are left out. The peak
 * of every interval is in the link-headroom chart.
 */
export const SQL = `
WITH u AS (
  SELECT run, entity AS link_dir, ts, dur, value FROM timeline WHERE metric = 'link_util'
), w AS (
  SELECT run, greatest(1, ceil(max(ts + dur) / ${BINS}.0))::BIGINT AS width FROM u GROUP BY run
), busy AS (
  SELECT run, link_dir FROM u GROUP BY ALL HAVING max(value) > 0
)
SELECT u.run, u.link_dir, (u.ts // w.width) * w.width AS ts, w.width AS dur,
       round(sum(u.value * u.dur) / nullif(sum(u.dur), 0), 6) AS util
FROM u JOIN w USING (run) JOIN busy USING (run, link_dir)
GROUP BY ALL
ORDER BY u.run, u.link_dir, ts`;

export const linkUtilisation: Chart = {
  id: 'link-utilisation',
  title: 'Link utilisation',
  caption: 'Busy fraction of each link direction (link:direction) that carried traffic, averaged over 100 time bins per run. A direction near 100 % queues its transfers; what is left below 100 % is its headroom.',
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
          Plot.line(stepPoints(mine, 'link_dir', end), { x: (r: Row) => num(r.ts) / u.div, y: 'util', stroke: (r: Row) => str(r.link_dir), curve: 'step-after' }),
          Plot.ruleY([0]),
        ],
      });
    });
    return { id: this.id, title: this.title, caption: this.caption, data: result, legend: legendFor(domain, 'link:direction'), figures };
  },
};
