/**
 * `SortingTraceWriter`: the RowSink every ingester writes into. Source formats emit rows in whatever
 * order the source has them; the canonical trace must be sorted by `ts`, stably (equal `ts` keep
 * their input order, so an alloc written before a read of the same instant stays before it).
 *
 * Rows are staged column by column in growable typed arrays (strings interned to codes, shared by the
 * whole ingest). Memory is bounded by the run size, not by the input: when a run is full it is sorted
 * and spilled to a temporary Arrow file (written with TraceWriter), and `close()` k-way merges the
 * spilled runs with the last, in-memory run. Ties across runs go to the earlier run, which holds the
 * earlier input rows, so the merge is stable too.
 */
import { tempPathFor, discardTemp } from '../../common/atomic-output.ts';
import type { RowSink } from '../format.ts';
import { TraceReader, type TraceBatch } from './reader.ts';
import { stableOrderByTs } from './stable-order.ts';
import { DICT_COLUMNS, META, type DictColumn, type Op } from './schema.ts';
import type { Addr, Bytes, Ns } from './units.ts';
import { TraceWriter, emptyRow, type TraceRow } from './writer.ts';

/** Numeric columns staged as doubles (NaN = null). */
const NUM_COLUMNS = ['ts', 'dur', 'addr', 'bytes', 'stream', 'corr'] as const;
type NumColumn = (typeof NUM_COLUMNS)[number];

/** 1 M rows × (6 doubles + 7 codes) ≈ 76 MiB staged at most. */
export const DEFAULT_RUN_ROWS = 1 << 20;
const INITIAL_CAPACITY = 1 << 16;

export interface SortingTraceWriterOptions {
  /** Rows held in memory before a sorted run is spilled to disk. */
  runRows?: number;
  /** Record-batch size of the output (TraceWriter). */
  batchRows?: number;
  metadata?: Record<string, string>;
}

/** Interns strings of one column to dense codes (shared by every run of one ingest). */
class Interner {
  readonly strings: string[] = [];
  private readonly index = new Map<string, number>();
  private last: string | null = null;
  private lastCode = -1;
  code(s: string | null): number {
    if (s === null) return -1;
    if (s === this.last) return this.lastCode;
    let c = this.index.get(s);
    if (c === undefined) {
      c = this.strings.length;
      this.strings.push(s);
      this.index.set(s, c);
    }
    this.last = s;
    this.lastCode = c;
    return c;
  }
}

/** A sorted source of rows for the merge: the in-memory run or a spilled run file. */
interface RunCursor {
  /** ts of the current row; Infinity when exhausted. */
  ts: number;
  /** Copies the current row into `row`. */
  fill(row: TraceRow): void;
  /** Moves to the next row within the loaded batch; false when the batch is used up (call `refill`). */
  step(): boolean;
  /** Loads the next batch (updates `ts`; Infinity when there is none). */
  refill(): Promise<void>;
  close(): Promise<void>;
}

export class SortingTraceWriter implements RowSink {
  readonly metadata: Map<string, string>;
  private readonly runRows: number;
  private readonly batchRows: number | undefined;
  private capacity = 0;
  private readonly nums = {} as Record<NumColumn, Float64Array>;
  private readonly codes = {} as Record<DictColumn, Int32Array>;
  private readonly interners = Object.fromEntries(DICT_COLUMNS.map((c) => [c, new Interner()])) as Record<DictColumn, Interner>;
  private readonly unmappedCounts = new Map<string, number>();
  private readonly runFiles: string[] = [];
  private n = 0;
  private total = 0;
  private done = false;

  constructor(readonly path: string, options: SortingTraceWriterOptions = {}) {
    this.runRows = Math.max(1, options.runRows ?? DEFAULT_RUN_ROWS);
    this.batchRows = options.batchRows;
    this.metadata = new Map(Object.entries(options.metadata ?? {}));
    this.grow(Math.min(INITIAL_CAPACITY, this.runRows));
  }

  /** Rows appended so far. */
  get rows(): number { return this.total + this.n; }

  /** Number of runs spilled to disk so far (for tests and benches). */
  get spilledRuns(): number { return this.runFiles.length; }

