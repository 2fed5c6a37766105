/**
 * A training step's memory footprint, read from the trace a run replayed: per memory kind of GPU
 * data (`device`, `managed`), the peak of the sum of live allocation sizes (alloc adds its bytes, free
 * removes them, in trace order) and the total allocated. For a PyTorch Execution Trace (ET ingest
 * frees each storage after its last use), that peak is the step's footprint: the device memory the
 * step needs to run without eviction.
 *
 * The run records the trace's path as it was given to `replay` and the trace's sha256; the footprint
 * is stated only when that file is still there with the same hash (else the caller says nothing).
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { TraceReader } from '../ingest/trace/reader.ts';
import { META } from '../ingest/trace/schema.ts';

export interface Footprint {
  /** memory kind of the allocations (`device` or `managed`) */
  mem: string;
  /** the peak of the sum of live allocation sizes (bytes) */
  peakLive: number;
  /** sum of every allocation's size (bytes) */
  allocated: number;
  allocations: number;
}

/** Memory kinds whose allocations are GPU data (a cudaMalloc, an ET storage, a managed buffer). */
const GPU_DATA = new Set(['device', 'managed']);

/** The trace's source format (`et`, `kineto`, `synth:gpu-kernel` …), or undefined when it cannot be opened. */
export async function traceFormat(path: string): Promise<string | undefined> {
  try {
    const r = await TraceReader.open(path);
    try { return r.metadata.get(META.sourceFormat); } finally { await r.close(); }
  } catch {
    return undefined;
  }
}

/** Where a run's trace is now: its recorded path, as given (relative to the working directory). */
export function tracePathOf(recorded: string, cwd = process.cwd()): string | undefined {
  const p = isAbsolute(recorded) ? recorded : resolve(cwd, recorded);
  return existsSync(p) ? p : undefined;
}

/**
 * The footprint per GPU-data memory kind, in the order the kinds first appear; undefined when the
 * file's sha256 is not `sha256` (the trace changed since the run).
 */
export async function traceFootprint(path: string, sha256: string): Promise<Footprint[] | undefined> {
  const reader = await TraceReader.open(path, { hash: true });
  const live = new Map<string, { mem: string; bytes: number }>(); // per live allocation (not per event)
  const byMem = new Map<string, Footprint & { now: number }>();
  try {
    for await (const b of reader.batches()) {
      const ops = b.dictionary('op'), opc = b.codes('op');
      const mems = b.dictionary('mem'), memc = b.codes('mem');
      const objs = b.dictionary('obj'), objc = b.codes('obj');
      const bytes = b.num('bytes');
      const kAlloc = ops.indexOf('alloc'), kFree = ops.indexOf('free');
      for (let i = 0; i < b.length; i++) {
        const op = opc[i]!;
        if (op !== kAlloc && op !== kFree) continue;
        const obj = objc[i]! < 0 ? null : objs[objc[i]!]!;
        if (op === kAlloc) {
          const mem = memc[i]! < 0 ? '' : mems[memc[i]!]!;
          const n = bytes[i]!;
          if (!GPU_DATA.has(mem) || !(n > 0)) continue;
          let f = byMem.get(mem);
          if (!f) { f = { mem, peakLive: 0, allocated: 0, allocations: 0, now: 0 }; byMem.set(mem, f); }
          f.allocated += n; f.allocations++; f.now += n;
          if (f.now > f.peakLive) f.peakLive = f.now;
          if (obj !== null) live.set(obj, { mem, bytes: n });
        } else if (obj !== null) {
          const a = live.get(obj);
          if (!a) continue;
          live.delete(obj);
          byMem.get(a.mem)!.now -= a.bytes;
        }
      }
    }
    if (reader.sha256() !== sha256) return undefined;
  } finally {
    await reader.close();
  }
  return [...byMem.values()].map(({ mem, peakLive, allocated, allocations }) => ({ mem, peakLive, allocated, allocations }));
}
