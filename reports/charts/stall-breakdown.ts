/** Stall breakdown per agent: modeled service time by reason, with the agent's total stall as a tick. */
import { resolveQuery } from '../../analysis/query.ts';
import { Plot, renderPlot } from '../plot.ts';
import { chartData, distinct, legendFor, MULTIPLE_WIDTH, num, perRun, str, timeUnit, type Chart, type Row } from '../chart.ts';

export const stallBreakdown: Chart = {
  id: 'stall-breakdown',
  title: 'Stall breakdown per agent',
  caption: 'Modeled service time of the events that stall each agent, by reason (bars); the black tick is the agent\'s total stall from the timeline. Reasons can overlap in time, so bars may exceed the tick.',
  async build(ctx) {
    const { result, rows } = await chartData(ctx, resolveQuery('stall_breakdown'));
    const domain = distinct(rows.filter((r) => str(r.reason) !== 'total'), (r) => str(r.reason));
    const figures = perRun(ctx, rows, 'no stalls', (mine) => {
      const max = Math.max(1, ...mine.map((r) => Math.max(num(r.agent_stall_ns), num(r.time_ns))));
      const u = timeUnit(max);
      const totals = distinct(mine, (r) => `${str(r.agent)}\t${num(r.agent_stall_ns)}`).map((k) => ({ agent: k.split('\t')[0]!, total: Number(k.split('\t')[1]) }));
      return renderPlot({
        width: MULTIPLE_WIDTH, height: 40 + 28 * totals.length, marginLeft: 60,
        x: { label: `time (${u.label})`, grid: true },
        y: { label: null },
        color: { domain },
        marks: [
          Plot.barX(mine.filter((r) => str(r.reason) !== 'total'), { y: (r: Row) => str(r.agent), x: (r: Row) => num(r.time_ns) / u.div, fill: (r: Row) => str(r.reason) }),
          Plot.tickX(totals, { y: 'agent', x: (t: { total: number }) => t.total / u.div, strokeWidth: 2 }),
          Plot.ruleX([0]),
        ],
      });
    });
    return { id: this.id, title: this.title, caption: this.caption, data: result, legend: legendFor(domain, 'reason'), figures };
  },
};
