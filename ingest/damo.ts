/**
 * DAMON monitoring results from damo (damonitor/damo): `damo record` output (zlib-compressed JSON,
 * or the same JSON uncompressed; numbers as strings with thousands separators) and the text of
 * `damo report raw`. (The kernel's `damon:damon_aggregated` tracepoint in perf script text is read by
 * ftrace.ts with the same region mapping, DamonRegionRows below.)
 *
 * DAMON samples the CPU page tables' accessed bits, so it sees only CPU accesses (REFERENCE.md §5).
 * Mapping of one region of one aggregation interval [t0, t1) with nr_accesses = n (the number of
 * sampling intervals in which the region was seen accessed):
 * - n > 0 → n `read` rows by `cpu0` of [start, end), at t0 + (k + ½)·(t1 − t0)/n for k = 0…n−1
 *   (evenly spread; DAMON does not say when inside the interval, nor read or write), `corr` = the
 *   snapshot's ordinal in the file (one group per aggregation), `name` = `derived:damon`;
 * - n = 0 → no row, counted as unmapped `damon:idle_region` (nothing happened, but it is not dropped
 *   silently).
 * Region ages, percentages and DAMOS filter sizes have no column: counted under `damon:age` when set.
 * The monitored memory gets implied `anon` allocations (implied-allocations.ts) so replay sees it.
 * A record file is inflated and parsed whole (damo writes it in one piece, a few MB per minute of
 * monitoring); report-raw text is streamed line by line.
 * Time: ns since the earliest snapshot start in the file (exact: the strings may exceed 2^53).
 */
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { constants, inflateSync } from 'node:zlib';
import { BadInputError } from '../common/bad-input.ts';
import type { IngestContext, IngestFormat, RowSink } from './format.ts';
import { withImpliedAllocations } from './implied-allocations.ts';
import { addSourceInfo } from './sqlite/source-metadata.ts';
import { readFileHead } from './io/file-head.ts';
import { headLines, readLineChunks, type LineChunks } from './io/line-chunks.ts';
import { parseInteger, type Addr, type Bytes, type Ns } from './trace/units.ts';
import { clearRow, emptyRow } from './trace/writer.ts';

export const DERIVED_FROM_DAMON = 'derived:damon';

/** Emits the access rows of DAMON regions (shared with the perf-script reader in ftrace.ts). */
export class DamonRegionRows {
  private readonly row = emptyRow();
  constructor(private readonly sink: RowSink) {}

  /** One region [addr, addr+bytes) accessed in `nrAccesses` samples of the interval [t0, t1). */
  region(t0: number, t1: number, addr: number, bytes: number, nrAccesses: number, snapshot: number): void {
    if (nrAccesses === 0) { this.sink.unmapped('damon:idle_region'); return; }
    const r = this.row;
    const span = t1 - t0;
    for (let k = 0; k < nrAccesses; k++) {
      clearRow(r);
      r.ts = (t0 + Math.floor(((2 * k + 1) * span) / (2 * nrAccesses))) as Ns;
      r.op = 'read';
      r.agent = 'cpu0';
      r.addr = addr as Addr;
      r.bytes = bytes as Bytes;
      r.corr = snapshot;
      r.name = DERIVED_FROM_DAMON;
      this.sink.append(r);
    }
  }
}

export const damoFormat: IngestFormat = {
  name: 'damo',
  description: 'DAMON results: `damo record` file (zlib JSON) or `damo report raw` text',
  sniff: (_path, head) => isDamoRecordHead(head) || isReportRawHead(head),
  async read(files: readonly string[], sink: RowSink, ctx: IngestContext): Promise<void> {
    await withImpliedAllocations(sink, 'anon', async (s) => {
      let done = 0;
      const progress = (n: number) => ctx.progress(n);
      for (const file of files) {
        const head = readFileHead(file);
        if (isReportRawHead(head)) await parseDamoReportRaw(file, readLineChunks(file, (n) => progress(done + n)), s);
        else readDamoRecord(file, readFileSync(file), s);
        done += statSync(file).size;
        progress(done);
      }
    });
  },
};

