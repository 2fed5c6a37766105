/**
 * Model events, buffered columnar (typed arrays + interned strings), never one object per event, and
 * never all of them at once: the log holds at most one chunk of rows; a full chunk is counted into the
 * summary totals (event-totals.ts), sorted by (ts, emission order) and spilled as one run
 * (event-runs.ts); `finish()` hands out every kept row in that order, merging the runs. Memory is
 * bounded by the chunk size, not by the number of events. Columns follow run-output.ts EVENT_COLUMNS.
 * Kinds and causes are plain strings interned on first use, so new kinds need no change here.
 *
 * Consecutive `remote` events of the same agent/src/dst/obj over contiguous addresses are merged into
 * one row (a streaming zero-copy access is one event, not one per 4 KiB). The newest row therefore
 * stays in the buffer when a chunk is spilled, so merging does not depend on where chunks end: the
 * rows, and so events.parquet, are the same whatever the chunk size.
 */
import { UsageError } from '../common/bad-input.ts';
import { EventColumns, type EventSource } from './event-columns.ts';
import { sortByTs } from './event-order.ts';
import { SpilledRuns } from './event-runs.ts';
import { EventTotals } from './event-totals.ts';

export class StringTable {
  readonly strings: string[] = [];
  private readonly ids = new Map<string, number>();
  id(s: string | null): number {
    if (s === null) return -1;
    let i = this.ids.get(s);
    if (i === undefined) { i = this.strings.length; this.strings.push(s); this.ids.set(s, i); }
    return i;
  }
  get(i: number): string | null { return i < 0 ? null : this.strings[i]!; }
}

/**
 * Which events events.parquet keeps: `all` (the default), `none` (the timeline and summary only), or a
 * list of kinds (run-output.ts EVENT_KINDS, e.g. `['migrate', 'evict']`). summary.json counts every
 * event whatever is kept.
 */
export type EventSelection = 'all' | 'none' | readonly string[];

/** `all`, `none` or `kind,kind,…` (the `--events` flag) → an EventSelection; throws a UsageError. */
export function parseEventSelection(text: string, knownKinds: readonly string[]): EventSelection {
  const t = text.trim();
  if (t === 'all' || t === 'none') return t;
  const kinds = t.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const unknown = kinds.filter((k) => !knownKinds.includes(k));
  if (kinds.length === 0 || unknown.length > 0) {
    throw new UsageError(`--events ${text}: expected all, none or a comma list of event kinds (unknown: ${unknown.join(', ') || '(empty)'}; kinds: ${knownKinds.join(', ')})`);
  }
  return [...new Set(kinds)].sort();
}

export interface EventLogOptions {
  /**
   * Rows held in memory before they are sorted and spilled as one run. Default 1 Mi rows (about 56 MiB).
   * Internal: tests force small chunks to cross several; outputs are the same for any value ≥ 2.
   */
  chunkRows?: number;
  /** What events.parquet keeps (default `all`). */
  keep?: EventSelection;
  /** Directory of the (unlinked) spill file; default the OS temporary directory. */
  spillDir?: string;
}

export const DEFAULT_CHUNK_ROWS = 1 << 20;

/**
 * The string columns grouped by what they name (src and dst are both memories), each written as its
 * own dictionary: a column's Parquet dictionary then holds only its own values.
 */
export const STRING_GROUPS = ['kind', 'agent', 'mem', 'cause', 'obj'] as const;
export type StringGroup = (typeof STRING_GROUPS)[number];

/** The strings one group uses, in id order, and each id's code among them (-1 = unused). */
export interface GroupDictionary { strings: string[]; code: Int32Array }

export class EventLog {
  readonly strings = new StringTable();
  /** Totals of every row that has left the buffer (all rows after `finish()`). */
  readonly totals: EventTotals;
  private c = new EventColumns(4096);
  /** rows in the buffer */
  private n = 0;
  private chunkRows = DEFAULT_CHUNK_ROWS;
  private keep: EventSelection = 'all';
  private keepKind: Uint8Array | null = null;
  private spillDir: string | undefined;
  private runs: SpilledRuns | null = null;
  private emitted = 0;
  /** per string id: bit g set when a kept row uses it in group STRING_GROUPS[g] */
  private used = new Uint8Array(256);
  private readonly remoteKind: number;

  constructor() {
    this.remoteKind = this.strings.id('remote');
    this.totals = new EventTotals(this.strings.id('migrate'), this.strings.id('evict'), this.remoteKind);
  }

  /** Sets chunking and selection; call before the first `emit`. */
  configure(o: EventLogOptions): void {
    if (this.emitted > 0) throw new Error('EventLog.configure after events were emitted');
    if (o.chunkRows !== undefined) {
      if (!(Number.isInteger(o.chunkRows) && o.chunkRows >= 2)) throw new RangeError(`chunkRows must be an integer ≥ 2 (got ${o.chunkRows})`);
      this.chunkRows = o.chunkRows;
    }
    if (o.keep !== undefined) this.keep = o.keep;
    this.spillDir = o.spillDir;
  }

  /** Rows emitted so far (after remote merging). */
  get count(): number { return this.emitted; }

  /** Interned id of a string (kind, agent, memory id, cause, object). */
  id(s: string | null): number { return this.strings.id(s); }

