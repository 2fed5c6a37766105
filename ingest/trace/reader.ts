/**
 * Reads a canonical trace batch by batch (random-access file reader over a file handle: only the
 * footer and the batch being read are in memory), exposing each column as a typed array:
 * Int64/Int32 columns as Float64Array (exact integers, NaN = null), dictionary columns as Int32Array
 * codes (-1 = null) plus the dictionary's strings.
 */
import { createHash } from 'node:crypto';
import { fstatSync, readSync, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { AsyncRecordBatchFileReader, RecordBatch, RecordBatchReader, type Data } from 'apache-arrow';
import { BadInputError } from '../../common/bad-input.ts';
import { BackgroundSha256 } from './background-sha256.ts';
import {
  COLUMNS, DICT_COLUMNS, META, TRACE_SCHEMA_ID,
  type DictColumn, type Int32Column, type Int64Column, type TraceMetadata,
} from './schema.ts';

const TWO32 = 4294967296;

/** Float64 buffers recycled from batch to batch when the reader is opened with `reuseBuffers`. */
type NumPool = Map<string, Float64Array>;

export class TraceBatch {
  private readonly nums = new Map<string, Float64Array>();
  private readonly codeViews = new Map<string, Int32Array>();
  constructor(
    readonly batch: RecordBatch,
    private readonly dictCache: Map<string, { data: unknown; strings: string[] }>,
    private readonly pool?: NumPool,
  ) {}

  get length(): number { return this.batch.numRows; }

  /** An Int64 or Int32 column as exact doubles; NaN where null. */
  num(c: Int64Column | Int32Column): Float64Array {
    let v = this.nums.get(c);
    if (v) return v;
    const data = this.column(c);
    const n = data.length;
    v = this.floats(c, n);
    const vals = data.values as BigInt64Array | Int32Array;
    if (vals instanceof BigInt64Array) {
      const h = new Int32Array(vals.buffer, vals.byteOffset, n * 2);
      for (let i = 0; i < n; i++) v[i] = h[2 * i + 1]! * TWO32 + (h[2 * i]! >>> 0);
    } else {
      for (let i = 0; i < n; i++) v[i] = vals[i]!;
    }
    if (data.nullCount > 0) {
      const bm = data.nullBitmap!;
      const off = data.offset;
      for (let i = 0; i < n; i++) { const j = i + off; if (!(bm[j >> 3]! & (1 << (j & 7)))) v[i] = Number.NaN; }
    }
    this.nums.set(c, v);
    return v;
  }

  private floats(c: string, n: number): Float64Array {
    if (!this.pool) return new Float64Array(n);
    let buf = this.pool.get(c);
    if (!buf || buf.length < n) { buf = new Float64Array(n); this.pool.set(c, buf); }
    return buf.subarray(0, n);
  }

  /** Dictionary codes of a string column; -1 where null. Zero-copy when the column has no nulls. */
  codes(c: DictColumn): Int32Array {
    let v = this.codeViews.get(c);
    if (v) return v;
    const data = this.column(c);
    v = data.values as Int32Array;
    if (data.nullCount > 0) {
      v = v.slice();
      const bm = data.nullBitmap!;
      const off = data.offset;
      for (let i = 0; i < v.length; i++) { const j = i + off; if (!(bm[j >> 3]! & (1 << (j & 7)))) v[i] = -1; }
    }
    this.codeViews.set(c, v);
    return v;
  }

  /** The strings of a dictionary column (index = code). Shared across batches while unchanged. */
  dictionary(c: DictColumn): readonly string[] {
    const dict = this.column(c).dictionary!;
    const cached = this.dictCache.get(c);
    if (cached && cached.data === dict && cached.strings.length === dict.length) return cached.strings;
    const strings = dict.toArray() as unknown as string[];
    const arr = Array.from(strings, (s) => String(s));
    this.dictCache.set(c, { data: dict, strings: arr });
    return arr;
  }

  /** Code of `s` in column `c`, or -1 when the batch's dictionary lacks it. */
  codeOf(c: DictColumn, s: string): number { return this.dictionary(c).indexOf(s); }

  private column(c: string): Data {
    const child = this.batch.getChild(c);
    if (!child) throw new Error(`trace batch has no column ${c}`);
    return child.data[0]!;
  }
}

export interface TraceReaderOptions {
  /**
   * Recycle the Float64Arrays of `num()` and the batch bodies from batch to batch (no allocation per
   * batch). A batch's `num()` arrays are then valid only until the next batch's `num()`, and its other
   * arrays until two more batches have been read: for streaming consumers like the engine, which reads
   * one batch ahead.
   */
  reuseBuffers?: boolean;
  /**
   * Compute the sha256 of the file from the bytes the reader reads anyway (`sha256()`), instead of a
   * second pass over the file: the trace is read once.
   */
  hash?: boolean;
}

/**
 * A file handle for apache-arrow's random-access reader that feeds every byte it reads, in file order,
 * to a sha256. The reader reads the footer first (out of order: left for the end), then the
 * dictionaries and the batches front to back; the few bytes it skips in between (the leading schema
 * message, padding) are read here to keep the hash contiguous. `digest()` hashes whatever is left (the
 * footer, or batches never read) and returns the hex digest.
 */
class HashingHandle {
  /** made at the first bytes: on a worker thread for a large file (background-sha256.ts), else here */
  private hasher: { update(b: Uint8Array): unknown } | null = null;
  private background: BackgroundSha256 | null = null;
  /** bytes [0, hashed) are in the hash */
  private hashed = 0;
  private size = -1;
  constructor(private readonly handle: FileHandle) {}
  get fd(): number { return this.handle.fd; }
  async stat(): Promise<Stats> { const st = await this.handle.stat(); this.size = st.size; return st; }
  async read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number; buffer: Uint8Array }> {
    const r = await this.handle.read(buffer, offset, length, position);
    this.observe(buffer, offset, r.bytesRead, position);
    return r;
  }
  close(): Promise<void> { this.stopWorker(); return this.handle.close(); }

  /** Small gaps (< 1 MiB) before a read are read and hashed here; a larger jump is left for `digest`. */
  private observe(buffer: Uint8Array, offset: number, n: number, position: number): void {
    const end = position + n;
    if (end <= this.hashed) return;
    if (position > this.hashed) {
      if (position - this.hashed > GAP_MAX) return;
      this.hashRange(this.hashed, position);
    }
    this.h().update(buffer.subarray(offset + (this.hashed - position), offset + n));
    this.hashed = end;
  }

  private hashRange(from: number, to: number): void {
    const buf = Buffer.allocUnsafe(Math.min(GAP_MAX, to - from));
    while (from < to) {
      const n = readSync(this.handle.fd, buf, 0, Math.min(buf.length, to - from), from);
      if (n <= 0) throw new Error(`file shrank while being read (at byte ${from})`);
      this.h().update(buf.subarray(0, n));
      from += n;
    }
    this.hashed = to;
  }

  /** Hex sha256 of the whole file (reads only the bytes not read yet). */
  digest(): string {
    if (this.size < 0) this.size = fstatSync(this.handle.fd).size;
    this.hashRange(this.hashed, this.size);
    const h = this.h();
    return h === this.background ? this.background.digest() : (h as ReturnType<typeof createHash>).digest('hex');
  }

  /** Ends the hashing worker, if any (it has ended already after `digest`). */
  stopWorker(): void { this.background?.close(); }

  private h(): { update(b: Uint8Array): unknown } {
    if (this.hasher === null) {
      if (this.size < 0) this.size = fstatSync(this.handle.fd).size;
      this.hasher = this.size >= BACKGROUND_MIN ? (this.background = new BackgroundSha256()) : createHash('sha256');
    }
    return this.hasher;
  }
}

