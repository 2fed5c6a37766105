/** Link utilisation over time per link and direction (busy fraction per interval). */
import { Plot, renderPlot } from '../plot.ts';
import { chartData, MULTIPLE_WIDTH, num, perRun, str, timeUnit, type Chart, type Row } from '../chart.ts';
import { stepPoints } from './bar-over-time.ts';
import { reportQuery } from '../report-queries.ts';

const BINS = 100;

/**
 * The timeline's intervals (up to ~1000 per run) averaged, time-weighted, into at most 100 bins per
 * run, so the report stays small; link directions that never carried a byte are left out. The peak
 * of every interval is in the link-headroom chart.
 */
export const SQL = reportQuery('link_utilisation_over_time', { bins: BINS });

/** Link directions drawn per run (the busiest first); the others are in the CSV. */
export const LINKS_SHOWN = 6;

/** Says what a link direction's `down` and `up` mean (links are named a-b; `down` runs a → b). */
export const DIRECTION_LEGEND = '<p class="note">Each link is named after its two ends, a-b (cpu0-gpu0); <b>down</b> is a → b (cpu0-gpu0:down is host → GPU), <b>up</b> is b → a.</p>';

export const linkUtilisation: Chart = {
  id: 'link-utilisation',
  title: 'Link utilisation',
  caption: `Busy fraction of each link direction that carried traffic, averaged over 100 time bins per run, one panel per direction, the busiest (by peak) first; at most ${LINKS_SHOWN} per run, the rest are in the CSV. A direction near 100 % queues its transfers; what is left below 100 % is its headroom.`,
  async build(ctx) {
    const { result, rows } = await chartData(ctx, SQL);
    const figures = perRun(ctx, rows, 'no link traffic', (mine, run) => {
      const end = Math.max(ctx.endNs(run.id), ...mine.map((r) => num(r.ts) + num(r.dur)));
      const u = timeUnit(end);
      const peak = new Map<string, number>();
      for (const r of mine) peak.set(str(r.link_dir), Math.max(peak.get(str(r.link_dir)) ?? 0, num(r.util)));
      const order = [...peak].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([k]) => k);
      const shown = new Set(order.slice(0, LINKS_SHOWN));
      const points = stepPoints(mine.filter((r) => shown.has(str(r.link_dir))), 'link_dir', end);
      const hidden = order.length - shown.size;
      return renderPlot({
        width: MULTIPLE_WIDTH, height: 30 + 36 * shown.size, marginLeft: 50, marginRight: 130,
        x: { label: `time (${u.label})`, domain: [0, end / u.div] },
        // one tick per panel: 0 and 100 on stacked panels would print over each other (the baseline marks 0)
        y: { label: null, domain: [0, 100], percent: true, ticks: [100], tickFormat: (v: number) => `${v} %` },
        fy: { label: null, domain: [...shown] },
        caption: hidden > 0 ? `${hidden} quieter direction${hidden === 1 ? '' : 's'} in the CSV` : undefined,
        marks: [
          Plot.areaY(points, { x: (r: Row) => num(r.ts) / u.div, y: 'util', fy: (r: Row) => str(r.link_dir), curve: 'step-after', fill: '#4269d0', fillOpacity: 0.7 }),
          Plot.ruleY([0]),
          Plot.axisFy({ anchor: 'right', label: null }),
        ],
      });
    });
    return { id: this.id, title: this.title, caption: this.caption, data: result, legend: DIRECTION_LEGEND, figures };
  },
};
