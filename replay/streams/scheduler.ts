/**
 * Stream-ordered replay (docs/model.md, "Stream-ordered replay"): the engine hands this scheduler the
 * rows of a trace that carries a `stream` column, and it replays them as the hardware orders them.
 *
 * - GPU ops (`kernel`, `copy`, `memset` rows with a `stream`) run in order on their (device, stream),
 *   no earlier than their launch (the CPU `submit` row with the same `corr`, moved by its thread's
 *   shift) and the ends of the ops `wait` rows name; the observed slack is kept (ready-rule.ts).
 * - Kernels keep their observed compute time plus the stall the memory model adds while they run
 *   (open-kernels.ts); copies are costed on the platform's links (memory/explicit-ops.ts `copy`, with
 *   the pinned staging bounce of pageable host memory); memsets at device-memory bandwidth
 *   (op-costs.ts).
 * - CPU threads have their own shifts (cpu-threads.ts); a `sync` blocks its thread until the GPU work
 *   it names ends (modeled), keeping the observed tail of the call (sync-rule.ts).
 *
 * Dependencies on ops are found by correlation id in bounded tables (corr-table.ts). A `sync` is
 * resolved lazily, at its thread's next row (the call returned at R = ts + dur, and everything it
 * waited for ended before R, so those ops have been replayed by then). A `wait` is resolved at the next
 * op on its stream for the same reason.
 *
 * The engine calls `before()` for every row (access rows entering their kernel) and `schedule()` after
 * the fault-batch check; nothing here runs for a trace without a `stream` column.
 */
import { OPS, type Op } from '../../ingest/trace/schema.ts';
import type { TraceBatch } from '../../ingest/trace/reader.ts';
import { AGENT_CPU, AGENT_GPU } from '../memory/kinds.ts';
import type { MemoryModel } from '../memory/memory-model.ts';
import { CorrTable } from './corr-table.ts';
import { CpuThreads } from './cpu-threads.ts';
import { memsetEnd } from './op-costs.ts';
import { OpenKernels } from './open-kernels.ts';
import { latest, modeledStart } from './ready-rule.ts';
import { StreamQueues } from './stream-queues.ts';
import { modeledReturn } from './sync-rule.ts';

const op = (o: Op) => OPS.indexOf(o);
const OP_READ = op('read'), OP_ATOMIC = op('atomic'), OP_KERNEL = op('kernel'), OP_COPY = op('copy'), OP_MEMSET = op('memset');
const OP_SUBMIT = op('submit'), OP_SYNC = op('sync'), OP_WAIT = op('wait');

/** The GPU op kinds a `StreamObserver` sees. */
export type StreamOpKind = 'kernel' | 'copy' | 'memset';

/** Sees every GPU op's modeled span once it is final (kernels when their observed end is passed). */
export type StreamObserver = (kind: StreamOpKind, agent: string, stream: number, corr: number, start: number, end: number) => void;

/** What the scheduler needs of the engine's per-batch row tables. */
export interface StreamRowAccess {
  /** platform agent of row i's `peer` (-1 when none) */
  peerOf(i: number): number;
  /** event-log id of row i's `obj` (-1 when none) */
  objOf(i: number): number;
}

/** A device-wide `sync` (cudaDeviceSynchronize): per stream, the last op launched before the call. */
interface DeviceWait { gpu: number; t: number; ret: number; endObs: Map<number, number>; endMod: Map<number, number>; corr: Map<number, number> }

export class StreamScheduler {
  /** true once a row with a `stream` has been seen: from then on rows replay stream-ordered */
  active = false;
  readonly launches = new CorrTable();
  readonly ends = new CorrTable();
  readonly queues = new StreamQueues();
  readonly kernels: OpenKernels;
  readonly threads: CpuThreads;
  /** pending `sync` per thread (index = thread): observed call time, its modeled time, observed return, awaited corr */
  private syncT = new Float64Array(0);
  private syncTMod = new Float64Array(0);
  private syncRet = new Float64Array(0);
  private syncCorr = new Float64Array(0);
  private readonly syncDevice: (DeviceWait | null | undefined)[] = [];
  private readonly deviceWaits: DeviceWait[] = [];
  private stream: Float64Array = new Float64Array(0);
  private corr: Float64Array = new Float64Array(0);
  private durs: Float64Array = new Float64Array(0);
  private bytes: Float64Array = new Float64Array(0);
  private memc: Int32Array = new Int32Array(0);
  private pageable = -1;
  private rows: StreamRowAccess = { peerOf: () => -1, objOf: () => -1 };
  /** GPU ops scheduled, by kind, and the latest observed end of any scheduled row (summary `stream_order`) */
  private nKernels = 0;
  private nCopies = 0;
  private nMemsets = 0;
  private observedEnd = 0;