/** Files at least this large are hashed on a worker thread (below, starting the worker costs more than it saves). */
const BACKGROUND_MIN = 64 << 20;

const GAP_MAX = 1 << 20;

/** Reads at least this long are record batch bodies (metadata reads are a few hundred bytes). */
const BODY_MIN = 1 << 16;
/** Body buffers in the ring: the batch being replayed, the one read ahead, and one spare. */
const BODY_RING = 3;

/**
 * With `reuseBuffers`, record batch bodies are read into a ring of BODY_RING buffers instead of a new
 * buffer per batch (apache-arrow 21's AsyncRandomAccessFile.read allocates one per call; at ~2.5 MiB a
 * batch that is what kept the collector busy). Batch arrays are views into the body, so a batch is valid
 * until BODY_RING − 1 later batches have been read — the streaming contract of `reuseBuffers`. Reads
 * made while opening (footer, dictionaries) are done before this is installed and are never recycled.
 */
function recycleBodies(reader: AsyncRecordBatchFileReader): void {
  interface RandomAccessFile {
    position: number; size: number; _pending?: Promise<void>;
    _handle: { read(b: Uint8Array, o: number, n: number, p: number): Promise<{ bytesRead: number }> } | null;
    read(n?: number): Promise<Uint8Array | null>;
  }
  const file = (reader as unknown as { _impl?: { _handle?: RandomAccessFile } })._impl?._handle;
  if (!file || typeof file.read !== 'function' || !('position' in file)) return; // another apache-arrow layout: keep its reads
  const original = file.read.bind(file);
  const ring: Uint8Array[] = [];
  let slot = 0;
  file.read = async (nBytes?: number): Promise<Uint8Array | null> => {
    if (nBytes === undefined || nBytes < BODY_MIN) return original(nBytes);
    if (file._pending) await file._pending;
    const { _handle: handle, size, position } = file;
    if (!handle || position >= size) return null;
    const len = Math.min(size, position + nBytes) - position;
    file.position = position + len;
    let buf = ring[slot];
    if (!buf || buf.byteLength < len) ring[slot] = buf = new Uint8Array(len + (len >> 3));
    slot = (slot + 1) % BODY_RING;
    const view = buf.subarray(0, len);
    for (let off = 0; off < len;) {
      const { bytesRead } = await handle.read(view, off, len - off, position + off);
      if (bytesRead <= 0) return view.subarray(0, off);
      off += bytesRead;
    }
    return view;
  };
}

