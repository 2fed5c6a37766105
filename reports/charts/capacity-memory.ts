/** Capacity planning: modeled time against device memory, and the memory needed for a 10 % budget. */
import { Plot, renderEmpty, renderPlot } from '../plot.ts';
import { legendFor, type Chart } from '../chart.ts';
import { memoryCapacity } from '../capacity.ts';
import { bytesTick } from '../format.ts';
import { htmlTable } from '../html.ts';
import { loadRunFacts } from '../run-facts.ts';

export const BUDGET = 0.1;

export const capacityMemory: Chart = {
  id: 'capacity-memory',
  title: 'Device memory for a 10 % slowdown budget',
  caption: 'Modeled time relative to the run with the most device memory (the fully resident baseline), per group of variants that differ only in device memory. The dashed line is the 10 % budget.',
  async build(ctx) {
    const { key, answers } = memoryCapacity(ctx.dataset, await loadRunFacts(ctx), BUDGET);
    const points = answers.flatMap((a) => a.tried.map((t) => ({ group: a.group, memory: t.value, memory_bytes: t.bytes, end_ns: t.end_ns, vs_baseline: Math.round(t.ratio * 1e6) / 1e6, evictions: t.evictions })));
    const data = {
      columns: ['group', 'memory', 'memory_bytes', 'end_ns', 'vs_baseline', 'evictions'],
      types: ['VARCHAR', 'VARCHAR', 'BIGINT', 'BIGINT', 'DOUBLE', 'BIGINT'],
      rows: points.map((p) => [p.group, p.memory, p.memory_bytes, p.end_ns, p.vs_baseline, p.evictions]),
    };
    const domain = answers.map((a) => a.group);
    const svg = key === null || points.length === 0
      ? renderEmpty('vary device memory (e.g. --vary gpu0.memory=4GiB,8GiB,16GiB) to answer this')
      : renderPlot({
        width: 640, height: 240, marginLeft: 50,
        x: { type: 'log', base: 2, label: `${key} (device memory)`, tickFormat: bytesTick, ticks: [...new Set(points.map((p) => p.memory_bytes))] },
        y: { label: 'modeled time vs baseline', grid: true, zero: true, tickFormat: (v: number) => `${v.toFixed(2)}×` },
        color: { domain },
        marks: [
          Plot.ruleY([1 + BUDGET], { stroke: '#d62728', strokeDasharray: '6 3' }),
          Plot.line(points, { x: 'memory_bytes', y: 'vs_baseline', stroke: 'group' }),
          Plot.dot(points, { x: 'memory_bytes', y: 'vs_baseline', fill: 'group', r: 4 }),
        ],
      });
    const notes = answers.length === 0 ? '' : htmlTable(['group', 'answer', 'memory needed'],
      answers.map((a) => [a.group, a.verdict, a.needed?.value ?? '—']));
    return { id: this.id, title: this.title, caption: this.caption, data, legend: legendFor(domain, 'group'), figures: [{ heading: null, svg }], notes };
  },
};
