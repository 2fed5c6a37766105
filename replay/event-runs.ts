/**
 * Sorted runs of events spilled to one scratch file, and their k-way merge back into one ordered
 * stream: how the event log stays bounded in memory whatever the number of events (the external merge
 * sort of textbooks, e.g. Knuth TAOCP vol. 3 §5.4.1).
 *
 * Layout: rows are row-major, 56 bytes each (four float64: ts, dur, addr, bytes; then six int32: kind,
 * agent, src, dst, cause, obj), one run after another. The file is unlinked as soon as it is opened, so
 * nothing is left behind whatever happens to the process; it lives while the descriptor is open.
 *
 * Order: every run is sorted by (ts, emission order) and run r holds only events emitted before those of
 * run r+1, so the merge takes the smallest ts and, on equal ts, the lower run: that is (ts, emission
 * order) over all events — the order events.parquet promises.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventColumns, type EventSource } from './event-columns.ts';

const STRIDE = 7; // float64 words per row (4 doubles + 6 int32 = 56 bytes)
const ROW_BYTES = STRIDE * 8;

/** A row-major buffer of `rows` rows with its float64 and int32 views. */
class RowBuffer {
  readonly f: Float64Array;
  readonly i: Int32Array;
  readonly bytes: Uint8Array;
  constructor(readonly rows: number) {
    this.f = new Float64Array(rows * STRIDE);
    this.i = new Int32Array(this.f.buffer);
    this.bytes = new Uint8Array(this.f.buffer);
  }
}

export class SpilledRuns {
  private readonly fd: number;
  private readonly staging = new RowBuffer(16384);
  /** start row and row count of each run */
  private readonly runs: { start: number; rows: number }[] = [];
  private rowsWritten = 0;
  private closed = false;

  constructor(dir: string = tmpdir()) {
    const d = mkdtempSync(join(dir, 'hetmem-events-'));
    const path = join(d, 'runs.bin');
    this.fd = openSync(path, 'w+', 0o600);
    unlinkSync(path);
    rmdirSync(d);
  }

  get count(): number { return this.runs.length; }
  get rows(): number { return this.rowsWritten; }

  /** Appends one run: rows `order[0..n)` of `c`, already in (ts, emission) order. */
  add(c: EventColumns, order: Int32Array, n: number): void {
    const s = this.staging;
    const start = this.rowsWritten;
    for (let k0 = 0; k0 < n; k0 += s.rows) {
      const m = Math.min(s.rows, n - k0);
      for (let k = 0; k < m; k++) {
        const r = order[k0 + k]!;
        const o = k * STRIDE;
        s.f[o] = c.ts[r]!; s.f[o + 1] = c.dur[r]!; s.f[o + 2] = c.addr[r]!; s.f[o + 3] = c.bytes[r]!;
        const q = (o + 4) * 2;
        s.i[q] = c.kind[r]!; s.i[q + 1] = c.agent[r]!; s.i[q + 2] = c.src[r]!; s.i[q + 3] = c.dst[r]!; s.i[q + 4] = c.cause[r]!; s.i[q + 5] = c.obj[r]!;
      }
      writeAll(this.fd, s.bytes, m * ROW_BYTES, (start + k0) * ROW_BYTES);
    }
    this.runs.push({ start, rows: n });
    this.rowsWritten += n;
  }

  /**
   * The merged stream of all runs; `memoryBytes` bounds the read buffers (one per run, at least 256
   * rows each).
   */
  merge(memoryBytes = 64 * 1024 * 1024): EventSource {
    const per = Math.max(256, Math.floor(memoryBytes / ROW_BYTES / Math.max(1, this.runs.length)));
    return new RunMerge(this.fd, this.runs.map((r) => new RunCursor(this.fd, r.start, r.rows, per)));
  }

  close(): void {
    if (!this.closed) { this.closed = true; closeSync(this.fd); }
  }
}