  constructor(private readonly model: MemoryModel, private readonly observer?: StreamObserver) {
    const A = model.index.agentNames.length;
    this.kernels = new OpenKernels(A);
    this.threads = new CpuThreads(A);
  }

  /** Starts a batch; returns true when its rows replay stream-ordered. */
  batch(b: TraceBatch, rows: StreamRowAccess): boolean {
    if (!this.active) {
      const col = b.batch.getChild('stream');
      if (!col || col.nullCount === col.length) return false;
      this.active = true;
    }
    this.stream = b.num('stream');
    this.corr = b.num('corr');
    this.durs = b.num('dur');
    this.bytes = b.num('bytes');
    this.memc = b.codes('mem');
    this.pageable = b.dictionary('mem').indexOf('pageable');
    this.rows = rows;
    return true;
  }

  /** Before the engine's fault-batch check: an access that carries a kernel's correlation id runs at
   * that kernel's shifted time (the batch check compares modeled times). */
  before(i: number, o: number, a: number): void {
    if (o >= OP_READ && o <= OP_ATOMIC && this.model.index.agentKind[a] === AGENT_GPU) {
      const c = this.corr[i]!;
      if (c === c) this.kernels.enter(a, c, this.model.clocks.delay, this.model.clocks.stall);
    }
  }

  /** Replays row i when it is a stream-ordered op (true: the engine skips it), or notes a launch (false). */
  schedule(i: number, o: number, a: number, ts: number): boolean {
    // After the fault-batch check: a serviced batch has added its stall to the kernels it delays.
    if (ts >= this.kernels.due) this.closeDue(ts);
    const gpuOp = o === OP_KERNEL || o === OP_COPY || o === OP_MEMSET;
    if (gpuOp && this.stream[i]! === this.stream[i]!) return this.gpuOp(i, o, a, ts, this.stream[i]!);
    const kind = this.model.index.agentKind[a]!;
    if (kind === AGENT_CPU) this.threadRow(i, a, ts);
    if (gpuOp) return false;
    if (o === OP_SUBMIT) {
      const c = this.corr[i]!;
      if (c === c && kind === AGENT_CPU) this.launches.set(c, ts, ts + this.model.clocks.delay[a]!);
      return false;
    }
    if (o === OP_WAIT) {
      const s = this.stream[i]!;
      const c = this.corr[i]!;
      if (c === c) this.queues.waits[this.queues.of(a, s === s ? s : 0)]!.push(c);
      return true;
    }
    if (o === OP_SYNC && kind === AGENT_CPU) { this.registerSync(i, a, ts); return true; }
    return false;
  }

  /** Ends the run: closes open kernels, resolves pending syncs, and leaves in `delay`/`traceFrontier` of
   * each CPU agent its latest-ending thread, so the model's `finish()` notes the run's end. */
  finish(): void {
    if (!this.active) return;
    const m = this.model;
    const th = this.threads;
    this.closeDue(Number.POSITIVE_INFINITY);
    th.save(m.clocks.delay);
    for (let t = 0; t < this.syncT.length; t++) if (this.syncT[t] === this.syncT[t]) th.shift[t] = this.syncShift(t);
    m.modelStats.streamOrder = {
      kernels: this.nKernels, copies: this.nCopies, memsets: this.nMemsets,
      streams: this.queues.count, cpu_threads: th.count, observed_end_ns: this.observedEnd,
    };
    const best = new Float64Array(th.current.length).fill(Number.NEGATIVE_INFINITY);
    for (let t = 0; t < th.count; t++) {
      const a = th.agent[t]!;
      const end = th.frontier[t]! + th.shift[t]!;
      if (end > best[a]!) { best[a] = end; m.clocks.delay[a] = th.shift[t]!; m.clocks.traceFrontier[a] = th.frontier[t]!; }
    }
  }