  append(r: TraceRow): void {
    if (this.done) throw new Error('SortingTraceWriter: append after close/abort');
    // A NaN ts would make the sort order undefined: that is a bug in the format reader, not bad input.
    if (!Number.isFinite(r.ts)) throw new Error(`SortingTraceWriter: ts must be a finite number (got ${r.ts})`);
    if (this.n === this.capacity) {
      if (this.n >= this.runRows) this.spill();
      else this.grow(Math.min(this.capacity * 2, this.runRows));
    }
    const i = this.n++;
    const nm = this.nums;
    nm.ts[i] = r.ts;
    nm.dur[i] = r.dur ?? Number.NaN;
    nm.addr[i] = r.addr ?? Number.NaN;
    nm.bytes[i] = r.bytes ?? Number.NaN;
    nm.stream[i] = r.stream ?? Number.NaN;
    nm.corr[i] = r.corr ?? Number.NaN;
    const cd = this.codes;
    const it = this.interners;
    cd.op[i] = it.op.code(r.op);
    cd.agent[i] = it.agent.code(r.agent);
    cd.obj[i] = it.obj.code(r.obj);
    cd.peer[i] = it.peer.code(r.peer);
    cd.mem[i] = it.mem.code(r.mem);
    cd.cause[i] = it.cause.code(r.cause);
    cd.name[i] = it.name.code(r.name);
  }

  unmapped(kind: string, count = 1): void {
    this.unmappedCounts.set(kind, (this.unmappedCounts.get(kind) ?? 0) + count);
  }

