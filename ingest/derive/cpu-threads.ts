/**
 * CPU threads as the `stream` of CPU rows (docs/trace-schema.md "Columns"): the source's thread ids
 * (Kineto `pid`/`tid`, an nsys `globalTid`, a rocprof `thread_id`) numbered 0, 1, … in order of first
 * appearance in the source, so the numbering does not depend on the ids' values and is the same on
 * every run.
 */
export class CpuThreads {
  private readonly numbers = new Map<string | number, number>();

  /** The dense number of a source thread key (any value that identifies it within one process). */
  of(key: string | number): number {
    let n = this.numbers.get(key);
    if (n === undefined) {
      n = this.numbers.size;
      this.numbers.set(key, n);
    }
    return n;
  }

  /** Threads seen so far. */
  get count(): number { return this.numbers.size; }
}