export class TraceReader {
  private readonly dictCache = new Map<string, { data: unknown; strings: string[] }>();
  private readonly pool: NumPool | undefined;
  private constructor(readonly path: string, private readonly reader: AsyncRecordBatchFileReader, options: TraceReaderOptions, private readonly hashing: HashingHandle | null) {
    this.pool = options.reuseBuffers ? new Map() : undefined;
  }

  static async open(path: string, options: TraceReaderOptions = {}): Promise<TraceReader> {
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (e) {
      throw new BadInputError(path, undefined, undefined, `cannot open trace (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    let reader: AsyncRecordBatchFileReader;
    const hashing = options.hash ? new HashingHandle(handle) : null;
    try {
      // apache-arrow takes any object with fd, stat, read and close as a file handle.
      const r = await RecordBatchReader.from((hashing ?? handle) as FileHandle);
      if (!r.isFile()) throw new Error('not an Arrow IPC file');
      reader = (await r.open()) as AsyncRecordBatchFileReader;
    } catch (e) {
      await handle.close();
      throw new BadInputError(path, undefined, undefined, `is not an Arrow IPC trace file (${(e as Error).message})`);
    }
    if (options.reuseBuffers) recycleBodies(reader);
    const t = new TraceReader(path, reader, options, hashing);
    const id = reader.schema.metadata.get(META.schema);
    if (id !== TRACE_SCHEMA_ID) {
      await t.close();
      throw new BadInputError(path, undefined, META.schema, `expected "${TRACE_SCHEMA_ID}", found ${id === undefined ? 'none' : `"${id}"`}`);
    }
    for (const c of COLUMNS) {
      if (!reader.schema.fields.some((f) => f.name === c)) {
        await t.close();
        throw new BadInputError(path, undefined, c, 'column missing from the trace schema');
      }
    }
    return t;
  }

  get metadata(): TraceMetadata { return this.reader.schema.metadata; }
  get numBatches(): number { return this.reader.numRecordBatches; }

  /** Reads batch `i` (random access). */
  async batch(i: number): Promise<TraceBatch> {
    const b = await this.reader.readRecordBatch(i);
    if (!b) throw new Error(`${this.path}: no record batch ${i}`);
    return new TraceBatch(b, this.dictCache, this.pool);
  }

  /** Yields every batch in order. */
  async *batches(): AsyncGenerator<TraceBatch> {
    for (let i = 0; i < this.numBatches; i++) yield await this.batch(i);
  }

  /**
   * sha256 (hex) of the trace file, from the bytes already read (reader opened with `hash: true`); reads
   * only what was not read yet. Call before `close()`.
   */
  sha256(): string {
    if (!this.hashing) throw new Error('TraceReader.sha256() needs the reader opened with { hash: true }');
    return this.hashing.digest();
  }

  async close(): Promise<void> { this.hashing?.stopWorker(); await this.reader.cancel(); }
}

/** One row as plain values: for tests, small traces and debugging only (allocates per row). */
export interface PlainRow {
  ts: number; dur: number | null; op: string; agent: string; addr: number | null; bytes: number | null;
  obj: string | null; peer: string | null; mem: string | null; cause: string | null; stream: number | null; corr: number | null; name: string | null;
}

export async function readAllRows(path: string): Promise<PlainRow[]> {
  const t = await TraceReader.open(path);
  const out: PlainRow[] = [];
  try {
    for await (const b of t.batches()) {
      const num = (c: Int64Column | Int32Column) => b.num(c);
      const cols = { ts: num('ts'), dur: num('dur'), addr: num('addr'), bytes: num('bytes'), stream: num('stream'), corr: num('corr') };
      const dicts = Object.fromEntries(DICT_COLUMNS.map((c) => [c, { codes: b.codes(c), strings: b.dictionary(c) }]));
      const n = (a: Float64Array, i: number) => (Number.isNaN(a[i]!) ? null : a[i]!);
      const s = (c: DictColumn, i: number) => { const d = dicts[c]!; const k = d.codes[i]!; return k < 0 ? null : d.strings[k]!; };
      for (let i = 0; i < b.length; i++) {
        out.push({
          ts: cols.ts[i]!, dur: n(cols.dur, i), op: s('op', i)!, agent: s('agent', i)!, addr: n(cols.addr, i), bytes: n(cols.bytes, i),
          obj: s('obj', i), peer: s('peer', i), mem: s('mem', i), cause: s('cause', i), stream: n(cols.stream, i), corr: n(cols.corr, i), name: s('name', i),
        });
      }
    }
  } finally {
    await t.close();
  }
  return out;
}
