/**
 * Streams a canonical trace into an Arrow IPC file: fixed-size record batches, dictionary-encoded
 * string columns (new strings of each batch go out as a dictionary delta, which the file format
 * allows), written to a temporary name and renamed on `close()`.
 *
 * Rows are staged in preallocated typed arrays; `append` copies one caller-owned row object into them,
 * so a producer reuses one `TraceRow` and allocates nothing per row.
 */
import { closeSync, openSync, writeSync, fsyncSync } from 'node:fs';
import {
  AsyncByteQueue, Data, Int32, Int64, RecordBatch, RecordBatchFileWriter, Struct, Utf8, Vector, makeData, vectorFromArray,
} from 'apache-arrow';
import { commitTemp, discardTemp, tempPathFor } from '../../common/atomic-output.ts';
import {
  COLUMNS, DICT_COLUMNS, INT64_COLUMNS, META, dictType, traceSchema,
  type DictColumn, type Int64Column, type Op, type TraceMetadata,
} from './schema.ts';
import type { Addr, Bytes, Ns } from './units.ts';

/** One row as producers fill it. `null` = absent. */
export interface TraceRow {
  ts: Ns;
  dur: Ns | null;
  op: Op;
  agent: string;
  addr: Addr | null;
  bytes: Bytes | null;
  obj: string | null;
  peer: string | null;
  mem: string | null;
  cause: string | null;
  stream: number | null;
  corr: number | null;
  name: string | null;
}

export function emptyRow(): TraceRow {
  return { ts: 0 as Ns, dur: null, op: 'sync', agent: 'cpu0', addr: null, bytes: null, obj: null, peer: null, mem: null, cause: null, stream: null, corr: null, name: null };
}

/** Resets the optional fields of a reused row. */
export function clearRow(r: TraceRow): void {
  r.dur = null; r.addr = null; r.bytes = null; r.obj = null; r.peer = null; r.mem = null;
  r.cause = null; r.stream = null; r.corr = null; r.name = null;
}

export const DEFAULT_BATCH_ROWS = 65536;

/**
 * Rows staged column by column elsewhere (the sorting sink): numbers as doubles with NaN for null,
 * strings as codes into per-column string tables (-1 = null). `appendStagedRow` copies one such row
 * without building strings or a row object.
 */
export interface StagedColumns {
  ts: Float64Array; dur: Float64Array; addr: Float64Array; bytes: Float64Array; stream: Float64Array; corr: Float64Array;
  codes: Record<DictColumn, Int32Array>;
  strings: Record<DictColumn, readonly string[]>;
}

/** Writes Arrow IPC bytes straight to a file descriptor, synchronously (no queue to grow). */
class FileDescriptorSink extends AsyncByteQueue {
  constructor(private readonly fd: number) { super(); }
  override write(value: unknown): void {
    const buf = value as Uint8Array;
    if (buf.byteLength > 0) writeSync(this.fd, buf);
  }
}

class DictionaryColumn {
  readonly codes: Int32Array;
  private readonly index = new Map<string, number>();
  private readonly pending: string[] = [];
  private readonly chunks: Data<Utf8>[] = [vectorFromArray([], new Utf8()).data[0]!];
  private lastString: string | null = null;
  private lastCode = -1;
  constructor(capacity: number) { this.codes = new Int32Array(capacity); }

  code(s: string | null): number {
    if (s === null) return -1;
    if (s === this.lastString) return this.lastCode;
    let c = this.index.get(s);
    if (c === undefined) {
      c = this.index.size;
      this.index.set(s, c);
      this.pending.push(s);
    }
    this.lastString = s;
    this.lastCode = c;
    return c;
  }

  private foreign: readonly string[] | null = null;
  private xlate = new Int32Array(0);

  /**
   * This column's code for code `c` of a foreign string table (a staging sink's interner), cached per
   * table: each foreign string is looked up once, not once per row.
   */
  translate(strings: readonly string[], c: number): number {
    if (c < 0) return -1;
    if (strings !== this.foreign) { this.foreign = strings; this.xlate = new Int32Array(0); }
    if (c >= this.xlate.length) {
      const grown = new Int32Array(Math.max(strings.length, c + 1, this.xlate.length * 2)).fill(-2);
      grown.set(this.xlate);
      this.xlate = grown;
    }
    let w = this.xlate[c]!;
    if (w === -2) { w = this.code(strings[c]!); this.xlate[c] = w; }
    return w;
  }

  /** The dictionary so far: earlier chunks (same objects, so the writer emits only a delta) + new strings. */
  dictionary(): Vector<Utf8> {
    if (this.pending.length > 0) {
      this.chunks.push(vectorFromArray(this.pending.splice(0), new Utf8()).data[0]!);
    }
    return new Vector(this.chunks);
  }
}

