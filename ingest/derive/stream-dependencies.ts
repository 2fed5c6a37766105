/**
 * The `sync` and `wait` rows of a real GPU trace (docs/trace-schema.md "Stream order"), derived once
 * every runtime call and GPU op of a source has been read. Shared by the Kineto, rocprof and nsys
 * readers: each reports its runtime calls (`call`), its GPU ops (`gpuOp`) and whatever the source
 * records about a synchronisation (`recorded`), then `emit` appends the rows to its sink.
 *
 * Columnar and bounded: the store holds only runtime calls and GPU ops (typed arrays; no object per
 * access row), and every query is a binary search in per-stream sorted indexes.
 *
 * ## What a row waits for
 * A GPU op's launch is the runtime call with the same correlation id in the same CPU process (the
 * CUPTI/roctracer correlation; without one, its own start). Ops are grouped per (launching process,
 * GPU, stream).
 * - synchronous memcpy (cudaMemcpy, hipMemcpy …): `sync` with its own copy's corr, after its `submit`
 *   (the sorter is stable, and this row is appended later at the same ts).
 * - device sync: `sync` with `peer` = the source's device when recorded (nsys SYNCHRONIZATION
 *   deviceId, Kineto `cuda_sync` "Context Sync"), else the GPU of the thread's latest launch before the
 *   call (else its first launch after; else the process's only GPU); none known → neither corr nor peer.
 * - stream sync with the stream recorded (nsys SYNCHRONIZATION.streamId, Kineto `cuda_sync` "Stream
 *   Sync"): the last op launched on that (GPU, stream) before the call.
 * - event sync / stream wait with the event recorded (Kineto `cuda_sync` `wait_on_stream` and
 *   `wait_on_cuda_event_record_corr_id`, the correlation id of the cudaEventRecord call): the last op
 *   launched on `wait_on_stream` at or before that record call — or, with no stream, the last op the
 *   recording thread launched before it (HolisticTraceAnalysis's rule for event records).
 * - **Inferred sync** (Kineto's cudaStreamSynchronize / cudaEventSynchronize carry no stream or event):
 *   among the process's ops launched before the call, the one whose observed end is latest at or
 *   before the call's observed end. Limits: a sync on an idle stream names whatever op of another
 *   stream ended last before it returned (harmless: that op had ended anyway, so replay waits for a
 *   finished op only if the model makes it later); two streams ending in the same ns tie-break on the
 *   later launch, then the larger corr.
 * - **Inferred wait** (Kineto's cudaStreamWaitEvent carries neither stream nor event): the waiting op
 *   X is the next op launched by the same CPU thread after the wait call; the awaited op Y is, on X's
 *   GPU and another stream, an op launched before the wait call with the latest observed end at or
 *   before X's observed start. The row is (`agent` X's GPU, `stream` X's stream, `corr` Y's corr, `ts`
 *   the wait call's) named `derived:stream-wait`. Limits: an event recorded long before (whose op
 *   ended early) is replaced by a later-ending op of the same stream, which is a stricter dependency
 *   only when the model moves that op; a wait whose X started before any other stream's op ended is
 *   dropped (counted `wait:nothing ended before the waiting op`): it did not delay X.
 * Recorded waits keep the runtime call's name. When several ops share a corr (a graph launch), a row's
 * corr names all of them (replay waits for the last).
 */
import { grownTo, nextCapacity } from '../../common/growable.ts';
import type { RowSink } from '../format.ts';
import type { Ns } from '../trace/units.ts';
import { clearRow, emptyRow } from '../trace/writer.ts';
import type { RuntimeCallKind } from './runtime-calls.ts';

/** Where derived rows go: a reader's staging run (append) and the ingest's unmapped counts. */
export type DerivedRowSink = Pick<RowSink, 'append' | 'unmapped'>;

