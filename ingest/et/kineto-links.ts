/**
 * The part of a Kineto trace an Execution Trace needs: which GPU activities (kernels, memsets, memcpys)
 * each ET op launched, and when the op ran on the CPU.
 *
 * Links, as PyTorch and HTA use them: an ET node is a Kineto `cpu_op`/`user_annotation` event
 * (et/op-matching.ts decides which); a runtime launch (`cuda_runtime`/`cuda_driver`) belongs to the innermost CPU op that
 * encloses it on the same thread (time nesting: the profiler's own call stack, which HTA's
 * `CallGraph` rebuilds the same way); a GPU activity belongs to the launch with the same `correlation`
 * (CUPTI's correlation id, also drawn as the `ac2g` flow).
 *
 * Streamed with the project's JSON scanner; memory is a few numbers per kept event (CPU ops, runtime
 * calls, GPU activities), not the document.
 */
import { BadInputError } from '../../common/bad-input.ts';
import { sourceChunks } from '../io/byte-stream.ts';
import { TraceJsonScanner } from '../io/json-scanner.ts';
import { durationNs, localNs } from '../kineto/timestamp.ts';

/** Kineto categories of GPU work an ET op's kernels come from. */
const GPU_CATS = new Set(['kernel', 'gpu_memset', 'gpu_memcpy']);
const RUNTIME_CATS = new Set(['cuda_runtime', 'cuda_driver']);
const CPU_CATS = new Set(['cpu_op', 'user_annotation']);

/** GPU activities and CPU ops (columnar), and which CPU op launched each activity. */
export class KinetoLinks {
  /** µs anchor every `ns` below is relative to (the integer µs of the first timed event) */
  anchorUs = Number.NaN;
  // GPU activities
  readonly gTs: number[] = [];
  readonly gDur: number[] = [];
  readonly gDevice: number[] = [];
  readonly gStream: number[] = [];
  readonly gCorr: number[] = [];
  readonly gName: string[] = [];
  /** index of the CPU op that launched it (-1: no enclosing CPU op) */
  readonly gOwner: number[] = [];
  /** `deviceProperties` (id, name, totalGlobalMem) when the trace has them */
  readonly devices: { id: number; name?: string; memory?: number }[] = [];
  // CPU ops (cpu_op, user_annotation), sorted by start once read
  readonly opStart: number[] = [];
  readonly opEnd: number[] = [];
  /** `Record function id`, else `External id` (NaN when neither) */
  readonly opKey: number[] = [];
  readonly opName: string[] = [];

  /** Activity indices per launching CPU op, in time order. */
  byOwner(): Map<number, number[]> {
    const m = new Map<number, number[]>();
    for (let i = 0; i < this.gTs.length; i++) {
      const k = this.gOwner[i]!;
      if (k < 0) continue;
      let l = m.get(k);
      if (!l) m.set(k, (l = []));
      l.push(i);
    }
    for (const l of m.values()) l.sort((a, b) => this.gTs[a]! - this.gTs[b]! || a - b);
    return m;
  }