export class TraceWriter {
  readonly metadata: TraceMetadata;
  private readonly tmp: string;
  private readonly fd: number;
  private readonly arrow: RecordBatchFileWriter;
  private readonly capacity: number;
  private readonly int64: Record<Int64Column, Float64Array>;
  private readonly int64Valid: Record<Int64Column, Uint8Array>;
  // The same arrays as direct fields, for the per-row path.
  private readonly tsCol: Float64Array; private readonly tsValid: Uint8Array;
  private readonly durCol: Float64Array; private readonly durValid: Uint8Array;
  private readonly addrCol: Float64Array; private readonly addrValid: Uint8Array;
  private readonly bytesCol: Float64Array; private readonly bytesValid: Uint8Array;
  private readonly corrCol: Float64Array; private readonly corrValid: Uint8Array;
  private readonly stream: Int32Array;
  private readonly streamValid: Uint8Array;
  private readonly dicts: Record<DictColumn, DictionaryColumn>;
  private n = 0;
  private total = 0;
  private lastTs = -Infinity;
  private closed = false;

  /** Opens `path` for writing (the file appears only on `close()`). */
  constructor(readonly path: string, options: { batchRows?: number; metadata?: Record<string, string> } = {}) {
    this.capacity = options.batchRows ?? DEFAULT_BATCH_ROWS;
    this.metadata = new Map(Object.entries(options.metadata ?? {}));
    const cap = this.capacity;
    this.int64 = Object.fromEntries(INT64_COLUMNS.map((c) => [c, new Float64Array(cap)])) as Record<Int64Column, Float64Array>;
    this.int64Valid = Object.fromEntries(INT64_COLUMNS.map((c) => [c, new Uint8Array(cap)])) as Record<Int64Column, Uint8Array>;
    [this.tsCol, this.durCol, this.addrCol, this.bytesCol, this.corrCol] = [this.int64.ts, this.int64.dur, this.int64.addr, this.int64.bytes, this.int64.corr];
    [this.tsValid, this.durValid, this.addrValid, this.bytesValid, this.corrValid] = [this.int64Valid.ts, this.int64Valid.dur, this.int64Valid.addr, this.int64Valid.bytes, this.int64Valid.corr];
    this.stream = new Int32Array(cap);
    this.streamValid = new Uint8Array(cap);
    this.dicts = Object.fromEntries(DICT_COLUMNS.map((c) => [c, new DictionaryColumn(cap)])) as Record<DictColumn, DictionaryColumn>;
    this.tmp = tempPathFor(path);
    this.fd = openSync(this.tmp, 'w');
    this.arrow = new RecordBatchFileWriter();
    this.arrow.reset(new FileDescriptorSink(this.fd));
  }

  /** Rows appended so far. */
  get rows(): number { return this.total + this.n; }

  /** Appends one row (copied; the caller may reuse the object). Rows must come in `ts` order. */
  append(r: TraceRow): void {
    if (r.ts < this.lastTs) throw new Error(`TraceWriter: rows must be sorted by ts (${r.ts} after ${this.lastTs})`);
    this.lastTs = r.ts;
    const i = this.n;
    // Hot path: direct typed-array fields, no per-column lookups by name (the writer bench covers it).
    this.tsCol[i] = r.ts;
    this.tsValid[i] = 1;
    const { dur, addr, bytes, corr, stream } = r;
    if (dur === null) { this.durValid[i] = 0; this.durCol[i] = 0; } else { this.durValid[i] = 1; this.durCol[i] = dur; }
    if (addr === null) { this.addrValid[i] = 0; this.addrCol[i] = 0; } else { this.addrValid[i] = 1; this.addrCol[i] = addr; }
    if (bytes === null) { this.bytesValid[i] = 0; this.bytesCol[i] = 0; } else { this.bytesValid[i] = 1; this.bytesCol[i] = bytes; }
    if (corr === null) { this.corrValid[i] = 0; this.corrCol[i] = 0; } else { this.corrValid[i] = 1; this.corrCol[i] = corr; }
    if (stream === null) { this.streamValid[i] = 0; this.stream[i] = 0; } else { this.streamValid[i] = 1; this.stream[i] = stream; }
    const d = this.dicts;
    d.op.codes[i] = d.op.code(r.op);
    d.agent.codes[i] = d.agent.code(r.agent);
    d.obj.codes[i] = d.obj.code(r.obj);
    d.peer.codes[i] = d.peer.code(r.peer);
    d.mem.codes[i] = d.mem.code(r.mem);
    d.cause.codes[i] = d.cause.code(r.cause);
    d.name.codes[i] = d.name.code(r.name);
    if (++this.n === this.capacity) this.flush();
  }

