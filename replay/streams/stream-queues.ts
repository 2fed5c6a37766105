/**
 * The GPU side of stream order: per (device, stream) the end of its last op (observed and modeled) and
 * the `wait` rows that hold its next op. Streams are found by a Map from a numeric (agent, stream) key
 * to a dense index; the state is typed-array columns (a trace has tens of streams, not thousands).
 */
import { grownTo, nextCapacity } from '../../common/growable.ts';

/** Numeric key of (agent, stream id): stream ids are Int32 (the trace's `stream` column). */
export const streamKey = (agent: number, stream: number): number => agent * 4294967296 + (stream + 2147483648);

export class StreamQueues {
  /** end of the last op on the stream: observed, modeled (NaN before its first op) */
  endObs = new Float64Array(16).fill(Number.NaN);
  endMod = new Float64Array(16).fill(Number.NaN);
  /** the device (agent index) and stream id of each stream */
  agent = new Int32Array(16);
  stream = new Int32Array(16);
  /** correlation id of the stream's last op (NaN when it had none) */
  lastCorr = new Float64Array(16).fill(Number.NaN);
  /** correlation ids named by `wait` rows since the stream's last op (rare: a few per step) */
  readonly waits: number[][] = [];
  private readonly index = new Map<number, number>();
  count = 0;

  /** Dense index of (agent, stream), created on first use. */
  of(agent: number, stream: number): number {
    const k = streamKey(agent, stream);
    let q = this.index.get(k);
    if (q !== undefined) return q;
    q = this.count++;
    if (q >= this.endObs.length) {
      const n = nextCapacity(this.endObs.length, q + 1);
      this.endObs = grownTo(this.endObs, n, Number.NaN);
      this.endMod = grownTo(this.endMod, n, Number.NaN);
      this.lastCorr = grownTo(this.lastCorr, n, Number.NaN);
      this.agent = grownTo(this.agent, n);
      this.stream = grownTo(this.stream, n);
    }
    this.agent[q] = agent;
    this.stream[q] = stream;
    this.waits.push([]);
    this.index.set(k, q);
    return q;
  }

  /** The op just scheduled on stream `q` ends at `obs` / `mod`. */
  ended(q: number, corr: number, obs: number, mod: number): void {
    this.endObs[q] = obs;
    this.endMod[q] = mod;
    this.lastCorr[q] = corr;
  }

  /** A kernel's modeled end grew (stall while it ran): raise the stream's end if the kernel is still its last op. */
  raise(q: number, mod: number): void {
    if (mod > this.endMod[q]!) this.endMod[q] = mod;
  }
}
