/**
 * The event totals summary.json reports (migrations by direction and cause, evictions, remote bytes),
 * counted as rows leave the event log — so the summary needs no pass over events kept in memory, and
 * counts every event whatever `--events` keeps in events.parquet. Bytes are whole numbers below 2^53,
 * so the sums are exact and independent of the order rows are counted in.
 */
import type { EventColumns } from './event-columns.ts';
import type { CountBytes } from './run-output.ts';

export class EventTotals {
  /** migrate rows per (src, dst, cause) string ids */
  readonly migrations = new Map<string, CountBytes & { src: number; dst: number; cause: number }>();
  readonly evictions: CountBytes = { count: 0, bytes: 0 };
  readonly remote: CountBytes = { count: 0, bytes: 0 };
  /** rows counted */
  rows = 0;
  /** rows and bytes per event kind, indexed by the kind's string id (what a run modeled, by kind) */
  readonly kindCount: number[] = [];
  readonly kindBytes: number[] = [];

  constructor(private readonly kMigrate: number, private readonly kEvict: number, private readonly kRemote: number) {}

  /** Counts rows `[from, to)` of `c`. */
  add(c: EventColumns, from: number, to: number): void {
    const { kMigrate, kEvict, kRemote } = this;
    let last: (CountBytes & { src: number; dst: number; cause: number }) | undefined;
    for (let i = from; i < to; i++) {
      const k = c.kind[i]!;
      const b = c.bytes[i]!;
      this.kindCount[k] = (this.kindCount[k] ?? 0) + 1;
      this.kindBytes[k] = (this.kindBytes[k] ?? 0) + (b === b ? b : 0); // NaN: an event without bytes
      if (k === kMigrate) {
        const s = c.src[i]!, d = c.dst[i]!, ca = c.cause[i]!;
        // Consecutive migrations mostly share their key: reuse the last entry before building a key.
        if (!last || last.src !== s || last.dst !== d || last.cause !== ca) {
          const key = `${s},${d},${ca}`;
          last = this.migrations.get(key);
          if (!last) { last = { count: 0, bytes: 0, src: s, dst: d, cause: ca }; this.migrations.set(key, last); }
        }
        last.count++; last.bytes += b;
      } else if (k === kEvict) { this.evictions.count++; this.evictions.bytes += b; } else if (k === kRemote) { this.remote.count++; this.remote.bytes += b; }
    }
    this.rows += to - from;
  }
}
