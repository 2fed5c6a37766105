/**
 * What each agent waited for: its stall from the timeline (the bar's whole length — the time the
 * agent really did not progress), split by the reasons of the events that stall it.
 *
 * The events' service times cannot simply be stacked: an agent's requests overlap (a NIC's remote
 * writes run back to back while it waits on only some of them), so their sum can exceed the stall by
 * orders of magnitude. Where it does, each reason gets the stall in proportion to its service time;
 * where it does not, each reason gets its service time and the rest is `unattributed`. The raw
 * service times stay in the data (`service_ns`).
 */
import { resolveQuery } from '../../analysis/query.ts';
import type { QueryResult } from '../../analysis/duckdb.ts';
import { Plot, renderPlot } from '../plot.ts';
import { chartData, distinct, legendFor, MULTIPLE_WIDTH, num, perRun, str, timeUnit, type Chart, type Row } from '../chart.ts';

/** Splits each agent's stall over its reasons (see the module comment); rows of one run. */
export function waitedBy(rows: Row[]): Row[] {
  const byAgent = new Map<string, Row[]>();
  for (const r of rows) {
    const k = `${str(r.run)}\u0000${str(r.agent)}`;
    if (!byAgent.has(k)) byAgent.set(k, []);
    byAgent.get(k)!.push(r);
  }
  const out: Row[] = [];
  for (const group of byAgent.values()) {
    const stall = num(group[0]!.agent_stall_ns);
    const attributed = group.filter((r) => str(r.reason) !== 'unattributed');
    const service = attributed.reduce((s, r) => s + num(r.time_ns), 0);
    const scale = service > stall && service > 0 ? stall / service : 1;
    for (const r of group) {
      const isRest = str(r.reason) === 'unattributed';
      const waited = isRest ? (scale < 1 ? 0 : num(r.time_ns)) : Math.round(num(r.time_ns) * scale);
      out.push({ ...r, service_ns: isRest ? 0 : num(r.time_ns), waited_ns: waited });
    }
  }
  return out;
}

export const stallBreakdown: Chart = {
  id: 'stall-breakdown',
  title: 'What each agent waited for',
  caption: 'Each bar is the time the agent stalled (from the timeline), split by the reasons of the events that stall it. When those events overlap — their service time adds up to more than the stall — each reason gets the stall in proportion to its service time; the raw service times are in the data (service_ns).',
  async build(ctx) {
    const q = await chartData(ctx, resolveQuery('stall_breakdown'));
    const rows = waitedBy(q.rows).filter((r) => num(r.waited_ns) > 0);
    const columns = ['run', 'agent', 'reason', 'events', 'waited_ns', 'service_ns', 'agent_stall_ns'];
    const data: QueryResult = {
      columns, types: ['VARCHAR', 'VARCHAR', 'VARCHAR', 'BIGINT', 'BIGINT', 'BIGINT', 'BIGINT'],
      rows: waitedBy(q.rows).map((r) => columns.map((c) => r[c] ?? null)),
    };
    const domain = distinct(rows, (r) => str(r.reason));
    const figures = perRun(ctx, rows, 'no agent stalled', (mine) => {
      const max = Math.max(1, ...mine.map((r) => num(r.agent_stall_ns)));
      const u = timeUnit(max);
      const agents = distinct(mine, (r) => str(r.agent));
      return renderPlot({
        width: MULTIPLE_WIDTH, height: 40 + 28 * agents.length, marginLeft: 60,
        x: { label: `stalled (${u.label})`, grid: true },
        y: { label: null, domain: agents },
        color: { domain },
        marks: [
          Plot.barX(mine, { y: (r: Row) => str(r.agent), x: (r: Row) => num(r.waited_ns) / u.div, fill: (r: Row) => str(r.reason) }),
          Plot.ruleX([0]),
        ],
      });
    });
    return { id: this.id, title: this.title, caption: this.caption, data, legend: legendFor(domain, 'reason'), figures };
  },
};
