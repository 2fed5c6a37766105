/**
 * A bounded map from correlation id to two times (e.g. an op's observed and modeled end). Real traces
 * carry millions of correlation ids, but a dependency (a launch, a `wait`, a `sync`) names an op that
 * ran shortly before it, so the table keeps only the `capacity` most recently inserted ids (FIFO ring
 * of typed-array columns plus one Map from id to slot). An id pushed out of the ring is forgotten:
 * `slot()` returns -1 for it and the caller treats the dependency as already satisfied, counting it in
 * `forgotten` lookups (the replay summary does not hold it; tests and benches read it).
 */

/** How many ids a table keeps by default: 65,536 ops (≈ 1.5 MiB of columns). A dependency on an op
 * more than 65,536 inserts older is forgotten. */
export const CORR_TABLE_CAPACITY = 65536;

export class CorrTable {
  /** first time per slot (observed) */
  readonly obs: Float64Array;
  /** second time per slot (modeled) */
  readonly mod: Float64Array;
  private readonly ids: Float64Array;
  private readonly slots = new Map<number, number>();
  private next = 0;
  /** lookups of an id that was inserted once but has left the ring */
  forgotten = 0;
  private inserted = 0;

  constructor(readonly capacity = CORR_TABLE_CAPACITY) {
    this.obs = new Float64Array(capacity);
    this.mod = new Float64Array(capacity);
    this.ids = new Float64Array(capacity).fill(Number.NaN);
  }

  /** The slot of `id`, or -1 when unknown (never inserted, or forgotten). */
  slot(id: number): number {
    const s = this.slots.get(id);
    if (s !== undefined) return s;
    if (this.inserted > this.capacity) this.forgotten++;
    return -1;
  }

  /** Sets the times of `id` (a later insert of the same id overwrites them). */
  set(id: number, obs: number, mod: number): void {
    const s = this.slotFor(id);
    this.obs[s] = obs;
    this.mod[s] = mod;
  }

  /** Raises the times of `id` to at least `obs` / `mod` (several ops share one id, e.g. the kernels of
   * one cudaGraphLaunch: the id's end is the latest of theirs). */
  setMax(id: number, obs: number, mod: number): void {
    const known = this.slots.get(id);
    const s = this.slotFor(id);
    if (known === undefined) { this.obs[s] = obs; this.mod[s] = mod; return; }
    if (obs > this.obs[s]!) this.obs[s] = obs;
    if (mod > this.mod[s]!) this.mod[s] = mod;
  }

  private slotFor(id: number): number {
    const s = this.slots.get(id);
    if (s !== undefined) return s;
    const k = this.next;
    this.next = (k + 1) % this.capacity;
    const old = this.ids[k]!;
    if (old === old) this.slots.delete(old);
    this.ids[k] = id;
    this.slots.set(id, k);
    this.inserted++;
    return k;
  }
}