/** What a source records about one synchronising or waiting call (keyed by the call's corr). */
export interface RecordedSync {
  /** The GPU the call concerns (`gpu<n>` as the reader names it). */
  gpu: string;
  /** The stream synchronised (stream sync) or the waiting stream (stream wait); null = not recorded. */
  stream: number | null;
  /** Kineto `wait_on_stream`: the stream the awaited event was recorded on (null or negative = not recorded). */
  waitOnStream?: number | null;
  /** Kineto `wait_on_cuda_event_record_corr_id`: the corr of the cudaEventRecord call (null or negative = not recorded). */
  recordCorr?: number | null;
}

const KINDS: readonly RuntimeCallKind[] = ['launch', 'memcpy-sync', 'device-sync', 'stream-sync', 'event-sync', 'other-sync', 'stream-wait', 'event-record'];
const KIND_CODE = new Map(KINDS.map((k, i) => [k, i]));
const K = Object.fromEntries(KINDS.map((k, i) => [k, i])) as Record<RuntimeCallKind, number>;

/** Interned strings of one column. */
class Strings {
  readonly values: string[] = [];
  private readonly codes = new Map<string, number>();
  code(s: string): number {
    let c = this.codes.get(s);
    if (c === undefined) { c = this.values.length; this.values.push(s); this.codes.set(s, c); }
    return c;
  }
}

/** Ops of one (process, GPU, stream), sorted by observed end and by launch. */
interface StreamGroup {
  cpu: number;
  gpu: number;
  stream: number;
  /** op indices by (end, launch, corr, index) */
  byEnd: Int32Array;
  ends: Float64Array;
  /** op indices by (launch, index) */
  byLaunch: Int32Array;
  launches: Float64Array;
}

export class StreamDependencies {
  private readonly agents = new Strings();
  private readonly names = new Strings();
  // runtime calls
  private nCalls = 0;
  private cTs = new Float64Array(0);
  private cEnd = new Float64Array(0);
  private cCorr = new Float64Array(0);
  private cAgent = new Int32Array(0);
  private cThread = new Int32Array(0);
  private cName = new Int32Array(0);
  private cKind = new Uint8Array(0);
  // GPU ops
  private nOps = 0;
  private oTs = new Float64Array(0);
  private oEnd = new Float64Array(0);
  private oCorr = new Float64Array(0);
  private oGpu = new Int32Array(0);
  private oStream = new Float64Array(0);
  /** per CPU agent code + ':' + corr; a handful per trace (one per recorded sync) */
  private readonly recordedSyncs = new Map<string, RecordedSync>();

  /** A runtime call (any kind: launches are needed to place GPU ops, syncs and waits become rows). */
  call(agent: string, thread: number, ts: number, dur: number | null, corr: number | null, kind: RuntimeCallKind, name: string): void {
    const i = this.nCalls++;
    if (i >= this.cTs.length) {
      const n = nextCapacity(this.cTs.length, i + 1, 1024);
      this.cTs = grownTo(this.cTs, n); this.cEnd = grownTo(this.cEnd, n); this.cCorr = grownTo(this.cCorr, n);
      this.cAgent = grownTo(this.cAgent, n); this.cThread = grownTo(this.cThread, n); this.cName = grownTo(this.cName, n); this.cKind = grownTo(this.cKind, n);
    }
    this.cTs[i] = ts; this.cEnd[i] = ts + (dur ?? 0); this.cCorr[i] = corr ?? Number.NaN;
    this.cAgent[i] = this.agents.code(agent); this.cThread[i] = thread; this.cName[i] = this.names.code(name); this.cKind[i] = KIND_CODE.get(kind)!;
  }

  /** A GPU op (kernel, copy, memset) on `gpu` (e.g. `gpu0`), `stream` null when the source does not say. */
  gpuOp(gpu: string, stream: number | null, ts: number, dur: number | null, corr: number | null): void {
    const i = this.nOps++;
    if (i >= this.oTs.length) {
      const n = nextCapacity(this.oTs.length, i + 1, 1024);
      this.oTs = grownTo(this.oTs, n); this.oEnd = grownTo(this.oEnd, n); this.oCorr = grownTo(this.oCorr, n);
      this.oGpu = grownTo(this.oGpu, n); this.oStream = grownTo(this.oStream, n);
    }
    this.oTs[i] = ts; this.oEnd[i] = ts + (dur ?? 0); this.oCorr[i] = corr ?? Number.NaN;
    this.oGpu[i] = this.agents.code(gpu); this.oStream[i] = stream ?? Number.NaN;
  }