  /** A CPU row: its thread's clock becomes the agent's; the thread's pending sync returns first. */
  private threadRow(i: number, a: number, ts: number): void {
    const s = this.stream[i]!;
    const t = this.threads.use(a, s === s ? s : 0, this.model.clocks.delay);
    if (t < this.syncT.length && this.syncT[t] === this.syncT[t]) this.resolveSync(t, a);
    const d = this.durs[i]!;
    const end = d === d ? ts + d : ts;
    if (end > this.threads.frontier[t]!) this.threads.frontier[t] = end;
    if (end > this.observedEnd) this.observedEnd = end;
  }

  // ---------------------------------------------------------------- GPU ops

  private gpuOp(i: number, o: number, a: number, ts: number, s: number): boolean {
    const m = this.model;
    const idx = m.index;
    let g = a;
    if (idx.agentKind[a] !== AGENT_GPU) {
      // A copy is named by its source agent (HtoD: the CPU); it runs on the GPU's stream.
      const p = o === OP_COPY ? this.rows.peerOf(i) : -1;
      if (p < 0 || idx.agentKind[p] !== AGENT_GPU) return false;
      g = p;
    }
    const q = this.queues.of(g, s);
    const c = this.corr[i]!;
    let lObs = Number.NaN, lMod = Number.NaN;
    if (c === c) { const k = this.launches.slot(c); if (k >= 0) { lObs = this.launches.obs[k]!; lMod = this.launches.mod[k]!; } }
    let wObs = Number.NaN, wMod = Number.NaN;
    const waits = this.queues.waits[q]!;
    if (waits.length > 0) {
      for (const w of waits) {
        const k = this.ends.slot(w);
        if (k < 0) continue;
        if (!(this.ends.obs[k]! <= wObs)) wObs = this.ends.obs[k]!;
        if (!(this.ends.mod[k]! <= wMod)) wMod = this.ends.mod[k]!;
      }
      waits.length = 0;
    }
    const start = modeledStart(ts, latest(lObs, this.queues.endObs[q]!, wObs), latest(lMod, this.queues.endMod[q]!, wMod));
    const d = this.durs[i]! === this.durs[i]! ? this.durs[i]! : 0;
    if (ts + d > this.observedEnd) this.observedEnd = ts + d;
    let end: number;
    if (o === OP_KERNEL) {
      this.nKernels++;
      const K = this.kernels;
      if (!K.open(c, q, g, ts, start, d, m.clocks.stall[g]!)) { this.close(0); K.open(c, q, g, ts, start, d, m.clocks.stall[g]!); }
      m.clocks.delay[g] = start - ts;
      K.entering(g, c);
      end = start + d; // raised by the stall while it runs, when it closes
    } else {
      const by = this.bytes[i]!;
      const gm = idx.agentMem[g]!;
      if (o === OP_MEMSET) {
        this.nMemsets++;
        end = memsetEnd(m, gm, start, by, d);
        m.events.emit(start, end - start, m.ids.kind.memset, idx.agentEventId[g]!, gm >= 0 ? idx.memEventId[gm]! : -1, gm >= 0 ? idx.memEventId[gm]! : -1, Number.NaN, by === by ? by : 0, -1, -1);
      } else {
        this.nCopies++;
        const src = idx.agentMem[a]!;
        const p = this.rows.peerOf(i);
        const dst = p >= 0 ? idx.agentMem[p]! : src;
        if (src < 0 || dst < 0) end = start + d; // a device the platform has no memory for: as observed
        else {
          // The `mem` of a copy is its host side's memory kind: pageable host memory goes through the
          // runtime's pinned staging buffer (explicit-ops.ts).
          const staged = this.memc[i]! >= 0 && this.memc[i]! === this.pageable ? (idx.agentKind[a] === AGENT_CPU ? src : dst) : -1;
          end = m.copy(a, start, src, dst, by === by ? by : 0, this.rows.objOf(i), staged);
        }
      }
      this.observer?.(o === OP_MEMSET ? 'memset' : 'copy', idx.agentNames[g]!, s, c, start, end);
    }
    m.clocks.noteEnd(end);
    this.queues.ended(q, c, ts + d, end);
    if (c === c) this.ends.setMax(c, ts + d, end);
    for (const w of this.deviceWaits) {
      if (w.gpu >= 0 && w.gpu !== g) continue;
      if (lObs === lObs ? lObs < w.t : ts < w.ret) { w.endObs.set(q, ts + d); w.endMod.set(q, end); w.corr.set(q, c); }
    }
    return true;
  }

