/** Migration size histogram: migrations per power-of-two size bucket, by cause. */
import { resolveQuery } from '../../analysis/query.ts';
import { formatBytes } from '../../ingest/trace/units.ts';
import { Plot, renderPlot } from '../plot.ts';
import { chartData, distinct, legendFor, MULTIPLE_WIDTH, num, perRun, str, type Chart, type Row } from '../chart.ts';

const bucket = (r: Row): string => `≥ ${formatBytes(num(r.size_lo))}`;

export const migrationSizeHistogram: Chart = {
  id: 'migration-size-histogram',
  title: 'Migration sizes',
  caption: 'Number of migrations per size bucket (a bucket holds sizes from its label up to twice it), by cause. Many small migrations mean the fixed cost per transfer dominates.',
  async build(ctx) {
    const { result, rows } = await chartData(ctx, resolveQuery('migration_size_histogram'));
    const domain = distinct(rows, (r) => str(r.cause));
    const sizes = [...new Set(rows.map((r) => num(r.size_lo)))].sort((a, b) => a - b);
    const xDomain = sizes.map((s) => `≥ ${formatBytes(s)}`);
    const figures = perRun(ctx, rows, 'no migrations', (mine) =>
      renderPlot({
        width: MULTIPLE_WIDTH, height: 200, marginLeft: 60,
        x: { label: 'migration size', domain: xDomain },
        y: { label: 'migrations', grid: true },
        color: { domain },
        marks: [Plot.barY(mine, { x: bucket, y: 'migrations', fill: (r: Row) => str(r.cause) }), Plot.ruleY([0])],
      }));
    return { id: this.id, title: this.title, caption: this.caption, data: result, legend: legendFor(domain, 'cause'), figures };
  },
};