  /** What the source recorded about the call of process `agent` with correlation id `corr`. */
  recorded(agent: string, corr: number, info: RecordedSync): void {
    this.recordedSyncs.set(`${this.agents.code(agent)}:${corr}`, info);
  }

  /** Appends the `sync` and `wait` rows (in call order) to `sink`; counts what it could not resolve. */
  emit(sink: DerivedRowSink): void {
    new Resolver(this, sink).run();
  }

  /** @internal read access for the resolver */
  get store() {
    return {
      nCalls: this.nCalls, cTs: this.cTs, cEnd: this.cEnd, cCorr: this.cCorr, cAgent: this.cAgent, cThread: this.cThread, cName: this.cName, cKind: this.cKind,
      nOps: this.nOps, oTs: this.oTs, oEnd: this.oEnd, oCorr: this.oCorr, oGpu: this.oGpu, oStream: this.oStream,
      agents: this.agents, names: this.names, recordedSyncs: this.recordedSyncs,
    };
  }
}

/** Last index i in [0, n) with keys[i] ≤ x (or < x when strict), −1 when none. */
function lastAtOrBefore(keys: Float64Array, x: number, strict: boolean): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (strict ? keys[mid]! < x : keys[mid]! <= x) lo = mid + 1; else hi = mid;
  }
  return lo - 1;
}

class Resolver {
  private readonly s;
  private readonly row = emptyRow();
  /** op → its launch call (−1 when the source has no call with its corr) */
  private readonly launchOf: Int32Array;
  private readonly launchTs: Float64Array;
  /** per agent code: corr → first op (by ts, then index) */
  private readonly firstOpOfCorr = new Map<number, Map<number, number>>();
  /** per agent code: corr → the op that ends last (a graph launch has several) */
  private readonly lastOpOfCorr = new Map<number, Map<number, number>>();
  /** per agent code: corr → call index */
  private readonly callOfCorr = new Map<number, Map<number, number>>();
  private readonly groups: StreamGroup[] = [];
  /** per (agent, thread): its launch calls that have a GPU op, by (ts, index) */
  private readonly threadLaunches = new Map<string, { calls: Int32Array; ts: Float64Array }>();

  constructor(deps: StreamDependencies, private readonly sink: DerivedRowSink) {
    this.s = deps.store;
    const s = this.s;
    for (let c = 0; c < s.nCalls; c++) {
      const corr = s.cCorr[c]!;
      if (Number.isNaN(corr)) continue;
      let m = this.callOfCorr.get(s.cAgent[c]!);
      if (!m) this.callOfCorr.set(s.cAgent[c]!, m = new Map());
      if (!m.has(corr)) m.set(corr, c);
    }
    this.launchOf = new Int32Array(s.nOps).fill(-1);
    this.launchTs = new Float64Array(s.nOps);
    const opAgent = new Int32Array(s.nOps).fill(-1);
    for (let o = 0; o < s.nOps; o++) {
      const corr = s.oCorr[o]!;
      let launch = -1;
      if (!Number.isNaN(corr)) {
        // A corr belongs to one process; the first process (by code) that has a launch call with it.
        for (const [agent, m] of this.callOfCorr) {
          const c = m.get(corr);
          if (c !== undefined && (s.cKind[c] === K.launch || s.cKind[c] === K['memcpy-sync'])) { launch = c; opAgent[o] = agent; break; }
        }
      }
      this.launchOf[o] = launch;
      this.launchTs[o] = launch >= 0 ? s.cTs[launch]! : s.oTs[o]!;
      if (launch >= 0) {
        let m = this.firstOpOfCorr.get(opAgent[o]!);
        if (!m) this.firstOpOfCorr.set(opAgent[o]!, m = new Map());
        const prev = m.get(corr);
        if (prev === undefined || s.oTs[o]! < s.oTs[prev]!) m.set(corr, o);
        let l = this.lastOpOfCorr.get(opAgent[o]!);
        if (!l) this.lastOpOfCorr.set(opAgent[o]!, l = new Map());
        const last = l.get(corr);
        if (last === undefined || s.oEnd[o]! > s.oEnd[last]!) l.set(corr, o);
      }
    }
    this.buildGroups(opAgent);
    this.buildThreadLaunches();
  }

