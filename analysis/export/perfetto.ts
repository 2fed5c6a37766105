/**
 * A run as Chrome trace-event JSON (the format ui.perfetto.dev, chrome://tracing and HTA open), so the
 * modeled timeline can be looked at beside the profile it came from.
 *
 * Layout (one Chrome "process" per group, one "thread" per track):
 * - pid 1 "agents": one track per agent (`cpu0`, `gpu0`, `nic0` …) with everything the agent did or
 *   suffered that is not a transfer: faults, fault batches, throttles, peer maps, fallbacks, zaps …
 * - pid 2 "transfers": one track per memory-to-memory direction (`sys0 → gpu0`) with the migrations,
 *   evictions and bounces that crossed it. Migrations are written as `gpu_memcpy` slices named the way
 *   CUPTI names Unified Memory copies (`Memcpy HtoD (Managed -> Device) fault`), so HTA and hetmem's
 *   own Kineto reader see them as copies with their bytes.
 * - pid 3 "counters": counter tracks from timeline.parquet — BAR-mapped bytes per GPU, device-resident
 *   bytes per memory, utilisation per link direction (`cpu0-gpu0:up`; up = towards the root complex).
 *
 * Slices on one track must nest in this format; modeled events on one agent can overlap without
 * nesting (a fault batch in flight while a remote access runs), so each track is split into lanes
 * (`gpu0`, `gpu0 #2` …): a slice takes the first lane that is free at its start. The assignment
 * depends only on the event order, so the file is deterministic.
 *
 * Times: `ts`/`dur` are µs with three decimals, i.e. exact ns.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { commitTemp, discardTemp, tempPathFor } from '../../common/atomic-output.ts';
import { claimOutput } from '../../common/output-guard.ts';
import { UsageError } from '../../common/bad-input.ts';
import { openAnalysis } from '../query.ts';

/** Options of {@link exportPerfetto}. */
export interface PerfettoExportOptions {
  /**
   * Which run of a sweep to export (its id, e.g. `platform=a100-pcie4/gpu0.bar=256MiB`); a lone run
   * needs none. Default: the only run.
   */
  run?: string;
  /** replace a hetmem output of another kind at `out` (never a foreign file). Default false. */
  force?: boolean;
}

export interface PerfettoExportResult {
  /** the file written */
  file: string;
  /** slices written, by event kind */
  slices: Record<string, number>;
  /** counter samples written */
  counters: number;
  /** tracks (threads) written, lanes included */
  tracks: number;
}

const PID_AGENTS = 1;
const PID_TRANSFERS = 2;
const PID_COUNTERS = 3;
/** Events written per `write` call: bounds the string held in memory. */
const FLUSH_EVENTS = 4096;

/** A time in ns as Chrome-trace µs with exactly three decimals (no float rounding). */
export function usFromNs(ns: number): string {
  const neg = ns < 0;
  const a = Math.abs(ns);
  const us = Math.floor(a / 1000);
  const frac = a - us * 1000;
  return `${neg ? '-' : ''}${us}.${String(frac).padStart(3, '0')}`;
}

/** Tracks with lanes: a slice goes to the first lane of its track that is free at its start. */
class LaneTracks {
  private readonly lanes = new Map<string, number[]>(); // track → lane end times
  private readonly tids = new Map<string, number>(); // `track#lane` → tid
  readonly names: { pid: number; tid: number; name: string }[] = [];
  constructor(private readonly pid: number) {}

  tid(track: string, start: number, end: number): number {
    let ends = this.lanes.get(track);
    if (!ends) { ends = []; this.lanes.set(track, ends); }
    let lane = ends.findIndex((e) => e <= start);
    if (lane < 0) { lane = ends.length; ends.push(end); } else ends[lane] = end;
    const key = `${track}\u0000${lane}`;
    let tid = this.tids.get(key);
    if (tid === undefined) {
      tid = this.tids.size + 1;
      this.tids.set(key, tid);
      this.names.push({ pid: this.pid, tid, name: lane === 0 ? track : `${track} #${lane + 1}` });
    }
    return tid;
  }
}