  /** Appends an event; all string arguments are ids from `id()` (-1 = null); addr NaN = null. */
  emit(ts: number, dur: number, kind: number, agent: number, src: number, dst: number, addr: number, bytes: number, cause: number, obj: number): void {
    let n = this.n;
    let c = this.c;
    if (kind === this.remoteKind && n > 0) {
      const k = n - 1;
      if (c.kind[k] === kind && c.agent[k] === agent && c.src[k] === src && c.dst[k] === dst && c.obj[k] === obj
        && c.cause[k] === cause && c.addr[k]! + c.bytes[k]! === addr && c.ts[k]! + c.dur[k]! <= ts + dur) {
        c.bytes[k]! += bytes;
        c.dur[k] = ts + dur - c.ts[k]!;
        return;
      }
    }
    if (n === c.capacity) {
      if (c.capacity < this.chunkRows) this.c = c = c.grown(Math.min(this.chunkRows, c.capacity * 2), n);
      else { this.spill(); n = this.n; }
    }
    c.ts[n] = ts; c.dur[n] = dur; c.kind[n] = kind; c.agent[n] = agent; c.src[n] = src; c.dst[n] = dst;
    c.addr[n] = addr; c.bytes[n] = bytes; c.cause[n] = cause; c.obj[n] = obj;
    this.n = n + 1;
    this.emitted++;
  }

  /** Spills every row but the newest (which a `remote` event may still extend) as one sorted run. */
  private spill(): void {
    const m = this.n - 1;
    this.totals.add(this.c, 0, m);
    const [order, kept] = this.sortedKept(m);
    (this.runs ??= new SpilledRuns(this.spillDir)).add(this.c, order, kept);
    this.c.copyRow(0, this.c, m);
    this.n = 1;
  }

  /** Indices of the kept rows among `[0, m)`, in (ts, emission) order. */
  private sortedKept(m: number): [Int32Array, number] {
    const c = this.c;
    const order = new Int32Array(m);
    let k = 0;
    const sel = this.selection();
    if (sel === null) for (let i = 0; i < m; i++) order[k++] = i;
    else for (let i = 0; i < m; i++) if (sel[c.kind[i]!] === 1) order[k++] = i;
    this.markUsed(order, k);
    return [sortByTs(order, k, c.ts, new Int32Array(k)), k];
  }

  private markUsed(order: Int32Array, k: number): void {
    const c = this.c;
    if (this.used.length < this.strings.strings.length) { const u = new Uint8Array(this.strings.strings.length * 2); u.set(this.used); this.used = u; }
    const u = this.used;
    let lastKind = -2, lastAgent = -2, lastSrc = -2, lastDst = -2, lastCause = -2, lastObj = -2;
    for (let j = 0; j < k; j++) {
      const i = order[j]!;
      // Most rows repeat their neighbour's strings: skip the store then.
      const kd = c.kind[i]!, ag = c.agent[i]!, sr = c.src[i]!, ds = c.dst[i]!, ca = c.cause[i]!, ob = c.obj[i]!;
      if (kd !== lastKind) { lastKind = kd; if (kd >= 0) u[kd]! |= 1; }
      if (ag !== lastAgent) { lastAgent = ag; if (ag >= 0) u[ag]! |= 2; }
      if (sr !== lastSrc) { lastSrc = sr; if (sr >= 0) u[sr]! |= 4; }
      if (ds !== lastDst) { lastDst = ds; if (ds >= 0) u[ds]! |= 4; }
      if (ca !== lastCause) { lastCause = ca; if (ca >= 0) u[ca]! |= 8; }
      if (ob !== lastObj) { lastObj = ob; if (ob >= 0) u[ob]! |= 16; }
    }
  }

  /** The dictionary of each string group over the kept rows (call after `finish()`). */
  dictionaries(): Record<StringGroup, GroupDictionary> {
    const all = this.strings.strings;
    const out = {} as Record<StringGroup, GroupDictionary>;
    STRING_GROUPS.forEach((g, bit) => {
      const code = new Int32Array(all.length).fill(-1);
      const strings: string[] = [];
      for (let id = 0; id < all.length; id++) if (id < this.used.length && this.used[id]! & (1 << bit)) { code[id] = strings.length; strings.push(all[id]!); }
      out[g] = { strings, code };
    });
    return out;
  }

  /** Per kind id: 1 = kept; null = every kind kept. */
  private selection(): Uint8Array | null {
    if (this.keep === 'all') return null;
    const size = this.strings.strings.length;
    if (!this.keepKind || this.keepKind.length < size) {
      const s = new Uint8Array(Math.max(size, 64));
      if (this.keep !== 'none') for (const k of this.keep) { const id = this.strings.id(k); if (id < s.length) s[id] = 1; }
      this.keepKind = s;
    }
    return this.keepKind;
  }

  /**
   * Ends the log: counts the remaining rows and returns every kept row in (ts, emission) order, with the
   * number of kept rows. Call `close()` when the source is consumed.
   */
  finish(): { source: EventSource; rows: number } {
    const m = this.n;
    this.totals.add(this.c, 0, m);
    const [order, kept] = this.sortedKept(m);
    this.n = 0;
    if (this.runs) {
      this.runs.add(this.c, order, kept);
      this.c = new EventColumns(1);
      return { source: this.runs.merge(), rows: this.runs.rows };
    }
    const c = this.c;
    let next = 0;
    return {
      rows: kept,
      source: {
        fill(out: EventColumns): number {
          let j = 0;
          while (j < out.capacity && next < kept) out.copyRow(j++, c, order[next++]!);
          return j;
        },
      },
    };
  }

  /** Releases the spill file (safe to call more than once). */
  close(): void { this.runs?.close(); }
}
