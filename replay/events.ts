/**
 * Model events, buffered columnar (typed arrays + interned strings), never one object per event.
 * Columns follow run-output.ts EVENT_COLUMNS. Kinds and causes are plain strings interned on first use,
 * so later issues add kinds (peer_map, bounce, …) without touching this file.
 *
 * Consecutive `remote` events of the same agent/src/dst/obj over contiguous addresses are merged into
 * one row (a streaming zero-copy access is one event, not one per 4 KiB).
 */
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

export class EventLog {
  readonly strings = new StringTable();
  ts = new Float64Array(4096);
  dur = new Float64Array(4096);
  addr = new Float64Array(4096);
  bytes = new Float64Array(4096);
  kind = new Int32Array(4096);
  agent = new Int32Array(4096);
  src = new Int32Array(4096);
  dst = new Int32Array(4096);
  cause = new Int32Array(4096);
  obj = new Int32Array(4096);
  count = 0;
  private readonly remoteKind: number;

  constructor() { this.remoteKind = this.strings.id('remote'); }

  /** Interned id of a string (kind, agent, memory id, cause, object). */
  id(s: string | null): number { return this.strings.id(s); }

  /** Appends an event; all string arguments are ids from `id()` (-1 = null); addr NaN = null. */
  emit(ts: number, dur: number, kind: number, agent: number, src: number, dst: number, addr: number, bytes: number, cause: number, obj: number): void {
    const n = this.count;
    if (kind === this.remoteKind && n > 0) {
      const k = n - 1;
      if (this.kind[k] === kind && this.agent[k] === agent && this.src[k] === src && this.dst[k] === dst && this.obj[k] === obj
        && this.cause[k] === cause && this.addr[k]! + this.bytes[k]! === addr && this.ts[k]! + this.dur[k]! <= ts + dur) {
        this.bytes[k]! += bytes;
        this.dur[k] = ts + dur - this.ts[k]!;
        return;
      }
    }
    if (n === this.ts.length) this.grow();
    this.ts[n] = ts; this.dur[n] = dur; this.kind[n] = kind; this.agent[n] = agent; this.src[n] = src; this.dst[n] = dst;
    this.addr[n] = addr; this.bytes[n] = bytes; this.cause[n] = cause; this.obj[n] = obj;
    this.count = n + 1;
  }

  private grow(): void {
    const n = this.ts.length * 2;
    const g = <T extends Float64Array | Int32Array>(a: T): T => { const b = new (a.constructor as new (n: number) => T)(n); b.set(a); return b; };
    this.ts = g(this.ts); this.dur = g(this.dur); this.addr = g(this.addr); this.bytes = g(this.bytes);
    this.kind = g(this.kind); this.agent = g(this.agent); this.src = g(this.src); this.dst = g(this.dst); this.cause = g(this.cause); this.obj = g(this.obj);
  }
}
