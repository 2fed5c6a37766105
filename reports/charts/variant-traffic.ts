/** Sweep comparison: bytes moved per variant, by kind (migrated, bounced through host, remote). */
import { Plot, renderPlot } from '../plot.ts';
import { chartData, FIGURE_WIDTH, labelMargin, legendFor, num, str, type Chart, type Row } from '../chart.ts';
import { bytesUnit } from '../format.ts';
import { reportQuery } from '../report-queries.ts';

export const SQL = reportQuery('variant_traffic');

const KINDS = ['migrated (excl. eviction)', 'evicted', 'bounced via host', 'remote access'];

export const variantTraffic: Chart = {
  id: 'variant-traffic',
  title: 'Variants: bytes moved',
  caption: 'Bytes each variant moved: migrations (faults, prefetches, CPU faults), evictions, P2P fallback bounces through system memory, and remote (zero-copy / coherent) accesses.',
  async build(ctx) {
    const { result, rows } = await chartData(ctx, SQL);
    const labels = ctx.dataset.runs.map((r) => ctx.label(r.id));
    const totals = new Map<string, number>();
    for (const r of rows) totals.set(str(r.run), (totals.get(str(r.run)) ?? 0) + num(r.bytes));
    const b = bytesUnit(Math.max(0, ...totals.values()));
    const svg = renderPlot({
      width: FIGURE_WIDTH, height: 40 + 26 * labels.length,
      marginLeft: labelMargin(labels),
      x: { label: b.label, grid: true },
      y: { label: null, domain: labels },
      color: { domain: KINDS },
      marks: [
        Plot.barX(rows.filter((r) => num(r.bytes) > 0), { y: (r: Row) => ctx.label(str(r.run)), x: (r: Row) => num(r.bytes) / b.div, fill: (r: Row) => str(r.kind) }),
        Plot.ruleX([0]),
      ],
    });
    return { id: this.id, title: this.title, caption: this.caption, data: result, legend: legendFor(KINDS, 'kind'), figures: [{ heading: null, svg }] };
  },
};