function writeAll(fd: number, b: Uint8Array, len: number, pos: number): void {
  for (let done = 0; done < len;) done += writeSync(fd, b, done, len - done, pos + done);
}

/** Reads one run block by block. `ts` is the head row's ts (Infinity when the run is exhausted). */
class RunCursor {
  private readonly buf: RowBuffer;
  private next: number;     // next row of the file to read
  private readonly end: number;
  private len = 0;          // rows in buf
  pos = 0;                  // head row in buf
  ts = Infinity;

  constructor(private readonly fd: number, start: number, rows: number, bufferRows: number) {
    this.buf = new RowBuffer(Math.min(bufferRows, Math.max(1, rows)));
    this.next = start;
    this.end = start + rows;
    this.refill();
  }

  private refill(): void {
    const m = Math.min(this.buf.rows, this.end - this.next);
    this.pos = 0;
    this.len = m;
    if (m <= 0) { this.ts = Infinity; return; }
    const want = m * ROW_BYTES;
    for (let got = 0; got < want;) {
      const r = readSync(this.fd, this.buf.bytes, got, want - got, this.next * ROW_BYTES + got);
      if (r <= 0) throw new Error('event spill file ended early');
      got += r;
    }
    this.next += m;
    this.ts = this.buf.f[0]!;
  }

  /** Copies the head row into row `j` of `out` and advances. */
  take(out: EventColumns, j: number): void {
    const f = this.buf.f;
    const i = this.buf.i;
    const o = this.pos * STRIDE;
    out.ts[j] = f[o]!; out.dur[j] = f[o + 1]!; out.addr[j] = f[o + 2]!; out.bytes[j] = f[o + 3]!;
    const q = (o + 4) * 2;
    out.kind[j] = i[q]!; out.agent[j] = i[q + 1]!; out.src[j] = i[q + 2]!; out.dst[j] = i[q + 3]!; out.cause[j] = i[q + 4]!; out.obj[j] = i[q + 5]!;
    if (++this.pos < this.len) this.ts = f[this.pos * STRIDE]!;
    else this.refill();
  }
}

/**
 * k-way merge with a binary min-heap of cursors keyed by (head ts, run index). After taking a row from
 * the top run it keeps taking from that run while its head still precedes both children (no heap work
 * on the long in-order stretches that a replay's runs mostly are).
 */
class RunMerge implements EventSource {
  private readonly heap: number[];
  constructor(_fd: number, private readonly cursors: RunCursor[]) {
    this.heap = cursors.map((_, k) => k).filter((k) => cursors[k]!.ts !== Infinity);
    for (let k = (this.heap.length >> 1) - 1; k >= 0; k--) this.down(k);
  }

  private less(a: number, b: number): boolean {
    const ta = this.cursors[a]!.ts;
    const tb = this.cursors[b]!.ts;
    return ta < tb || (ta === tb && a < b);
  }

  private down(k: number): void {
    const h = this.heap;
    const n = h.length;
    for (;;) {
      const l = 2 * k + 1;
      if (l >= n) return;
      const r = l + 1;
      const c = r < n && this.less(h[r]!, h[l]!) ? r : l;
      if (!this.less(h[c]!, h[k]!)) return;
      const t = h[k]!; h[k] = h[c]!; h[c] = t;
      k = c;
    }
  }

  fill(out: EventColumns): number {
    const h = this.heap;
    let j = 0;
    while (j < out.capacity && h.length > 0) {
      const top = h[0]!;
      const cur = this.cursors[top]!;
      // The best child bounds how far the top run may run on alone.
      let rival = -1;
      if (h.length > 1) rival = h.length > 2 && this.less(h[2]!, h[1]!) ? h[2]! : h[1]!;
      do {
        cur.take(out, j++);
      } while (j < out.capacity && cur.ts !== Infinity && (rival < 0 || this.less(top, rival)));
      if (cur.ts === Infinity) { h[0] = h[h.length - 1]!; h.pop(); }
      if (h.length > 0) this.down(0);
    }
    return j;
  }
}
