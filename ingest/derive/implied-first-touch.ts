/**
 * Implied CPU first touch (DESIGN.md "Derived rows"): a page that arrives on a GPU by a
 * host-to-device migration (any cause) proves it was resident in system memory before, so the CPU
 * (or the kernel on its behalf) populated it. Profilers do not record that first touch; without it,
 * replay would see the GPU touch never-populated managed memory and zero-fill it on the GPU
 * (REFERENCE.md §2.3 rule 6, first touch) — predicting no migration at all.
 *
 * Rule: every byte range of an observed HtoD `obs_migrate` (src a `cpu*`, dst a `gpu*`, address
 * known) that no CPU access row touched earlier in the trace (and no earlier HtoD covered) gets a
 * `write` by `cpu0` named DERIVED_FIRST_TOUCH, coalesced into maximal ranges per allocation, placed
 * at the allocation: at the alloc row's ts (appended after it) when the trace has one, else at ts 0
 * as a leading row after the implied allocations. Only the first arrival counts: a page that comes
 * back after an eviction was resident in system memory because it was evicted there.
 *
 * One pass: rows go through to the sink while a tee notes allocations, CPU accesses and HtoD ranges
 * in typed columns; the writes follow at the end.
 */
import type { RowSink } from '../format.ts';
import { agentKind } from '../trace/schema.ts';
import type { Addr, Bytes, Ns } from '../trace/units.ts';
import type { TraceRow } from '../trace/writer.ts';
import { clearRow, emptyRow } from '../trace/writer.ts';
import { IntervalSet } from './interval-set.ts';
import type { SourcePass } from '../implied-allocations.ts';

export const DERIVED_FIRST_TOUCH = 'derived:first_touch';

const CPU_TOUCH = 0;
const HTOD = 1;

/** Growable columns of (ts, addr, end, kind) notes; the order of arrival breaks ts ties. */
class Notes {
  ts = new Float64Array(256); addr = new Float64Array(256); end = new Float64Array(256); kind = new Uint8Array(256);
  count = 0;
  push(ts: number, addr: number, end: number, kind: number): void {
    if (this.count === this.ts.length) {
      const g = <T extends Float64Array | Uint8Array>(a: T): T => { const b = new (a.constructor as new (n: number) => T)(a.length * 2); b.set(a); return b; };
      this.ts = g(this.ts); this.addr = g(this.addr); this.end = g(this.end); this.kind = g(this.kind);
    }
    const k = this.count++;
    this.ts[k] = ts; this.addr[k] = addr; this.end[k] = end; this.kind[k] = kind;
  }
}

interface Allocation { ts: number; start: number; end: number; leading: boolean }

/** Runs `pass` into `sink`, then appends the implied CPU first touches. */
export async function withImpliedFirstTouch(sink: RowSink, pass: SourcePass): Promise<void> {
  const notes = new Notes();
  const allocs: Allocation[] = [];
  const note = (r: TraceRow, leading: boolean) => {
    if (r.addr === null || r.bytes === null || r.bytes <= 0) return;
    const end = r.addr + r.bytes;
    if (r.op === 'alloc') allocs.push({ ts: r.ts, start: r.addr, end, leading });
    else if ((r.op === 'read' || r.op === 'write' || r.op === 'atomic') && agentKind(r.agent) === 'cpu') notes.push(r.ts, r.addr, end, CPU_TOUCH);
    else if (r.op === 'obs_migrate' && agentKind(r.agent) === 'cpu' && r.peer !== null && agentKind(r.peer) === 'gpu') notes.push(r.ts, r.addr, end, HTOD);
  };
  const tee: RowSink = {
    metadata: sink.metadata,
    append(r) { note(r, false); sink.append(r); },
    appendLeading(r) { note(r, true); sink.appendLeading(r); },
    unmapped(kind, count) { sink.unmapped(kind, count); },
  };
  await pass(tee);
  for (const w of impliedFirstTouches(notes, allocs)) {
    const row = emptyRow();
    clearRow(row);
    row.op = 'write'; row.agent = 'cpu0'; row.name = DERIVED_FIRST_TOUCH;
    row.addr = w.start as Addr; row.bytes = (w.end - w.start) as Bytes;
    if (w.alloc && !w.alloc.leading) { row.ts = w.alloc.ts as Ns; sink.append(row); }
    else { row.ts = 0 as Ns; sink.appendLeading(row); }
  }
}

/** The implied writes: [start, end) per allocation (null: no allocation covers it), by address. */
function impliedFirstTouches(notes: Notes, allocs: Allocation[]): { start: number; end: number; alloc: Allocation | null }[] {
  const n = notes.count;
  // Time order; at equal ts a CPU touch counts before the HtoD (it cannot come after its own data).
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) =>
    notes.ts[a]! - notes.ts[b]! || notes.kind[a]! - notes.kind[b]! || a - b);
  const seen = new IntervalSet();
  const implied: { start: number; end: number; alloc: Allocation | null }[] = [];
  for (const k of order) {
    const s = notes.addr[k]!;
    const e = notes.end[k]!;
    if (notes.kind[k] === HTOD) {
      const t = notes.ts[k]!;
      seen.forEachGap(s, e, (gs, ge) => {
        // Split at allocation boundaries: the write belongs to the allocation the page is in.
        let cur = gs;
        while (cur < ge) {
          const a = allocationAt(allocs, cur, t);
          const stop = a ? Math.min(ge, a.end) : Math.min(ge, nextAllocationStart(allocs, cur, ge));
          implied.push({ start: cur, end: stop, alloc: a });
          cur = stop;
        }
      });
    }
    seen.add(s, e);
  }
  implied.sort((x, y) => x.start - y.start);
  const out: typeof implied = [];
  for (const w of implied) {
    const prev = out[out.length - 1];
    if (prev && prev.alloc === w.alloc && prev.end === w.start) prev.end = w.end;
    else out.push({ ...w });
  }
  return out;
}

/** The latest allocation made at or before `t` that contains `a` (leading ones count as ts 0). */
function allocationAt(allocs: readonly Allocation[], a: number, t: number): Allocation | null {
  let best: Allocation | null = null;
  for (const x of allocs) if (a >= x.start && a < x.end && (x.leading ? 0 : x.ts) <= t && (!best || x.ts >= best.ts)) best = x;
  return best;
}

function nextAllocationStart(allocs: readonly Allocation[], a: number, limit: number): number {
  let next = limit;
  for (const x of allocs) if (x.start > a && x.start < next) next = x.start;
  return next;
}
