/**
 * Capacity planning over a sweep, from the per-run headline numbers (analysis `runs`):
 *
 * - BAR: within each group of runs that differ only in the BAR axis (`gpuN.bar`), the smallest BAR
 *   size with zero fallbacks — and every larger tried size also without fallbacks, so a lucky
 *   non-monotone point does not answer.
 * - Device memory: within each group that differs only in the memory axis (`gpuN.memory`), the
 *   smallest size whose modeled time stays within the budget (default 10 %) of the run with the most
 *   memory — the "fully resident" baseline, which it truly is only if it evicted nothing.
 */
import type { Dataset } from '../analysis/dataset.ts';
import { variantMagnitude } from '../analysis/variant-order.ts';
import { keyValueLabel } from './run-label.ts';

export interface RunFacts {
  id: string;
  keys: Record<string, string>;
  end_ns: number;
  fallbacks: number;
  /**
   * Fallbacks the BAR size cannot remove: P2P not routable on the path (p2pdma blocked or reads
   * blocked through the host bridge, REFERENCE.md §1.7, §1.11) rather than no room in the aperture.
   */
  path_fallbacks: number;
  /** their causes, e.g. `p2p_reads_blocked` */
  path_causes: string[];
  map_refused: number;
  peer_maps: number;
  bounce_bytes: number;
  evictions: number;
  bar_peak_bytes: number;
}

export const BAR_KEY = /(^|\.)bar$/;
export const MEMORY_KEY = /(^|\.)memory$/;

export interface Group {
  /** the other keys' values (run-label.ts), or `all runs` */
  label: string;
  runs: { value: string; bytes: number; run: RunFacts }[];
}

/** Groups runs by every key but `axis`; within a group, runs sorted by the axis value as bytes. */
export function groupAlong(dataset: Dataset, runs: RunFacts[], axis: string): Group[] {
  const others = dataset.keys.filter((k) => k !== axis);
  const groups = new Map<string, Group>();
  for (const run of runs) {
    const value = run.keys[axis];
    if (value === undefined) continue;
    const bytes = variantMagnitude(value);
    if (bytes === null) continue;
    const label = keyValueLabel(others, run.keys) || 'all runs';
    if (!groups.has(label)) groups.set(label, { label, runs: [] });
    groups.get(label)!.runs.push({ value, bytes, run });
  }
  for (const g of groups.values()) g.runs.sort((a, b) => a.bytes - b.bytes);
  return [...groups.values()];
}

export interface BarAnswer {
  group: string;
  /** `fallbacks` counts only those for lack of BAR room; `path_fallbacks` the others */
  tried: { value: string; bytes: number; fallbacks: number; path_fallbacks: number; refused: number; peak_mapped: number }[];
  /** the smallest BAR with zero fallbacks at it and at every larger tried size; null if none */
  smallest: { value: string; bytes: number } | null;
  /** whether any run of the group made (or failed to make) a peer mapping */
  p2p: boolean;
  verdict: string;
}

export function barCapacity(dataset: Dataset, runs: RunFacts[]): { key: string | null; answers: BarAnswer[] } {
  const key = dataset.keys.find((k) => BAR_KEY.test(k)) ?? null;
  if (key === null) return { key, answers: [] };
  const answers = groupAlong(dataset, runs, key).map((g): BarAnswer => {
    const tried = g.runs.map((r) => ({
      value: r.value, bytes: r.bytes, fallbacks: r.run.fallbacks - r.run.path_fallbacks, path_fallbacks: r.run.path_fallbacks,
      refused: r.run.map_refused, peak_mapped: r.run.bar_peak_bytes,
    }));
    let smallest: BarAnswer['smallest'] = null;
    for (let i = tried.length - 1; i >= 0 && tried[i]!.fallbacks === 0; i--) smallest = { value: tried[i]!.value, bytes: tried[i]!.bytes };
    const p2p = g.runs.some((r) => r.run.peer_maps > 0 || r.run.fallbacks > 0 || r.run.map_refused > 0);
    const verdict = !p2p
      ? 'no peer mappings: the BAR size does not matter for this workload'
      : smallest === null
        ? `falls back for lack of BAR room even at ${tried[tried.length - 1]!.value}: try a larger BAR`
        : smallest.value === tried[0]!.value
          ? `no fallbacks at any tried size: ${smallest.value} (the smallest tried) is enough`
          : `${smallest.value} is the smallest BAR with zero fallbacks`;
    const pathCauses = [...new Set(g.runs.flatMap((r) => r.run.path_causes))].sort();
    const pathNote = pathCauses.length === 0 ? ''
      : `; other fallbacks come from the path, not the BAR (${pathCauses.join(', ')}): no BAR size removes them`;
    return { group: g.label, tried, smallest, p2p, verdict: verdict + pathNote };
  });
  return { key, answers };
}

export interface MemoryAnswer {
  group: string;
  tried: { value: string; bytes: number; end_ns: number; ratio: number; evictions: number }[];
  baseline: { value: string; end_ns: number; evictions: number };
  fullyResident: boolean;
  needed: { value: string; bytes: number } | null;
  verdict: string;
}

export function memoryCapacity(dataset: Dataset, runs: RunFacts[], budget = 0.1): { key: string | null; budget: number; answers: MemoryAnswer[] } {
  const key = dataset.keys.find((k) => MEMORY_KEY.test(k)) ?? null;
  if (key === null) return { key, budget, answers: [] };
  const answers = groupAlong(dataset, runs, key).map((g): MemoryAnswer => {
    const base = g.runs[g.runs.length - 1]!;
    const baseEnd = base.run.end_ns;
    const tried = g.runs.map((r) => ({
      value: r.value, bytes: r.bytes, end_ns: r.run.end_ns, ratio: baseEnd > 0 ? r.run.end_ns / baseEnd : 1, evictions: r.run.evictions,
    }));
    let needed: MemoryAnswer['needed'] = null;
    for (let i = tried.length - 1; i >= 0 && tried[i]!.ratio <= 1 + budget; i--) needed = { value: tried[i]!.value, bytes: tried[i]!.bytes };
    const fullyResident = base.run.evictions === 0;
    const pct = `${Math.round(budget * 100)} %`;
    const verdict = (needed === null
      ? `no tried size stays within ${pct} of ${base.value}`
      : `${needed.value} keeps the modeled time within ${pct} of ${base.value}`)
      + (fullyResident ? '' : ` (note: ${base.value} still evicts, so the baseline is not fully resident; try more memory)`);
    return { group: g.label, tried, baseline: { value: base.value, end_ns: baseEnd, evictions: base.run.evictions }, fullyResident, needed, verdict };
  });
  return { key, budget, answers };
}
