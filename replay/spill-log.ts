/**
 * An append-only log of numeric rows (`width` float64 columns) whose memory is bounded: rows beyond
 * `chunkRows` go, a block at a time, to an unlinked scratch file, and `scan()` hands every row back in
 * append order. The model's per-transfer and per-migration logs (resident-bytes deltas, stall spans,
 * link transfers) grow with the replay; the timeline reads them once, in order, at the end.
 *
 * The newest row always stays in memory (`last()`), so a log that merges a new entry into the previous
 * one merges exactly as if nothing had been spilled: what `scan()` yields does not depend on the chunk
 * size. Columns hold float64, so int32 values (memory or path ids) are stored exactly.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SPILL_LOG_CHUNK_ROWS = 1 << 16;

export class SpillLog {
  /** the in-memory rows, column by column: row `i` of column `c` is `cols[c][i]`, i < `count` */
  cols: Float64Array[];
  /** rows in memory */
  count = 0;
  private fd = -1;
  /** row count of each spilled block, in order */
  private readonly blocks: number[] = [];
  private spilledRows = 0;

  constructor(readonly width: number, private readonly chunkRows = SPILL_LOG_CHUNK_ROWS) {
    if (!(Number.isInteger(chunkRows) && chunkRows >= 2)) throw new RangeError(`chunkRows must be an integer ≥ 2 (got ${chunkRows})`);
    this.cols = Array.from({ length: width }, () => new Float64Array(Math.min(1024, chunkRows)));
  }

  /** Rows appended in all (spilled and in memory). */
  get rows(): number { return this.spilledRows + this.count; }

  /** Index (into `cols`) of the newest row, or -1 when the log is empty. */
  last(): number { return this.count - 1; }

  /** Index of a new row to fill in; makes room first (growing, or spilling all rows but the newest). */
  add(): number {
    if (this.count === this.cols[0]!.length) {
      if (this.count < this.chunkRows) {
        const n = Math.min(this.chunkRows, this.count * 2);
        this.cols = this.cols.map((c) => { const g = new Float64Array(n); g.set(c); return g; });
      } else this.spill();
    }
    return this.count++;
  }

  private spill(): void {
    const m = this.count - 1;
    if (this.fd < 0) {
      const d = mkdtempSync(join(tmpdir(), 'hetmem-log-'));
      const path = join(d, 'log.bin');
      this.fd = openSync(path, 'w+', 0o600);
      unlinkSync(path);
      rmdirSync(d);
    }
    let pos = this.spilledRows * 8 * this.width;
    for (const c of this.cols) {
      const b = new Uint8Array(c.buffer, c.byteOffset, m * 8);
      for (let done = 0; done < b.length;) done += writeSync(this.fd, b, done, b.length - done, pos + done);
      pos += m * 8;
    }
    this.blocks.push(m);
    this.spilledRows += m;
    for (const c of this.cols) c[0] = c[m]!;
    this.count = 1;
  }

  /** Calls `fn(cols, n)` for each block of rows, in append order (spilled blocks, then memory). */
  scan(fn: (cols: readonly Float64Array[], n: number) => void): void {
    if (this.blocks.length > 0) {
      const buf = Array.from({ length: this.width }, () => new Float64Array(this.chunkRows));
      let pos = 0;
      for (const m of this.blocks) {
        for (const c of buf) {
          const b = new Uint8Array(c.buffer, 0, m * 8);
          for (let got = 0; got < b.length;) {
            const r = readSync(this.fd, b, got, b.length - got, pos + got);
            if (r <= 0) throw new Error('log spill file ended early');
            got += r;
          }
          pos += m * 8;
        }
        fn(buf, m);
      }
    }
    fn(this.cols, this.count);
  }

  /** Releases the scratch file (the log cannot be scanned afterwards if it spilled). */
  close(): void {
    if (this.fd >= 0) { closeSync(this.fd); this.fd = -1; }
  }
}

/**
 * A log of (time, a, value) triples: resident-bytes deltas, BAR occupancy deltas and stall spans for the
 * timeline. With `merge`, an entry at the same instant for the same `a` as the newest one adds to it
 * (resident deltas; not stall spans).
 */
export class TripleLog extends SpillLog {
  constructor(private readonly merge = false, chunkRows = SPILL_LOG_CHUNK_ROWS) { super(3, chunkRows); }
  /** in-memory times (`count` rows; all rows while the log has not spilled) */
  get t(): Float64Array { return this.cols[0]!; }
  get a(): Float64Array { return this.cols[1]!; }
  get v(): Float64Array { return this.cols[2]!; }
  push(t: number, a: number, v: number): void {
    const last = this.count - 1;
    const c = this.cols;
    if (this.merge && last >= 0 && c[0]![last] === t && c[1]![last] === a) { c[2]![last]! += v; return; } // same instant: merge
    const k = this.add();
    this.cols[0]![k] = t; this.cols[1]![k] = a; this.cols[2]![k] = v;
  }
}