  private buildGroups(opAgent: Int32Array): void {
    const s = this.s;
    const members = new Map<string, number[]>();
    for (let o = 0; o < s.nOps; o++) {
      const key = `${opAgent[o]}|${s.oGpu[o]}|${Number.isNaN(s.oStream[o]!) ? -1 : s.oStream[o]}`;
      let list = members.get(key);
      if (!list) members.set(key, list = []);
      list.push(o);
    }
    // Group order is the first op's order: deterministic for a given source.
    for (const list of members.values()) {
      const first = list[0]!;
      const byEnd = Int32Array.from(list).sort((a, b) => s.oEnd[a]! - s.oEnd[b]! || this.launchTs[a]! - this.launchTs[b]! || (s.oCorr[a]! - s.oCorr[b]! || 0) || a - b);
      const byLaunch = Int32Array.from(list).sort((a, b) => this.launchTs[a]! - this.launchTs[b]! || a - b);
      this.groups.push({
        cpu: opAgent[first]!, gpu: s.oGpu[first]!, stream: Number.isNaN(s.oStream[first]!) ? -1 : s.oStream[first]!,
        byEnd, ends: Float64Array.from(byEnd, (o) => s.oEnd[o]!),
        byLaunch, launches: Float64Array.from(byLaunch, (o) => this.launchTs[o]!),
      });
    }
  }

  private buildThreadLaunches(): void {
    const s = this.s;
    const lists = new Map<string, number[]>();
    for (let o = 0; o < s.nOps; o++) {
      const c = this.launchOf[o]!;
      if (c < 0 || this.firstOpOfCorr.get(s.cAgent[c]!)?.get(s.cCorr[c]!) !== o) continue;
      const key = `${s.cAgent[c]}|${s.cThread[c]}`;
      let list = lists.get(key);
      if (!list) lists.set(key, list = []);
      list.push(c);
    }
    for (const [key, list] of lists) {
      const calls = Int32Array.from(list).sort((a, b) => s.cTs[a]! - s.cTs[b]! || a - b);
      this.threadLaunches.set(key, { calls, ts: Float64Array.from(calls, (c) => s.cTs[c]!) });
    }
  }

  run(): void {
    const s = this.s;
    for (let c = 0; c < s.nCalls; c++) {
      switch (s.cKind[c]) {
        case K['memcpy-sync']: this.memcpySync(c); break;
        case K['device-sync']: this.deviceSync(c); break;
        case K['stream-sync']: this.streamOrEventSync(c, 'stream'); break;
        case K['event-sync']: this.streamOrEventSync(c, 'event'); break;
        case K['other-sync']: this.syncRow(c, null, null); break;
        case K['stream-wait']: this.streamWait(c); break;
        default:
      }
    }
  }

  // ---- syncs ----

  private memcpySync(c: number): void {
    const op = this.opOfCall(c);
    if (op < 0) { this.sink.unmapped('sync:synchronous memcpy without its copy in the trace'); return; }
    this.syncRow(c, this.s.oCorr[op]!, null);
  }

  private deviceSync(c: number): void {
    const rec = this.recordedOf(c);
    this.syncRow(c, null, rec?.gpu ?? this.threadGpu(c));
  }