const JSON_RECORD = /^\s*\[\s*\{\s*"(kdamond_idx|context_idx|intervals|scheme_idx|target_id|snapshots)"/;

/** zlib stream (CMF 0x78, valid FCHECK) whose first inflated bytes look like damo JSON, or that JSON. */
export function isDamoRecordHead(head: Uint8Array): boolean {
  if (head.length >= 2 && head[0] === 0x78 && ((head[0] << 8) | head[1]!) % 31 === 0) {
    try {
      const text = inflateSync(head, { finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, 512).toString('utf8');
      return JSON_RECORD.test(text);
    } catch {
      return false;
    }
  }
  return JSON_RECORD.test(new TextDecoder().decode(head.subarray(0, 512)));
}

function isReportRawHead(head: Uint8Array): boolean {
  return headLines(head, 12).some((l) => /^(base_time_absolute|monitoring_start):\s/.test(l));
}

/** A damo number: a JSON number or a string with optional thousands separators; exact or an error. */
function damoBigInt(v: unknown): bigint | string {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? BigInt(v) : `is not a non-negative exact integer (got ${v})`;
  if (typeof v !== 'string') return v === null || v === undefined ? 'is missing' : `is not a number (got ${JSON.stringify(v)})`;
  const t = v.replaceAll(',', '').trim();
  if (!/^\d+$/.test(t)) return `is not an integer (got "${v}")`;
  return BigInt(t);
}

/** Reads a `damo record` file (zlib JSON or plain JSON) already in memory. */
export function readDamoRecord(file: string, data: Uint8Array, sink: RowSink): void {
  let text: string;
  try {
    text = (data[0] === 0x78 ? inflateSync(data) : Buffer.from(data)).toString('utf8');
  } catch (e) {
    throw new BadInputError(file, undefined, undefined, `is not a zlib-compressed damo record (${(e as Error).message})`);
  }
  let records: unknown;
  try {
    records = JSON.parse(text);
  } catch (e) {
    throw new BadInputError(file, undefined, undefined, `is not valid damo record JSON (${(e as Error).message})`);
  }
  const fail: (where: string, field: string, problem: string) => never = (where, field, problem) => { throw new BadInputError(file, where, field, problem); };
  if (!Array.isArray(records)) fail('', 'records', 'must be a JSON array of monitoring records');
  const list = records as Record<string, unknown>[];
  const num = (where: string, field: string, v: unknown): bigint => {
    const n = damoBigInt(v);
    return typeof n === 'string' ? fail(where, field, n) : n;
  };
  const snapshotsOf = (rec: Record<string, unknown>, i: number): Record<string, unknown>[] => {
    if (typeof rec !== 'object' || rec === null) fail(`records[${i}]`, 'record', 'must be an object');
    const s = rec.snapshots;
    if (!Array.isArray(s)) fail(`records[${i}]`, 'snapshots', 'must be an array');
    return s as Record<string, unknown>[];
  };

  // Pass 1: the time base (the earliest snapshot start).
  let base: bigint | undefined;
  list.forEach((rec, i) => snapshotsOf(rec, i).forEach((s, j) => {
    const t = num(`records[${i}].snapshots[${j}]`, 'start_time', s?.start_time);
    if (base === undefined || t < base) base = t;
  }));

  const regions = new DamonRegionRows(sink);
  let snapshot = 0;
  list.forEach((rec, i) => snapshotsOf(rec, i).forEach((s, j) => {
    const where = `records[${i}].snapshots[${j}]`;
    const t0 = num(where, 'start_time', s.start_time) - base!;
    const t1 = num(where, 'end_time', s.end_time) - base!;
    if (t1 < t0) fail(where, 'end_time', 'is before start_time');
    if (t1 > BigInt(Number.MAX_SAFE_INTEGER)) fail(where, 'end_time', 'is too far from the first snapshot (beyond 2^53 ns)');
    snapshot++;
    const rs = s.regions;
    if (!Array.isArray(rs)) fail(where, 'regions', 'must be an array');
    (rs as Record<string, unknown>[]).forEach((r, k) => {
      const w = `${where}.regions[${k}]`;
      if (typeof r !== 'object' || r === null) fail(w, 'region', 'must be an object');
      const start = exact(w, 'start', num(w, 'start', r.start));
      const end = exact(w, 'end', num(w, 'end', r.end));
      if (end < start) fail(w, 'end', `is below start (${end} < ${start})`);
      const acc = r.nr_accesses;
      const samples = typeof acc === 'object' && acc !== null ? (acc as Record<string, unknown>).samples : acc;
      const n = exact(w, 'nr_accesses.samples', num(w, 'nr_accesses.samples', samples));
      const age = r.age as Record<string, unknown> | undefined;
      if (age && ((age.usec ?? null) !== null || (age.aggr_intervals ?? null) !== null)) sink.unmapped('damon:age');
      regions.region(Number(t0), Number(t1), start, end - start, n, snapshot);
    });
  }));
  function exact(where: string, field: string, v: bigint): number {
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(where, field, 'is out of range (beyond 2^53)');
    return Number(v);
  }
  const first = list[0] ?? {};
  addSourceInfo(sink, 'damo', { file: basename(file), kind: 'record', records: list.length, snapshots: snapshot, intervals: first.intervals ?? null, baseNs: (base ?? 0n).toString() });
}

const TIME_UNITS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9, d: 86400e9 };

/** `104.599 ms`, `8 m 59.809 s`, `0 ns` → ns (rounded: the text keeps only 3 decimals). */
export function parseDamoTime(text: string): number | string {
  const parts = text.trim().split(/\s+/);
  if (parts.length === 0 || parts.length % 2 !== 0) return `is not a time like "104.599 ms" (got "${text.trim()}")`;
  let ns = 0;
  for (let i = 0; i < parts.length; i += 2) {
    const unit = TIME_UNITS[parts[i + 1]!];
    if (!/^\d+(\.\d+)?$/.test(parts[i]!) || unit === undefined) return `is not a time like "104.599 ms" (got "${text.trim()}")`;
    ns += Number(parts[i]) * unit;
  }
  return Math.round(ns);
}

const REGION_LINE = /^([0-9a-fA-F]+)-([0-9a-fA-F]+)\s+\(\s*[\d.]+\s*[A-Za-z]+\)\s+(\d+)\s+(-?\d+)\s*$/;

/** Parses `damo report raw` text: blocks of `monitoring_start/end`, `target_id`, region lines. */
export async function parseDamoReportRaw(file: string, lines: LineChunks, sink: RowSink): Promise<void> {
  const regions = new DamonRegionRows(sink);
  let lineNo = 0;
  let t0: number | undefined;
  let t1: number | undefined;
  let snapshot = 0;
  let inBlock = false;
  const fail: (field: string, problem: string) => never = (field, problem) => { throw new BadInputError(file, lineNo, field, problem); };
  const hex = (field: string, s: string): number => {
    const v = parseInteger(`0x${s}`); // REGION_LINE admits only hex digits here
    return typeof v === 'string' ? fail(field, v) : v;
  };
  for await (const chunk of lines) {
    for (const line of chunk) {
      lineNo++;
      const t = line.trim();
      if (t === '' || t.startsWith('#')) continue;
      const region = REGION_LINE.exec(t);
      if (region) {
        if (t0 === undefined || t1 === undefined) fail('region', 'comes before monitoring_start/monitoring_end');
        if (!inBlock) { snapshot++; inBlock = true; }
        const start = hex('start_addr', region[1]!);
        const end = hex('end_addr', region[2]!);
        if (end < start) fail('end_addr', `is below start_addr (${region[2]} < ${region[1]})`);
        const n = Number(region[3]);
        if (!Number.isSafeInteger(n)) fail('nr_accesses', 'is out of range');
        if (region[4] !== '-1') sink.unmapped('damon:age');
        regions.region(t0, t1, start, end - start, n, snapshot);
        continue;
      }
      const kv = /^([a-z_ ]+):\s*(.*)$/.exec(t);
      if (!kv) fail('line', `is neither "key: value" nor a region line "start-end (size) nr_accesses age" (got "${t.slice(0, 60)}")`);
      const [, key, value] = kv;
      if (key === 'monitoring_start' || key === 'monitoring_end') {
        const ns = parseDamoTime(value!);
        if (typeof ns === 'string') fail(key, ns);
        if (key === 'monitoring_start') { t0 = ns; t1 = undefined; inBlock = false; } else {
          if (t0 !== undefined && ns < t0) fail(key, 'is before monitoring_start');
          t1 = ns;
        }
      } else if (!['monitoring_duration', 'target_id', 'nr_regions', 'base_time_absolute', 'data source', 'kdamond_idx', 'context_idx', 'scheme_idx', 'record_idx'].includes(key!)) {
        sink.unmapped(`damon:report_field:${key}`);
      }
    }
  }
  addSourceInfo(sink, 'damo', { file: basename(file), kind: 'report-raw', snapshots: snapshot });
}