/** Memory id → which side of a CUPTI memcpy label it is (`H`ost or `D`evice). */
function side(memory: string): 'H' | 'D' | null {
  if (/^sys\d*$/.test(memory) || /^cpu\d*$/.test(memory)) return 'H';
  if (/^gpu\d+$/.test(memory)) return 'D';
  return null;
}
const WORD = { H: 'Managed', D: 'Device' } as const;

const TIME_FIELD = /"(ts|dur)":"(-?\d+\.\d{3})"/g;

/** Buffered writer of JSON array elements to a file descriptor. */
class EventWriter {
  private parts: string[] = [];
  private first = true;
  constructor(private readonly fd: number) {}
  push(event: object): void {
    // ts/dur are built as exact decimal strings (usFromNs) and written as JSON numbers.
    const json = JSON.stringify(event).replace(TIME_FIELD, '"$1":$2');
    this.parts.push((this.first ? '\n' : ',\n') + json);
    this.first = false;
    if (this.parts.length >= FLUSH_EVENTS) this.flush();
  }
  raw(s: string): void { this.flush(); writeSync(this.fd, s); }
  flush(): void {
    if (this.parts.length > 0) writeSync(this.fd, this.parts.join(''));
    this.parts = [];
  }
}

/** Reads `sql` in DuckDB chunks (bounded memory) and hands each row to `row`. */
async function eachRow(conn: DuckDBConnection, sql: string, row: (r: unknown[]) => void): Promise<void> {
  const result = await conn.stream(sql);
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    for (const r of chunk.getRows()) row(r as unknown[]);
  }
}

