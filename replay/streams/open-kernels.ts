/**
 * Kernels whose observed end the replay has not reached yet, and the stall the memory model adds to
 * them. A kernel keeps its observed compute time D (the model does not know compute); its modeled end
 * is `S' + D + stall`, where `stall` is what the memory model added to its GPU's clock (fault batches,
 * remote accesses, throttling: agent-clocks.ts `stall`) while the kernel ran, i.e. between the rows at
 * its observed start and its observed end. The engine closes a kernel at the first row at or after its
 * observed end (`due`), so every row that could stall it has been replayed.
 *
 * Simplification: a stall on a GPU delays every kernel open on that GPU, whatever its stream. UVM
 * services a GPU's faults from one fault buffer in batches, and the GPU's fault handling (replayable
 * faults: the faulting µTLBs wait for the replay; REFERENCE.md §2.2) is shared by everything running on
 * it; hetmem does not model which SMs or warps a stall holds, so it charges the whole stall to every
 * kernel running then. That overestimates the delay of a kernel on another stream that faulted on
 * nothing (real SMs keep running it), and is exact for one stream per GPU.
 *
 * Accesses that carry a kernel's correlation id run at that kernel's shifted time: `enter()` sets the
 * GPU's `delay` (the engine's `ts + delay[agent]`) to the kernel's shift `S' - S` plus the stall so far.
 */

/** At most this many kernels open at once (concurrent kernels of one trace: far fewer). Beyond it the
 * oldest open kernel is closed early (its stall then stops growing). */
const MAX_OPEN = 1024;

export class OpenKernels {
  readonly corr = new Float64Array(MAX_OPEN);
  readonly queue = new Int32Array(MAX_OPEN);
  readonly agent = new Int32Array(MAX_OPEN);
  readonly startObs = new Float64Array(MAX_OPEN);
  readonly startMod = new Float64Array(MAX_OPEN);
  readonly dur = new Float64Array(MAX_OPEN);
  /** the GPU's accumulated stall when the kernel started */
  readonly stall0 = new Float64Array(MAX_OPEN);
  count = 0;
  /** the earliest observed end among the open kernels (Infinity when none) */
  due = Number.POSITIVE_INFINITY;
  /** the kernel whose shift the GPU's delay holds, per agent (its correlation id; NaN = none) */
  private readonly entered: Float64Array;

  constructor(agents: number) { this.entered = new Float64Array(agents).fill(Number.NaN); }

  /** Opens a kernel; returns false when the table is full (the caller closes the oldest first). */
  open(corr: number, q: number, agent: number, startObs: number, startMod: number, dur: number, stall: number): boolean {
    if (this.count === MAX_OPEN) return false;
    const k = this.count++;
    this.corr[k] = corr; this.queue[k] = q; this.agent[k] = agent;
    this.startObs[k] = startObs; this.startMod[k] = startMod; this.dur[k] = dur; this.stall0[k] = stall;
    if (startObs + dur < this.due) this.due = startObs + dur;
    return true;
  }

  /** The GPU's delay while kernel `k` runs: its shift plus the stall since it started. */
  delayOf(k: number, stall: Float64Array): number {
    return this.startMod[k]! - this.startObs[k]! + (stall[this.agent[k]!]! - this.stall0[k]!);
  }

  /** Points `delay[agent]` at the open kernel with correlation id `corr` (no-op when it is not open). */
  enter(agent: number, corr: number, delay: Float64Array, stall: Float64Array): void {
    if (corr === this.entered[agent]) return;
    for (let k = 0; k < this.count; k++) {
      if (this.corr[k] === corr && this.agent[k] === agent) { delay[agent] = this.delayOf(k, stall); this.entered[agent] = corr; return; }
    }
  }

  /** Marks `delay[agent]` as holding kernel `corr`'s shift (set by the caller when it opens it). */
  entering(agent: number, corr: number): void { this.entered[agent] = corr; }

  /** Removes kernel `k` (swap with the last), recomputing `due`. */
  remove(k: number): void {
    const last = --this.count;
    if (k !== last) {
      this.corr[k] = this.corr[last]!; this.queue[k] = this.queue[last]!; this.agent[k] = this.agent[last]!;
      this.startObs[k] = this.startObs[last]!; this.startMod[k] = this.startMod[last]!; this.dur[k] = this.dur[last]!; this.stall0[k] = this.stall0[last]!;
    }
    let due = Number.POSITIVE_INFINITY;
    for (let j = 0; j < this.count; j++) { const e = this.startObs[j]! + this.dur[j]!; if (e < due) due = e; }
    this.due = due;
  }
}