  private streamOrEventSync(c: number, what: 'stream' | 'event'): void {
    const s = this.s;
    const rec = this.recordedOf(c);
    let op = -1;
    if (rec) {
      if (what === 'stream' && rec.stream !== null && rec.stream >= 0) {
        op = this.lastLaunchedOn(s.cAgent[c]!, s.agents.code(rec.gpu), rec.stream, s.cTs[c]!, true);
        if (op < 0) { this.sink.unmapped('sync:nothing launched on the recorded stream'); return; }
      } else if (what === 'event') {
        op = this.eventOp(c, rec);
      }
    }
    if (op < 0) op = this.latestEnded(s.cAgent[c]!, s.cEnd[c]!, s.cTs[c]!, -1, -1);
    if (op < 0) { this.sink.unmapped(`sync:${what} sync with no GPU op ended before it`); return; }
    this.syncRow(c, s.oCorr[op]!, null);
  }

  private syncRow(c: number, corr: number | null, peer: string | null): void {
    const s = this.s;
    const r = this.row;
    clearRow(r);
    r.ts = s.cTs[c]! as Ns;
    r.dur = (s.cEnd[c]! - s.cTs[c]!) as Ns;
    r.op = 'sync';
    r.agent = s.agents.values[s.cAgent[c]!]!;
    r.stream = s.cThread[c]!;
    r.corr = corr;
    r.peer = corr === null ? peer : null;
    r.name = s.names.values[s.cName[c]!]!;
    this.sink.append(r);
  }

  /** The GPU of the thread's latest launch before call c, else its first after, else the process's (or trace's) only GPU. */
  private threadGpu(c: number): string | null {
    const s = this.s;
    const t = this.threadLaunches.get(`${s.cAgent[c]}|${s.cThread[c]}`);
    if (t) {
      const i = lastAtOrBefore(t.ts, s.cTs[c]!, false);
      const call = t.calls[Math.max(i, 0)]!;
      return s.agents.values[s.oGpu[this.opOfCall(call)]!]!;
    }
    const own = new Set<number>();
    const all = new Set<number>();
    for (const g of this.groups) { all.add(g.gpu); if (g.cpu === s.cAgent[c]) own.add(g.gpu); }
    const only = own.size === 1 ? own : all.size === 1 ? all : null;
    return only ? s.agents.values[[...only][0]!]! : null;
  }

  // ---- waits ----

  private streamWait(c: number): void {
    const s = this.s;
    const rec = this.recordedOf(c);
    if (rec && rec.stream !== null && rec.stream >= 0) {
      const y = this.eventOp(c, rec);
      if (y >= 0) { this.waitRow(c, rec.gpu, rec.stream, y, s.names.values[s.cName[c]!]!); return; }
    }
    const x = this.nextLaunchedOp(c);
    if (x < 0) { this.sink.unmapped('wait:no later launch on its thread'); return; }
    if (Number.isNaN(s.oStream[x]!)) { this.sink.unmapped('wait:waiting op has no stream'); return; }
    const y = this.latestEnded(s.cAgent[c]!, s.oTs[x]!, s.cTs[c]!, s.oGpu[x]!, s.oStream[x]!);
    if (y < 0) { this.sink.unmapped('wait:nothing ended before the waiting op'); return; }
    this.waitRow(c, s.agents.values[s.oGpu[x]!]!, s.oStream[x]!, y, 'derived:stream-wait');
  }

  private waitRow(c: number, gpu: string, stream: number, y: number, name: string): void {
    const s = this.s;
    const r = this.row;
    clearRow(r);
    r.ts = s.cTs[c]! as Ns;
    r.op = 'wait';
    r.agent = gpu;
    r.stream = stream;
    r.corr = s.oCorr[y]!;
    r.name = name;
    this.sink.append(r);
  }

  /** The first GPU op launched by call c's thread after call c (by ts, then source order). */
  private nextLaunchedOp(c: number): number {
    const s = this.s;
    const t = this.threadLaunches.get(`${s.cAgent[c]}|${s.cThread[c]}`);
    if (!t) return -1;
    let i = lastAtOrBefore(t.ts, s.cTs[c]!, true) + 1;
    while (i < t.calls.length && t.ts[i] === s.cTs[c] && t.calls[i]! < c) i++;
    return i < t.calls.length ? this.opOfCall(t.calls[i]!) : -1;
  }