  static async read(file: string, progress: (bytes: number) => void = () => {}): Promise<KinetoLinks> {
    const k = new KinetoLinks();
    // CPU ops and runtime calls per thread, for the nesting sweep
    const threads = new Map<string, { ops: number[]; rt: number[] }>();
    const opStart: number[] = [], opEnd: number[] = [], opKey: number[] = [], opName: string[] = [];
    const rtTs: number[] = [], rtCorr: number[] = [];
    const thread = (e: Record<string, unknown>) => {
      const key = `${String(e.pid)}:${String(e.tid)}`;
      let t = threads.get(key);
      if (!t) threads.set(key, (t = { ops: [], rt: [] }));
      return t;
    };
    const scanner = new TraceJsonScanner(file, {
      topLevel: (key, value) => {
        if (key !== 'deviceProperties' || !Array.isArray(value)) return;
        for (const d of value as Record<string, unknown>[]) {
          if (d && typeof d.id === 'number') k.devices.push({ id: d.id, ...(typeof d.name === 'string' ? { name: d.name } : {}), ...(typeof d.totalGlobalMem === 'number' ? { memory: d.totalGlobalMem } : {}) });
        }
      },
      event: (value, text, line) => {
        if (!value || typeof value !== 'object') return;
        const e = value as Record<string, unknown>;
        if (e.ph !== 'X' || typeof e.cat !== 'string' || typeof e.ts !== 'number') return;
        const cat = e.cat;
        const isGpu = GPU_CATS.has(cat), isRt = RUNTIME_CATS.has(cat), isCpu = CPU_CATS.has(cat);
        if (!isGpu && !isRt && !isCpu) return;
        if (k.anchorUs !== k.anchorUs) k.anchorUs = Math.floor(e.ts);
        const ts = localNs(e.ts, k.anchorUs, text);
        if (ts === null) throw new BadInputError(file, line, 'ts', `${e.ts} is out of range`);
        const dur = typeof e.dur === 'number' && e.dur > 0 ? durationNs(e.dur) : 0;
        const args = (e.args && typeof e.args === 'object' ? e.args : {}) as Record<string, unknown>;
        const num = (x: unknown) => (typeof x === 'number' ? x : Number.NaN);
        if (isGpu) {
          const corr = num(args.correlation);
          k.gTs.push(ts); k.gDur.push(dur); k.gDevice.push(num(args.device)); k.gStream.push(num(args.stream));
          k.gCorr.push(corr); k.gName.push(typeof e.name === 'string' ? e.name : cat); k.gOwner.push(-1);
        } else if (isRt) {
          thread(e).rt.push(rtTs.length);
          rtTs.push(ts); rtCorr.push(num(args.correlation));
        } else {
          thread(e).ops.push(opStart.length);
          opStart.push(ts); opEnd.push(ts + dur);
          opKey.push(num(args['Record function id'] ?? args['External id'] ?? args['external id']));
          opName.push(typeof e.name === 'string' ? e.name : '');
        }
      },
    });
    for await (const chunk of sourceChunks(file, progress)) scanner.push(chunk);
    scanner.end();
    if (!scanner.hadTraceEvents) throw new BadInputError(file, undefined, 'traceEvents', 'missing (not a Kineto trace)');

    // Innermost enclosing CPU op of each runtime call, per thread: one sweep over both sorted by start
    // (an enclosing op starts first; at equal starts the longer one encloses), with a stack of open ops.
    const ownerOfCorr = new Map<number, number>();
    for (const t of threads.values()) {
      const ops = t.ops.sort((a, b) => opStart[a]! - opStart[b]! || opEnd[b]! - opEnd[a]! || a - b);
      const rts = t.rt.sort((a, b) => rtTs[a]! - rtTs[b]! || a - b);
      const stack: number[] = [];
      let o = 0;
      for (const r of rts) {
        const at = rtTs[r]!;
        while (o < ops.length && opStart[ops[o]!]! <= at) {
          const next = ops[o++]!;
          while (stack.length && opEnd[stack[stack.length - 1]!]! < opStart[next]!) stack.pop();
          stack.push(next);
        }
        while (stack.length && opEnd[stack[stack.length - 1]!]! < at) stack.pop();
        if (stack.length && rtCorr[r] === rtCorr[r]) ownerOfCorr.set(rtCorr[r]!, stack[stack.length - 1]!);
      }
    }
    // CPU ops renumbered in start order (the order op matching walks)
    const byStart = Array.from({ length: opStart.length }, (_, i) => i).sort((a, b) => opStart[a]! - opStart[b]! || a - b);
    const rank = new Int32Array(opStart.length);
    for (const [r, i] of byStart.entries()) {
      rank[i] = r;
      k.opStart.push(opStart[i]!); k.opEnd.push(opEnd[i]!); k.opKey.push(opKey[i]!); k.opName.push(opName[i]!);
    }
    for (let i = 0; i < k.gTs.length; i++) {
      const owner = ownerOfCorr.get(k.gCorr[i]!);
      if (owner !== undefined) k.gOwner[i] = rank[owner]!;
    }
    return k;
  }
}
