/** Capacity planning: fallbacks against BAR size, and the smallest BAR with zero fallbacks. */
import { Plot, renderEmpty, renderPlot } from '../plot.ts';
import { legendFor, type Chart } from '../chart.ts';
import { barCapacity } from '../capacity.ts';
import { bytesTick, cellBytes } from '../format.ts';
import { escapeHtml, htmlTable } from '../html.ts';
import { loadRunFacts } from '../run-facts.ts';

export const capacityBar: Chart = {
  id: 'capacity-bar',
  title: 'Smallest BAR with zero fallbacks',
  caption: 'P2P fallbacks to system memory against the BAR aperture size, per group of variants that differ only in the BAR. The answer is the smallest size with no fallbacks there and at every larger size tried.',
  async build(ctx) {
    const { key, answers } = barCapacity(ctx.dataset, await loadRunFacts(ctx));
    const points = answers.flatMap((a) => a.tried.map((t) => ({ group: a.group, bar: t.value, bar_bytes: t.bytes, fallbacks: t.fallbacks, refused: t.refused, peak_mapped_bytes: t.peak_mapped })));
    const data = {
      columns: ['group', 'bar', 'bar_bytes', 'fallbacks', 'refused', 'peak_mapped_bytes'],
      types: ['VARCHAR', 'VARCHAR', 'BIGINT', 'BIGINT', 'BIGINT', 'BIGINT'],
      rows: points.map((p) => [p.group, p.bar, p.bar_bytes, p.fallbacks, p.refused, p.peak_mapped_bytes]),
    };
    // groups without any P2P activity are flat at zero whatever the BAR: leave them out of the plot
    const active = new Set(answers.filter((a) => a.p2p).map((a) => a.group));
    const shown = points.filter((p) => active.has(p.group));
    const domain = [...active];
    const svg = key === null || points.length === 0
      ? renderEmpty('vary a BAR size (e.g. --vary gpu0.bar=256MiB,1GiB) to answer this')
      : shown.length === 0
        ? renderEmpty('no variant made peer mappings: the BAR size does not matter for these workloads')
      : renderPlot({
        width: 640, height: 240, marginLeft: 50,
        x: { type: 'log', base: 2, label: `${key} (BAR aperture)`, tickFormat: bytesTick, ticks: [...new Set(points.map((p) => p.bar_bytes))] },
        y: { label: 'fallbacks', grid: true, domain: [0, Math.max(1, ...shown.map((p) => p.fallbacks))] },
        color: { domain },
        marks: [
          Plot.line(shown, { x: 'bar_bytes', y: 'fallbacks', stroke: 'group' }),
          Plot.dot(shown, { x: 'bar_bytes', y: 'fallbacks', fill: 'group', r: 4 }),
          Plot.ruleY([0]),
        ],
      });
    // groups that made no peer mapping all have the same answer: one line names them, the table has the rest
    const idle = answers.filter((a) => !a.p2p);
    const notes = answers.length === 0 ? '' : (shown.length === 0 ? '' : htmlTable(['group', 'answer', 'smallest BAR without fallbacks'],
      answers.filter((a) => a.p2p).map((a) => [a.group, a.verdict, a.smallest?.value ?? '—'])))
      + (idle.length === 0 || shown.length === 0 ? '' : `<p class="note">${escapeHtml(`No peer mappings, so the BAR size does not matter: ${idle.map((a) => a.group).join('; ')}.`)}</p>`)
      + `<p class="note">${escapeHtml(`Peak mapped bytes at each size are in the CSV (${cellBytes(Math.max(0, ...points.map((p) => p.peak_mapped_bytes)))} at most).`)}</p>`;
    return { id: this.id, title: this.title, caption: this.caption, data, legend: legendFor(domain, 'group'), figures: [{ heading: null, svg }], notes };
  },
};
