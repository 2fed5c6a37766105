/**
 * Model events as columns (run-output.ts EVENT_COLUMNS): four doubles (ts, dur, addr, bytes; addr NaN =
 * null) and six string ids (kind, agent, src, dst, cause, obj; -1 = null) into the event log's string
 * table. One block type for the log's buffer, the sorted runs and the Parquet writer, so rows move
 * between them by typed-array copies only.
 */
export class EventColumns {
  ts: Float64Array; dur: Float64Array; addr: Float64Array; bytes: Float64Array;
  kind: Int32Array; agent: Int32Array; src: Int32Array; dst: Int32Array; cause: Int32Array; obj: Int32Array;

  constructor(readonly capacity: number) {
    this.ts = new Float64Array(capacity); this.dur = new Float64Array(capacity); this.addr = new Float64Array(capacity); this.bytes = new Float64Array(capacity);
    this.kind = new Int32Array(capacity); this.agent = new Int32Array(capacity); this.src = new Int32Array(capacity);
    this.dst = new Int32Array(capacity); this.cause = new Int32Array(capacity); this.obj = new Int32Array(capacity);
  }

  /** A block of `capacity` rows holding the first `n` rows of this one. */
  grown(capacity: number, n: number): EventColumns {
    const g = new EventColumns(capacity);
    g.ts.set(this.ts.subarray(0, n)); g.dur.set(this.dur.subarray(0, n)); g.addr.set(this.addr.subarray(0, n)); g.bytes.set(this.bytes.subarray(0, n));
    g.kind.set(this.kind.subarray(0, n)); g.agent.set(this.agent.subarray(0, n)); g.src.set(this.src.subarray(0, n));
    g.dst.set(this.dst.subarray(0, n)); g.cause.set(this.cause.subarray(0, n)); g.obj.set(this.obj.subarray(0, n));
    return g;
  }

  /** Copies row `i` of `from` into row `j` of this block. */
  copyRow(j: number, from: EventColumns, i: number): void {
    this.ts[j] = from.ts[i]!; this.dur[j] = from.dur[i]!; this.addr[j] = from.addr[i]!; this.bytes[j] = from.bytes[i]!;
    this.kind[j] = from.kind[i]!; this.agent[j] = from.agent[i]!; this.src[j] = from.src[i]!;
    this.dst[j] = from.dst[i]!; this.cause[j] = from.cause[i]!; this.obj[j] = from.obj[i]!;
  }
}

/**
 * Rows in final order (ts, then emission order), handed out block by block: `fill` writes up to
 * `out.capacity` rows into `out` and returns how many (0 = done).
 */
export interface EventSource {
  fill(out: EventColumns): number;
}
