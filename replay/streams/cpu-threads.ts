/**
 * The CPU side of stream order: every (CPU agent, thread) has its own shift, the modeled-minus-observed
 * time of its rows. The engine's `delay[cpu]` holds the shift of the thread whose row it is replaying;
 * `use()` saves it for the previous thread and loads the next one's when the thread changes (the CPU
 * rows' `stream` column is the thread). A stall of a CPU access (a CPU fault) thus moves only the
 * thread that took it, and a blocking call (`sync`) moves only the thread that made it.
 *
 * Threads are found by a Map from (agent, thread) to a dense index; their state is typed-array columns.
 */
import { grownTo, nextCapacity } from '../../common/growable.ts';
import { streamKey } from './stream-queues.ts';

export class CpuThreads {
  /** shift of each thread (ns) while another thread's rows are replayed */
  shift = new Float64Array(8);
  /** latest observed end (ts + dur) of each thread's rows */
  frontier = new Float64Array(8).fill(Number.NEGATIVE_INFINITY);
  agent = new Int32Array(8);
  /** the thread whose shift `delay[agent]` holds, per agent (-1 = none yet) */
  readonly current: Int32Array;
  private readonly index = new Map<number, number>();
  count = 0;

  constructor(agents: number) { this.current = new Int32Array(agents).fill(-1); }

  /** Makes thread `thread` of `agent` current (saving the previous thread's shift from `delay`); returns its index. */
  use(agent: number, thread: number, delay: Float64Array): number {
    const k = streamKey(agent, thread);
    let t = this.index.get(k);
    if (t === undefined) {
      t = this.count++;
      if (t >= this.shift.length) {
        const n = nextCapacity(this.shift.length, t + 1);
        this.shift = grownTo(this.shift, n);
        this.frontier = grownTo(this.frontier, n, Number.NEGATIVE_INFINITY);
        this.agent = grownTo(this.agent, n);
      }
      this.agent[t] = agent;
      // The agent's first thread inherits the agent's clock (rows replayed before any thread was seen);
      // a later thread has no dependency yet, so it starts at its observed time (shift 0).
      this.shift[t] = this.current[agent]! < 0 ? delay[agent]! : 0;
      this.index.set(k, t);
    }
    const cur = this.current[agent]!;
    if (cur !== t) {
      if (cur >= 0) this.shift[cur] = delay[agent]!;
      delay[agent] = this.shift[t]!;
      this.current[agent] = t;
    }
    return t;
  }

  /** Saves the current threads' shifts from `delay` (before reading `shift` of every thread). */
  save(delay: Float64Array): void {
    for (let a = 0; a < this.current.length; a++) { const t = this.current[a]!; if (t >= 0) this.shift[t] = delay[a]!; }
  }
}