/** An export query (analysis/queries/export/*.sql), with its `$run` parameter still to bind. */
function exportSql(name: string): string {
  return readFileSync(new URL(`../queries/export/${name}.sql`, import.meta.url), 'utf8').trim().replace(/;\s*$/, '');
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

/**
 * Writes run `dir`'s events and timeline as Chrome trace-event JSON to `out` (atomically: a temporary
 * beside it, renamed when complete).
 */
export async function exportPerfetto(dir: string, out: string, options: PerfettoExportOptions = {}): Promise<PerfettoExportResult> {
  const db = await openAnalysis(dir);
  const claim = claimOutput(out, 'perfetto', { force: options.force });
  const tmp = tempPathFor(out);
  let fd = -1;
  try {
    const conn = db.connection;
    const runs = (await conn.runAndReadAll('SELECT DISTINCT run FROM events UNION SELECT DISTINCT run FROM timeline ORDER BY 1')).getRowsJS().map((r) => String(r[0]));
    const run = options.run ?? (runs.length === 1 ? runs[0]! : undefined);
    if (run === undefined || !runs.includes(run)) {
      throw new UsageError(options.run === undefined
        ? `${dir} holds ${runs.length} runs: choose one with --run (${runs.slice(0, 5).join(', ')}${runs.length > 5 ? ', …' : ''})`
        : `--run ${options.run}: no such run in ${dir} (runs: ${runs.slice(0, 5).join(', ')}${runs.length > 5 ? ', …' : ''})`);
    }
    const runLit = `'${run.replaceAll("'", "''")}'`;
    fd = openSync(tmp, 'w');
    const w = new EventWriter(fd);
    w.raw(`{"displayTimeUnit":"ns","otherData":${JSON.stringify({ generator: 'hetmem', run })},"traceEvents":[`);
    const agents = new LaneTracks(PID_AGENTS);
    const transfers = new LaneTracks(PID_TRANSFERS);
    const slices: Record<string, number> = {};
    const sql = exportSql('perfetto_events').replaceAll('$run', runLit);
    await eachRow(conn, sql, (r) => {
      const [ts, dur, kind, cause, agent, src, dst, addr, bytes, obj] = [num(r[0]), num(r[1]), str(r[2]), str(r[3]), str(r[4]), str(r[5]), str(r[6]), r[7], r[8], str(r[9])];
      slices[kind] = (slices[kind] ?? 0) + 1;
      const args: Record<string, unknown> = { cause: cause || undefined, agent, src: src || undefined, dst: dst || undefined, addr: addr === null ? undefined : `0x${num(addr).toString(16)}`, bytes: bytes === null ? undefined : num(bytes), obj: obj || undefined };
      const isTransfer = kind === 'migrate' || kind === 'bounce';
      if (isTransfer && src && dst) {
        const tid = transfers.tid(`${src} → ${dst}`, ts, ts + dur);
        const s = side(src), d = side(dst);
        if (kind === 'migrate' && s && d && !(s === 'H' && d === 'H')) {
          // CUPTI's label for a Unified Memory copy; PtoP carries the two devices as Kineto does.
          const dir = s === 'D' && d === 'D' ? 'PtoP' : `${s}to${d}`;
          const device = Number((d === 'D' ? dst : src).slice(3));
          const extra = dir === 'PtoP' ? { fromDevice: Number(src.slice(3)), toDevice: Number(dst.slice(3)) } : {};
          w.push({ ph: 'X', cat: 'gpu_memcpy', name: `Memcpy ${dir} (${WORD[s]} -> ${WORD[d]}) ${cause}`.trimEnd(), pid: PID_TRANSFERS, tid, ts: usFromNs(ts), dur: usFromNs(dur), args: { ...args, device, ...extra, stream: tid } });
          return;
        }
        w.push({ ph: 'X', cat: `hetmem.${kind}`, name: cause ? `${kind} ${cause}` : kind, pid: PID_TRANSFERS, tid, ts: usFromNs(ts), dur: usFromNs(dur), args });
        return;
      }
      const tid = agents.tid(agent || 'model', ts, ts + dur);
      if (dur > 0) w.push({ ph: 'X', cat: `hetmem.${kind}`, name: cause ? `${kind} ${cause}` : kind, pid: PID_AGENTS, tid, ts: usFromNs(ts), dur: usFromNs(dur), args });
      else w.push({ ph: 'i', s: 't', cat: `hetmem.${kind}`, name: cause ? `${kind} ${cause}` : kind, pid: PID_AGENTS, tid, ts: usFromNs(ts), args });
    });
    let counters = 0;
    const counterSql = exportSql('perfetto_counters').replaceAll('$run', runLit);
    await eachRow(conn, counterSql, (r) => {
      const [ts, name, value] = [num(r[0]), str(r[1]), Number(r[2])];
      w.push({ ph: 'C', cat: 'hetmem.counter', name, pid: PID_COUNTERS, ts: usFromNs(ts), args: { value } });
      counters++;
    });
    const meta = (pid: number, name: string) => w.push({ ph: 'M', name: 'process_name', pid, args: { name } });
    meta(PID_AGENTS, 'hetmem agents');
    meta(PID_TRANSFERS, 'hetmem transfers');
    meta(PID_COUNTERS, 'hetmem counters');
    const tracks = [...agents.names, ...transfers.names];
    for (const t of tracks) {
      w.push({ ph: 'M', name: 'thread_name', pid: t.pid, tid: t.tid, args: { name: t.name } });
      w.push({ ph: 'M', name: 'thread_sort_index', pid: t.pid, tid: t.tid, args: { sort_index: t.tid } });
    }
    w.raw('\n]}\n');
    closeSync(fd);
    fd = -1;
    commitTemp(tmp, out);
    return { file: out, slices, counters, tracks: tracks.length };
  } catch (e) {
    if (fd >= 0) closeSync(fd);
    discardTemp(tmp);
    throw e;
  } finally {
    claim.release();
    db.close();
  }
}