  /** Closes every open kernel whose observed end is at or before `ts`. */
  private closeDue(ts: number): void {
    const K = this.kernels;
    while (K.count > 0 && K.due <= ts) {
      for (let k = 0; k < K.count; k++) if (K.startObs[k]! + K.dur[k]! === K.due) { this.close(k); break; }
    }
  }

  private close(k: number): void {
    const K = this.kernels;
    const m = this.model;
    const g = K.agent[k]!;
    const endObs = K.startObs[k]! + K.dur[k]!;
    const end = K.startMod[k]! + K.dur[k]! + (m.clocks.stall[g]! - K.stall0[k]!);
    const q = K.queue[k]!;
    const c = K.corr[k]!;
    this.queues.raise(q, end);
    if (c === c) this.ends.setMax(c, endObs, end);
    for (const w of this.deviceWaits) if (w.corr.get(q) === c && c === c) { const e = w.endMod.get(q)!; if (end > e) w.endMod.set(q, end); }
    m.clocks.noteEnd(end);
    m.events.emit(K.startMod[k]!, end - K.startMod[k]!, m.ids.kind.kernel, m.index.agentEventId[g]!, -1, -1, Number.NaN, 0, -1, -1);
    this.observer?.('kernel', m.index.agentNames[g]!, this.queues.stream[q]!, c, K.startMod[k]!, end);
    K.remove(k);
  }

  // ---------------------------------------------------------------- CPU synchronisation

  private registerSync(i: number, a: number, ts: number): void {
    const t = this.threads.current[a]!;
    if (t >= this.syncT.length) this.growSyncs(this.threads.shift.length);
    const d = this.durs[i]!;
    this.syncT[t] = ts;
    this.syncTMod[t] = ts + this.model.clocks.delay[a]!;
    this.syncRet[t] = d === d ? ts + d : ts;
    const c = this.corr[i]!;
    this.syncCorr[t] = c;
    if (c === c) { this.syncDevice[t] = null; return; }
    // Without a correlation id: every op launched before the call on the named GPU, or on every GPU.
    const w: DeviceWait = { gpu: this.rows.peerOf(i), t: ts, ret: this.syncRet[t]!, endObs: new Map(), endMod: new Map(), corr: new Map() };
    // Ops already replayed count with their stream's current end (they were launched before the call).
    for (let q = 0; q < this.queues.count; q++) {
      if (w.gpu >= 0 && this.queues.agent[q] !== w.gpu) continue;
      if (this.queues.endObs[q]! === this.queues.endObs[q]!) { w.endObs.set(q, this.queues.endObs[q]!); w.endMod.set(q, this.queues.endMod[q]!); w.corr.set(q, this.queues.lastCorr[q]!); }
    }
    this.syncDevice[t] = w;
    this.deviceWaits.push(w);
  }

  private growSyncs(n: number): void {
    const grow = (x: Float64Array) => { const y = new Float64Array(n).fill(Number.NaN); y.set(x); return y; };
    this.syncT = grow(this.syncT); this.syncTMod = grow(this.syncTMod); this.syncRet = grow(this.syncRet); this.syncCorr = grow(this.syncCorr);
  }

  /** The thread's shift after its pending sync returns (sync-rule.ts); clears the pending sync. */
  private syncShift(t: number): number {
    let wObs = Number.NaN, wMod = Number.NaN;
    const c = this.syncCorr[t]!;
    const w = this.syncDevice[t];
    if (c === c) {
      const k = this.ends.slot(c);
      if (k >= 0) { wObs = this.ends.obs[k]!; wMod = this.ends.mod[k]!; }
    } else if (w) {
      for (const [q, obs] of w.endObs) {
        if (!(obs <= wObs)) wObs = obs;
        const e = w.endMod.get(q)!;
        if (!(e <= wMod)) wMod = e;
      }
      this.deviceWaits.splice(this.deviceWaits.indexOf(w), 1);
    }
    const ret = this.syncRet[t]!;
    const retMod = modeledReturn(this.syncT[t]!, this.syncTMod[t]!, ret, wObs, wMod);
    this.model.clocks.noteEnd(retMod);
    this.syncT[t] = Number.NaN;
    this.syncDevice[t] = null;
    return retMod - ret;
  }

  private resolveSync(t: number, a: number): void {
    this.model.clocks.delay[a] = this.syncShift(t);
  }
}
