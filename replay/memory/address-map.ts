/**
 * Maps virtual address ranges of allocations to dense page indices, once at alloc time, so that all
 * per-page state lives in typed arrays sized by the footprint (REFERENCE.md §2.1 granules).
 *
 * Each allocation gets whole dense VA blocks: the block structure follows the VA (2 MiB-aligned), so
 * an allocation [start, end) owns blocks ⌊start/2MiB⌋ .. ⌈end/2MiB⌉ in its own dense range, and a
 * block's valid pages are those inside the allocation (UVM splits VA blocks at range boundaries).
 * Dense page index = blockIndex × 512 + page offset inside the 2 MiB VA block.
 *
 * Freed allocations keep their dense range (not reused): the footprint is the sum of all allocations
 * of the trace.
 */
import { PAGE_SIZE, VA_BLOCK_SIZE } from '../../ingest/trace/units.ts';
import { PAGES_PER_BLOCK } from './prefetcher.ts';

const INV_PAGE = 1 / PAGE_SIZE;

export class AddressMap {
  start = new Float64Array(16);
  end = new Float64Array(16);
  firstBlock = new Float64Array(16);
  /** index into MEM_KINDS */
  memKind = new Uint8Array(16);
  /** interned object name id (-1 none) */
  obj = new Int32Array(16);
  /** agent index of the allocating agent */
  owner = new Int32Array(16);
  live = new Uint8Array(16);
  count = 0;
  blocks = 0;
  /** live allocation ids sorted by start */
  private sorted: number[] = [];
  private last = -1;

  /** Registers [start, start+bytes); returns the allocation id. Throws a string on overlap. */
  add(start: number, bytes: number, memKind: number, obj: number, owner: number): number | string {
    const end = start + bytes;
    const pos = this.upperBound(start);
    const before = this.sorted[pos - 1];
    const after = this.sorted[pos];
    if (before !== undefined && this.end[before]! > start) return `overlaps a live allocation at 0x${this.start[before]!.toString(16)}`;
    if (after !== undefined && this.start[after]! < end) return `overlaps a live allocation at 0x${this.start[after]!.toString(16)}`;
    if (this.count === this.start.length) this.grow();
    const id = this.count++;
    const b0 = Math.floor(start / VA_BLOCK_SIZE);
    const b1 = Math.ceil(end / VA_BLOCK_SIZE);
    this.start[id] = start; this.end[id] = end; this.firstBlock[id] = this.blocks - b0;
    this.memKind[id] = memKind; this.obj[id] = obj; this.owner[id] = owner; this.live[id] = 1;
    this.blocks += b1 - b0;
    this.sorted.splice(pos, 0, id);
    return id;
  }

  /** Dense block range of an allocation: [blockOf(start), blockOf(end-1)]. */
  denseBlock(id: number, a: number): number { return this.firstBlock[id]! + Math.floor(a / VA_BLOCK_SIZE); }
  /** Dense page index of address `a` inside allocation `id` (= firstBlock·512 + ⌊a / 4 KiB⌋, as 2 MiB
   * blocks hold 512 pages; one exact power-of-two scaling instead of a modulo). */
  densePage(id: number, a: number): number {
    return this.firstBlock[id]! * PAGES_PER_BLOCK + Math.floor(a * INV_PAGE);
  }

  remove(id: number): void {
    this.live[id] = 0;
    const i = this.sorted.indexOf(id);
    if (i >= 0) this.sorted.splice(i, 1);
    if (this.last === id) this.last = -1;
  }

  /** The live allocation containing address `a`, or -1. */
  find(a: number): number {
    const l = this.last;
    if (l >= 0 && a >= this.start[l]! && a < this.end[l]!) return l;
    const pos = this.upperBound(a) - 1;
    const id = this.sorted[pos];
    if (id === undefined || a >= this.end[id]!) return -1;
    this.last = id;
    return id;
  }

  /** The live allocation whose object name id is `obj`, or -1 (latest first). */
  findObj(obj: number): number {
    for (let i = this.sorted.length - 1; i >= 0; i--) { const id = this.sorted[i]!; if (this.obj[id] === obj) return id; }
    return -1;
  }

  private upperBound(a: number): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (this.start[this.sorted[mid]!]! <= a) lo = mid + 1; else hi = mid; }
    return lo;
  }

  private grow(): void {
    const n = this.start.length * 2;
    const g = <T extends Float64Array | Int32Array | Uint8Array>(a: T): T => { const b = new (a.constructor as new (n: number) => T)(n); b.set(a); return b; };
    this.start = g(this.start); this.end = g(this.end); this.firstBlock = g(this.firstBlock); this.memKind = g(this.memKind);
    this.obj = g(this.obj); this.owner = g(this.owner); this.live = g(this.live);
  }
}
