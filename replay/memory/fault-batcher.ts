/**
 * Replayable GPU fault batching (REFERENCE.md §2.2): faults are fetched and serviced in batches of up
 * to `policy.fault_batch` (default 256). Faults raised at the same modeled time (one wave of warps),
 * or while the GPU's fault engine is still servicing the previous batch, join the open batch;
 * duplicates (same page) are coalesced into one entry whose access type is the most intrusive
 * (write > read), as step 2 of the driver's pipeline does. The batch is serviced when a row that does
 * not join it arrives, when it is full, or at the end of the trace.
 */
export class FaultBatch {
  readonly pages: Int32Array;
  readonly writes: Uint8Array;
  count = 0;
  /** modeled time the batch opened */
  openTs = 0;
  /** agent index of the faulting GPU, -1 when empty */
  agent = -1;
  /** id stamped into PageState.batchMark for coalescing */
  id = 0;

  constructor(readonly capacity: number) {
    this.pages = new Int32Array(capacity);
    this.writes = new Uint8Array(capacity);
  }

  get open(): boolean { return this.count > 0; }

  /** Whether a fault of `agent` at modeled time `t` joins this batch (engine busy until `busyUntil`). */
  joins(agent: number, t: number, busyUntil: number): boolean {
    return this.count > 0 && this.agent === agent && this.count < this.capacity && (t === this.openTs || t < busyUntil);
  }

  start(agent: number, t: number): void {
    this.count = 0;
    this.agent = agent;
    this.openTs = t;
    this.id++;
  }

  /** Adds page `p` unless already queued in this batch (`mark` = PageState.batchMark). */
  add(p: number, write: boolean, mark: Int32Array): void {
    if (mark[p] === this.id) {
      if (write) for (let i = this.count - 1; i >= 0; i--) if (this.pages[i] === p) { this.writes[i] = 1; break; }
      return;
    }
    mark[p] = this.id;
    this.pages[this.count] = p;
    this.writes[this.count] = write ? 1 : 0;
    this.count++;
  }

  get full(): boolean { return this.count >= this.capacity; }

  clear(): void { this.count = 0; this.agent = -1; }
}
