/**
 * summary.json (run-output.ts RunSummary): totals computed from the event columns, the model's
 * counters and the link accounting. Keys of every record are sorted, so the JSON is byte-stable.
 */
import type { MemoryModel } from '../memory/memory-model.ts';
import type { CountBytes, LinkDirectionSummary, RunSummary } from '../run-output.ts';
import type { Timeline } from './timeline.ts';

function sortKeys<T>(r: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.keys(r).sort().map((k) => [k, r[k]!]));
}

function add(r: Record<string, CountBytes>, key: string, bytes: number): void {
  const e = (r[key] ??= { count: 0, bytes: 0 });
  e.count++;
  e.bytes += bytes;
}

export function buildSummary(model: MemoryModel, timeline: Timeline, trace: { rows: number; sha256: string }): RunSummary {
  const ev = model.events;
  const str = (i: number) => ev.strings.get(i) ?? '';
  const { migrate: kMigrate, evict: kEvict, remote: kRemote } = model.ids.kind;
  const total: CountBytes = { count: 0, bytes: 0 };
  const byDir: Record<string, CountBytes> = {};
  const byCause: Record<string, CountBytes> = {};
  const byDirCause: Record<string, CountBytes> = {};
  const evictions: CountBytes = { count: 0, bytes: 0 };
  const remote: CountBytes = { count: 0, bytes: 0 };
  for (let i = 0; i < ev.count; i++) {
    const k = ev.kind[i]!;
    const b = ev.bytes[i]!;
    if (k === kMigrate) {
      total.count++; total.bytes += b;
      const dir = `${str(ev.src[i]!)}->${str(ev.dst[i]!)}`;
      const cause = str(ev.cause[i]!);
      add(byDir, dir, b); add(byCause, cause, b); add(byDirCause, `${dir}:${cause}`, b);
    } else if (k === kEvict) { evictions.count++; evictions.bytes += b; } else if (k === kRemote) { remote.count++; remote.bytes += b; }
  }
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
  };
}
