/**
 * Device-memory root chunks (2 MiB) per GPU and the eviction order of the UVM PMM (REFERENCE.md §2.5):
 * allocated chunks sit in a list; a chunk goes to the tail when a VA block newly becomes resident in
 * it (`chunk_update_lists_locked` on subchunk allocation; `block_mark_memory_used` acts only when the
 * block newly becomes resident on that GPU), and eviction takes the head. A later migration into a
 * block that is already resident does not refresh its place: FIFO by population (§2.5, corrected
 * 2026-12), not least recently migrated and not least recently accessed. A chunk whose pages all left is freed at once (the driver's UNUSED list comes first, so
 * an empty chunk is always the first victim: freeing it eagerly is the same order). Chunks of
 * `device` allocations (cudaMalloc) are counted but never on the list: they cannot be evicted.
 *
 * One list entry per dense VA block on one GPU. Capacity is counted in units (`unitsOf(b)` a block
 * takes): the model counts device memory in 64 KiB units and a block takes its range rounded up to
 * 64 KiB, because a VA block smaller than 2 MiB (a small allocation) gets chunks of the largest sizes
 * that fit it, split from 2 MiB root chunks (`uvm_va_block.c: block_gpu_chunk_size`,
 * `uvm_pmm_gpu.c` subchunk split), not a root chunk of its own. Left out: fragmentation inside root
 * chunks (a victim is still one whole block). Lists are doubly linked in Int32Arrays.
 */
export class ChunkLru {
  private prev: Int32Array[] = [];
  private next: Int32Array[] = [];
  private state: Uint8Array[] = []; // 0 none, 1 listed, 2 pinned
  private units: Uint8Array[] = []; // units block b holds on GPU g while listed or pinned
  readonly head: Int32Array;
  readonly tail: Int32Array;
  readonly used: Int32Array;
  private cap = 0;

  /**
   * `capacity`: per GPU, the units of device memory; `unitsOf(b)`: the units block `b` takes (default
   * 1: capacity counted in blocks).
   */
  constructor(readonly capacity: readonly number[], private readonly unitsOf: (b: number) => number = () => 1) {
    const G = capacity.length;
    this.head = new Int32Array(G).fill(-1);
    this.tail = new Int32Array(G).fill(-1);
    this.used = new Int32Array(G);
    for (let g = 0; g < G; g++) { this.prev.push(new Int32Array(0)); this.next.push(new Int32Array(0)); this.state.push(new Uint8Array(0)); this.units.push(new Uint8Array(0)); }
  }

  ensure(blocks: number): void {
    if (blocks <= this.cap) return;
    for (let g = 0; g < this.capacity.length; g++) {
      const p = new Int32Array(blocks); p.set(this.prev[g]!); this.prev[g] = p;
      const n = new Int32Array(blocks); n.set(this.next[g]!); this.next[g] = n;
      const s = new Uint8Array(blocks); s.set(this.state[g]!); this.state[g] = s;
      const u = new Uint8Array(blocks); u.set(this.units[g]!); this.units[g] = u;
    }
    this.cap = blocks;
  }

  has(g: number, b: number): boolean { return this.state[g]![b]! !== 0; }
  /** True when GPU `g` has no room for block `b` (without `b`: for one more unit). */
  isFull(g: number, b = -1): boolean { return this.used[g]! + (b < 0 ? 1 : this.unitsOf(b)) > this.capacity[g]!; }

  /**
   * Block `b` populated or migrated into its chunk on GPU `g`: a newly resident block joins the tail;
   * one already listed keeps its place (FIFO by population, §2.5).
   */
  touch(g: number, b: number): void {
    const st = this.state[g]!;
    if (st[b] !== 0) return;
    this.hold(g, b);
    st[b] = 1;
    const prev = this.prev[g]!;
    const next = this.next[g]!;
    prev[b] = this.tail[g]!;
    next[b] = -1;
    if (this.tail[g]! >= 0) next[this.tail[g]!] = b; else this.head[g] = b;
    this.tail[g] = b;
  }

  /** A chunk that may never be evicted (device allocation). */
  pin(g: number, b: number): void {
    const st = this.state[g]!;
    if (st[b] === 1) this.unlink(g, b); else if (st[b] === 0) this.hold(g, b);
    st[b] = 2;
  }

  /** The chunk is empty (or its allocation was freed): return it. */
  release(g: number, b: number): void {
    const st = this.state[g]!;
    if (st[b] === 0) return;
    if (st[b] === 1) this.unlink(g, b);
    st[b] = 0;
    this.used[g]! -= this.units[g]![b]!;
  }

  private hold(g: number, b: number): void {
    const u = this.unitsOf(b);
    this.units[g]![b] = u;
    this.used[g]! += u;
  }

  /** The eviction victim on GPU `g`: the list head, skipping `busy` (the block being serviced). */
  victim(g: number, busy: number): number {
    let b = this.head[g]!;
    if (b === busy && b >= 0) b = this.next[g]![b]!;
    return b;
  }

  private unlink(g: number, b: number): void {
    const prev = this.prev[g]!;
    const next = this.next[g]!;
    const p = prev[b]!;
    const n = next[b]!;
    if (p >= 0) next[p] = n; else this.head[g] = n;
    if (n >= 0) prev[n] = p; else this.tail[g] = p;
  }
}
