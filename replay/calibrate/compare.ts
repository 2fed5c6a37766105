/**
 * Observed vs modeled transfers: per direction and cause the count, bytes and exact-size histogram;
 * per 2 MiB VA block whether the sequence of transfers (direction, cause, size, in time order)
 * matches; per direction and transfer size the observed durations against the modeled duration
 * (median and p95 relative error).
 */
import { VA_BLOCK_SIZE } from '../../ingest/trace/units.ts';
import { percentile } from './stats.ts';
import { DIRECTIONS, type Direction, type Transfers } from './transfers.ts';

export interface Side { count: number; bytes: number; histogram: Record<string, number> }
export interface GroupComparison { direction: Direction; cause: string; observed: Side; predicted: Side; match: boolean }
export interface BlockMismatch { block_addr: number; observed: string[]; predicted: string[] }
export interface BlockComparison { blocks: number; matched: number; mismatches: BlockMismatch[] }
export interface DurationComparison<D extends string = Direction> {
  /** a migration direction (`HtoD`) or a copy kind (`HtoD pinned`, copies.ts) */
  direction: D; bytes: number; n: number;
  observed_median_ns: number; modeled_ns: number | null;
  median_rel_error: number | null; p95_rel_error: number | null;
}

/**
 * A direction whose observations carry no cause (nvprof text) compares all its transfers under cause
 * `any` on both sides.
 */
function causeKey(t: Transfers, i: number, anyDirs: ReadonlySet<Direction>): string {
  return anyDirs.has(t.dir[i]!) ? 'any' : t.cause[i]!;
}

export function causelessDirections(observed: Transfers): Set<Direction> {
  const s = new Set<Direction>();
  for (let i = 0; i < observed.count; i++) if (observed.cause[i] === 'unknown') s.add(observed.dir[i]!);
  return s;
}

function sides(t: Transfers, anyDirs: ReadonlySet<Direction>): Map<string, Side> {
  const m = new Map<string, Side>();
  for (let i = 0; i < t.count; i++) {
    const key = `${t.dir[i]}|${causeKey(t, i, anyDirs)}`;
    let s = m.get(key);
    if (!s) { s = { count: 0, bytes: 0, histogram: {} }; m.set(key, s); }
    s.count++;
    s.bytes += t.bytes[i]!;
    const k = String(t.bytes[i]);
    s.histogram[k] = (s.histogram[k] ?? 0) + 1;
  }
  return m;
}

const sortedHistogram = (h: Record<string, number>) => Object.fromEntries(Object.entries(h).sort((a, b) => Number(a[0]) - Number(b[0])));

export function compareGroups(observed: Transfers, predicted: Transfers, anyDirs: ReadonlySet<Direction>): GroupComparison[] {
  const o = sides(observed, anyDirs);
  const p = sides(predicted, anyDirs);
  const empty = (): Side => ({ count: 0, bytes: 0, histogram: {} });
  const keys = [...new Set([...o.keys(), ...p.keys()])].sort((a, b) => {
    const [da, ca] = a.split('|'); const [db, cb] = b.split('|');
    return DIRECTIONS.indexOf(da as Direction) - DIRECTIONS.indexOf(db as Direction) || (ca! < cb! ? -1 : ca! > cb! ? 1 : 0);
  });
  return keys.map((k) => {
    const [direction, cause] = k.split('|') as [Direction, string];
    const ob = o.get(k) ?? empty();
    const pr = p.get(k) ?? empty();
    ob.histogram = sortedHistogram(ob.histogram);
    pr.histogram = sortedHistogram(pr.histogram);
    const match = ob.count === pr.count && ob.bytes === pr.bytes && JSON.stringify(ob.histogram) === JSON.stringify(pr.histogram);
    return { direction, cause, observed: ob, predicted: pr, match };
  });
}

function blockSequences(t: Transfers, anyDirs: ReadonlySet<Direction>): Map<number, string[]> {
  const order = t.ts.map((_, i) => i).filter((i) => t.addr[i] === t.addr[i]).sort((a, b) => t.ts[a]! - t.ts[b]! || t.addr[a]! - t.addr[b]! || a - b);
  const m = new Map<number, string[]>();
  for (const i of order) {
    const b = Math.floor(t.addr[i]! / VA_BLOCK_SIZE) * VA_BLOCK_SIZE;
    let s = m.get(b);
    if (!s) { s = []; m.set(b, s); }
    s.push(`${t.dir[i]} ${causeKey(t, i, anyDirs)} ${t.bytes[i]}`);
  }
  return m;
}

/** Per 2 MiB block (by VA), do the transfer sequences match? Lists up to `maxListed` mismatches. */
export function compareBlocks(observed: Transfers, predicted: Transfers, anyDirs: ReadonlySet<Direction>, maxListed = 20): BlockComparison {
  const o = blockSequences(observed, anyDirs);
  const p = blockSequences(predicted, anyDirs);
  const blocks = [...new Set([...o.keys(), ...p.keys()])].sort((a, b) => a - b);
  let matched = 0;
  const mismatches: BlockMismatch[] = [];
  for (const b of blocks) {
    const os = o.get(b) ?? [];
    const ps = p.get(b) ?? [];
    if (os.length === ps.length && os.every((x, i) => x === ps[i])) matched++;
    else if (mismatches.length < maxListed) mismatches.push({ block_addr: b, observed: os, predicted: ps });
  }
  return { blocks: blocks.length, matched, mismatches };
}

/** Timed observations of one kind of transfer (migrations: transfers.ts; copies: copies.ts). */
export interface DurationObservations<D extends string> {
  count: number; dur: readonly number[]; bytes: readonly number[]; dir: readonly D[]; gpu: readonly string[];
  /** the other GPU of a peer copy ('' otherwise) */
  peer?: readonly string[];
}

/**
 * Per direction (or copy kind) and exact size: every observed duration against `modeled(dir, gpu,
 * bytes, peer)` (the model's cost of that transfer, without queueing), relative error |modeled −
 * observed| / observed. Rows in `order` of direction, then by size.
 */
export function compareDurations<D extends string>(observed: DurationObservations<D>, modeled: (dir: D, gpu: string, bytes: number, peer: string) => number | null,
  order: readonly D[] = DIRECTIONS as readonly string[] as readonly D[]): DurationComparison<D>[] {
  const groups = new Map<string, number[]>();
  for (let i = 0; i < observed.count; i++) {
    if (!(observed.dur[i]! > 0)) continue;
    const k = `${observed.dir[i]}|${observed.bytes[i]}|${observed.gpu[i]}|${observed.peer?.[i] ?? ''}`;
    let g = groups.get(k);
    if (!g) { g = []; groups.set(k, g); }
    g.push(i);
  }
  const out: DurationComparison<D>[] = [];
  for (const [k, idx] of groups) {
    const [dir, bytesText, gpu, peer] = k.split('|') as [D, string, string, string];
    const bytes = Number(bytesText);
    const obs = idx.map((i) => observed.dur[i]!);
    const m = modeled(dir, gpu, bytes, peer);
    const errs = m === null ? [] : obs.map((d) => Math.abs(m - d) / d);
    out.push({
      direction: dir, bytes, n: obs.length, observed_median_ns: percentile(obs, 50), modeled_ns: m,
      median_rel_error: m === null ? null : percentile(errs, 50), p95_rel_error: m === null ? null : percentile(errs, 95),
    });
  }
  return out.sort((a, b) => order.indexOf(a.direction) - order.indexOf(b.direction) || a.bytes - b.bytes);
}
