/**
 * summary.json (run-output.ts RunSummary): the event totals counted by the event log, the model's
 * counters and the link accounting. Keys of every record are sorted, so the JSON is byte-stable.
 */
import { OPS } from '../../ingest/trace/schema.ts';
import type { MemoryModel } from '../memory/memory-model.ts';
import type { CountBytes, LinkDirectionSummary, RunSummary } from '../run-output.ts';
import type { Timeline } from './timeline.ts';

function sortKeys<T>(r: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.keys(r).sort().map((k) => [k, r[k]!]));
}

export function buildSummary(model: MemoryModel, timeline: Timeline, trace: { rows: number; sha256: string }): RunSummary {
  // Event totals were counted as rows left the event log (event-totals.ts), over every event.
  const ev = model.events;
  const str = (i: number) => ev.strings.get(i) ?? '';
  const total: CountBytes = { count: 0, bytes: 0 };
  const byDir: Record<string, CountBytes> = {};
  const byCause: Record<string, CountBytes> = {};
  const byDirCause: Record<string, CountBytes> = {};
  const addTo = (r: Record<string, CountBytes>, key: string, c: CountBytes) => { const e = (r[key] ??= { count: 0, bytes: 0 }); e.count += c.count; e.bytes += c.bytes; };
  for (const m of ev.totals.migrations.values()) {
    total.count += m.count; total.bytes += m.bytes;
    const dir = `${str(m.src)}->${str(m.dst)}`;
    const cause = str(m.cause);
    addTo(byDir, dir, m); addTo(byCause, cause, m); addTo(byDirCause, `${dir}:${cause}`, m);
  }
  const byKind: Record<string, CountBytes> = {};
  ev.totals.kindCount.forEach((n, k) => { if (n > 0) byKind[str(k)] = { count: n, bytes: ev.totals.kindBytes[k] ?? 0 }; });
  const evictions: CountBytes = { ...ev.totals.evictions };
  const remote: CountBytes = { ...ev.totals.remote };
  const links: Record<string, Record<string, LinkDirectionSummary>> = {};
  const L = model.links;
  model.platform.links.forEach((l, i) => {
    const dir = (d: number): LinkDirectionSummary => ({ bytes: L.bytes[d]!, busy_ns: L.busy[d]!, peak_util: timeline.peakUtil[d]!, transfers: L.transfers[d]! });
    links[l.name] = { down: dir(2 * i), up: dir(2 * i + 1) };
  });
  const stall: Record<string, number> = {};
  model.agentNames.forEach((a, i) => { stall[a] = model.stall[i]!; });
  const bar: RunSummary['bar'] = {};
  model.platform.agents.filter((a) => a.kind === 'gpu').forEach((a, g) => {
    // Peak and percentiles over the timeline intervals (time-weighted by interval); `full_ns` from the BAR aperture.
    const v = Array.from(timeline.barMapped[g]!).sort((x, y) => x - y);
    const pct = (q: number) => (v.length ? v[Math.min(v.length - 1, Math.floor(q * v.length))]! : 0);
    bar[a.name] = { aperture_bytes: a.kind === 'gpu' ? a.bar : 0, peak_bytes: v.length ? v[v.length - 1]! : 0, p50_bytes: pct(0.5), p99_bytes: pct(0.99), full_ns: model.barFullNs[g] ?? 0 };
  });
  const s = model.stats;
  return {
    schema: 'hetmem.summary/1',
    platform: model.platform.name,
    trace,
    end_ns: model.endNs,
    migrations: { total, by_direction: sortKeys(byDir), by_cause: sortKeys(byCause), by_direction_cause: sortKeys(byDirCause) },
    faults: { gpu: s.gpuFaults, cpu: s.cpuFaults, gpu_batches: s.gpuBatches, batch_service_ns: s.batchServiceNs },
    evictions,
    remote,
    thrashing: { throttles: s.throttles, pins: s.pins },
    stall_ns: sortKeys(stall),
    links: sortKeys(links),
    bar: sortKeys(bar),
    p2p: { ...model.p2p },
    odp: { ...model.odp },
    devobj: { ...model.devobj },
    hazards: model.hazards,
    unmapped_rows: s.unmappedRows,
    events_by_kind: sortKeys(byKind),
    trace_ops: Object.fromEntries(OPS.map((o, i) => [o, model.opRows[i]!] as const).filter(([, n]) => n > 0).sort(([x], [y]) => (x < y ? -1 : 1))),
    ...(model.streamOrder ? { stream_order: { ...model.streamOrder } } : {}),
  };
}
