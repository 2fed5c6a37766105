/**
 * Implied allocations for sources that record accesses but not allocations (UVM fault logs, ftrace,
 * DAMON, nvprof, nsys without CUDA_GPU_MEMORY_USAGE_EVENTS). Replay models only memory it knows an
 * `alloc` for, so without these the derived access rows would be dropped as unmapped.
 *
 * One pass over the source: its rows go to the sink while a collector notes the 2 MiB VA blocks the
 * access rows touch and the exact ranges the source frees; at the end one `alloc` per freed range and
 * per maximal run of touched blocks outside them is written at ts 0 as a *leading* row (before every
 * row of the trace), owned by cpu0, named `mem@0x<start>#0` (allocated before the trace, the Kineto
 * reader's naming). A source that has alloc rows of its own gets none (its allocations are the truth).
 */
import type { RowSink } from './format.ts';
import type { MemKind } from './trace/schema.ts';
import { VA_BLOCK_SIZE, type Addr, type Bytes, type Ns } from './trace/units.ts';
import type { TraceRow } from './trace/writer.ts';
import { clearRow, emptyRow } from './trace/writer.ts';
import { objectName } from './allocation-names.ts';

/** One pass over every source file into `sink`. */
export type SourcePass = (sink: RowSink) => Promise<void> | void;

/** Collects what the first pass needs; drops everything else. */
class RangeCollector implements RowSink {
  readonly metadata = new Map<string, string>();
  readonly blocks = new Set<number>();
  readonly freed: [number, number][] = [];
  sawAlloc = false;
  private lastAddr = -1;
  private lastBytes = -1;

  append(r: TraceRow): void {
    if (r.op === 'alloc') { this.sawAlloc = true; return; }
    if (r.addr === null || r.bytes === null) return;
    if (r.op === 'free') { this.freed.push([r.addr, r.addr + r.bytes]); return; }
    // An observed migration or fault with an address, or a prefetch request, proves the memory exists
    // as much as an access does (a speculative prefetch derives no access, but its pages are mapped).
    if (r.op !== 'read' && r.op !== 'write' && r.op !== 'atomic' && r.op !== 'prefetch' && r.op !== 'obs_migrate' && r.op !== 'obs_fault') return;
    if (r.addr === this.lastAddr && r.bytes === this.lastBytes) return;
    this.lastAddr = r.addr;
    this.lastBytes = r.bytes;
    const last = Math.floor((r.addr + Math.max(r.bytes, 1) - 1) / VA_BLOCK_SIZE);
    for (let b = Math.floor(r.addr / VA_BLOCK_SIZE); b <= last; b++) this.blocks.add(b);
  }

  appendLeading(r: TraceRow): void { this.append(r); }
  unmapped(): void {}
}

/** Runs `pass` once into `sink`, then adds the implied allocations as leading rows. */
export async function withImpliedAllocations(sink: RowSink, mem: MemKind, pass: SourcePass): Promise<void> {
  const collector = new RangeCollector();
  const tee: RowSink = {
    metadata: sink.metadata,
    append(r) { collector.append(r); sink.append(r); },
    appendLeading(r) { collector.append(r); sink.appendLeading(r); },
    unmapped(kind, count) { sink.unmapped(kind, count); },
  };
  await pass(tee);
  if (!collector.sawAlloc) {
    const ranges = impliedRanges(collector.blocks, collector.freed);
    const row = emptyRow();
    for (const [start, end] of ranges) {
      clearRow(row);
      row.ts = 0 as Ns; row.op = 'alloc'; row.agent = 'cpu0'; row.mem = mem;
      row.addr = start as Addr; row.bytes = (end - start) as Bytes; row.obj = objectName(start, 0);
      row.name = 'implied';
      sink.appendLeading(row);
    }
  }
}

/**
 * The freed ranges (first of any overlapping ones) plus the runs of touched blocks outside them,
 * sorted by start.
 */
export function impliedRanges(blocks: ReadonlySet<number>, freed: readonly [number, number][]): [number, number][] {
  const kept: [number, number][] = [];
  for (const f of [...freed].sort((a, b) => a[0] - b[0] || a[1] - b[1])) {
    const prev = kept[kept.length - 1];
    if (f[1] <= f[0]) continue;
    if (prev && f[0] < prev[1]) continue; // duplicate or overlapping: the first one stands
    kept.push(f);
  }
  const sorted = Float64Array.from(blocks).sort();
  const out: [number, number][] = [...kept];
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    subtract(sorted[i]! * VA_BLOCK_SIZE, (sorted[j]! + 1) * VA_BLOCK_SIZE, kept, out);
    i = j + 1;
  }
  return out.sort((a, b) => a[0] - b[0]);
}

/** Appends [start, end) minus the sorted, disjoint `holes` to `out`. */
function subtract(start: number, end: number, holes: readonly [number, number][], out: [number, number][]): void {
  let s = start;
  for (const [hs, he] of holes) {
    if (he <= s) continue;
    if (hs >= end) break;
    if (hs > s) out.push([s, hs]);
    s = Math.max(s, he);
    if (s >= end) return;
  }
  if (s < end) out.push([s, end]);
}
