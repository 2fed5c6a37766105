/**
 * Migrations over time by direction and cause: bytes migrated per time bin (50 bins over each run),
 * stacked by direction · cause; migrations into a device above the axis, back to system memory below.
 */
import { Plot, renderPlot } from '../plot.ts';
import { chartData, distinct, legendFor, MULTIPLE_WIDTH, num, perRun, str, timeUnit, type Chart, type Row } from '../chart.ts';
import { bytesUnit } from '../format.ts';
import { reportQuery } from '../report-queries.ts';

const BINS = 50;

export const SQL = reportQuery('migrations_over_time', { bins: BINS });

const series = (r: Row): string => `${str(r.direction)} ${str(r.cause)}`;
/** Migrations back to system memory (`sys0`, `sys1`, …) are drawn below the axis. */
const toHost = (r: Row): boolean => /->sys\d*$/.test(str(r.direction));

export const migrationsOverTime: Chart = {
  id: 'migrations-over-time',
  title: 'Migrations over time',
  caption: 'Bytes migrated per time bin, by direction and cause. Above the axis: into device memory; below: back to system memory.',
  async build(ctx) {
    const { result, rows } = await chartData(ctx, SQL);
    const domain = distinct(rows, series);
    const figures = perRun(ctx, rows, 'no migrations', (mine, run) => {
      const end = Math.max(ctx.endNs(run.id), ...mine.map((r) => num(r.t0) + num(r.width)));
      const u = timeUnit(end);
      // the tallest stack in either direction sets the byte unit
      const stacks = new Map<string, number>();
      for (const r of mine) {
        const k = `${num(r.t0)}:${toHost(r)}`;
        stacks.set(k, (stacks.get(k) ?? 0) + num(r.bytes));
      }
      const b = bytesUnit(Math.max(...stacks.values()));
      return renderPlot({
        width: MULTIPLE_WIDTH, height: 220, marginLeft: 50,
        x: { label: `time (${u.label})`, domain: [0, end / u.div] },
        y: { label: `↑ to device · ${b.label} · to host ↓`, tickFormat: (v: number) => String(Math.abs(v)), grid: true },
        color: { domain },
        marks: [
          Plot.rectY(mine, {
            x1: (r: Row) => num(r.t0) / u.div,
            x2: (r: Row) => (num(r.t0) + num(r.width)) / u.div,
            y: (r: Row) => (toHost(r) ? -num(r.bytes) : num(r.bytes)) / b.div,
            fill: series,
          }),
          Plot.ruleY([0]),
        ],
      });
    });
    return { id: this.id, title: this.title, caption: this.caption, data: result, legend: legendFor(domain, 'direction · cause'), figures };
  },
};
