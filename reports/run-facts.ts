/** The per-run headline numbers (analysis `runs` relation) as typed records, in dataset order. */
import type { ReportContext } from './chart.ts';
import { chartData, num } from './chart.ts';
import { reportQuery } from './report-queries.ts';
import type { RunFacts } from './capacity.ts';

export async function loadRunFacts(ctx: ReportContext): Promise<RunFacts[]> {
  const { rows } = await chartData(ctx, 'SELECT * FROM runs');
  const byId = new Map(rows.map((r) => [String(r.run), r]));
  // A fallback's cause says why the exporter could not map: `bar_full` is the only one a larger BAR fixes.
  const path = await chartData(ctx, reportQuery('fallbacks_not_bar_room'));
  const pathById = new Map(path.rows.map((r) => [String(r.run), r]));
  return ctx.dataset.runs.map((run) => {
    const r = byId.get(run.id)!;
    return {
      id: run.id,
      keys: run.keys,
      end_ns: num(r.end_ns),
      fallbacks: num(r.fallbacks),
      path_fallbacks: num(pathById.get(run.id)?.n ?? 0),
      path_causes: pathById.has(run.id) ? String(pathById.get(run.id)!.causes).split(',') : [],
      map_refused: num(r.map_refused),
      peer_maps: num(r.peer_maps),
      bounce_bytes: num(r.bounce_bytes),
      evictions: num(r.evictions),
      bar_peak_bytes: num(r.bar_peak_bytes),
    };
  });
}
