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
import { DICT_COLUMNS, META, type DictColumn } from './schema.ts';
import { TraceWriter, type StagedColumns, type TraceRow } from './writer.ts';

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
  /** Appends the current row to `out`. */
  emit(out: TraceWriter): void;
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
  /** rows that precede every appended row of equal ts (a handful, e.g. implied allocations) */
  private readonly leading: TraceRow[] = [];
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
  get rows(): number { return this.total + this.n + this.leading.length; }

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

  appendLeading(r: TraceRow): void {
    if (this.done) throw new Error('SortingTraceWriter: append after close/abort');
    if (!Number.isFinite(r.ts)) throw new Error(`SortingTraceWriter: ts must be a finite number (got ${r.ts})`);
    this.leading.push({ ...r });
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
      // Leading rows are run 0: the merge gives ties to the lowest run.
      if (this.leading.length > 0) cursors.push(new LeadingRunCursor([...this.leading].sort((a, b) => a.ts - b.ts)));
      for (const f of this.runFiles) cursors.push(await SpilledRunCursor.open(f, this.interners));
      cursors.push(new MemoryRunCursor(this.sortedRun(), this.n));
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
    this.leading.length = 0;
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

  /**
   * The staged rows in stable ts order, as StagedColumns (the writer's columnar input). The permutation
   * is applied column by column — a tight gather loop per column keeps many cache misses in flight,
   * where a row-by-row gather waits on each of its 13 columns in turn (about 4× slower).
   */
  private sortedRun(): StagedColumns {
    const n = this.n;
    const order = stableOrderByTs(this.nums.ts, n);
    const gather = <A extends Float64Array | Int32Array>(col: A, make: (n: number) => A): A => {
      const out = make(n);
      for (let k = 0; k < n; k++) out[k] = col[order[k]!]!;
      return out;
    };
    const f64 = (m: number) => new Float64Array(m);
    const i32 = (m: number) => new Int32Array(m);
    const nm = this.nums;
    const codes = Object.fromEntries(DICT_COLUMNS.map((c) => [c, gather(this.codes[c], i32)])) as Record<DictColumn, Int32Array>;
    return {
      ts: gather(nm.ts, f64), dur: gather(nm.dur, f64), addr: gather(nm.addr, f64), bytes: gather(nm.bytes, f64),
      stream: gather(nm.stream, f64), corr: gather(nm.corr, f64), codes, strings: stringTables(this.interners),
    };
  }

  /** Sorts the staged run and writes it to a temporary Arrow file. */
  private spill(): void {
    const file = tempPathFor(this.path);
    this.runFiles.push(file);
    const w = new TraceWriter(file, { batchRows: this.batchRows });
    try {
      const sorted = this.sortedRun();
      for (let i = 0; i < this.n; i++) w.appendStagedRow(sorted, i);
      w.close();
    } catch (e) {
      w.abort();
      throw e;
    }
    this.total += this.n;
    this.n = 0;
  }
}

/** The string table of every dictionary column (index = code), shared by the whole ingest. */
function stringTables(interners: Record<DictColumn, Interner>): Record<DictColumn, readonly string[]> {
  return Object.fromEntries(DICT_COLUMNS.map((c) => [c, interners[c].strings])) as unknown as Record<DictColumn, readonly string[]>;
}

/** Rows given whole (appendLeading), already sorted. */
class LeadingRunCursor implements RunCursor {
  ts: number;
  private k = 0;
  constructor(private readonly rows: TraceRow[]) { this.ts = rows.length > 0 ? rows[0]!.ts : Infinity; }
  emit(out: TraceWriter): void { out.append(this.rows[this.k]!); }
  step(): boolean {
    this.ts = ++this.k < this.rows.length ? this.rows[this.k]!.ts : Infinity;
    return true;
  }
  async refill(): Promise<void> {}
  async close(): Promise<void> {}
}

/** The last, in-memory run (already in sorted order). */
class MemoryRunCursor implements RunCursor {
  ts: number;
  index = 0;
  constructor(private readonly src: StagedColumns, private readonly n: number) {
    this.ts = n > 0 ? src.ts[0]! : Infinity;
  }
  emit(out: TraceWriter): void { out.appendStagedRow(this.src, this.index); }
  step(): boolean {
    this.index++;
    this.ts = this.index < this.n ? this.src.ts[this.index]! : Infinity;
    return true;
  }
  async refill(): Promise<void> {}
  async close(): Promise<void> {}
}

/** Reads a spilled run back batch by batch, translating its dictionary codes to the ingest's codes. */
class SpilledRunCursor implements RunCursor {
  ts = Infinity;
  private index = 0;
  private src!: StagedColumns;
  private batchIndex = -1;
  private len = 0;

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
    const codes = {} as Record<DictColumn, Int32Array>;
    for (const c of DICT_COLUMNS) {
      // Run files were written from interned strings, so every string is known: map file code → ingest code.
      const local = b.codes(c);
      const map = Int32Array.from(b.dictionary(c), (s) => this.interners[c].code(s));
      const out = new Int32Array(local.length);
      for (let k = 0; k < local.length; k++) { const v = local[k]!; out[k] = v < 0 ? -1 : map[v]!; }
      codes[c] = out;
    }
    this.src = {
      ts: b.num('ts'), dur: b.num('dur'), addr: b.num('addr'), bytes: b.num('bytes'), stream: b.num('stream'), corr: b.num('corr'),
      codes, strings: stringTables(this.interners),
    };
    this.index = 0;
    this.len = b.length;
    this.ts = this.src.ts[0]!;
  }

  emit(out: TraceWriter): void { out.appendStagedRow(this.src, this.index); }

  step(): boolean {
    if (++this.index < this.len) { this.ts = this.src.ts[this.index]!; return true; }
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
  if (cursors.length === 1) {
    const c = cursors[0]!;
    while (c.ts !== Infinity) { c.emit(out); if (!c.step()) await c.refill(); }
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
    c.emit(out);
    if (!c.step()) await c.refill();
    if (c.ts === Infinity) {
      heap[0] = heap[heap.length - 1]!;
      heap.pop();
    }
    if (heap.length > 0) siftDown(0);
  }
}