  /** The unmapped counts so far, keys sorted. */
  unmappedSummary(): Record<string, number> {
    return Object.fromEntries([...this.unmappedCounts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** Sorts, merges and writes the trace (atomically: the file appears only when complete). */
  async close(): Promise<void> {
    if (this.done) return;
    this.done = true;
    const out = new TraceWriter(this.path, { batchRows: this.batchRows, metadata: Object.fromEntries(this.metadata) });
    out.metadata.set(META.unmapped, JSON.stringify(this.unmappedSummary()));
    const cursors: RunCursor[] = [];
    try {
      for (const f of this.runFiles) cursors.push(await SpilledRunCursor.open(f, this.interners));
      cursors.push(new MemoryRunCursor(this.sortedOrder(), this.nums, this.codes, this.interners));
      await mergeInto(cursors, out);
      out.close();
    } catch (e) {
      out.abort();
      throw e;
    } finally {
      for (const c of cursors) await c.close().catch(() => {});
      this.removeRuns();
    }
  }

  /** Drops everything staged and spilled; no file is left behind. */
  abort(): void {
    this.done = true;
    this.removeRuns();
    this.n = 0;
  }

  private removeRuns(): void {
    for (const f of this.runFiles.splice(0)) discardTemp(f);
  }

  private grow(capacity: number): void {
    for (const c of NUM_COLUMNS) {
      const a = new Float64Array(capacity);
      const old = this.nums[c];
      if (old) a.set(old.subarray(0, this.n));
      this.nums[c] = a;
    }
    for (const c of DICT_COLUMNS) {
      const a = new Int32Array(capacity);
      const old = this.codes[c];
      if (old) a.set(old.subarray(0, this.n));
      this.codes[c] = a;
    }
    this.capacity = capacity;
  }

  /** Stable ascending order of the staged rows by ts (a permutation of 0..n-1). */
  private sortedOrder(): Uint32Array {
    return stableOrderByTs(this.nums.ts, this.n);
  }

  /** Sorts the staged run and writes it to a temporary Arrow file. */
  private spill(): void {
    const file = tempPathFor(this.path);
    this.runFiles.push(file);
    const w = new TraceWriter(file, { batchRows: this.batchRows });
    try {
      const cursor = new MemoryRunCursor(this.sortedOrder(), this.nums, this.codes, this.interners);
      const row = emptyRow();
      while (cursor.ts !== Infinity) {
        cursor.fill(row);
        w.append(row);
        cursor.step();
      }
      w.close();
    } catch (e) {
      w.abort();
      throw e;
    }
    this.total += this.n;
    this.n = 0;
  }
}

function fillFromCodes(row: TraceRow, codes: Record<DictColumn, Int32Array>, interners: Record<DictColumn, Interner>, i: number): void {
  row.op = interners.op.strings[codes.op[i]!] as Op;
  row.agent = interners.agent.strings[codes.agent[i]!]!;
  row.obj = str(interners.obj, codes.obj[i]!);
  row.peer = str(interners.peer, codes.peer[i]!);
  row.mem = str(interners.mem, codes.mem[i]!);
  row.cause = str(interners.cause, codes.cause[i]!);
  row.name = str(interners.name, codes.name[i]!);
}

const str = (it: Interner, code: number): string | null => (code < 0 ? null : it.strings[code]!);
const orNull = (v: number): number | null => (Number.isNaN(v) ? null : v);

class MemoryRunCursor implements RunCursor {
  ts: number;
  private k = 0;
  constructor(
    private readonly order: Uint32Array,
    private readonly nums: Record<NumColumn, Float64Array>,
    private readonly codes: Record<DictColumn, Int32Array>,
    private readonly interners: Record<DictColumn, Interner>,
  ) {
    this.ts = order.length > 0 ? nums.ts[order[0]!]! : Infinity;
  }
  fill(row: TraceRow): void {
    const i = this.order[this.k]!;
    const nm = this.nums;
    row.ts = nm.ts[i]! as Ns;
    row.dur = orNull(nm.dur[i]!) as Ns | null;
    row.addr = orNull(nm.addr[i]!) as Addr | null;
    row.bytes = orNull(nm.bytes[i]!) as Bytes | null;
    row.stream = orNull(nm.stream[i]!);
    row.corr = orNull(nm.corr[i]!);
    fillFromCodes(row, this.codes, this.interners, i);
  }
  step(): boolean {
    this.k++;
    this.ts = this.k < this.order.length ? this.nums.ts[this.order[this.k]!]! : Infinity;
    return true;
  }
  async refill(): Promise<void> {}
  async close(): Promise<void> {}
}

/** Reads a spilled run back batch by batch, translating its dictionary codes to the ingest's codes. */
class SpilledRunCursor implements RunCursor {
  ts = Infinity;
  private batchIndex = -1;
  private i = 0;
  private len = 0;
  private cols!: { ts: Float64Array; dur: Float64Array; addr: Float64Array; bytes: Float64Array; stream: Float64Array; corr: Float64Array };
  private readonly codes = {} as Record<DictColumn, Int32Array>;

  private constructor(private readonly reader: TraceReader, private readonly interners: Record<DictColumn, Interner>) {}

  static async open(file: string, interners: Record<DictColumn, Interner>): Promise<SpilledRunCursor> {
    const c = new SpilledRunCursor(await TraceReader.open(file), interners);
    await c.nextBatch();
    return c;
  }

  private async nextBatch(): Promise<void> {
    while (++this.batchIndex < this.reader.numBatches) {
      const b = await this.reader.batch(this.batchIndex);
      if (b.length === 0) continue;
      this.load(b);
      return;
    }
    this.ts = Infinity;
  }

  private load(b: TraceBatch): void {
    this.cols = { ts: b.num('ts'), dur: b.num('dur'), addr: b.num('addr'), bytes: b.num('bytes'), stream: b.num('stream'), corr: b.num('corr') };
    for (const c of DICT_COLUMNS) {
      // Run files were written from interned strings, so every string is known: map file code → ingest code.
      const local = b.codes(c);
      const map = Int32Array.from(b.dictionary(c), (s) => this.interners[c].code(s));
      const out = new Int32Array(local.length);
      for (let k = 0; k < local.length; k++) { const v = local[k]!; out[k] = v < 0 ? -1 : map[v]!; }
      this.codes[c] = out;
    }
    this.i = 0;
    this.len = b.length;
    this.ts = this.cols.ts[0]!;
  }

  fill(row: TraceRow): void {
    const i = this.i;
    const c = this.cols;
    row.ts = c.ts[i]! as Ns;
    row.dur = orNull(c.dur[i]!) as Ns | null;
    row.addr = orNull(c.addr[i]!) as Addr | null;
    row.bytes = orNull(c.bytes[i]!) as Bytes | null;
    row.stream = orNull(c.stream[i]!);
    row.corr = orNull(c.corr[i]!);
    fillFromCodes(row, this.codes, this.interners, i);
  }

  step(): boolean {
    if (++this.i < this.len) { this.ts = this.cols.ts[this.i]!; return true; }
    return false;
  }

  async refill(): Promise<void> { await this.nextBatch(); }

  async close(): Promise<void> { await this.reader.close(); }
}

/**
 * K-way merge by (ts, run index) with a binary heap of cursor indices: the lower run index wins ties,
 * which keeps the merge stable because runs hold consecutive stretches of the input.
 */
async function mergeInto(cursors: RunCursor[], out: TraceWriter): Promise<void> {
  const row = emptyRow();
  if (cursors.length === 1) {
    const c = cursors[0]!;
    while (c.ts !== Infinity) { c.fill(row); out.append(row); if (!c.step()) await c.refill(); }
    return;
  }
  const heap: number[] = [];
  const less = (a: number, b: number) => cursors[a]!.ts < cursors[b]!.ts || (cursors[a]!.ts === cursors[b]!.ts && a < b);
  const siftDown = (k: number) => {
    for (;;) {
      const l = 2 * k + 1;
      const r = l + 1;
      let m = k;
      if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
      if (m === k) return;
      [heap[k], heap[m]] = [heap[m]!, heap[k]!];
      k = m;
    }
  };
  for (let k = 0; k < cursors.length; k++) if (cursors[k]!.ts !== Infinity) heap.push(k);
  for (let k = (heap.length >> 1) - 1; k >= 0; k--) siftDown(k);
  while (heap.length > 0) {
    const c = cursors[heap[0]!]!;
    c.fill(row);
    out.append(row);
    if (!c.step()) await c.refill();
    if (c.ts === Infinity) {
      heap[0] = heap[heap.length - 1]!;
      heap.pop();
    }
    if (heap.length > 0) siftDown(0);
  }
}