  /** Appends row `i` of staged columns (same rules as `append`: rows in ts order). */
  appendStagedRow(src: StagedColumns, i: number): void {
    const ts = src.ts[i]!;
    if (ts < this.lastTs) throw new Error(`TraceWriter: rows must be sorted by ts (${ts} after ${this.lastTs})`);
    this.lastTs = ts;
    const k = this.n;
    this.tsCol[k] = ts;
    this.tsValid[k] = 1;
    let v = src.dur[i]!;
    if (v !== v) { this.durValid[k] = 0; this.durCol[k] = 0; } else { this.durValid[k] = 1; this.durCol[k] = v; }
    v = src.addr[i]!;
    if (v !== v) { this.addrValid[k] = 0; this.addrCol[k] = 0; } else { this.addrValid[k] = 1; this.addrCol[k] = v; }
    v = src.bytes[i]!;
    if (v !== v) { this.bytesValid[k] = 0; this.bytesCol[k] = 0; } else { this.bytesValid[k] = 1; this.bytesCol[k] = v; }
    v = src.corr[i]!;
    if (v !== v) { this.corrValid[k] = 0; this.corrCol[k] = 0; } else { this.corrValid[k] = 1; this.corrCol[k] = v; }
    v = src.stream[i]!;
    if (v !== v) { this.streamValid[k] = 0; this.stream[k] = 0; } else { this.streamValid[k] = 1; this.stream[k] = v; }
    const d = this.dicts;
    const { codes, strings } = src;
    d.op.codes[k] = d.op.translate(strings.op, codes.op[i]!);
    d.agent.codes[k] = d.agent.translate(strings.agent, codes.agent[i]!);
    d.obj.codes[k] = d.obj.translate(strings.obj, codes.obj[i]!);
    d.peer.codes[k] = d.peer.translate(strings.peer, codes.peer[i]!);
    d.mem.codes[k] = d.mem.translate(strings.mem, codes.mem[i]!);
    d.cause.codes[k] = d.cause.translate(strings.cause, codes.cause[i]!);
    d.name.codes[k] = d.name.translate(strings.name, codes.name[i]!);
    if (++this.n === this.capacity) this.flush();
  }

  private flush(): void {
    const n = this.n;
    if (n === 0 && this.total > 0) return;
    const schema = traceSchema(this.metadata);
    const children = COLUMNS.map((c, k) => {
      const type = schema.fields[k]!.type;
      if ((INT64_COLUMNS as readonly string[]).includes(c)) {
        const col = c as Int64Column;
        return int64Data(type as Int64, this.int64[col], this.int64Valid[col], n);
      }
      if (c === 'stream') {
        const { bitmap, nulls } = validityBitmap(this.streamValid, n);
        return makeData({ type: new Int32(), length: n, nullCount: nulls, nullBitmap: bitmap, data: this.stream.slice(0, n) });
      }
      const dc = this.dicts[c as DictColumn];
      const codes = dc.codes.slice(0, n);
      const valid = new Uint8Array(n);
      for (let i = 0; i < n; i++) valid[i] = codes[i]! >= 0 ? 1 : 0;
      const { bitmap, nulls } = validityBitmap(valid, n);
      if (nulls > 0) for (let i = 0; i < n; i++) if (codes[i]! < 0) codes[i] = 0;
      return makeData({ type: dictType(c as DictColumn), length: n, nullCount: nulls, nullBitmap: bitmap, data: codes, dictionary: dc.dictionary() });
    });
    const struct = makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children });
    this.arrow.write(new RecordBatch(schema, struct));
    this.total += n;
    this.n = 0;
  }

  /** Writes the last batch and the footer (with the final metadata), then renames into place. */
  close(): void {
    if (this.closed) return;
    try {
      if (this.n > 0 || this.total === 0) this.flush();
      // The file format keeps the schema (and so the metadata) in the footer, written now.
      const schema = (this.arrow as unknown as { _schema: { metadata: Map<string, string> } })._schema;
      for (const [k, v] of traceSchema(this.metadata).metadata) schema.metadata.set(k, v);
      this.arrow.finish();
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.closed = true;
      commitTemp(this.tmp, this.path);
    } catch (e) {
      this.abort();
      throw e;
    }
  }

  /** Drops everything written; no file is left behind. */
  abort(): void {
    if (!this.closed) {
      this.closed = true;
      try { closeSync(this.fd); } catch { /* already closed */ }
    }
    discardTemp(this.tmp);
  }
}

function validityBitmap(valid: Uint8Array, n: number): { bitmap: Uint8Array | undefined; nulls: number } {
  let nulls = 0;
  for (let i = 0; i < n; i++) nulls += 1 - valid[i]!;
  if (nulls === 0) return { bitmap: undefined, nulls: 0 };
  const bitmap = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) if (valid[i]) bitmap[i >> 3]! |= 1 << (i & 7);
  return { bitmap, nulls };
}

const TWO32 = 4294967296;

/** Exact doubles → Int64 through the two 32-bit halves (no BigInt per value). */
function int64Data(type: Int64, values: Float64Array, valid: Uint8Array, n: number): Data<Int64> {
  const out = new BigInt64Array(n);
  const halves = new Int32Array(out.buffer);
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    const hi = Math.floor(v / TWO32);
    halves[2 * i] = (v - hi * TWO32) | 0;
    halves[2 * i + 1] = hi | 0;
  }
  const { bitmap, nulls } = validityBitmap(valid, n);
  return makeData({ type, length: n, nullCount: nulls, nullBitmap: bitmap, data: out });
}

export { META };
