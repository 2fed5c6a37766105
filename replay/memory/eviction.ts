/**
 * Device-memory root chunks (2 MiB) per GPU and the eviction order of the UVM PMM (REFERENCE.md §2.5):
 * allocated chunks sit in a list; a chunk moves to the tail whenever a VA block allocates (migrates
 * into) it, and eviction takes the head — least recently allocated/migrated, not least recently
 * accessed. A chunk whose pages all left is freed at once (the driver's UNUSED list comes first, so
 * an empty chunk is always the first victim: freeing it eagerly is the same order). Chunks of
 * `device` allocations (cudaMalloc) are counted but never on the list: they cannot be evicted.
 *
 * One chunk backs one dense VA block on one GPU. Lists are doubly linked in Int32Arrays.
 */
export class ChunkLru {
  private prev: Int32Array[] = [];
  private next: Int32Array[] = [];
  private state: Uint8Array[] = []; // 0 none, 1 listed, 2 pinned
  readonly head: Int32Array;
  readonly tail: Int32Array;
  readonly used: Int32Array;
  private cap = 0;

  constructor(readonly capacity: readonly number[]) {
    const G = capacity.length;
    this.head = new Int32Array(G).fill(-1);
    this.tail = new Int32Array(G).fill(-1);
    this.used = new Int32Array(G);
    for (let g = 0; g < G; g++) { this.prev.push(new Int32Array(0)); this.next.push(new Int32Array(0)); this.state.push(new Uint8Array(0)); }
  }

  ensure(blocks: number): void {
    if (blocks <= this.cap) return;
    for (let g = 0; g < this.capacity.length; g++) {
      const p = new Int32Array(blocks); p.set(this.prev[g]!); this.prev[g] = p;
      const n = new Int32Array(blocks); n.set(this.next[g]!); this.next[g] = n;
      const s = new Uint8Array(blocks); s.set(this.state[g]!); this.state[g] = s;
    }
    this.cap = blocks;
  }

  has(g: number, b: number): boolean { return this.state[g]![b]! !== 0; }
  isFull(g: number): boolean { return this.used[g]! >= this.capacity[g]!; }

  /** Block `b` allocated or migrated into its chunk on GPU `g`: (add and) move to the tail. */
  touch(g: number, b: number): void {
    const st = this.state[g]!;
    if (st[b] === 2) return;
    if (st[b] === 1) this.unlink(g, b); else this.used[g]!++;
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
    if (st[b] === 1) this.unlink(g, b); else if (st[b] === 0) this.used[g]!++;
    st[b] = 2;
  }

  /** The chunk is empty (or its allocation was freed): return it. */
  release(g: number, b: number): void {
    const st = this.state[g]!;
    if (st[b] === 0) return;
    if (st[b] === 1) this.unlink(g, b);
    st[b] = 0;
    this.used[g]!--;
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
