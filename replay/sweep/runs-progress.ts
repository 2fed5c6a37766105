/**
 * How far a sweep is, in runs: each finished run counts 1, each running one the fraction of its
 * trace rows replayed so far (reported by its worker). So the sweep's bar moves while runs run,
 * instead of sitting at 0 % until the first run ends.
 */
export class RunsProgress {
  private done = 0;
  private readonly partial = new Map<number, number>();

  /** Task `i` has replayed `fraction` (0..1) of its rows; returns the runs done so far. */
  running(i: number, fraction: number): number {
    this.partial.set(i, Math.max(0, Math.min(1, fraction)));
    return this.value;
  }

  /** Task `i` finished; returns the runs done so far. */
  finished(i: number): number {
    this.partial.delete(i);
    this.done++;
    return this.value;
  }

  get value(): number {
    let v = this.done;
    for (const f of this.partial.values()) v += f;
    return v;
  }
}
