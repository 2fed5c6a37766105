/**
 * timeline.parquet (run-output.ts TIMELINE_COLUMNS): per interval, resident bytes per memory, bytes
 * and busy fraction per link direction, stall per agent. Built after the replay from the model's
 * logs (resident deltas, transfers, stall spans), spreading each span over the intervals it overlaps.
 *
 * The interval is `policy.timeline_interval`, or automatic: the smallest 1/2/5 × 10^k ns that
 * cuts the run into at most 1000 intervals.
 */
import type { MemoryModel } from '../memory/memory-model.ts';
import { TIMELINE_METRICS } from '../run-output.ts';

export interface Timeline {
  interval: number;
  intervals: number;
  ts: Float64Array; dur: Float64Array; metric: Int32Array; entity: Int32Array; value: Float64Array;
  count: number;
  strings: string[];
  /** per link direction: the largest busy fraction of any interval */
  peakUtil: Float64Array;
  /** per GPU: BAR bytes mapped at each interval end */
  barMapped: Float64Array[];
}

export function autoInterval(endNs: number, maxIntervals = 1000): number {
  for (let scale = 1; ; scale *= 10) {
    for (const m of [1, 2, 5]) if (m * scale * maxIntervals >= endNs) return m * scale;
  }
}

/** Adds `amount` spread uniformly over [start, start+dur) into per-interval buckets. */
function spread(buckets: Float64Array, interval: number, start: number, dur: number, amount: number): void {
  const n = buckets.length;
  if (dur <= 0) { buckets[Math.min(n - 1, Math.floor(start / interval))]! += amount; return; }
  const end = start + dur;
  for (let k = Math.floor(start / interval); k < n && k * interval < end; k++) {
    const lo = Math.max(start, k * interval);
    const hi = Math.min(end, (k + 1) * interval);
    if (hi > lo) buckets[k]! += (amount * (hi - lo)) / dur;
  }
}

export function buildTimeline(model: MemoryModel): Timeline {
  const end = Math.max(model.endNs, 1);
  const interval = model.platform.policy.timeline_interval > 0 ? model.platform.policy.timeline_interval : autoInterval(end);
  const nI = Math.max(1, Math.ceil(end / interval));
  const strings: string[] = [];
  const sid = (s: string) => { let i = strings.indexOf(s); if (i < 0) { i = strings.length; strings.push(s); } return i; };
  // resident bytes per memory at interval end
  const M = model.memNames.length;
  const resident = Array.from({ length: M }, () => new Float64Array(nI));
  model.residentLog.scan(([t, a, v], n) => {
    for (let i = 0; i < n; i++) resident[a![i]!]![Math.min(nI - 1, Math.floor(t![i]! / interval))]! += v![i]!;
  });
  for (const r of resident) for (let k = 1; k < nI; k++) r[k]! += r[k - 1]!;
  // BAR bytes mapped per GPU at interval end (the BAR aperture logs the deltas)
  const G = model.gpuAgents.length;
  const barMapped = Array.from({ length: G }, () => new Float64Array(nI));
  model.barLog.scan(([t, a, v], n) => {
    for (let i = 0; i < n; i++) barMapped[a![i]!]![Math.min(nI - 1, Math.floor(t![i]! / interval))]! += v![i]!;
  });
  for (const r of barMapped) for (let k = 1; k < nI; k++) r[k]! += r[k - 1]!;
  // link bytes and busy time per direction
  const topo = model.topology;
  const D = 2 * topo.linkCount;
  const linkBytes = Array.from({ length: D }, () => new Float64Array(nI));
  const linkBusy = Array.from({ length: D }, () => new Float64Array(nI));
  const L = model.links;
  L.log.scan(([start, dur, bytes, path], n) => {
    for (let i = 0; i < n; i++) {
      for (const d of L.pathList[path![i]!]!.dirs) {
        spread(linkBytes[d]!, interval, start![i]!, dur![i]!, bytes![i]!);
        spread(linkBusy[d]!, interval, start![i]!, dur![i]!, dur![i]!);
      }
    }
  });
  // stall per agent
  const A = model.agentNames.length;
  const stall = Array.from({ length: A }, () => new Float64Array(nI));
  model.stallLog.scan(([t, a, v], n) => {
    for (let i = 0; i < n; i++) spread(stall[a![i]!]!, interval, t![i]!, v![i]!, v![i]!);
  });

  const perInterval = M + 2 * D + A + G;
  const cap = nI * perInterval;
  const t: Timeline = {
    interval, intervals: nI, strings, count: 0, peakUtil: new Float64Array(D), barMapped,
    ts: new Float64Array(cap), dur: new Float64Array(cap), metric: new Int32Array(cap), entity: new Int32Array(cap), value: new Float64Array(cap),
  };
  const mRes = sid(TIMELINE_METRICS.resident);
  const mBytes = sid(TIMELINE_METRICS.linkBytes);
  const mUtil = sid(TIMELINE_METRICS.linkUtil);
  const mStall = sid(TIMELINE_METRICS.stall);
  const mBar = sid(TIMELINE_METRICS.barMapped);
  const gpuIds = model.gpuAgents.map((a) => sid(model.agentNames[a]!));
  const memIds = model.memNames.map(sid);
  const dirIds = topo.dirName.map(sid);
  const agentIds = model.agentNames.map(sid);
  const push = (k: number, metric: number, entity: number, value: number) => {
    const i = t.count++;
    t.ts[i] = k * interval; t.dur[i] = Math.min(interval, end - k * interval); t.metric[i] = metric; t.entity[i] = entity; t.value[i] = value;
  };
  for (let k = 0; k < nI; k++) {
    for (let m = 0; m < M; m++) push(k, mRes, memIds[m]!, resident[m]![k]!);
    for (let d = 0; d < D; d++) {
      push(k, mBytes, dirIds[d]!, linkBytes[d]![k]!);
      const len = Math.min(interval, end - k * interval);
      const util = Math.min(1, linkBusy[d]![k]! / len);
      if (util > t.peakUtil[d]!) t.peakUtil[d] = util;
      push(k, mUtil, dirIds[d]!, util);
    }
    for (let a = 0; a < A; a++) push(k, mStall, agentIds[a]!, stall[a]![k]!);
    for (let g = 0; g < G; g++) push(k, mBar, gpuIds[g]!, barMapped[g]![k]!);
  }
  return t;
}