  // ---- recorded events ----

  /** The op an event names: the last launched on `waitOnStream` at or before its record call, else the recording thread's last launch. */
  private eventOp(c: number, rec: RecordedSync): number {
    const s = this.s;
    const agent = s.cAgent[c]!;
    const recordCall = rec.recordCorr !== null && rec.recordCorr !== undefined && rec.recordCorr >= 0 ? this.callOfCorr.get(agent)?.get(rec.recordCorr) : undefined;
    const at = recordCall === undefined ? s.cTs[c]! : s.cTs[recordCall]!;
    if (rec.waitOnStream !== null && rec.waitOnStream !== undefined && rec.waitOnStream >= 0) {
      return this.lastLaunchedOn(agent, s.agents.code(rec.gpu), rec.waitOnStream, at, false);
    }
    if (recordCall === undefined) return -1;
    const t = this.threadLaunches.get(`${agent}|${s.cThread[recordCall]}`);
    if (!t) return -1;
    const i = lastAtOrBefore(t.ts, at, false);
    return i < 0 ? -1 : this.lastOpOfCall(t.calls[i]!);
  }

  // ---- queries ----

  private recordedOf(c: number): RecordedSync | undefined {
    const corr = this.s.cCorr[c]!;
    return Number.isNaN(corr) ? undefined : this.s.recordedSyncs.get(`${this.s.cAgent[c]}:${corr}`);
  }

  private opOfCall(c: number): number {
    const corr = this.s.cCorr[c]!;
    return Number.isNaN(corr) ? -1 : this.firstOpOfCorr.get(this.s.cAgent[c]!)?.get(corr) ?? -1;
  }

  /** The op of call c that ends last (graph launches have several). */
  private lastOpOfCall(c: number): number {
    const corr = this.s.cCorr[c]!;
    return Number.isNaN(corr) ? -1 : this.lastOpOfCorr.get(this.s.cAgent[c]!)?.get(corr) ?? -1;
  }

  /** The last op launched on (gpu, stream) by process `agent` (or with no known launch) before `at` (at or before when not strict). */
  private lastLaunchedOn(agent: number, gpu: number, stream: number, at: number, strict: boolean): number {
    let best = -1;
    for (const g of this.groups) {
      if ((g.cpu !== agent && g.cpu !== -1) || g.gpu !== gpu || g.stream !== stream) continue;
      const i = lastAtOrBefore(g.launches, at, strict);
      if (i >= 0 && (best < 0 || this.later(g.byLaunch[i]!, best, this.launchTs))) best = g.byLaunch[i]!;
    }
    return best;
  }

  /**
   * Among process `agent`'s ops launched before `launchedBefore` (on `gpu` and not on `notStream` when
   * those are ≥ 0), the one with the latest observed end at or before `endBy`.
   */
  private latestEnded(agent: number, endBy: number, launchedBefore: number, gpu: number, notStream: number): number {
    const s = this.s;
    let best = -1;
    for (const g of this.groups) {
      if ((g.cpu !== agent && g.cpu !== -1) || (gpu >= 0 && (g.gpu !== gpu || g.stream === notStream))) continue;
      let i = lastAtOrBefore(g.ends, endBy, false);
      // Ops launched during the call (by another thread) did not exist when it was made.
      while (i >= 0 && this.launchTs[g.byEnd[i]!]! >= launchedBefore) i--;
      if (i < 0) continue;
      const o = g.byEnd[i]!;
      if (best < 0 || this.later(o, best, s.oEnd)) best = o;
    }
    return best;
  }

  /** Whether op a comes after op b by `key`, then launch, then corr, then source order. */
  private later(a: number, b: number, key: Float64Array): boolean {
    const s = this.s;
    return key[a]! !== key[b]! ? key[a]! > key[b]!
      : this.launchTs[a]! !== this.launchTs[b]! ? this.launchTs[a]! > this.launchTs[b]!
        : s.oCorr[a]! !== s.oCorr[b]! ? s.oCorr[a]! > s.oCorr[b]! : a > b;
  }
}
